// `mailprobe oauth`: sign in to Microsoft 365, Google or any OAuth2 / OpenID Connect issuer (login),
// see the saved sign-ins (list) and forget one (logout); send and verify use a sign-in with --oauth
// NAME. Self-contained: the dispatcher calls parseOAuthArgs(argv after the command word) and
// runOAuthCommand(request, io). A client secret comes only from an environment variable
// (--client-secret-env VAR) and no token is ever printed. main/core/oauth is imported when a
// subcommand runs, so `mailprobe oauth --help` loads neither zod nor openid-client.
import { readFileSync } from 'node:fs'
import type { ClassifiedError, OAuthConfig, OAuthFlow, OAuthProvider, SignInSummary } from '../../preload/contract'
import type { DeviceCode } from '../core/oauth/flows'
import { EngineError } from '../core/errors'
import { Redactor } from '../core/transcript/redact'
import { CLIENT_SECRET_FLAG, CLIENT_SECRET_IN_ARGV, ENV_NAME, parseCommand, refuseSecretFlags, SIGN_IN_NAME, UsageError, type Command } from './args'
import { cancelOnInterrupt, INTERRUPTED, type InterruptIO } from './interrupt'
import { formatJson, paint, plural, quoteInput, sanitize, SGR, useColor, type Style } from './print'
import { readEnvSecret } from './secrets'
import { SIGN_INS_FILE, signInsPath, withSignIns } from './sign-ins'

// Copies of the contract's lists (importing them would load zod at start-up); a unit test keeps them equal.
export const OAUTH_PROVIDER_NAMES = ['microsoft', 'google', 'generic'] as const satisfies readonly OAuthProvider[]
export const OAUTH_FLOW_NAMES = ['browser', 'device', 'client-credentials'] as const satisfies readonly OAuthFlow[]

const COMMAND: Command = 'oauth'
const SUBCOMMANDS = ['login', 'list', 'logout'] as const

