// `mailprobe compare`: the latency lab on the command line. Self-contained: the dispatcher calls
// parseCompareArgs(argv after the command word) and runCompareCommand(request, io). Profiles come
// from a profiles file (the app's export format); their secrets from the environment variables the
// file names (passwordEnv / keyEnv / secretEnv / proxyPasswordEnv), or inline for the sandbox's demo profiles — never
// from argv. Nothing here loads zod or the engines at start-up.
import { randomBytes } from 'node:crypto'
import { resolve } from 'node:path'
import type { CompareProfileSpec, CompareResult, ComposedMessage, JobEvent, NetworkOptionsInput, Profile } from '../../preload/contract'
import { NETWORK_OPTIONS, OUTPUT_OPTIONS, parseCommand, parseNetworkFlags, parseVerbosity, UsageError, type Command, type Verbosity } from './args'
import { cancelOnInterrupt, INTERRUPTED } from './interrupt'
import { internalError } from '../core/errors'
import { formatCompareSummary } from '../core/report/compare'
import { formatJson, formatLine, lastLine, paint, plural, quoteInput, sanitize, SGR, useColor, type Style } from './print'
import { withProxyPassword } from './secrets'
import { networkHelp } from './usage'
export { formatCompareSummary } from '../core/report/compare'

// Copies of the contract's limits (importing them would load zod at start-up); a unit test keeps them equal.
export const COMPARE_LIMITS = { profilesMin: 2, profilesMax: 4, runsDefault: 10, runsMax: 200, concurrencyMax: 8 } as const

export const COMPARE_HELP = `Usage: mailprobe compare --profiles FILE --profile NAME --profile NAME [...] [options]

The latency lab: runs each profile N times, interleaved (A B A B …) so that drift hits all alike,
and compares them: min / median / p95 / max of the time to acceptance, round trips, bytes, the
median of each phase, errors by code, and the ratio to the fastest. SMTP and API profiles mix.

Profiles:
  --profiles FILE          a profiles file in the app's export format (Export profiles in the app,
                           or mailprobe sandbox --profiles-out FILE)
  --profile NAME           a profile of that file, by name; give ${COMPARE_LIMITS.profilesMin} to ${COMPARE_LIMITS.profilesMax}
Secrets never come from the command line: each profile names the environment variable holding its
password (passwordEnv) or API key (keyEnv, and secretEnv for the second half of a pair such as
Mailjet's or SES's), and, for a profile whose network section has a proxy that wants a login, its
proxy password (proxyPasswordEnv). The sandbox's demo profiles carry theirs inline (password, key).

Runs:
  --runs N                 runs per profile, 1 to ${COMPARE_LIMITS.runsMax} (default ${COMPARE_LIMITS.runsDefault})
  --mode cold|warm         cold (default): a new connection for every run (DNS, TCP, TLS, AUTH each
                           time). warm: one connection per profile, opened (and measured) before the
                           first run, then reused: an authenticated SMTP session with one transaction
                           per run, or an HTTP keep-alive connection with one request per run
  --action send|verify     send (default): a whole message each run; API profiles use their own
                           sandbox setting. verify: SMTP connect + TLS + AUTH (warm: a NOOP on the open
                           session), API the provider's key check; nothing is sent
  --concurrency N          runs in flight at once, 1 to ${COMPARE_LIMITS.concurrencyMax} (default 1)
Message (send; defaults: each profile's default sender and recipients):
  --from ADDR, --to ADDR   sender and recipient (--to repeats)
  --subject S              subject (default "Mailprobe compare <token>")
${networkHelp(`                           These apply to every profile of the comparison; where a profile has its
                           own network section, the command line wins, option by option.`)}
Output:
  --json                   one JSON object on stdout:
                           {"ok","kind":"compare","mode","action","runs","concurrency","completed",
                            "cancelled","winner","error","profiles":[{"name","kind":"smtp"|"api","ok",
                            "runs","runsOk","errors":{CODE:count},"totalMs":{"min","median","p95","max"},
                            "phasesMedianMs":{phase:ms},"roundTrips","bytes":{"sent","received"},
                            "ratio"}]}  (roundTrips and bytes are medians; figures null without a
                           successful run)
  --csv FILE               also write one CSV row per run (seq, profile, run, ok, error code, total,
                           round trips, bytes, each phase) to FILE
  -v, --verbose            on standard error, every run's line (instead of the progress and the first
                           failure of each code)
  -q, --quiet              print only the verdict line: no progress, no table (--json ignores -v and -q)
  -h, --help               this help

A run's time is its time to acceptance: SMTP up to the reply that completes the action (250 after
the message, 235 after AUTH), without the QUIT that follows; an API up to the end of the response.
Progress goes to standard error. Ctrl-C stops early, reports the runs that finished and exits 130;
a second Ctrl-C quits at once.

Examples:
  mailprobe sandbox --rtt 40 --profiles-out sandbox.json &
  mailprobe compare --profiles sandbox.json --profile sandbox-starttls --profile sandbox-api --runs 20
  mailprobe compare --profiles sandbox.json --profile sandbox-tls --profile sandbox-api --mode warm --json

Exit status: 0 every run succeeded, 1 some run failed (the figures and errors say which), 2 bad usage
(including a profile or secret that cannot be found), 130 interrupted (Ctrl-C).
`

