/**
 * The latency lab: is SMTP or the API faster from here, and why?
 *
 *   const result = await runCompare({ profiles: [{ kind: 'smtp', name: 'A', job }, { kind: 'api', name: 'B', job }],
 *                                     runs: 20, mode: 'cold', action: 'send' }, { jobId, sink, signal })
 *
 * Runs are interleaved across profiles (A B A B …) so that drift on the machine or the network
 * hits all alike; with concurrency > 1 that many runs are in flight at once, still started in
 * that order. Cold: a new connection per run. Warm: one connection per profile kept open (an
 * authenticated SMTP session, an HTTP keep-alive connection), opened before the first run and
 * measured apart; each run is then one transaction on it.
 *
 * A run's figure is its time to acceptance: for SMTP up to the reply that completes the action
 * (250 after the message, 235 after AUTH for a cold verify, 250 to NOOP for a warm one), without
 * the polite QUIT that follows; for an API up to the end of the response.
 *
 * Measuring to the inbox (`toInbox`): each run's send is then followed by its profile's delivery
 * watch (the job's `delivery`, with a fresh token per run), and the run also has accepted → inbox
 * and send → inbox; its time to acceptance stays what it was (the watch is not in it). At most
 * LAB_TO_INBOX_CONCURRENCY_MAX runs are then in flight, whatever `concurrency` asks.
 *
 * Events (to `sink`, under `jobId`): an info line per finished run carrying `progress`
 * (done / total / estimated time left), summary lines, then one result event (CompareResult).
 * Cancel with the signal: runs in flight stop, nothing new starts, and the result holds what
 * finished. Never throws.
 */
import { randomUUID } from 'node:crypto'
import type { z } from 'zod'
import {
  apiJobSchema,
  compareJobSchema,
  inboxIdOf,
  LAB_TO_INBOX_CONCURRENCY_MAX,
  TOKEN_HEADER,
  smtpJobSchema,
  type ApiJob,
  type ApiResult,
  type ClassifiedError,
  type CompareResult,
  type CompareSample,
  type JobEvent,
  type JobProgress,
  type CompareSampleDelivery,
  type SmtpJob,
  type SmtpResult,
} from '../../../preload/contract'
import { internalError } from '../errors'
import { nullSink, type EventSink, type JobOptions } from '../transcript/event-sink'
import { JobRecorder } from '../transcript/recorder'
import { Redactor, secretsOf } from '../transcript/redact'
import { plural, stageOfAction } from '../../../preload/contract/wording'
import { describeIssues } from '../validation'
import { coldLane, warmApiLane, warmSmtpLane, type Lane } from './lanes'
import { compareFailure } from './result'
import { profileStats, rank, rankToInbox } from './stats'

export { compareToCsv, compareToJson, COMPARE_EXPORT_FORMAT, COMPARE_EXPORT_VERSION } from './export'
export { percentile, median } from './stats'
export { compareFailure, type CompareFailureRequest } from './result'

export type CompareOptions = JobOptions

type Prepared = ({ name: string; kind: 'smtp'; job: SmtpJob; target: string } | { name: string; kind: 'api'; job: ApiJob; target: string }) & {
  /** What the lab changed in the profile's job (a fixed token dropped), for the transcript. */
  notes: string[]
}

const round = (n: number) => Math.round(n * 1000) / 1000

export async function runCompare(input: unknown, opts: CompareOptions = {}): Promise<CompareResult> {
  const jobId = opts.jobId ?? randomUUID()
  const outer = opts.sink ?? nullSink
  // Progress rides on the next transcript event (an info line that says the same in words).
  let pendingProgress: JobProgress | null = null
  const sink: EventSink = {
    emit(event: JobEvent) {
      if (pendingProgress && event.type === 'transcript') {
        event.progress = pendingProgress
        pendingProgress = null
      }
      outer.emit(event)
    },
  }
  const parsed = compareJobSchema.safeParse(input)
  if (!parsed.success) {
    const rec = new JobRecorder(jobId, sink, new Redactor(secretsIn(input)))
    return rec.finish(failed(rec, input, { code: 'INVALID_INPUT', message: rec.redactor.redact(describeIssues(parsed.error.issues)) }))
  }
  const req = parsed.data
  const rec = new JobRecorder(jobId, sink, new Redactor(secretsIn(input)))
  // What happened before the comparison (an OAuth2 token renewed for one of its profiles).
  for (const line of opts.preface ?? []) rec.line('info', line)
  try {
    return await compare(req, rec, opts, (p) => (pendingProgress = p))
  } catch (err) {
    // compare() classifies every run's failure; this is the promise that runCompare never throws, kept even for a bug.
    return rec.finish(failed(rec, req, internalError(err)))
  }
}

