// `mailprobe api`: send through (or check a key with) a provider's HTTPS API. Self-contained: the
// dispatcher calls parseApiArgs(argv after the command word) and runApiCommand(request, io).
// Keys come from environment variables only, never argv. Nothing here loads zod or the engine
// at start-up: the engine is imported when the command runs.
import { readFileSync } from 'node:fs'
import type { ApiJobInput, ApiProvider } from '../../preload/contract'
import {
  ENV_NAME,
  NETWORK_OPTIONS,
  OUTPUT_OPTIONS,
  parseCommand,
  parseHeader,
  parseNetworkFlags,
  parseTimeout,
  parseVerbosity,
  messageToken,
  refuseSecretFlags,
  testMessage,
  UsageError,
  type ParseOptions,
  type Verbosity,
} from './args'
import { INBOX_OPTIONS, INBOX_SECRET_FLAG, INBOX_SECRET_IN_ARGV, inboxFlagsGiven, parseInboxFlags, type InboxRequest } from './inbox-args'
import { requireReadable, runJob, writeNotes } from './job'
import { internalError } from '../core/errors'
import { apiFailure } from '../core/http/result'
import { formatApiSummary, formatApiVerdict } from '../core/report/api'
import { Redactor } from '../core/transcript/redact'
import { quoteInput } from './print'
import { readEnvSecret, withProxyPassword } from './secrets'
import { helpHint, INBOX_HELP, INTERRUPT_HELP, networkHelp, VERBOSITY_HELP } from './usage'
export { formatApiSummary, formatApiVerdict } from '../core/report/api'

// Copies of the contract's lists (importing them would load zod at start-up); a unit test keeps them equal.
export const API_PROVIDER_NAMES = ['mailgun', 'sendgrid', 'postmark', 'ses', 'resend', 'mailjet', 'sparkpost', 'brevo', 'generic'] as const satisfies readonly ApiProvider[]
export const API_REGION_NAMES: Partial<Record<ApiProvider, readonly string[]>> = { mailgun: ['us', 'eu'], sendgrid: ['global', 'eu'], sparkpost: ['us', 'eu'] }
const GENERIC_METHOD_NAMES = ['GET', 'POST', 'PUT', 'PATCH'] as const
const GENERIC_AUTH_NAMES = ['bearer', 'basic', 'header', 'none'] as const

