import type { ClassifiedError, DomainPhaseName, DomainResult } from '../../../preload/contract'
import { recordedSoFar, type JobRecorder } from '../transcript/recorder'

export interface DomainTarget {
  domain: string
  /** The provider, `relay:HOST`, or null. */
  provider: string | null
}

/**
 * The DomainResult of a run that never ran or broke down (invalid input, a crash): no checks, the
 * error, and `rec`'s transcript and phases when there is one. The one builder of such results for
 * the engine, the runner and the CLI; apart from index.ts so they can build one without loading the checks.
 */
export function domainFailure(error: ClassifiedError, target: DomainTarget, rec?: JobRecorder<DomainPhaseName>): DomainResult {
  return { ok: false, kind: 'domain', ...target, checks: [], publish: [], dnssec: null, error, warnings: [], ...recordedSoFar(rec) }
}

/** The provider as a result names it: the provider's id, `relay:HOST`, or null. */
export function providerLabel(job: { provider?: string; relay?: string }): string | null {
  return job.provider ?? (job.relay ? `relay:${job.relay}` : null)
}