type CompareJob = z.output<typeof compareJobSchema>

/** The comparison itself, on valid input; `setProgress` puts progress on the next transcript event. */
async function compare(req: CompareJob, rec: JobRecorder, opts: CompareOptions, setProgress: (p: JobProgress) => void): Promise<CompareResult> {
  const { signal } = opts
  const prepared: Prepared[] = []
  for (const [i, spec] of req.profiles.entries()) {
    const p = prepare(spec, req.action, req.toInbox)
    if ('problem' in p) return rec.finish(failed(rec, req, { code: 'INVALID_INPUT', message: rec.redactor.redact(`profiles[${i}] "${spec.name}": ${p.problem}`) }))
    prepared.push(p)
  }

  const laneOpts = { sandboxInbox: opts.sandboxInbox }
  const lanes: Lane[] = prepared.map((p) => {
    if (req.mode === 'cold') return coldLane(p.kind === 'smtp' ? { kind: 'smtp', job: p.job } : { kind: 'api', job: p.job }, laneOpts)
    return p.kind === 'smtp' ? warmSmtpLane(p.job, req.action, laneOpts) : warmApiLane(p.job, laneOpts)
  })
  const total = req.runs * prepared.length
  const warnings: string[] = []
  // Each watch holds two IMAP connections to a mailbox the profiles often share; servers cap them per user and address.
  const concurrency = req.toInbox ? Math.min(req.concurrency, LAB_TO_INBOX_CONCURRENCY_MAX) : req.concurrency
  if (concurrency < req.concurrency)
    warnings.push(
      `${concurrency} runs were in flight at once, not ${req.concurrency}: measuring to the inbox, each run’s watch holds two IMAP connections to the mailbox (Inbox and Junk), and IMAP servers limit a user’s connections from one address (Dovecot allows 10 by default)`,
    )
  rec.line(
    'info',
    `comparing ${prepared.map((p) => `${p.name} (${p.target})`).join(' vs ')}: ${plural(req.runs, 'run')} each, ${req.mode}, ${req.action}${req.toInbox ? ' to the inbox' : ''}, interleaved${concurrency > 1 ? `, ${concurrency} at a time` : ''}`,
  )
  if (req.mode === 'warm') rec.line('info', 'warm: each profile’s connection is opened (connect, TLS, AUTH / a key check) before its first run and reused; that setup is measured apart')
  if (req.toInbox) rec.line('info', 'to the inbox: each run waits until its message (its own token) is seen in the profile’s mailbox; the time to acceptance does not include that wait')
  for (const p of prepared) for (const note of p.notes) rec.line('info', `${p.name}: ${note}`)
  progress(rec, 0, total, 0, null, setProgress, `0/${total} runs done`)

  // A B A B …: the order runs start in.
  const queue: { profile: number; run: number }[] = []
  for (let run = 1; run <= req.runs; run++) for (let profile = 0; profile < prepared.length; profile++) queue.push({ profile, run })
  const samples: CompareSample[] = []
  let started = 0
  let done = 0
  const t0 = rec.now()

  const worker = async () => {
    for (;;) {
      if (signal?.aborted) return
      const item = queue.shift()
      if (!item) return
      const seq = ++started
      const p = prepared[item.profile]!
      const startedMs = rec.now()
      let outcome
      try {
        outcome = await lanes[item.profile]!.run(signal ?? new AbortController().signal)
      } catch (err) {
        // Lanes wrap engines that never throw; this keeps the promise even for a bug.
        rec.line('err', `run ${item.run} of ${p.name}: INTERNAL: ${err instanceof Error ? err.message : String(err)}`)
        outcome = null
      }
      if (outcome?.result.error?.code === 'CANCELLED' && signal?.aborted) return
      const sample = outcome ? toSample(outcome.result, outcome.reused, { seq, profile: item.profile, name: p.name, run: item.run, startedMs }) : internalSample(seq, item, p.name, startedMs)
      samples.push(sample)
      done++
      const elapsed = rec.now() - t0
      const eta = done < total ? (elapsed / done) * (total - done) : 0
      const d = sample.delivery
      const inbox =
        d?.seen && d.acceptedToInboxMs !== null ? ` · in ${d.folder ?? 'the mailbox'} ${d.acceptedToInboxMs.toFixed(1)} ms after acceptance${d.alreadyThere ? ' (at most: already there)' : ''}` : ''
      const what = sample.ok
        ? `ok ${sample.totalMs.toFixed(1)} ms · ${plural(sample.roundTrips, 'round trip')}${req.mode === 'warm' && !sample.reused ? ' (had to reconnect)' : ''}${inbox}`
        : `FAILED ${sample.errorCode}${outcome?.result.error ? ` — ${outcome.result.error.message}` : ''}`
      progress(rec, done, total, elapsed, eta, setProgress, `${done}/${total} · ${p.name} run ${item.run}: ${what}`)
    }
  }
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker))
  } finally {
    await Promise.all(lanes.map((l) => l.close().catch(() => undefined)))
  }

  const cancelled = Boolean(signal?.aborted) && done < total
  const stats = prepared.map((p, i) => {
    const lane = lanes[i]!
    const mine = samples.filter((s) => s.profile === i)
    for (const note of new Set(lane.notes)) warnings.push(`${p.name}: ${note}`)
    const reconnected = req.mode === 'warm' ? mine.filter((s) => s.ok && !s.reused).length : 0
    if (reconnected) warnings.push(`${p.name}: ${reconnected} of ${mine.length} warm runs had to open a new connection, so they include connecting`)
    const opened = lane.setups?.length ?? 0
    if (opened > Math.min(concurrency, req.runs) && opened > 1)
      warnings.push(`${p.name}: ${opened} connections were opened for ${plural(mine.length, 'run')} (the server closed some, or opening failed); each opening is measured apart, not in the runs`)
    const stats = profileStats({ name: p.name, kind: p.kind, target: p.target, setups: lane.setups, toInbox: req.toInbox }, mine)
    const early = stats.delivery?.alreadyThere ?? 0
    if (early)
      warnings.push(
        `${p.name}: ${early} of ${plural(stats.delivery!.seen, 'message')} seen were already in the mailbox when its watch was ready (its login took longer than the delivery), so their times to the inbox are upper bounds`,
      )
    return stats
  })
  if (concurrency > 1) warnings.push(`${concurrency} runs were in flight at once: each competed with the others for this machine’s CPU and network, which adds to the times.`)
  for (const w of warnings) rec.line('info', `warning: ${rec.redactor.redact(w)}`)
  const winner = rank(stats)
  const winnerToInbox = req.toInbox ? rankToInbox(stats) : null
  for (const s of stats) {
    const t = s.totalMs
    const d = s.delivery
    const inbox = d
      ? ` · to the inbox: ${d.seen}/${d.watched} seen${d.junk ? ` (${d.junk} in Junk)` : ''}${
          d.acceptedToInboxMs.median !== null
            ? `, accepted → inbox median ${d.acceptedToInboxMs.median.toFixed(1)} ms (p95 ${d.acceptedToInboxMs.p95!.toFixed(1)}), send → inbox median ${d.sendToInboxMs.median!.toFixed(1)} ms (p95 ${d.sendToInboxMs.p95!.toFixed(1)})`
            : ''
        }`
      : ''
    rec.line(
      'info',
      `${s.name}: ${s.runsOk}/${s.runs} ok${t.median !== null ? ` · median ${t.median.toFixed(1)} ms (min ${t.min!.toFixed(1)}, p95 ${t.p95!.toFixed(1)}, max ${t.max!.toFixed(1)}) · ${plural(s.roundTrips ?? 0, 'round trip')}` : ''}${s.ratio !== null ? ` · ×${s.ratio.toFixed(2)}` : ''}${inbox}${
        Object.keys(s.errors).length
          ? ` · errors ${Object.entries(s.errors)
              .map(([c, n]) => `${c}×${n}`)
              .join(' ')}`
          : ''
      }`,
    )
  }
  if (winner) rec.line('info', `fastest: ${winner}`)
  if (winnerToInbox) rec.line('info', `fastest to the inbox: ${winnerToInbox}`)
  const error: ClassifiedError | null = cancelled ? { code: 'CANCELLED', message: `Cancelled after ${done} of ${total} runs; the figures cover the runs that finished.` } : null
  if (error) rec.line('err', `${error.code}: ${error.message}`)
  const everyRunOk = samples.length === total && samples.every((s) => s.ok)
  return rec.finish({
    ok: !error && everyRunOk,
    kind: 'compare',
    error,
    warnings: warnings.map((w) => rec.redactor.redact(w)),
    phases: [],
    totalMs: rec.now(),
    roundTrips: 0,
    transcript: rec.lines,
    mode: req.mode,
    action: req.action,
    runs: req.runs,
    concurrency,
    completed: done,
    cancelled,
    profiles: stats,
    winner,
    toInbox: req.toInbox,
    winnerToInbox,
    samples: samples.sort((a, b) => a.seq - b.seq),
  })
}

