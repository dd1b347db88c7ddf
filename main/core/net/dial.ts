// The one dial step: every connection SMTP, the HTTPS API and the probe open goes through here.
// Address family and source address, DNS (timed, as its own phase), an optional proxy hop (TCP to
// the proxy, then its handshake as the `proxy` phase), TCP connect (each address tried is in the
// transcript), and optional TLS whose certificate is judged before the caller writes a byte.
import type net from 'node:net'
import type tls from 'node:tls'
import type { ClassifiedError, NetworkOptions, ProxyTarget, TlsInfo } from '../../../preload/contract'
import { parseProxyUrl } from '../../../preload/contract/proxy-url'
import { EngineError, fail } from '../errors'
import type { NetLog } from './log'
import { label, openTunnel } from './proxy'
import { resolveHost, type Family, type Resolved } from './resolve'
import { openTcp } from './tcp'
import { handshakeRoundTrips, reportTls, startTls } from './tls'
import { Tap } from './tap'

export type Lookup = typeof resolveHost

export interface DialTls {
  options: tls.ConnectionOptions
  /** The name the certificate must match (the TLS server name, else the host). */
  name: string
  insecure: boolean
  /** enforce: an untrusted certificate fails the dial before a byte is written; report: the caller judges it (the probe). */
  verify: 'enforce' | 'report'
  /** The handshake's own bound; by default what is left of the connect budget. */
  timeoutMs?: number
  /** The transcript line as the handshake starts. */
  intro: string
  /** Keep what a plaintext peer answers to our ClientHello (the probe names the service from it). */
  capture?: boolean
}

export interface DialRequest {
  host: string
  port: number
  network: NetworkOptions
  /** Budget for DNS, TCP and the proxy's handshake. */
  timeoutMs: number
  signal?: AbortSignal
  log: NetLog
  tls?: DialTls | null
  /** The server's addresses when the caller resolved them already (the probe resolves once for all ports); null when the proxy resolves the name. */
  resolved?: Resolved | null
  lookup?: Lookup
}

export interface Dialed {
  /** The TCP socket (to the server, or to the proxy): its byte counters measure the session. */
  raw: net.Socket
  /** What speaks next: the TLS socket when TLS was asked for, else the TCP socket (or the proxy's tunnel). */
  socket: net.Socket
  secure: tls.TLSSocket | null
  tls: TlsInfo | null
  /** The certificate's problem, when `verify` was 'report' (or verification is off). */
  verdict: ClassifiedError | null
  /** The server's address, null when the proxy resolved the name. */
  address: string | null
  /** When the transport was ready for the application protocol, and what the TLS handshake cost. */
  readyAt: number
  handshakeMs: number
  handshakeRoundTrips: number
}

/** A dial that failed in TLS: what a plaintext peer answered to our ClientHello (when asked to capture), or the certificate refused. */
export class DialError extends EngineError {
  constructor(
    info: ClassifiedError,
    readonly found: { captured?: string; tls?: TlsInfo; bytes?: { sent: number; received: number } },
  ) {
    super(info)
  }
}

const familyOf = (n: NetworkOptions): Family => (n.family === 'ipv4' ? 4 : n.family === 'ipv6' ? 6 : 'auto')

/** The proxy of a job, parsed (the contract checked the URL). */
export function proxyOf(n: NetworkOptions): ProxyTarget | null {
  if (!n.proxy) return null
  const parsed = parseProxyUrl(n.proxy.url)
  if ('problem' in parsed) fail('INVALID_INPUT', parsed.problem)
  return parsed
}

/**
 * Resolves the server's name as the job's network says (null when a proxy will resolve it: socks5h://
 * and http://), with its `dns` phase and line. IP literals take no lookup.
 */
