import { promises as dns } from 'node:dns'
import net from 'node:net'
import { abortError, fail, isAbort } from '../errors'

export type Family = 'auto' | 4 | 6

export interface Resolved {
  addresses: { address: string; family: 4 | 6 }[]
  /** false when the host was already an IP address (no lookup happened). */
  looked: boolean
}

/**
 * Resolves with the system resolver (so /etc/hosts and 'localhost' work, unlike nodemailer's own
 * resolver). Bounded by `timeoutMs` and the signal.
 */
export async function resolveHost(host: string, opts: { family?: Family; timeoutMs: number; signal?: AbortSignal }): Promise<Resolved> {
  const bare = host.replace(/^\[(.*)\]$/, '$1')
  const ipFamily = net.isIP(bare)
  if (ipFamily) {
    if (opts.family && opts.family !== 'auto' && opts.family !== ipFamily) fail('INVALID_INPUT', `${bare} is an IPv${ipFamily} address but IPv${opts.family} was requested.`)
    return { addresses: [{ address: bare, family: ipFamily as 4 | 6 }], looked: false }
  }
  const family = opts.family === 4 || opts.family === 6 ? opts.family : 0
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error('DNS lookup timed out'), { code: 'ETIMEOUT' })), opts.timeoutMs)
  })
  let rejectAborted: (err: Error) => void = () => {}
  const aborted = new Promise<never>((_, reject) => (rejectAborted = reject))
  const onAbort = () => rejectAborted(abortError())
  opts.signal?.addEventListener('abort', onAbort, { once: true })
  try {
    const found = await Promise.race([dns.lookup(bare, { all: true, family, verbatim: true }), timeout, aborted])
    const addresses = found.filter((a) => a.family === 4 || a.family === 6).map((a) => ({ address: a.address, family: a.family as 4 | 6 }))
    if (!addresses.length) fail('DNS_FAILED', `${bare} has no ${family ? `IPv${family} ` : ''}address.`)
    return { addresses, looked: true }
  } catch (err) {
    if (isAbort(err)) throw err
    const code = (err as NodeJS.ErrnoException).code
    if (err instanceof Error && err.name === 'EngineError') throw err
    const why =
      code === 'ENOTFOUND' ? 'the name does not exist (check the spelling, or your DNS)' : code === 'ETIMEOUT' ? `no answer within ${opts.timeoutMs} ms` : `the resolver said ${code ?? String(err)}`
    return fail('DNS_FAILED', `Could not resolve ${bare}: ${why}.`, { detail: String(code ?? err) })
  } finally {
    clearTimeout(timer)
    // One signal may cover many lookups (a Lab comparison, an MX probe): do not leave a listener per lookup on it.
    opts.signal?.removeEventListener('abort', onAbort)
  }
}
