import * as z from 'zod'
import type { ApiResult } from './http'
import type { ClassifiedError } from './errors'
import { ClassifiedErrorSchema, ERROR_CODES } from './errors'
import type { CompareResult } from './lab'
import type { DomainResult } from './domain'
import type { ProbeResult } from './probe'
import type { SmtpResult } from './smtp'

// Checks as code (mailprobe.checks.yaml / .json): named checks, each one engine run with the CLI
// command's options (the flags in camelCase) and the assertions that must hold. Secrets are only
// ever named: an environment variable's name (passwordEnv, keyEnv …), never the value. Every
// object is strict: a misspelt field is an error, not a silently ignored line. The JSON Schema in
// schema/mailprobe.checks.schema.json is generated from these schemas (npm run schema).

export const CHECK_KINDS = ['probe', 'verify', 'send', 'api', 'compare', 'domain', 'deliver'] as const
export type CheckKind = (typeof CHECK_KINDS)[number]

export const CHECK_STATUSES = ['pass', 'fail', 'error', 'skipped'] as const
export type CheckStatus = (typeof CHECK_STATUSES)[number]

export const CHECK_FILE_NAMES = ['mailprobe.checks.yaml', 'mailprobe.checks.yml', 'mailprobe.checks.json'] as const
export const CHECK_CONCURRENCY_DEFAULT = 4
export const CHECK_CONCURRENCY_MAX = 16

/** An environment variable's name, as every *Env field takes it (the CLI's ENV_NAME). */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/
const envName = (what: string) =>
  z
    .string()
    .regex(ENV_NAME, `takes the NAME of an environment variable holding the ${what} (letters, digits and _), never the ${what} itself`)
    .meta({ description: `The name of the environment variable holding the ${what}.` })

/** A field where a secret itself was written: always refused, with the field to use instead. */
const inlineSecret = (envField: string) =>
  z
    .never({ error: `secrets are never written in a check file: put it in an environment variable and name the variable with ${envField}` })
    .optional()
    .meta({ description: `Refused: name an environment variable with ${envField} instead.` })

const text = (max = 1000) => z.string().min(1, 'is empty').max(max, `is longer than ${max} characters`)
const list = (max = 50) => z.array(text()).max(max, `takes at most ${max} values`)
const port = z.number().int('must be a whole number').min(1, 'must be 1–65535').max(65535, 'must be 1–65535')
const ms = z.number().int('must be a whole number of milliseconds').positive('must be more than 0')

/** --proxy, --proxy-password-env, --ipv4, --ipv6, --local-address (every command that connects). */
const networkFields = {
  proxy: text().meta({ description: 'Proxy URL: socks5://USER@host:port or http://host:port (the password only via proxyPasswordEnv).' }),
  proxyPasswordEnv: envName('proxy password'),
  proxyPassword: inlineSecret('proxyPasswordEnv'),
  ipv4: z.boolean(),
  ipv6: z.boolean(),
  localAddress: text(64),
}

const tlsFields = {
  ca: text().meta({ description: 'A PEM file of CA certificates to trust (relative to the check file).' }),
  insecure: z.boolean(),
  servername: text(253),
}

/** Inline secrets people write in an SMTP check (refused, with the *Env field to use). */
const smtpSecretTraps = {
  password: inlineSecret('passwordEnv'),
  pass: inlineSecret('passwordEnv'),
  token: inlineSecret('tokenEnv'),
  accessToken: inlineSecret('tokenEnv'),
  secret: inlineSecret('passwordEnv'),
}

/** mailprobe verify's flags. */
const verifyFields = {
  host: text(253),
  port,
  security: z.enum(['none', 'starttls', 'tls', 'auto']),
  user: text(),
  passwordEnv: envName('password'),
  tokenEnv: envName('OAuth2 access token'),
  auth: z.enum(['auto', 'plain', 'login', 'cram-md5', 'xoauth2', 'oauthbearer']),
  ...tlsFields,
  ehlo: text(253),
  timeout: ms,
  showUsername: z.boolean(),
  ...networkFields,
  ...smtpSecretTraps,
}

