import { z } from 'zod'
import { smtpJobSchema, type SmtpResult } from './smtp'
import type { JobEvent } from './transcript'

/**
 * The IPC contract: one entry per operation the renderer may call. The preload builds
 * `window.mailprobe` from this table, main validates every payload with `input`, and the
 * WebSocket bridge used by browser tests serves the same table.
 */
export const operations = {
  runSmtp: { channel: 'smtp:run', input: smtpJobSchema },
  cancelJob: { channel: 'job:cancel', input: z.object({ jobId: z.string().min(1).max(64) }).strict() },
} as const

export type OperationName = keyof typeof operations

/** What each operation resolves to. Jobs answer at once with their id; events follow on `events.jobEvents`. */
export interface OperationOutputs {
  runSmtp: { jobId: string }
  cancelJob: { cancelled: boolean }
}

/** Main → renderer push channels. Job events travel in batches (about every 50 ms). */
export const events = {
  jobEvents: 'job:events',
} as const

export type AnyJobResult = SmtpResult
export type JobEventBatch = JobEvent<AnyJobResult>[]

/** Every invoke answers with this envelope: Electron passes only `message` of a thrown error. */
export type Envelope<T> = { ok: true; value: T } | { ok: false; error: { code: string; message: string } }

export type MailprobeApi = {
  [K in OperationName]: (input: z.input<(typeof operations)[K]['input']>) => Promise<Envelope<OperationOutputs[K]>>
} & {
  /** Subscribe to job event batches; returns the unsubscribe function. */
  onJobEvents(listener: (batch: JobEventBatch) => void): () => void
}
