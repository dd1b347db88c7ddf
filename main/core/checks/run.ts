// Runs a check file's checks: each one engine job (jobs.ts), at most `concurrency` at once, judged
// against its assertions (assert.ts). Cancelling (the signal) cancels the checks in flight (they end
// as errors with CANCELLED) and skips the rest. Never throws: every check ends with an outcome.
import type {
  ApiJobInput,
  CheckEngineResult,
  CheckFile,
  CheckOutcome,
  CheckProgressEvent,
  CheckReport,
  CheckSpec,
  ClassifiedError,
  CompareJobInput,
  DomainJobInput,
  ProbeJobInput,
  SmtpJobInput,
} from '../../../preload/contract'
import { CHECK_CONCURRENCY_DEFAULT, checkKindOf } from '../../../preload/contract/checks'
import { EngineError, internalError } from '../errors'
import type { EventSink, JobOptions } from '../transcript/event-sink'
import { checkFigure, evaluateAssertions } from './assert'

type Engine<I, R> = (input: I, opts: JobOptions) => Promise<R>
type InputOf<E extends CheckJob['engine']> = Extract<CheckJob, { engine: E }>['input']

/** The engines a check runs on (the app or a test may substitute its own); loaded on first use by default. */
export interface CheckEngines {
  smtp: Engine<InputOf<'smtp'>, import('../../../preload/contract').SmtpResult>
  api: Engine<InputOf<'api'>, import('../../../preload/contract').ApiResult>
  probe: Engine<InputOf<'probe'>, import('../../../preload/contract').ProbeResult>
  domain: Engine<InputOf<'domain'>, import('../../../preload/contract').DomainResult>
  compare: Engine<InputOf<'compare'>, import('../../../preload/contract').CompareResult>
}

/** The engine job a check runs, secrets included. */
export type CheckJob =
  | { engine: 'smtp'; input: SmtpJobInput }
  | { engine: 'api'; input: ApiJobInput }
  | { engine: 'probe'; input: ProbeJobInput }
  | { engine: 'domain'; input: DomainJobInput }
  | { engine: 'compare'; input: CompareJobInput }

/**
 * Builds a check's engine job with its secrets read from `env`; throws EngineError (INVALID_INPUT)
 * when the check cannot run as written. The CLI's flag parsers are the one mapping from options to
 * job inputs (main/cli/check-jobs.ts): the hosts give it, since the core depends on no CLI.
 */
export type BuildCheckJob = (check: CheckSpec, env: NodeJS.ProcessEnv, baseDir?: string) => Promise<CheckJob>

export interface RunChecksOptions {
  buildJob: BuildCheckJob
  /** Where the *Env names are looked up (process.env in real use). */
  env: NodeJS.ProcessEnv
  /** Checks at once (default 4). */
  concurrency?: number
  /** Run only the checks of these names (the others are left out of the report). */
  only?: string[]
  signal?: AbortSignal
  onProgress?(event: CheckProgressEvent): void
  engines?: Partial<CheckEngines>
  /** Relative file options (ca, attach, profiles …) are resolved from here: the check file's directory (default process.cwd()). */
  baseDir?: string
  /** Where a check's job streams its events (its transcript), if anywhere. */
  sinkFor?(check: CheckSpec, index: number): EventSink | undefined
  /** The clock certDaysLeftMin counts from (tests). */
  now?: () => number
}

const defaultEngines: CheckEngines = {
  smtp: async (input, opts) => (await import('../smtp/index')).runSmtp(input, opts),
  api: async (input, opts) => (await import('../http/index')).runApi(input, opts),
  probe: async (input, opts) => (await import('../probe/index')).runProbe(input, opts),
  domain: async (input, opts) => (await import('../domain/index')).runDomain(input, opts),
  compare: async (input, opts) => (await import('../lab/index')).runCompare(input, opts),
}

/** Names in `only` that no check of the file has (the CLI refuses them as bad usage). */
export function unknownCheckNames(file: CheckFile, only: readonly string[]): string[] {
  const names = new Set(file.checks.map((c) => c.name))
  return only.filter((n) => !names.has(n))
}

export async function runChecks(file: CheckFile, opts: RunChecksOptions): Promise<CheckReport> {
  const started = performance.now()
  const only = opts.only ? new Set(opts.only) : null
  const selected = file.checks.filter((c) => !only || only.has(c.name))
  const engines: CheckEngines = { ...defaultEngines, ...opts.engines }
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? CHECK_CONCURRENCY_DEFAULT))
  const outcomes: CheckOutcome[] = new Array<CheckOutcome>(selected.length)
  let next = 0

  const worker = async () => {
    for (;;) {
      const index = next++
      if (index >= selected.length) return
      const check = selected[index]!
      const kind = checkKindOf(check)
      let outcome: CheckOutcome
      if (opts.signal?.aborted) outcome = { name: check.name, kind, status: 'skipped', durationMs: 0, figure: '', failures: [], error: null, result: null }
      else {
        opts.onProgress?.({ type: 'start', index, name: check.name, kind })
        outcome = await runOne(check, index, engines, opts)
      }
      outcomes[index] = outcome
      opts.onProgress?.({ type: 'done', index, outcome })
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, selected.length) }, worker))
  return { ok: outcomes.every((o) => o.status === 'pass'), checks: outcomes, totalMs: performance.now() - started }
}

async function runOne(check: CheckSpec, index: number, engines: CheckEngines, opts: RunChecksOptions): Promise<CheckOutcome> {
  const kind = checkKindOf(check)
  const started = performance.now()
  const ended = (fields: Pick<CheckOutcome, 'status' | 'failures' | 'error' | 'result'>): CheckOutcome => ({
    name: check.name,
    kind,
    durationMs: performance.now() - started,
    figure: checkFigure(kind, fields.result, fields.failures),
    ...fields,
  })
  let job: CheckJob
  try {
    job = await opts.buildJob(check, opts.env, opts.baseDir)
  } catch (err) {
    return ended({ status: 'error', failures: [], error: err instanceof EngineError ? err.info : internalError(err), result: null })
  }
  const jobOptions: JobOptions = { ...(opts.signal && { signal: opts.signal }), ...(opts.sinkFor && { sink: opts.sinkFor(check, index) }) }
  let result: CheckEngineResult
  try {
    result = await runJob(job, engines, jobOptions)
  } catch (err) {
    // The engines promise never to throw; if one does anyway, the check says so and the others go on.
    return ended({ status: 'error', failures: [], error: internalError(err), result: null })
  }
  const error: ClassifiedError | null = result.error
  const expect = check.expect ?? {}
  // Input the engine refused, or a cancelled run, is not a verdict on the server: the check could not be judged.
  if (error && (error.code === 'CANCELLED' || error.code === 'INVALID_INPUT') && expect.errorCode !== error.code) return ended({ status: 'error', failures: [], error, result })
  const failures = evaluateAssertions(kind, expect, result, opts.now?.() ?? Date.now())
  return ended({ status: failures.length ? 'fail' : 'pass', failures, error, result })
}

function runJob(job: CheckJob, engines: CheckEngines, opts: JobOptions): Promise<CheckEngineResult> {
  switch (job.engine) {
    case 'smtp':
      return engines.smtp(job.input, opts)
    case 'api':
      return engines.api(job.input, opts)
    case 'probe':
      return engines.probe(job.input, opts)
    case 'domain':
      return engines.domain(job.input, opts)
    case 'compare':
      return engines.compare(job.input, opts)
  }
}
