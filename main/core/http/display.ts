// How request and response bodies and headers appear in the transcript: secrets structurally
// hidden, bodies capped at 64 KiB, long lines wrapped rather than cut.
import type { Direction } from '../../../preload/contract'
import { REDACTED } from '../transcript/redact'
import type { JobRecorder } from '../transcript/recorder'

/** At most this much of a body is shown (the rest is summarised in a note). */
export const MAX_BODY_SHOWN = 64 * 1024
/** Long lines are wrapped at this many characters, so the recorder never cuts them. */
const WRAP = 1000

/** Header names whose value is a credential: shown as [redacted] (keeping an auth scheme word). */
const SECRET_HEADER =
  /^(authorization|proxy-authorization|cookie|api-key|x-api-key|x-postmark-server-token|x-postmark-account-token|x-amz-security-token)$|token|secret|key|passw|signature|session|credential/i

export function isSecretHeader(name: string): boolean {
  return SECRET_HEADER.test(name)
}

export function displayHeaderValue(name: string, value: string): string {
  if (!isSecretHeader(name)) return value
  const scheme = /^(Basic|Bearer|AWS4-HMAC-SHA256|Token|Digest)\s/i.exec(value)?.[1]
  return scheme ? `${scheme} ${REDACTED}` : REDACTED
}

const TEXTUAL = /^(text\/|application\/([\w.+-]*\+)?(json|xml|x-www-form-urlencoded|javascript|problem\+json)|multipart\/)/i

export function isTextual(contentType: string | undefined): boolean {
  return !contentType || TEXTUAL.test(contentType)
}

/**
 * Writes a body into the transcript: at most 64 KiB, line by line, long lines wrapped.
 * `totalBytes` is the real size on the wire (it may exceed what `text` holds).
 */
export function showBody(rec: JobRecorder, dir: Direction, text: string, totalBytes: number, what: 'request' | 'response'): void {
  if (!text) return
  const bytes = Buffer.from(text, 'utf8')
  const shown =
    bytes.length > MAX_BODY_SHOWN
      ? bytes
          .subarray(0, MAX_BODY_SHOWN)
          .toString('utf8')
          .replace(/\uFFFD$/, '')
      : text
  for (const line of shown.split(/\r?\n/)) {
    if (line.length <= WRAP) rec.line(dir, line)
    else for (let i = 0; i < line.length; i += WRAP) rec.line(dir, line.slice(i, i + WRAP))
  }
  const shownBytes = Math.min(bytes.length, MAX_BODY_SHOWN)
  if (totalBytes > shownBytes) rec.line('info', `${what} body truncated: showing the first ${shownBytes} of ${totalBytes} bytes`)
}

/** The first 64 KiB of a body for the result (redacted by the caller). */
export function bodyForResult(text: string): string {
  const bytes = Buffer.from(text, 'utf8')
  if (bytes.length <= MAX_BODY_SHOWN) return text
  return `${bytes
    .subarray(0, MAX_BODY_SHOWN)
    .toString('utf8')
    .replace(/\uFFFD$/, '')}\n[… truncated: ${bytes.length - MAX_BODY_SHOWN} more bytes not shown]`
}
