import type { ApiProvider, ApiResult, ClassifiedError, CompareResult, SmtpResult } from '../../../preload/contract'
import { smtpFailure, type SmtpFailureTarget } from '../smtp/result'
import type { EventSink } from '../transcript/event-sink'
import { JobRecorder } from '../transcript/recorder'

/*
 * A profile run that cannot start (no saved password, a secret the keyring cannot decrypt, no
 * sender) still ends the way every job ends: an error line in the transcript and one result
 * event with a classified error, in the shape of the engine it would have used.
 */

function recorded(jobId: string, sink: EventSink, error: ClassifiedError): JobRecorder {
  const rec = new JobRecorder(jobId, sink)
  rec.line('err', `${error.code}: ${error.message}`)
  return rec
}

export function failSmtpJob(jobId: string, sink: EventSink, error: ClassifiedError, target: SmtpFailureTarget): SmtpResult {
  const rec = recorded(jobId, sink, error)
  return rec.finish(smtpFailure(error, target, rec))
}

export function failApiJob(jobId: string, sink: EventSink, error: ClassifiedError, provider: ApiProvider, action: ApiResult['action']): ApiResult {
  const rec = recorded(jobId, sink, error)
  return rec.finish<ApiResult>({
    ok: false,
    kind: 'api',
    provider,
    action,
    error,
    warnings: [],
    phases: [],
    totalMs: rec.now(),
    roundTrips: 0,
    transcript: rec.lines,
    target: { method: '', url: '', address: null },
    tls: null,
    bytes: { sent: 0, received: 0 },
    result: { status: null, messageId: null, body: null },
  })
}

type CompareRequest = Pick<CompareResult, 'mode' | 'action' | 'runs' | 'concurrency'>

/** A comparison that cannot start (a profile without its secret, or without a sender). */
export function failCompareJob(jobId: string, sink: EventSink, error: ClassifiedError, req: CompareRequest): CompareResult {
  const rec = recorded(jobId, sink, error)
  return rec.finish(compareFailure(error, req, rec))
}

/** The CompareResult of a comparison that never started (also the lab's, for input it refuses); `rec` holds the error line. */
export function compareFailure(error: ClassifiedError, req: CompareRequest, rec: JobRecorder): CompareResult {
  return {
    ok: false,
    kind: 'compare',
    error,
    warnings: [],
    phases: [],
    totalMs: rec.now(),
    roundTrips: 0,
    transcript: rec.lines,
    ...req,
    completed: 0,
    cancelled: false,
    profiles: [],
    winner: null,
    samples: [],
  }
}
