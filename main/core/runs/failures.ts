import type { ApiPhaseName, ApiProvider, ApiResult, ClassifiedError, CompareResult, PhaseName, SmtpPhaseName, SmtpResult } from '../../../preload/contract'
import { apiFailure } from '../http/result'
import { compareFailure, type CompareFailureRequest } from '../lab/result'
import { smtpFailure, type SmtpFailureTarget } from '../smtp/result'
import type { EventSink } from '../transcript/event-sink'
import { JobRecorder } from '../transcript/recorder'

/*
 * A profile run that cannot start (no saved password, a secret the keyring cannot decrypt, no
 * sender) still ends the way every job ends: an error line in the transcript and one result
 * event with a classified error, built by the failure builder of the engine it would have used.
 */

/** `preface`: info lines from before the run (an OAuth2 sign-in renewed, or refused), first in the transcript. */
function recorded<N extends PhaseName>(jobId: string, sink: EventSink, error: ClassifiedError, preface: readonly string[]): JobRecorder<N> {
  const rec = new JobRecorder<N>(jobId, sink)
  for (const line of preface) rec.line('info', line)
  rec.line('err', `${error.code}: ${error.message}`)
  return rec
}

export function failSmtpJob(jobId: string, sink: EventSink, error: ClassifiedError, target: SmtpFailureTarget, preface: readonly string[] = []): SmtpResult {
  const rec = recorded<SmtpPhaseName>(jobId, sink, error, preface)
  return rec.finish(smtpFailure(error, target, rec))
}

export function failApiJob(jobId: string, sink: EventSink, error: ClassifiedError, provider: ApiProvider, action: ApiResult['action']): ApiResult {
  const rec = recorded<ApiPhaseName>(jobId, sink, error, [])
  return rec.finish(apiFailure(error, { provider, action }, rec))
}

/** A comparison that cannot start (a profile without its secret, without a sender, or not signed in). */
export function failCompareJob(jobId: string, sink: EventSink, error: ClassifiedError, req: CompareFailureRequest, preface: readonly string[] = []): CompareResult {
  const rec = recorded(jobId, sink, error, preface)
  return rec.finish(compareFailure(error, req, rec))
}
