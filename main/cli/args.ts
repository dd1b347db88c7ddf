// The command line → a plain request. Pure: no I/O, no secrets (the password is read later, by
// secrets.ts, from the source named here). Also the start every command's parser shares (parseCommand).
// Only node:util, node:net's isIP, the contract's zod-free proxy-URL check and print.ts at run time
// (crypto is loaded on use), so that `mailprobe --version` and `--help` stay cheap; the rest of the
// contract is imported for its types only.
import { isIP } from 'node:net'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import type { NetworkOptionsInput, SmtpAuthMethod, SmtpJobInput, SmtpSecurity, SmtpStage } from '../../preload/contract'
import { parseProxyUrl } from '../../preload/contract/proxy-url'
import { DKIM_OPTIONS, INBOX_OPTIONS, INBOX_SECRET_FLAG, INBOX_SECRET_IN_ARGV, inboxFlagsGiven, parseDkimFlags, parseInboxFlags, type DkimRequest, type InboxRequest } from './inbox-args'
import { ENV_NAME, SIGN_IN_NAME } from './names'
import { quoteInput, sanitize } from './print'

// Copies of the contract's lists (importing them would load zod at start-up); a unit test keeps them equal.
export const SECURITY_MODES = ['none', 'starttls', 'tls', 'auto'] as const satisfies readonly SmtpSecurity[]
export const AUTH_METHODS = ['auto', 'plain', 'login', 'cram-md5', 'xoauth2', 'oauthbearer'] as const satisfies readonly SmtpAuthMethod[]
/** The methods an access token (--token-env) goes with. */
const TOKEN_METHODS: readonly SmtpAuthMethod[] = ['auto', 'xoauth2', 'oauthbearer']
export const STOP_STAGES = ['connect', 'banner', 'ehlo', 'tls', 'auth', 'mail', 'rcpt'] as const satisfies readonly SmtpStage[]

/** The SMTP commands parsed here; module commands (probe, …) parse their own options. */
export type SmtpCommand = 'send' | 'verify'
export type Command = SmtpCommand | ModuleCommand
/** Commands that live in their own module (main/cli/<name>.ts) and parse their own options. */
export const MODULE_COMMANDS = ['probe', 'api', 'sandbox', 'compare', 'oauth', 'domain', 'check'] as const
export type ModuleCommand = (typeof MODULE_COMMANDS)[number]
/** Where the secret comes from: a password from a variable or stdin, or an OAuth2 access token from a variable (--token-env). */
export type SecretSource = { kind: 'env'; name: string } | { kind: 'stdin' } | { kind: 'token-env'; name: string }

/** Exits with `exitCode` after printing `message` (one line) and a hint to --help. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 | 130,
    readonly command?: Command,
  ) {
    super(message)
    this.name = 'CliError'
  }
}

/** Bad usage: exit status 2. `showUsage` prints the general usage instead of a hint. */
export class UsageError extends CliError {
  constructor(
    message: string,
    command?: Command,
    readonly showUsage = false,
  ) {
    super(message, 2, command)
    this.name = 'UsageError'
  }
}

const COMMAND_LIST = ['send', 'verify', ...MODULE_COMMANDS].join(', ')

export const PASSWORD_IN_ARGV =
  'passwords are never accepted on the command line (other users can read them in the process list, and they stay in shell history): ' +
  'put it in an environment variable and name it with --password-env VAR, or pipe it in with --password-stdin'

export const TOKEN_IN_ARGV =
  'access tokens are never accepted on the command line (other users can read them in the process list, and they stay in shell history): ' +
  'put the token in an environment variable and name it with --token-env VAR'

export const CLIENT_SECRET_IN_ARGV =
  'client secrets and tokens are never accepted on the command line (other users can read them in the process list, and they stay in shell history): ' +
  'put the client secret in an environment variable and name it with --client-secret-env VAR'

export const PROXY_PASSWORD_IN_ARGV =
  'proxy passwords are never accepted on the command line (other users can read them in the process list, and they stay in shell history): ' +
  'put the password in an environment variable and name it with --proxy-password-env VAR, and the user name in the URL (socks5://USER@host:port)'

