import type { ClassifiedError, SmtpPhaseName, SmtpResult } from '../../../preload/contract'
import { recordedSoFar, type JobRecorder } from '../transcript/recorder'

export type SmtpFailureTarget = Omit<SmtpResult['target'], 'address'>

/**
 * The SmtpResult of a session that never started or broke down (invalid input, a profile that
 * cannot run, a crash): the error, and `rec`'s transcript and phases when there is one. The one
 * builder of such results, for the engine, the runner and the CLI alike; apart from index.ts,
 * which loads nodemailer, so the CLI can build its crash result without loading the engine.
 */
export function smtpFailure(error: ClassifiedError, target: SmtpFailureTarget, rec?: JobRecorder<SmtpPhaseName>): SmtpResult {
  return {
    ok: false,
    kind: 'smtp',
    error,
    warnings: [],
    ...recordedSoFar(rec),
    target: { ...target, address: null },
    tls: null,
    capabilities: { before: null, after: null },
    authMechanisms: [],
    authMethodUsed: null,
    bytes: { sent: 0, received: 0 },
    result: { messageId: null, response: null, accepted: [], rejected: [], messageSize: null },
  }
}
