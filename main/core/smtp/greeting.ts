// Waiting for the server's first word, and `auto` finding TLS by itself. The wait only peeks: the
// greeting stays in the socket for whoever reads it next (nodemailer, or the banner-only stage).
import type net from 'node:net'
import { abortError, EngineError } from '../errors'
import type { Dialed } from '../net/dial'
import { HeldLog, type NetLog } from '../net/log'

/** Under security auto, how long a port other than 465 may stay silent before TLS from the first byte is tried on a second connection. */
export const AUTO_TLS_AFTER_MS = 1_500

export type FirstWord =
  /** The first connection spoke (or closed: whoever reads next finds out). */
  | { kind: 'spoke' }
  /** It stayed silent and TLS from the first byte worked on a second connection; its lines and phases are held for the caller to replay. */
  | { kind: 'tls'; dialed: Dialed; held: HeldLog }
  /** It stayed silent and the second connection's TLS handshake completed, but the certificate was refused. */
  | { kind: 'untrusted'; error: EngineError; held: HeldLog }

export interface FirstWordOptions {
  timeoutMs: number
  signal?: AbortSignal
  log: NetLog
  /** Try TLS on a second connection after this long without a word (null: never). */
  tlsAfterMs: number | null
  /** Opens the second connection with TLS, writing to `log`; rejects when TLS does not work there. */
  dialTls: (log: NetLog, signal: AbortSignal) => Promise<Dialed>
}

/**
 * Resolves when the server's first bytes are waiting on `socket` (without reading them), or when a
 * TLS-first second connection wins; rejects with the greeting timeout or on cancel. While the TLS
 * attempt runs, the first connection keeps listening: a late plaintext greeting still wins.
 */
export function awaitFirstWord(socket: net.Socket, o: FirstWordOptions): Promise<FirstWord> {
  return new Promise<FirstWord>((resolve, reject) => {
    let settled = false
    const attempt = new AbortController()
    const finish = (err: unknown, word?: FirstWord) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      clearTimeout(tlsTimer)
      socket.off('readable', onReadable)
      socket.off('close', onReadable)
      o.signal?.removeEventListener('abort', onAbort)
      attempt.abort()
      if (err) reject(err)
      else resolve(word!)
    }
    const onReadable = () => {
      if (attempting) o.log.line('info', 'the first connection spoke after all: the TLS attempt is dropped')
      finish(null, { kind: 'spoke' })
    }
    const onAbort = () => finish(abortError())
    // What became of the TLS attempt, for the timeout's sentence.
    let tried: string | null = null
    const timer = setTimeout(
      () =>
        finish(
          Object.assign(new Error('Greeting never received'), {
            code: 'ETIMEDOUT',
            timeoutType: 'GREETING_TIMEOUT',
            ...(tried ? { tlsAttempt: attempting ? 'its TLS handshake did not finish either' : tried } : {}),
          }),
        ),
      o.timeoutMs,
    )
    let attempting = false
    const tryTls = () => {
      if (settled) return
      attempting = true
      tried = 'TLS was tried'
      o.log.line(
        'info',
        `no greeting after ${(o.tlsAfterMs! / 1000).toFixed(1)} s: trying TLS from the first byte on a second connection (a TLS-first server waits for the client); the first connection keeps listening`,
      )
      const held = new HeldLog(o.log)
      o.dialTls(held, attempt.signal).then(
        (dialed) => {
          if (settled) return dialed.raw.destroy()
          finish(null, { kind: 'tls', dialed, held })
        },
        (err: unknown) => {
          attempting = false
          if (settled) return
          if (err instanceof EngineError && /^CERT_/.test(err.info.code)) return finish(null, { kind: 'untrusted', error: err, held })
          tried = `no TLS either (${err instanceof EngineError ? err.info.message : String(err)})`
          o.log.line('info', `${tried}: still waiting for a greeting on the first connection`)
        },
      )
    }
    const tlsTimer = o.tlsAfterMs === null ? undefined : setTimeout(tryTls, o.tlsAfterMs)
    // A 'readable' listener peeks: nothing is read, and once it is removed the next 'data' listener gets every byte.
    socket.once('readable', onReadable)
    socket.once('close', onReadable)
    if (o.signal?.aborted) return onAbort()
    o.signal?.addEventListener('abort', onAbort, { once: true })
  })
}
