import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, markRaw, onScopeDispose, ref, shallowReactive } from 'vue'
import { stageOfAction } from '@contract'
import type {
  AnyJobResult,
  ChecksJobInput,
  DomainJobInput,
  Envelope,
  HistoryEntry,
  JobEvent,
  JobEventBatch,
  JobProgress,
  LabRequest,
  OperationFailure,
  Phase,
  ProbeJobInput,
  RunAction,
  RunProfileInput,
  SmtpJobInput,
  SmtpStage,
  TranscriptEvent,
} from '@contract'
import { useApi } from '@renderer/bridge'
import { settle } from '@renderer/composables/envelope'

/** Lines kept per job in the live view; a hostile server must not exhaust the renderer. */
export const MAX_LIVE_LINES = 200_000
/** Jobs kept in memory (the running ones are never dropped); older ones live on in History. */
export const MAX_KEPT_JOBS = 12

export type JobStatus = 'running' | 'done'

/** What the UI shows about the request: never the credentials. */
export type JobTarget =
  | { kind: 'smtp'; host: string; port: number; stopAfter: SmtpStage }
  | {
      kind: 'profile'
      profileId: string | null
      profileName: string
      profileKind: 'smtp' | 'api'
      action: RunAction
      /** host:port or the provider. */
      label: string
    }
  | { kind: 'probe'; host: string; ports: number[] }
  | { kind: 'lab'; names: string[]; runs: number; mode: 'cold' | 'warm'; action: 'verify' | 'send' }
  /** A domain-readiness run: the domain and its sender as DomainResult names it (a provider, `relay:HOST`, or null). */
  | { kind: 'domain'; domain: string; provider: string | null }
  /** A check file's run: the file's name (the path stays in main's hands). */
  | { kind: 'checks'; file: string }

/**
 * One job as the UI sees it. The object is shallowly reactive; `lines` is a plain append-only
 * array (100k lines must not become 100k proxies), so readers watch `lineCount` to see it grow.
 */
export interface Job {
  id: string
  status: JobStatus
  target: JobTarget | null
  lines: TranscriptEvent[]
  lineCount: number
  droppedLines: number
  phases: Phase[]
  result: AnyJobResult | null
  /** How far a long job (the latency lab) has got: from the last transcript event that carried it. */
  progress: JobProgress | null
  /**
   * The delivery watch, once its first line arrived (null for a job that watches no mailbox):
   * `progress` is its countdown, from the transient ticks that are not kept as lines.
   */
  watch: { progress: JobProgress | null } | null
  lastSeq: number
  /** A live run, or a History entry opened again (then `historyId` names it). */
  source: 'live' | 'history'
  historyId: string | null
  startedAt: number
}

export type StartOutcome = { ok: true; jobId: string } | { ok: false; error: OperationFailure }

/** A job as it starts: running, nothing received yet. */
export function newJob(id: string, target: JobTarget | null): Job {
  return shallowReactive<Job>({
    id,
    status: 'running',
    target,
    lines: markRaw([]),
    lineCount: 0,
    droppedLines: 0,
    phases: [],
    result: null,
    progress: null,
    watch: null,
    lastSeq: 0,
    source: 'live',
    historyId: null,
    startedAt: Date.now(),
  })
}

/** Inserts keeping seq order; batches arrive in order, so this is almost always a push. */
function insertLine(lines: TranscriptEvent[], event: TranscriptEvent): boolean {
  const last = lines[lines.length - 1]
  if (!last || last.seq < event.seq) {
    lines.push(event)
    return true
  }
  let lo = 0
  let hi = lines.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (lines[mid]!.seq < event.seq) lo = mid + 1
    else hi = mid
  }
  if (lines[lo]?.seq === event.seq) return false // a duplicate
  lines.splice(lo, 0, event)
  return true
}

/**
 * A countdown tick of the delivery watch: a transient IMAP-lane event with its progress. It is
 * streamed to move the countdown and is not part of the transcript (the result's transcript has none).
 */
export function isCountdownTick(event: TranscriptEvent): boolean {
  return event.transient === true && event.lane === 'imap' && event.progress !== undefined
}

/** The stop stage an SMTP job reaches, for the verdict's wording (null for other jobs). */
export function stageOf(target: JobTarget | null): SmtpStage | null {
  if (!target) return null
  if (target.kind === 'smtp') return target.stopAfter
  if (target.kind !== 'profile' || target.profileKind !== 'smtp') return null
  return stageOfAction(target.action)
}

