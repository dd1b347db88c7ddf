import * as z from 'zod'
import type { DomainCheck } from './domain'
import { ClassifiedErrorSchema } from './errors'

/** c = client, s = server, tls = TLS event, info = engine note, err = error. */
export const DirectionSchema = z.enum(['c', 's', 'tls', 'info', 'err'])
export type Direction = z.infer<typeof DirectionSchema>

/** A lane of a job's transcript beside its main exchange: `imap`, the delivery watch's mailbox connections. */
export const TRANSCRIPT_LANES = ['imap'] as const
export type TranscriptLane = (typeof TRANSCRIPT_LANES)[number]

/** One transcript line as results and exports carry it; `t` is ms since the job started. */
export const TranscriptLineSchema = z.object({
  t: z.number(),
  dir: DirectionSchema,
  text: z.string(),
  port: z.number().int().optional(),
  /** A detail (each address tried, the certificate's names and chain, a proxy's reply): shown with --verbose, dimmed in the app. */
  detail: z.literal(true).optional(),
  /** The line belongs to a lane beside the main exchange (absent: the SMTP session or the HTTPS request itself). */
  lane: z.enum(TRANSCRIPT_LANES).optional(),
})
export type TranscriptLine = z.infer<typeof TranscriptLineSchema>

/** The dial step's phases, the same for every job kind: DNS, TCP connect, the proxy's handshake, TLS. */
export const NET_PHASES = ['dns', 'connect', 'proxy', 'tls'] as const
/**
 * An SMTP session's phases: the dial step's; `silence` (auto: the first connection's wait for a greeting
 * that never came); the greeting; one per command, `ehlo2` after STARTTLS, `data` the body and `dataAck`
 * the server's verdict on it; `delivery`, when a mailbox is watched, from the acceptance to the moment
 * the message was seen there.
 */
export const SMTP_PHASES = [...NET_PHASES, 'silence', 'banner', 'ehlo', 'starttls', 'ehlo2', 'auth', 'mail', 'rcpt', 'data', 'dataAck', 'rset', 'noop', 'quit', 'command', 'delivery'] as const
/** An HTTPS request's phases: the dial step's, then the request written, the wait for the head (TTFB), the body; `delivery` as for SMTP. */
export const API_PHASES = [...NET_PHASES, 'send', 'wait', 'download', 'delivery'] as const
/** A probe's phases: the MX lookup, the dial step's, and the dialogue it holds on each port. */
export const PROBE_PHASES = ['dns (MX)', ...NET_PHASES, 'banner', 'ehlo', 'helo', 'starttls', 'quit'] as const
/** A domain-readiness run's phases: one per check (they overlap: the checks run concurrently). */
export const DOMAIN_PHASES = ['mx', 'ptr', 'spf', 'dkim', 'dmarc', 'alignment', 'mta-sts', 'tls-rpt', 'dane', 'bimi', 'bulk-sender'] as const
export const PHASE_NAMES = [...new Set([...SMTP_PHASES, ...API_PHASES, ...PROBE_PHASES, ...DOMAIN_PHASES])] as [PhaseName, ...PhaseName[]]
export type NetPhaseName = (typeof NET_PHASES)[number]
export type SmtpPhaseName = (typeof SMTP_PHASES)[number]
export type ApiPhaseName = (typeof API_PHASES)[number]
export type ProbePhaseName = (typeof PROBE_PHASES)[number]
export type DomainPhaseName = (typeof DOMAIN_PHASES)[number]
export type PhaseName = SmtpPhaseName | ApiPhaseName | ProbePhaseName | DomainPhaseName

/** One bar of the waterfall, its name one of `names`. `roundTrips` is how many times the client waited on the network in it. */
export function phaseSchema<const N extends readonly [PhaseName, ...PhaseName[]]>(names: N) {
  return z.object({
    name: z.enum(names),
    startMs: z.number(),
    durationMs: z.number(),
    roundTrips: z.number().int().nonnegative(),
    /** The port this phase belongs to, when a job talks to several (the port probe). */
    port: z.number().int().optional(),
  })
}
export const PhaseSchema = phaseSchema(PHASE_NAMES)
export interface Phase<N extends PhaseName = PhaseName> {
  name: N
  startMs: number
  durationMs: number
  roundTrips: number
  port?: number
}

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

/** `transient`: streamed only, never kept in the result's transcript (a countdown's tick, carrying its `progress`). */
/** `check`: a domain-readiness check that just finished, riding on the info line that says it in words (the app shows checks as they finish). */
export type TranscriptEvent = TranscriptLine & { type: 'transcript'; jobId: string; seq: number; progress?: JobProgress; transient?: true; check?: DomainCheck }
export type PhaseEvent = { type: 'phase'; jobId: string; seq: number; phase: Phase }
export type ResultEvent<R = unknown> = { type: 'result'; jobId: string; seq: number; result: R }
/** Everything a job streams, in `seq` order; the result event is always last. */
export type JobEvent<R = unknown> = TranscriptEvent | PhaseEvent | ResultEvent<R>
