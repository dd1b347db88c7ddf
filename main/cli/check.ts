// `mailprobe check [FILE]`: runs a check file (mailprobe.checks.yaml) the way a deployment pipeline
// does: a line per check as it finishes, then a table (check, status, the figure that mattered, the
// assertion that failed), JUnit XML for the CI's test reporter, `::error` annotations under GitHub
// Actions, and with --every a watch mode (one line per round, optionally OpenMetrics for Prometheus).
// Self-contained like the other module commands; the engine, the YAML parser and prom-client are
// imported when a run starts, so --help and usage errors stay cheap.
import { existsSync, renameSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { CHECK_CONCURRENCY_DEFAULT, CHECK_CONCURRENCY_MAX, CHECK_FILE_NAMES, type CheckFile, type CheckOutcome, type CheckReport } from '../../preload/contract/checks'
import { OUTPUT_OPTIONS, parseCommand, UsageError } from './args'
import { assertionLine, githubAnnotations, junitXml } from './check-ci'
import { cancelOnInterrupt, INTERRUPTED, type InterruptIO } from './interrupt'
import { formatJson, paint, plural, quoteInput, sanitize, SGR, useColor, type Style } from './print'

/** --every's bounds: a round a second at most, a round a day at least. */
export const EVERY_MIN_MS = 1000
export const EVERY_MAX_MS = 86_400_000

export const CHECK_HELP = `Usage: mailprobe check [FILE] [--only NAME ...] [--concurrency N] [--json] [--junit FILE]
                       [--every DURATION] [--metrics-port PORT]

Runs the checks of a check file (FILE, default ${CHECK_FILE_NAMES.join(', ')} in the current
folder): each a probe, verify, send, api, compare, domain or deliver run with assertions on its
result (maxMs, tlsMin, certDaysLeftMin, portsOpen, delivered, spf, errorCode …). Secrets are named
by environment variable in the file (passwordEnv: SMTP_PASSWORD), never written in it.
Prints a line per check as it finishes, then a table: check, status, the figure that mattered and
the assertion that failed.

Options:
  --only NAME              run only this check (by its name); repeat for more
  --concurrency N          checks run at once (default ${CHECK_CONCURRENCY_DEFAULT}, 1 to ${CHECK_CONCURRENCY_MAX})
  --json                   print one JSON object (the report) instead of the lines and table:
                           {"ok","checks":[{"name","kind","status","durationMs","figure",
                            "failures":[{"assertion","expected","actual","message"}],"error",
                            "result"}],"totalMs"} (with --every: one line of JSON per round)
  --junit FILE             also write the report as JUnit XML (one test case per check; a failure
                           holds the failed assertions and the end of the transcript), for the test
                           reports of GitLab, Jenkins and GitHub. Under GitHub Actions
                           (GITHUB_ACTIONS=true) failed checks are also printed as ::error annotations
  --every DURATION         run the checks again and again, one round every DURATION (30s, 5m, 1h,
                           1h30m; at least 1s), printing one line per round, until Ctrl-C; each
                           round is kept in History (history/ in mailprobe's data folder)
  --metrics-port PORT      with --every: serve the latest round's figures as OpenMetrics on
                           http://127.0.0.1:PORT/metrics for Prometheus (0: a free port, printed):
                           per check its duration, round trips, success (1/0), days left on the
                           certificate and time to inbox, and the number of rounds
  -h, --help               this help

Examples:
  mailprobe check
  mailprobe check ci/mail.checks.yaml --only "relay verifies" --junit report.xml
  mailprobe check --json | jq '.checks[] | select(.status != "pass") | .name'
  mailprobe check --every 5m --metrics-port 9464

Ctrl-C cancels the checks still running (the report of what finished is still printed) and exits
130; a second Ctrl-C quits at once.
Exit status: 0 every check passed, 1 a check failed or could not run, 2 bad usage or a bad check
file (the message names the line), 130 interrupted (Ctrl-C).
`

export interface CheckRunRequest {
  action: 'run'
  command: 'check'
  /** The check file: FILE as given, else the default name found in `cwd`; resolved when the run starts. */
  file: string | null
  only: string[]
  concurrency: number
  json: boolean
  junit: string | null
  /** --every in milliseconds, or null for one run. */
  everyMs: number | null
  /** --metrics-port (0: a free port), or null. */
  metricsPort: number | null
}

export type CheckCliRequest = { action: 'help'; topic: 'check' } | CheckRunRequest

const OPTIONS = {
  only: { type: 'string', multiple: true },
  concurrency: { type: 'string' },
  junit: { type: 'string' },
  every: { type: 'string' },
  'metrics-port': { type: 'string' },
  json: OUTPUT_OPTIONS.json,
  help: OUTPUT_OPTIONS.help,
} as const

function usage(message: string): UsageError {
  return new UsageError(message, 'check')
}

/** The words after `mailprobe check` → a request. Pure; bad usage throws UsageError (exit status 2). */
export function parseCheckArgs(argv: readonly string[]): CheckCliRequest {
  const parsed = parseCommand(argv, OPTIONS, { command: 'check' })
  if (parsed === 'help') return { action: 'help', topic: 'check' }
  const { values: v, positionals } = parsed
  if (positionals.length > 1) throw usage(`one check file at a time (got ${positionals.length} words); options start with --, e.g. --only NAME`)
  const only = [...new Set((v.only ?? []).map((n) => n.trim()))]
  if (only.some((n) => !n)) throw usage('--only takes the name of a check, e.g. --only "relay verifies"')
  const concurrency = v.concurrency === undefined ? CHECK_CONCURRENCY_DEFAULT : parseConcurrency(v.concurrency)
  const everyMs = v.every === undefined ? null : parseEvery(v.every)
  const metricsPort = v['metrics-port'] === undefined ? null : parseMetricsPort(v['metrics-port'])
  if (metricsPort !== null && everyMs === null) throw usage('--metrics-port needs --every DURATION: the metrics are those of the latest round of a watch')
  if (v.junit !== undefined && !v.junit.trim()) throw usage('--junit takes the file to write, e.g. --junit report.xml')
  const junit = v.junit ?? null
  return { action: 'run', command: 'check', file: positionals[0] ?? null, only, concurrency, json: v.json ?? false, junit, everyMs, metricsPort }
}

function parseConcurrency(value: string): number {
  const n = /^\d{1,3}$/.test(value) ? Number(value) : NaN
  if (!(n >= 1 && n <= CHECK_CONCURRENCY_MAX)) throw usage(`--concurrency takes a number from 1 to ${CHECK_CONCURRENCY_MAX} (got ${quoteInput(value)})`)
  return n
}

function parseMetricsPort(value: string): number {
  const n = /^\d{1,5}$/.test(value) ? Number(value) : NaN
  if (!(n >= 0 && n <= 65535)) throw usage(`--metrics-port takes a port from 1 to 65535 (0: a free one) (got ${quoteInput(value)})`)
  return n
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** A duration such as 30s, 5m, 1h or 1h30m → milliseconds; null when it is not one. */
export function parseDuration(text: string): number | null {
  const t = text.trim().toLowerCase()
  if (!/^(\d{1,6}(ms|s|m|h|d))+$/.test(t)) return null
  let total = 0
  for (const [, n, unit] of t.matchAll(/(\d+)(ms|s|m|h|d)/g)) total += Number(n) * UNIT_MS[unit!]!
  return total
}

function parseEvery(value: string): number {
  const ms = parseDuration(value)
  if (ms === null) throw usage(`--every takes a duration such as 30s, 5m, 1h or 1h30m (got ${quoteInput(value)})`)
  if (ms < EVERY_MIN_MS) throw usage(`--every is at least 1s (got ${quoteInput(value)})`)
  if (ms > EVERY_MAX_MS) throw usage(`--every is at most 24h (got ${quoteInput(value)})`)
  return ms
}

/** FILE as given (it must exist), else the first default name present in `cwd`. A missing file is bad usage. */
export function resolveCheckFile(file: string | null, cwd: string): string {
  if (file !== null) {
    const path = resolve(cwd, file)
    if (!existsSync(path)) throw usage(`no such check file: ${quoteInput(file, 200)}`)
    return path
  }
  for (const name of CHECK_FILE_NAMES) {
    const path = join(cwd, name)
    if (existsSync(path)) return path
  }
  throw usage(`no check file given, and none of ${CHECK_FILE_NAMES.join(', ')} in ${quoteInput(cwd, 200)}: mailprobe check FILE`)
}

/** Where the command writes and listens; process.stdout/stderr/env and process itself in real use. */
export interface CheckIO extends InterruptIO {
  stdout: { write(text: string): unknown; isTTY?: boolean }
  stderr: { write(text: string): unknown; isTTY?: boolean }
  env: NodeJS.ProcessEnv
  /** Where a relative FILE (and the default file) is looked for: process.cwd() when not given. */
  cwd?: string
}

const STATUS_COLOR: Record<CheckOutcome['status'], string> = { pass: SGR.green, fail: SGR.red + SGR.bold, error: SGR.red, skipped: SGR.dim }
const STATUS_WORD: Record<CheckOutcome['status'], string> = { pass: 'PASS', fail: 'FAIL', error: 'ERROR', skipped: 'SKIP' }

function statusWord(status: CheckOutcome['status'], style: Style): string {
  return paint(STATUS_WORD[status].padEnd(5), STATUS_COLOR[status], style)
}

/** What went wrong with a check, in one line: its first failed assertion (and how many more), or its error. */
export function problemOf(check: CheckOutcome): string {
  if (check.status === 'fail') {
    const [first, ...rest] = check.failures
    if (!first) return 'the check failed'
    return rest.length ? `${assertionLine(first)} (and ${plural(rest.length, 'more')})` : assertionLine(first)
  }
  if (check.status === 'error') return check.error ? `${check.error.code}: ${check.error.message}` : 'could not run'
  if (check.status === 'skipped') return 'not run'
  return ''
}

/** One finished check, as the progress shows it: `  PASS   relay verifies  812 ms — 2 round trips`. */
export function formatProgressLine(check: CheckOutcome, style: Style): string {
  const problem = problemOf(check)
  const figure = check.figure ? `  ${sanitize(check.figure)}` : ''
  return `  ${statusWord(check.status, style)}  ${sanitize(check.name)}${figure}${problem && check.status !== 'skipped' ? `  ${paint(`— ${sanitize(problem)}`, SGR.red, style)}` : ''}`
}

/** The table (check, status, figure, failed assertion) and the verdict line. */
export function formatCheckTable(report: CheckReport, style: Style, opts: { interrupted?: boolean } = {}): string {
  const rows = report.checks.map((c) => [sanitize(c.name), STATUS_WORD[c.status], sanitize(c.figure), sanitize(problemOf(c))])
  const head = ['Check', 'Status', 'Figure', 'Failed assertion']
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]) => `  ${cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd()
  const out = ['', paint(line(head), SGR.bold, style)]
  report.checks.forEach((c, i) => {
    const cells = rows[i]!
    const text = line(cells)
    out.push(c.status === 'pass' ? text : paint(text, STATUS_COLOR[c.status], style))
  })
  out.push('', formatVerdict(report, style, opts))
  return `${out.join('\n')}\n`
}

function counts(report: CheckReport): Record<CheckOutcome['status'], number> {
  const n = { pass: 0, fail: 0, error: 0, skipped: 0 }
  for (const c of report.checks) n[c.status]++
  return n
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`
}

