// One IMAP connection of a delivery watch: the dial step opens it (its lines in the IMAP lane), then
// imapflow logs in over it. No IMAP protocol code of our own: imapflow speaks it.
import type { ImapFlow } from 'imapflow'
import type { DeliveryRequest, Direction, NetworkOptions } from '../../../preload/contract'
import { abortError } from '../errors'
import { dial } from '../net/dial'
import type { NetLog } from '../net/log'
import { buildTlsOptions } from '../net/tls'
import { imapLogger } from './imap-log'
import { dialedTransport } from './transport'

export const DEFAULT_IMAP_TIMEOUTS = { connectMs: 10_000, greetingMs: 10_000, socketMs: 60_000 }

/** Where a watch writes: the job's clock and transcript (lines in the IMAP lane). */
export interface LaneLog {
  now(): number
  line(dir: Direction, text: string, opts?: { detail?: boolean; t?: number }): void
}

export interface OpenOptions {
  network: NetworkOptions
  log: LaneLog
  signal?: AbortSignal
  /** A certificate that would have failed verification, while verification is off. */
  warn(text: string): void
}

export const imapPort = (req: Pick<DeliveryRequest, 'port' | 'security'>): number => req.port ?? (req.security === 'tls' ? 993 : 143)

/** Connects and logs in; rejects with what failed (a dial step EngineError, an imapflow error, or the abort). Nothing is left open on failure. */
export async function openConnection(req: DeliveryRequest, o: OpenOptions): Promise<ImapFlow> {
  const port = imapPort(req)
  const timeouts = { ...DEFAULT_IMAP_TIMEOUTS, ...req.timeouts }
  const name = req.tls.servername ?? req.host
  const tlsOptions = await buildTlsOptions(req.host, req.tls)
  // The dial step's phases belong to the send's waterfall; the mailbox's connection shows as lines only.
  const netLog: NetLog = { now: () => o.log.now(), line: (dir, text, opts) => o.log.line(dir, text, opts), phase: () => {} }
  const implicit = req.security === 'tls'
  const dialed = await dial({
    host: req.host,
    port,
    network: o.network,
    timeoutMs: timeouts.connectMs,
    signal: o.signal,
    log: netLog,
    tls: implicit ? { options: tlsOptions, name, insecure: req.tls.insecure, verify: 'enforce', timeoutMs: timeouts.greetingMs, intro: `starting TLS (implicit TLS on port ${port})` } : null,
  })
  const unverified = (code: string) => o.warn(`The mailbox server's certificate would have failed verification (${code}), but verification is off.`)
  if (dialed.verdict) unverified(dialed.verdict.code)
  // Loaded on first use: a send that watches no mailbox never reads imapflow.
  const { ImapFlow } = await import('imapflow')
  const client = new ImapFlow({
    host: req.host,
    port,
    secure: implicit,
    // STARTTLS is required (never opportunistic) unless the request says plaintext, which the contract allows on loopback only.
    doSTARTTLS: req.security === 'starttls',
    ...(req.tls.servername ? { servername: req.tls.servername } : {}),
    auth: req.secretKind === 'token' ? { user: req.user, accessToken: req.secret } : { user: req.user, pass: req.secret },
    transport: dialedTransport(dialed.socket, { options: tlsOptions, name, insecure: req.tls.insecure, log: netLog, onUnverified: unverified }),
    logger: imapLogger((dir, text) => o.log.line(dir, text)),
    // imapflow's own version stays in the ID it sends; the name says who is asking.
    clientInfo: { name: 'Mailprobe (imapflow)', vendor: 'Mailprobe' },
    // The watch decides when to IDLE; COMPRESS would hide the exchange's size and gains nothing here.
    disableAutoIdle: true,
    disableCompression: true,
    connectionTimeout: timeouts.connectMs,
    greetingTimeout: timeouts.greetingMs,
    socketTimeout: timeouts.socketMs,
  })
  // Failures reach whoever is waiting on a call; this keeps a late one from crashing the process.
  client.on('error', () => {})
  const onAbort = () => client.close()
  o.signal?.addEventListener('abort', onAbort, { once: true })
  try {
    if (o.signal?.aborted) throw abortError()
    await client.connect()
    if (o.signal?.aborted) throw abortError()
    return client
  } catch (err) {
    client.close()
    dialed.raw.destroy()
    throw o.signal?.aborted ? abortError() : err
  } finally {
    o.signal?.removeEventListener('abort', onAbort)
  }
}

/** LOGOUT, briefly awaited, then the connection is closed whatever happened. */
export async function closeConnection(client: ImapFlow, graceMs = 2_000): Promise<void> {
  if (client.usable) {
    let timer: NodeJS.Timeout | undefined
    await Promise.race([client.logout().catch(() => undefined), new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))])
    clearTimeout(timer)
  }
  client.close()
}