export const useJobsStore = defineStore('jobs', () => {
  const api = useApi()
  const jobs = shallowReactive(new Map<string, Job>())
  const currentJobId = ref<string | null>(null)
  const current = computed(() => (currentJobId.value ? (jobs.get(currentJobId.value) ?? null) : null))
  const running = computed(() => [...jobs.values()].filter((j) => j.status === 'running'))
  const doneListeners = new Set<(job: Job) => void>()

  function ensure(id: string): Job {
    let job = jobs.get(id)
    if (!job) {
      job = newJob(id, null)
      jobs.set(id, job)
      prune()
    }
    return job
  }

  /** Drops the oldest finished jobs beyond MAX_KEPT_JOBS (never a running one, never the current one). */
  function prune(): void {
    if (jobs.size <= MAX_KEPT_JOBS) return
    for (const [id, job] of jobs) {
      if (jobs.size <= MAX_KEPT_JOBS) break
      if (job.status === 'done' && id !== currentJobId.value) jobs.delete(id)
    }
  }

  function applyToJob(job: Job, events: JobEvent<AnyJobResult>[]): void {
    // Reactive writes happen once per batch, not once per line: a batch may carry thousands.
    let added = 0
    let dropped = 0
    let lastSeq = job.lastSeq
    let phases: Phase[] | null = null
    let finished = false
    let progress: JobProgress | null = null
    let watching = false
    let countdown: JobProgress | null = null
    const lines = job.lines
    for (const event of events) {
      if (event.seq > lastSeq) lastSeq = event.seq
      if (event.type === 'transcript') {
        if (event.lane === 'imap') watching = true
        if (isCountdownTick(event)) {
          countdown = event.progress!
          continue
        }
        if (event.progress) progress = event.progress
        if (lines.length >= MAX_LIVE_LINES) dropped++
        else if (insertLine(lines, event)) added++
      } else if (event.type === 'phase') {
        ;(phases ??= [...job.phases]).push(event.phase)
      } else {
        job.result = markRaw(event.result)
        finished = job.status !== 'done'
        job.status = 'done'
        // The result's phases are the engine's final word (they may close a phase that was still open).
        phases = [...event.result.phases]
      }
    }
    if (lastSeq !== job.lastSeq) job.lastSeq = lastSeq
    if (dropped) job.droppedLines += dropped
    if (phases) job.phases = phases
    if (progress) job.progress = progress
    if (countdown) job.watch = { progress: countdown }
    else if (watching && !job.watch) job.watch = { progress: null }
    if (added) job.lineCount = lines.length
    if (finished) {
      for (const listener of doneListeners) {
        try {
          listener(job)
        } catch (err) {
          console.error('Mailprobe: a job-done listener failed', err)
        }
      }
    }
  }

  /** Applies a pushed batch: grouped per job, each job's events in seq order. */
  function applyBatch(batch: JobEventBatch): void {
    const byJob = new Map<string, JobEvent<AnyJobResult>[]>()
    for (const event of batch) {
      const list = byJob.get(event.jobId)
      if (list) list.push(event)
      else byJob.set(event.jobId, [event])
    }
    for (const [jobId, events] of byJob) {
      events.sort((a, b) => a.seq - b.seq)
      applyToJob(ensure(jobId), events)
    }
  }

  const unsubscribe = api.onJobEvents((batch) => {
    // A throw here would surface in the preload's onerror; log it instead and keep the stream alive.
    try {
      applyBatch(batch)
    } catch (err) {
      console.error('Mailprobe could not apply job events', err)
    }
  })
  onScopeDispose(unsubscribe)

  async function start(call: () => Promise<Envelope<{ jobId: string }>>, target: JobTarget): Promise<StartOutcome> {
    const answer = await settle(call)
    if (!answer.ok) return answer
    // Events may have arrived before the answer; keep them and add the target.
    const job = ensure(answer.value.jobId)
    job.target = target
    currentJobId.value = job.id
    return { ok: true, jobId: job.id }
  }

  /**
   * Starts an ad-hoc SMTP job. `input` (which may hold a password) goes straight to main and is
   * not kept: only host, port and stop stage are remembered for display.
   */
  function runSmtp(input: SmtpJobInput): Promise<StartOutcome> {
    const target: JobTarget = { kind: 'smtp', host: input.host, port: input.port ?? 587, stopAfter: input.stopAfter ?? 'send' }
    return start(() => api.runSmtp(input), target)
  }

  /** Runs a saved profile (main adds its secret and records the run in History). */
  function runProfile(input: RunProfileInput, display: { profileName: string; profileKind: 'smtp' | 'api'; label: string }): Promise<StartOutcome> {
    const target: JobTarget = { kind: 'profile', profileId: input.profileId, action: input.action, ...display }
    return start(() => api.runProfile(input), target)
  }

  function runProbe(input: ProbeJobInput): Promise<StartOutcome> {
    const target: JobTarget = { kind: 'probe', host: input.host, ports: input.ports ? [...input.ports] : [] }
    return start(() => api.runProbe(input), target)
  }

  /** Runs a latency-lab comparison of saved profiles (main adds their secrets and records it in History). */
  function runCompare(input: LabRequest, display: { names: string[] }): Promise<StartOutcome> {
    const target: JobTarget = { kind: 'lab', names: [...display.names], runs: input.runs ?? 10, mode: input.mode ?? 'cold', action: input.action ?? 'send' }
    return start(() => api.runCompare(input), target)
  }

  /** Runs the domain-readiness checks (main records the run in History). */
  function runDomain(input: DomainJobInput): Promise<StartOutcome> {
    const target: JobTarget = { kind: 'domain', domain: input.domain, provider: input.provider ?? (input.relay ? `relay:${input.relay}` : null) }
    return start(() => api.runDomain(input), target)
  }

  /** Runs a check file picked with pickFiles({ purpose: 'checks' }) (main records the run in History). */
  function runChecks(input: ChecksJobInput): Promise<StartOutcome> {
    const file = input.path.split(/[\\/]/).pop() || input.path
    return start(() => api.runChecks(input), { kind: 'checks', file })
  }

  /** Shows a stored run again through the same verdict / waterfall / transcript views. */
  function openHistory(entry: HistoryEntry): Job {
    const id = `history:${entry.id}`
    const r = entry.result
    const target: JobTarget =
      r.kind === 'checks'
        ? { kind: 'checks', file: r.file || entry.target }
        : r.kind === 'domain'
          ? { kind: 'domain', domain: r.domain || entry.target, provider: r.provider }
          : r.kind === 'probe'
            ? { kind: 'probe', host: entry.target, ports: r.ports.map((p) => p.port) }
            : r.kind === 'compare'
              ? // A comparison that never started has no profiles in its result; History's target still names them.
                { kind: 'lab', names: r.profiles.length ? r.profiles.map((p) => p.name) : entry.target.split(' vs '), runs: r.runs, mode: r.mode, action: r.action }
              : { kind: 'profile', profileId: entry.profileId, profileName: entry.profileName ?? entry.target, profileKind: r.kind, action: entry.action, label: entry.target }
    const lines: TranscriptEvent[] = r.transcript.map((l, i) => ({ ...l, type: 'transcript', jobId: id, seq: i + 1 }))
    const job = newJob(id, target)
    job.status = 'done'
    job.lines = markRaw(lines)
    job.lineCount = lines.length
    job.phases = [...r.phases]
    job.result = markRaw(r)
    job.source = 'history'
    job.historyId = entry.id
    job.startedAt = Date.parse(entry.startedAt) || Date.now()
    jobs.delete(id)
    jobs.set(id, job)
    prune()
    return job
  }

  async function cancel(jobId: string): Promise<boolean> {
    const job = jobs.get(jobId)
    if (!job || job.status === 'done') return false
    try {
      const answer = await api.cancelJob({ jobId })
      return answer.ok && answer.value.cancelled
    } catch {
      return false
    }
  }

  /** Called once with each job that finishes (its result arrived). Returns the unsubscribe. */
  function onJobDone(listener: (job: Job) => void): () => void {
    doneListeners.add(listener)
    return () => doneListeners.delete(listener)
  }

  return { jobs, currentJobId, current, running, applyBatch, runSmtp, runProfile, runProbe, runCompare, runDomain, runChecks, openHistory, cancel, onJobDone }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useJobsStore, import.meta.hot))