/** How much a command prints: -q only the verdict line, -v also the detail lines of the transcript. --json ignores it. */
export type Verbosity = 'quiet' | 'normal' | 'verbose'

export interface RunRequest {
  action: 'run'
  command: SmtpCommand
  json: boolean
  verbosity: Verbosity
  /** The engine input without credentials; `withSecret` adds them. */
  job: Omit<SmtpJobInput, 'auth'>
  /** Set when --user was given; the secret then comes from `secretSource`. */
  auth: { method: SmtpAuthMethod; user: string } | null
  secretSource: SecretSource | null
  /**
   * --oauth NAME: the saved sign-in (mailprobe oauth login) whose access token the run uses, renewed
   * first when it is about to expire; `user` is --user, else the sign-in's account. `auth` and
   * `secretSource` are then null.
   */
  oauth: { name: string; method: SmtpAuthMethod; user: string | null } | null
  /** --proxy-password-env VAR: the proxy password is read from it when the run starts. */
  proxyPasswordEnv: string | null
  /** --await-inbox URL …: the mailbox to watch for the message once the server accepted it (its secret read when the run starts). */
  inbox: InboxRequest | null
  /** --dkim-*: sign the message with DKIM (the key read when the run starts). */
  dkim: DkimRequest | null
  /** Files the run must be able to read (--attach, --ca, --inbox-ca, --dkim-key-file), checked before connecting. */
  files: { option: string; path: string }[]
  /** Things to tell the user on stderr before the run (e.g. options verify ignores). */
  notes: string[]
}

export type CliRequest =
  | { action: 'help'; topic: 'main' | 'send' | 'verify' }
  | { action: 'version' }
  | RunRequest
  /** Handed to the command's own module with the words after the command name. */
  | { action: 'module'; command: ModuleCommand; argv: string[] }

export interface ParseOptions {
  /** For reproducible tests: the time and token of the default subject. */
  now?: Date
  token?: string
}

/** Output options every command that runs a job takes. */
export const OUTPUT_OPTIONS = {
  json: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  quiet: { type: 'boolean', short: 'q' },
  help: { type: 'boolean', short: 'h' },
} as const

/** The network options of every command that connects (send, verify, api, probe, compare). */
export const NETWORK_OPTIONS = {
  proxy: { type: 'string' },
  'proxy-password-env': { type: 'string' },
  ipv4: { type: 'boolean' },
  ipv6: { type: 'boolean' },
  'local-address': { type: 'string' },
} as const

const CONNECTION_OPTIONS = {
  host: { type: 'string' },
  port: { type: 'string' },
  security: { type: 'string' },
  user: { type: 'string' },
  'password-env': { type: 'string' },
  'password-stdin': { type: 'boolean' },
  'token-env': { type: 'string' },
  oauth: { type: 'string' },
  auth: { type: 'string' },
  'stop-after': { type: 'string' },
  ca: { type: 'string' },
  insecure: { type: 'boolean' },
  servername: { type: 'string' },
  ehlo: { type: 'string' },
  timeout: { type: 'string' },
  'show-username': { type: 'boolean' },
  ...NETWORK_OPTIONS,
  ...OUTPUT_OPTIONS,
} as const

const MESSAGE_OPTIONS = {
  from: { type: 'string' },
  to: { type: 'string', multiple: true },
  cc: { type: 'string', multiple: true },
  bcc: { type: 'string', multiple: true },
  subject: { type: 'string' },
  text: { type: 'string' },
  html: { type: 'string' },
  attach: { type: 'string', multiple: true },
  header: { type: 'string', multiple: true },
} as const

const OPTIONS = { ...CONNECTION_OPTIONS, ...MESSAGE_OPTIONS, ...INBOX_OPTIONS, ...DKIM_OPTIONS }

/** Option names under which people try to pass an OAuth2 access token to send or verify (told about --token-env). */
const TOKEN_FLAG = /^--?(token|access-token|oauth-token|oauth2-token|bearer|bearer-token)$/i
/** Option names under which people try to pass a password or token. */
const SECRET_FLAG = /^--?(pass|password|passwd|pwd|pw|secret|token|access-token|api-key|apikey|auth-password|auth-pass)$/i
/** Option names under which people try to pass `mailprobe oauth` a client secret or a token (told about --client-secret-env). */
export const CLIENT_SECRET_FLAG =
  /^--?(client-?secret|client_secret|secret|client-?assertion|private-?key|client-?key|certificate-?key|token|access-?token|refresh-?token|id-?token|device-?code|code-?verifier|bearer)$/i
