// The proxy hop of the dial step: over a TCP connection to the proxy, ask it for a tunnel to the
// server. SOCKS is spoken by the `socks` package (the one nodemailer's own proxy support uses) and
// HTTP CONNECT by node:http; we only time it, show it and classify its failures.
// node:http and socks are loaded by the hop that needs them: a connection without a proxy never does (the CLI's start-up).
import type http from 'node:http'
import type net from 'node:net'
import type { SocksClientOptions } from 'socks'
import type { ClassifiedError, ProxyTarget } from '../../../preload/contract'
import { describeProxy } from '../../../preload/contract/proxy-url'
import { abortError, EngineError, isAbort } from '../errors'
import type { NetLog } from './log'

export interface ProxyHop {
  proxy: ProxyTarget
  password: string | null
  /** Where the tunnel goes: a name (the proxy resolves it) or an address we resolved. */
  host: string
  port: number
  timeoutMs: number
  signal?: AbortSignal
  log: NetLog
}

/** The proxy's answer: the tunnel (the same socket, or one wrapping it) and the round trips the handshake took. */
export interface Tunnel {
  socket: net.Socket
  roundTrips: number
}

/** Asks the proxy on `socket` for a tunnel; rejects with PROXY_FAILED / PROXY_AUTH_FAILED (or CANCELLED). */
export function openTunnel(socket: net.Socket, hop: ProxyHop): Promise<Tunnel> {
  return hop.proxy.protocol === 'http' ? httpConnect(socket, hop) : socksConnect(socket, hop)
}

const authority = (host: string, port: number) => `${host.includes(':') ? `[${host}]` : host}:${port}`

async function socksConnect(socket: net.Socket, hop: ProxyHop): Promise<Tunnel> {
  const { SocksClient } = await import('socks')
  const { proxy, log } = hop
  const version = proxy.protocol === 'socks4' ? 4 : 5
  const withPassword = version === 5 && proxy.user !== null && hop.password !== null
  const options: SocksClientOptions = {
    command: 'connect',
    existing_socket: socket,
    timeout: hop.timeoutMs,
    destination: { host: hop.host, port: hop.port },
    proxy: {
      host: proxy.host,
      port: proxy.port,
      type: version,
      ...(proxy.user !== null ? { userId: proxy.user } : {}),
      ...(withPassword ? { password: hop.password! } : {}),
    },
  }
  log.line('info', `asking the ${label(proxy)} for a tunnel to ${authority(hop.host, hop.port)}${withPassword ? ' (username/password authentication)' : ''}`)
  // Each read during the handshake is one reply of the proxy, so one round trip (the client waits for
  // each before it writes again). Bytes after the last reply belong to the server: kept for the next reader.
  let replies = 0
  let open = false
  const early: Buffer[] = []
  const watch = (chunk: Buffer) => (open ? early.push(chunk) : replies++)
  socket.on('data', watch)
  try {
    const established = await withSignal(SocksClient.createConnection(options), hop.signal, () => socket.destroy())
    open = true
    // The socks package re-emits what it read past its reply, and resumes the socket, on the next turn.
    await new Promise((resolve) => setImmediate(resolve))
    handOver(socket, early)
    const bound = established.remoteHost
    log.line('info', `${label(proxy)} replied: granted; the tunnel is open`)
    if (bound) log.line('info', `the proxy connects from ${authority(bound.host, bound.port)}`, { detail: true })
    return { socket, roundTrips: Math.max(1, replies) }
  } catch (err) {
    if (isAbort(err)) throw err
    throw new EngineError(socksError(err, hop))
  } finally {
    socket.off('data', watch)
  }
}

/** Leaves the socket as a fresh one: the early bytes first in line, flowing as soon as the next owner listens. */
function handOver(socket: net.Socket, early: Buffer[]): void {
  socket.pause()
  if (early.length) socket.unshift(Buffer.concat(early))
  ;(socket as { readableFlowing: boolean | null }).readableFlowing = null
}

/** The socks package's failures (its messages are stable constants, ending in the proxy's reply name) as our codes. */
function socksError(err: unknown, hop: ProxyHop): ClassifiedError {
  const text = err instanceof Error ? err.message : String(err)
  const who = `The ${label(hop.proxy)}`
  const target = authority(hop.host, hop.port)
  const reply = /rejected connection - \(?(\w+)\)?/i.exec(text)?.[1]
  if (/Authentication failed/i.test(text)) return { code: 'PROXY_AUTH_FAILED', message: `${who} refused the user name or password.`, detail: text }
  if (/no accepted authentication type/i.test(text))
    return {
      code: 'PROXY_AUTH_FAILED',
      message:
        hop.proxy.user === null || hop.password === null
          ? `${who} requires a login: put the user in the proxy URL (socks5://user@host:port) and give its password.`
          : `${who} accepts none of the login methods Mailprobe offers.`,
      detail: text,
    }
  if (reply) return { code: 'PROXY_FAILED', message: `${who} could not open a tunnel to ${target}: it answered ${words(reply)}.`, reply: { code: SOCKS_CODES[reply] ?? 0, text: reply }, detail: text }
  if (/timed out/i.test(text)) return { code: 'PROXY_FAILED', message: `${who} did not complete its handshake within ${hop.timeoutMs} ms.`, detail: text }
  if (/Socket closed/i.test(text))
    return { code: 'PROXY_FAILED', message: `${who} closed the connection during its handshake: is it a ${hop.proxy.protocol === 'socks4' ? 'SOCKS4' : 'SOCKS5'} proxy?`, detail: text }
  return { code: 'PROXY_FAILED', message: `${who} answered outside the SOCKS protocol (${text}): is it a SOCKS proxy?`, detail: text }
}

