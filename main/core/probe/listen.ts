import type net from 'node:net'
import type tls from 'node:tls'
import type { ClassifiedError } from '../../../preload/contract'
import type { NetworkOptions } from '../../../preload/contract'
import { isAbort } from '../errors'
import { dial, DialError, type Dialed } from '../net/dial'
import { HeldLog } from '../net/log'
import { ReplyReader, type SmtpReply } from '../net/reply-reader'
import type { Resolved } from '../net/resolve'
import { probeError, type PortLog } from './port-log'
import { printable, SNIFF_LIMIT, sniffFirstBytes, type Sniff } from './sniff'

export interface ListenContext {
  log: PortLog
  /** The host probed (name or IP); certificates are checked against `servername`. */
  host: string
  /** The host's addresses; null when the proxy resolves the name. */
  resolved: Resolved | null
  network: NetworkOptions
  port: number
  timeoutMs: number
  signal: AbortSignal
  tlsOptions: tls.ConnectionOptions
  servername: string
  insecure: boolean
  track: (socket: { destroy(): void }) => void
  /** How long the first connection may stay silent before TLS is tried on a second one. */
  tlsAfterMs: number
}

/** What a port said first. */
export type Heard =
  /** A plaintext SMTP greeting (`reply` null: it began but did not finish in time). The reader stays attached for the dialogue. */
  | { kind: 'smtp'; reply: SmtpReply | null; at: number; reader: ReplyReader; error: ClassifiedError | null }
  /** Silent in plaintext, but a TLS handshake on a second connection completed (its lines and phases are in the transcript now). */
  | { kind: 'tls'; tls: Dialed }
  | { kind: 'other'; name: string | null; sample: string }
  | { kind: 'silent'; note: string | null }
  | { kind: 'closed'; note: string | null }
  | { kind: 'cancelled' }

type First = Exclude<Heard, { kind: 'smtp' }> | { kind: 'smtp-begins' }

/**
 * Listens before speaking on a fresh connection. A plaintext SMTP server greets; a TLS-first
 * server waits for our ClientHello, which one connection cannot both wait for and send. So if the
 * first connection is still silent after `tlsAfterMs`, a second connection tries a TLS handshake
 * while the first keeps listening, both within the same window of `timeoutMs` from connect. The
 * first word decides: bytes on the first connection (plaintext) drop the TLS attempt; a completed
 * handshake closes the silent first connection.
 */
export async function listen(socket: net.Socket, connectedAt: number, ctx: ListenContext): Promise<Heard> {
  return hear(socket, connectedAt, ctx, true)
}

/** Listens for the greeting inside an established TLS session (implicit TLS); no second connection. */
export async function listenInside(secure: tls.TLSSocket, since: number, ctx: ListenContext): Promise<Heard> {
  return hear(secure, since, ctx, false)
}

async function hear(socket: net.Socket, since: number, ctx: ListenContext, tryTls: boolean): Promise<Heard> {
  const reader = new ReplyReader(socket)
  let keepReader = false
  try {
    const first = await firstWord(socket, since, ctx, tryTls)
    if (first.kind !== 'smtp-begins') return first
    keepReader = true
    try {
      const reply = await reader.next(Math.max(1, since + ctx.timeoutMs - ctx.log.now()), ctx.signal, 'a complete greeting')
      return { kind: 'smtp', reply, at: ctx.log.now(), reader, error: null }
    } catch (err) {
      if (isAbort(err)) return { kind: 'cancelled' }
      const e = probeError(err, 'a complete greeting', ctx.timeoutMs)
      const error: ClassifiedError = e.code === 'SOCKET_TIMEOUT' ? { code: 'GREETING_TIMEOUT', message: `The SMTP greeting began but did not finish within ${ctx.timeoutMs} ms.` } : e
      return { kind: 'smtp', reply: null, at: ctx.log.now(), reader, error }
    }
  } finally {
    if (!keepReader) reader.detach()
  }
}

