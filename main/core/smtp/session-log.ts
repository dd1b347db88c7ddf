import { format } from 'node:util'
import { REDACTED } from '../transcript/redact'

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
 * the transcript and their moments are the timing. Everything else it logs is dropped: we report
 * connection facts ourselves, and its info lines carry the AUTH username in clear.
 */
export function createSessionLogger(h: SessionLogHandlers): Record<'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal', LogFn> {
  const log: LogFn = (entry, fmt, ...args) => {
    const tnx = entry?.tnx
    const text = typeof fmt === 'string' ? format(fmt, ...args) : ''
    if (tnx === 'client') h.client(text)
    else if (tnx === 'server') h.server(text)
    else if (tnx === 'message' && typeof entry?.outByteCount === 'number') h.bodySent(entry.outByteCount)
    else if (tnx === 'smtp' && text === 'Connection upgraded with STARTTLS') h.upgraded()
    else if (tnx === 'smtp' && /^Discarded \d+ bytes received in plaintext/.test(text)) h.warn(text)
    else if (tnx === 'network' && text === 'Connection closed') h.closed()
  }
  return { trace: log, debug: log, info: log, warn: log, error: log, fatal: log }
}

/**
 * Structural redaction of the AUTH exchange: the mechanism stays visible, every credential
 * (PLAIN blob, LOGIN username and password, CRAM-MD5 response, XOAUTH2 token) becomes
 * [redacted]. The Redactor still runs afterwards as a safety net.
 */
export class AuthMasker {
  private active = false

  client(line: string): string {
    if (this.active) return line.trim() === '' ? line : REDACTED
    const m = /^AUTH\s+(\S+)(\s+\S.*)?$/i.exec(line)
    if (!m) return line
    this.active = true
    return m[2] ? `AUTH ${m[1]} ${REDACTED}` : line
  }

  /** Any reply other than a 334 challenge ends the exchange. */
  server(code: number): void {
    if (code !== 334) this.active = false
  }
}

/** Decodes a 334 challenge for the reader ("VXNlcm5hbWU6" → "Username:"), when it is printable text. */
export function explainChallenge(line: string): string | null {
  const m = /^334 ([A-Za-z0-9+/=]+)$/.exec(line.trim())
  if (!m) return null
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8')
  return /^[\x20-\x7e]+$/.test(decoded) ? decoded : null
}
