// --await-inbox (send and api) and --dkim-* (send): the command line → the job's delivery watch and
// DKIM signing, without their secrets (the mailbox password or sign-in and the DKIM key are read when
// the run starts: inbox-run.ts). Pure and light: node's isIP and the contract's zod-free URL check.
import { isIP } from 'node:net'
import type { DeliveryRequestInput } from '../../preload/contract'
import { parseImapUrl } from '../../preload/contract/imap-url'
import { ENV_NAME, SIGN_IN_NAME } from './names'
import { quoteInput } from './print'

/** The options of a send that watches a mailbox for its message (send and api). */
export const INBOX_OPTIONS = {
  'await-inbox': { type: 'string' },
  'inbox-password-env': { type: 'string' },
  'inbox-oauth': { type: 'string' },
  'inbox-timeout': { type: 'string' },
  'inbox-folder': { type: 'string', multiple: true },
  'inbox-delete': { type: 'boolean' },
  'inbox-ca': { type: 'string' },
  'inbox-dns': { type: 'string', multiple: true },
} as const

/** DKIM signing of the test message (send). */
export const DKIM_OPTIONS = {
  'dkim-domain': { type: 'string' },
  'dkim-selector': { type: 'string' },
  'dkim-key-file': { type: 'string' },
  'dkim-key-env': { type: 'string' },
} as const

/** Option names under which people try to pass the mailbox password or the DKIM key itself; refused before anything else. */
export const INBOX_SECRET_FLAG = /^--?((inbox|imap)-(pass|password|passwd|pwd|pw|secret|token|access-token)|dkim-(key|private-key|secret|pem))$/i

export const INBOX_SECRET_IN_ARGV =
  'mailbox passwords and DKIM keys are never accepted on the command line (other users can read them in the process list, and they stay in shell history): ' +
  'put the mailbox password in an environment variable and name it with --inbox-password-env VAR (or use a saved sign-in: --inbox-oauth NAME), ' +
  'and give the DKIM key with --dkim-key-file FILE or --dkim-key-env VAR'

const DEFAULT_TIMEOUT_S = 120
const MAX_TIMEOUT_S = 3600
const MAX_FOLDERS = 20
const MAX_DNS_SERVERS = 4

/** Where the mailbox's secret comes from: a password in an environment variable, or a saved sign-in's access token. */
export type InboxSecret = { kind: 'env'; name: string } | { kind: 'oauth'; name: string }

export interface InboxRequest {
  /** The watch without its secret; `user` is absent when the URL names none (the sign-in's account is then the mailbox). */
  delivery: Omit<DeliveryRequestInput, 'secret' | 'secretKind' | 'user'> & { user?: string }
  secret: InboxSecret
}

export interface DkimRequest {
  domain: string
  selector: string
  /** The private key: a PEM file, or an environment variable holding the PEM text. */
  key: { kind: 'file'; path: string } | { kind: 'env'; name: string }
}

type Fail = (message: string) => never

export type InboxValues = {
  'await-inbox'?: string
  'inbox-password-env'?: string
  'inbox-oauth'?: string
  'inbox-timeout'?: string
  'inbox-folder'?: string[]
  'inbox-delete'?: boolean
  'inbox-ca'?: string
  'inbox-dns'?: string[]
}

/** The --inbox-* options given, as written (for a message that names them). */
export function inboxFlagsGiven(v: InboxValues): string[] {
  return Object.keys(INBOX_OPTIONS)
    .filter((k) => v[k as keyof InboxValues] !== undefined)
    .map((k) => `--${k}`)
}

/**
 * --await-inbox URL and its companions → the delivery watch (null without --await-inbox). `token` is
 * the send's token (the one its default subject names), which the watch looks for. The URL is never
 * echoed: it may hold a password, which is refused.
 */
