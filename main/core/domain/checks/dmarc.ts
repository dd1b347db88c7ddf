// DMARC: the policy record at _dmarc.DOMAIN, or, when there is none, the organisational domain's
// (mailauth's lookup, with its public-suffix list), its tags checked against RFC 7489's list
// (mailauth's tag-list parser), the policy that applies to this domain, and whether each external
// report address has authorised the reports (RFC 7489 §7.1).
import type { DomainItem, DomainRecord, DomainStatus } from '../../../../preload/contract'
import { worstStatus } from '../../../../preload/contract'
import type { CheckFinding, DomainCheckDefinition, DomainContext } from '../context'
import { isDnsFailure, item, listed, mailauth, record, trouble } from './common'

/** RFC 7489 §6.3. */
const TAGS = ['v', 'p', 'sp', 'pct', 'adkim', 'aspf', 'rua', 'ruf', 'fo', 'rf', 'ri']
const POLICIES = ['none', 'quarantine', 'reject']
/** What each tag's value must look like (RFC 7489 §6.3); a value that does not is ignored by receivers. */
const VALUES: Record<string, RegExp> = {
  adkim: /^[rs]$/i,
  aspf: /^[rs]$/i,
  pct: /^(?:100|\d{1,2})$/,
  ri: /^\d+$/,
  fo: /^[01ds](?::[01ds])*$/i,
  rf: /^afrf(?::afrf)*$/i,
}
/** The record to start with when there is none: a policy that changes nothing, so reports can show what passes before enforcing. */
const STARTER = 'v=DMARC1; p=none'

interface Finding {
  status: DomainStatus
  sentence: string
}

export const dmarcCheck: DomainCheckDefinition = {
  id: 'dmarc',
  async run(ctx): Promise<CheckFinding> {
    const { job, dns } = ctx
    const { domain } = job
    const title = 'DMARC'
    const own = await dns.txt(`_dmarc.${domain}`)
    if (isDnsFailure(own))
      return {
        status: 'fail',
        title,
        detail: `Could not read the DMARC record at _dmarc.${domain} (${trouble(own)}): receivers that cannot either apply no policy; check the domain's name servers.`,
        records: [],
      }
    const ownRecords = own.ok ? own.records.filter((r) => /^v=DMARC1\b/i.test(r.trim())) : []
    if (ownRecords.length > 1)
      return {
        status: 'fail',
        title,
        detail: `_dmarc.${domain} has ${ownRecords.length} DMARC records, so receivers ignore them all (RFC 7489 §6.6.3): keep one.`,
        records: ownRecords.map((r) => record('TXT', `_dmarc.${domain}`, r)),
      }

    const { getDmarcRecord, tools } = await mailauth()
    // mailauth asks _dmarc.DOMAIN, then (none there) _dmarc.ORG, its registrable domain: the last name asked is where the record is.
    const resolve = dns.forMailauth()
    let policyDomain = domain
    const watched = (name: string, rrtype: string) => {
      policyDomain = name.replace(/^_dmarc\./i, '').toLowerCase()
      return resolve(name, rrtype)
    }
    const found = await getDmarcRecord(domain, watched).catch((err: unknown) => err as Error)
    if (found instanceof Error) return { status: 'fail', title, detail: `Could not read the DMARC record for ${domain} (${found.message}): receivers that cannot either apply no policy.`, records: [] }
    if (!found)
      return {
        status: 'fail',
        title,
        detail: `${domain} has no DMARC record, which Gmail, Yahoo and Microsoft require of bulk senders: publish TXT _dmarc.${domain} "${STARTER}" to begin, then tighten the policy once reports show your mail passes.`,
        records: [],
        publish: [record('TXT', `_dmarc.${domain}`, STARTER)],
      }

    const records: DomainRecord[] = [record('TXT', `_dmarc.${policyDomain}`, found.rr)]
    const parsed = tools.parseTagValueRecord(found.rr, { requiredTags: ['v', 'p'], allowedTags: TAGS, allowDuplicateKeys: false })
    const tag = (name: string): string | undefined => {
      const v = parsed.tags[name]
      return Array.isArray(v) ? v[0] : v
    }
    const findings: Finding[] = []
    const items: DomainItem[] = []

    // The tag list: unknown tags, malformed parts, duplicates, values receivers would ignore.
    const unknown = parsed.warnings.filter((w) => w.startsWith('Unknown')).map((w) => /"(.*)"/.exec(w)?.[1] ?? w)
    const broken = parsed.errors.filter((e) => !e.startsWith('Missing required'))
    const badValues = Object.entries(VALUES).flatMap(([name, shape]) => {
      const v = tag(name)
      return v !== undefined && !shape.test(v.trim()) ? [`${name}=${v}`] : []
    })
    for (const name of ['p', 'sp']) {
      const v = tag(name)
      if (v !== undefined && !POLICIES.includes(v.trim().toLowerCase())) badValues.unshift(`${name}=${v}`)
    }
    const p = tag('p')?.trim().toLowerCase()
    if (!p || !POLICIES.includes(p)) {
      findings.push({
        status: 'fail',
        sentence: `The DMARC record at _dmarc.${policyDomain} has ${p ? `an invalid policy (p=${tag('p')})` : 'no policy (p=)'}, so receivers ignore it or apply none: set p=none, p=quarantine or p=reject.`,
      })
    }
    if (unknown.length || broken.length || badValues.length) {
      const parts = [
        ...(unknown.length ? [`${unknown.length === 1 ? 'an unknown tag' : 'unknown tags'} (${listed(unknown)})`] : []),
        ...(badValues.length ? [`${badValues.length === 1 ? 'a value' : 'values'} out of range (${listed(badValues)})`] : []),
        ...broken.map(describeError),
      ]
      findings.push({
        status: 'warn',
        sentence: `The DMARC record at _dmarc.${policyDomain} has ${listed(parts)}, which receivers ignore: correct the record (RFC 7489's tags are ${TAGS.join(', ')}).`,
      })
      items.push(item('tags', 'warn', listed(parts)))
    }

    // The policy that applies to this domain: its own p, or, inherited, the organisational domain's sp (else p).
    const sp = tag('sp')?.trim().toLowerCase()
    const applies = found.isOrgRecord && sp && POLICIES.includes(sp) ? { name: 'sp', value: sp } : { name: 'p', value: p }
    const inherited = found.isOrgRecord ? ` (inherited from ${policyDomain}, whose ${applies.name}= applies to ${domain})` : ''
    if (applies.value === 'none') {
      findings.push({
        status: 'warn',
        sentence: `DMARC is monitoring only (${applies.name}=none)${inherited}: receivers deliver mail that fails DMARC as usual; once reports show your mail passes, move to p=quarantine, then p=reject.`,
      })
    }
    const pct = tag('pct')?.trim()
    if (pct && /^\d+$/.test(pct) && Number(pct) < 100 && applies.value !== 'none')
      findings.push({ status: 'warn', sentence: `The DMARC policy applies to only ${pct}% of failing mail (pct=${pct})${inherited}: raise pct to 100 once reports show your mail passes.` })
    items.push(item('policy', applies.value === 'none' ? 'warn' : POLICIES.includes(applies.value ?? '') ? 'pass' : 'fail', `${applies.name}=${applies.value ?? '(none)'}${inherited}`))
    if (sp && !found.isOrgRecord) items.push(item('sp', 'info', `${sp} (for subdomains of ${policyDomain} without their own record)`))
    for (const name of ['adkim', 'aspf', 'pct']) {
      const v = tag(name)
      items.push(item(name, 'info', v ?? (name === 'pct' ? '100 (the default)' : 'r (relaxed, the default)')))
    }

    // Where reports go, and whether each external destination has agreed to receive them.
    const destinations = [...reportAddresses(tag('rua'), 'rua'), ...reportAddresses(tag('ruf'), 'ruf')]
    if (!destinations.some((d) => d.tag === 'rua')) items.push(item('rua', 'info', 'none: you receive no aggregate reports (add rua=mailto:… to see who sends as your domain)'))
    const checked = await Promise.all(destinations.map((d) => authorisation(ctx, policyDomain, d, tools.getAlignment)))
    for (const c of checked) {
      items.push(item(`${c.tag} ${c.address}`, c.status, c.detail))
      if (c.record) records.push(c.record)
      if (c.status === 'warn') findings.push({ status: 'warn', sentence: c.detail })
    }

    const status = worstStatus([{ status: 'pass' }, ...findings])
    const headline =
      findings.find((f) => f.status === status)?.sentence ??
      `DMARC policy ${applies.name}=${applies.value}${inherited}: receivers ${applies.value === 'reject' ? 'reject' : 'quarantine'} mail that fails DMARC.`
    return { status, title, detail: headline, records, items }
  },
}