export function formatVerdict(report: CheckReport, style: Style, opts: { interrupted?: boolean } = {}): string {
  const n = counts(report)
  const total = report.checks.length
  const parts = [`${n.pass} passed`, ...(n.fail ? [`${n.fail} failed`] : []), ...(n.error ? [`${n.error} could not run`] : []), ...(n.skipped ? [`${n.skipped} skipped`] : [])]
  const tail = `${parts.join(', ')} of ${plural(total, 'check')} in ${seconds(report.totalMs)}`
  if (opts.interrupted) return paint(`INTERRUPTED — ${tail}`, SGR.yellow + SGR.bold, style)
  if (n.fail || n.error) return paint(`FAILED — ${tail}`, SGR.red + SGR.bold, style)
  return paint(`PASS — ${tail}`, SGR.green + SGR.bold, style)
}

/** One round of --every: `2024-05-01T12:00:00Z  round 3  4 passed, 1 failed  slowest: relay verifies 812 ms`. */
export function formatRoundLine(round: number, at: Date, report: CheckReport, style: Style): string {
  const n = counts(report)
  const parts = [`${n.pass} passed`, `${n.fail + n.error} failed`, ...(n.skipped ? [`${n.skipped} skipped`] : [])]
  const ran = report.checks.filter((c) => c.status !== 'skipped')
  const slowest = ran.reduce<CheckOutcome | null>((a, c) => (a === null || c.durationMs > a.durationMs ? c : a), null)
  const slow = slowest ? `  slowest: ${sanitize(slowest.name)} ${seconds(slowest.durationMs)}${slowest.figure ? ` (${sanitize(slowest.figure)})` : ''}` : ''
  const text = `${at.toISOString().slice(0, 19)}Z  round ${round}  ${parts.join(', ')}${slow}`
  return n.fail || n.error ? paint(text, SGR.red, style) : text
}