export const OAUTH_HELP = `Usage: mailprobe oauth login --name NAME --provider microsoft|google|generic --client-id ID [options]
       mailprobe oauth list [--json]
       mailprobe oauth logout NAME

Signs in to Microsoft 365 and Outlook.com, Google (Gmail, Google Workspace) or any OAuth2 / OpenID
Connect issuer, and keeps the sign-in so that send and verify can use it:
  mailprobe verify --host smtp.office365.com --oauth NAME
Before each run, an access token with less than 5 minutes left is renewed (with the refresh token,
or the app's client secret for client-credentials), and the transcript says so in an info line.

login:
  --name NAME              what to keep the sign-in as (letters, digits, . _ @ and -; at most 64
                           characters); a sign-in of that name is replaced
  --provider P             microsoft | google | generic
  --client-id ID           the app's client id: its app registration in Microsoft Entra ID, its
                           OAuth client in Google Cloud, or its client at the issuer
  --tenant T               microsoft: the tenant id or domain (default organizations: any work or
                           school account; client-credentials needs the tenant itself)
  --issuer URL             generic (required): the issuer, https:// (http:// only on 127.0.0.1); its
                           discovery document names the endpoints
  --flow F                 browser | device | client-credentials (default: device for microsoft,
                           browser for google and generic)
  --client-secret-env VAR  read the app's client secret from environment variable VAR: needed for
                           client-credentials, and by apps that come with one (Google's desktop clients)
  --client-certificate FILE, --client-key-file FILE
                           client-credentials with a certificate instead of a secret (Microsoft: the
                           certificate uploaded to the app registration, and its PEM private key; the
                           key file is read when the command runs and kept with the sign-in for renewals)
  --scope S                a scope to ask for instead of the provider's; repeat for more (generic:
                           required). Microsoft's: https://outlook.office.com/SMTP.Send offline_access
                           openid email (client-credentials: https://outlook.office365.com/.default);
                           Google's: https://mail.google.com/ openid email
  --json                   print one JSON object on stdout:
                           {ok, name, provider, flow, account, scopes, expiresAt, error}
                           (the address and the code to enter still go to stderr)
list:
  --json                   print a JSON array, one object per sign-in: name, provider, flow, tenant,
                           issuer, clientId, account, scopes, expiresAt, signedInAt, refreshedAt,
                           renewable. Never a token
logout NAME                forget the sign-in NAME: its tokens are removed from the file (not revoked
                           at the server: an access token stays valid there until it expires)
  -h, --help               this help

The flows:
  browser             prints an address to open in a browser on this machine (nothing is opened
                      for you); the sign-in comes back to http://127.0.0.1:PORT/callback here, on
                      a port chosen for it (over SSH, forward that port, or use the device flow).
                      Microsoft: register http://127.0.0.1/callback as a redirect URI of the app
                      (platform "Mobile and desktop applications"). It waits up to 5 minutes.
  device              prints an address and a code: open the address on any device, enter the code
                      and sign in there, while a countdown runs here (on a terminal). Microsoft:
                      turn on "Allow public client flows" in the app registration. Google's device
                      flow cannot ask for the mail scope: use browser.
  client-credentials  the app signs in as itself with its client secret; nobody signs in, so send
                      and verify need the mailbox in --user. Microsoft: the app needs the
                      SMTP.SendAsApp permission and a service principal in Exchange Online with
                      access to the mailbox.

Where sign-ins are kept: ${SIGN_INS_FILE} in the data folder ($MAILPROBE_DATA_DIR, else
$XDG_DATA_HOME/mailprobe or ~/.local/share/mailprobe; macOS: ~/Library/Application Support/mailprobe;
Windows: %APPDATA%\\mailprobe), a file readable by you only (mode 0600), as command-line tools keep
tokens on servers without a keyring: anyone who can act as you (or as root) can read the tokens in
it. Mailprobe refuses to use the file when others can read it. Tokens and secrets never appear in
what it prints, and never in argv (--client-secret and the like are refused).

Examples:
  mailprobe oauth login --name work --provider microsoft --client-id 11111111-2222-3333-4444-555555555555
  mailprobe send --host smtp.office365.com --oauth work --from me@contoso.com --to you@example.net
  APP_SECRET=… mailprobe oauth login --name app --provider microsoft --tenant contoso.onmicrosoft.com \\
      --client-id 11111111-2222-3333-4444-555555555555 --flow client-credentials --client-secret-env APP_SECRET
  mailprobe oauth login --name gmail --provider google --client-id 1234-abc.apps.googleusercontent.com \\
      --client-secret-env GOOGLE_CLIENT_SECRET
  mailprobe oauth list --json | jq '.[] | {name, account, expiresAt}'

Ctrl-C cancels a sign-in while it waits, and exits 130.
Exit status: 0 done, 1 the sign-in failed (or logout found no sign-in of that name), 2 bad usage or a
sign-ins file Mailprobe will not use, 130 interrupted (Ctrl-C).
`

export interface OAuthLoginRequest {
  action: 'login'
  name: string
  /** As given; the sign-in checks it (the contract's oauthConfigSchema and the provider's rules) before any request. */
  config: OAuthConfig
  /** --client-secret-env VAR: read when the command runs. */
  clientSecretEnv: string | null
  /** --client-certificate and --client-key-file: PEM files read when the command runs. */
  clientCertificate: { certificate: string; key: string } | null
  json: boolean
}

export type OAuthCliRequest = { action: 'help' } | OAuthLoginRequest | { action: 'list'; json: boolean } | { action: 'logout'; name: string }

const LOGIN_OPTIONS = {
  name: { type: 'string' },
  provider: { type: 'string' },
  'client-id': { type: 'string' },
  tenant: { type: 'string' },
  issuer: { type: 'string' },
  flow: { type: 'string' },
  'client-secret-env': { type: 'string' },
  'client-certificate': { type: 'string' },
  'client-key-file': { type: 'string' },
  scope: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const
const LIST_OPTIONS = { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } as const
const LOGOUT_OPTIONS = { help: { type: 'boolean', short: 'h' } } as const

function usage(message: string): UsageError {
  return new UsageError(message, COMMAND)
}

function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T
  throw usage(`${option} must be one of ${allowed.join(', ')} (got ${quoteInput(value)})`)
}

function signInName(option: string, value: string): string {
  if (!SIGN_IN_NAME.test(value)) throw usage(`${option} takes letters, digits, . _ @ and - (starting with a letter or digit), at most 64 characters (got ${quoteInput(value)})`)
  return value
}

