// What several checks share: records as found, the MX hosts with their addresses, a failed lookup
// in words, and mailauth (loaded on first use: it is large, and only a domain run needs these parts).
import type { DomainItem, DomainRecord, DomainStatus } from '../../../../preload/contract'
import type { DnsAnswer, DomainDns } from '../context'

export const record = (type: string, name: string, value: string): DomainRecord => ({ type, name, value })
export const item = (label: string, status: DomainStatus, detail: string): DomainItem => ({ label, status, detail })

/** "a, b and c" */
export function listed(words: readonly string[]): string {
  if (words.length <= 1) return words.join('')
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`
}

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

/** Why a lookup gave nothing, for a sentence: "no answer for TXT example.com within 5000 ms". */
export function trouble(answer: DnsAnswer<unknown>): string {
  return answer.ok ? '' : answer.message
}

/** A lookup that failed for a reason other than "there is no such record": the resolver or the domain's name servers are at fault. */
export function isDnsFailure(answer: DnsAnswer<unknown>): boolean {
  return !answer.ok && answer.reason !== 'nxdomain' && answer.reason !== 'nodata'
}

export interface Addresses {
  addresses: string[]
  records: DomainRecord[]
  /** A lookup that failed (not merely empty), in words. */
  failure: string | null
}

/** A host's IPv4 and IPv6 addresses (both asked at once). */
export async function addressesOf(dns: DomainDns, host: string): Promise<Addresses> {
  const [a, aaaa] = await Promise.all([dns.a(host), dns.aaaa(host)])
  const addresses = [...(a.ok ? a.records : []), ...(aaaa.ok ? aaaa.records : [])]
  const records = [...(a.ok ? a.records.map((v) => record('A', host, v)) : []), ...(aaaa.ok ? aaaa.records.map((v) => record('AAAA', host, v)) : [])]
  const failed = [a, aaaa].find(isDnsFailure)
  return { addresses, records, failure: failed ? trouble(failed) : null }
}

export interface MxHost {
  exchange: string
  priority: number
  addresses: string[]
  records: DomainRecord[]
  failure: string | null
}

export type MxHosts =
  | { kind: 'hosts'; hosts: MxHost[]; records: DomainRecord[]; dropped: number }
  /** RFC 7505 "MX 0 .": the domain accepts no mail. `alone` is false when other MX records stand beside it (invalid). */
  | { kind: 'null'; records: DomainRecord[]; alone: boolean }
  | { kind: 'none'; answer: Extract<DnsAnswer<unknown>, { ok: false }> }

/** At most this many MX hosts are looked at (as the probe does). */
export const MAX_MX_HOSTS = 10

/** The domain's MX hosts by preference, each with its addresses (the same answers, from the run's cache, for every check that asks). */
export async function lookupMxHosts(dns: DomainDns, domain: string): Promise<MxHosts> {
  const answer = await dns.mx(domain)
  if (!answer.ok) return { kind: 'none', answer }
  const records = answer.records.map((r) => record('MX', domain, `${r.priority} ${r.exchange || '.'}`))
  const isNull = (r: { exchange: string }) => r.exchange === '' || r.exchange === '.'
  if (answer.records.some(isNull)) return { kind: 'null', records, alone: answer.records.length === 1 }
  const seen = new Set<string>()
  const sorted = answer.records
    .map((r) => ({ exchange: r.exchange.replace(/\.$/, '').toLowerCase(), priority: r.priority }))
    .filter((r) => !seen.has(r.exchange) && seen.add(r.exchange))
    .sort((a, b) => a.priority - b.priority || a.exchange.localeCompare(b.exchange))
  const kept = sorted.slice(0, MAX_MX_HOSTS)
  const hosts = await Promise.all(kept.map(async (r) => ({ ...r, ...(await addressesOf(dns, r.exchange)) })))
  return { kind: 'hosts', hosts, records, dropped: sorted.length - kept.length }
}

type Spf = typeof import('mailauth/lib/spf/index.js')
type Tools = typeof import('mailauth/lib/tools.js')
type GetDmarcRecord = typeof import('mailauth/lib/dmarc/get-dmarc-record.js')

let loaded: Promise<{ spf: Spf['spf']; tools: Tools; getDmarcRecord: GetDmarcRecord }> | null = null

/**
 * mailauth's SPF evaluation, DMARC lookup and tools, imported once. The specifiers name the files:
 * the app's bundles keep import(), and Node's ESM resolution takes no directory or bare file name.
 */
export function mailauth(): Promise<{ spf: Spf['spf']; tools: Tools; getDmarcRecord: GetDmarcRecord }> {
  loaded ??= Promise.all([import('mailauth/lib/spf/index.js'), import('mailauth/lib/tools.js'), import('mailauth/lib/dmarc/get-dmarc-record.js')]).then(([spf, tools, dmarc]) => ({
    spf: commonJs<Spf>(spf).spf,
    tools: commonJs<Tools>(tools),
    getDmarcRecord: commonJs<GetDmarcRecord>(dmarc),
  }))
  return loaded
}

/** A CommonJS module as import() gives it: its exports, or (from a bundle or Node's ESM loader) a namespace whose default they are. */
function commonJs<T>(m: unknown): T {
  return ((m as { default?: T }).default ?? m) as T
}
