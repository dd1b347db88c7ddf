import * as z from 'zod'
import { messageSchema, headerSchema, hostSchema, timeoutSchema, tlsOptionsSchema, TlsInfoSchema } from './fields'
import { networkSchema } from './network'
import { jobDeliverySchema, DeliveryResultSchema } from './delivery'
import { API_PHASES, JobResultBaseSchema, phaseSchema } from './transcript'

/** Providers with a documented HTTPS send API, plus a generic JSON/form endpoint. */
export const API_PROVIDERS = ['mailgun', 'sendgrid', 'postmark', 'ses', 'resend', 'mailjet', 'sparkpost', 'brevo', 'generic'] as const
export type ApiProvider = (typeof API_PROVIDERS)[number]
/** Each provider's name as people know it (the generic endpoint is worded per place: "The endpoint", "Generic HTTP"). */
export const API_PROVIDER_NAMES: Record<Exclude<ApiProvider, 'generic'>, string> = {
  mailgun: 'Mailgun',
  sendgrid: 'SendGrid',
  postmark: 'Postmark',
  ses: 'Amazon SES',
  resend: 'Resend',
  mailjet: 'Mailjet',
  sparkpost: 'SparkPost',
  brevo: 'Brevo',
}
export const API_ACTIONS = ['send', 'verify'] as const
export type ApiAction = (typeof API_ACTIONS)[number]
export const GENERIC_METHODS = ['GET', 'POST', 'PUT', 'PATCH'] as const
export const GENERIC_BODY_FORMATS = ['json', 'form'] as const
/** How the generic endpoint takes the key: a bearer token, HTTP Basic (key:secret), a named header, or not at all. */
export const GENERIC_AUTH = ['bearer', 'basic', 'header', 'none'] as const

/** Where each regional provider may send (the host follows from it; see the engine's provider modules). */
export const API_REGIONS: Partial<Record<ApiProvider, readonly string[]>> = {
  mailgun: ['us', 'eu'],
  sendgrid: ['global', 'eu'],
  sparkpost: ['us', 'eu'],
}
/** Placeholders a generic body template (and the generic URL) may use. */
export const GENERIC_PLACEHOLDERS = ['from', 'to', 'cc', 'bcc', 'subject', 'text', 'html'] as const

function parseUrl(u: string): URL | null {
  try {
    return new URL(u)
  } catch {
    return null
  }
}

const AWS_REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/

/** scheme://host[:port] with nothing else: the documented path is appended to it. */
export const baseUrlSchema = z
  .string()
  .trim()
  .max(2048)
  .refine((u) => !/[\r\n\0\s]/.test(u), 'base URL contains whitespace or a line break')
  .superRefine((u, ctx) => {
    let url: URL
    try {
      url = new URL(u)
    } catch {
      ctx.addIssue({ code: 'custom', message: 'base URL must be an absolute URL such as https://api.eu.mailgun.net' })
      return
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') ctx.addIssue({ code: 'custom', message: 'base URL must start with https:// (or http:// for a local proxy)' })
    if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'base URL must not carry credentials; keys go in the credentials' })
    if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash)
      ctx.addIssue({ code: 'custom', message: 'base URL takes scheme, host and port only (the provider’s documented path is appended)' })
  })

export const apiCredentialsSchema = z
  .object({
    /** The API key (SES: the access key id; Mailjet: the API key). Never echoed back anywhere. */
    key: z
      .string()
      .min(1, 'an API key is required')
      .max(65_536)
      .refine((k) => !/[\r\n\0]/.test(k), 'the API key contains a line break'),
    /** Mailjet's secret key; SES's secret access key; generic basic auth's password. Never echoed. */
    secret: z
      .string()
      .min(1)
      .max(65_536)
      .refine((k) => !/[\r\n\0]/.test(k), 'the secret contains a line break')
      .optional(),
    /** SES temporary credentials' session token. Never echoed. */
    sessionToken: z
      .string()
      .min(1)
      .max(65_536)
      .refine((k) => !/[\r\n\0]/.test(k), 'the session token contains a line break')
      .optional(),
  })
  .strict()

export const apiMessageSchema = messageSchema
export type ApiMessage = z.infer<typeof apiMessageSchema>

