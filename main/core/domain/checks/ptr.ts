// Reverse DNS: for each address mail leaves from (the sending IPs, a relay's addresses) and each MX
// address, its PTR names and whether one of them resolves back to it (forward-confirmed reverse
// DNS, FCrDNS). Gmail, Yahoo and Microsoft require it of sending addresses; for MX hosts it is good form.
import type { DomainItem, DomainRecord, DomainStatus } from '../../../../preload/contract'
import { worstStatus } from '../../../../preload/contract'
import { mapLimit } from '../../probe/mx'
import type { CheckFinding, DomainCheckDefinition, DomainDns } from '../context'
import { arpaName } from '../dns'
import { PROVIDERS } from '../providers'
import { addressesOf, isDnsFailure, item, listed, lookupMxHosts, record, trouble } from './common'

/** PTR names followed forward per address (a PTR set may be long; a few suffice). */
const MAX_NAMES = 3
const CONCURRENCY = 8

interface Subject {
  address: string
  role: 'sending' | 'mx'
  /** Where the address came from: "sending IP", "relay smtp.example.net", "MX mx1.example.com". */
  source: string
}

interface Verdict {
  subject: Subject
  status: DomainStatus
  detail: string
  records: DomainRecord[]
}

export const ptrCheck: DomainCheckDefinition = {
  id: 'ptr',
  async run(ctx): Promise<CheckFinding> {
    const { job, dns } = ctx
    const title = 'Reverse DNS (PTR)'
    const subjects: Subject[] = job.sendingIps.map((address) => ({ address, role: 'sending', source: 'sending IP' }))
    if (job.relay) {
      const relay = await addressesOf(dns, job.relay)
      if (!relay.addresses.length) ctx.note(`the relay ${job.relay} has no address${relay.failure ? ` (${relay.failure})` : ''}: its reverse DNS is not checked`)
      subjects.push(...relay.addresses.map((address): Subject => ({ address, role: 'sending', source: `relay ${job.relay}` })))
    }
    const mx = await lookupMxHosts(dns, job.domain)
    if (mx.kind === 'hosts') subjects.push(...mx.hosts.flatMap((h) => h.addresses.map((address): Subject => ({ address, role: 'mx', source: `MX ${h.exchange}` }))))
    const unique = subjects.filter((s, i) => subjects.findIndex((o) => o.address === s.address) === i)

    if (!unique.length) {
      const label = job.provider ? PROVIDERS[job.provider].label : null
      const detail = label
        ? `No address to check: ${label}'s sending servers have their reverse DNS set by ${label}; give your own sending IPs to check theirs.`
        : 'No address to check: give the IPs your mail leaves from, or the relay it goes through, to check their reverse DNS.'
      return { status: 'info', title, detail, records: [] }
    }

    const verdicts = await mapLimit(unique, CONCURRENCY, (s) => judge(dns, s))
    const items: DomainItem[] = verdicts.map((v) => item(`${v.subject.address} (${v.subject.source})`, v.status, v.detail))
    const records = verdicts.flatMap((v) => v.records)
    const status = worstStatus(verdicts)
    const worst = verdicts.find((v) => v.status === status && status !== 'pass')
    if (worst) return { status, title, detail: worst.detail, records, items }
    const detail =
      verdicts.length === 1
        ? `${verdicts[0]!.subject.address} (${verdicts[0]!.subject.source}) has a ${verdicts[0]!.detail} (forward-confirmed reverse DNS).`
        : `All ${verdicts.length} addresses have a PTR name that resolves back to them (forward-confirmed reverse DNS).`
    return { status, title, detail, records, items }
  },
}

async function judge(dns: DomainDns, subject: Subject): Promise<Verdict> {
  const { address, role } = subject
  const arpa = arpaName(address) ?? address
  const answer = await dns.ptr(address)
  if (!answer.ok) {
    if (isDnsFailure(answer))
      return { subject, status: 'warn', detail: `The PTR record of ${address} could not be looked up (${trouble(answer)}): ask again, or check with whoever runs ${address}.`, records: [] }
    return role === 'sending'
      ? {
          subject,
          status: 'fail',
          detail: `${address} has no PTR record: Gmail, Yahoo and Microsoft refuse or junk mail from addresses without reverse DNS; ask whoever runs ${address} to set a PTR name that resolves back to it.`,
          records: [],
        }
      : {
          subject,
          status: 'warn',
          detail: `${address} has no PTR record: some senders distrust mail hosts without reverse DNS; ask whoever runs ${address} to set one that resolves back to it.`,
          records: [],
        }
  }
  const names = answer.records.map((n) => n.replace(/\.$/, '').toLowerCase())
  const records = names.map((n) => record('PTR', arpa, n))
  const checked = names.slice(0, MAX_NAMES)
  const forward = await Promise.all(checked.map((n) => (address.includes(':') ? dns.aaaa(n) : dns.a(n))))
  const confirming = checked.find((_, i) => {
    const f = forward[i]!
    return f.ok && f.records.some((a) => same(a, address))
  })
  if (confirming) return { subject, status: 'pass', detail: `PTR name ${confirming} that resolves back to it`, records }
  const what = `${address} has the PTR name${names.length === 1 ? '' : 's'} ${listed(names)}, but ${names.length === 1 ? 'it does not resolve' : 'none resolves'} back to it`
  return role === 'sending'
    ? {
        subject,
        status: 'fail',
        detail: `${what}: receivers require forward-confirmed reverse DNS; give ${checked[0]} an ${address.includes(':') ? 'AAAA' : 'A'} record for ${address}, or change the PTR.`,
        records,
      }
    : { subject, status: 'warn', detail: `${what}: give ${checked[0]} an ${address.includes(':') ? 'AAAA' : 'A'} record for ${address}, or change the PTR.`, records }
}

/** The same address, whatever its spelling (IPv6 zeros, case). */
function same(a: string, b: string): boolean {
  return arpaName(a) === arpaName(b)
}
