import { promises as dns } from 'node:dns'
import { abortError, fail, isAbort } from '../errors'

export interface MxRecord {
  exchange: string
  priority: number
}

export type ResolveMx = (domain: string) => Promise<MxRecord[]>

export interface MxAnswer {
  /** By preference (lowest priority value first), duplicates removed, at most MAX_MX_HOSTS. */
  records: MxRecord[]
  /** No MX record: the domain itself is the implicit MX (RFC 5321 §5.1). */
  implicit: boolean
  /** "MX 0 ." (RFC 7505): the domain accepts no mail. */
  nullMx: boolean
  /** How many MX hosts were left out over the limit. */
  dropped: number
}

export const MAX_MX_HOSTS = 10
/** How many MX hosts are probed at once. */
export const MX_CONCURRENCY = 4

export const systemResolveMx: ResolveMx = (domain) => dns.resolveMx(domain)

/** The domain's MX hosts, bounded by the timeout and the signal; DNS failures become DNS_FAILED. */
export async function lookupMx(domain: string, resolve: ResolveMx, timeoutMs: number, signal: AbortSignal): Promise<MxAnswer> {
  const bare = domain.replace(/\.$/, '')
  let records: MxRecord[]
  try {
    records = await bounded(resolve(bare), timeoutMs, signal)
  } catch (err) {
    if (isAbort(err)) throw err
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENODATA') return { records: [{ exchange: bare, priority: 0 }], implicit: true, nullMx: false, dropped: 0 }
    const why = code === 'ENOTFOUND' ? 'the domain does not exist (check the spelling)' : code === 'ETIMEOUT' ? `no answer within ${timeoutMs} ms` : `the resolver said ${code ?? String(err)}`
    fail('DNS_FAILED', `Could not look up the MX records of ${bare}: ${why}.`, { detail: String(code ?? err) })
  }
  const clean = records.filter((r) => r && typeof r.exchange === 'string' && Number.isFinite(r.priority))
  if (clean.length === 1 && (clean[0]!.exchange === '' || clean[0]!.exchange === '.')) return { records: [], implicit: false, nullMx: true, dropped: 0 }
  if (!clean.length) return { records: [{ exchange: bare, priority: 0 }], implicit: true, nullMx: false, dropped: 0 }
  const seen = new Set<string>()
  const sorted = clean
    .map((r) => ({ exchange: r.exchange.replace(/\.$/, '').toLowerCase(), priority: r.priority }))
    .filter((r) => r.exchange && !seen.has(r.exchange) && seen.add(r.exchange))
    .sort((a, b) => a.priority - b.priority || a.exchange.localeCompare(b.exchange))
  return { records: sorted.slice(0, MAX_MX_HOSTS), implicit: false, nullMx: false, dropped: Math.max(0, sorted.length - MAX_MX_HOSTS) }
}

function bounded<T>(work: Promise<T>, timeoutMs: number, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const done = () => {
      clearTimeout(timer)
      signal.removeEventListener('abort', onAbort)
    }
    const onAbort = () => {
      done()
      reject(abortError())
    }
    const timer = setTimeout(() => {
      done()
      reject(Object.assign(new Error('DNS timeout'), { code: 'ETIMEOUT' }))
    }, timeoutMs)
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(
      (v) => {
        done()
        resolve(v)
      },
      (e: unknown) => {
        done()
        reject(e)
      },
    )
  })
}

/** Runs `fn` over `items` with at most `limit` at a time; results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      results[i] = await fn(items[i]!, i)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker))
  return results
}