export const genericEndpointSchema = z
  .object({
    method: z.enum(GENERIC_METHODS).default('POST'),
    /** Full URL of the endpoint (a baseUrl replaces its scheme, host and port); no {{placeholders}} in it. */
    url: z
      .string()
      .trim()
      .max(4096)
      .refine((u) => !/[\r\n\0\s]/.test(u), 'URL contains whitespace or a line break')
      .refine((u) => ['https:', 'http:'].includes(parseUrl(u)?.protocol ?? ''), 'URL must be an absolute https:// (or http://) URL')
      .refine((u) => !parseUrl(u)?.username && !parseUrl(u)?.password, 'URL must not carry credentials; keys go in the credentials'),
    /** Extra request headers; a value may contain {{key}} or {{secret}}, filled in from the credentials at send time. */
    headers: z.array(headerSchema).max(50).default([]),
    auth: z.enum(GENERIC_AUTH).default('bearer'),
    /** The header that carries the key when auth is 'header'. */
    authHeader: z
      .string()
      .min(1)
      .max(76)
      .refine((n) => /^[!-9;-~]+$/.test(n), 'header name may contain only printable ASCII without spaces or colons')
      .optional(),
    /** JSON text (json) or name=value&… (form) with {{from}}, {{to}}, {{cc}}, {{bcc}}, {{subject}}, {{text}}, {{html}}. */
    bodyTemplate: z.string().max(1_000_000).optional(),
    bodyFormat: z.enum(GENERIC_BODY_FORMATS).default('json'),
  })
  .strict()
  .superRefine((g, ctx) => {
    const known = new Set<string>([...GENERIC_PLACEHOLDERS, 'key', 'secret'])
    const used = [g.bodyTemplate ?? '', ...g.headers.map((h) => h.value)].flatMap((t) => [...t.matchAll(/\{\{\s*([a-z]+)(\[\])?\s*\}\}/g)].map((m) => m[1]!))
    const unknown = [...new Set(used.filter((n) => !known.has(n)))]
    if (unknown.length)
      ctx.addIssue({ code: 'custom', path: ['bodyTemplate'], message: `unknown placeholder ${unknown.map((n) => `{{${n}}}`).join(', ')} (known: ${[...known].map((n) => `{{${n}}}`).join(' ')})` })
    if (g.auth === 'header' && !g.authHeader) ctx.addIssue({ code: 'custom', path: ['authHeader'], message: "auth 'header' needs the header name (authHeader)" })
    if (g.bodyTemplate !== undefined && g.method === 'GET') ctx.addIssue({ code: 'custom', path: ['bodyTemplate'], message: 'a GET request carries no body template' })
    if (g.bodyTemplate !== undefined && g.bodyFormat === 'json') {
      try {
        JSON.parse(g.bodyTemplate)
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['bodyTemplate'], message: `the JSON body template is not valid JSON (${err instanceof Error ? err.message : 'parse error'})` })
      }
    }
  })
export type GenericEndpoint = z.infer<typeof genericEndpointSchema>

