import * as z from 'zod'
import { ErrorCodeSchema } from './errors'
import { DOMAIN_STATUSES } from './domain'
import { addressSchema, messageSchema, singleLineSchema } from './fields'

/** Runs kept in History; the oldest go first. */
export const HISTORY_LIMIT = 500

/** The kinds of run History keeps (a result's `kind`). */
export const HISTORY_KINDS = ['smtp', 'api', 'probe', 'compare', 'domain', 'checks'] as const
export type HistoryKind = (typeof HISTORY_KINDS)[number]

export const RUN_ACTIONS = ['probe', 'verify', 'envelope', 'send', 'api-send', 'api-sandbox', 'api-verify', 'compare', 'domain', 'checks'] as const
export type RunAction = (typeof RUN_ACTIONS)[number]

/** What the composer sends with a profile run: the message, never a secret. */
export const composedMessageSchema = messageSchema.extend({ from: addressSchema.optional() })
export type ComposedMessage = z.infer<typeof composedMessageSchema>

/** Run a saved profile: main adds the secret from its store and records the run in History. */
export const runProfileSchema = z
  .object({
    profileId: z.string().min(1).max(64),
    action: z.enum(['verify', 'envelope', 'send', 'api-send', 'api-sandbox', 'api-verify']),
    message: composedMessageSchema.optional(),
    /** A send from a profile with a mailbox waits for delivery unless this is false (the composer's "Wait for delivery", for one run). Absent: true. */
    awaitInbox: z.boolean().optional(),
  })
  .strict()
export type RunProfileInput = z.input<typeof runProfileSchema>

/** One History row; the full result (with its transcript) is fetched on demand. */
export const HistorySummarySchema = z.object({
  id: z.string(),
  jobId: z.string(),
  /** 'compare': a latency-lab run (its target names the profiles compared); 'domain': a domain-readiness run (its target is the domain); 'checks': a check file's run (its target is the file's name). */
  kind: z.enum(HISTORY_KINDS),
  action: z.enum(RUN_ACTIONS),
  profileId: z.string().nullable(),
  profileName: z.string().nullable(),
  /** host:port, provider name or probed host. */
  target: z.string(),
  startedAt: z.string(),
  ok: z.boolean(),
  errorCode: ErrorCodeSchema.nullable(),
  /** The verdict in one line ("250 Ok: queued as X", "AUTH_FAILED — …"). */
  summary: z.string(),
  totalMs: z.number(),
  roundTrips: z.number(),
  /** A domain run's verdict: the worst status of its checks (a profile's domain chip reads it without fetching the run). */
  domainStatus: z.enum(DOMAIN_STATUSES).optional(),
})
export type HistorySummary = z.infer<typeof HistorySummarySchema>

export const historyQuerySchema = z
  .object({
    query: singleLineSchema('search', 200).optional(),
    limit: z.number().int().min(1).max(500).default(100),
    offset: z.number().int().min(0).default(0),
  })
  .strict()
export type HistoryQuery = z.input<typeof historyQuerySchema>