const messageFields = {
  from: text(),
  to: list(),
  cc: list(),
  bcc: list(),
  subject: text(),
  text: text(100_000),
  html: text(100_000),
  attach: list(20).meta({ description: 'Files to attach (relative to the check file).' }),
  header: list(50).meta({ description: 'Headers as "Name: value".' }),
}

const dkimFields = {
  dkimDomain: text(253),
  dkimSelector: text(63),
  dkimKeyFile: text(),
  dkimKeyEnv: envName('DKIM private key (PEM)'),
  dkimKey: inlineSecret('dkimKeyEnv (or dkimKeyFile)'),
  dkimPrivateKey: inlineSecret('dkimKeyEnv (or dkimKeyFile)'),
}

/** --await-inbox and its companions (deliver, api). */
const inboxFields = {
  awaitInbox: text().meta({ description: 'The mailbox to watch: imaps://USER@HOST[:PORT] (no password in it).' }),
  inboxPasswordEnv: envName('mailbox password'),
  inboxPassword: inlineSecret('inboxPasswordEnv'),
  inboxTimeout: z.number().min(0.5).max(3600).meta({ description: 'Seconds to wait for the message (default 120).' }),
  inboxFolder: list(20),
  inboxDelete: z.boolean(),
  inboxCa: text(),
  inboxDns: list(4),
}

/** mailprobe send's flags (no --password-stdin: a pipeline names variables). */
const sendFields = {
  ...verifyFields,
  stopAfter: z.enum(['connect', 'banner', 'ehlo', 'tls', 'auth', 'mail', 'rcpt', 'send']),
  ...messageFields,
  ...dkimFields,
}

// A command's options: all optional but the few it cannot run without, unknown ones refused.

const { stopAfter: _stopAfter, ...deliverSendFields } = sendFields

export const verifyCheckOptionsSchema = z.object(verifyFields).partial().required({ host: true }).strict()
export const sendCheckOptionsSchema = z.object(sendFields).partial().required({ host: true }).strict()
/** deliver = send + --await-inbox (which must be given). */
export const deliverCheckOptionsSchema = z
  .object({ ...deliverSendFields, ...inboxFields })
  .partial()
  .required({ host: true, awaitInbox: true, inboxPasswordEnv: true })
  .strict()

export const probeCheckOptionsSchema = z
  .object({
    host: text(253),
    ports: z.array(port).min(1).max(20),
    timeout: ms,
    ...tlsFields,
    mx: z.boolean(),
    ...networkFields,
  })
  .partial()
  .required({ host: true })
  .strict()

export const apiCheckOptionsSchema = z
  .object({
    provider: z.enum(['mailgun', 'sendgrid', 'postmark', 'ses', 'resend', 'mailjet', 'sparkpost', 'brevo', 'generic']),
    keyEnv: envName('API key'),
    secretEnv: envName('second API secret'),
    sessionTokenEnv: envName('session token'),
    key: inlineSecret('keyEnv'),
    apiKey: inlineSecret('keyEnv'),
    secret: inlineSecret('secretEnv'),
    secretKey: inlineSecret('secretEnv'),
    sessionToken: inlineSecret('sessionTokenEnv'),
    token: inlineSecret('keyEnv'),
    password: inlineSecret('keyEnv (or secretEnv)'),
    domain: text(253),
    region: text(32),
    baseUrl: text(),
    ...tlsFields,
    sandbox: z.boolean(),
    verify: z.boolean(),
    ...messageFields,
    url: text(),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH']),
    auth: z.enum(['bearer', 'basic', 'header', 'none']),
    authHeader: text(100),
    bodyTemplate: text().meta({ description: 'A body template file (relative to the check file).' }),
    bodyFormat: z.enum(['json', 'form']),
    timeout: ms,
    ...inboxFields,
    ...networkFields,
  })
  .partial()
  .required({ provider: true, keyEnv: true })
  .strict()