export async function resolveServer(host: string, o: { network: NetworkOptions; timeoutMs: number; signal?: AbortSignal; log: NetLog; lookup?: Lookup; prefix?: string }): Promise<Resolved | null> {
  const proxy = proxyOf(o.network)
  if (proxy && (proxy.protocol === 'socks5h' || proxy.protocol === 'http')) {
    o.log.line('info', `${o.prefix ?? ''}the ${label(proxy)} resolves ${host} itself`, { detail: true })
    return null
  }
  const t0 = o.log.now()
  const resolved = await (o.lookup ?? resolveHost)(host, { family: familyOf(o.network), timeoutMs: o.timeoutMs, signal: o.signal })
  if (resolved.looked) {
    const t1 = o.log.now()
    o.log.phase('dns', t0, t1, 0)
    o.log.line('info', `${o.prefix ?? ''}resolved ${host} → ${resolved.addresses.map((a) => `${a.address} (${a.family === 6 ? 'AAAA' : 'A'})`).join(', ')} in ${(t1 - t0).toFixed(1)} ms`)
  }
  return resolved
}

/** Opens one connection as described; rejects with a classified EngineError (CANCELLED on abort). Nothing is left open on failure. */
export async function dial(req: DialRequest): Promise<Dialed> {
  const { log, network } = req
  const start = log.now()
  const remaining = () => Math.max(100, Math.round(req.timeoutMs - (log.now() - start)))
  const proxy = proxyOf(network)
  const resolved = req.resolved !== undefined ? req.resolved : await resolveServer(req.host, { network, timeoutMs: req.timeoutMs, signal: req.signal, log, lookup: req.lookup })
  const { raw, socket, address } = proxy ? await viaProxy(req, proxy, resolved, remaining) : await direct(req, resolved!, remaining)
  if (!req.tls) return { raw, socket, secure: null, tls: null, verdict: null, address, readyAt: log.now(), handshakeMs: 0, handshakeRoundTrips: 0 }
  try {
    return { ...(await handshake(socket, { ...req.tls, timeoutMs: req.tls.timeoutMs ?? remaining() }, log, req.signal)), raw, address }
  } catch (err) {
    raw.destroy()
    // What crossed the wire before TLS failed (the ClientHello, the server's answer) is still part of the run.
    const bytes = { sent: raw.bytesWritten, received: raw.bytesRead }
    if (err instanceof DialError) throw new DialError(err.info, { ...err.found, bytes })
    if (err instanceof EngineError) throw new DialError(err.info, { bytes })
    throw err
  }
}

/** TCP straight to the server (each of its addresses in turn). */
async function direct(req: DialRequest, resolved: Resolved, remaining: () => number): Promise<Transport> {
  const { log } = req
  const local = req.network.localAddress
  const t0 = log.now()
  const raw = await openTcp({ host: req.host, resolved: usable(resolved, local), port: req.port, timeoutMs: remaining(), signal: req.signal, localAddress: local, ...attemptLines(log, resolved) })
  const t1 = log.now()
  log.phase('connect', t0, t1, 1)
  log.line('info', `connected to ${raw.remoteAddress}:${req.port} (IPv${raw.remoteFamily === 'IPv6' ? 6 : 4}) in ${(t1 - t0).toFixed(1)} ms`)
  return { raw, socket: raw, address: raw.remoteAddress ?? null }
}

/** TCP to the proxy, then its handshake for a tunnel to the server (the `proxy` phase). */
async function viaProxy(req: DialRequest, proxy: ProxyTarget, resolved: Resolved | null, remaining: () => number): Promise<Transport> {
  const { log, network } = req
  const local = network.localAddress
  // The server's address we hand the proxy: the first one we resolved (a proxy takes one destination), or the name.
  const destination = resolved ? usable(resolved, null).addresses[0]!.address : req.host
  const proxyResolved = (await resolveServer(proxy.host, { network: { ...network, proxy: undefined }, timeoutMs: remaining(), signal: req.signal, log, lookup: req.lookup, prefix: 'proxy: ' }))!
  const t0 = log.now()
  const raw = await openTcp({
    host: proxy.host,
    resolved: usable(proxyResolved, local),
    port: proxy.port,
    timeoutMs: remaining(),
    signal: req.signal,
    localAddress: local,
    ...attemptLines(log, proxyResolved),
  }).catch((err: unknown) => {
    throw proxyUnreachable(err, proxy)
  })
  const t1 = log.now()
  log.phase('connect', t0, t1, 1)
  log.line('info', `connected to the ${label(proxy)} at ${raw.remoteAddress}:${proxy.port} in ${(t1 - t0).toFixed(1)} ms`)
  try {
    const tunnel = await openTunnel(raw, { proxy, password: network.proxy?.password ?? null, host: destination, port: req.port, timeoutMs: remaining(), signal: req.signal, log })
    log.phase('proxy', t1, log.now(), tunnel.roundTrips)
    return { raw, socket: tunnel.socket, address: resolved ? destination : null }
  } catch (err) {
    raw.destroy()
    throw err
  }
}

