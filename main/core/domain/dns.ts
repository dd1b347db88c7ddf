// The DNS a domain run asks: one node:dns Resolver (the job's servers, or the system's), every
// question bounded by the job's timeout, each answer cached for the run (a name asked by two checks
// goes out once) and counted for the check that sent it. Answers become data (DnsAnswer); mailauth
// gets the same resolver, cache and counting through forMailauth().
import { promises as dns } from 'node:dns'
import net from 'node:net'
import { abortError } from '../errors'
import type { DnsAnswer, DomainDns, TlsaResult } from './context'
import { parseServer, queryTlsa } from './tlsa-query'

type Reason = Extract<DnsAnswer<never>, { ok: false }>['reason']
/** What the resolver gave for one question: its records as node:dns shapes them, or why none. */
type Raw = { ok: true; value: unknown[] } | { ok: false; code: string; reason: Reason; message: string }

/** The node:dns error codes for answers without records, and what each means. */
const REASONS: Record<string, Reason> = { ENOTFOUND: 'nxdomain', ENODATA: 'nodata', ESERVFAIL: 'servfail', ETIMEOUT: 'timeout', EREFUSED: 'refused' }

export interface DnsSessionOptions {
  /** The job's dnsServers (`IP`, `IP:PORT`, `[v6]:PORT`); the system's servers when absent. */
  servers?: readonly string[]
  timeoutMs: number
  /** Aborting it rejects every pending question with an abort error (the run is cancelled). */
  signal?: AbortSignal
}

/** One line of the transcript per question that went out (the check's view writes it). */
export type DnsLog = (text: string) => void

/**
 * The DNS of one run. `view()` gives each check its own counting DomainDns; all views share the
 * resolver and the cache. Throws (at construction) when a server is not an address node:dns takes.
 */
export class DnsSession {
  private readonly resolver: dns.Resolver
  private readonly cache = new Map<string, Promise<Raw>>()
  private readonly tlsaCache = new Map<string, Promise<TlsaResult>>()
  /** Questions sent to the resolver in this run (answers from the cache are not questions). */
  sent = 0
  /** Those waiting on an answer, rejected together when the run is cancelled (one abort listener for all). */
  private readonly waiting = new Set<(err: Error) => void>()

  constructor(private readonly o: DnsSessionOptions) {
    // Two tries, the first given half the time: a lost UDP datagram is retried within the bound.
    this.resolver = new dns.Resolver({ timeout: Math.max(50, Math.floor(o.timeoutMs / 2)), tries: 2 })
    if (o.servers?.length) this.resolver.setServers([...o.servers])
    o.signal?.addEventListener(
      'abort',
      () => {
        this.resolver.cancel()
        for (const reject of this.waiting) reject(abortError())
        this.waiting.clear()
      },
      { once: true },
    )
  }

  /** The servers asked, as node:dns names them. */
  get servers(): string[] {
    return this.resolver.getServers()
  }

  view(log?: DnsLog): CountingDns {
    return new CountingDns(this, log)
  }

  /** Drops the questions still pending (the run is over). */
  close(): void {
    this.resolver.cancel()
  }

  /** The answer to `type name`, from the cache or the resolver; `onSent` is called when a question goes out. */
  ask(name: string, type: string, onSent: () => void): Promise<Raw> {
    if (this.o.signal?.aborted) return Promise.reject(abortError())
    const key = `${type} ${normalise(name)}`
    let answer = this.cache.get(key)
    if (!answer) {
      this.sent++
      onSent()
      answer = this.query(normalise(name), type)
      this.cache.set(key, answer)
    }
    return this.abortable(answer)
  }

  private async query(name: string, type: string): Promise<Raw> {
    const timeoutMs = this.o.timeoutMs
    let timer: NodeJS.Timeout | undefined
    // The overall guard: c-ares's own timeout applies per try and per server.
    const guard = new Promise<Raw>((resolve) => {
      timer = setTimeout(() => resolve(failure('ETIMEOUT', name, type, timeoutMs)), timeoutMs)
    })
    // A type node:dns does not know throws at once: as a rejection, it becomes an answer like any other failure.
    const work = Promise.resolve()
      .then(() => this.resolver.resolve(name, type))
      .then(
        (value): Raw => (Array.isArray(value) && value.length ? { ok: true, value } : failure('ENODATA', name, type, timeoutMs)),
        (err: unknown): Raw => failure(String((err as NodeJS.ErrnoException).code ?? err), name, type, timeoutMs),
      )
    try {
      return await Promise.race([work, guard])
    } finally {
      clearTimeout(timer)
    }
  }

  /** The TLSA answer for `name` from the cache or the servers in turn (the next only when one does not answer); `onSent` as for ask(). */
  askTlsa(name: string, onSent: () => void): Promise<TlsaResult> {
    if (this.o.signal?.aborted) return Promise.reject(abortError())
    const key = normalise(name)
    let answer = this.tlsaCache.get(key)
    if (!answer) {
      this.sent++
      onSent()
      answer = this.queryTlsa(key)
      this.tlsaCache.set(key, answer)
    }
    return this.abortable(answer)
  }