export const compareCheckOptionsSchema = z
  .object({
    profiles: text().meta({ description: 'A profiles file in the app’s export format (relative to the check file); secrets by the variables it names.' }),
    profile: z.array(text(64)).min(2).max(4).meta({ description: 'The profiles of that file to compare, by name (2 to 4).' }),
    runs: z.number().int().min(1).max(200),
    mode: z.enum(['cold', 'warm']),
    action: z.enum(['send', 'verify']),
    concurrency: z.number().int().min(1).max(8),
    from: text(),
    to: list(),
    subject: text(),
    ...networkFields,
  })
  .partial()
  .required({ profiles: true, profile: true })
  .strict()

export const domainCheckOptionsSchema = z
  .object({
    domain: text(253),
    provider: text(32),
    relay: text(253),
    dkimSelector: list(10),
    sendingIp: list(20),
    dnsServer: list(4),
    timeout: ms,
    noProbe: z.boolean(),
    mxPort: port,
    ca: tlsFields.ca,
    ...networkFields,
  })
  .partial()
  .required({ domain: true })
  .strict()

/** Which CLI command's options a kind takes (deliver is send with --await-inbox). */
export const CHECK_OPTION_SCHEMAS = {
  probe: probeCheckOptionsSchema,
  verify: verifyCheckOptionsSchema,
  send: sendCheckOptionsSchema,
  api: apiCheckOptionsSchema,
  compare: compareCheckOptionsSchema,
  domain: domainCheckOptionsSchema,
  deliver: deliverCheckOptionsSchema,
} as const

export type ProbeCheckOptions = z.infer<typeof probeCheckOptionsSchema>
export type VerifyCheckOptions = z.infer<typeof verifyCheckOptionsSchema>
export type SendCheckOptions = z.infer<typeof sendCheckOptionsSchema>
export type ApiCheckOptions = z.infer<typeof apiCheckOptionsSchema>
export type CompareCheckOptions = z.infer<typeof compareCheckOptionsSchema>
export type DomainCheckOptions = z.infer<typeof domainCheckOptionsSchema>
export type DeliverCheckOptions = z.infer<typeof deliverCheckOptionsSchema>
export type CheckOptions = { [K in CheckKind]: z.infer<(typeof CHECK_OPTION_SCHEMAS)[K]> }

export const TLS_VERSIONS = ['1.0', '1.1', '1.2', '1.3'] as const
export const DMARC_POLICIES = ['none', 'quarantine', 'reject'] as const
export const SPF_STATUSES = ['pass', 'warn', 'fail'] as const

/** Each assertion, the kinds it applies to (a check of another kind refusing it), and what it says. */
export const CHECK_ASSERTIONS = {
  maxMs: { kinds: CHECK_KINDS, about: 'the run’s total time (ms) is at most this' },
  p95Ms: { kinds: ['compare'], about: 'every profile’s p95 time to acceptance (ms) is at most this' },
  roundTripsMax: { kinds: ['verify', 'send', 'deliver', 'api', 'compare'], about: 'round trips at most this (compare: each profile’s median)' },
  tlsMin: { kinds: ['verify', 'send', 'deliver', 'api', 'probe'], about: 'TLS at least this version (probe: every port that speaks TLS)' },
  certDaysLeftMin: { kinds: ['verify', 'send', 'deliver', 'api', 'probe'], about: 'the certificate is valid for at least this many more days (probe: every port’s)' },
  authMechanismsInclude: { kinds: ['verify', 'send', 'deliver', 'probe'], about: 'the server offers these AUTH mechanisms (probe: on some port)' },
  portsOpen: { kinds: ['probe'], about: 'these ports are open' },
  recommendation: { kinds: ['probe'], about: 'the probe recommends this port and/or security' },
  delivered: { kinds: ['deliver', 'api'], about: 'the message was (true) or was not (false) seen in the mailbox' },
  folder: { kinds: ['deliver', 'api'], about: 'the message was seen in the Inbox or in Junk' },
  withinS: { kinds: ['deliver', 'api'], about: 'the message was seen within this many seconds of the send' },
  spf: { kinds: ['domain'], about: 'the SPF check is at least this good (pass > warn > fail)' },
  dmarcPolicyMin: { kinds: ['domain'], about: 'the published DMARC policy is at least this strict (none < quarantine < reject)' },
  errorCode: { kinds: CHECK_KINDS, about: 'the run must FAIL with this error code (e.g. RECIPIENT_REJECTED for a relay that must refuse)' },
} as const satisfies Record<string, { kinds: readonly CheckKind[]; about: string }>
export type CheckAssertion = keyof typeof CHECK_ASSERTIONS