/** Option names under which people try to pass a proxy password; refused by every command. */
const PROXY_SECRET_FLAG = /^--?proxy-(pass|password|passwd|pwd|pw|secret|auth|credentials?|user-password|password-stdin)$/i

export { ENV_NAME, SIGN_IN_NAME }

export function parseCli(argv: readonly string[], opts: ParseOptions = {}): CliRequest {
  const [first, ...rest] = argv
  if (first === undefined) throw new UsageError('no command given', undefined, true)
  const command = first === 'send' || first === 'verify' ? first : undefined
  const moduleCommand = MODULE_COMMANDS.find((c) => c === first)
  if (command) refuseSecretFlags(argv, { flag: TOKEN_FLAG, message: TOKEN_IN_ARGV, stdinValue: false }, command)
  if (command) refuseSecretFlags(argv, { flag: INBOX_SECRET_FLAG, message: INBOX_SECRET_IN_ARGV, stdinValue: false }, command)
  if (moduleCommand === 'oauth') refuseSecretFlags(argv, { flag: CLIENT_SECRET_FLAG, message: CLIENT_SECRET_IN_ARGV, stdinValue: false }, moduleCommand)
  refuseSecretFlags(argv, { flag: SECRET_FLAG, message: PASSWORD_IN_ARGV }, command ?? moduleCommand)
  if (command) return parseSmtpCommand(command, rest, opts)
  if (moduleCommand) return { action: 'module', command: moduleCommand, argv: rest }
  if (first === '--help' || first === '-h') return { action: 'help', topic: 'main' }
  if (first === 'help') {
    const topic = rest[0]
    if (topic === undefined) return { action: 'help', topic: 'main' }
    if (topic === 'send' || topic === 'verify') return { action: 'help', topic }
    const mod = MODULE_COMMANDS.find((c) => c === topic)
    if (mod) return { action: 'module', command: mod, argv: ['--help'] }
    throw new UsageError(`no help for ${quoteInput(topic)}: the commands are ${COMMAND_LIST}`)
  }
  if (first === '--version' || first === '-V') return { action: 'version' }
  if (first === '-v' || first === '--verbose' || first === '-q' || first === '--quiet') throw new UsageError(`${first} goes after a command (mailprobe send -v …); the version is -V or --version`)
  if (first.startsWith('-')) throw new UsageError(`unknown option ${quoteInput(optionName(first))} (a command comes first: mailprobe send …, mailprobe verify …)`)
  throw new UsageError(`unknown command ${quoteInput(first)}: the commands are ${COMMAND_LIST}`)
}

function optionName(token: string): string {
  const eq = token.indexOf('=')
  return eq === -1 ? token : token.slice(0, eq)
}

/** An option `secrets.flag` matches (by its name: --key=value is --key), or (unless `stdinValue` is false) a value glued to --password-stdin, is refused. */
export function refuseSecretFlags(args: readonly string[], secrets: { flag: RegExp; message: string; stdinValue?: boolean }, command?: Command): void {
  for (const token of args) {
    if (token === '--') break
    if (!token.startsWith('-')) continue
    const name = optionName(token)
    if (secrets.flag.test(name) || (secrets.stdinValue !== false && name === '--password-stdin' && token.includes('='))) throw new UsageError(secrets.message, command)
  }
}

type OptionTable = NonNullable<ParseArgsConfig['options']>
/** What parseArgs makes of a command's words with its option table (strict, positionals allowed). */
type Parsed<T extends OptionTable> = ReturnType<typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: true }>>

export interface CommandSpec {
  command: Command
  /** The command's own secret-looking options (beyond the passwords parseCli refuses for every command) and what to say instead. */
  refuseSecrets?: { flag: RegExp; message: string }
}

/**
 * The start every command's parser shares: a secret-looking option is refused before anything else,
 * (a proxy password by every command, `spec.refuseSecrets` by the command's own rules), then
 * --help or -h anywhere before `--` wins ('help'), then node's parseArgs (strict, positionals
 * allowed) whose errors become one-line usage errors: an unknown option by its name (made safe to
 * print) and, when one is close, the option it may have meant.
 */
