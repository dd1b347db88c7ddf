import net from 'node:net'
import type { ClassifiedError } from '../../../preload/contract'
import { abortError, EngineError } from '../errors'
import type { Resolved } from './resolve'

export interface TcpOptions {
  /** The name the addresses belong to (for messages). */
  host: string
  resolved: Resolved
  port: number
  timeoutMs: number
  signal?: AbortSignal
  /** The source address to bind to. */
  localAddress?: string
  /** Each address tried, as it is tried (Happy Eyeballs may try several). */
  onAttempt?: (address: string, family: number) => void
  onAttemptFailed?: (address: string, family: number, reason: string) => void
}

/**
 * Opens a TCP connection to pre-resolved addresses, bounded by the connect timeout and the signal.
 * With several addresses Node's Happy Eyeballs tries them in turn, IPv6 and IPv4 interleaved, a new
 * attempt every 250 ms while the earlier ones are still pending. The socket is ours: its byte
 * counters measure the session.
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
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
      // Our own resolution is authoritative: hand net the addresses we already have, on the next
      // tick, so that the attempt listeners below are in place before the first attempt starts.
      lookup: (_h, o, cb) =>
        process.nextTick(() => {
          if ((o as { all?: boolean }).all) (cb as (e: null, a: { address: string; family: number }[]) => void)(null, list)
          else (cb as (e: null, a: string, f: number) => void)(null, first.address, first.family)
        }),
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
    const onError = (err: NodeJS.ErrnoException) => done(new EngineError(connectError(err, opts)))
    const onAbort = () => done(abortError())
    const timer = setTimeout(
      () =>
        done(
          new EngineError({
            code: 'CONNECT_TIMEOUT',
            message: `No TCP answer from ${opts.host}:${opts.port} within ${opts.timeoutMs} ms: the port is probably filtered (blocked) on the way; port 25 often is.`,
          }),
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

/** A failed connect as a classified error; Happy Eyeballs reports an AggregateError whose first inner error says what happened. */
function connectError(err: NodeJS.ErrnoException, opts: TcpOptions): ClassifiedError {
  const target = `${opts.host}:${opts.port}`
  const code = (err as unknown as { errors?: NodeJS.ErrnoException[] }).errors?.[0]?.code ?? err.code ?? ''
  const detail = code || err.message
  if (code === 'ECONNREFUSED') return { code: 'CONNECT_REFUSED', message: `Connection refused by ${target}: nothing listens on that port, or a firewall rejects it.`, detail }
  if (code === 'ETIMEDOUT') return { code: 'CONNECT_TIMEOUT', message: `No TCP answer from ${target}: the port is probably filtered by a firewall or your provider.`, detail }
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return { code: 'CONNECT_REFUSED', message: `${target} is unreachable from this network (${code}).`, detail }
  if (opts.localAddress && (code === 'EADDRNOTAVAIL' || code === 'EINVAL' || code === 'EAFNOSUPPORT'))
    return { code: 'INVALID_INPUT', message: `Cannot connect from ${opts.localAddress}: it is not an address of this machine, or not of the server's address family (${code}).`, detail }
  return { code: 'CONNECTION_LOST', message: `Could not connect to ${target}: ${err.message}.`, detail }
}