/** True when the whole report passed (skipped checks count against it only when interrupted: then exit 130 wins anyway). */
function failed(report: CheckReport): boolean {
  return report.checks.some((c) => c.status === 'fail' || c.status === 'error')
}

/** The engine's loader and runner (and the YAML parser), loaded when a run starts. */
async function loadEngine() {
  const [core, { buildCheckJob }] = await Promise.all([import('../core/checks'), import('./check-jobs')])
  return { ...core, runChecks: (file: CheckFile, opts: Omit<Parameters<typeof core.runChecks>[1], 'buildJob'>) => core.runChecks(file, { ...opts, buildJob: buildCheckJob }) }
}

/** Runs a check request (or prints help). Returns the exit status; bad usage and a bad file throw UsageError (2). */
export async function runCheckCommand(req: CheckCliRequest, io: CheckIO): Promise<number> {
  if (req.action === 'help') {
    io.stdout.write(CHECK_HELP)
    return 0
  }
  const path = resolveCheckFile(req.file, io.cwd ?? process.cwd())
  const engine = await loadEngine()
  const file = await loadFile(engine, path)
  const unknown = engine.unknownCheckNames(file, req.only)
  if (unknown.length) throw usage(`--only ${quoteInput(unknown[0]!)}: no check has that name; the checks are ${file.checks.map((c) => quoteInput(c.name)).join(', ')}`)
  return req.everyMs === null ? runOnce(req, io, engine, file, path) : runWatch(req, io, engine, file, path, req.everyMs)
}