export function parseCommand<T extends OptionTable>(args: readonly string[], options: T, spec: CommandSpec): 'help' | Parsed<T> {
  refuseSecretFlags(args, { flag: PROXY_SECRET_FLAG, message: PROXY_PASSWORD_IN_ARGV }, spec.command)
  if (spec.refuseSecrets) refuseSecretFlags(args, spec.refuseSecrets, spec.command)
  for (const a of args) {
    if (a === '--') break
    if (a === '--help' || a === '-h') return 'help'
  }
  try {
    return parseArgs({ args: [...args], options, strict: true, allowPositionals: true })
  } catch (err) {
    throw new UsageError(describeParseError(err, Object.keys(options)), spec.command)
  }
}

function parseSmtpCommand(command: SmtpCommand, args: readonly string[], opts: ParseOptions): CliRequest {
  const parsed = parseCommand(args, OPTIONS, { command })
  if (parsed === 'help') return { action: 'help', topic: command }
  const { values: v, positionals } = parsed
  if (positionals.length > 0)
    // Not echoed: a stray word is as likely to be a password as a typo.
    throw new UsageError(
      `unexpected argument (${positionals.length === 1 ? 'one word' : `${positionals.length} words`} not attached to an option); every value follows its option, e.g. --host smtp.example.com. ` +
        'Passwords go in --password-env VAR or --password-stdin',
      command,
    )
  const fail = (message: string): never => {
    throw new UsageError(message, command)
  }

  const notes: string[] = []
  const host = v.host?.trim() || fail('--host is required')
  if (host.includes('@')) fail('--host takes a host name only; credentials go in --user and --password-env / --password-stdin')

  let stopAfter: SmtpStage
  if (command === 'verify') {
    if (v['stop-after'] !== undefined) fail('verify always stops after auth; use "mailprobe send --stop-after STAGE" to stop elsewhere')
    stopAfter = 'auth'
  } else {
    stopAfter = v['stop-after'] === undefined ? 'send' : oneOf('--stop-after', v['stop-after'], STOP_STAGES, fail)
  }
  const security = v.security === undefined ? undefined : oneOf('--security', v.security, SECURITY_MODES, fail)
  const port = v.port === undefined ? (security === 'tls' ? 465 : undefined) : parsePort(v.port, fail)

  const job: Omit<SmtpJobInput, 'auth'> = { host, stopAfter }
  if (port !== undefined) job.port = port
  if (security !== undefined) job.security = security
  if (v.ehlo !== undefined) job.ehloName = v.ehlo
  if (v.timeout !== undefined) {
    const ms = parseTimeout(v.timeout, fail)
    job.timeouts = { connectMs: ms, greetingMs: ms, socketMs: ms }
  }
  if (v.ca !== undefined || v.insecure || v.servername !== undefined) {
    job.tls = {
      ...(v.ca !== undefined && { caFile: v.ca }),
      ...(v.servername !== undefined && { servername: v.servername }),
      insecure: v.insecure ?? false,
    }
  }
  if (v['show-username']) job.showUsername = true
  const { network, proxyPasswordEnv } = parseNetworkFlags(v, command)
  if (network) job.network = network

  // Credentials: a user name needs exactly one secret source, and a secret source needs a user;
  // a saved sign-in (--oauth) is a source of its own, with its account as the default user.
  const envName = v['password-env']
  const fromStdin = v['password-stdin'] ?? false
  const tokenEnv = v['token-env']
  const oauthName = v.oauth
  if (envName !== undefined && fromStdin) fail('use either --password-env or --password-stdin, not both')
  if (oauthName !== undefined && (envName !== undefined || fromStdin || tokenEnv !== undefined))
    fail(
      `use either --oauth (a saved sign-in) or ${tokenEnv !== undefined ? '--token-env (an access token)' : envName !== undefined ? '--password-env (a password)' : '--password-stdin (a password)'}, not both`,
    )
  if (tokenEnv !== undefined && (envName !== undefined || fromStdin))
    fail(`use either --token-env (an OAuth2 access token) or ${envName !== undefined ? '--password-env' : '--password-stdin'} (a password), not both`)
  if (envName !== undefined && !ENV_NAME.test(envName)) fail('--password-env takes the NAME of an environment variable (letters, digits and _), never the password itself')
  if (tokenEnv !== undefined && !ENV_NAME.test(tokenEnv)) fail('--token-env takes the NAME of an environment variable (letters, digits and _), never the token itself')
  const secretSource: SecretSource | null =
    tokenEnv !== undefined ? { kind: 'token-env', name: tokenEnv } : envName !== undefined ? { kind: 'env', name: envName } : fromStdin ? { kind: 'stdin' } : null
  let auth: RunRequest['auth'] = null
  let oauth: RunRequest['oauth'] = null
  if (oauthName !== undefined) {
    if (!SIGN_IN_NAME.test(oauthName)) fail(`--oauth takes the name of a saved sign-in (see mailprobe oauth list): letters, digits, . _ @ and -, at most 64 (got ${quoteInput(oauthName)})`)
    if (v.user !== undefined && !v.user) fail('--user is empty')
    const method = v.auth === undefined ? 'auto' : oneOf('--auth', v.auth, AUTH_METHODS, fail)
    if (!TOKEN_METHODS.includes(method)) fail(`--auth ${method} takes a password; a saved sign-in (--oauth) goes with --auth auto, xoauth2 or oauthbearer`)
    oauth = { name: oauthName, method, user: v.user ?? null }
  } else if (v.user !== undefined) {
    if (!v.user) fail('--user is empty')
    if (!secretSource) fail('--user needs a password (--password-env VAR or --password-stdin), an OAuth2 access token (--token-env VAR) or a saved sign-in (--oauth NAME)')
    const method = v.auth === undefined ? 'auto' : oneOf('--auth', v.auth, AUTH_METHODS, fail)
    if (tokenEnv !== undefined && !TOKEN_METHODS.includes(method)) fail(`--auth ${method} takes a password; an access token (--token-env) goes with --auth auto, xoauth2 or oauthbearer`)
    auth = { method, user: v.user }
  } else if (secretSource) {
    fail(
      `${secretSource.kind === 'env' ? '--password-env' : secretSource.kind === 'stdin' ? '--password-stdin' : '--token-env'} needs --user${secretSource.kind === 'token-env' ? ' (the mailbox the token was issued for)' : ''}`,
    )
  } else if (v.auth !== undefined) {
    fail('--auth needs --user and a password (--password-env VAR or --password-stdin), an access token (--token-env VAR), or a saved sign-in (--oauth NAME)')
  }

  // The message: send needs a sender from MAIL on and a recipient from RCPT on; verify sends nothing.
  const files: RunRequest['files'] = []
  if (v.ca !== undefined) files.push({ option: '--ca', path: v.ca })
  const messageFlags = Object.keys(MESSAGE_OPTIONS).filter((k) => v[k as keyof typeof MESSAGE_OPTIONS] !== undefined)
  const recipients = (v.to?.length ?? 0) + (v.cc?.length ?? 0) + (v.bcc?.length ?? 0)
  const stage = STAGE_ORDER.indexOf(stopAfter)
  // A watched or signed message must be sent: verify and --stop-after send none.
  const sendOnly = [
    ...inboxFlagsGiven(v),
    ...Object.keys(DKIM_OPTIONS)
      .filter((k) => v[k as keyof typeof DKIM_OPTIONS] !== undefined)
      .map((k) => `--${k}`),
  ]
  if (sendOnly.length && stopAfter !== 'send')
    fail(`${sendOnly[0]} needs a message that is sent: ${command === 'verify' ? 'verify sends none (use mailprobe send)' : `--stop-after ${stopAfter} sends none (leave --stop-after out)`}`)
  const token = messageToken(opts)
  let inbox: InboxRequest | null = null
  let dkim: DkimRequest | null = null
  if (command === 'verify') {
    if (messageFlags.length) notes.push(`verify sends nothing: ignoring ${messageFlags.map((f) => `--${f}`).join(', ')}`)
  } else {
    if (stage >= STAGE_ORDER.indexOf('mail') && v.from === undefined) fail('--from ADDR is required (the envelope sender)')
    if (stage >= STAGE_ORDER.indexOf('rcpt') && recipients === 0) fail('at least one recipient is required: --to ADDR (or --cc / --bcc)')
    if (v.from !== undefined) {
      job.message = { ...testMessage(v.from, v, { ...opts, token }), headers: (v.header ?? []).map((h) => parseHeader(h, fail)) }
      for (const path of v.attach ?? []) files.push({ option: '--attach', path })
    } else if (messageFlags.length) {
      notes.push(`stopping after ${stopAfter} without --from: ignoring ${messageFlags.map((f) => `--${f}`).join(', ')}`)
    }
    inbox = parseInboxFlags(v, token, fail)
    if (inbox?.delivery.tls?.caFile !== undefined) files.push({ option: '--inbox-ca', path: inbox.delivery.tls.caFile })
    dkim = parseDkimFlags(v, fail)
    if (dkim?.key.kind === 'file') files.push({ option: '--dkim-key-file', path: dkim.key.path })
  }

  return { action: 'run', command, json: v.json ?? false, verbosity: parseVerbosity(v, command), job, auth, secretSource, oauth, proxyPasswordEnv, inbox, dkim, files, notes }
}