function progress(rec: JobRecorder, done: number, total: number, elapsedMs: number, etaMs: number | null, set: (p: JobProgress) => void, text: string): void {
  set({ done, total, elapsedMs: round(elapsedMs), etaMs: etaMs === null ? null : round(etaMs) })
  const left = etaMs === null ? '' : done >= total ? '' : ` · about ${formatDuration(etaMs)} left`
  rec.line('info', `${text}${left}`)
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const m = Math.floor(ms / 60_000)
  return `${m} min ${Math.round((ms - m * 60_000) / 1000)} s`
}

/**
 * The profile's job with the comparison's action applied, validated by its engine's schema. Its
 * `delivery` is kept only when measuring to the inbox, and then without a fixed token (neither the
 * delivery's nor a token header in the message): every run's message gets a token of its own.
 */
function prepare(spec: { kind: 'smtp' | 'api'; name: string; job: Record<string, unknown> }, action: 'verify' | 'send', toInbox: boolean): Prepared | { problem: string } {
  const notes: string[] = []
  const raw: Record<string, unknown> = { ...spec.job }
  if (!toInbox) delete raw.delivery
  else if (dropFixedToken(raw)) notes.push('the fixed delivery token of its job is not used: each run’s message gets a token of its own, so that no run finds another’s message')
  if (spec.kind === 'smtp') {
    const r = smtpJobSchema.safeParse({ ...raw, stopAfter: stageOfAction(action) })
    if (!r.success) return { problem: describeIssues(r.error.issues) }
    return {
      name: spec.name,
      kind: 'smtp',
      job: r.data,
      target: `${r.data.host}:${r.data.port} ${r.data.security === 'tls' ? 'implicit TLS' : r.data.security === 'starttls' ? 'STARTTLS' : r.data.security}`,
      notes,
    }
  }
  raw.action = action
  if (action === 'verify') {
    delete raw.message
    raw.sandbox = false
  }
  const r = apiJobSchema.safeParse(raw)
  if (!r.success) return { problem: describeIssues(r.error.issues) }
  const where = r.data.baseUrl ?? r.data.generic?.url ?? r.data.region ?? ''
  return { name: spec.name, kind: 'api', job: r.data, target: `${r.data.provider}${where ? ` ${where}` : ''}`, notes }
}

