import type { ApiPhaseName, ApiResult, ClassifiedError } from '../../../preload/contract'
import { recordedSoFar, type JobRecorder } from '../transcript/recorder'

export type ApiFailureRequest = Pick<ApiResult, 'provider' | 'action'>

/**
 * The ApiResult of a request that was never sent or broke down (invalid input, a profile that
 * cannot run, a crash): the error, and `rec`'s transcript and phases when there is one. The one
 * builder of such results, for the engine, the runner and the CLI alike; apart from index.ts, so
 * the CLI can build its crash result without loading the engine.
 */
export function apiFailure(error: ClassifiedError, request: ApiFailureRequest, rec?: JobRecorder<ApiPhaseName>): ApiResult {
  return {
    ok: false,
    kind: 'api',
    provider: request.provider,
    action: request.action,
    error,
    warnings: [],
    ...recordedSoFar(rec),
    target: { method: '', url: '', address: null },
    tls: null,
    bytes: { sent: 0, received: 0 },
    result: { status: null, messageId: null, body: null },
  }
}
