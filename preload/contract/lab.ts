import * as z from 'zod'
import { ErrorCodeSchema } from './errors'
import { singleLineSchema } from './fields'
import { composedMessageSchema } from './history'
import type { ApiJobInput } from './http'
import type { SmtpJobInput } from './smtp'
import { JobResultBaseSchema } from './transcript'

/*
 * The latency lab: N interleaved runs per profile (2 to 4 profiles, SMTP or API in any mix), cold
 * (a new connection per run) or warm (one connection per profile reused), and what comes back:
 * min / median / p95 / max of the totals, median phases, round trips, bytes, errors by code, the
 * ratio to the fastest and the raw samples. The core is main/core/lab (runCompare).
 *
 * Progress travels on the job's transcript events (`progress` on an info line; see JobProgress).
 *
 * With `toInbox` a send run lasts until its message is seen in the profile's mailbox (the job's
 * `delivery`: an IMAP mailbox, or the sandbox's inbox): beside the time to acceptance, each profile
 * then has the median and p95 of accepted → inbox and send → inbox.
 */

export const LAB_MODES = ['cold', 'warm'] as const
export type LabMode = (typeof LAB_MODES)[number]
/** verify: SMTP connect + TLS + AUTH (warm: one NOOP on the open session); API: the key check. send: a whole message. */
export const LAB_ACTIONS = ['verify', 'send'] as const
export type LabAction = (typeof LAB_ACTIONS)[number]
export const LAB_LIMITS = { profilesMin: 2, profilesMax: 4, runsDefault: 10, runsMax: 200, concurrencyMax: 8 } as const
/**
 * Runs in flight at most when measuring to the inbox: each run's watch holds two IMAP connections
 * (INBOX and Junk), and IMAP servers cap a user's connections from one address (Dovecot's
 * mail_max_userip_connections is 10 by default); profiles often share one mailbox.
 */
export const LAB_TO_INBOX_CONCURRENCY_MAX = 4

const labName = singleLineSchema('profile name', 80).pipe(z.string().trim().min(1, 'each profile needs a name'))
const runsSchema = z.number().int('runs must be a whole number').min(1, 'at least 1 run').max(LAB_LIMITS.runsMax, `at most ${LAB_LIMITS.runsMax} runs`)
const concurrencySchema = z.number().int().min(1, 'concurrency is at least 1').max(LAB_LIMITS.concurrencyMax, `concurrency is at most ${LAB_LIMITS.concurrencyMax}`)

const TO_INBOX_NEEDS_SEND = 'measuring to the inbox needs a full send (verify sends no message to watch for)'

/**
 * One profile of a comparison as the core takes it: a name and the engine input (secrets
 * included). The job is validated by the engine's own schema once the action is applied
 * (verify → stopAfter 'auth' / action 'verify'; send → stopAfter 'send' / action 'send').
 */
export const compareProfileSpecSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('smtp'), name: labName, job: z.record(z.string(), z.unknown()) }).strict(),
  z.object({ kind: z.literal('api'), name: labName, job: z.record(z.string(), z.unknown()) }).strict(),
])
export type CompareProfileSpec = { kind: 'smtp'; name: string; job: SmtpJobInput } | { kind: 'api'; name: string; job: ApiJobInput }

export const compareJobSchema = z
  .object({
    profiles: z
      .array(compareProfileSpecSchema)
      .min(LAB_LIMITS.profilesMin, `compare at least ${LAB_LIMITS.profilesMin} profiles`)
      .max(LAB_LIMITS.profilesMax, `compare at most ${LAB_LIMITS.profilesMax} profiles`),
    runs: runsSchema.default(LAB_LIMITS.runsDefault),
    mode: z.enum(LAB_MODES).default('cold'),
    concurrency: concurrencySchema.default(1),
    action: z.enum(LAB_ACTIONS).default('send'),
    /**
     * Measure to delivery: every run's send is followed by its profile's delivery watch (each job
     * carries `delivery`), and runs not seen fail (DELIVERY_TIMEOUT …). Without it a job's
     * `delivery` is left out: the comparison measures to acceptance.
     */
    toInbox: z.boolean().default(false),
  })
  .strict()
  .superRefine((job, ctx) => {
    const seen = new Set<string>()
    job.profiles.forEach((p, i) => {
      if (seen.has(p.name)) ctx.addIssue({ code: 'custom', path: ['profiles', i, 'name'], message: `two profiles are named "${p.name}"` })
      seen.add(p.name)
    })
    if (!job.toInbox) return
    if (job.action !== 'send') ctx.addIssue({ code: 'custom', path: ['toInbox'], message: TO_INBOX_NEEDS_SEND })
    else
      job.profiles.forEach((p, i) => {
        if (p.job.delivery === undefined || p.job.delivery === null)
          ctx.addIssue({
            code: 'custom',
            path: ['profiles', i, 'job', 'delivery'],
            message: `profile "${p.name}" has no mailbox to watch: measuring to the inbox needs a mailbox on every profile compared`,
          })
      })
  })
