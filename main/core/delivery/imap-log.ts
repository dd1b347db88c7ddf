// imapflow's log as the transcript's IMAP lane: each command it writes and each response it reads
// (imapflow logs them at debug level, already compiled to text) becomes a client or server line.
// Credentials are masked structurally here, as the SMTP engine masks AUTH: LOGIN's user name and
// password, AUTHENTICATE's initial response and every client line of the exchange become
// [redacted]; the job's Redactor still runs over every line afterwards.
import type { Logger } from 'imapflow'
import type { Direction } from '../../../preload/contract'
import { REDACTED } from '../transcript/redact'

export interface ImapLine {
  (dir: Direction, text: string): void
}

/** Masks the credentials of one connection's client lines; a tagged server reply ends an AUTHENTICATE exchange. */
export class ImapAuthMasker {
  private authenticating = false

  client(line: string): string {
    // An empty line ends a refused token login (XOAUTH2): nothing secret in it.
    if (this.authenticating) return line.trim() === '' ? line : REDACTED
    const login = /^(\S+) LOGIN\s/i.exec(line)
    if (login) return `${login[1]} LOGIN ${REDACTED} ${REDACTED}`
    const auth = /^(\S+) AUTHENTICATE (\S+)(\s+\S.*)?$/i.exec(line)
    if (auth) {
      this.authenticating = true
      return `${auth[1]} AUTHENTICATE ${auth[2]}${auth[3] ? ` ${REDACTED}` : ''}`
    }
    return line.replaceAll('"(* value hidden *)"', REDACTED).replaceAll('(* value hidden *)', REDACTED)
  }

  server(line: string): void {
    // "+ …" continues the exchange and "* …" is untagged; a tagged reply (OK, NO, BAD) ends it.
    if (this.authenticating && !/^[+*]/.test(line)) this.authenticating = false
  }
}

/**
 * A logger for imapflow that writes its protocol lines through `write`: debug entries with `src` 'c'
 * or 's'. Everything else is dropped (connection facts are reported by the dial step, failures
 * by the watch's classification; imapflow's info lines name the user in clear). Trace entries
 * (FETCH responses with message data) are never even built.
 */
export function imapLogger(write: ImapLine): Logger & { isLevelEnabled(level: string): boolean } {
  const masker = new ImapAuthMasker()
  const debug = (entry: unknown) => {
    const e = entry as { src?: unknown; msg?: unknown } | null
    if (!e || typeof e.msg !== 'string') return
    if (e.src === 'c') write('c', masker.client(e.msg))
    else if (e.src === 's') {
      masker.server(e.msg)
      write('s', e.msg)
    }
  }
  const drop = () => {}
  return { trace: drop, debug, info: drop, warn: drop, error: drop, fatal: drop, isLevelEnabled: (level) => level !== 'trace' }
}
