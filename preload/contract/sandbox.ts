import * as z from 'zod'
import { portSchema } from './fields'

/*
 * The embedded sandbox as the interface sees it: its status (ports, demo credentials, simulated
 * latency), the messages it received (the Inbox), and the operations the app offers on it. The
 * core lives in main/core/sandbox; `sandboxOperations` is meant to be merged into `operations`.
 *
 * The sandbox's user, password and API key are fixed, published demo values: they protect
 * nothing (the sandbox listens on 127.0.0.1 only and delivers nowhere), so unlike real secrets
 * they may be shown in the interface and written inline into the sandbox profiles.
 */

/** Simulated round-trip time: 0 to 500 ms (applied half each way by a delay proxy). */
export const SANDBOX_RTT_MAX_MS = 500
/** Simulated server think time after DATA and before an API send's response: 0 to 10 s. */
export const SANDBOX_THINK_MAX_MS = 10_000
/** Messages kept in the Inbox (older ones are dropped). */
export const SANDBOX_INBOX_LIMIT = 200

export const sandboxRttSchema = z.number().int('whole milliseconds').min(0, 'RTT is at least 0 ms').max(SANDBOX_RTT_MAX_MS, `RTT is at most ${SANDBOX_RTT_MAX_MS} ms`)
export const sandboxThinkSchema = z.number().int('whole milliseconds').min(0, 'think time is at least 0 ms').max(SANDBOX_THINK_MAX_MS, `think time is at most ${SANDBOX_THINK_MAX_MS} ms`)
/** A fixed listening port, or 0 for an ephemeral one. */
const sandboxPortSchema = z.union([z.literal(0), portSchema])

/** The app's sandbox setting: whether it starts with the app, its latency and (optionally) fixed ports. */
export const sandboxSettingsSchema = z
  .object({
    enabled: z.boolean().default(true),
    rttMs: sandboxRttSchema.default(0),
    thinkMs: sandboxThinkSchema.default(0),
    ports: z.object({ starttls: sandboxPortSchema, tls: sandboxPortSchema, plain: sandboxPortSchema, api: sandboxPortSchema }).partial().strict().default({}),
  })
  .strict()
export type SandboxSettings = z.infer<typeof sandboxSettingsSchema>

/** Where the sandbox listens and how to log in: what the app shows and the CLI prints. */
export const SandboxInfoSchema = z.object({
  host: z.literal('127.0.0.1'),
  smtp: z.object({
    /** Submission: STARTTLS required, AUTH PLAIN/LOGIN/CRAM-MD5 only after TLS. */
    starttls: z.number().int(),
    /** Implicit TLS from the first byte, AUTH required. */
    tls: z.number().int(),
    /** No TLS, no AUTH: accepts any message (a relay test). */
    plain: z.number().int(),
  }),
  /** HTTPS endpoint accepting Mailgun-, SendGrid- and Postmark-shaped requests. */
  api: z.object({ url: z.string(), key: z.string() }),
  /** Demo credentials (they protect nothing). */
  user: z.string(),
  password: z.string(),
  /** Mailgun-style sending domain the API accepts (any other domain works too). */
  domain: z.string(),
  /**
   * Its OAuth2 / OpenID Connect issuer (plain http on 127.0.0.1): the one client it knows (public,
   * PKCE), the account it signs in without a password, and the scopes its SMTP logins want. The
   * STARTTLS and implicit-TLS ports take its tokens with XOAUTH2 and OAUTHBEARER.
   */
  oauth: z.object({ issuer: z.string(), clientId: z.string(), account: z.string(), scopes: z.array(z.string()) }),
  /** The sandbox CA certificate (PEM) and the file it is kept in; the sandbox profiles trust it. */
  caPem: z.string(),
  caFile: z.string().nullable(),
  rttMs: z.number(),
  thinkMs: z.number(),
})
export type SandboxInfo = z.infer<typeof SandboxInfoSchema>

export const SandboxStatusSchema = z.object({
  running: z.boolean(),
  /** Why it is not running (a port in use, the setting is off), or null. */
  problem: z.string().nullable(),
  info: SandboxInfoSchema.nullable(),
  inbox: z.object({ kept: z.number().int(), received: z.number().int() }),
})
export type SandboxStatus = z.infer<typeof SandboxStatusSchema>

export const INBOX_CHANNELS = ['starttls', 'tls', 'plain', 'mailgun', 'sendgrid', 'postmark'] as const
export type InboxChannel = (typeof INBOX_CHANNELS)[number]

/** One Inbox entry as the list shows it (no source). */
export const InboxSummarySchema = z.object({
  /**
   * What the sender's result reports: the queue id of the final SMTP reply ("250 … queued as ID")
   * or the provider's message id of an API send. Unique within the sandbox.
   */
  id: z.string(),
  /** 1, 2, 3 … in arrival order since the sandbox started. */
  seq: z.number().int(),
  receivedAt: z.string(),
  via: z.enum(['smtp', 'api']),
  channel: z.enum(INBOX_CHANNELS),
  envelope: z.object({ mailFrom: z.string(), rcptTo: z.array(z.string()) }),
  subject: z.string().nullable(),
  /** The Message-ID header, when the message has one. */
  messageId: z.string().nullable(),
  /** Size of the source in bytes (for API sends: of the MIME record built from the request). */
  size: z.number().int(),
  /** TLS protected the submission. */
  secure: z.boolean(),
  /** The authenticated SMTP user, if any. */
  user: z.string().nullable(),
  /** The sender asked for the provider's no-delivery mode (o:testmode, sandbox_mode). */
  testMode: z.boolean(),
})
export type InboxSummary = z.infer<typeof InboxSummarySchema>