/** mailauth's tag-list errors in words. */
function describeError(error: string): string {
  const quoted = /"(.*)"/.exec(error)?.[1] ?? ''
  if (error.startsWith('Malformed part')) return `a part without = (${quoted})`
  if (error.startsWith('Duplicate tag')) return `a repeated tag (${quoted})`
  if (error.startsWith('Invalid tag name')) return `a tag name that is not one (${quoted})`
  return error
}

interface Destination {
  tag: 'rua' | 'ruf'
  address: string
  domain: string
}

/** The mailto: addresses of a rua or ruf tag (`mailto:a@x.example!10m, mailto:b@y.example`). */
function reportAddresses(value: string | undefined, tag: 'rua' | 'ruf'): Destination[] {
  if (!value) return []
  return value.split(',').flatMap((uri) => {
    const m = /^\s*mailto:([^!@\s]+@([^!\s]+))/i.exec(uri)
    return m ? [{ tag, address: m[1]!, domain: m[2]!.toLowerCase().replace(/\.$/, '') }] : []
  })
}

/** RFC 7489 §7.1: reports to another organisational domain need its consent, TXT POLICYDOMAIN._report._dmarc.REPORTDOMAIN "v=DMARC1". */
async function authorisation(
  ctx: DomainContext,
  policyDomain: string,
  d: Destination,
  sameOrg: (from: string, domains: string[]) => unknown,
): Promise<{ tag: string; address: string; status: DomainStatus; detail: string; record?: DomainRecord }> {
  if (sameOrg(policyDomain, [d.domain])) return { ...d, status: 'pass', detail: `reports go to ${d.domain}, within ${policyDomain}'s own organisation` }
  const name = `${policyDomain}._report._dmarc.${d.domain}`
  const answer = await ctx.dns.txt(name)
  const consent = answer.ok ? answer.records.find((r) => /^v=DMARC1\b/i.test(r.trim())) : undefined
  if (consent) return { ...d, status: 'pass', detail: `${d.domain} accepts ${policyDomain}'s reports (${name})`, record: record('TXT', name, consent) }
  if (isDnsFailure(answer)) return { ...d, status: 'warn', detail: `Whether ${d.domain} accepts ${policyDomain}'s DMARC reports could not be checked (${trouble(answer)}).` }
  return {
    ...d,
    status: 'warn',
    detail: `${d.domain} has not authorised reports for ${policyDomain} (no TXT ${name} "v=DMARC1"), so receivers send the ${d.tag} reports nowhere: ask ${d.domain}'s owner to publish it, or report to an address at ${policyDomain}.`,
  }
}
