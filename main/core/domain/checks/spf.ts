// SPF: the domain's record (one, present), evaluated with mailauth as receivers do: for an address
// it does not list (what strangers get: the `all` at the end, the DNS-lookup count against the limit
// of 10, void lookups), for each sending address (the sending IPs, a relay's addresses), and, for a
// provider whose mail uses this domain as its Return-Path, whether its include is in the record.
import type { DomainItem, DomainRecord, DomainStatus } from '../../../../preload/contract'
import { hasInclude, topLevel, withMechanisms } from '../spf-record'
import { worstStatus } from '../../../../preload/contract'
import type { CheckFinding, DomainCheckDefinition, DomainContext } from '../context'
import { PROVIDERS, type ProviderFacts } from '../providers'
import { addressesOf, isDnsFailure, item, mailauth, plural, record, trouble } from './common'

/** An address no SPF record lists (TEST-NET-1, RFC 5737): evaluating it walks the whole record, as mail from a stranger would. */
const STRANGER = '192.0.2.1'
/** RFC 7208 §4.6.4. */
const LOOKUP_LIMIT = 10
const VOID_LIMIT = 2

interface Finding {
  status: DomainStatus
  /** The sentence the check leads with when this is its worst finding. */
  sentence: string
  item?: DomainItem
}