/** Removes a token fixed for every send (the delivery's `token`, a token header in the message) from a raw job; true when there was one. */
function dropFixedToken(raw: Record<string, unknown>): boolean {
  let dropped = false
  const delivery = raw.delivery
  if (delivery && typeof delivery === 'object' && 'token' in delivery) {
    const { token: _t, ...rest } = delivery as Record<string, unknown>
    raw.delivery = rest
    dropped = true
  }
  const message = raw.message
  const headers = message && typeof message === 'object' ? (message as { headers?: unknown }).headers : undefined
  if (Array.isArray(headers)) {
    const kept = headers.filter((h: unknown) => !(h && typeof h === 'object' && String((h as { name?: unknown }).name).toLowerCase() === TOKEN_HEADER.toLowerCase()))
    if (kept.length !== headers.length) {
      raw.message = { ...(message as object), headers: kept }
      dropped = true
    }
  }
  return dropped
}

function toSample(result: SmtpResult | ApiResult, reused: boolean, base: Pick<CompareSample, 'seq' | 'profile' | 'name' | 'run' | 'startedMs'>): CompareSample {
  const phases: Record<string, number> = {}
  let end = 0
  let roundTrips = 0
  for (const p of result.phases) {
    // The delivery wait is the run's `delivery`, not a phase of its time to acceptance.
    if (p.name === 'quit' || p.name === 'delivery') continue
    phases[p.name] = round((phases[p.name] ?? 0) + p.durationMs)
    end = Math.max(end, p.startMs + p.durationMs)
    roundTrips += p.roundTrips
  }
  // SMTP: acceptance is the end of the last phase before QUIT; watched: before the delivery wait
  // (the end of dataAck / of the API's response); otherwise (an API): the run's total.
  const endsAtLastPhase = result.phases.some((p) => p.name === 'quit' || p.name === 'delivery')
  return {
    ...base,
    startedMs: round(base.startedMs),
    ok: result.ok,
    errorCode: result.error?.code ?? null,
    totalMs: round(endsAtLastPhase ? end : result.totalMs),
    roundTrips,
    bytes: { ...result.bytes },
    phases,
    reused,
    messageRef: inboxIdOf(result) ?? (result.kind === 'smtp' && result.ok ? result.result.messageId : null),
    delivery: sampleDelivery(result.delivery),
  }
}

