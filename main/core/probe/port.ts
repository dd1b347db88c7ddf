import type net from 'node:net'
import type tls from 'node:tls'
import type { ClassifiedError, ProbePort } from '../../../preload/contract'
import type { ReplyReader, SmtpReply } from '../net/reply-reader'
import { dial } from '../net/dial'
import { handshakeRoundTrips } from '../net/tls'
import { diagnose, type PortFacts } from './diagnose'
import { smtpDialogue, type DialogueContext } from './dialogue'
import { authOf, extensionsOf } from './extensions'
import { listen, listenInside, type ListenContext } from './listen'
import { probeError, type PortLog } from './port-log'
import { isUsable, securityOf } from './recommend'
import { overTls } from './sniff'
import { noteCertificateCheck, probeTls } from './tls-facts'

/** One port's probe: what listening takes (bar the per-connection parts), the dialogue's options and the verdict's mode. */
export interface PortContext extends Omit<ListenContext, 'track' | 'tlsAfterMs'> {
  insecure: boolean
  ehloName?: string
  mode: 'host' | 'mx'
}

export const CANCELLED_PORT: ClassifiedError = { code: 'CANCELLED', message: 'Cancelled before the probe of this port finished.' }

/** A port's state from the error that ended its connect (through a proxy: what the proxy said of the server). */
function stateOf(e: ClassifiedError): PortFacts['state'] {
  if (e.code === 'CONNECT_REFUSED' || (e.code === 'PROXY_FAILED' && (e.reply?.code === 5 || e.reply?.code === 91))) return 'refused'
  if (e.code === 'CONNECT_TIMEOUT') return 'timeout'
  return 'error'
}

/** How long a silent first connection waits before TLS is tried on a second: long enough for a prompt greeting, short against the window. */
export function tlsAfterMs(timeoutMs: number, connectMs: number): number {
  return Math.min(timeoutMs / 4, Math.max(250, 10 * connectMs))
}

/**
 * Probes one port: connect, listen before speaking (plaintext greeting, TLS first, or another
 * service), then the SMTP dialogue. Never throws; every socket it opened is closed when it returns.
 */
export async function probePort(ctx: PortContext): Promise<ProbePort> {
  const started = ctx.log.now()
  const sockets = new Set<{ destroy(): void }>()
  const facts = blank(ctx.host, ctx.port)
  try {
    await run(ctx, facts, (s) => sockets.add(s))
  } catch (err) {
    // Not expected (each step classifies its own failures), but a port must still end with a verdict.
    facts.error = probeError(err, 'the server', ctx.timeoutMs)
    if (facts.state === 'open' && facts.speaks === null) facts.state = 'error'
    ctx.log.line('err', `${facts.error.code}: ${facts.error.message}`)
  } finally {
    for (const s of sockets) s.destroy()
  }
  facts.totalMs = round(ctx.log.now() - started)
  return complete(facts, ctx)
}

/** A port result with nothing found yet (also used for ports that could not be probed at all). */
export function blank(host: string, port: number): PortFacts {
  return {
    host,
    port,
    state: 'error',
    speaks: null,
    other: null,
    firstBytes: null,
    address: null,
    connectMs: null,
    bannerMs: null,
    banner: null,
    bannerCode: null,
    starttls: false,
    tls: null,
    capabilities: { before: null, after: null },
    auth: { before: null, after: null },
    extensions: null,
    security: null,
    usable: false,
    error: null,
    totalMs: 0,
  }
}

/** Fills in what follows from the facts: AUTH lists, extensions, security, usability and the diagnosis. */
export function complete(facts: PortFacts, opts: { mode: 'host' | 'mx'; insecure: boolean }): ProbePort {
  const { before, after } = facts.capabilities
  const f: PortFacts = { ...facts, auth: { before: authOf(before), after: authOf(after) }, extensions: extensionsOf(after ?? before) }
  f.security = securityOf(f)
  f.usable = isUsable(f, opts)
  return { ...f, diagnosis: diagnose(f) }
}

async function run(ctx: PortContext, facts: PortFacts, track: (s: { destroy(): void }) => void): Promise<void> {
  const { log } = ctx
  const t0 = log.now()
  let socket: net.Socket
  try {
    const dialed = await dial({ host: ctx.host, port: ctx.port, network: ctx.network, resolved: ctx.resolved, timeoutMs: ctx.timeoutMs, signal: ctx.signal, log })
    track(dialed.raw)
    socket = dialed.socket
    facts.address = dialed.address
  } catch (err) {
    const e = probeError(err, 'a TCP connection', ctx.timeoutMs)
    facts.error = e.code === 'CANCELLED' ? CANCELLED_PORT : e
    facts.state = stateOf(e)
    log.line('err', `${e.code}: ${e.message}`)
    return
  }
  const t1 = log.now()
  facts.state = 'open'
  facts.connectMs = round(t1 - t0)
  log.line('info', 'listening before speaking')

  const listenCtx: ListenContext = { ...ctx, track, tlsAfterMs: tlsAfterMs(ctx.timeoutMs, t1 - t0) }
  const dialogueCtx: DialogueContext = {
    log,
    timeoutMs: ctx.timeoutMs,
    signal: ctx.signal,
    ehloName: ctx.ehloName ?? addressLiteral(socket.localAddress),
    tlsOptions: ctx.tlsOptions,
    servername: ctx.servername,
    insecure: ctx.insecure,
    track,
  }
  const heard = await listen(socket, t1, listenCtx)
  switch (heard.kind) {
    case 'cancelled':
      return cancelled(facts, log)
    case 'silent':
      facts.state = 'silent'
      facts.error = {
        code: 'GREETING_TIMEOUT',
        message: `The connection was accepted, but no greeting came within ${ctx.timeoutMs} ms, in plaintext or over TLS.`,
        ...(heard.note ? { detail: heard.note } : {}),
      }
      log.line('err', `GREETING_TIMEOUT: ${facts.error.message}`)
      return
    case 'closed':
      facts.state = 'error'
      facts.error = {
        code: 'CONNECTION_LOST',
        message: 'The server accepted the connection, then closed it without a word (in plaintext and over TLS): it refuses this client, or the service behind it is down.',
      }
      log.line('err', `CONNECTION_LOST: ${facts.error.message}`)
      return
    case 'other':
      facts.speaks = 'other'
      facts.other = heard.name
      facts.firstBytes = heard.sample
      return
    case 'smtp':
      facts.speaks = 'smtp'
      log.phase('banner', t1, heard.at, 1)
      return greeted(facts, heard, heard.reader, socket, t1, false, dialogueCtx)
    case 'tls': {
      socket.destroy()
      facts.speaks = 'tls'
      facts.tls = probeTls(heard.tls.secure!, { mode: 'implicit', servername: ctx.servername, insecure: ctx.insecure, handshakeMs: heard.tls.handshakeMs })
      noteCertificateCheck(log, facts.tls)
      return insideTls(facts, heard.tls.secure!, heard.tls.readyAt, listenCtx, dialogueCtx)
    }
  }
}