export const spfCheck: DomainCheckDefinition = {
  id: 'spf',
  async run(ctx): Promise<CheckFinding> {
    const { job, dns } = ctx
    const { domain } = job
    const title = 'SPF'
    const provider = job.provider ? PROVIDERS[job.provider] : null
    const [txt, senders] = await Promise.all([dns.txt(domain), sendingAddresses(ctx)])
    if (isDnsFailure(txt))
      return {
        status: 'fail',
        title,
        detail: `Could not read the SPF record of ${domain} (${trouble(txt)}): receivers that cannot either give a temporary error; check the domain's name servers.`,
        records: [],
      }
    const spfRecords = txt.ok ? txt.records.filter((r) => /^v=spf1(?:\s|$)/i.test(r.trim())) : []
    const records: DomainRecord[] = spfRecords.map((v) => record('TXT', domain, v))
    const wanted = [...(provider && includeAtRoot(provider) ? [`include:${provider.spf.include}`] : []), ...senders.map(mechanismFor)]

    if (!spfRecords.length) {
      const value = wanted.length ? `v=spf1 ${wanted.join(' ')} ~all` : null
      const detail = value
        ? `${domain} has no SPF record, so receivers cannot tell which servers may send as it: publish TXT ${domain} "${value}".`
        : `${domain} has no SPF record, so receivers cannot tell which servers may send as it: publish a TXT record at ${domain} starting with v=spf1 that lists the servers your mail leaves from, ending in ~all.`
      return { status: 'fail', title, detail, records, ...(value && { publish: [record('TXT', domain, value)] }) }
    }
    if (spfRecords.length > 1)
      return {
        status: 'fail',
        title,
        detail: `${domain} has ${spfRecords.length} SPF records, which receivers treat as a permanent error (permerror) for every message: merge them into one TXT record.`,
        records,
      }

    const rr = spfRecords[0]!
    const { spf } = await mailauth()
    const resolver = dns.forMailauth()
    const sender = `postmaster@${domain}`
    const findings: Finding[] = []

    // What a server the record does not list gets, and what the whole record costs in lookups (void ones counted past the limit, to say how many).
    const walk = await spf({ sender, ip: STRANGER, helo: domain, mta: 'mailprobe', resolver, maxVoidCount: 1000 })
    const lookups = walk.lookups?.count ?? 0
    const voids = walk.lookups?.void ?? 0
    const comment = walk.status.comment?.replace(/^mailprobe: /, '') ?? walk.status.result
    const allTerm = topLevel(rr).find((t) => /^[+?~-]?all$/i.test(t))
    if (walk.status.result === 'permerror') {
      if (lookups > LOOKUP_LIMIT)
        findings.push({
          status: 'fail',
          sentence: `The SPF record needs more than ${LOOKUP_LIMIT} DNS lookups (RFC 7208 §4.6.4), so receivers return permerror and SPF fails for all mail: remove includes you no longer use, or replace some with ip4:/ip6: ranges.`,
          item: item('DNS lookups', 'fail', `more than ${LOOKUP_LIMIT} (the limit)`),
        })
      else findings.push({ status: 'fail', sentence: `The SPF record is invalid (${comment}), so receivers return permerror and SPF fails for all mail: correct it.` })
    } else if (walk.status.result === 'temperror') {
      findings.push({ status: 'fail', sentence: `The SPF record could not be evaluated (${comment}): receivers that meet the same DNS trouble defer or reject mail; check the names it includes.` })
    } else {
      findings.push({ status: lookups > LOOKUP_LIMIT - 2 ? 'warn' : 'pass', sentence: '', item: item('DNS lookups', lookups > LOOKUP_LIMIT - 2 ? 'warn' : 'pass', `${lookups} of ${LOOKUP_LIMIT}`) })
      if (lookups > LOOKUP_LIMIT - 2)
        findings[findings.length - 1]!.sentence =
          `The SPF record uses ${lookups} of the ${LOOKUP_LIMIT} DNS lookups allowed: one more include and receivers return permerror; replace some includes with ip4:/ip6: ranges.`
      findings.push(allFinding(walk.status.result, allTerm))
    }
    if (voids > VOID_LIMIT)
      findings.push({
        status: 'warn',
        sentence: `Evaluating the SPF record meets ${voids} names that do not exist or have no record (void lookups); receivers that enforce RFC 7208's limit of ${VOID_LIMIT} return permerror: remove the mechanisms that point nowhere.`,
        item: item('void lookups', 'warn', `${voids} (the limit is ${VOID_LIMIT})`),
      })
    else if (walk.status.result !== 'permerror' && walk.status.result !== 'temperror') findings.push({ status: 'pass', sentence: '', item: item('void lookups', 'pass', `${voids} of ${VOID_LIMIT}`) })

    const uncovered: string[] = []
    for (const s of senders) {
      const r = await spf({ sender, ip: s.address, helo: domain, mta: 'mailprobe', resolver })
      const label = `${s.address} (${s.source})`
      if (r.status.result === 'pass') findings.push({ status: 'pass', sentence: '', item: item(label, 'pass', 'SPF passes') })
      else {
        uncovered.push(mechanismFor(s))
        findings.push({
          status: 'fail',
          sentence: `SPF gives ${r.status.result}, not pass, for ${label}: add ${mechanismFor(s)} to the record${s.source.startsWith('relay') ? ", or the include your relay's provider documents" : ''}.`,
          item: item(label, 'fail', `SPF gives ${r.status.result}`),
        })
      }
    }

    const missingInclude = provider?.spf.include && !hasInclude(rr, provider.spf.include) ? provider.spf.include : null
    if (provider?.spf.include) findings.push(includeFinding(provider, domain, missingInclude))

    const status = worstStatus(findings)
    const headline = findings.find((f) => f.status === status && f.sentence)?.sentence ?? passSentence(allTerm, lookups, senders.length)
    const additions = [...(missingInclude && includeAtRoot(provider!) ? [`include:${missingInclude}`] : []), ...uncovered]
    const fixed = additions.length ? withMechanisms(rr, additions) : null
    return {
      status,
      title,
      detail: headline,
      records,
      items: findings.flatMap((f) => (f.item ? [f.item] : [])),
      ...(fixed && { publish: [record('TXT', domain, fixed)] }),
    }
  },
}

interface Sender {
  address: string
  source: string
}