export interface CompareRunRequest {
  action: 'run'
  json: boolean
  verbosity: Verbosity
  profilesFile: string
  names: string[]
  runs: number
  mode: 'cold' | 'warm'
  labAction: 'verify' | 'send'
  concurrency: number
  message: { from?: string; to: string[]; subject: string; text: string }
  csv: string | null
  /** --proxy, --ipv4 / --ipv6, --local-address: laid over every profile's own network section. */
  network: NetworkOptionsInput | null
  /** --proxy-password-env VAR: the proxy password is read from it when the run starts. */
  proxyPasswordEnv: string | null
}

export type CompareCliRequest = { action: 'help' } | CompareRunRequest

const OPTIONS = {
  profiles: { type: 'string' },
  profile: { type: 'string', multiple: true },
  runs: { type: 'string' },
  mode: { type: 'string' },
  action: { type: 'string' },
  concurrency: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string', multiple: true },
  subject: { type: 'string' },
  csv: { type: 'string' },
  ...NETWORK_OPTIONS,
  ...OUTPUT_OPTIONS,
} as const

const SECRET_FLAG = /^--?(pass|password|passwd|pwd|pw|secret|token|access-token|api-key|apikey|key|auth-password)$/i

export const SECRET_IN_ARGV = 'passwords and keys are never accepted on the command line: the profiles file names the environment variable that holds each (passwordEnv, keyEnv, secretEnv)'

/** The command's name for error messages ("mailprobe compare: …"); args.ts lists it once the command is wired in. */
const COMMAND: Command = 'compare'

/** Bad usage: exit status 2. */
function usage(message: string): UsageError {
  return new UsageError(message, COMMAND)
}

function intOption(option: string, value: string, min: number, max: number): number {
  const n = /^\d{1,6}$/.test(value.trim()) ? Number(value.trim()) : NaN
  if (!(n >= min && n <= max)) throw usage(`${option} takes a whole number from ${min} to ${max} (got ${quoteInput(value)})`)
  return n
}

export interface CompareParseOptions {
  /** For reproducible tests: the token in the default subject. */
  token?: string
}

/** The words after `mailprobe compare` → a request. Pure; bad usage throws UsageError (exit status 2). */
export function parseCompareArgs(argv: readonly string[], opts: CompareParseOptions = {}): CompareCliRequest {
  const parsed = parseCommand(argv[0] === 'compare' ? argv.slice(1) : argv, OPTIONS, { command: COMMAND, refuseSecrets: { flag: SECRET_FLAG, message: SECRET_IN_ARGV } })
  if (parsed === 'help') return { action: 'help' }
  const { values: v, positionals } = parsed
  if (positionals.length) throw usage(`unexpected argument (${positionals.length === 1 ? 'one word' : `${positionals.length} words`} not attached to an option); name profiles with --profile NAME`)
  if (!v.profiles?.trim()) throw usage('--profiles FILE is required (a profiles export, e.g. from mailprobe sandbox --profiles-out FILE)')
  const names = (v.profile ?? []).map((n) => n.trim())
  if (names.length < COMPARE_LIMITS.profilesMin || names.length > COMPARE_LIMITS.profilesMax)
    throw usage(`give ${COMPARE_LIMITS.profilesMin} to ${COMPARE_LIMITS.profilesMax} profiles with --profile NAME (got ${names.length})`)
  const dup = names.find((n, i) => names.indexOf(n) !== i)
  if (dup !== undefined) throw usage(`--profile ${quoteInput(dup)} is given twice`)
  if (names.some((n) => !n)) throw usage('--profile needs a name')
  const mode = v.mode ?? 'cold'
  if (mode !== 'cold' && mode !== 'warm') throw usage(`--mode is cold or warm (got ${quoteInput(mode)})`)
  const labAction = v.action ?? 'send'
  if (labAction !== 'send' && labAction !== 'verify') throw usage(`--action is send or verify (got ${quoteInput(labAction)})`)
  if (labAction === 'verify' && (v.from !== undefined || v.to !== undefined || v.subject !== undefined)) throw usage('--action verify sends nothing: --from, --to and --subject do not apply')
  if (v.csv !== undefined && !v.csv.trim()) throw usage('--csv needs a file name')
  const { network, proxyPasswordEnv } = parseNetworkFlags(v, COMMAND)
  const verbosity = parseVerbosity(v, COMMAND)
  const token = opts.token ?? randomBytes(3).toString('hex')
  return {
    action: 'run',
    json: v.json ?? false,
    verbosity,
    profilesFile: v.profiles,
    names,
    runs: v.runs === undefined ? COMPARE_LIMITS.runsDefault : intOption('--runs', v.runs, 1, COMPARE_LIMITS.runsMax),
    mode,
    labAction,
    concurrency: v.concurrency === undefined ? 1 : intOption('--concurrency', v.concurrency, 1, COMPARE_LIMITS.concurrencyMax),
    message: {
      ...(v.from !== undefined ? { from: v.from.trim() } : {}),
      to: (v.to ?? []).map((t) => t.trim()),
      subject: v.subject ?? `Mailprobe compare ${token}`,
      text: `Sent by mailprobe compare (latency lab), run token ${token}.`,
    },
    csv: v.csv ?? null,
    network: network ?? null,
    proxyPasswordEnv,
  }
}