/** Positionals are not echoed: a stray word is as likely to be a secret as a typo. */
function noPositionals(positionals: readonly string[], sub: string): void {
  if (positionals.length) {
    throw usage(
      `unexpected argument (${positionals.length === 1 ? 'one word' : `${positionals.length} words`} not attached to an option) after ${sub}; every value follows its option, e.g. --name work. ` +
        'A client secret goes in --client-secret-env VAR',
    )
  }
}

const SPEC = { command: COMMAND, refuseSecrets: { flag: CLIENT_SECRET_FLAG, message: CLIENT_SECRET_IN_ARGV } }

/** The words after `mailprobe oauth` → a request. Pure; bad usage throws UsageError (exit status 2). */
export function parseOAuthArgs(argv: readonly string[]): OAuthCliRequest {
  const args = argv[0] === 'oauth' ? argv.slice(1) : argv
  const [sub, ...rest] = args
  if (sub === undefined) throw usage('a subcommand is needed: login, list or logout')
  if (sub === '--help' || sub === '-h' || sub === 'help') return { action: 'help' }
  if (!(SUBCOMMANDS as readonly string[]).includes(sub)) {
    // Secret-looking options are refused before anything is said about them.
    refuseSecretFlags(args, SPEC.refuseSecrets, COMMAND)
    if (sub.startsWith('-')) throw usage('a subcommand comes first: mailprobe oauth login …, mailprobe oauth list or mailprobe oauth logout NAME')
    throw usage(`unknown subcommand ${quoteInput(sub)}: login, list or logout`)
  }
  if (sub === 'list') {
    const parsed = parseCommand(rest, LIST_OPTIONS, SPEC)
    if (parsed === 'help') return { action: 'help' }
    noPositionals(parsed.positionals, 'list')
    return { action: 'list', json: parsed.values.json ?? false }
  }
  if (sub === 'logout') {
    const parsed = parseCommand(rest, LOGOUT_OPTIONS, SPEC)
    if (parsed === 'help') return { action: 'help' }
    const [name, ...more] = parsed.positionals
    if (name === undefined) throw usage('logout needs the name of the sign-in to forget: mailprobe oauth logout NAME (mailprobe oauth list shows them)')
    if (more.length) throw usage('logout takes one name: mailprobe oauth logout NAME')
    return { action: 'logout', name: signInName('logout', name) }
  }
  return parseLogin(rest)
}

function parseLogin(rest: readonly string[]): OAuthCliRequest {
  const parsed = parseCommand(rest, LOGIN_OPTIONS, SPEC)
  if (parsed === 'help') return { action: 'help' }
  const { values: v, positionals } = parsed
  noPositionals(positionals, 'login')
  if (v.name === undefined) throw usage('login needs --name NAME: what to keep the sign-in as (send and verify then take --oauth NAME)')
  const name = signInName('--name', v.name)
  if (v.provider === undefined) throw usage(`login needs --provider: ${OAUTH_PROVIDER_NAMES.join(', ')}`)
  const provider = oneOf('--provider', v.provider, OAUTH_PROVIDER_NAMES)
  const clientId = v['client-id']?.trim()
  if (!clientId) throw usage('login needs --client-id ID: the client id of the app registered with the provider')
  const flow = v.flow === undefined ? (provider === 'microsoft' ? 'device' : 'browser') : oneOf('--flow', v.flow, OAUTH_FLOW_NAMES)

  if (v.tenant !== undefined && provider !== 'microsoft') throw usage('--tenant is for --provider microsoft only')
  if (v.issuer !== undefined && provider !== 'generic')
    throw usage(`--issuer is for --provider generic only (${provider === 'microsoft' ? 'Microsoft’s issuer comes from --tenant' : 'Google’s issuer is known'})`)
  if (provider === 'generic' && v.issuer === undefined) throw usage('--provider generic needs --issuer URL (the issuer whose discovery document names the endpoints)')
  if (provider === 'generic' && !v.scope?.length) throw usage('--provider generic needs the scopes the mail server wants: --scope S, once per scope')

  const secretEnv = v['client-secret-env']
  if (secretEnv !== undefined && !ENV_NAME.test(secretEnv)) throw usage('--client-secret-env takes the NAME of an environment variable (letters, digits and _), never the secret itself')
  const certificate = v['client-certificate']
  const key = v['client-key-file']
  if ((certificate === undefined) !== (key === undefined)) throw usage('--client-certificate FILE and --client-key-file FILE go together: the certificate and its private key')
  const withCertificate = certificate !== undefined && key !== undefined
  if (withCertificate && flow !== 'client-credentials') throw usage('--client-certificate is for --flow client-credentials')
  if (withCertificate && secretEnv !== undefined) throw usage('choose one of --client-secret-env and --client-certificate')
  if (flow === 'client-credentials' && secretEnv === undefined && !withCertificate)
    throw usage('--flow client-credentials needs the app’s client secret (--client-secret-env VAR) or certificate (--client-certificate FILE --client-key-file FILE)')

  const config: OAuthConfig = { provider, clientId, flow }
  if (v.tenant !== undefined) config.tenant = v.tenant
  if (v.issuer !== undefined) config.issuer = v.issuer
  if (v.scope?.length) config.scopes = v.scope
  return { action: 'login', name, config, clientSecretEnv: secretEnv ?? null, clientCertificate: withCertificate ? { certificate, key } : null, json: v.json ?? false }
}

