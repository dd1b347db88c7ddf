// Real delivery-proof results (captured by test/fixtures/capture-delivery-runs.ts from the embedded
// sandbox and from Postfix delivering to Dovecot), parsed with the contract's schemas: a file that no
// longer matches the contract fails every test that uses it, so the fixtures cannot drift.
import * as z from 'zod'
import { DeliveryResultSchema, JobProgressSchema, SmtpResultSchema, TranscriptLineSchema, type DeliveryResult, type JobEvent, type SmtpResult } from '@contract'
import captured from './delivery-runs.json'

const raw = captured as unknown as Record<string, unknown>

const smtp = (name: string): SmtpResult => SmtpResultSchema.parse(raw[name]) as SmtpResult
const delivery = (name: string): DeliveryResult => DeliveryResultSchema.parse(raw[name])

const EventSchema = z.union([
  TranscriptLineSchema.extend({ type: z.literal('transcript'), jobId: z.string(), seq: z.number(), progress: JobProgressSchema.optional(), transient: z.literal(true).optional() }),
  z.object({ type: z.literal('phase'), jobId: z.string(), seq: z.number(), phase: z.object({ name: z.string() }).loose() }),
  z.object({ type: z.literal('result'), jobId: z.string(), seq: z.number(), result: SmtpResultSchema }),
])

/** A send through the sandbox, watched in the sandbox's inbox. */
export const sandboxRun = smtp('sandbox')
/** A DKIM-signed send through Postfix, seen in Dovecot's INBOX; Mailprobe checked DKIM, SPF and DMARC itself. */
export const inboxRun = smtp('inbox')
/** A send Dovecot's Sieve filed into Junk (watched with polling; it was there at the first look). */
export const junkRun = smtp('junk')
/** A send the watch did not see (sent to another mailbox): every event it streamed, countdown ticks included, its result last. */
export const timeoutEvents = (raw.timeoutEvents as unknown[]).map((e) => EventSchema.parse(e)) as JobEvent<SmtpResult>[]
export const timeoutRun = (timeoutEvents.at(-1) as { result: SmtpResult }).result
/** A send whose mailbox refused the watch's login. */
export const authFailedRun = smtp('authFailed')
/** A message in Gmail's shape (TLS hops, the receiver's Authentication-Results), announced by IDLE. */
export const receiverDelivery = delivery('receiver')
/** A message in Exim's shape whose clocks disagree (skewed hops), found by polling. */
export const skewedDelivery = delivery('skewed')

/** A captured delivery with some facts changed, parsed again so the variant is as valid as the original. */
export function deliveryVariant(base: DeliveryResult, over: Partial<DeliveryResult>): DeliveryResult {
  return DeliveryResultSchema.parse({ ...base, ...over })
}

/** A captured run whose delivery (and delivery phase) says something else. */
export function withDelivery(run: SmtpResult, over: Partial<DeliveryResult>, deliveryMs?: number): SmtpResult {
  const d = deliveryVariant(run.delivery!, over)
  const phases = run.phases.map((p) => (p.name === 'delivery' && deliveryMs !== undefined ? { ...p, durationMs: deliveryMs } : p))
  return SmtpResultSchema.parse({ ...run, delivery: d, phases }) as SmtpResult
}
