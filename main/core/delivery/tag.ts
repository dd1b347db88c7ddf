// The two ends of a watched send that the engines load with themselves (small: the watch itself,
// imapflow and mailauth load only once a message has been accepted): the token header a watched
// message carries, and the watch's outcome folded into the engine's result.
import type { ClassifiedError, DkimSigning, JobDelivery, NetworkOptions, Phase, PhaseName } from '../../../preload/contract'
import { TOKEN_HEADER } from '../../../preload/contract/delivery'
import type { JobRecorder } from '../transcript/recorder'
import type { JobOptions } from '../transcript/event-sink'
import { newToken, type SentMessage } from './headers'
import type { DeliveryOutcome } from './index'

/**
 * Gives a message its token header (X-Mailprobe-Token) and returns the token: the one the message
 * already carries in that header, else `token`, else a fresh one.
 */
export function tagMessage(message: { headers: { name: string; value: string }[] }, token: string | undefined): string {
  const given = message.headers.find((h) => h.name.toLowerCase() === TOKEN_HEADER.toLowerCase())
  if (given) return given.value.trim()
  const value = token ?? newToken()
  message.headers.push({ name: TOKEN_HEADER, value })
  return value
}

interface Watched<N extends PhaseName> {
  ok: boolean
  error: ClassifiedError | null
  warnings: string[]
  phases: Phase<N>[]
  totalMs: number
  roundTrips: number
}

/** A watch begun before the send (see startDelivery): told of the acceptance, or abandoned. */
export interface SendWatch<N extends PhaseName> {
  /** The message was accepted at `acceptedAt` (job clock): waits for it and folds the outcome into the result (which fails when it was not seen). */
  accepted<R extends Watched<N>>(result: R, acceptedAt: number, messageId: string | null): Promise<R>
  /** The send failed or was cancelled: logs out, the result unchanged. */
  abandon(): Promise<void>
}

/**
 * Begins the mailbox watch as the send begins (it, imapflow and mailauth load only now): its lines
 * in the IMAP lane; once accepted, its wait is the `delivery` phase from `acceptedAt` to the moment
 * the message was seen. The send's start is the job's start (sentAt 0).
 */
export function watchBeforeSend<N extends PhaseName>(
  job: { delivery: JobDelivery; network: NetworkOptions; dkim?: Pick<DkimSigning, 'domain' | 'selector'> },
  token: string,
  rec: JobRecorder<N>,
  opts: Pick<JobOptions, 'signal' | 'sandboxInbox'>,
): SendWatch<N> {
  // The Message-ID is known once the message is built: the watch matches on it too from then on.
  const sent: SentMessage = { token, messageId: null }
  const starting = import('./index').then(({ startDelivery, deliveryLog }) =>
    startDelivery({
      request: job.delivery,
      sandboxInbox: opts.sandboxInbox,
      sent,
      signer: job.dkim ? { domain: job.dkim.domain, selector: job.dkim.selector } : null,
      network: job.network,
      log: deliveryLog(rec as JobRecorder),
      signal: opts.signal,
    }),
  )
  return {
    async accepted(result, acceptedAt, messageId) {
      sent.messageId = messageId
      const outcome = await (await starting).finish({ sentAt: 0, acceptedAt })
      return { ...result, ...withDelivery(result, outcome, acceptedAt, rec) }
    },
    async abandon() {
      await (await starting).abandon()
    },
  }
}

/**
 * An SMTP send's end for its watch: a message the server accepted (with a Message-ID) is waited for,
 * from the end of the reply to the end of data; otherwise the watch is let go and the result kept.
 */
export async function settleSmtpWatch<R extends Watched<N> & { result: { messageId: string | null } }, N extends PhaseName>(watch: SendWatch<N> | null, result: R): Promise<R> {
  if (!watch) return result
  if (!result.ok || result.result.messageId === null) {
    await watch.abandon()
    return result
  }
  const ack = result.phases.find((p) => p.name === 'dataAck')
  return watch.accepted(result, ack ? ack.startMs + ack.durationMs : result.totalMs, result.result.messageId)
}

/**
 * A result's fields once the watch is over: the `delivery` phase (from the acceptance to the moment
 * the message was seen, or to the end of the wait; no round trips of the send's), the delivery part,
 * the watch's warnings, and its failure as the run's (the send itself succeeded, so `ok` is the watch's).
 */
function withDelivery<N extends PhaseName>(result: Watched<N>, outcome: DeliveryOutcome, acceptedAt: number, rec: JobRecorder<N>): Watched<N> & { delivery: DeliveryOutcome['delivery'] } {
  const end = outcome.seenAt ?? rec.now()
  rec.phase({ name: 'delivery' as N, startMs: round(acceptedAt), durationMs: round(Math.max(0, end - acceptedAt)), roundTrips: 0 })
  const phases = rec.phases
  return {
    ok: outcome.error === null,
    error: outcome.error,
    warnings: [...result.warnings, ...outcome.warnings],
    phases,
    totalMs: round(Math.max(result.totalMs, end)),
    roundTrips: phases.reduce((n, p) => n + p.roundTrips, 0),
    delivery: outcome.delivery,
  }
}

const round = (ms: number) => Math.round(ms * 1000) / 1000