export function parseInboxFlags(v: InboxValues, token: string | undefined, fail: Fail): InboxRequest | null {
  const url = v['await-inbox']
  if (url === undefined) {
    const given = inboxFlagsGiven(v)
    if (given.length) fail(`${given.join(', ')} ${given.length === 1 ? 'goes' : 'go'} with --await-inbox URL (the mailbox to watch for the message)`)
    return null
  }
  const target = parseImapUrl(url)
  if ('problem' in target) return fail(`--await-inbox: ${target.problem}`)

  const envName = v['inbox-password-env']
  const signIn = v['inbox-oauth']
  if (envName !== undefined && signIn !== undefined) fail('use either --inbox-password-env (the mailbox password) or --inbox-oauth (a saved sign-in), not both')
  if (envName === undefined && signIn === undefined) fail('--await-inbox needs the mailbox password from an environment variable (--inbox-password-env VAR) or a saved sign-in (--inbox-oauth NAME)')
  let secret: InboxSecret
  if (envName !== undefined) {
    if (!ENV_NAME.test(envName)) fail('--inbox-password-env takes the NAME of an environment variable (letters, digits and _), never the password itself')
    secret = { kind: 'env', name: envName }
  } else {
    if (!SIGN_IN_NAME.test(signIn!)) fail(`--inbox-oauth takes the name of a saved sign-in (see mailprobe oauth list): letters, digits, . _ @ and -, at most 64 (got ${quoteInput(signIn!)})`)
    secret = { kind: 'oauth', name: signIn! }
  }
  if (target.user === undefined && secret.kind === 'env') fail('--await-inbox: the mailbox URL names no user: imaps://USER@HOST (write an @ inside USER as %40)')

  const delivery: InboxRequest['delivery'] = { host: target.host, port: target.port, security: target.security }
  if (target.user !== undefined) delivery.user = target.user
  delivery.timeoutMs = parseSeconds(v['inbox-timeout'], fail)
  const folders = v['inbox-folder'] ?? []
  if (folders.length > MAX_FOLDERS) fail(`--inbox-folder: at most ${MAX_FOLDERS} folders`)
  for (const f of folders) if (!f.trim()) fail('--inbox-folder takes a folder name (INBOX, Junk, Archive/2026 …); it was empty')
  if (folders.length) delivery.folders = folders.map((f) => f.trim())
  if (v['inbox-delete']) delivery.deleteAfter = true
  const ca = v['inbox-ca']
  if (ca !== undefined) {
    if (!ca.trim()) fail('--inbox-ca takes the path of a PEM file')
    delivery.tls = { caFile: ca }
  }
  const dns = v['inbox-dns'] ?? []
  if (dns.length > MAX_DNS_SERVERS) fail(`--inbox-dns: at most ${MAX_DNS_SERVERS} servers`)
  for (const server of dns)
    if (!isDnsServer(server)) fail(`--inbox-dns takes a DNS server's IP address, optionally with a port: 192.0.2.53, 192.0.2.53:5353, [2001:db8::53]:53 (got ${quoteInput(server)})`)
  if (dns.length) delivery.dnsServers = dns
  if (token !== undefined) delivery.token = token
  return { delivery, secret }
}

/** --inbox-timeout S: seconds (a fraction allowed), 0.5 to an hour; the default 120. */
function parseSeconds(value: string | undefined, fail: Fail): number {
  if (value === undefined) return DEFAULT_TIMEOUT_S * 1000
  const s = /^\d{1,4}(\.\d{1,3})?$/.test(value) ? Number(value) : NaN
  if (!(s >= 0.5 && s <= MAX_TIMEOUT_S)) fail(`--inbox-timeout takes seconds from 0.5 to ${MAX_TIMEOUT_S}, e.g. --inbox-timeout 300 (got ${quoteInput(value)})`)
  return Math.round(s * 1000)
}

/** An IP address, or one with a port: 192.0.2.53, 192.0.2.53:5353, [2001:db8::53]:53, 2001:db8::53. */
function isDnsServer(text: string): boolean {
  if (isIP(text)) return true
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:]+):(\d{1,5})$/.exec(text)
  return m !== null && isIP(m[1]!) !== 0 && Number(m[2]) >= 1 && Number(m[2]) <= 65535
}

export type DkimValues = { 'dkim-domain'?: string; 'dkim-selector'?: string; 'dkim-key-file'?: string; 'dkim-key-env'?: string }

/** --dkim-domain, --dkim-selector and the key (--dkim-key-file or --dkim-key-env), all together or none; null when none. */
export function parseDkimFlags(v: DkimValues, fail: Fail): DkimRequest | null {
  const given = Object.keys(DKIM_OPTIONS).filter((k) => v[k as keyof DkimValues] !== undefined)
  if (!given.length) return null
  const file = v['dkim-key-file']
  const env = v['dkim-key-env']
  if (file !== undefined && env !== undefined) fail('use either --dkim-key-file (a PEM file) or --dkim-key-env (a variable holding the PEM text), not both')
  const missing = [
    ...(v['dkim-domain'] === undefined ? ['--dkim-domain D'] : []),
    ...(v['dkim-selector'] === undefined ? ['--dkim-selector S'] : []),
    ...(file === undefined && env === undefined ? ['--dkim-key-file FILE (or --dkim-key-env VAR)'] : []),
  ]
  if (missing.length) fail(`DKIM signing needs --dkim-domain D, --dkim-selector S and the private key (--dkim-key-file FILE or --dkim-key-env VAR) together; missing: ${missing.join(', ')}`)
  if (env !== undefined && !ENV_NAME.test(env)) fail('--dkim-key-env takes the NAME of an environment variable (letters, digits and _), never the key itself')
  if (file !== undefined && !file.trim()) fail('--dkim-key-file takes the path of a PEM private key')
  return { domain: v['dkim-domain']!.trim(), selector: v['dkim-selector']!.trim(), key: file !== undefined ? { kind: 'file', path: file } : { kind: 'env', name: env! } }
}