export const API_HELP = `Usage: mailprobe api --provider P --key-env VAR [options] --from ADDR --to ADDR
       mailprobe api --provider P --key-env VAR --verify [options]

Sends one message through a provider's HTTPS API (or, with --verify, checks the key and sends
nothing), printing the request and response as they happen (-> request, <- response, ~~ TLS,
== info, ** error; keys shown as [redacted]), then the phase timings (dns, connect, tls, send,
wait, download), the round trips and the verdict.

Provider:
  --provider P             mailgun | sendgrid | postmark | ses | resend | mailjet | sparkpost | brevo | generic
  --key-env VAR            read the API key from environment variable VAR (SES: the access key id)
  --secret-env VAR         the second half where there is one: Mailjet's secret key, SES's secret
                           access key (generic: the password for --auth basic)
  --session-token-env VAR  SES temporary credentials' session token
  --domain D               Mailgun sending domain (required for Mailgun)
  --region R               mailgun us|eu · sendgrid global|eu · sparkpost us|eu · ses an AWS region
                           (default us-east-1)
  --base-url URL           replace the provider's scheme, host and port (proxies, tests); the
                           documented path is appended
  --sandbox                the provider's no-delivery mode: Mailgun o:testmode (still billed),
                           SendGrid sandbox_mode (200, free), Mailjet SandboxMode, SparkPost sandbox
                           (5 per account lifetime), Brevo X-Sib-Sandbox: drop. Postmark, SES and
                           Resend have no switch: --sandbox then requires their test recipients
                           (POSTMARK_API_TEST or bounce-testing.postmarkapp.com, success@simulator.
                           amazonses.com, delivered@resend.dev) and refuses anything else
  --verify                 check the key only (Postmark GET /server, SES GetAccount, Brevo GET
                           /v3/account, SendGrid GET /v3/scopes, Mailgun GET /v3/domains/D, Resend
                           GET /domains, Mailjet GET /v3/REST/apikey, SparkPost GET /api/v1/account)
Message (send):
  --from ADDR              sender (required)
  --to ADDR                recipient; repeat for more (at least one of --to/--cc/--bcc)
  --cc ADDR, --bcc ADDR    more recipients
  --subject S              subject (default: "Mailprobe test <token> <time>")
  --text T, --html H       bodies (default text: a line naming Mailprobe and the token)
  --attach FILE            attach a file; repeat for more
Generic endpoint (--provider generic):
  --url URL                the endpoint (required); --base-url replaces its scheme, host and port
  --method M               GET | POST | PUT | PATCH (default POST)
  --header "Name: value"   request header; repeat for more ({{key}} and {{secret}} are filled in)
  --auth A                 bearer | basic | header | none (default bearer)
  --auth-header NAME       the header carrying the key for --auth header (e.g. X-Api-Key)
  --body-template FILE     the body with {{from}} {{to}} {{cc}} {{bcc}} {{subject}} {{text}} {{html}}
                           (lists comma-joined; "{{to[]}}" alone becomes an array)
  --body-format F          json | form (default json)
${INBOX_HELP.replace('once the message is accepted', 'once the provider accepts the message')}
TLS (verified by default):
  --ca FILE                trust the CA certificate(s) in this PEM file
  --servername NAME        the name the certificate must match (default: the URL's host)
  --insecure               do not verify the certificate (every result then carries a warning)
${networkHelp()}
Output:
  --timeout MS             connect timeout, and the most each part of the answer may take (ms)
  --json                   print one JSON object (the full result) instead of the transcript
                           (-v and -q do not change it)
${VERBOSITY_HELP}
  -h, --help               this help

Keys are never taken from the command line (--key, --api-key … are refused): export them and
name the variable, e.g.  MG_KEY=… mailprobe api --provider mailgun --key-env MG_KEY \\
  --domain mg.example.com --from me@mg.example.com --to you@example.net --sandbox

${INTERRUPT_HELP}
Exit status: 0 the test succeeded (with --await-inbox: the message was seen, in Inbox or Junk),
1 it ran and failed (the error code says why; or the message was not seen in time), 2 bad usage,
130 interrupted (Ctrl-C).
`

export const KEY_IN_ARGV =
  'API keys and secrets are never accepted on the command line (other users can read them in the process list, and they stay in shell history): ' +
  'put the key in an environment variable and name it with --key-env VAR (and --secret-env VAR for the second half)'

const OPTIONS = {
  provider: { type: 'string' },
  'key-env': { type: 'string' },
  'secret-env': { type: 'string' },
  'session-token-env': { type: 'string' },
  domain: { type: 'string' },
  region: { type: 'string' },
  'base-url': { type: 'string' },
  ca: { type: 'string' },
  servername: { type: 'string' },
  insecure: { type: 'boolean' },
  sandbox: { type: 'boolean' },
  verify: { type: 'boolean' },
  from: { type: 'string' },
  to: { type: 'string', multiple: true },
  cc: { type: 'string', multiple: true },
  bcc: { type: 'string', multiple: true },
  subject: { type: 'string' },
  text: { type: 'string' },
  html: { type: 'string' },
  attach: { type: 'string', multiple: true },
  url: { type: 'string' },
  method: { type: 'string' },
  header: { type: 'string', multiple: true },
  auth: { type: 'string' },
  'auth-header': { type: 'string' },
  'body-template': { type: 'string' },
  'body-format': { type: 'string' },
  timeout: { type: 'string' },
  ...INBOX_OPTIONS,
  ...NETWORK_OPTIONS,
  ...OUTPUT_OPTIONS,
} as const

const MESSAGE_FLAGS = ['from', 'to', 'cc', 'bcc', 'subject', 'text', 'html', 'attach'] as const
const GENERIC_FLAGS = ['url', 'method', 'header', 'auth', 'auth-header', 'body-template', 'body-format'] as const

