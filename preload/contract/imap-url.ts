// The mailbox a delivery watch reads, as a URL: imaps://USER@HOST[:PORT] (TLS from the first byte,
// 993) or imap://USER@HOST[:PORT] (STARTTLS required, 143; `?tls=none` for plaintext, on this machine
// only). An `@` inside USER is written %40. Zod-free, so the CLI can check --await-inbox without
// loading the contract's schemas; the delivery schema uses the same loopback test.
import type { ImapSecurity } from './delivery'

/** The ports people mean when they leave the port out. */
export const IMAP_DEFAULT_PORTS: Record<ImapSecurity, number> = { tls: 993, starttls: 143, none: 143 }

/** A host name the plaintext mode accepts: this machine only (the password would cross nothing but loopback). */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '')
  return h === 'localhost' || h.endsWith('.localhost') || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::1' || h === '0:0:0:0:0:0:0:1'
}

/** The parts of a delivery request a URL gives. `user` is absent when the URL names none (a saved sign-in may then name the mailbox). */
export interface ImapTarget {
  host: string
  port: number
  security: ImapSecurity
  user?: string
}

export const IMAP_PASSWORD_IN_URL =
  'the mailbox password may not be part of the URL (it would show in the process list and in shell history): ' + 'put it in an environment variable and name it with --inbox-password-env VAR'

const USAGE = 'give imaps://USER@HOST[:PORT] (TLS, port 993) or imap://USER@HOST[:PORT] (STARTTLS, port 143); write an @ inside USER as %40'

/** The mailbox URL parsed, or a sentence saying what is wrong with it. The URL itself is never repeated (it may hold a password). */
export function parseImapUrl(text: string): ImapTarget | { problem: string } {
  const raw = text.trim()
  if (!raw) return { problem: `the mailbox URL is empty: ${USAGE}` }
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(raw)) return { problem: 'the mailbox URL contains a space, a line break or a control character' }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw)?.[1]?.toLowerCase()
  if (!scheme) return { problem: `the mailbox must be a URL: ${USAGE}` }
  if (scheme !== 'imaps' && scheme !== 'imap') return { problem: `mailbox URL scheme '${scheme.slice(0, 20)}' is not supported: ${USAGE}` }
  const rest = raw.slice(scheme.length + 3)
  let url: URL
  try {
    // WHATWG URL reads the authority (user, IPv6 brackets, port) the same way for any scheme once it is http.
    url = new URL(`http://${rest}`)
  } catch {
    return { problem: `the mailbox URL cannot be read: ${USAGE}` }
  }
  if (url.password || /^[^/?#@]*:[^/?#@]*@/.test(rest)) return { problem: IMAP_PASSWORD_IN_URL }
  if ((url.pathname !== '/' && url.pathname !== '') || url.hash) return { problem: 'the mailbox URL takes no path: name the folders to watch with --inbox-folder NAME' }
  if (!url.hostname) return { problem: 'the mailbox URL has no host' }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')

  // http's default port (80) would vanish from url.port: read the port as written.
  const authority = rest.split(/[/?#]/, 1)[0]!
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1)
  const written = /:(\d*)$/.exec(hostPort.endsWith(']') ? '' : hostPort)?.[1]
  let port: number | undefined
  if (written !== undefined && written !== '') {
    port = Number(written)
    if (!(port >= 1 && port <= 65535)) return { problem: 'the mailbox URL’s port must be a number from 1 to 65535' }
  }

  let security: ImapSecurity = scheme === 'imaps' ? 'tls' : 'starttls'
  const params = [...url.searchParams]
  if (params.length) {
    const [name, value] = params[0]!
    if (params.length > 1 || name !== 'tls' || value !== 'none')
      return { problem: 'the only option a mailbox URL takes is ?tls=none (plaintext, on this machine only: imap://USER@localhost:143?tls=none)' }
    if (scheme === 'imaps') return { problem: '?tls=none goes with imap://, not imaps:// (which is TLS from the first byte)' }
    if (!isLoopbackHost(host)) return { problem: 'a mailbox is read without TLS only on this machine (localhost, 127.0.0.1, ::1): use imaps:// or imap:// (STARTTLS) for another host' }
    security = 'none'
  }

  const target: ImapTarget = { host, port: port ?? IMAP_DEFAULT_PORTS[security], security }
  if (url.username) {
    let user: string
    try {
      user = decodeURIComponent(url.username)
    } catch {
      return { problem: 'the mailbox user in the URL has a % that is not followed by two hex digits (write an @ as %40)' }
    }
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(user)) return { problem: 'the mailbox user in the URL contains a control character' }
    if (user.length > 1024) return { problem: 'the mailbox user in the URL is longer than 1024 characters' }
    target.user = user
  } else if (authority.includes('@')) {
    return { problem: 'the mailbox user before @ is empty' }
  }
  return target
}