interface Transport {
  raw: net.Socket
  socket: net.Socket
  address: string | null
}

/** TLS over an open connection, with the handshake as its phase and the certificate judged; the probe's STARTTLS uses it too. */
export async function handshake(socket: net.Socket, o: DialTls, log: NetLog, signal?: AbortSignal): Promise<Omit<Dialed, 'raw' | 'address'>> {
  const t0 = log.now()
  log.line('tls', o.intro)
  const tap = o.capture ? new Tap(socket) : null
  let secure: tls.TLSSocket
  try {
    // Trust is judged below, after the handshake, so that a refused certificate can still be shown.
    secure = await startTls(tap ?? socket, { ...o.options, host: o.name, rejectUnauthorized: false }, o.timeoutMs ?? 10_000, signal)
  } catch (err) {
    if (tap && err instanceof EngineError) throw new DialError(err.info, { captured: tap.captured })
    throw err
  }
  const t1 = log.now()
  const roundTrips = handshakeRoundTrips(secure)
  log.phase('tls', t0, t1, roundTrips)
  const { info, verdict } = reportTls(secure, { name: o.name, insecure: o.insecure }, log)
  if (verdict && o.verify === 'enforce' && !o.insecure) {
    log.line('tls', 'certificate not trusted: closing without sending anything (the credentials never left this machine)')
    secure.destroy()
    throw new DialError(verdict, { tls: info })
  }
  return { socket: secure, secure, tls: info, verdict, readyAt: t1, handshakeMs: t1 - t0, handshakeRoundTrips: roundTrips }
}

/** With a source address, only the addresses of its family can be reached from it. */
function usable(resolved: Resolved, local: string | null | undefined): Resolved {
  if (!local) return resolved
  const family = local.includes(':') ? 6 : 4
  const addresses = resolved.addresses.filter((a) => a.family === family)
  if (!addresses.length) fail('INVALID_INPUT', `The source address ${local} is IPv${family}, but the server has no IPv${family} address (${resolved.addresses.map((a) => a.address).join(', ')}).`)
  return { ...resolved, addresses }
}

/** Each address tried, and why one failed, as detail lines (only worth saying when there is a choice). */
function attemptLines(log: NetLog, resolved: Resolved) {
  if (resolved.addresses.length < 2) return {}
  return {
    onAttempt: (ip: string, family: number) => log.line('info', `trying ${ip} (IPv${family})`, { detail: true }),
    onAttemptFailed: (ip: string, family: number, reason: string) => log.line('info', `attempt to ${ip} (IPv${family}) failed: ${reason}`),
  }
}

/** The proxy itself cannot be reached: a proxy failure, whatever TCP said. */
function proxyUnreachable(err: unknown, proxy: ProxyTarget): unknown {
  if (!(err instanceof EngineError) || !['CONNECT_REFUSED', 'CONNECT_TIMEOUT', 'CONNECTION_LOST', 'DNS_FAILED'].includes(err.info.code)) return err
  return new EngineError({ code: 'PROXY_FAILED', message: `Cannot reach the ${label(proxy)}: ${err.info.message}`, detail: err.info.detail ?? err.info.code })
}
