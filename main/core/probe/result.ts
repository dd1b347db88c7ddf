import type { ClassifiedError, ProbePhaseName, ProbeRecommendation, ProbeResult } from '../../../preload/contract'
import { recordedSoFar, type JobRecorder } from '../transcript/recorder'

export type ProbeFailureTarget = Pick<ProbeResult, 'host' | 'mode' | 'timeoutMs'>

/**
 * The ProbeResult of a probe that never ran or broke down (invalid input, a crash): no ports, a
 * recommendation that says why there is none, and `rec`'s transcript and phases when there is one.
 * The one builder of such results, for the engine, the runner and the CLI alike; apart from
 * index.ts, so the CLI can build its crash result without loading the engine.
 */
export function probeFailure(error: ClassifiedError, target: ProbeFailureTarget, rec?: JobRecorder<ProbePhaseName>): ProbeResult {
  return {
    ok: false,
    kind: 'probe',
    ...target,
    addresses: [],
    ports: [],
    mx: null,
    recommendation: noRecommendation(error),
    error,
    warnings: [],
    ...recordedSoFar(rec),
  }
}

/** The recommendation of a probe that failed as a whole: none, and why. */
export function noRecommendation(error: ClassifiedError): ProbeRecommendation {
  return { port: null, host: null, security: null, reason: `No recommendation: ${error.message}` }
}