/** Option names under which people try to pass a key or secret. */
const SECRET_FLAG =
  /^--?(key|api-key|apikey|api_key|secret|secret-key|secret-access-key|access-key|access-key-id|session-token|token|server-token|password|pass|passwd|pwd|private-key|auth-token|bearer)$/i

export interface ApiRunRequest {
  action: 'run'
  json: boolean
  verbosity: Verbosity
  /** The engine input without credentials (and without the body template, read at run time). */
  job: Omit<ApiJobInput, 'credentials'>
  keyEnv: string
  secretEnv: string | null
  sessionTokenEnv: string | null
  /** --proxy-password-env VAR: the proxy password is read from it when the run starts. */
  proxyPasswordEnv: string | null
  /** --body-template FILE, read when the command runs. */
  bodyTemplateFile: string | null
  /** --await-inbox URL …: the mailbox to watch for the message once the provider accepted it (its secret read when the run starts). */
  inbox: InboxRequest | null
  /** Files the run must be able to read, checked before anything is sent. */
  files: { option: string; path: string }[]
  /** Said on stderr before the run (e.g. options --verify ignores). */
  notes: string[]
}

export type ApiCliRequest = { action: 'help' } | ApiRunRequest

/**
 * Parses the arguments after `mailprobe api` (a leading "api" is tolerated). Pure: no I/O, no
 * secrets. Throws UsageError (exit status 2) for bad usage, before anything else for a key in argv.
 */