  private async queryTlsa(name: string): Promise<TlsaResult> {
    let last = 'no DNS server to ask'
    for (const server of this.resolver.getServers().map(parseServer)) {
      try {
        return { ok: true, server: `${server.address}:${server.port}`, ...(await queryTlsa(server, name, this.o.timeoutMs, this.o.signal)) }
      } catch (err) {
        if ((err as { code?: string }).code === 'ABORT_ERR') throw err
        last = (err as Error).message
      }
    }
    return { ok: false, message: last }
  }

  private abortable<T>(p: Promise<T>): Promise<T> {
    if (!this.o.signal) return p
    return new Promise<T>((resolve, reject) => {
      this.waiting.add(reject)
      p.then(resolve, reject).finally(() => this.waiting.delete(reject))
    })
  }
}

/** One check's DomainDns: the run's resolver and cache, its own count of questions. */
export class CountingDns implements DomainDns {
  private count = 0

  constructor(
    private readonly session: DnsSession,
    private readonly log?: DnsLog,
  ) {}

  get asked(): number {
    return this.count
  }

  txt(name: string): Promise<DnsAnswer<string>> {
    return this.answer<string[], string>(name, 'TXT', (chunks) => chunks.join(''))
  }

  mx(name: string): Promise<DnsAnswer<{ exchange: string; priority: number }>> {
    return this.answer(name, 'MX', (r: { exchange: string; priority: number }) => ({ exchange: r.exchange, priority: r.priority }))
  }

  a(name: string): Promise<DnsAnswer<string>> {
    return this.answer(name, 'A', String)
  }

  aaaa(name: string): Promise<DnsAnswer<string>> {
    return this.answer(name, 'AAAA', String)
  }

  cname(name: string): Promise<DnsAnswer<string>> {
    return this.answer(name, 'CNAME', String)
  }

  ptr(address: string): Promise<DnsAnswer<string>> {
    const name = arpaName(address)
    if (!name) return Promise.resolve({ ok: false, reason: 'error', message: `${address} is not an IP address` })
    return this.answer(name, 'PTR', String)
  }

  tlsa(name: string): Promise<TlsaResult> {
    const started = Date.now()
    let sent = false
    return this.session
      .askTlsa(name, () => {
        this.count++
        sent = true
      })
      .then((answer) => {
        if (sent && this.log)
          this.log(
            `dns: TLSA ${normalise(name)} → ${answer.ok ? `${answer.rcode}, ${answer.records.length} record${answer.records.length === 1 ? '' : 's'}` : answer.message} (${Date.now() - started} ms)`,
          )
        return answer
      })
  }

  forMailauth(): (name: string, rrtype: string) => Promise<unknown> {
    return async (name, rrtype) => {
      const raw = await this.raw(name, rrtype.toUpperCase())
      if (raw.ok) return raw.value
      throw Object.assign(new Error(raw.message), { code: raw.code })
    }
  }

  private raw(name: string, type: string): Promise<Raw> {
    const started = Date.now()
    let sent = false
    return this.session
      .ask(name, type, () => {
        this.count++
        sent = true
      })
      .then((raw) => {
        if (sent && this.log) this.log(`dns: ${type} ${normalise(name)} → ${raw.ok ? `${raw.value.length} record${raw.value.length === 1 ? '' : 's'}` : raw.reason} (${Date.now() - started} ms)`)
        return raw
      })
  }

  private async answer<R, T>(name: string, type: string, map: (record: R) => T): Promise<DnsAnswer<T>> {
    const raw = await this.raw(name, type)
    if (!raw.ok) return { ok: false, reason: raw.reason, message: raw.message }
    return { ok: true, records: (raw.value as R[]).map(map) }
  }
}

function failure(code: string, name: string, type: string, timeoutMs: number): Raw {
  const reason = REASONS[code] ?? 'error'
  return { ok: false, code, reason, message: describe(reason, code, name, type, timeoutMs) }
}

function describe(reason: Reason, code: string, name: string, type: string, timeoutMs: number): string {
  switch (reason) {
    case 'nxdomain':
      return `${name} does not exist`
    case 'nodata':
      return `${name} has no ${type} record`
    case 'servfail':
      return `the resolver failed (SERVFAIL) for ${type} ${name}`
    case 'timeout':
      return `no answer for ${type} ${name} within ${timeoutMs} ms`
    case 'refused':
      return `the resolver refused to answer for ${type} ${name}`
    default:
      return `the resolver said ${code} for ${type} ${name}`
  }
}

const normalise = (name: string) => name.trim().toLowerCase().replace(/\.$/, '')

/** The in-addr.arpa / ip6.arpa name of an address (null when it is not one). */
export function arpaName(address: string): string | null {
  const ip = address.replace(/^\[(.*)\]$/, '$1')
  if (net.isIPv4(ip)) return `${ip.split('.').reverse().join('.')}.in-addr.arpa`
  if (!net.isIPv6(ip)) return null
  return `${expandIpv6(ip).split('').reverse().join('.')}.ip6.arpa`
}

/** The 32 hex digits of an IPv6 address (`::` filled in, an embedded IPv4 tail converted). */
function expandIpv6(ip: string): string {
  let text = ip.toLowerCase().replace(/%.*$/, '')
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (v4) {
    const [a, b, c, d] = v4[1]!.split('.').map(Number) as [number, number, number, number]
    text = text.slice(0, -v4[1]!.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head, tail] = text.split('::') as [string, string | undefined]
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
  return groups.map((g) => g.padStart(4, '0')).join('')
}