/** The token a test message names (its default subject and text; the delivery watch looks for it): 8 hex characters. */
export function messageToken(opts: ParseOptions): string {
  // node:crypto, not globalThis.crypto: the engine loads node:crypto anyway, while the Web Crypto
  // global costs ~2 ms of module loading before the connection opens.
  return opts.token ?? process.getBuiltinModule('node:crypto').randomUUID().slice(0, 8)
}

const STAGE_ORDER: readonly SmtpStage[] = [...STOP_STAGES, 'send']

function oneOf<T extends string>(option: string, value: string, allowed: readonly T[], fail: (m: string) => never): T {
  if ((allowed as readonly string[]).includes(value)) return value as T
  return fail(`${option} must be one of ${allowed.join(', ')} (got ${quoteInput(value)})`)
}

function parsePort(value: string, fail: (m: string) => never): number {
  const n = /^\d{1,5}$/.test(value) ? Number(value) : NaN
  if (!(n >= 1 && n <= 65535)) fail(`--port must be a number from 1 to 65535 (got ${quoteInput(value)})`)
  return n
}

/** -v / -q (never both); --json ignores them. */
export function parseVerbosity(v: { verbose?: boolean; quiet?: boolean }, command: Command): Verbosity {
  if (v.verbose && v.quiet) throw new UsageError('choose one of -v (--verbose) and -q (--quiet)', command)
  return v.verbose ? 'verbose' : v.quiet ? 'quiet' : 'normal'
}