function firstWord(socket: net.Socket, since: number, ctx: ListenContext, tryTls: boolean): Promise<First> {
  const { log, signal } = ctx
  const deadline = since + ctx.timeoutMs
  return new Promise<First>((resolve) => {
    let text = ''
    let closed = false
    let settled = false
    let attempt: AbortController | null = null
    let attemptDone = false
    let note: string | null = null

    const finish = (r: First) => {
      if (settled) return
      settled = true
      clearTimeout(tlsTimer)
      clearTimeout(deadlineTimer)
      socket.off('data', onData)
      socket.off('close', onClose)
      signal.removeEventListener('abort', onAbort)
      if (attempt && !attemptDone) attempt.abort()
      resolve(r)
    }

    const decide = (s: Sniff, bytes: string) => {
      if (s.kind === 'smtp') return finish({ kind: 'smtp-begins' })
      if (s.kind === 'other') {
        log.line('s', printable(bytes, 200))
        finish({ kind: 'other', name: s.name, sample: printable(bytes) })
      }
    }

    const onData = (chunk: Buffer) => {
      if (text.length < SNIFF_LIMIT) text += chunk.toString('latin1').slice(0, SNIFF_LIMIT - text.length)
      clearTimeout(tlsTimer)
      if (attempt && !attemptDone) {
        attempt.abort()
        log.line('info', 'the first connection spoke after all: the TLS attempt is dropped')
      }
      decide(sniffFirstBytes(text, false), text)
    }

    const onClose = () => {
      closed = true
      if (text) return decide(sniffFirstBytes(text, true), text)
      log.line('info', 'the server closed the connection without a word')
      if (!tryTls || (attempt && attemptDone)) return finish({ kind: 'closed', note })
      if (!attempt) startAttempt()
    }

    const onDeadline = () => {
      if (text) return decide(sniffFirstBytes(text, true), text)
      finish({ kind: 'silent', note })
    }

    const onAbort = () => finish({ kind: 'cancelled' })

    const startAttempt = () => {
      if (settled || attempt) return
      const controller = new AbortController()
      attempt = controller
      const budget = Math.max(1, deadline - log.now())
      log.line('info', closed ? 'trying TLS on a new connection' : `no greeting after ${Math.round(log.now() - since)} ms: trying TLS on a second connection (a TLS-first server waits for the client)`)
      const onOuterAbort = () => controller.abort()
      signal.addEventListener('abort', onOuterAbort, { once: true })
      void tlsAttempt(ctx, budget, controller.signal).then((r) => {
        signal.removeEventListener('abort', onOuterAbort)
        attemptDone = true
        if (settled || text) return // the sockets are tracked and closed with the port
        if (r.ok) {
          socket.destroy() // the silent first connection has done its job
          r.held.replay()
          return finish({ kind: 'tls', tls: r.dialed })
        }
        const s = sniffFirstBytes(r.captured, true)
        if (s.kind === 'other' && s.name) {
          log.line('s', printable(r.captured, 200))
          log.line('info', `it answered our TLS ClientHello in plaintext, as ${s.name}`)
          return finish({ kind: 'other', name: s.name, sample: printable(r.captured) })
        }
        note = r.captured ? `It answered a TLS ClientHello in plaintext: "${printable(r.captured, 60)}".` : r.error.message
        log.line('info', `no TLS either: ${r.captured ? `the server answered in plaintext ("${printable(r.captured, 60)}")` : r.error.message}`)
        if (closed) finish({ kind: 'closed', note })
      })
    }

    // Timers first: finish() clears them, and the abort check below may call it at once.
    const deadlineTimer = setTimeout(onDeadline, Math.max(0, deadline - log.now()))
    const tlsTimer = tryTls ? setTimeout(startAttempt, Math.max(0, Math.min(ctx.tlsAfterMs, deadline - log.now()))) : undefined
    socket.on('data', onData)
    socket.once('close', onClose)
    if (signal.aborted) return onAbort()
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

type Attempt = { ok: true; dialed: Dialed; held: HeldLog } | { ok: false; captured: string; error: ClassifiedError }

/**
 * A new connection and a TLS handshake through the dial step, keeping what a plaintext peer answers
 * (so it can still be named). Its lines and phases are held: they count only if TLS wins. Never rejects.
 */
async function tlsAttempt(ctx: ListenContext, budgetMs: number, signal: AbortSignal): Promise<Attempt> {
  const held = new HeldLog(ctx.log)
  const tls = { options: ctx.tlsOptions, name: ctx.servername, insecure: ctx.insecure, verify: 'report', intro: 'TLS handshake on the second connection', capture: true } as const
  try {
    const dialed = await dial({ host: ctx.host, port: ctx.port, network: ctx.network, resolved: ctx.resolved, timeoutMs: budgetMs, signal, log: held, tls })
    ctx.track(dialed.raw)
    ctx.track(dialed.socket)
    return { ok: true, dialed, held }
  } catch (err) {
    return { ok: false, captured: err instanceof DialError ? (err.found.captured ?? '') : '', error: probeError(err, 'a TLS handshake', budgetMs) }
  }
}