export const InboxMessageSchema = InboxSummarySchema.extend({
  headers: z.array(z.object({ name: z.string(), value: z.string() })),
  /** The source as received over SMTP, or the MIME record built from an API request's fields. */
  raw: z.string(),
  /** The source was longer than the sandbox keeps (1 MiB); `raw` is its beginning. */
  rawTruncated: z.boolean(),
})
export type InboxMessage = z.infer<typeof InboxMessageSchema>

const noInput = z.object({}).strict().default({})

/**
 * The sandbox as the app shows it: where it listens and whether it is on, but no password, API
 * key or CA source. The demo credentials protect nothing, yet the app keeps them like any secret
 * (in main, as the sandbox profiles' saved secrets) so that no secret-shaped value reaches the
 * renderer; the interface shows the demo user name and says the credentials are public.
 */
export const AppSandboxInfoSchema = SandboxInfoSchema.omit({ password: true, caPem: true, api: true }).extend({
  api: z.object({ url: z.string() }),
})
export type AppSandboxInfo = z.infer<typeof AppSandboxInfoSchema>

export const AppSandboxStatusSchema = z.object({
  /** The host has a sandbox at all (a test host may run without one). */
  available: z.boolean(),
  /** The persisted setting: start the sandbox with the app. */
  enabled: z.boolean(),
  running: z.boolean(),
  /** Why it is not running while enabled (a port in use…), or null. */
  problem: z.string().nullable(),
  info: AppSandboxInfoSchema.nullable(),
  /** The latency settings (also when stopped: they apply at the next start). */
  rttMs: z.number(),
  thinkMs: z.number(),
  inbox: z.object({ kept: z.number().int(), received: z.number().int() }),
  /** Ids of the ready-made sandbox profiles present in the profile store, by role ("Sandbox — OAuth2" is `oauth`). */
  profiles: z.object({ starttls: z.string().nullable(), tls: z.string().nullable(), api: z.string().nullable(), oauth: z.string().nullable() }),
})
export type AppSandboxStatus = z.infer<typeof AppSandboxStatusSchema>

/** Operations for the app's sandbox status, latency controls and Inbox (merged into `operations`). */
export const sandboxOperations = {
  getSandboxStatus: { channel: 'sandbox:status', input: noInput },
  setSandboxLatency: {
    channel: 'sandbox:latency',
    input: z.object({ rttMs: sandboxRttSchema.optional(), thinkMs: sandboxThinkSchema.optional() }).strict(),
  },
  /** Turns the sandbox on or off now and for the next starts (the setting is saved). */
  setSandboxEnabled: { channel: 'sandbox:enabled', input: z.object({ enabled: z.boolean() }).strict() },
  /** Adds back the ready-made sandbox profiles the user deleted (those still present are refreshed, never duplicated). */
  restoreSandboxProfiles: { channel: 'sandbox:profiles:restore', input: noInput },
  listInbox: {
    channel: 'sandbox:inbox:list',
    input: z
      .object({ limit: z.number().int().min(1).max(SANDBOX_INBOX_LIMIT).optional() })
      .strict()
      .default({}),
  },
  getInboxMessage: { channel: 'sandbox:inbox:get', input: z.object({ id: z.string().min(1).max(256) }).strict() },
  clearInbox: { channel: 'sandbox:inbox:clear', input: noInput },
} as const

export interface SandboxOperationOutputs {
  getSandboxStatus: AppSandboxStatus
  setSandboxLatency: AppSandboxStatus
  setSandboxEnabled: AppSandboxStatus
  restoreSandboxProfiles: AppSandboxStatus
  listInbox: { messages: InboxSummary[]; received: number }
  getInboxMessage: InboxMessage | null
  clearInbox: { cleared: number }
}

/** Main → renderer push: a message arrived in the sandbox (its summary; the source is fetched on demand), or the sandbox changed state. */
export const sandboxEvents = { sandboxEvents: 'sandbox:events' } as const

export type SandboxEvent = { type: 'inbox'; message: InboxSummary } | { type: 'status'; status: AppSandboxStatus } | { type: 'inbox-cleared' }

/**
 * The Inbox id a send's result points at: the queue id in an SMTP result's final reply
 * ("250 2.0.0 Ok: queued as 0001A3F9C2"), or an API result's provider message id. Null when the
 * result carries none (a failed send, a verify).
 */
export function inboxIdOf(result: { kind: string; ok: boolean; result?: { response?: string | null; messageId?: string | null } | null }): string | null {
  if (!result.ok || !result.result) return null
  if (result.kind === 'smtp') return /queued as ([A-Za-z0-9._-]+)/i.exec(result.result.response ?? '')?.[1] ?? null
  if (result.kind === 'api') return result.result.messageId ?? null
  return null
}