export interface NetworkFlags {
  /** Only the fields given on the command line (the engine's defaults, or a profile's, fill in the rest); undefined when none was. */
  network: NetworkOptionsInput | undefined
  /** --proxy-password-env VAR: read when the run starts (secrets.ts withProxyPassword). */
  proxyPasswordEnv: string | null
}

type NetworkValues = { proxy?: string; 'proxy-password-env'?: string; ipv4?: boolean; ipv6?: boolean; 'local-address'?: string }

/**
 * --proxy, --proxy-password-env, --ipv4 / --ipv6 and --local-address → the job's network section.
 * Bad usage throws UsageError (exit status 2). The proxy URL is never echoed: it may hold a password.
 */
export function parseNetworkFlags(v: NetworkValues, command: Command): NetworkFlags {
  const fail = (message: string): never => {
    throw new UsageError(message, command)
  }
  const network: NetworkOptionsInput = {}
  if (v.ipv4 && v.ipv6) fail('choose one of --ipv4 and --ipv6 (or neither, to use both)')
  if (v.ipv4) network.family = 'ipv4'
  if (v.ipv6) network.family = 'ipv6'

  const local = v['local-address']?.trim()
  if (local !== undefined) {
    const version = isIP(local)
    if (version === 0) fail(`--local-address takes an IPv4 or IPv6 address of this machine, e.g. 192.0.2.10 (got ${quoteInput(local)})`)
    if (version === 6 && v.ipv4) fail('--local-address is an IPv6 address, but --ipv4 allows IPv4 only')
    if (version === 4 && v.ipv6) fail('--local-address is an IPv4 address, but --ipv6 allows IPv6 only')
    network.localAddress = local
  }

  const passwordEnv = v['proxy-password-env']
  if (v.proxy !== undefined) {
    const parsed = parseProxyUrl(v.proxy)
    if ('problem' in parsed) return fail(`--proxy: ${parsed.problem}`)
    if (passwordEnv !== undefined && parsed.user === null) fail('--proxy-password-env needs a user name in the proxy URL: --proxy socks5://USER@host:port')
    network.proxy = { url: v.proxy.trim() }
  } else if (passwordEnv !== undefined) {
    fail('--proxy-password-env needs --proxy URL (with the user name in it)')
  }
  if (passwordEnv !== undefined && !ENV_NAME.test(passwordEnv)) fail('--proxy-password-env takes the NAME of an environment variable (letters, digits and _), never the password itself')

  return { network: Object.keys(network).length ? network : undefined, proxyPasswordEnv: passwordEnv ?? null }
}

