import { z } from 'zod'
import { ClassifiedErrorSchema } from './errors'

/** c = client, s = server, tls = TLS event, info = engine note, err = error. */
export const DirectionSchema = z.enum(['c', 's', 'tls', 'info', 'err'])
export type Direction = z.infer<typeof DirectionSchema>

/** One transcript line as results and exports carry it; `t` is ms since the job started. */
export const TranscriptLineSchema = z.object({
  t: z.number(),
  dir: DirectionSchema,
  text: z.string(),
  port: z.number().int().optional(),
  /** A detail (each address tried, the certificate's names and chain, a proxy's reply): shown with --verbose, dimmed in the app. */
  detail: z.literal(true).optional(),
})
export type TranscriptLine = z.infer<typeof TranscriptLineSchema>

/** One bar of the waterfall. `roundTrips` is how many times the client waited on the network in it. */
export const PhaseSchema = z.object({
  name: z.string(),
  startMs: z.number(),
  durationMs: z.number(),
  roundTrips: z.number().int().nonnegative(),
  /** The port this phase belongs to, when a job talks to several (the port probe). */
  port: z.number().int().optional(),
})
export type Phase = z.infer<typeof PhaseSchema>

/** What every job result carries, whatever the protocol. */
export const JobResultBaseSchema = z.object({
  ok: z.boolean(),
  error: ClassifiedErrorSchema.nullable(),
  warnings: z.array(z.string()),
  phases: z.array(PhaseSchema),
  totalMs: z.number(),
  roundTrips: z.number().int(),
  transcript: z.array(TranscriptLineSchema),
})

/**
 * How far a long job (the latency lab) has got. Rides on a transcript event (an 'info' line that
 * says the same in words), so consumers that know nothing of it just show the line.
 */
export const JobProgressSchema = z.object({
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  /** Estimated time left in ms (null until the first step has finished). */
  etaMs: z.number().nullable(),
  elapsedMs: z.number(),
})
export type JobProgress = z.infer<typeof JobProgressSchema>

export type TranscriptEvent = TranscriptLine & { type: 'transcript'; jobId: string; seq: number; progress?: JobProgress }
export type PhaseEvent = { type: 'phase'; jobId: string; seq: number; phase: Phase }
export type ResultEvent<R = unknown> = { type: 'result'; jobId: string; seq: number; result: R }
/** Everything a job streams, in `seq` order; the result event is always last. */
export type JobEvent<R = unknown> = TranscriptEvent | PhaseEvent | ResultEvent<R>