/** The addresses mail leaves from: the sending IPs and a relay's addresses. */
async function sendingAddresses(ctx: DomainContext): Promise<Sender[]> {
  const out: Sender[] = ctx.job.sendingIps.map((address) => ({ address, source: 'sending IP' }))
  if (ctx.job.relay) {
    const relay = await addressesOf(ctx.dns, ctx.job.relay)
    out.push(...relay.addresses.map((address) => ({ address, source: `relay ${ctx.job.relay}` })))
  }
  return out.filter((s, i) => out.findIndex((o) => o.address === s.address) === i)
}

const mechanismFor = (s: Sender) => (s.address.includes(':') ? `ip6:${s.address}` : `ip4:${s.address}`)

/** Whether the provider's mail is judged against this record: its Return-Path is the From domain (or may be). */
function includeAtRoot(p: ProviderFacts): boolean {
  return p.spf.mailFrom === 'root' || p.spf.mailFrom.orRoot === true || p.spf.mailFrom.place === 'provider'
}

function includeFinding(p: ProviderFacts, domain: string, missing: string | null): Finding {
  const label = `${p.label} (include:${p.spf.include})`
  if (!missing) return { status: 'pass', sentence: '', item: item(label, 'pass', 'the record includes it') }
  const where = p.spf.mailFrom
  if (where === 'root')
    return {
      status: 'fail',
      sentence: `The SPF record does not include ${p.label}'s servers, and ${p.label} sends with ${domain} as its Return-Path: add include:${missing} before the all mechanism.`,
      item: item(label, 'fail', 'missing'),
    }
  if (where.place === 'provider')
    return {
      status: 'warn',
      sentence: `${p.label} asks for include:${missing} in the SPF record of ${domain} (its Return-Path is ${where.how}, so DMARC rests on DKIM): add it before the all mechanism.`,
      item: item(label, 'warn', 'missing'),
    }
  const detail = where.orRoot
    ? `not in this record: needed only if ${domain} itself is the domain you added to ${p.label} (${where.how})`
    : `not needed here: ${p.label}'s Return-Path is ${where.how}; its SPF is looked at by the alignment check`
  return { status: 'info', sentence: '', item: item(label, 'info', detail) }
}

/** What the record says of servers it does not list, as evaluated. */
function allFinding(result: string, allTerm: string | undefined): Finding {
  const term = allTerm?.toLowerCase()
  switch (result) {
    case 'pass':
      return {
        status: 'fail',
        sentence:
          term === '+all' || term === 'all'
            ? 'The SPF record ends in +all, which lets every server on the internet send as this domain: replace it with ~all or -all.'
            : 'The SPF record lets every server on the internet pass (through an include or redirect that allows all): remove it, and end the record in ~all or -all.',
        item: item('unlisted servers', 'fail', 'pass (+all)'),
      }
    case 'neutral':
      return {
        status: 'warn',
        sentence:
          term === '?all'
            ? 'The SPF record ends in ?all, so servers it does not list get a neutral result, which protects nothing: end it with ~all or -all.'
            : 'The SPF record has no all mechanism, so servers it does not list get a neutral result, which protects nothing: end it with ~all or -all.',
        item: item('unlisted servers', 'warn', term ? `neutral (${term})` : 'neutral (no all mechanism)'),
      }
    default:
      return { status: 'pass', sentence: '', item: item('unlisted servers', 'pass', `${result} (${term ?? 'through a redirect'})`) }
  }
}

function passSentence(allTerm: string | undefined, lookups: number, senders: number): string {
  const ending = allTerm ? `ends in ${allTerm.toLowerCase()}` : 'ends in a redirect that refuses unlisted servers'
  const covered = senders ? `, and passes for ${senders === 1 ? 'the sending address' : `all ${plural(senders, 'sending address', 'sending addresses')}`}` : ''
  return `The SPF record ${ending} and uses ${lookups} of ${LOOKUP_LIMIT} DNS lookups${covered}.`
}