export interface OAuthIO extends InterruptIO {
  stdout: { write(text: string): unknown; isTTY?: boolean }
  stderr: { write(text: string): unknown; isTTY?: boolean }
  env: NodeJS.ProcessEnv
  /** Working directory for a relative $MAILPROBE_DATA_DIR (default process.cwd()). */
  cwd?: string
  /** The device flow's countdown ticks (default every second; tests pass less). */
  tickMs?: number
}

/**
 * Runs the subcommand; returns the exit status (0 done, 1 the sign-in failed or logout found none,
 * 130 Ctrl-C). Bad usage, input the sign-in refused (INVALID_INPUT) and a sign-ins file Mailprobe
 * will not use throw UsageError (2).
 */
export async function runOAuthCommand(req: OAuthCliRequest, io: OAuthIO): Promise<number> {
  try {
    switch (req.action) {
      case 'help':
        io.stdout.write(`${OAUTH_HELP}\nHere they are kept in ${signInsPath(io)}.\n`)
        return 0
      case 'login':
        return await login(req, io)
      case 'list':
        return await list(req.json, io)
      case 'logout':
        return await logout(req.name, io)
    }
  } catch (err) {
    if (err instanceof EngineError && err.info.code === 'INVALID_INPUT') throw usage(err.info.message)
    throw err
  }
}

// ── login ──────────────────────────────────────────────────────────────────

/** What `oauth login --json` prints: one object, these fields in this order. */
export interface LoginJson {
  ok: boolean
  name: string
  provider: OAuthProvider
  flow: OAuthFlow
  account: string | null
  scopes: string[]
  expiresAt: string | null
  error: ClassifiedError | null
}

async function login(req: OAuthLoginRequest, io: OAuthIO): Promise<number> {
  const style: Style = { color: useColor(io.stdout, io.env) }
  const errStyle: Style = { color: useColor(io.stderr, io.env) }
  const clientSecret = req.clientSecretEnv === null ? undefined : readEnvSecret('--client-secret-env', req.clientSecretEnv, io.env, COMMAND)
  const clientCertificate = req.clientCertificate && {
    certificatePem: readPem('--client-certificate', req.clientCertificate.certificate),
    privateKeyPem: readPem('--client-key-file', req.clientCertificate.key),
  }
  const [{ signIn }, { summarize }] = await Promise.all([import('../core/oauth/flows'), import('../core/oauth/sign-in')])
  const countdown = new Countdown(io.stderr, errStyle, io.tickMs)
  const say = (text: string) => {
    countdown.clear()
    io.stderr.write(text)
  }
  const interrupt = cancelOnInterrupt(io, () => say('\nmailprobe oauth: cancelling the sign-in (press Ctrl-C again to quit at once)\n'))
  let made: SignInSummary | null = null
  let failure: ClassifiedError | null = null
  let replaced = false
  let path = signInsPath(io)
  try {
    made = await withSignIns(
      io,
      async (store) => {
        path = store.path
        // Read first: a file Mailprobe will not use is said before anyone is asked to sign in.
        replaced = (await store.get(req.name)) !== null
        const fresh = await signIn(req.config, {
          name: req.name,
          signal: interrupt.signal,
          redactor: new Redactor([clientSecret, clientCertificate?.privateKeyPem].filter((s): s is string => s !== undefined)),
          ...(clientSecret !== undefined && { clientSecret }),
          ...(clientCertificate && { clientCertificate }),
          log: (line) => say(`${paint(`== ${sanitize(line)}`, SGR.dim, errStyle)}\n`),
          openBrowser: (url) => say(browserText(url, errStyle)),
          onCode: (code) => {
            say(deviceText(code, errStyle))
            countdown.start(code.expiresAt)
          },
        })
        countdown.stop()
        await store.save(fresh)
        return summarize(fresh)
      },
      (issue) => say(warning(issue)),
    )
  } catch (err) {
    if (!(err instanceof EngineError)) throw err
    failure = err.info
  } finally {
    countdown.stop()
    interrupt.dispose()
  }

  if (req.json) {
    const out: LoginJson = {
      ok: made !== null,
      name: req.name,
      provider: req.config.provider,
      flow: req.config.flow,
      account: made?.account ?? null,
      scopes: made ? [...made.scopes] : [],
      expiresAt: made?.expiresAt ?? null,
      error: failure,
    }
    io.stdout.write(formatJson(out, Boolean(io.stdout.isTTY)))
  }
  // Input the sign-in refused is bad usage (exit 2); with --json the object above still went out.
  if (failure?.code === 'INVALID_INPUT') throw usage(failure.message)
  if (!req.json) io.stdout.write(made ? signedInText(made, { path, replaced }, style) : `${paint(`FAILED ${failure!.code} — ${sanitize(failure!.message)}`, SGR.red + SGR.bold, style)}\n`)
  if (interrupt.signal.aborted) return INTERRUPTED
  return made ? 0 : 1
}