function sampleDelivery(d: SmtpResult['delivery']): CompareSampleDelivery | null {
  if (!d) return null
  return { seen: d.ok, folder: d.folder, junk: d.junk, acceptedToInboxMs: d.acceptedToInboxMs, sendToInboxMs: d.sendToInboxMs, alreadyThere: d.alreadyThere, method: d.method }
}

function internalSample(seq: number, item: { profile: number; run: number }, name: string, startedMs: number): CompareSample {
  return {
    seq,
    profile: item.profile,
    name,
    run: item.run,
    startedMs,
    ok: false,
    errorCode: 'INTERNAL',
    totalMs: 0,
    roundTrips: 0,
    bytes: { sent: 0, received: 0 },
    phases: {},
    reused: false,
    messageRef: null,
    delivery: null,
  }
}

/** Every secret the input carries (valid or not), for the lab's own transcript. */
function secretsIn(input: unknown): string[] {
  const profiles = (input as { profiles?: unknown } | null)?.profiles
  if (!Array.isArray(profiles)) return []
  return profiles.flatMap((p) => secretsOf((p as { job?: unknown } | null)?.job))
}

/** The error line and the result of a comparison that cannot run (`input` may be anything: its request fields are taken where valid). */
function failed(rec: JobRecorder, input: unknown, error: ClassifiedError): CompareResult {
  error = { ...error, message: rec.redactor.redact(error.message) }
  rec.line('err', `${error.code}: ${error.message}`)
  const i = (input ?? {}) as { mode?: unknown; action?: unknown; runs?: unknown; concurrency?: unknown; toInbox?: unknown }
  return compareFailure(
    error,
    {
      mode: i.mode === 'warm' ? 'warm' : 'cold',
      action: i.action === 'verify' ? 'verify' : 'send',
      runs: typeof i.runs === 'number' ? i.runs : 0,
      concurrency: typeof i.concurrency === 'number' ? i.concurrency : 1,
      toInbox: i.toInbox === true,
    },
    rec,
  )
}