/** Implicit TLS: the greeting inside TLS; if none comes, one EHLO to see what kind of service it is. */
async function insideTls(facts: PortFacts, secure: tls.TLSSocket, since: number, listenCtx: ListenContext, dialogueCtx: DialogueContext): Promise<void> {
  const { log } = listenCtx
  let heard = await listenInside(secure, since, listenCtx)
  if (heard.kind === 'silent') {
    log.line('info', `nothing inside TLS within ${listenCtx.timeoutMs} ms: sending EHLO to see what answers`)
    log.line('c', `EHLO ${dialogueCtx.ehloName}`)
    secure.write(`EHLO ${dialogueCtx.ehloName}\r\n`)
    const nudge = await listenInside(secure, log.now(), listenCtx)
    if (nudge.kind === 'smtp') nudge.reader.detach()
    heard = nudge.kind === 'other' || nudge.kind === 'cancelled' ? nudge : heard
  }
  switch (heard.kind) {
    case 'cancelled':
      return cancelled(facts, log)
    case 'silent':
      facts.state = 'silent'
      facts.error = { code: 'GREETING_TIMEOUT', message: `The TLS handshake completed, but no greeting came inside TLS within ${listenCtx.timeoutMs} ms.` }
      log.line('err', `GREETING_TIMEOUT: ${facts.error.message}`)
      return
    case 'closed':
      facts.state = 'error'
      facts.error = { code: 'CONNECTION_LOST', message: 'The TLS handshake completed, then the server closed the connection without a word.' }
      log.line('err', `CONNECTION_LOST: ${facts.error.message}`)
      return
    case 'other':
      facts.speaks = 'other'
      facts.other = overTls(heard.name)
      facts.firstBytes = heard.sample
      return
    case 'smtp':
      log.phase('banner', since, heard.at, handshakeRoundTrips(secure) === 2 ? 0 : 1)
      return greeted(facts, heard, heard.reader, secure, since, true, dialogueCtx)
    case 'tls':
      return // not produced inside TLS
  }
}

/** After the first SMTP words: the greeting's facts, then the dialogue (or a polite QUIT after a refusal). */
async function greeted(
  facts: PortFacts,
  heard: { reply: SmtpReply | null; at: number; error: ClassifiedError | null },
  reader: ReplyReader,
  socket: net.Socket,
  since: number,
  secured: boolean,
  ctx: DialogueContext,
): Promise<void> {
  const { log } = ctx
  facts.bannerMs = round(heard.at - since)
  if (!heard.reply) {
    reader.detach()
    facts.error = heard.error
    if (heard.error) log.line('err', `${heard.error.code}: ${heard.error.message}`)
    return
  }
  log.reply(heard.reply, heard.at)
  facts.bannerCode = heard.reply.code
  facts.banner = heard.reply.lines.join('\n')
  if (heard.reply.code !== 220) {
    facts.error = {
      code: 'PROTOCOL_ERROR',
      message: `The server greeted with ${heard.reply.code} instead of 220: it does not accept this client now.`,
      reply: { code: heard.reply.code, text: heard.reply.lines.join(' ') },
    }
    log.line('err', `${facts.error.code}: ${facts.error.message}`)
  }
  // After a refusal (421/554) the dialogue is just QUIT: EHLO would be answered with 503 or 554 anyway.
  const outcome = await smtpDialogue({ socket, reader }, secured, heard.reply.code === 220 ? ctx : { ...ctx, quitOnly: true })
  facts.capabilities = { before: outcome.capsBefore, after: outcome.capsAfter }
  facts.starttls = outcome.starttls
  if (outcome.tls) facts.tls = outcome.tls
  if (outcome.error) {
    facts.error ??= outcome.error
    log.line('err', `${outcome.error.code}: ${outcome.error.message}`)
  }
}

function cancelled(facts: PortFacts, log: PortLog): void {
  facts.error = CANCELLED_PORT
  if (facts.speaks === null) facts.state = 'error'
  log.line('err', `CANCELLED: ${CANCELLED_PORT.message}`)
}

/** EHLO's argument when no name is given: our address as an RFC 5321 address literal. */
export function addressLiteral(address: string | undefined): string {
  if (!address) return '[127.0.0.1]'
  const v4 = address.replace(/^::ffff:/i, '')
  if (/^\d+\.\d+\.\d+\.\d+$/.test(v4)) return `[${v4}]`
  return `[IPv6:${address}]`
}

const round = (ms: number) => Math.round(ms * 1000) / 1000
