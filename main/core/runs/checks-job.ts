import { basename, dirname } from 'node:path'
import {
  checksCountWords,
  type CheckOutcome,
  type CheckProgressEvent,
  type CheckReport,
  type ChecksJob,
  type ChecksResult,
  type CheckFile,
  type CheckFileProblem,
  type ClassifiedError,
} from '../../../preload/contract'
import { loadCheckFile } from '../checks/load'
import { unknownCheckNames } from '../checks/run'
import { recordedSoFar, JobRecorder } from '../transcript/recorder'
import type { EventSink } from '../transcript/event-sink'

/*
 * A check file run from the app: read the file the user picked, validate it (a bad file ends the
 * job with each problem and its line), run its checks with the app's environment for the secrets
 * they name, one progress line per check, and end with the report as the job's result.
 */

/** runChecks as the job calls it (the checks engine; substitutable like the other engines). */
export type RunChecks = (file: CheckFile, opts: { env: NodeJS.ProcessEnv; only?: string[]; signal: AbortSignal; baseDir: string; onProgress: (e: CheckProgressEvent) => void }) => Promise<CheckReport>

/** The ChecksResult of a run that never ran its checks (a bad file, a crash). */
export function checksFailure(error: ClassifiedError, file: string, problems: CheckFileProblem[] = [], rec?: JobRecorder): ChecksResult {
  return { kind: 'checks', ok: false, error, file, problems, report: null, warnings: [], ...recordedSoFar(rec) }
}

/** One line per finished check: "✔ relay verifies · 412 ms · TLSv1.3", "✘ ports · portsOpen: expected …". */
export function outcomeLine(o: CheckOutcome): string {
  const mark = o.status === 'pass' ? 'pass' : o.status === 'fail' ? 'FAIL' : o.status === 'error' ? 'ERROR' : 'skipped'
  const why = o.error ? ` — ${o.error.code}: ${o.error.message}` : o.failures.length ? ` — ${o.failures.map((f) => f.message).join('; ')}` : ''
  return `${mark} · ${o.name} (${o.kind}) · ${Math.round(o.durationMs)} ms${o.figure ? ` · ${o.figure}` : ''}${why}`
}

export async function runChecksJob(input: ChecksJob, ctx: { jobId: string; sink: EventSink; signal: AbortSignal }, env: NodeJS.ProcessEnv, run: RunChecks): Promise<ChecksResult> {
  const file = basename(input.path)
  const rec = new JobRecorder(ctx.jobId, ctx.sink)
  rec.line('info', `Check file ${file}: secrets named in it (passwordEnv, keyEnv …) come from the environment of the app`)
  const loaded = await loadCheckFile(input.path)
  if (!loaded.ok) {
    for (const issue of loaded.issues) rec.line('err', `${issue.line !== null ? `line ${issue.line}: ` : ''}${issue.field ? `${issue.field}: ` : ''}${issue.message}`)
    return rec.finish(checksFailure(loaded.error, file, loaded.issues, rec))
  }
  const unknown = input.only ? unknownCheckNames(loaded.file, input.only) : []
  if (unknown.length) {
    const error: ClassifiedError = { code: 'INVALID_INPUT', message: `${file} has no check named ${unknown.map((n) => JSON.stringify(n)).join(', ')}.` }
    rec.line('err', error.message)
    return rec.finish(checksFailure(error, file, [], rec))
  }
  const total = input.only?.length ?? loaded.file.checks.length
  let done = 0
  const report = await run(loaded.file, {
    env,
    ...(input.only ? { only: input.only } : {}),
    signal: ctx.signal,
    baseDir: dirname(input.path),
    onProgress: (e) => {
      if (e.type === 'start') rec.line('info', `running ${e.name} (${e.kind})`, { detail: true })
      else {
        done++
        rec.line(e.outcome.status === 'pass' || e.outcome.status === 'skipped' ? 'info' : 'err', outcomeLine(e.outcome), { progress: { done, total, etaMs: null, elapsedMs: rec.now() } })
      }
    },
  })
  const cancelled = ctx.signal.aborted
  const error: ClassifiedError | null = cancelled ? { code: 'CANCELLED', message: 'The check run was cancelled; the checks finished before that are in the report.' } : null
  rec.line(report.ok && !cancelled ? 'info' : 'err', `${checksCountWords(report)} · ${Math.round(report.totalMs)} ms`)
  const roundTrips = report.checks.reduce((n, c) => n + (c.result?.roundTrips ?? 0), 0)
  return rec.finish({ kind: 'checks', ok: report.ok && !cancelled, error, file, problems: [], report, warnings: [], ...recordedSoFar(rec), totalMs: report.totalMs, roundTrips })
}