export type CompareJobInput = Omit<z.input<typeof compareJobSchema>, 'profiles'> & { profiles: CompareProfileSpec[] }

/**
 * What the renderer asks for (the Lab tab): saved profiles by id; main adds their secrets and the
 * composer's message (or each profile's default envelope) and calls runCompare.
 */
export const labRequestSchema = z
  .object({
    profileIds: z.array(z.string().min(1).max(64)).min(LAB_LIMITS.profilesMin).max(LAB_LIMITS.profilesMax),
    runs: runsSchema.default(LAB_LIMITS.runsDefault),
    mode: z.enum(LAB_MODES).default('cold'),
    concurrency: concurrencySchema.default(1),
    action: z.enum(LAB_ACTIONS).default('send'),
    /** With action 'send': API profiles use their provider's no-delivery mode (Mailgun o:testmode, SendGrid sandbox_mode…); SMTP profiles are unaffected. */
    apiSandbox: z.boolean().default(false),
    /** Measure to delivery: each run waits until its message is seen in the profile's mailbox (every profile needs one; the sandbox profiles use the sandbox's inbox). */
    toInbox: z.boolean().default(false),
    message: composedMessageSchema.optional(),
  })
  .strict()
  .superRefine((req, ctx) => {
    if (!req.toInbox) return
    if (req.action !== 'send') ctx.addIssue({ code: 'custom', path: ['toInbox'], message: TO_INBOX_NEEDS_SEND })
    else if (req.apiSandbox) ctx.addIssue({ code: 'custom', path: ['toInbox'], message: 'measuring to the inbox needs real sends: the API sandbox mode delivers nothing to watch for' })
  })
export type LabRequest = z.input<typeof labRequestSchema>

/** Operations for the Lab tab (to merge into `operations`); the job streams events like any other. */
export const labOperations = {
  runCompare: { channel: 'lab:run', input: labRequestSchema },
} as const

const stat = z.number().nullable()

/** What a run's delivery watch found (the figures of the result's `delivery`). */
export const CompareSampleDeliverySchema = z.object({
  seen: z.boolean(),
  /** Where it was seen (INBOX, Junk, the sandbox's inbox), null when not seen. */
  folder: z.string().nullable(),
  junk: z.boolean(),
  /** From the server's acceptance (250 after DATA, the API's response) to the moment it was seen. */
  acceptedToInboxMs: z.number().nullable(),
  /** From the start of the run's send (warm: of its transaction) to the moment it was seen. */
  sendToInboxMs: z.number().nullable(),
  /** It was already there when the watch was ready: the times are upper bounds. */
  alreadyThere: z.boolean(),
  method: z.enum(['idle', 'poll']),
})
export type CompareSampleDelivery = z.infer<typeof CompareSampleDeliverySchema>

const spreadSchema = z.object({ min: stat, median: stat, p95: stat, max: stat })

/** A profile's time to the inbox, over the runs whose message was seen. */
export const CompareDeliveryStatsSchema = z.object({
  /** Runs whose send was accepted, so their mailbox was watched. */
  watched: z.number().int(),
  /** Of those, the runs whose message was seen (in any folder watched). */
  seen: z.number().int(),
  /** Of those, seen in Junk. */
  junk: z.number().int(),
  /** Of those, already there when the watch was ready (their times are upper bounds). */
  alreadyThere: z.number().int(),
  acceptedToInboxMs: spreadSchema,
  sendToInboxMs: spreadSchema,
})
export type CompareDeliveryStats = z.infer<typeof CompareDeliveryStatsSchema>