export function parseApiArgs(argv: readonly string[], opts: ParseOptions = {}): ApiCliRequest {
  const args = argv[0] === 'api' ? argv.slice(1) : argv
  refuseSecretFlags(args, { flag: INBOX_SECRET_FLAG, message: INBOX_SECRET_IN_ARGV, stdinValue: false }, 'api')
  const parsed = parseCommand(args, OPTIONS, { command: 'api', refuseSecrets: { flag: SECRET_FLAG, message: KEY_IN_ARGV } })
  if (parsed === 'help') return { action: 'help' }
  const { values: v, positionals } = parsed
  const fail = (message: string): never => {
    throw new UsageError(message, 'api')
  }
  // Not echoed: a stray word is as likely to be a key as a typo.
  if (positionals.length)
    fail(`unexpected argument (${positionals.length === 1 ? 'one word' : `${positionals.length} words`} not attached to an option); every value follows its option. Keys go in --key-env VAR`)

  const provider = (v.provider ?? fail(`--provider is required: ${API_PROVIDER_NAMES.join(', ')}`)) as string
  if (!(API_PROVIDER_NAMES as readonly string[]).includes(provider)) fail(`--provider must be one of ${API_PROVIDER_NAMES.join(', ')} (got ${quoteInput(provider)})`)
  const p = provider as ApiProvider
  const notes: string[] = []
  const files: ApiRunRequest['files'] = []

  const envName = (option: string, value: string | undefined): string | null => {
    if (value === undefined) return null
    if (!ENV_NAME.test(value)) fail(`${option} takes the NAME of an environment variable (letters, digits and _), never the key itself`)
    return value
  }
  const keyEnv = envName('--key-env', v['key-env']) ?? fail('--key-env VAR is required: the environment variable holding the API key')
  const secretEnv = envName('--secret-env', v['secret-env'])
  const sessionTokenEnv = envName('--session-token-env', v['session-token-env'])
  if ((p === 'mailjet' || p === 'ses') && !secretEnv)
    fail(p === 'mailjet' ? 'Mailjet needs --secret-env VAR as well (the secret key)' : 'SES needs --secret-env VAR as well (the secret access key; --key-env names the access key id)')
  if (sessionTokenEnv && p !== 'ses') fail('--session-token-env is for --provider ses only')

  const action = v.verify ? 'verify' : 'send'
  if (v.verify && v.sandbox) fail('--verify sends nothing, so --sandbox does not apply; use one or the other')
  if (p === 'mailgun' && !v.domain) fail('Mailgun needs --domain D (the sending domain)')
  if (v.domain !== undefined && p !== 'mailgun') notes.push(`--domain is used by Mailgun only; ignoring it for ${p}`)

  const job: Omit<ApiJobInput, 'credentials'> = { provider: p, action }
  if (p === 'mailgun') job.domain = v.domain
  if (v.region !== undefined) {
    const allowed = API_REGION_NAMES[p]
    if (allowed && !allowed.includes(v.region)) fail(`--region for ${p} must be one of ${allowed.join(', ')} (got ${quoteInput(v.region)})`)
    if (!allowed && p !== 'ses') fail(`${p} has no regions; use --base-url to change the host`)
    job.region = v.region
  }
  if (v['base-url'] !== undefined) job.baseUrl = v['base-url']
  if (v.sandbox) job.sandbox = true
  if (v.ca !== undefined || v.insecure || v.servername !== undefined) {
    job.tls = { ...(v.ca !== undefined && { caFile: v.ca }), ...(v.servername !== undefined && { servername: v.servername }), insecure: v.insecure ?? false }
    if (v.ca !== undefined) files.push({ option: '--ca', path: v.ca })
  }
  if (v.timeout !== undefined) {
    const ms = parseTimeout(v.timeout, fail)
    job.timeouts = { connectMs: ms, socketMs: ms }
  }
  const { network, proxyPasswordEnv } = parseNetworkFlags(v, 'api')
  if (network) job.network = network
  const verbosity = parseVerbosity(v, 'api')

  let bodyTemplateFile: string | null = null
  const genericGiven = GENERIC_FLAGS.filter((f) => v[f] !== undefined)
  if (p === 'generic') {
    if (v.verify) fail('the generic provider has no key check (--verify); send to a test endpoint instead')
    if (v.sandbox) fail('the generic provider has no sandbox switch; put the endpoint’s test flag in --body-template')
    const url = v.url ?? fail('--provider generic needs --url URL')
    const method = (v.method ?? 'POST').toUpperCase()
    if (!(GENERIC_METHOD_NAMES as readonly string[]).includes(method)) fail(`--method must be one of ${GENERIC_METHOD_NAMES.join(', ')}`)
    const auth = v.auth ?? 'bearer'
    if (!(GENERIC_AUTH_NAMES as readonly string[]).includes(auth)) fail(`--auth must be one of ${GENERIC_AUTH_NAMES.join(', ')}`)
    if (auth === 'header' && !v['auth-header']) fail('--auth header needs --auth-header NAME (e.g. X-Api-Key)')
    const format = v['body-format'] ?? 'json'
    if (format !== 'json' && format !== 'form') fail('--body-format must be json or form')
    job.generic = {
      url,
      method: method as (typeof GENERIC_METHOD_NAMES)[number],
      auth: auth as (typeof GENERIC_AUTH_NAMES)[number],
      ...(v['auth-header'] !== undefined && { authHeader: v['auth-header'] }),
      headers: (v.header ?? []).map((h) => parseHeader(h, fail)),
      bodyFormat: format as 'json' | 'form',
    }
    if (v['body-template'] !== undefined) {
      bodyTemplateFile = v['body-template']
      files.push({ option: '--body-template', path: bodyTemplateFile })
    }
  } else if (genericGiven.length) fail(`${genericGiven.map((f) => `--${f}`).join(', ')} ${genericGiven.length === 1 ? 'is' : 'are'} for --provider generic only`)

  const messageGiven = MESSAGE_FLAGS.filter((f) => v[f] !== undefined)
  const inboxGiven = inboxFlagsGiven(v)
  let inbox: InboxRequest | null = null
  if (action === 'verify') {
    if (inboxGiven.length) fail(`${inboxGiven[0]} needs a message that is sent: --verify sends none`)
    if (messageGiven.length) notes.push(`--verify sends nothing: ignoring ${messageGiven.map((f) => `--${f}`).join(', ')}`)
  } else {
    // The provider's no-delivery mode delivers nothing to wait for.
    if (inboxGiven.length && v.sandbox) fail('--sandbox delivers nothing, so there is no message to watch for: leave --sandbox out to prove delivery with --await-inbox')
    const from = v.from ?? fail('--from ADDR is required')
    const recipients = (v.to?.length ?? 0) + (v.cc?.length ?? 0) + (v.bcc?.length ?? 0)
    if (!recipients) fail('at least one recipient is required: --to ADDR (or --cc / --bcc)')
    const token = messageToken(opts)
    job.message = testMessage(from, v, { ...opts, token })
    for (const path of v.attach ?? []) files.push({ option: '--attach', path })
    inbox = parseInboxFlags(v, token, fail)
    if (inbox?.delivery.tls?.caFile !== undefined) files.push({ option: '--inbox-ca', path: inbox.delivery.tls.caFile })
  }
  return { action: 'run', json: v.json ?? false, verbosity, job, keyEnv, secretEnv, sessionTokenEnv, proxyPasswordEnv, bodyTemplateFile, inbox, files, notes }
}

