// TLS-RPT (RFC 8460): the _smtp._tls TXT record that tells senders where to report the TLS failures
// they meet delivering to the domain (MTA-STS and DANE failures among them). Parsing is mailauth's.
import type { DomainRecord } from '../../../../preload/contract'
import type { CheckFinding, DomainCheckDefinition } from '../context'
import { item, listed, mailauth, record } from './common'
import { bare, taggedTxt } from './lookups'

const TLSRPT = /^v=TLSRPTv1(?:\s*;|\s*$)/i

/** Whether a rua= destination is one RFC 8460 §3 allows: mailto: with an address, or an https: URL. */
export function validReportUri(uri: string): boolean {
  if (/^mailto:[^@\s]+@[^@\s]+\.[^@\s]+$/i.test(uri)) return true
  try {
    return new URL(uri).protocol === 'https:'
  } catch {
    return false
  }
}

export const tlsRptCheck: DomainCheckDefinition = {
  id: 'tls-rpt',
  async run(ctx): Promise<CheckFinding> {
    const domain = bare(ctx.job.domain)
    const name = `_smtp._tls.${domain}`
    const title = 'TLS-RPT'
    const { records: txt, failure } = await taggedTxt(ctx, name, TLSRPT)
    const records: DomainRecord[] = txt.map((v) => record('TXT', name, v))
    if (failure) return { status: 'warn', title, detail: `Could not read ${name} (${failure.message}); senders that cannot either send no TLS reports.`, records }
    if (!txt.length)
      return {
        status: 'info',
        title,
        detail: `${domain} publishes no TLS-RPT record, so nobody tells you when senders fail to deliver to it over TLS: publish TXT ${name} "v=TLSRPTv1; rua=mailto:tls-reports@${domain}".`,
        records,
      }
    if (txt.length > 1) return { status: 'warn', title, detail: `${name} has ${txt.length} TLS-RPT records, so senders use none of them (RFC 8460 §3): keep one.`, records }
    const { tools } = await mailauth()
    const rua = tools.parseTagValueRecord(txt[0]!).tags.rua
    const uris = (Array.isArray(rua) ? rua.join(',') : (rua ?? ''))
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean)
    if (!uris.length) return { status: 'warn', title, detail: `${name} has no rua=, so senders have nowhere to send their reports: add rua=mailto:… or rua=https://….`, records }
    const bad = uris.filter((u) => !validReportUri(u))
    const items = uris.map((u) => item(u, validReportUri(u) ? 'pass' : 'warn', validReportUri(u) ? 'a report destination' : 'neither a mailto: address nor an https: URL'))
    if (bad.length)
      return {
        status: 'warn',
        title,
        detail: `${name} sends reports to ${listed(bad)}, which ${bad.length === 1 ? 'is' : 'are'} neither a mailto: address nor an https: URL: senders skip ${bad.length === 1 ? 'it' : 'them'}.`,
        records,
        items,
      }
    return { status: 'pass', title, detail: `Senders report TLS delivery failures for ${domain} to ${listed(uris)}.`, records, items }
  },
}
