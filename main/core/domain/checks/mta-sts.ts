// MTA-STS (RFC 8461): the _mta-sts TXT record, the policy it announces fetched over HTTPS as a
// sender fetches it, the policy's mode and max_age, and whether its mx patterns cover the domain's
// MX hosts (in enforce mode a host it does not list receives no mail from senders that honour it).
// Parsing and matching are mailauth's.
import type { DomainItem, DomainRecord } from '../../../../preload/contract'
import type { CheckFinding, DomainCheckDefinition } from '../context'
import { item, listed, lookupMxHosts, mailauth, plural, record } from './common'
import { bare, taggedTxt } from './lookups'
import { fetchPolicy, policyUrl } from './sts-fetch'

const STS = /^v=STSv1(?:\s*;|\s*$)/i
/** RFC 8461 §3.2: max_age in seconds, and "weeks or greater" recommended; below a day the policy barely outlives a fetch. */
const SHORT_MAX_AGE = 86_400

type MtaSts = typeof import('mailauth/lib/mta-sts.js')

/** mailauth's MTA-STS module (CommonJS: its exports, or a namespace whose default they are, as bundles and Node's loader give it). */
async function mtaSts(): Promise<MtaSts> {
  const m = (await import('mailauth/lib/mta-sts.js')) as MtaSts & { default?: MtaSts }
  return m.default ?? m
}

export const mtaStsCheck: DomainCheckDefinition = {
  id: 'mta-sts',
  async run(ctx): Promise<CheckFinding> {
    const domain = bare(ctx.job.domain)
    const name = `_mta-sts.${domain}`
    const title = 'MTA-STS'
    const { records: txt, failure } = await taggedTxt(ctx, name, STS)
    const records: DomainRecord[] = txt.map((v) => record('TXT', name, v))
    if (failure) return { status: 'warn', title, detail: `Could not read ${name} (${failure.message}); a sender that cannot either delivers without MTA-STS.`, records }
    if (!txt.length)
      return {
        status: 'info',
        title,
        detail: `${domain} publishes no MTA-STS policy (${name}), so senders fall back to opportunistic TLS, which an attacker on the path can strip: publish one to require TLS.`,
        records,
      }
    if (txt.length > 1) return { status: 'warn', title, detail: `${name} has ${txt.length} MTA-STS records, so senders ignore MTA-STS altogether (RFC 8461 §3.1): keep one.`, records }

    const { tools } = await mailauth()
    const id = tools.parseTagValueRecord(txt[0]!).tags.id
    const items: DomainItem[] = []
    if (typeof id !== 'string' || !/^[A-Za-z0-9]{1,32}$/.test(id))
      return { status: 'warn', title, detail: `${name} has no valid id= (1 to 32 letters and digits), so senders ignore it: add one, and change it whenever the policy changes.`, records }
    items.push(item('Record', 'pass', `${name}: id ${id}`))

    const url = policyUrl(domain)
    const fetched = await fetchPolicy(ctx, domain)
    if (!fetched.ok)
      return {
        status: 'warn',
        title,
        detail: `${domain} announces MTA-STS, but ${fetched.why}: senders cannot fetch the policy, so they ignore it.`,
        records,
        items: [...items, item('Policy', 'warn', fetched.why)],
      }
    // Not a DNS record: the policy file as fetched, named by its URL.
    records.push(record('POLICY', url, fetched.body.trim()))
    ctx.note(`policy fetched from ${url} (${fetched.address}, ${plural(Buffer.byteLength(fetched.body), 'byte')}${fetched.contentType ? `, ${fetched.contentType}` : ''})`)
    if (fetched.insecure) items.push(item('Certificate', 'warn', 'not verified (verification is off for this run); senders require a valid certificate for it'))

    const { parsePolicy, validateMx } = await mtaSts()
    let policy: ReturnType<typeof parsePolicy>
    try {
      policy = parsePolicy(fetched.body)
    } catch (err) {
      const why = (err as Error).message.replace(/ field$/, '').toLowerCase()
      return {
        status: 'warn',
        title,
        detail: `The MTA-STS policy at ${url} is not valid (${why}), so senders ignore it: it needs version: STSv1, mode, max_age and, unless the mode is none, mx lines.`,
        records,
        items: [...items, item('Policy', 'warn', (err as Error).message)],
      }
    }
    items.push(item('Policy', 'pass', `mode ${policy.mode}, max_age ${policy.maxAge} s${policy.mx?.length ? `, mx ${policy.mx.join(', ')}` : ''}`))
    const short = policy.maxAge < SHORT_MAX_AGE
    if (short) items.push(item('max_age', 'warn', `${policy.maxAge} s: senders forget the policy within a day; RFC 8461 suggests weeks (604800 s or more)`))

    if (policy.mode === 'none') return { status: 'info', title, detail: `The MTA-STS policy's mode is none, so senders treat ${domain} as having no policy (the way to retire one).`, records, items }

    const mx = await lookupMxHosts(ctx.dns, domain)
    const hosts = mx.kind === 'hosts' ? mx.hosts.map((h) => h.exchange) : []
    const unmatched: string[] = []
    for (const host of hosts) {
      const verdict = validateMx(host, policy)
      if (verdict.valid) items.push(item(host, 'pass', `matches mx: ${verdict.match?.startsWith('.') ? `*${verdict.match}` : verdict.match}`))
      else {
        unmatched.push(host)
        items.push(item(host, policy.mode === 'enforce' ? 'fail' : 'warn', `matched by no mx line (${(policy.mx ?? []).join(', ')})`))
      }
    }
    const them = unmatched.length === 1 ? 'it' : 'them'
    if (unmatched.length && policy.mode === 'enforce')
      return {
        status: 'fail',
        title,
        detail: `The MTA-STS policy (mode enforce) does not list ${listed(unmatched)}, so senders that honour it refuse to deliver there: add ${them} to the policy's mx lines.`,
        records,
        items,
      }
    if (unmatched.length)
      return {
        status: 'warn',
        title,
        detail: `The MTA-STS policy (mode testing) does not list ${listed(unmatched)}: once it is enforced, senders would refuse to deliver there; add ${them} to its mx lines.`,
        records,
        items,
      }
    if (policy.mode === 'testing')
      return {
        status: 'warn',
        title,
        detail: `The MTA-STS policy is in testing mode: senders only report TLS failures (see TLS-RPT); switch to mode: enforce once the reports are clean.`,
        records,
        items,
      }
    if (!hosts.length) return { status: 'info', title, detail: `The MTA-STS policy enforces TLS, but ${domain} has no MX hosts to hold it against.`, records, items }
    if (short)
      return {
        status: 'warn',
        title,
        detail: `MTA-STS enforces TLS for mail to ${domain}, but max_age is only ${policy.maxAge} s: raise it to weeks (604800 s or more) so senders keep the policy.`,
        records,
        items,
      }
    return {
      status: 'pass',
      title,
      detail: `MTA-STS enforces TLS for mail to ${domain}: the policy lists ${hosts.length === 1 ? 'its MX host' : `all ${plural(hosts.length, 'MX host')}`}.`,
      records,
      items,
    }
  },
}