export interface ApiIO {
  stdout: { write(text: string): unknown; isTTY?: boolean }
  stderr: { write(text: string): unknown }
  env: NodeJS.ProcessEnv
  /** Where SIGINT is heard (the process in real use); omit in tests. */
  signals?: Pick<NodeJS.Process, 'on' | 'off'>
}

/**
 * Runs a parsed `mailprobe api` request and returns the exit status: 0 the test succeeded, 1 it
 * ran and failed, 2 bad usage, 130 Ctrl-C cancelled it. Never throws: usage problems are printed on stderr (exit 2).
 */
export async function runApiCommand(req: ApiCliRequest, io: ApiIO): Promise<number> {
  if (req.action === 'help') {
    io.stdout.write(API_HELP)
    return 0
  }
  try {
    return await run(req, io)
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`mailprobe api: ${err.message}\n${helpHint('api')}\n`)
      return 2
    }
    io.stderr.write(`mailprobe api: internal error: ${err instanceof Error ? err.message : String(err)}\n`)
    return 1
  }
}

async function run(req: ApiRunRequest, io: ApiIO): Promise<number> {
  writeNotes(io, 'api', req.notes, req.verbosity)
  requireReadable(req.files, 'api')
  // The variables' names are not echoed: by mistake one might be a key.
  const read = (option: string, name: string | null): string | undefined => (name === null ? undefined : readEnvSecret(option, name, io.env, 'api'))
  const key = read('--key-env', req.keyEnv)!
  const secret = read('--secret-env', req.secretEnv)
  const sessionToken = read('--session-token-env', req.sessionTokenEnv)
  const network = withProxyPassword(req.job.network, req.proxyPasswordEnv, io.env, 'api')
  // Only for --await-inbox: its password (or saved sign-in) and the watch's own modules.
  const inboxRun = req.inbox ? await import('./inbox-run') : null
  const inboxPassword = req.inbox && inboxRun ? inboxRun.readInboxPassword(req.inbox, io.env, 'api') : null
  const job: ApiJobInput = { ...req.job, ...(network && { network }), credentials: { key, ...(secret && { secret }), ...(sessionToken && { sessionToken }) } }
  if (req.bodyTemplateFile && job.generic) job.generic = { ...job.generic, bodyTemplate: readFileSync(req.bodyTemplateFile, 'utf8') }
  const action = req.job.action ?? 'send'

  return runJob(io, {
    command: 'api',
    json: req.json,
    verbosity: req.verbosity,
    start: async (opts) => {
      try {
        const { runApi } = await import('../core/http/index')
        if (req.inbox && inboxRun) {
          const { withInbox, failApiJob } = inboxRun
          return await withInbox(
            req.inbox,
            inboxPassword,
            io,
            opts,
            (delivery, preface) => runApi({ ...job, delivery }, { ...opts, preface }),
            (error, _preface, jobId, sink) => failApiJob(jobId, sink, error, req.job.provider, action),
          )
        }
        return await runApi(job, opts)
      } catch (err) {
        // The engine promises never to throw; if it does anyway, the result is still a whole one, from the engine's own failure builder.
        const error = internalError(err)
        error.message = new Redactor([key, secret, sessionToken, network?.proxy?.password, inboxPassword].filter((s): s is string => Boolean(s))).redact(error.message)
        return apiFailure(error, { provider: req.job.provider, action })
      }
    },
    summary: (result, style) => formatApiSummary(result, style, { details: req.verbosity === 'verbose' }),
    verdict: formatApiVerdict,
  })
}
