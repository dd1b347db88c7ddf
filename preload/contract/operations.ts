import * as z from 'zod'
import type { ApiResult } from './http'
import { apiJobSchema } from './http'
import { checksJobSchema, type ChecksResult } from './checks-job'
import { domainJobSchema, type DomainResult } from './domain'
import { operationFailure, type OperationFailure } from './errors'
import { historyQuerySchema, runProfileSchema, type HistorySummary } from './history'
import { labOperations, type CompareResult } from './lab'
import type { SignInEvent } from './oauth'
import { probeJobSchema, type ProbeResult } from './probe'
import { saveProfileSchema, type Preset, type Profile, type ProfilesState } from './profiles'
import { sandboxEvents, sandboxOperations, type SandboxEvent, type SandboxOperationOutputs } from './sandbox'
import { smtpJobSchema, type SmtpResult } from './smtp'
import type { JobEvent } from './transcript'

const id = z.string().min(1).max(64)
const noInput = z.object({}).strict().default({})

/**
 * The IPC contract: one entry per operation the renderer may call. The preload builds
 * `window.mailprobe` from this table, main validates every payload with `input`, and the
 * WebSocket bridge behind `npm run web` serves the same table.
 */
export const operations = {
  // Jobs: answer at once with a job id; events follow on `events.jobEvents`.
  runSmtp: { channel: 'smtp:run', input: smtpJobSchema },
  runApi: { channel: 'api:run', input: apiJobSchema },
  runProbe: { channel: 'probe:run', input: probeJobSchema },
  runProfile: { channel: 'profile:run', input: runProfileSchema },
  /** Domain readiness: DNS (and the MX hosts, the MTA-STS policy) checked for mail from a domain through a provider or relay (domain.ts). */
  runDomain: { channel: 'domain:run', input: domainJobSchema },
  /** A check file (mailprobe.checks.yaml) picked with pickFiles({ purpose: 'checks' }): its checks run as one job (checks-job.ts). */
  runChecks: { channel: 'checks:run', input: checksJobSchema },
  cancelJob: { channel: 'job:cancel', input: z.object({ jobId: id }).strict() },

  // OAuth2 profiles: sign in is a task like a job (an id at once, progress on `events.signInEvents`, cancelJob stops it); sign out forgets the tokens.
  oauthSignIn: { channel: 'oauth:sign-in', input: z.object({ profileId: id }).strict() },
  oauthSignOut: { channel: 'oauth:sign-out', input: z.object({ profileId: id }).strict() },

  // Profiles (secrets go in, never out).
  listProfiles: { channel: 'profiles:list', input: noInput },
  saveProfile: { channel: 'profiles:save', input: saveProfileSchema },
  deleteProfile: { channel: 'profiles:delete', input: z.object({ id }).strict() },
  duplicateProfile: { channel: 'profiles:duplicate', input: z.object({ id }).strict() },
  listPresets: { channel: 'presets:list', input: noInput },
  exportProfiles: { channel: 'profiles:export', input: z.object({ ids: z.array(id).max(1000).optional() }).strict() },
  /** The profiles as a check file (YAML): a verify (or an API verify) per profile, a deliver for one with a mailbox; every secret an environment variable's name. */
  exportChecks: { channel: 'profiles:export-checks', input: z.object({ ids: z.array(id).max(1000).optional() }).strict() },
  importProfiles: {
    channel: 'profiles:import',
    input: z
      .object({
        /** The export file's text (a browser file input, a paste). */
        content: z.string().max(5_000_000).optional(),
        /** Or: a file the user chose with pickFiles({ purpose: 'import' }) in this window; main reads it. */
        path: z.string().min(1).max(4096).optional(),
      })
      .strict()
      .refine((i) => (i.content === undefined) !== (i.path === undefined), 'give either the file content or the path picked for import'),
  },

  // History.
  listHistory: { channel: 'history:list', input: historyQuerySchema },
  getHistoryEntry: { channel: 'history:get', input: z.object({ id }).strict() },
  deleteHistory: { channel: 'history:delete', input: z.object({ ids: z.array(id).min(1).max(500) }).strict() },
  exportTranscript: { channel: 'history:export', input: z.object({ id, format: z.enum(['txt', 'json']) }).strict() },

  // Files: dialogs run in main (in the browser build: a download, or a typed path).
  pickFiles: { channel: 'files:pick', input: z.object({ purpose: z.enum(['attachment', 'ca', 'import', 'checks']), multiple: z.boolean().default(false) }).strict() },
  saveFile: {
    channel: 'files:save',
    input: z
      .object({
        suggestedName: z
          .string()
          .min(1)
          .max(255)
          .refine((n) => !/[\\/\0]/.test(n), 'a file name, not a path'),
        content: z.string().max(50_000_000),
      })
      .strict(),
  },
  openExternal: {
    channel: 'app:open-external',
    input: z
      .object({
        url: z
          .string()
          .url()
          .max(2048)
          .refine((u) => u.startsWith('https://'), 'only https links open'),
      })
      .strict(),
  },

  // The embedded sandbox: status, latency, on/off, its ready-made profiles, and the Inbox (sandbox.ts).
  ...sandboxOperations,
  // The latency lab: a comparison is a job like any other (lab.ts).
  ...labOperations,
} as const