/** --timeout MS as every engine takes it (the contract's one timeout range). */
export function parseTimeout(value: string, fail: (m: string) => never): number {
  const n = /^\d{1,7}$/.test(value) ? Number(value) : NaN
  if (!(n >= 100 && n <= 600_000)) fail(`--timeout takes milliseconds from 100 to 600000, e.g. --timeout 10000 (got ${quoteInput(value)})`)
  return n
}

export function parseHeader(raw: string, fail: (m: string) => never): { name: string; value: string } {
  const colon = raw.indexOf(':')
  const name = colon > 0 ? raw.slice(0, colon).trim() : ''
  if (!name || /\s/.test(name)) fail('--header must look like "Name: value"')
  return { name, value: raw.slice(colon + 1).trim() }
}

/** The test message send and api build from --from, --to … --attach: unless given, a subject and a text that name a token. */
export function testMessage(
  from: string,
  v: { to?: string[]; cc?: string[]; bcc?: string[]; subject?: string; text?: string; html?: string; attach?: string[] },
  opts: ParseOptions,
): NonNullable<SmtpJobInput['message']> {
  const token = messageToken(opts)
  const when = (opts.now ?? new Date()).toISOString()
  const noBody = v.text === undefined && v.html === undefined
  return {
    from,
    to: v.to ?? [],
    cc: v.cc ?? [],
    bcc: v.bcc ?? [],
    subject: v.subject ?? `Mailprobe test ${token} ${when}`,
    ...(v.text !== undefined && { text: v.text }),
    ...(v.html !== undefined && { html: v.html }),
    ...(noBody && { text: `Test message ${token} sent by Mailprobe, a mail-submission tester.` }),
    attachments: (v.attach ?? []).map((path) => ({ path })),
  }
}

/** parseArgs errors as one line, with a suggestion for a misspelt option. */
function describeParseError(err: unknown, optionNames: readonly string[]): string {
  const e = err as { code?: string; message?: string }
  const message = String(e.message ?? err)
  if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const name = /Unknown option '([^']+)'/.exec(message)?.[1] ?? 'option'
    const near = suggest(name.replace(/^-+/, ''), optionNames)
    return `unknown option ${quoteInput(name)}${near ? ` (did you mean --${near}?)` : ''}`
  }
  // node's other messages name the option as the table spells it; made safe all the same.
  const line = sanitize(message.split('\n').join(' ').slice(0, 200))
  return line.charAt(0).toLowerCase() + line.slice(1)
}

function suggest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = 3
  for (const candidate of candidates) {
    const d = distance(name, candidate)
    if (d < bestDistance) [best, bestDistance] = [candidate, d]
  }
  return best
}

/** Levenshtein distance, small strings only. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    prev = row
  }
  return prev[b.length]!
}

/** The engine input with the credentials added, built at the last moment before the run. A --token-env secret is marked as a token (auto then picks a token mechanism). */
export function withSecret(req: RunRequest, secret: string | null): SmtpJobInput {
  if (!req.auth || secret === null) return { ...req.job }
  const token = req.secretSource?.kind === 'token-env'
  return { ...req.job, auth: { method: req.auth.method, user: req.auth.user, secret, ...(token && { secretKind: 'token' as const }) } }
}