export interface CompareIO {
  stdout: { write(text: string): unknown; isTTY?: boolean }
  stderr: { write(text: string): unknown; isTTY?: boolean }
  env: NodeJS.ProcessEnv
  signals: Pick<NodeJS.Process, 'on' | 'off'>
  /** Working directory for relative paths (default process.cwd()). */
  cwd?: string
}

/** Reads the profiles file and turns the named profiles into the lab's run specs (secrets added). Bad files, names or secrets throw UsageError. */
export async function loadCompareProfiles(req: CompareRunRequest, env: NodeJS.ProcessEnv, cwd = process.cwd()): Promise<CompareProfileSpec[]> {
  const { readFile } = await import('node:fs/promises')
  const { profilesExportSchema, PROFILES_VERSION } = await import('../../preload/contract')
  const { buildProfileJob } = await import('../core/runs/profile-job')
  const { describeIssues, describeJsonError } = await import('../core/validation')
  const path = resolve(cwd, req.profilesFile)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw usage(`cannot read --profiles file ${quoteInput(req.profilesFile, 200)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`)
  }
  let doc: { format?: unknown; version?: unknown; profiles?: unknown }
  try {
    doc = JSON.parse(text) as typeof doc
  } catch (err) {
    // Not V8's message as it is: it quotes the text around the fault, and the file may hold an inline password or key.
    throw usage(`--profiles: ${quoteInput(req.profilesFile, 200)} is not JSON (${describeJsonError(err)})`)
  }
  if (!doc || typeof doc !== 'object' || doc.format !== 'mailprobe-profiles' || !Array.isArray(doc.profiles))
    throw usage(`--profiles: ${quoteInput(req.profilesFile, 200)} is not a Mailprobe profiles export (it needs "format": "mailprobe-profiles" and a "profiles" list)`)
  if (doc.version !== PROFILES_VERSION) throw usage(`--profiles: the file has format version ${quoteInput(String(doc.version), 20)}; this Mailprobe reads version ${PROFILES_VERSION}`)
  const entries = doc.profiles as unknown[]
  const nameOf = (e: unknown) => (e && typeof e === 'object' && typeof (e as { name?: unknown }).name === 'string' ? (e as { name: string }).name.trim() : '')
  const entrySchema = profilesExportSchema.shape.profiles.element
  const message: ComposedMessage = { ...req.message, cc: [], bcc: [], attachments: [], headers: [] }
  const cliNetwork = withProxyPassword(req.network ?? undefined, req.proxyPasswordEnv, env, COMMAND)

  return req.names.map((name): CompareProfileSpec => {
    const index = entries.findIndex((e) => nameOf(e) === name)
    if (index === -1) {
      const known = entries.map(nameOf).filter(Boolean)
      throw usage(`--profile ${quoteInput(name)} is not in ${quoteInput(req.profilesFile, 200)}${known.length ? ` (it has: ${known.map(sanitize).join(', ')})` : ' (it has no profiles)'}`)
    }
    const parsed = entrySchema.safeParse(entries[index])
    if (!parsed.success) throw usage(`profile ${quoteInput(name)} in ${quoteInput(req.profilesFile, 200)} is not valid: ${describeIssues(parsed.error.issues)}`)
    const entry = parsed.data
    const meta = { id: `file-${index}`, createdAt: '', updatedAt: '' }
    const fromEnv = (field: string, variable: string | undefined): string | undefined => {
      if (variable === undefined) return undefined
      const value = env[variable]
      // The variable's name is not echoed: a file may (by mistake) hold a secret where a name belongs.
      if (!value) throw usage(`profile ${quoteInput(name)}: the environment variable its ${field} names is not set or is empty`)
      return value
    }
    let profile: Profile
    let secret: { primary: string; secondary?: string } | null = null
    // A proxy password is only ever named (proxyPasswordEnv), never written in the file.
    const proxyPassword = entry.network.proxy ? (fromEnv('proxyPasswordEnv', entry.proxyPasswordEnv) ?? null) : null
    // Mailbox passwords and DKIM keys are not read here: a comparison measures to acceptance (awaitInbox: false below).
    const flags = { hasProxySecret: proxyPassword !== null, hasMailboxSecret: false, hasDkimKey: false }
    if (entry.kind === 'smtp') {
      const { password, passwordEnv, proxyPasswordEnv: _p, mailboxPasswordEnv: _m, dkimKeyEnv: _d, ...fields } = entry
      const pw = password ?? fromEnv('passwordEnv', passwordEnv)
      if (pw) secret = { primary: pw }
      profile = { ...fields, ...meta, ...flags, hasSecret: secret !== null }
    } else {
      const { key, keyEnv, secretEnv, proxyPasswordEnv: _p, mailboxPasswordEnv: _m, ...fields } = entry
      const k = key ?? fromEnv('keyEnv', keyEnv)
      const s = fromEnv('secretEnv', secretEnv)
      if (k || s) secret = { primary: (k ?? s)!, ...(k && s ? { secondary: s } : {}) }
      profile = { ...fields, ...meta, ...flags, hasSecret: secret !== null }
    }
    const action = profile.kind === 'smtp' ? req.labAction : req.labAction === 'verify' ? 'api-verify' : 'api-send'
    const built = buildProfileJob(profile, action, { message: req.labAction === 'send' ? message : undefined, secret, proxyPassword, awaitInbox: false })
    if ('problem' in built) {
      const hint =
        profile.kind === 'smtp'
          ? ' (in the profiles file: passwordEnv names the environment variable with the password)'
          : ' (in the profiles file: keyEnv names the environment variable with the key)'
      throw usage(`profile ${quoteInput(name)}: ${built.problem.replace(/ in the profile editor/g, '')}${/No (password|access token|API key|secret)/.test(built.problem) ? hint : ''}`)
    }
    return built.kind === 'smtp' ? { kind: 'smtp', name, job: overrideNetwork(built.input, cliNetwork) } : { kind: 'api', name, job: overrideNetwork(built.input, cliNetwork) }
  })
}

