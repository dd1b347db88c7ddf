import type net from 'node:net'
import type tls from 'node:tls'
import type { ClassifiedError, ProbeTls } from '../../../preload/contract'
import { fail } from '../errors'
import { ReplyReader, type SmtpReply } from '../net/reply-reader'
import { handshake } from '../net/dial'
import { hasCapability } from '../smtp/capabilities'
import { ehloKeywords } from './extensions'
import { probeError, type PortLog } from './port-log'
import { noteCertificateCheck, probeTls } from './tls-facts'

/** How long a polite QUIT may take before we just close. */
const QUIT_GRACE_MS = 2000

export interface Channel {
  socket: net.Socket | tls.TLSSocket
  reader: ReplyReader
}

export interface DialogueContext {
  log: PortLog
  timeoutMs: number
  signal: AbortSignal
  ehloName: string
  tlsOptions: tls.ConnectionOptions
  servername: string
  insecure: boolean
  /** Registers a socket to be destroyed when the port's probe ends, whatever happens. */
  track: (socket: { destroy(): void }) => void
  /** Only say goodbye (after a 421/554 greeting). */
  quitOnly?: boolean
}

export interface DialogueOutcome {
  capsBefore: string[] | null
  capsAfter: string[] | null
  starttls: boolean
  /** Set when STARTTLS upgraded the session. */
  tls: ProbeTls | null
  error: ClassifiedError | null
}

/**
 * The probe's SMTP dialogue after a 220 greeting: EHLO, STARTTLS when offered (our own, on the raw
 * socket; a bad certificate is reported, not fatal), EHLO again, QUIT. Never AUTH, never MAIL.
 * `secured` = the channel is already TLS (implicit TLS), so STARTTLS is not attempted.
 */
export async function smtpDialogue(start: Channel, secured: boolean, ctx: DialogueContext): Promise<DialogueOutcome> {
  const out: DialogueOutcome = { capsBefore: null, capsAfter: null, starttls: false, tls: null, error: null }
  const session: Session = { ch: start, alive: true }
  try {
    if (!ctx.quitOnly) await converse(session, secured, out, ctx)
  } catch (err) {
    out.error = probeError(err, 'a reply', ctx.timeoutMs)
  }
  const { ch } = session
  try {
    // A server that stopped answering gets no QUIT to wait for.
    if (session.alive && out.error?.code !== 'SOCKET_TIMEOUT' && !ctx.signal.aborted && !ch.socket.destroyed) await quit(ch, ctx)
  } finally {
    ch.reader.detach()
  }
  return out
}

/** The channel in use (the TLS one after an upgrade); not alive once a failed handshake has destroyed it. */
interface Session {
  ch: Channel
  alive: boolean
}

/** EHLO, STARTTLS and EHLO again. */
async function converse(session: Session, secured: boolean, out: DialogueOutcome, ctx: DialogueContext): Promise<void> {
  const caps = await ehlo(session.ch, ctx)
  if (secured) out.capsAfter = caps
  else out.capsBefore = caps
  if (secured || !hasCapability(caps, 'STARTTLS')) return
  out.starttls = true
  const t0 = ctx.log.now()
  const reply = await command(session.ch, 'STARTTLS', ctx)
  ctx.log.phase('starttls', t0, ctx.log.now(), 1)
  if (reply.code !== 220) {
    out.error = { code: 'TLS_FAILED', message: `STARTTLS is offered, but the server refused it: ${reply.code} ${reply.lines.join(' ')}.` }
    return
  }
  // RFC 3207: anything the server sent after its 220 and before TLS must be thrown away (the CVE-2011-0411 class).
  if (session.ch.reader.pendingText) ctx.log.line('info', 'warning: the server sent bytes after "220" to STARTTLS, before TLS was up; they were ignored.')
  session.ch.reader.detach()
  session.alive = false // if the handshake fails, it has destroyed the socket
  const tlsCheck = { options: ctx.tlsOptions, name: ctx.servername, insecure: ctx.insecure, verify: 'report', timeoutMs: ctx.timeoutMs, intro: 'starting TLS (STARTTLS)' } as const
  const up = await handshake(session.ch.socket, tlsCheck, ctx.log, ctx.signal)
  const secure = up.secure!
  ctx.track(secure)
  session.ch = { socket: secure, reader: new ReplyReader(secure) }
  session.alive = true
  out.tls = probeTls(secure, { mode: 'starttls', servername: ctx.servername, insecure: ctx.insecure, handshakeMs: up.handshakeMs })
  noteCertificateCheck(ctx.log, out.tls)
  out.capsAfter = await ehlo(session.ch, ctx)
}

/** EHLO, falling back to HELO (no extensions) when EHLO is refused. Returns the extension keywords. */
async function ehlo(ch: Channel, ctx: DialogueContext): Promise<string[]> {
  const t0 = ctx.log.now()
  const reply = await command(ch, `EHLO ${ctx.ehloName}`, ctx)
  ctx.log.phase('ehlo', t0, ctx.log.now(), 1)
  if (reply.code === 250) return ehloKeywords(reply.lines)
  const t1 = ctx.log.now()
  const helo = await command(ch, `HELO ${ctx.ehloName}`, ctx)
  ctx.log.phase('helo', t1, ctx.log.now(), 1)
  if (helo.code === 250) {
    ctx.log.line('info', 'the server refused EHLO but accepted HELO: plain SMTP, no extensions (no STARTTLS, no AUTH)')
    return []
  }
  fail('PROTOCOL_ERROR', `The server refused both EHLO and HELO (${helo.code} ${helo.lines.join(' ')}).`, { reply: { code: helo.code, text: helo.lines.join(' ') } })
}

async function command(ch: Channel, line: string, ctx: DialogueContext): Promise<SmtpReply> {
  ctx.log.line('c', line)
  ch.socket.write(`${line}\r\n`)
  const verb = line.split(' ')[0]!
  const reply = await ch.reader.next(ctx.timeoutMs, ctx.signal, `a reply to ${verb}`)
  ctx.log.reply(reply)
  return reply
}

async function quit(ch: Channel, ctx: DialogueContext): Promise<void> {
  const t0 = ctx.log.now()
  ctx.log.line('c', 'QUIT')
  ch.socket.write('QUIT\r\n')
  const bye = await ch.reader.next(Math.min(ctx.timeoutMs, QUIT_GRACE_MS), ctx.signal, 'a reply to QUIT').catch(() => null)
  if (bye) {
    ctx.log.reply(bye)
    ctx.log.phase('quit', t0, ctx.log.now(), 1)
  }
}
