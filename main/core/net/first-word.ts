// Listening before speaking, for the probe and for SMTP's `auto`. A plaintext server greets; a
// TLS-first server waits for our ClientHello, which one connection cannot both wait for and send.
// So when the first connection is still silent after `tlsAfterMs`, a second connection tries TLS from
// the first byte while the first keeps listening. The first word decides: bytes on the first
// connection drop the TLS attempt; a completed handshake wins over the silent first connection.
import type net from 'node:net'
import { EngineError } from '../errors'
import { DialError, type Dialed } from './dial'
import { HeldLog, type NetLog } from './log'
import { printable } from '../transcript/printable'
import { CAPTURE_LIMIT } from './tap'

export type FirstWord =
  /** The first connection spoke: `text` (latin1) is what arrived, and it is still unread on the socket. */
  | { kind: 'spoke'; text: string }
  /** It closed without a word (and TLS, when tried, did not work either: `note` says how). */
  | { kind: 'closed'; note: string | null }
  /** Nothing within the window; `tried`: TLS was tried on a second connection (`note` says why it failed, null while it was still under way). */
  | { kind: 'silent'; tried: boolean; note: string | null }
  /** The second connection's TLS handshake completed; its lines and phases are held for the caller to replay. */
  | { kind: 'tls'; dialed: Dialed; held: HeldLog }
  /** The handshake completed but the certificate was refused. */
  | { kind: 'untrusted'; error: EngineError; held: HeldLog }
  /** The server answered our ClientHello in plaintext, and `answerSettles` said that is enough. */
  | { kind: 'answered'; captured: string }
  | { kind: 'cancelled' }

export interface ListenOptions {
  /** The window, from now. */
  timeoutMs: number
  signal?: AbortSignal
  log: NetLog
  /** Try TLS on a second connection after this long without a word (null: never). */
  tlsAfterMs: number | null
  /** A first connection closed without a word is tried with TLS too (the probe); otherwise it is 'closed' at once. */
  tlsWhenClosed?: boolean
  /** Opens the second connection with TLS, capturing a plaintext answer, writing to `log`; rejects when TLS does not work there. */
  dialTls: (log: NetLog, signal: AbortSignal) => Promise<Dialed>
  /** Whether the bytes so far say enough (default: any byte does). `ended`: no more will come. */
  settled?: (text: string, ended: boolean) => boolean
  /** Whether a plaintext answer to our ClientHello settles it. */
  answerSettles?: (captured: string) => boolean
}

/** Waits for the first word on `socket`. Never rejects. Whatever it read is put back for the next reader. */
export function listenBeforeSpeaking(socket: net.Socket, o: ListenOptions): Promise<FirstWord> {
  const { log } = o
  const settled = o.settled ?? (() => true)
  return new Promise<FirstWord>((resolve) => {
    const received: Buffer[] = []
    let text = ''
    let closed = false
    let done = false
    let attempt: AbortController | null = null
    let attemptOver = false
    let note: string | null = null

    const finish = (word: FirstWord) => {
      if (done) return
      done = true
      clearTimeout(deadline)
      clearTimeout(tlsTimer)
      socket.off('data', onData)
      socket.off('close', onClose)
      o.signal?.removeEventListener('abort', onAbort)
      if (attempt && !attemptOver) attempt.abort()
      // Give back what was read: the next reader (nodemailer, the probe's reply reader) sees every byte.
      if (!socket.readableEnded) {
        socket.pause()
        if (received.length) socket.unshift(Buffer.concat(received))
        ;(socket as { readableFlowing: boolean | null }).readableFlowing = null
      }
      resolve(word)
    }

    const onData = (chunk: Buffer) => {
      received.push(chunk)
      if (text.length < CAPTURE_LIMIT) text += chunk.toString('latin1').slice(0, CAPTURE_LIMIT - text.length)
      clearTimeout(tlsTimer)
      if (attempt && !attemptOver) {
        attempt.abort()
        log.line('info', 'the first connection spoke after all: the TLS attempt is dropped')
      }
      if (settled(text, false)) finish({ kind: 'spoke', text })
    }

    const onClose = () => {
      closed = true
      if (text) return finish({ kind: 'spoke', text })
      log.line('info', 'the server closed the connection without a word')
      if (!o.tlsWhenClosed || attemptOver) return finish({ kind: 'closed', note })
      if (!attempt) tryTls()
    }

    const onDeadline = () => {
      if (text) return finish({ kind: 'spoke', text })
      finish({ kind: 'silent', tried: attempt !== null, note })
    }

    const onAbort = () => finish({ kind: 'cancelled' })

    const tryTls = () => {
      if (done || attempt) return
      const controller = new AbortController()
      attempt = controller
      log.line(
        'info',
        closed
          ? 'trying TLS from the first byte on a new connection'
          : `no greeting after ${(o.tlsAfterMs! / 1000).toFixed(1)} s: trying TLS from the first byte on a second connection (a TLS-first server waits for the client); the first connection keeps listening`,
      )
      const held = new HeldLog(log)
      o.dialTls(held, controller.signal).then(
        (dialed) => {
          attemptOver = true
          if (done || text) return dialed.raw.destroy()
          finish({ kind: 'tls', dialed, held })
        },
        (err: unknown) => {
          attemptOver = true
          if (done || text) return
          if (err instanceof EngineError && /^CERT_/.test(err.info.code)) return finish({ kind: 'untrusted', error: err, held })
          const captured = err instanceof DialError ? (err.found.captured ?? '') : ''
          if (captured && o.answerSettles?.(captured)) return finish({ kind: 'answered', captured })
          const why = err instanceof EngineError ? err.info.message : String(err)
          note = captured ? `It answered a TLS ClientHello in plaintext: "${printable(captured, 60)}".` : why
          log.line('info', `no TLS either: ${captured ? `the server answered in plaintext ("${printable(captured, 60)}")` : why}${closed ? '' : '; the first connection keeps listening'}`)
          if (closed) finish({ kind: 'closed', note })
        },
      )
    }

    // Timers first: finish() clears them, and the abort check below may call it at once.
    const deadline = setTimeout(onDeadline, o.timeoutMs)
    const tlsTimer = o.tlsAfterMs === null ? undefined : setTimeout(tryTls, Math.min(o.tlsAfterMs, o.timeoutMs))
    socket.on('data', onData)
    socket.once('close', onClose)
    if (o.signal?.aborted) return onAbort()
    o.signal?.addEventListener('abort', onAbort, { once: true })
  })
}