/** The job with the command line's network options laid over its own (a profile's network section): the command line wins, option by option. */
export function overrideNetwork<J extends { network?: NetworkOptionsInput }>(job: J, flags: NetworkOptionsInput | undefined): J {
  return flags ? { ...job, network: { ...job.network, ...flags } } : job
}

/**
 * Runs a comparison request (or prints help). Returns the exit status: 0 every run succeeded,
 * 1 some failed, 130 Ctrl-C stopped it (the finished runs are still reported); bad usage throws UsageError (2).
 */
export async function runCompareCommand(req: CompareCliRequest, io: CompareIO): Promise<number> {
  if (req.action === 'help') {
    io.stdout.write(COMPARE_HELP)
    return 0
  }
  const cwd = io.cwd ?? process.cwd()
  const specs = await loadCompareProfiles(req, io.env, cwd)
  const style: Style = { color: useColor(io.stdout, io.env) }
  const errStyle: Style = { color: useColor(io.stderr, io.env) }
  const { runCompare, compareToCsv, compareFailure } = await import('../core/lab/index')

  // --json ignores -v and -q: progress on a terminal only. -q: none; -v: every line of the lab's transcript instead.
  const verbosity = req.json ? 'normal' : req.verbosity
  const progress = new ProgressPrinter(io.stderr, verbosity === 'normal' && (!req.json || Boolean(io.stderr.isTTY)))
  const seenFailures = new Set<string>()
  const sink = {
    emit(event: JobEvent) {
      if (event.type !== 'transcript') return
      if (verbosity === 'verbose') return progress.note(formatLine(event, errStyle))
      if (event.progress) progress.update(event.progress.done, event.progress.total, event.progress.etaMs)
      // The first failure of each code per profile, with its sentence (the rest are counted in the table).
      // \u escapes for · and —: esbuild leaves a regular expression's characters as they are, and the CLI bundle stays ASCII (build/cli.ts).
      const m = /^\d+\/\d+ \u00b7 (.+) run \d+: FAILED (\S+)( \u2014 .*)?$/.exec(event.text)
      if (m && !req.json && verbosity === 'normal' && !seenFailures.has(`${m[1]}|${m[2]}`)) {
        seenFailures.add(`${m[1]}|${m[2]}`)
        progress.note(paint(`${sanitize(m[1]!)}: ${sanitize(m[2]!)}${sanitize(m[3] ?? '')}`, SGR.red, errStyle))
      }
    },
  }
  const interrupt = cancelOnInterrupt(io, () => progress.note('mailprobe compare: stopping (press Ctrl-C again to quit at once); the runs that finished are reported'))
  let result: CompareResult
  try {
    result = await runCompare({ profiles: specs, runs: req.runs, mode: req.mode, concurrency: req.concurrency, action: req.labAction }, { sink, signal: interrupt.signal })
  } catch (err) {
    // The lab promises never to throw; if it does anyway, the result is still a whole one, from the lab's own failure builder.
    result = compareFailure(internalError(err), { mode: req.mode, action: req.labAction, runs: req.runs, concurrency: req.concurrency })
  } finally {
    interrupt.dispose()
    progress.done()
  }
  if (result.error?.code === 'INVALID_INPUT') throw usage(result.error.message)
  if (req.csv) {
    const { writeFileAtomic } = await import('../core/storage/atomic')
    const path = resolve(cwd, req.csv)
    try {
      await writeFileAtomic(path, compareToCsv(result))
      if (!req.json && verbosity !== 'quiet') io.stderr.write(`wrote ${plural(result.samples.length, 'row')} to ${path}\n`)
    } catch (err) {
      io.stderr.write(`mailprobe compare: cannot write --csv ${quoteInput(path, 200)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}\n`)
      return 1
    }
  }
  if (req.json) io.stdout.write(formatJson(compareJson(result), Boolean(io.stdout.isTTY)))
  // The summary ends with the verdict: all that -q prints.
  else io.stdout.write(verbosity === 'quiet' ? `${lastLine(formatCompareSummary(result, style))}\n` : formatCompareSummary(result, style))
  if (interrupt.signal.aborted) return INTERRUPTED
  return result.ok ? 0 : 1
}