const about = (a: CheckAssertion) => ({ description: `${CHECK_ASSERTIONS[a].about}. Applies to: ${CHECK_ASSERTIONS[a].kinds.join(', ')}.` })

export const checkExpectSchema = z
  .object({
    maxMs: z.number().positive().meta(about('maxMs')),
    p95Ms: z.number().positive().meta(about('p95Ms')),
    roundTripsMax: z.number().int().nonnegative().meta(about('roundTripsMax')),
    tlsMin: z.enum(TLS_VERSIONS, { error: 'is a TLS version as text: "1.2" or "1.3" (quote it in YAML)' }).meta(about('tlsMin')),
    certDaysLeftMin: z.number().nonnegative().meta(about('certDaysLeftMin')),
    authMechanismsInclude: z.array(text(40)).min(1).max(10).meta(about('authMechanismsInclude')),
    portsOpen: z.array(port).min(1).max(20).meta(about('portsOpen')),
    recommendation: z
      .object({ port: port.optional(), security: z.enum(['tls', 'starttls', 'none']).optional() })
      .strict()
      .refine((r) => r.port !== undefined || r.security !== undefined, 'names a port, a security (tls, starttls, none) or both')
      .meta(about('recommendation')),
    delivered: z.boolean().meta(about('delivered')),
    folder: z.enum(['inbox', 'junk']).meta(about('folder')),
    withinS: z.number().positive().meta(about('withinS')),
    spf: z.enum(SPF_STATUSES).meta(about('spf')),
    dmarcPolicyMin: z.enum(DMARC_POLICIES).meta(about('dmarcPolicyMin')),
    errorCode: z.enum(ERROR_CODES).meta(about('errorCode')),
  })
  .partial()
  .strict()
export type CheckExpect = z.infer<typeof checkExpectSchema>

const checkShape = {
  name: text(200).refine((s) => !/[\r\n\0]/.test(s), 'contains a line break'),
  probe: probeCheckOptionsSchema,
  verify: verifyCheckOptionsSchema,
  send: sendCheckOptionsSchema,
  api: apiCheckOptionsSchema,
  compare: compareCheckOptionsSchema,
  domain: domainCheckOptionsSchema,
  deliver: deliverCheckOptionsSchema,
  expect: checkExpectSchema,
}

/** The kind of a (valid) check: the one kind field it has. */
export function checkKindOf(check: CheckSpec): CheckKind {
  return CHECK_KINDS.find((k) => check[k] !== undefined)!
}

/**
 * One check: `name`, exactly one kind (`verify: {…}`, `probe: {…}` …) with that command's options,
 * and `expect` (optional: without it the run must succeed). Which assertions apply to which kind is
 * checked here, so an assertion that can never be evaluated is an error in the file.
 */
