// The bulk-sender requirements of Gmail and Yahoo (February 2024) and of Microsoft's consumer mail
// (Outlook.com, Hotmail, Live: May 2025, for domains sending more than 5,000 messages a day), as a
// checklist ticked from the other checks' findings; what DNS cannot show is said to be so.
import type { DomainCheck, DomainItem } from '../../../../preload/contract'
import { worstStatus } from '../../../../preload/contract'
import type { CheckFinding, DomainCheckDefinition } from '../context'
import { PROVIDERS } from '../providers'
import { item, listed, mailauth } from './common'
import { bare } from './lookups'

/** A requirement met as the check that looked at it says (its sentence as the detail). */
const from = (label: string, check: DomainCheck): DomainItem => item(label, check.status, check.detail)

export const bulkSenderCheck: DomainCheckDefinition = {
  id: 'bulk-sender',
  async run(ctx): Promise<CheckFinding> {
    const { job } = ctx
    const domain = bare(job.domain)
    const [spf, dkim, ptr, alignment] = await Promise.all([ctx.result('spf'), ctx.result('dkim'), ctx.result('ptr'), ctx.result('alignment'), ctx.result('dmarc')])
    const dmarc = await dmarcRequirement(ctx, domain)
    const sender = job.provider ? PROVIDERS[job.provider].label : job.relay ? `the relay ${job.relay}` : 'your mail server'
    const notFromDns = (what: string) => `not checkable from DNS: ${what}`
    const items: DomainItem[] = [
      from('SPF', spf),
      dkimRequirement(dkim, alignment),
      dmarc,
      from('Alignment (SPF or DKIM with the From domain)', alignment),
      sendingPtr(ptr, job.sendingIps.length > 0 || Boolean(job.relay), sender),
      item('TLS for sending', 'info', notFromDns(job.relay ? `probe ${job.relay} to see whether it offers TLS` : `whether ${sender} hands mail over with TLS is on its side`)),
      item('One-click unsubscribe (RFC 8058) for marketing mail', 'info', notFromDns('it is a List-Unsubscribe-Post header in each message')),
      item('Spam rate under 0.3 %', 'info', notFromDns("Gmail's Postmaster Tools and Microsoft SNDS show it")),
    ]
    const title = 'Bulk-sender requirements'
    const receivers = 'Gmail, Yahoo and Microsoft'
    const failing = items.filter((i) => i.status === 'fail').map((i) => shortName(i.label))
    const warning = items.filter((i) => i.status === 'warn').map((i) => shortName(i.label))
    const unknown = items.filter((i) => i.status === 'info' && !i.detail.startsWith('not checkable')).map((i) => shortName(i.label))
    if (failing.length) return { status: 'fail', title, detail: `${receivers} would reject or junk bulk mail from ${domain}: fix ${listed(failing)} (see each check).`, records: [], items }
    if (warning.length)
      return {
        status: 'warn',
        title,
        detail: `${domain} meets the bulk-sender rules of ${receivers} that DNS can show, with warnings on ${listed(warning)}; unsubscribe, TLS and the spam rate are not visible in DNS.`,
        records: [],
        items,
      }
    if (unknown.length)
      return {
        status: 'info',
        title,
        detail: `Nothing fails the bulk-sender rules of ${receivers}, but ${listed(unknown)} could not be judged (see each check); unsubscribe, TLS and the spam rate are not visible in DNS.`,
        records: [],
        items,
      }
    return {
      status: 'pass',
      title,
      detail: `${domain} meets what ${receivers} check in DNS for bulk senders; one-click unsubscribe, TLS and a spam rate under 0.3 % are yours to keep.`,
      records: [],
      items,
    }
  },
}

/** DMARC at least p=none: any valid record that applies to the domain (the dmarc check's own verdict also weighs policy strength). */
async function dmarcRequirement(ctx: Parameters<DomainCheckDefinition['run']>[0], domain: string): Promise<DomainItem> {
  const label = 'DMARC (at least p=none)'
  const { getDmarcRecord } = await mailauth()
  let found: Awaited<ReturnType<typeof getDmarcRecord>>
  try {
    found = await getDmarcRecord(domain, ctx.dns.forMailauth())
  } catch (err) {
    return item(label, 'warn', `the DMARC record could not be read (${(err as Error).message})`)
  }
  const p = found ? String(found.p ?? '').toLowerCase() : ''
  if (!found) return item(label, 'fail', `${domain} has no DMARC record (publish at least v=DMARC1; p=none)`)
  if (!['none', 'quarantine', 'reject'].includes(p)) return item(label, 'fail', `the DMARC record has no valid p= (${p || 'missing'})`)
  return item(label, 'pass', `p=${p}${found.isOrgRecord ? ' (inherited from the organisational domain)' : ''}`)
}

/**
 * DKIM as the dkim check judged it; where that check only informs (a provider's usual selector has
 * no key, which may be a choice), the requirement still fails when alignment found no key to sign with.
 */
function dkimRequirement(dkim: DomainCheck, alignment: DomainCheck): DomainItem {
  const noKey = alignment.items.find((i) => i.label === 'DKIM (d=)' && i.status === 'fail')
  return dkim.status === 'info' && noKey ? item('DKIM', 'fail', noKey.detail) : from('DKIM', dkim)
}

/**
 * Reverse DNS of the addresses mail leaves from: the ptr check's items for the sending IPs and the
 * relay (it also looks at the MX hosts, which receive rather than send).
 */
function sendingPtr(ptr: DomainCheck, given: boolean, sender: string): DomainItem {
  const label = 'Forward and reverse DNS of the sending IPs'
  if (!given) return item(label, 'info', `not checkable from DNS: give the sending IPs to check their PTR records (${sender} sets its own)`)
  const sending = ptr.items.filter((i) => /\((?:sending IP|relay )/.test(i.label))
  if (!sending.length) return item(label, ptr.status, ptr.detail)
  const status = worstStatus(sending)
  const worst = sending.find((i) => i.status === status && status !== 'pass')
  return item(label, status, worst ? `${worst.label}: ${worst.detail}` : `${sending.length === 1 ? sending[0]!.label : `all ${sending.length} sending addresses`}: forward-confirmed reverse DNS`)
}

/** "DMARC (at least p=none)" → "DMARC". */
const shortName = (label: string) => label.replace(/\s*\(.*\)$/, '')
