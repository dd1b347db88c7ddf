import * as z from 'zod'
import type { CheckReport } from './checks'
import { ClassifiedErrorSchema } from './errors'
import { JobResultBaseSchema } from './transcript'

/**
 * The app's run of a check file: the path picked with pickFiles({ purpose: 'checks' }) in this
 * window (main reads only such a file), optionally narrowed to some checks by name. The secrets
 * the checks name (passwordEnv, keyEnv …) come from the environment of the app.
 */
export const checksJobSchema = z
  .object({
    path: z.string().min(1).max(4096),
    only: z.array(z.string().min(1).max(200)).max(500).optional(),
  })
  .strict()
export type ChecksJobInput = z.input<typeof checksJobSchema>
export type ChecksJob = z.output<typeof checksJobSchema>

/** Where a check file is wrong: the field (`checks[2].verify.port`, '' for the file), what to do, and the 1-based line and column when known. */
export const CheckFileProblemSchema = z.object({ field: z.string(), message: z.string(), line: z.number().int().nullable(), column: z.number().int().nullable() })
export type CheckFileProblem = z.infer<typeof CheckFileProblemSchema>

/**
 * A check file's run as one job. `ok`: every check passed. `error` is null for a file that ran,
 * however many checks failed; it is set when the file could not be run (INVALID_INPUT with
 * `problems`: the file's faults, each with its line) or the run was cancelled (the checks done
 * so far are in `report`).
 */
export const ChecksResultSchema = JobResultBaseSchema.extend({
  kind: z.literal('checks'),
  /** The file's name as the user picked it. */
  file: z.string(),
  error: ClassifiedErrorSchema.nullable(),
  problems: z.array(CheckFileProblemSchema),
  report: z.custom<CheckReport>().nullable(),
})
export type ChecksResult = z.output<typeof ChecksResultSchema>

/** "4 of 5 checks pass" (with the failed and errored counted when some did not). */
export function checksCountWords(report: Pick<CheckReport, 'checks'>): string {
  const total = report.checks.length
  const passed = report.checks.filter((c) => c.status === 'pass').length
  const failed = report.checks.filter((c) => c.status === 'fail').length
  const errored = report.checks.filter((c) => c.status === 'error').length
  const skipped = total - passed - failed - errored
  const rest = [failed ? `${failed} failed` : '', errored ? `${errored} could not run` : '', skipped ? `${skipped} skipped` : ''].filter(Boolean)
  return `${passed} of ${total} ${total === 1 ? 'check passes' : 'checks pass'}${rest.length ? ` (${rest.join(', ')})` : ''}`
}