export const checkSpecSchema = z
  .object(checkShape)
  .partial()
  .required({ name: true })
  .strict()
  .superRefine((check, ctx) => {
    const kinds = CHECK_KINDS.filter((k) => check[k] !== undefined)
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: kinds.length ? [kinds[1]!] : [],
        message: kinds.length
          ? `a check runs one thing: it has ${kinds.join(' and ')}; split it into ${kinds.length} checks`
          : `a check needs one of ${CHECK_KINDS.join(', ')} with that command's options`,
      })
      return
    }
    const kind = kinds[0]!
    for (const key of Object.keys(check.expect ?? {}) as CheckAssertion[]) {
      const kindsOf: readonly CheckKind[] = CHECK_ASSERTIONS[key].kinds
      if (!kindsOf.includes(kind)) ctx.addIssue({ code: 'custom', path: ['expect', key], message: `does not apply to a ${kind} check (it applies to ${kindsOf.join(', ')})` })
    }
    if (kind === 'api' && check.expect && ['delivered', 'folder', 'withinS'].some((k) => k in check.expect!) && check.api?.awaitInbox === undefined)
      ctx.addIssue({ code: 'custom', path: ['expect'], message: 'delivered, folder and withinS need a mailbox to watch: add awaitInbox (and inboxPasswordEnv) to the api options' })
    if (check.expect?.errorCode !== undefined && Object.keys(check.expect).some((k) => k !== 'errorCode' && k !== 'maxMs'))
      ctx.addIssue({ code: 'custom', path: ['expect', 'errorCode'], message: 'a check that must fail (errorCode) takes no other assertion than maxMs' })
  })
export type CheckSpec = z.infer<typeof checkSpecSchema>

export const checkFileSchema = z
  .object({
    $schema: z.string().optional().meta({ description: 'The JSON Schema this file follows (for editors).' }),
    checks: z.array(checkSpecSchema).min(1, 'lists no checks').max(500, 'lists more than 500 checks'),
  })
  .strict()
  .superRefine((file, ctx) => {
    const seen = new Set<string>()
    file.checks.forEach((c, i) => {
      if (seen.has(c.name)) ctx.addIssue({ code: 'custom', path: ['checks', i, 'name'], message: `two checks are named "${c.name}" (names pick checks with --only)` })
      seen.add(c.name)
    })
  })
  .meta({
    title: 'Mailprobe checks',
    description: 'Mail checks for a deployment pipeline: `mailprobe check mailprobe.checks.yaml`. Secrets are named by environment variable (passwordEnv, keyEnv …), never written here.',
  })
export type CheckFile = z.infer<typeof checkFileSchema>

/** The JSON Schema of a check file (published as schema/mailprobe.checks.schema.json). */
export function checkFileJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(checkFileSchema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>
}

// ——— The report ———

/** An assertion that did not hold: expected and actual as text ("≥ 21 days", "9 days"). */
export const CheckFailureSchema = z.object({ assertion: z.string(), expected: z.string(), actual: z.string(), message: z.string() })
export type CheckFailure = z.infer<typeof CheckFailureSchema>

export type CheckEngineResult = SmtpResult | ApiResult | ProbeResult | DomainResult | CompareResult

/**
 * One check's outcome. `pass`: ran and every assertion held; `fail`: an assertion did not hold (or
 * the run failed when it had to succeed, or succeeded when it had to fail); `error`: the check
 * could not be run as written (a variable unset, a file unreadable, options the command refuses);
 * `skipped`: not run (cancelled before it started). `figure`: the number that mattered, as text.
 */
export interface CheckOutcome {
  name: string
  kind: CheckKind
  status: CheckStatus
  durationMs: number
  figure: string
  failures: CheckFailure[]
  error: ClassifiedError | null
  result: CheckEngineResult | null
}

export const CheckOutcomeSchema = z.object({
  name: z.string(),
  kind: z.enum(CHECK_KINDS),
  status: z.enum(CHECK_STATUSES),
  durationMs: z.number(),
  figure: z.string(),
  failures: z.array(CheckFailureSchema),
  error: ClassifiedErrorSchema.nullable(),
  /** The engine's result as it is (SmtpResult, ProbeResult …); not re-validated here. */
  result: z.unknown(),
})

/** `ok`: every check that ran passed and none was skipped. */
export interface CheckReport {
  ok: boolean
  checks: CheckOutcome[]
  totalMs: number
}
export const CheckReportSchema = z.object({ ok: z.boolean(), checks: z.array(CheckOutcomeSchema), totalMs: z.number() })

/** What runChecks tells as it goes: a check started, or finished (with its outcome, skipped included). */
export type CheckProgressEvent = { type: 'start'; index: number; name: string; kind: CheckKind } | { type: 'done'; index: number; outcome: CheckOutcome }