type Engine = Awaited<ReturnType<typeof loadEngine>>
type LoadedFile = CheckFile

/** Reads and validates the file; any problem in it (its line and field named) is bad usage. */
async function loadFile(engine: Engine, path: string): Promise<LoadedFile> {
  const loaded = await engine.loadCheckFile(path)
  if (!loaded.ok) throw usage(loaded.error.message)
  return loaded.file
}

/** The runner's options both modes share: relative paths in the file are the file's folder's. */
function runOptions(req: CheckRunRequest, io: CheckIO, path: string, signal: AbortSignal) {
  return { env: io.env, concurrency: req.concurrency, ...(req.only.length && { only: req.only }), signal, baseDir: dirname(path) }
}

async function runOnce(req: CheckRunRequest, io: CheckIO, engine: Engine, file: LoadedFile, path: string): Promise<number> {
  const color = useColor(io.stdout, io.env)
  const style = { color }
  const startedAt = new Date()
  const interrupt = cancelOnInterrupt(io, () => io.stderr.write('\nmailprobe: cancelling the checks still running (press Ctrl-C again to quit at once)\n'))
  let report: CheckReport
  try {
    report = await engine.runChecks(file, {
      ...runOptions(req, io, path, interrupt.signal),
      onProgress: (event) => {
        if (!req.json && event.type === 'done') io.stdout.write(`${formatProgressLine(event.outcome, style)}\n`)
      },
    })
  } finally {
    interrupt.dispose()
  }
  const interrupted = interrupt.signal.aborted
  if (req.json) io.stdout.write(formatJson(report, Boolean(io.stdout.isTTY)))
  else io.stdout.write(formatCheckTable(report, style, { interrupted }))
  if (io.env.GITHUB_ACTIONS === 'true') (req.json ? io.stderr : io.stdout).write(githubAnnotations(report))
  const wrote = writeJUnit(req, io, report, path, startedAt)
  if (interrupted) return INTERRUPTED
  return failed(report) || !wrote ? 1 : 0
}