/** A damaged sign-ins file, set aside: said on stderr. */
function warning(issue: string): string {
  return `mailprobe oauth: warning: ${sanitize(issue)}\n`
}

function browserText(url: string, style: Style): string {
  return `\n  Open this address in a browser on this machine to sign in (nothing is opened for you):\n\n  ${paint(sanitize(url), SGR.bold, style)}\n\n  Waiting for the browser to come back; Ctrl-C cancels.\n\n`
}

/** The time of day an ISO time names, as "12:34:56 UTC". */
function timeOfDay(iso: string): string {
  return `${iso.slice(11, 19)} UTC`
}

function deviceText(code: DeviceCode, style: Style): string {
  const b = (t: string) => paint(sanitize(t), SGR.bold, style)
  const lines = ['', `  To sign in, open  ${b(code.verificationUri)}`, `  and enter the code  ${b(code.userCode)}`]
  if (code.verificationUriComplete) lines.push(`  (or open ${sanitize(code.verificationUriComplete)}, which has the code in it)`)
  lines.push(`  The code is valid for ${durationWords(Date.parse(code.expiresAt) - Date.now())}, until ${timeOfDay(code.expiresAt)}. Ctrl-C cancels.`, '', '')
  return lines.join('\n')
}

/** 65 s → "1:05". */
function minutesSeconds(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000))
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
}

/**
 * The device flow's countdown: on a terminal, one line rewritten every second until the sign-in
 * ends (cleared before anything else is written to stderr). Not a terminal: nothing (no line per
 * second in a log file); the code's expiry was printed with it.
 */
class Countdown {
  private timer: NodeJS.Timeout | null = null
  private shown = false

  constructor(
    private readonly out: OAuthIO['stderr'],
    private readonly style: Style,
    private readonly tickMs = 1000,
  ) {}

  start(until: string): void {
    if (!this.out.isTTY) return
    const end = Date.parse(until)
    const tick = () => {
      this.out.write(`\r\x1b[K${paint(`  waiting for the sign-in · ${minutesSeconds(end - Date.now())} left`, SGR.dim, this.style)}`)
      this.shown = true
    }
    tick()
    this.timer = setInterval(tick, this.tickMs)
    this.timer.unref()
  }

  clear(): void {
    if (!this.shown) return
    this.out.write('\r\x1b[K')
    this.shown = false
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    this.clear()
  }
}

/** "45 seconds", "59 minutes", "2 hours", "3 days". */
function durationWords(ms: number): string {
  const abs = Math.abs(ms)
  if (abs < 90_000) return plural(Math.round(abs / 1000), 'second')
  if (abs < 90 * 60_000) return plural(Math.round(abs / 60_000), 'minute')
  if (abs < 48 * 3_600_000) return plural(Math.round(abs / 3_600_000), 'hour')
  return plural(Math.round(abs / 86_400_000), 'day')
}

