// DANE for SMTP (RFC 7672): TLSA records at _PORT._tcp.MXHOST for each MX host, and whether the
// resolver validated them with DNSSEC (the AD bit; see tlsa-query.ts): TLSA without DNSSEC proves
// nothing, and DANE senders ignore it.
import type { DomainItem, DomainRecord } from '../../../../preload/contract'
import type { CheckFinding, DomainCheckDefinition } from '../context'
import type { Tlsa } from '../tlsa-query'
import { item, listed, lookupMxHosts, plural, record } from './common'
import { bare } from './lookups'

const describe = (t: Tlsa) => `${t.usage} ${t.selector} ${t.matchingType} ${t.data}`

/** RFC 7672 §3.1.3: SMTP clients do not use PKIX-TA(0) or PKIX-EE(1) records; DANE-TA(2) and DANE-EE(3) are the ones that work. */
const PKIX_USAGES = new Set([0, 1])

export const daneCheck: DomainCheckDefinition = {
  id: 'dane',
  async run(ctx): Promise<CheckFinding> {
    const { job } = ctx
    const domain = bare(job.domain)
    const title = 'DANE'
    const mx = await lookupMxHosts(ctx.dns, domain)
    const hosts = mx.kind === 'hosts' ? mx.hosts.map((h) => h.exchange) : []
    if (!hosts.length) return { status: 'info', title, detail: `${domain} has no MX hosts, so there are no TLSA records to look for.`, records: [], dnssec: null }

    const answers = await Promise.all(
      hosts.map(async (host) => {
        const name = `_${job.mxPort}._tcp.${host}`
        const answer = await ctx.dns.tlsa(name)
        if (!answer.ok) return { host, name, answer: null, error: answer.message }
        return { host, name, answer, error: null }
      }),
    )

    const records: DomainRecord[] = []
    const items: DomainItem[] = []
    const found: string[] = []
    const bare_: string[] = []
    const troubled: string[] = []
    for (const { host, name, answer, error } of answers) {
      if (!answer) {
        troubled.push(host)
        items.push(item(host, 'warn', `the TLSA question was not answered (${error})`))
      } else if (answer.rcode === 'SERVFAIL') {
        troubled.push(host)
        items.push(item(host, 'warn', 'the resolver failed (SERVFAIL): with DNSSEC that can mean the TLSA answer is bogus, and DANE senders then defer mail'))
      } else if (answer.records.length) {
        found.push(host)
        for (const t of answer.records) records.push(record('TLSA', name, describe(t)))
        const pkix = answer.records.filter((t) => PKIX_USAGES.has(t.usage))
        const validated = answer.authenticated ? 'validated by DNSSEC' : 'not validated by DNSSEC'
        items.push(
          pkix.length
            ? item(
                host,
                'warn',
                `${plural(answer.records.length, 'TLSA record')}, ${validated}; usage ${pkix.map((t) => t.usage).join(', ')} (PKIX) is not used by SMTP senders (RFC 7672): use 2 or 3`,
              )
            : item(host, answer.authenticated ? 'pass' : 'warn', `${plural(answer.records.length, 'TLSA record')}, ${validated}`),
        )
      } else {
        bare_.push(host)
        items.push(item(host, 'info', `no TLSA record at ${name}`))
      }
    }
    const asked = answers.flatMap((a) => (a.answer ? [a.answer] : []))
    const dnssec = asked.length ? asked.every((a) => a.authenticated) : null
    const result = { title, records, items, dnssec }
    const tlsaAt = `_${job.mxPort}._tcp.HOST`

    if (!found.length && troubled.length)
      return {
        ...result,
        status: 'warn',
        detail: `The TLSA question for ${listed(troubled)} got no usable answer, so DANE could not be checked: see the details, and check the resolver or the zone's DNSSEC.`,
      }
    if (!found.length)
      return { ...result, status: 'info', detail: `No MX host of ${domain} publishes TLSA records (${tlsaAt}), so DANE is not in use; it needs the MX hosts' zones signed with DNSSEC.` }
    const foundWith = asked.filter((a) => a.records.length)
    if (!foundWith.every((a) => a.authenticated))
      return {
        ...result,
        status: 'warn',
        detail: `TLSA records were found for ${listed(found)}, but the resolver did not validate them (not validated by DNSSEC: no AD bit): without DNSSEC, TLSA records are meaningless and DANE senders ignore them; sign the zone, or ask a validating resolver.`,
      }
    const problems = items.filter((i) => i.status === 'warn')
    if (problems.length)
      return {
        ...result,
        status: 'warn',
        detail: `TLSA records are validated by DNSSEC, but ${listed(problems.map((p) => p.label))} ${problems.length === 1 ? 'needs' : 'need'} attention: see the details.`,
      }
    if (bare_.length)
      return {
        ...result,
        status: 'warn',
        detail: `TLSA records for ${listed(found)} are validated by DNSSEC, but ${listed(bare_)} ${bare_.length === 1 ? 'has' : 'have'} none, so mail to ${bare_.length === 1 ? 'it' : 'them'} is not DANE-protected: publish TLSA there too.`,
      }
    return {
      ...result,
      status: 'pass',
      detail: `${found.length === 1 ? 'The MX host publishes' : `All ${plural(found.length, 'MX host')} publish`} TLSA records validated by DNSSEC: DANE senders will require TLS with the certificates they name.`,
    }
  },
}