/** --junit FILE, written whole (temp file + rename) so a reporter never reads half of it; false (and a line on stderr) when it cannot be written. */
function writeJUnit(req: CheckRunRequest, io: CheckIO, report: CheckReport, path: string, startedAt: Date): boolean {
  if (req.junit === null) return true
  const target = resolve(io.cwd ?? process.cwd(), req.junit)
  try {
    writeFileAtomically(target, junitXml(report, { suiteName: basename(path), startedAt }))
    return true
  } catch (err) {
    io.stderr.write(`mailprobe check: cannot write --junit file ${quoteInput(req.junit, 200)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})\n`)
    return false
  }
}

function writeFileAtomically(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, text)
  renameSync(tmp, file)
}

/**
 * --every: a round, then a wait until the next (start to start), until Ctrl-C; the round in flight is
 * cancelled (and its line still printed). Each round is run as the app runs a check file and kept in History.
 */
async function runWatch(req: CheckRunRequest, io: CheckIO, engine: Engine, file: LoadedFile, path: string, everyMs: number): Promise<number> {
  const style = { color: useColor(io.stdout, io.env) }
  const metrics =
    req.metricsPort === null
      ? null
      : await (await import('./check-metrics')).startMetricsServer(req.metricsPort).catch((err: NodeJS.ErrnoException) => {
          throw usage(`--metrics-port ${req.metricsPort}: cannot listen on 127.0.0.1 (${err.code ?? err.message})`)
        })
  const rounds = await (await import('./check-history')).openCheckRounds(io.env)
  const interrupt = cancelOnInterrupt(io, () => io.stderr.write('\nmailprobe: stopping: the round in flight is cancelled (press Ctrl-C again to quit at once)\n'))
  const run = (f: CheckFile, opts: Parameters<Engine['runChecks']>[1]) => engine.runChecks(f, { ...opts, concurrency: req.concurrency })
  try {
    if (rounds.problem) io.stderr.write(`mailprobe check: note: ${rounds.problem}\n`)
    if (metrics) io.stderr.write(`mailprobe check: metrics on ${metrics.url}\n`)
    if (!req.json) io.stdout.write(`Running ${plural(req.only.length || file.checks.length, 'check')} from ${sanitize(basename(path))} every ${seconds(everyMs)}; Ctrl-C stops.\n`)
    for (let round = 1; ; round++) {
      const started = Date.now()
      const at = new Date(started)
      const { result, kept } = await rounds.round({ path, only: req.only, env: io.env, signal: interrupt.signal, run })
      const report = result.report
      if (!report && interrupt.signal.aborted) break
      if (!report) {
        // The file was changed into one that cannot be run: said each round, until it is fixed or Ctrl-C.
        io.stderr.write(`${at.toISOString().slice(0, 19)}Z  round ${round}  not run: ${sanitize(result.error?.message ?? 'the check file cannot be run')}\n`)
      } else if (interrupt.signal.aborted) {
        if (!req.json) io.stdout.write(`${formatRoundLine(round, at, report, style)}  (cancelled)\n`)
        break
      } else {
        metrics?.record(report)
        io.stdout.write(req.json ? `${JSON.stringify(report)}\n` : `${formatRoundLine(round, at, report, style)}\n`)
        if (io.env.GITHUB_ACTIONS === 'true') (req.json ? io.stderr : io.stdout).write(githubAnnotations(report))
        writeJUnit(req, io, report, path, at)
      }
      if (kept) io.stderr.write(`mailprobe check: round ${round} not kept in History (${kept.message})\n`)
      if (!(await waitOrAbort(started + everyMs - Date.now(), interrupt.signal))) break
    }
  } finally {
    interrupt.dispose()
    await metrics?.close()
    await rounds.close()
  }
  return INTERRUPTED
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function waitOrAbort(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false)
  return new Promise((done) => {
    const timer = setTimeout(
      () => {
        signal.removeEventListener('abort', onAbort)
        done(true)
      },
      Math.max(0, ms),
    )
    const onAbort = () => {
      clearTimeout(timer)
      done(false)
    }
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
