import net from 'node:net'
import { abortError, fail } from '../errors'
import type { Resolved } from './resolve'

export interface TcpOptions {
  host: string
  resolved: Resolved
  port: number
  timeoutMs: number
  signal?: AbortSignal
  /** Each address tried (Happy Eyeballs may try several). */
  onAttempt?: (address: string, family: number) => void
  onAttemptFailed?: (address: string, family: number, reason: string) => void
}

/**
 * Opens a TCP connection to pre-resolved addresses (Happy Eyeballs across them), bounded by
 * the connect timeout and the signal. The socket is ours: its byte counters measure the session.
 */
export function openTcp(opts: TcpOptions): Promise<net.Socket> {
  const list = opts.resolved.addresses
  const first = list[0]!
  return new Promise((resolve, reject) => {
    const socket = net.connect({
      host: list.length > 1 ? opts.host : first.address,
      port: opts.port,
      autoSelectFamily: list.length > 1,
      autoSelectFamilyAttemptTimeout: 250,
      // Our own resolution is authoritative: hand net the addresses we already have.
      lookup: (_h, o, cb) => {
        if ((o as { all?: boolean }).all) (cb as (e: null, a: { address: string; family: number }[]) => void)(null, list)
        else (cb as (e: null, a: string, f: number) => void)(null, first.address, first.family)
      },
    })
    socket.setNoDelay(true)
    let settled = false
    const done = (err?: unknown) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      opts.signal?.removeEventListener('abort', onAbort)
      socket.off('connect', onConnect)
      socket.off('error', onError)
      if (err) {
        socket.destroy()
        reject(err)
      } else {
        // Whoever owns the socket next adds its own handlers; until then a late error must not crash the process.
        socket.on('error', () => {})
        resolve(socket)
      }
    }
    const onConnect = () => done()
    const onError = (err: NodeJS.ErrnoException) => {
      const target = `${opts.host}:${opts.port}`
      const code = err.code ?? ''
      // Happy Eyeballs reports an AggregateError; the first inner error says what happened.
      const inner = (err as unknown as { errors?: NodeJS.ErrnoException[] }).errors?.[0]?.code ?? code
      if (inner === 'ECONNREFUSED') return done(catchFail(() => fail('CONNECT_REFUSED', `Connection refused by ${target}: nothing listens on that port, or a firewall rejects it.`, { detail: inner })))
      if (inner === 'ETIMEDOUT') return done(catchFail(() => fail('CONNECT_TIMEOUT', `No TCP answer from ${target}: the port is probably filtered by a firewall or your provider.`, { detail: inner })))
      if (inner === 'EHOSTUNREACH' || inner === 'ENETUNREACH') return done(catchFail(() => fail('CONNECT_REFUSED', `${target} is unreachable from this network (${inner}).`, { detail: inner })))
      done(catchFail(() => fail('CONNECTION_LOST', `Could not connect to ${target}: ${err.message}.`, { detail: inner })))
    }
    const onAbort = () => done(abortError())
    const timer = setTimeout(
      () =>
        done(
          catchFail(() => fail('CONNECT_TIMEOUT', `No TCP answer from ${opts.host}:${opts.port} within ${opts.timeoutMs} ms: the port is probably filtered (blocked) on the way; port 25 often is.`)),
        ),
      opts.timeoutMs,
    )
    socket.once('connect', onConnect)
    socket.on('error', onError)
    socket.on('connectionAttempt', (ip: string, _port: number, family: number) => opts.onAttempt?.(ip, family))
    socket.on('connectionAttemptFailed', (ip: string, _port: number, family: number, error: Error) => opts.onAttemptFailed?.(ip, family, error.message))
    if (opts.signal?.aborted) onAbort()
    else opts.signal?.addEventListener('abort', onAbort, { once: true })
  })
}

function catchFail(f: () => never): unknown {
  try {
    f()
  } catch (e) {
    return e
  }
}