/** One run of one profile. */
export const CompareSampleSchema = z.object({
  /** Order the run started in, across all profiles (1-based). */
  seq: z.number().int(),
  /** Index of the profile in `profiles`. */
  profile: z.number().int(),
  name: z.string(),
  /** This profile's run number (1-based). */
  run: z.number().int(),
  /** When it started, ms since the comparison started. */
  startedMs: z.number(),
  ok: z.boolean(),
  errorCode: ErrorCodeSchema.nullable(),
  /**
   * Time to acceptance in ms: SMTP to the reply that ends the action (250 after DATA, 235 after
   * AUTH, 250 to NOOP), without the polite QUIT after it; API to the end of the response. A
   * delivery watch after it is not included (see `delivery`).
   */
  totalMs: z.number(),
  roundTrips: z.number().int(),
  bytes: z.object({ sent: z.number(), received: z.number() }),
  /** Duration per phase name (several phases of one name summed), QUIT excluded. */
  phases: z.record(z.string(), z.number()),
  /** The run used a connection opened before it (warm mode; false when it had to reconnect). */
  reused: z.boolean(),
  /** The sandbox Inbox id / provider message id / queue id the run produced, if any. */
  messageRef: z.string().nullable(),
  /**
   * The run's delivery watch (toInbox, once the message was accepted); null otherwise. Absent in
   * comparisons recorded before the lab measured to the inbox.
   */
  delivery: CompareSampleDeliverySchema.nullable().optional(),
})
export type CompareSample = z.infer<typeof CompareSampleSchema>

export const CompareProfileStatsSchema = z.object({
  name: z.string(),
  kind: z.enum(['smtp', 'api']),
  /** host:port or the API URL. */
  target: z.string(),
  /** Every run of this profile succeeded. */
  ok: z.boolean(),
  runs: z.number().int(),
  runsOk: z.number().int(),
  /** Failed runs by error code. */
  errors: z.partialRecord(ErrorCodeSchema, z.number().int()),
  /** Of the successful runs' times to acceptance. */
  totalMs: spreadSchema,
  /** Median of each phase over the successful runs (0 where a run lacked it), in waterfall order. */
  phasesMedianMs: z.record(z.string(), z.number()),
  phaseOrder: z.array(z.string()),
  roundTrips: stat,
  bytes: z.object({ sent: z.number(), received: z.number() }).nullable(),
  /** This profile's median over the fastest profile's median (1 for the winner). */
  ratio: stat,
  /** Warm mode: connections opened (and their setup: connect, TLS, AUTH / a key check), not counted in the samples. */
  setup: z.object({ connections: z.number().int(), medianMs: stat, roundTrips: stat }).nullable(),
  /** Time to the inbox (toInbox), null when the comparison measured to acceptance only; absent in older comparisons. */
  delivery: CompareDeliveryStatsSchema.nullable().optional(),
})
export type CompareProfileStats = z.infer<typeof CompareProfileStatsSchema>

export const CompareResultSchema = JobResultBaseSchema.extend({
  kind: z.literal('compare'),
  mode: z.enum(LAB_MODES),
  action: z.enum(LAB_ACTIONS),
  runs: z.number().int(),
  concurrency: z.number().int(),
  /** Runs finished (all of them unless cancelled). */
  completed: z.number().int(),
  cancelled: z.boolean(),
  profiles: z.array(CompareProfileStatsSchema),
  /** The profile with the lowest median total among those with a successful run. */
  winner: z.string().nullable(),
  /** The comparison measured to the inbox (absent in older comparisons: they did not). */
  toInbox: z.boolean().optional(),
  /** toInbox: the profile with the lowest median send → inbox among those with a message seen. */
  winnerToInbox: z.string().nullable().optional(),
  samples: z.array(CompareSampleSchema),
})
export type CompareResult = z.infer<typeof CompareResultSchema>
