// Every use of nodemailer's SMTPConnection beyond its public API, in one place, each with its reason.
// nodemailer is pinned to an exact version in package.json; checkNodemailerInternals() (run by a unit
// test) says in plain words which of these a new version no longer has.
import type tls from 'node:tls'
import { format } from 'node:util'
import type SMTPConnection from 'nodemailer/lib/smtp-connection'

/** The private members used below. */
interface Internals {
  /** The socket in use: after STARTTLS nodemailer's own TLS socket, which no public property exposes. */
  _socket: tls.TLSSocket
  /** Writes one command line (and logs it as a client line). */
  _sendCommand(command: string): void
  /** The reply handlers waiting, in order: a pushed handler receives the next complete reply. */
  _responseActions: ((reply: string) => void)[]
  /** Builds the DATA stream (dot-stuffing, then "<CRLF>.<CRLF>" in its _flush) and pipes it to the socket. */
  _createSendStream(callback: (err: Error | null, reply?: string) => void): DataStream
}

interface DataStream {
  _flush(done: (err?: Error | null) => void): void
  push(chunk: Buffer | null): boolean
}

const internals = (conn: SMTPConnection) => conn as unknown as Internals

/**
 * The TLS socket after nodemailer's STARTTLS: we need it for the certificate and to close before
 * a single byte (not even EHLO) crosses an untrusted channel.
 */
export function upgradedSocket(conn: SMTPConnection): tls.TLSSocket {
  return internals(conn)._socket
}

/**
 * Sends one command on an open session and hands its reply (the full text) to `cb`. SMTPConnection
 * has no public call for a single envelope command (MAIL or RCPT without DATA, NOOP), but its command
 * writer and reply queue are the ones send() uses, so the transcript, timeouts and parsing stay nodemailer's.
 */
export function sendCommand(conn: SMTPConnection, command: string, cb: (err: Error | null, reply?: string) => void): void {
  const i = internals(conn)
  i._responseActions.push((reply) => cb(null, reply))
  i._sendCommand(command)
}

const QUIT = Buffer.from('QUIT\r\n')

/**
 * Makes the next message's end of data carry QUIT in the same write: RFC 2920 lets QUIT end a
 * pipelined group, so the 250 for the message and the 221 come back together and the session saves
 * a round trip. nodemailer writes "<CRLF>.<CRLF>" from its DATA stream's _flush; we append QUIT to
 * that one chunk (the stream's byte count, the message size, stays the message's) and queue the
 * 221's handler after the message's. `written` is called as QUIT goes out, for the transcript.
 */
export function quitWithEndOfData(conn: SMTPConnection, written: () => void): void {
  const i = internals(conn)
  const create = i._createSendStream
  i._createSendStream = function (callback) {
    i._createSendStream = create
    const stream = create.call(this, callback)
    const flush = stream._flush
    stream._flush = function (done) {
      const push = stream.push
      stream.push = (chunk) => {
        stream.push = push
        if (chunk === null) return push.call(stream, chunk)
        written()
        // QUIT's reply closes the connection, as quit() would have arranged.
        i._responseActions.push(() => conn.close())
        return push.call(stream, Buffer.concat([chunk, QUIT]))
      }
      flush.call(stream, done)
    }
    return stream
  }
}

/** What the engine wants to hear from nodemailer's transaction log. */
export interface SessionLogHandlers {
  client(text: string): void
  /** One complete reply; multi-line replies arrive joined by \n. */
  server(text: string): void
  upgraded(): void
  bodySent(bytes: number): void
  warn(text: string): void
  closed(): void
}

type LogFn = (entry: Record<string, unknown> | undefined, fmt?: unknown, ...args: unknown[]) => void

/**
 * A bunyan-shaped logger for nodemailer (`logger` + `transactionLog: true`). nodemailer logs each
 * client line just before writing it and each reply as soon as it is complete, so the calls are
 * the transcript and their moments are the timing. Three events have no API but a log line, matched
 * here by its text: the STARTTLS upgrade, bytes discarded before TLS, and the close. Everything else
 * is dropped: we report connection facts ourselves, and its info lines carry the AUTH username in clear.
 */
export function createSessionLogger(h: SessionLogHandlers): Record<'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal', LogFn> {
  const log: LogFn = (entry, fmt, ...args) => {
    const tnx = entry?.tnx
    const text = typeof fmt === 'string' ? format(fmt, ...args) : ''
    if (tnx === 'client') h.client(text)
    else if (tnx === 'server') h.server(text)
    else if (tnx === 'message' && typeof entry?.outByteCount === 'number') h.bodySent(entry.outByteCount)
    else if (tnx === 'smtp' && text === UPGRADED) h.upgraded()
    else if (tnx === 'smtp' && DISCARDED.test(text)) h.warn(text)
    else if (tnx === 'network' && text === CLOSED) h.closed()
  }
  return { trace: log, debug: log, info: log, warn: log, error: log, fatal: log }
}

const UPGRADED = 'Connection upgraded with STARTTLS'
const DISCARDED = /^Discarded \d+ bytes received in plaintext/
const CLOSED = 'Connection closed'

/**
 * The private members and log texts this module relies on, checked against the installed nodemailer:
 * a list of what is missing, in words (empty when all is there).
 */
export async function checkNodemailerInternals(): Promise<string[]> {
  // Loaded here, not at the top: a session loads nodemailer only when it first speaks SMTP.
  const { default: SMTPConnection } = await import('nodemailer/lib/smtp-connection')
  const missing: string[] = []
  const proto = SMTPConnection.prototype as unknown as Record<string, unknown>
  for (const name of ['_sendCommand', '_createSendStream', 'close'] as const)
    if (typeof proto[name] !== 'function') missing.push(`SMTPConnection.prototype.${name} is not a function (used by sendCommand / quitWithEndOfData)`)
  const conn = new SMTPConnection({})
  if (!Array.isArray((conn as unknown as Record<string, unknown>)._responseActions))
    missing.push('SMTPConnection#_responseActions is not an array (the reply queue sendCommand and quitWithEndOfData add to)')
  // The class's source text: where nodemailer writes the log lines matched above and keeps its socket.
  const source = String(SMTPConnection)
  if (!source.includes('_socket')) missing.push('SMTPConnection no longer keeps its socket in _socket (used by upgradedSocket after STARTTLS)')
  for (const text of [UPGRADED, CLOSED, 'Discarded ', 'outByteCount']) if (!source.includes(text)) missing.push(`nodemailer no longer logs "${text}" (createSessionLogger matches it)`)
  return missing
}
