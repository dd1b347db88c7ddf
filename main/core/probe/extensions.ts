import type { ProbeExtensions } from '../../../preload/contract'
import { authMechanisms, hasCapability } from '../smtp/capabilities'

/** The submission-relevant extensions in one EHLO answer (keywords without reply codes). Pure. */
export function extensionsOf(caps: readonly string[] | null): ProbeExtensions | null {
  if (!caps) return null
  return {
    size: sizeLimit(caps),
    pipelining: hasCapability(caps, 'PIPELINING'),
    eightBitMime: hasCapability(caps, '8BITMIME'),
    smtpUtf8: hasCapability(caps, 'SMTPUTF8'),
    chunking: hasCapability(caps, 'CHUNKING'),
    dsn: hasCapability(caps, 'DSN'),
    enhancedStatusCodes: hasCapability(caps, 'ENHANCEDSTATUSCODES'),
    requireTls: hasCapability(caps, 'REQUIRETLS'),
  }
}

/** RFC 1870: "SIZE 35882577" is a limit in bytes; a bare "SIZE" (or "SIZE 0") announces no fixed limit. */
function sizeLimit(caps: readonly string[]): number | null {
  for (const line of caps) {
    const m = /^SIZE(?:\s+(\d{1,15}))?\s*$/i.exec(line)
    if (m) return m[1] === undefined ? 0 : Number(m[1])
  }
  return null
}

/** AUTH mechanisms in an EHLO answer; null when that EHLO did not happen. */
export function authOf(caps: readonly string[] | null): string[] | null {
  return caps ? authMechanisms(caps) : null
}

/** The keyword lines of an EHLO reply (the first line is the server's name, not an extension). */
export function ehloKeywords(lines: readonly string[]): string[] {
  return lines
    .slice(1)
    .map((l) => l.trim())
    .filter(Boolean)
}