/** SOCKS5 reply codes (RFC 1928 §6) and SOCKS4's, by the names the socks package gives them. */
const SOCKS_CODES: Record<string, number> = {
  Failure: 1,
  NotAllowed: 2,
  NetworkUnreachable: 3,
  HostUnreachable: 4,
  ConnectionRefused: 5,
  TTLExpired: 6,
  CommandNotSupported: 7,
  AddressNotSupported: 8,
  Rejected: 91,
  NoIdent: 92,
  InvalidUser: 93,
}

/** "ConnectionRefused" → "connection refused". */
const words = (name: string) => name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()

async function httpConnect(socket: net.Socket, hop: ProxyHop): Promise<Tunnel> {
  const { request } = await import('node:http')
  const { proxy, log } = hop
  const target = authority(hop.host, hop.port)
  const headers: Record<string, string> = { Host: target }
  if (proxy.user !== null) headers['Proxy-Authorization'] = `Basic ${Buffer.from(`${proxy.user}:${hop.password ?? ''}`).toString('base64')}`
  log.line('info', `proxy → CONNECT ${target} HTTP/1.1`)
  for (const [name, value] of Object.entries(headers)) log.line('info', `proxy → ${name}: ${name === 'Proxy-Authorization' ? 'Basic [redacted]' : value}`, { detail: true })
  return new Promise<Tunnel>((resolve, reject) => {
    let settled = false
    const done = (err: unknown, tunnel?: Tunnel) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      hop.signal?.removeEventListener('abort', onAbort)
      if (err) {
        req.destroy()
        socket.destroy()
        reject(err)
      } else resolve(tunnel!)
    }
    // node:http speaks CONNECT on our socket: it writes the request, parses the answer and hands the socket back.
    const req = request({ method: 'CONNECT', path: target, headers, setHost: false, createConnection: () => socket })
    const onAbort = () => done(abortError())
    const timer = setTimeout(() => done(new EngineError({ code: 'PROXY_FAILED', message: `The ${label(proxy)} did not answer CONNECT within ${hop.timeoutMs} ms.` })), hop.timeoutMs)
    req.once('connect', (res: http.IncomingMessage, tunnel: net.Socket, head: Buffer) => {
      const status = res.statusCode ?? 0
      log.line('info', `proxy ← HTTP/${res.httpVersion} ${status} ${res.statusMessage ?? ''}`.trimEnd())
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) log.line('info', `proxy ← ${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`, { detail: true })
      const reply = { code: status, text: res.statusMessage ?? '' }
      // 407 asks for a login; some proxies (tinyproxy) answer a wrong one with 401.
      if (status === 407 || (status === 401 && proxy.user !== null))
        return done(
          new EngineError({
            code: 'PROXY_AUTH_FAILED',
            message:
              proxy.user === null
                ? `The ${label(proxy)} requires a login (407): put the user in the proxy URL (http://user@host:port) and give the password.`
                : `The ${label(proxy)} refused the user name or password (${status}).`,
            reply,
          }),
        )
      if (status < 200 || status > 299)
        return done(new EngineError({ code: 'PROXY_FAILED', message: `The ${label(proxy)} refused the tunnel to ${target}: ${status} ${reply.text}`.trimEnd() + '.', reply }))
      // Bytes the server sent right behind the proxy's answer (an SMTP greeting) belong to whoever reads next.
      if (head.length) tunnel.unshift(head)
      done(null, { socket: tunnel, roundTrips: 1 })
    })
    req.once('error', (err: NodeJS.ErrnoException) =>
      done(new EngineError({ code: 'PROXY_FAILED', message: `The ${label(proxy)} did not answer CONNECT as an HTTP proxy (${err.code ?? err.message}).`, detail: err.code ?? err.message })),
    )
    if (hop.signal?.aborted) return onAbort()
    hop.signal?.addEventListener('abort', onAbort, { once: true })
    req.end()
  })
}

/** "SOCKS5 proxy socks5://127.0.0.1:1080", as sentences name it. */
export function label(p: ProxyTarget): string {
  const kind = p.protocol === 'http' ? 'HTTP' : p.protocol === 'socks4' ? 'SOCKS4' : 'SOCKS5'
  return `${kind} proxy ${describeProxy(p)}`
}

/** Races a promise against the signal; `onAbort` undoes what the promise was doing. */
function withSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined, onAbort: () => void): Promise<T> {
  if (!signal) return promise
  if (signal.aborted) {
    onAbort()
    return Promise.reject(abortError())
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      onAbort()
      reject(abortError())
    }
    signal.addEventListener('abort', abort, { once: true })
    promise.then(
      (v) => {
        signal.removeEventListener('abort', abort)
        resolve(v)
      },
      (e: unknown) => {
        signal.removeEventListener('abort', abort)
        reject(e)
      },
    )
  })
}
