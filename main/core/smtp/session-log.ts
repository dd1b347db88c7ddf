import { REDACTED } from '../transcript/redact'
import { printable } from '../transcript/printable'

/**
 * Structural redaction of the AUTH exchange: the mechanism stays visible, every credential
 * (PLAIN blob, LOGIN username and password, CRAM-MD5 response, XOAUTH2 and OAUTHBEARER token)
 * becomes [redacted]. The Redactor still runs afterwards as a safety net.
 */
export class AuthMasker {
  private active = false
  /** The next client line of the exchange carries nothing secret and is shown as this (see `reveal`). */
  private shown: string | null = null

  client(line: string): string {
    if (this.active) {
      const shown = this.shown
      this.shown = null
      if (shown !== null) return shown
      return line.trim() === '' ? line : REDACTED
    }
    const m = /^AUTH\s+(\S+)(\s+\S.*)?$/i.exec(line)
    if (!m) return line
    this.active = true
    return m[2] ? `AUTH ${m[1]} ${REDACTED}` : line
  }

  /**
   * The engine's word that the next line it sends in this exchange is not a credential (the
   * response that ends a refused token login): the transcript shows `shown` for it, whatever the
   * library logged (nodemailer masks every line of a custom-auth exchange alike).
   */
  reveal(shown: string): void {
    if (this.active) this.shown = shown
  }

  /** Any reply other than a 334 challenge ends the exchange. */
  server(code: number): void {
    if (code !== 334) {
      this.active = false
      this.shown = null
    }
  }
}

/**
 * Decodes a 334 challenge for the reader: "VXNlcm5hbWU6" → "Username:", and a token login's JSON
 * error challenge → "status 401, schemes Bearer, scope https://mail.google.com/". Null when the
 * decoded bytes are neither printable text nor a JSON object.
 */
export function explainChallenge(line: string): string | null {
  const m = /^334 ([A-Za-z0-9+/=]+)$/.exec(line.trim())
  if (!m) return null
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8')
  return describeJson(decoded) ?? (/^[\x20-\x7e]+$/.test(decoded) ? decoded : null)
}

/** A JSON object as "key value, key value" (values that are not strings as JSON), made safe to print; null for anything else. */
export function describeJson(text: string): string | null {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null
  const parts = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${printable(k, 60)} ${printable(typeof v === 'string' ? v : JSON.stringify(v), 300)}`)
  return parts.length ? parts.join(', ') : '{}'
}
