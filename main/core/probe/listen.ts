import type net from 'node:net'
import type tls from 'node:tls'
import type { ClassifiedError, NetworkOptions } from '../../../preload/contract'
import { isAbort } from '../errors'
import { dial, type Dialed } from '../net/dial'
import { listenBeforeSpeaking } from '../net/first-word'
import { ReplyReader, type SmtpReply } from '../net/reply-reader'
import type { Resolved } from '../net/resolve'
import { printable } from '../transcript/printable'
import { probeError, type PortLog } from './port-log'
import { sniffFirstBytes } from './sniff'

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

/**
 * Listens before speaking on a fresh connection (net/first-word.ts): a plaintext greeting, another
 * service named by its first bytes, or, after `tlsAfterMs` of silence (or a close without a word),
 * TLS from the first byte on a second connection, all within `timeoutMs` from connect.
 */
export async function listen(socket: net.Socket, connectedAt: number, ctx: ListenContext): Promise<Heard> {
  return hear(socket, connectedAt, ctx, true)
}

/** Listens for the greeting inside an established TLS session (implicit TLS); no second connection. */
export async function listenInside(secure: tls.TLSSocket, since: number, ctx: ListenContext): Promise<Heard> {
  return hear(secure, since, ctx, false)
}

/** Whether the first bytes tell what the service is (an SMTP code, or another service's opening). */
const decided = (text: string, ended: boolean) => ['smtp', 'other'].includes(sniffFirstBytes(text, ended).kind)

async function hear(socket: net.Socket, since: number, ctx: ListenContext, tryTls: boolean): Promise<Heard> {
  const { log } = ctx
  const left = () => Math.max(1, since + ctx.timeoutMs - log.now())
  const word = await listenBeforeSpeaking(socket, {
    timeoutMs: left(),
    signal: ctx.signal,
    log,
    tlsAfterMs: tryTls ? Math.max(0, since + ctx.tlsAfterMs - log.now()) : null,
    tlsWhenClosed: tryTls,
    // The certificate is reported, never fatal: the probe sends no credentials.
    dialTls: (held, signal) =>
      dial({
        host: ctx.host,
        port: ctx.port,
        network: ctx.network,
        resolved: ctx.resolved,
        timeoutMs: left(),
        signal,
        log: held,
        tls: { options: ctx.tlsOptions, name: ctx.servername, insecure: ctx.insecure, verify: 'report', intro: 'TLS handshake on the second connection', capture: true },
      }),
    settled: decided,
    // A plaintext answer to our ClientHello that names a service ("HTTP/1.1 400 …") settles what the port is.
    answerSettles: (captured) => {
      const s = sniffFirstBytes(captured, true)
      return s.kind === 'other' && s.name !== null
    },
  })
  switch (word.kind) {
    case 'cancelled':
      return word
    case 'silent':
    case 'closed':
      return { kind: word.kind, note: word.note }
    case 'untrusted': // not produced: the probe's handshakes only report their certificate
      return { kind: 'closed', note: word.error.message }
    case 'tls':
      socket.destroy() // the silent first connection has done its job
      ctx.track(word.dialed.raw)
      ctx.track(word.dialed.socket)
      word.held.replay()
      return { kind: 'tls', tls: word.dialed }
    case 'answered': {
      const s = sniffFirstBytes(word.captured, true)
      log.line('s', printable(word.captured, 200))
      log.line('info', `it answered our TLS ClientHello in plaintext, as ${s.kind === 'other' ? s.name : 'something else'}`)
      return { kind: 'other', name: s.kind === 'other' ? s.name : null, sample: printable(word.captured) }
    }
    case 'spoke': {
      const s = sniffFirstBytes(word.text, true)
      if (s.kind === 'other') {
        log.line('s', printable(word.text, 200))
        return { kind: 'other', name: s.name, sample: printable(word.text) }
      }
      return greeting(socket, since, ctx)
    }
  }
}

/** The rest of a plaintext greeting that has begun, read by the reader the dialogue goes on with. */
async function greeting(socket: net.Socket, since: number, ctx: ListenContext): Promise<Heard> {
  const reader = new ReplyReader(socket)
  try {
    const reply = await reader.next(Math.max(1, since + ctx.timeoutMs - ctx.log.now()), ctx.signal, 'a complete greeting')
    return { kind: 'smtp', reply, at: ctx.log.now(), reader, error: null }
  } catch (err) {
    if (isAbort(err)) return { kind: 'cancelled' }
    const e = probeError(err, 'a complete greeting', ctx.timeoutMs)
    const error: ClassifiedError = e.code === 'SOCKET_TIMEOUT' ? { code: 'GREETING_TIMEOUT', message: `The SMTP greeting began but did not finish within ${ctx.timeoutMs} ms.` } : e
    return { kind: 'smtp', reply: null, at: ctx.log.now(), reader, error }
  }
}