export const apiJobSchema = z
  .object({
    provider: z.enum(API_PROVIDERS),
    action: z.enum(API_ACTIONS).default('send'),
    credentials: apiCredentialsSchema,
    /** Mailgun's sending domain (required for Mailgun). */
    domain: hostSchema.optional(),
    /** Mailgun us|eu, SendGrid global|eu, SparkPost us|eu, SES an AWS region (default us-east-1). */
    region: z.string().trim().max(32).optional(),
    /** Replaces scheme, host and port of the provider's URL (for proxies, regions and tests); the documented path is kept. */
    baseUrl: baseUrlSchema.optional(),
    tls: tlsOptionsSchema.default({ insecure: false }),
    network: networkSchema.default({ family: 'auto' }),
    /**
     * The provider's no-delivery mode. Providers without a flag (Postmark, SES, Resend) accept it
     * only when every recipient is one of their test addresses.
     */
    sandbox: z.boolean().default(false),
    message: apiMessageSchema.optional(),
    generic: genericEndpointSchema.optional(),
    timeouts: z
      .object({
        /** DNS + TCP + TLS. */
        connectMs: timeoutSchema,
        /** Longest silence while the request is written and the response read; also the most the response head may take after the request, and the body after the head. */
        socketMs: timeoutSchema,
      })
      .partial()
      .strict()
      .default({}),
    /** After the provider accepts the message, watch this mailbox until it arrives (delivery proof). */
    delivery: jobDeliverySchema.optional(),
  })
  .strict()
  .superRefine((job, ctx) => {
    const p = job.provider
    if (job.delivery && job.action !== 'send') ctx.addIssue({ code: 'custom', path: ['delivery'], message: 'watching a mailbox needs a send (verify sends nothing)' })
    if (job.delivery && job.sandbox)
      ctx.addIssue({ code: 'custom', path: ['delivery'], message: 'a sandbox send delivers nothing, so there is no message to watch for: turn sandbox off to prove delivery' })
    const allowed = API_REGIONS[p]
    if (job.region !== undefined) {
      if (allowed && !allowed.includes(job.region)) ctx.addIssue({ code: 'custom', path: ['region'], message: `${p} regions are ${allowed.join(' and ')}` })
      else if (p === 'ses' && !AWS_REGION.test(job.region)) ctx.addIssue({ code: 'custom', path: ['region'], message: 'an AWS region looks like us-east-1 or eu-west-2' })
      else if (!allowed && p !== 'ses') ctx.addIssue({ code: 'custom', path: ['region'], message: `${p} has no regions; use baseUrl to change the host` })
    }
    if (p === 'mailgun' && !job.domain) ctx.addIssue({ code: 'custom', path: ['domain'], message: 'Mailgun needs the sending domain (domain)' })
    if ((p === 'mailjet' || p === 'ses') && !job.credentials.secret)
      ctx.addIssue({
        code: 'custom',
        path: ['credentials', 'secret'],
        message: p === 'mailjet' ? 'Mailjet needs the secret key as well as the API key' : 'SES needs the secret access key as well as the access key id',
      })
    if (job.credentials.sessionToken && p !== 'ses') ctx.addIssue({ code: 'custom', path: ['credentials', 'sessionToken'], message: 'a session token is for SES only' })
    if (p === 'generic') {
      if (!job.generic) ctx.addIssue({ code: 'custom', path: ['generic'], message: 'the generic provider needs its endpoint (generic.url, method, body template)' })
      if (job.action === 'verify') ctx.addIssue({ code: 'custom', path: ['action'], message: 'the generic provider has no key check; send to a test endpoint instead' })
      if (job.sandbox) ctx.addIssue({ code: 'custom', path: ['sandbox'], message: 'the generic provider has no sandbox switch; put the endpoint’s test flag in the body template' })
    } else if (job.generic) ctx.addIssue({ code: 'custom', path: ['generic'], message: 'generic settings are for the generic provider only' })
    if (job.action === 'send') {
      const m = job.message
      if (!m) ctx.addIssue({ code: 'custom', path: ['message'], message: 'sending needs a message (from, to)' })
      else if (m.to.length + m.cc.length + m.bcc.length === 0) ctx.addIssue({ code: 'custom', path: ['message', 'to'], message: 'at least one recipient (to, cc or bcc) is required' })
      else if (p !== 'generic' && m.text === undefined && m.html === undefined) ctx.addIssue({ code: 'custom', path: ['message', 'text'], message: 'a text or an HTML body is required' })
    }
    if (job.sandbox && job.action === 'verify') ctx.addIssue({ code: 'custom', path: ['sandbox'], message: 'verify sends nothing; sandbox applies to send only' })
  })
export type ApiJobInput = z.input<typeof apiJobSchema>
export type ApiJob = z.output<typeof apiJobSchema>

export const ApiResultSchema = JobResultBaseSchema.extend({
  phases: z.array(phaseSchema(API_PHASES)),
  kind: z.literal('api'),
  provider: z.enum(API_PROVIDERS),
  action: z.enum(API_ACTIONS),
  /** What was called: method, URL (no credentials in it) and the address connected to. */
  target: z.object({ method: z.string(), url: z.string(), address: z.string().nullable() }),
  tls: TlsInfoSchema.nullable(),
  bytes: z.object({ sent: z.number(), received: z.number() }),
  result: z.object({
    /** HTTP status, null when no response arrived. */
    status: z.number().int().nullable(),
    /** The provider's message id, from the body or a header (SendGrid's X-Message-Id). */
    messageId: z.string().nullable(),
    /** The response body as text (at most 64 KiB, redacted), null when there was none. */
    body: z.string().nullable(),
  }),
  /** What the mailbox watch saw, when the job asked for one and the provider accepted the message. */
  delivery: DeliveryResultSchema.optional(),
})
export type ApiResult = z.infer<typeof ApiResultSchema>