/** The `--json` object: the documented fields (no samples, no transcript). */
export function compareJson(r: CompareResult) {
  return {
    ok: r.ok,
    kind: 'compare' as const,
    mode: r.mode,
    action: r.action,
    runs: r.runs,
    concurrency: r.concurrency,
    completed: r.completed,
    cancelled: r.cancelled,
    winner: r.winner,
    error: r.error,
    profiles: r.profiles.map((p) => ({
      name: p.name,
      kind: p.kind,
      ok: p.ok,
      runs: p.runs,
      runsOk: p.runsOk,
      errors: p.errors,
      totalMs: p.totalMs,
      phasesMedianMs: p.phasesMedianMs,
      roundTrips: p.roundTrips,
      bytes: p.bytes,
      ratio: p.ratio,
      ...(p.setup ? { setup: p.setup } : {}),
    })),
  }
}

/** Progress on standard error: one updating line on a terminal, a line every 10% otherwise. */
class ProgressPrinter {
  private lastDecile = -1
  private drawn = false

  constructor(
    private readonly out: { write(text: string): unknown; isTTY?: boolean },
    private readonly enabled: boolean,
  ) {}

  update(done: number, total: number, etaMs: number | null): void {
    if (!this.enabled || total === 0) return
    const eta = etaMs === null || done >= total ? '' : ` · about ${formatEta(etaMs)} left`
    if (this.out.isTTY) {
      const width = 24
      const filled = Math.round((done / total) * width)
      this.out.write(`\r\x1b[K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${eta}`)
      this.drawn = true
      return
    }
    const decile = Math.floor((done / total) * 10)
    if (decile === this.lastDecile) return
    this.lastDecile = decile
    this.out.write(`progress ${done}/${total}${eta}\n`)
  }

  note(text: string): void {
    if (this.drawn) this.out.write('\r\x1b[K')
    this.out.write(`${text}\n`)
  }

  done(): void {
    if (this.drawn) this.out.write('\n')
    this.drawn = false
  }
}

function formatEta(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const m = Math.floor(ms / 60_000)
  return `${m} min ${Math.round((ms - m * 60_000) / 1000)} s`
}
