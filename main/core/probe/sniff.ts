/**
 * What a port says first, decided from its first bytes. Pure (no I/O) so it can be fuzzed:
 * any string in, a verdict out, never a throw.
 *
 * `text` is the received bytes decoded as latin1 (one character per byte), as the probe sees them.
 */
export type Sniff =
  /** Nothing received yet. */
  | { kind: 'empty' }
  /** Bytes arrived but not enough to tell (more may come). */
  | { kind: 'undecided' }
  /** An SMTP-style reply line (`complete` = its first line ended). */
  | { kind: 'smtp'; code: number; complete: boolean }
  /** Not SMTP: `name` says what, when recognisable. */
  | { kind: 'other'; name: string | null }

/** How much of the first bytes the sniffer looks at (and the probe keeps). */
export const SNIFF_LIMIT = 4096
/** Without a line break, this many bytes are enough to say "not SMTP". */
const UNDECIDED_LIMIT = 256

/** Services that speak first (or answer a stray TLS ClientHello or EHLO) with a recognisable opening. */
const SIGNATURES: readonly { name: string; test: RegExp }[] = [
  { name: 'SSH', test: /^SSH-\d/ },
  { name: 'HTTP', test: /^HTTP\/\d/ },
  { name: 'IMAP', test: /^\* (?:OK|PREAUTH|BYE)\b/i },
  { name: 'POP3', test: /^\+OK\b/ },
  { name: 'Redis', test: /^-(?:ERR|DENIED|NOAUTH)\b.*(?:protocol error|redis|protected mode)/i },
  { name: 'POP3', test: /^-ERR\b/ },
  { name: 'VNC', test: /^RFB \d{3}\.\d{3}/ },
  { name: 'rsync', test: /^@RSYNCD:/ },
  { name: 'AMQP', test: /^AMQP/ },
  { name: 'XMPP', test: /^(?:<\?xml|<stream:)/ },
  { name: 'Telnet', test: /^\xff[\xfb-\xfe]/ },
  // A TLS record (alert or handshake) sent by the server without being asked.
  // eslint-disable-next-line no-control-regex
  { name: 'TLS', test: /^[\x15\x16]\x03[\x00-\x04]/ },
  // MySQL/MariaDB: a 4-byte packet header, protocol version 10, then "8.0.36" or "5.5.5-10.11…".
  // eslint-disable-next-line no-control-regex
  { name: 'MySQL', test: /^[\s\S]{4}\x0a\d+\.\d+\.\d+/ },
]

export function sniffFirstBytes(text: string, final: boolean): Sniff {
  if (typeof text !== 'string' || text.length === 0) return { kind: 'empty' }
  const head = text.length > SNIFF_LIMIT ? text.slice(0, SNIFF_LIMIT) : text
  for (const s of SIGNATURES) if (s.test.test(head)) return { kind: 'other', name: s.name }

  const nl = head.indexOf('\n')
  const firstLine = (nl >= 0 ? head.slice(0, nl) : head).replace(/\r$/, '')
  const complete = nl >= 0

  const code = /^(\d{3})(?:[ -]|$)/.exec(firstLine)
  if (code) {
    // FTP and NNTP greet with codes too; the whole line is needed to tell them apart.
    if (!complete && !final) return { kind: 'undecided' }
    if (/ftp/i.test(firstLine) && !/smtp|mail/i.test(firstLine)) return { kind: 'other', name: 'FTP' }
    if (/^20[01][ -]/.test(firstLine)) return { kind: 'other', name: 'NNTP' }
    return { kind: 'smtp', code: Number(code[1]), complete }
  }
  // A short opening without a line break may still become a reply code ("22" → "220 ") or a signature.
  if (!final && !complete && head.length < UNDECIDED_LIMIT) return { kind: 'undecided' }
  return { kind: 'other', name: /<html|<!doctype/i.test(head) ? 'HTTP' : null }
}

/** The name of a service found inside TLS: HTTP → HTTPS, IMAP → IMAPS, … */
export function overTls(name: string | null): string | null {
  if (name === null) return null
  const known: Record<string, string> = { HTTP: 'HTTPS', IMAP: 'IMAPS', POP3: 'POP3S', FTP: 'FTPS', NNTP: 'NNTPS' }
  return known[name] ?? `${name} over TLS`
}