/** "in 59 minutes", "3 days ago". */
function relative(ms: number): string {
  return ms >= 0 ? `in ${durationWords(ms)}` : `${durationWords(ms)} ago`
}

/** When a sign-in's access token expires, and what happens then. */
export function expiryText(s: Pick<SignInSummary, 'expiresAt' | 'renewable' | 'flow'>, now = Date.now()): string {
  if (s.expiresAt === null) return 'not said by the server'
  const left = Date.parse(s.expiresAt) - now
  const then = s.renewable ? `renewed before a run (${s.flow === 'client-credentials' ? 'client secret' : 'refresh token'})` : 'no refresh token: sign in again then'
  return left > 0 ? `${s.expiresAt} (${relative(left)}); ${then}` : `${s.expiresAt} (expired ${relative(left)}); ${s.renewable ? 'renewed before the next run' : 'sign in again'}`
}

function signedInText(s: SignInSummary, where: { path: string; replaced: boolean }, style: Style): string {
  const rows: [string, string][] = [
    ['account', s.account ? sanitize(s.account) : '(none: the app signed in as itself; give send and verify the mailbox with --user)'],
    ['issuer', sanitize(s.issuer)],
    ['scopes', sanitize(s.scopes.join(' ')) || '(none named)'],
    ['expires', expiryText(s)],
    ['saved in', `${where.path} (readable by you only)${where.replaced ? `, replacing the sign-in “${s.name}” kept before` : ''}`],
  ]
  const who = s.account ? `signed in as ${sanitize(s.account)}` : 'the app signed in as itself'
  return `\n${rows.map(([k, v]) => `  ${k.padEnd(9)} ${v}`).join('\n')}\n\n${paint(`OK — ${who}; send and verify use it with --oauth ${s.name}`, SGR.green + SGR.bold, style)}\n`
}

// ── list and logout ────────────────────────────────────────────────────────

async function list(json: boolean, io: OAuthIO): Promise<number> {
  const style: Style = { color: useColor(io.stdout, io.env) }
  const { signIns, path } = await withSignIns(
    io,
    async (store) => ({ signIns: await store.list(), path: store.path }),
    (issue) => io.stderr.write(warning(issue)),
  )
  if (json) {
    io.stdout.write(formatJson(signIns, Boolean(io.stdout.isTTY)))
    return 0
  }
  if (!signIns.length) {
    io.stdout.write(`No saved sign-ins in ${path}.\nSign in with: mailprobe oauth login --name NAME --provider microsoft|google|generic --client-id ID\n`)
    return 0
  }
  io.stdout.write(`${formatSignInTable(signIns, style)}\n\nKept in ${path} (readable by you only); tokens are never shown.\n`)
  return 0
}

/** The sign-ins as a table: name, provider, flow, account, scopes, expiry. */
export function formatSignInTable(signIns: readonly SignInSummary[], style: Style, now = Date.now()): string {
  const head = ['name', 'provider', 'flow', 'account', 'scopes', 'expires']
  const rows = signIns.map((s) => [s.name, s.provider, s.flow, s.account ?? '(app)', s.scopes.join(' '), expiryText(s, now)].map(sanitize))
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()
  return [paint(fmt(head), SGR.bold, style), ...rows.map(fmt)].join('\n')
}

async function logout(name: string, io: OAuthIO): Promise<number> {
  const { removed, path, left } = await withSignIns(
    io,
    async (store) => {
      const removed = await store.delete(name)
      return { removed, path: store.path, left: removed ? [] : (await store.list()).map((s) => s.name) }
    },
    (issue) => io.stderr.write(warning(issue)),
  )
  if (removed) {
    io.stdout.write(`Signed out: the sign-in “${name}” and its tokens were removed from ${path}.\n`)
    return 0
  }
  io.stdout.write(`There is no saved sign-in named “${name}” in ${path}${left.length ? ` (there are: ${left.map(sanitize).join(', ')})` : ' (there are none)'}; nothing was removed.\n`)
  return 1
}

/** A PEM file named on the command line; one Mailprobe cannot read is bad usage (exit 2). */
function readPem(option: string, path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (err) {
    throw usage(`cannot read ${option} file ${quoteInput(path, 200)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`)
  }
}
