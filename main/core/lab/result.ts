import type { ClassifiedError, CompareResult } from '../../../preload/contract'
import { recordedSoFar, type JobRecorder } from '../transcript/recorder'

export type CompareFailureRequest = Pick<CompareResult, 'mode' | 'action' | 'runs' | 'concurrency' | 'toInbox'>

/**
 * The CompareResult of a comparison that never started or broke down (input the lab refuses, a
 * profile without its secret, a crash): no figures, and `rec`'s transcript when there is one. The
 * one builder of such results, for the lab, the runner and the CLI alike.
 */
export function compareFailure(error: ClassifiedError, request: CompareFailureRequest, rec?: JobRecorder): CompareResult {
  return {
    ok: false,
    kind: 'compare',
    error,
    warnings: [],
    ...recordedSoFar(rec),
    ...request,
    completed: 0,
    cancelled: false,
    profiles: [],
    winner: null,
    toInbox: request.toInbox ?? false,
    winnerToInbox: null,
    samples: [],
  }
}
