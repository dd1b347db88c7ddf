import { REDACTED } from '../transcript/redact'

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