export type OperationName = keyof typeof operations

/** Whether `name` is an operation of the contract (its own key: not `constructor` or `toString`). */
export const isOperationName = (name: string): name is OperationName => Object.hasOwn(operations, name)

/** The answer to a request for an operation the contract does not have (the name, the caller's, cut short). */
export function unknownOperation(name: string): { ok: false; error: OperationFailure } {
  return operationFailure('UNKNOWN_OPERATION', `Mailprobe has no operation named ${JSON.stringify(String(name).slice(0, 64))}.`)
}

export type AnyJobResult = SmtpResult | ApiResult | ProbeResult | CompareResult | DomainResult | ChecksResult

/** A stored run with everything needed to show it again. */
export interface HistoryEntry extends HistorySummary {
  result: AnyJobResult
}

/** What each operation resolves to. */
export interface OperationOutputs extends SandboxOperationOutputs {
  runCompare: { jobId: string }
  runSmtp: { jobId: string }
  runApi: { jobId: string }
  runProbe: { jobId: string }
  runProfile: { jobId: string }
  runDomain: { jobId: string }
  runChecks: { jobId: string }
  cancelJob: { cancelled: boolean }
  oauthSignIn: { jobId: string }
  /** `signedOut`: there were tokens to forget; `profile`: the profile as it is now (not signed in). */
  oauthSignOut: { signedOut: boolean; profile: Profile }
  listProfiles: ProfilesState
  saveProfile: Profile
  deleteProfile: { deleted: boolean }
  duplicateProfile: Profile
  listPresets: Preset[]
  exportProfiles: { suggestedName: string; content: string }
  exportChecks: { suggestedName: string; content: string }
  importProfiles: { imported: Profile[]; skipped: { name: string; reason: string }[] }
  listHistory: { entries: HistorySummary[]; total: number }
  getHistoryEntry: HistoryEntry | null
  deleteHistory: { deleted: number }
  exportTranscript: { suggestedName: string; content: string }
  pickFiles: { paths: string[] }
  saveFile: { saved: boolean; path: string | null }
  openExternal: { opened: boolean }
}

/** Main → renderer push channels. Job events travel in batches (about every 50 ms). */
export const events = {
  jobEvents: 'job:events',
  /** A profile's OAuth2 sign-in: its lines, the device code or the page to open, and how it ended (SignInEvent, one at a time). */
  signInEvents: 'oauth:events',
  /** The sandbox: a message arrived in its Inbox, or it started / stopped (SandboxEvent, one at a time). */
  ...sandboxEvents,
} as const

export type JobEventBatch = JobEvent<AnyJobResult>[]

/** Every invoke answers with this envelope: Electron passes only `message` of a thrown error. A refusal's code is one of OPERATION_ERROR_CODES. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: OperationFailure }

export type MailprobeApi = {
  [K in OperationName]: (input: z.input<(typeof operations)[K]['input']>) => Promise<Envelope<OperationOutputs[K]>>
} & {
  /** Subscribe to job event batches; returns the unsubscribe function. */
  onJobEvents(listener: (batch: JobEventBatch) => void): () => void
  /** Subscribe to sandbox events (new Inbox messages, status changes); returns the unsubscribe function. */
  onSandboxEvents(listener: (event: SandboxEvent) => void): () => void
  /** Subscribe to OAuth2 sign-in events (this window's sign-ins only); returns the unsubscribe function. */
  onSignInEvents(listener: (event: SignInEvent) => void): () => void
}

/** The push channels' names, for the hosts that forward them (register.ts, the web bridge). */
export type PushChannel = (typeof events)[keyof typeof events]
