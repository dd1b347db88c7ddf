// BIMI (informational): default._bimi.DOMAIN names the logo (l=, an https SVG) and the mark
// certificate (a=, a VMC or CMC that Gmail and Apple require); mailbox providers show it only when
// DMARC is at quarantine or reject. The record is checked as mailauth's BIMI lookup checks it.
import type { DomainRecord } from '../../../../preload/contract'
import type { CheckFinding, DomainCheckDefinition } from '../context'
import { item, mailauth, record } from './common'
import { bare, taggedTxt } from './lookups'

const BIMI = /^v=BIMI1(?:\s*;|\s*$)/i

export const bimiCheck: DomainCheckDefinition = {
  id: 'bimi',
  async run(ctx): Promise<CheckFinding> {
    const domain = bare(ctx.job.domain)
    const name = `default._bimi.${domain}`
    const title = 'BIMI'
    const { records: txt, failure } = await taggedTxt(ctx, name, BIMI)
    const records: DomainRecord[] = txt.map((v) => record('TXT', name, v))
    if (failure) return { status: 'info', title, detail: `Could not read ${name} (${failure.message}).`, records }
    if (!txt.length)
      return {
        status: 'info',
        title,
        detail: `${domain} publishes no BIMI record (optional): with DMARC at quarantine or reject, one shows your logo beside your mail in Gmail, Yahoo and Apple Mail.`,
        records,
      }
    if (txt.length > 1) return { status: 'warn', title, detail: `${name} has ${txt.length} BIMI records, so mailbox providers use none: keep one.`, records }
    const { tools, getDmarcRecord } = await mailauth()
    const checked = tools.validateTagValueRecord(txt[0]!, 'BIMI')
    const l = typeof checked.tags.l === 'string' ? checked.tags.l.trim() : ''
    const a = typeof checked.tags.a === 'string' ? checked.tags.a.trim() : ''
    if ('l' in checked.tags && !l && !a) return { status: 'info', title, detail: `${name} declines BIMI (an empty l=): no logo is shown for ${domain}.`, records }
    const items = [item('Logo (l=)', l ? 'pass' : 'warn', l || 'missing'), item('Mark certificate (a=)', a ? 'pass' : 'warn', a || 'missing: Gmail and Apple Mail show logos only with a VMC or CMC')]
    if (!checked.isValid)
      return {
        status: 'warn',
        title,
        detail: `${name} is incomplete (${checked.errors[0]!.replace(/"/g, '')}), so no logo is shown: give l= (an https URL of an SVG logo) and a= (an https URL of its mark certificate).`,
        records,
        items,
      }
    let dmarc: Awaited<ReturnType<typeof getDmarcRecord>> = false
    try {
      dmarc = await getDmarcRecord(domain, ctx.dns.forMailauth())
    } catch {
      // Unreadable DMARC: said by the dmarc check; here it counts as no enforcement.
    }
    const policy = dmarc ? String(dmarc.p ?? 'none').toLowerCase() : 'none'
    const pct = dmarc && typeof dmarc.pct === 'number' ? dmarc.pct : 100
    items.push(item('DMARC', policy === 'none' || pct < 100 ? 'warn' : 'pass', dmarc ? `p=${policy}${pct < 100 ? `, pct=${pct}` : ''}` : 'no record'))
    if (policy === 'none' || pct < 100)
      return {
        status: 'warn',
        title,
        detail: `${name} is set, but DMARC is at p=${policy}${pct < 100 ? ` with pct=${pct}` : ''}: mailbox providers show BIMI logos only with p=quarantine or p=reject on all mail.`,
        records,
        items,
      }
    return { status: 'pass', title, detail: `BIMI is set up for ${domain}: a logo and its mark certificate, with DMARC at p=${policy}.`, records, items }
  },
}
