// What every domain-readiness check is given, and what it gives back. The engine (index.ts) runs
// the checks concurrently (bounded), times each one as its phase and streams each as it finishes;
// a check only asks DNS (through `dns`, which counts and bounds its questions) and, for some, the
// network (the MX probe, the MTA-STS policy fetch), and returns its finding.
import type { DomainCheck, DomainCheckId, DomainJob, DomainRecord } from '../../../preload/contract'
import type { TlsaAnswer } from './tlsa-query'

/** A DNS answer, or why there is none. */
export type DnsAnswer<T> = { ok: true; records: T[] } | { ok: false; reason: 'nxdomain' | 'nodata' | 'servfail' | 'timeout' | 'refused' | 'error'; message: string }

/**
 * The DNS questions a check may ask: the job's resolvers (or the system's), each question bounded by
 * the job's timeout and counted for the check's phase. Answers are cached for the run (a name two
 * checks ask goes out once); an answer without records is `nodata`, never an empty list. TXT
 * strings come back joined (one string per record). After cancellation every method rejects with
 * an abort error (let it propagate: the engine ends the run as CANCELLED).
 */
export interface DomainDns {
  txt(name: string): Promise<DnsAnswer<string>>
  mx(name: string): Promise<DnsAnswer<{ exchange: string; priority: number }>>
  a(name: string): Promise<DnsAnswer<string>>
  aaaa(name: string): Promise<DnsAnswer<string>>
  cname(name: string): Promise<DnsAnswer<string>>
  /** PTR names of an address (asks the resolver for the in-addr.arpa / ip6.arpa name, never /etc/hosts). */
  ptr(address: string): Promise<DnsAnswer<string>>
  /** TLSA records (node:dns cannot ask for them) and whether the resolver vouched for them with DNSSEC (the AD bit). */
  tlsa(name: string): Promise<TlsaResult>
  /** A resolver function in the shape mailauth takes (dns.promises.resolve's), over the same resolvers and counting. */
  forMailauth(): (name: string, rrtype: string) => Promise<unknown>
  /** Questions this check sent to the resolver so far (answers it got from the run's cache are not counted). */
  readonly asked: number
}

/** A TLSA answer (NOERROR or NXDOMAIN, with its rcode and the server that gave it), or why none came. */
export type TlsaResult = ({ ok: true; server: string } & TlsaAnswer) | { ok: false; message: string }

export interface DomainContext {
  job: DomainJob
  dns: DomainDns
  /** The check's own info lines (a check's detail lines in the transcript). */
  note(text: string): void
  signal?: AbortSignal
  /**
   * The finding of a check this one depends on (alignment needs spf, dkim and dmarc; bulk-sender
   * needs them all), once it has finished. Only a check before this one in DOMAIN_CHECK_IDS may be
   * awaited (it has started already, so no wait goes round in a circle); asking for a later one
   * rejects. Rejects with an abort error when the run is cancelled first.
   */
  result(id: DomainCheckId): Promise<DomainCheck>
}

/**
 * A check's finding before the engine adds its id, duration and question count. `publish`: records
 * to publish (missing or to fix, the right value known), gathered into the result's `publish`
 * (deduplicated). `dnssec`: only the dane check sets it (whether the resolver vouched for its
 * answers); the result's `dnssec` is null when no check set it.
 */
export type CheckFinding = Omit<DomainCheck, 'id' | 'durationMs' | 'queries' | 'items'> & { items?: DomainCheck['items']; publish?: DomainRecord[]; dnssec?: boolean | null }

export interface DomainCheckDefinition {
  id: DomainCheckId
  run(ctx: DomainContext): Promise<CheckFinding>
}
