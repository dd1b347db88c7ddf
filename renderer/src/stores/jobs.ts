import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, markRaw, onScopeDispose, ref, shallowReactive } from 'vue'
import type {
  AnyJobResult,
  JobEvent,
  JobEventBatch,
  Phase,
  SmtpJobInput,
  SmtpStage,
  TranscriptEvent,
} from '@contract'
import { useApi } from '@renderer/bridge'

/** Lines kept per job in the live view; a hostile server must not exhaust the renderer. */
export const MAX_LIVE_LINES = 200_000

export type JobStatus = 'running' | 'done'

/** What the UI shows about the request: never the credentials. */
export interface JobTarget {
  kind: 'smtp'
  host: string
  port: number
  stopAfter: SmtpStage
}

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
  lastSeq: number
}

export type StartOutcome = { ok: true; jobId: string } | { ok: false; error: { code: string; message: string } }

function newJob(id: string, target: JobTarget | null): Job {
  return shallowReactive<Job>({
    id,
    status: 'running',
    target,
    lines: markRaw([]),
    lineCount: 0,
    droppedLines: 0,
    phases: [],
    result: null,
    lastSeq: 0,
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

export const useJobsStore = defineStore('jobs', () => {
  const api = useApi()
  const jobs = shallowReactive(new Map<string, Job>())
  const currentJobId = ref<string | null>(null)
  const current = computed(() => (currentJobId.value ? (jobs.get(currentJobId.value) ?? null) : null))

  function ensure(id: string): Job {
    let job = jobs.get(id)
    if (!job) {
      job = newJob(id, null)
      jobs.set(id, job)
    }
    return job
  }

  function applyToJob(job: Job, events: JobEvent<AnyJobResult>[]): void {
    let added = 0
    let phases: Phase[] | null = null
    for (const event of events) {
      if (event.seq > job.lastSeq) job.lastSeq = event.seq
      if (event.type === 'transcript') {
        if (job.lines.length >= MAX_LIVE_LINES) job.droppedLines++
        else if (insertLine(job.lines, event)) added++
      } else if (event.type === 'phase') {
        ;(phases ??= [...job.phases]).push(event.phase)
      } else {
        job.result = markRaw(event.result)
        job.status = 'done'
        // The result's phases are the engine's final word (they may close a phase that was still open).
        if (Array.isArray(event.result.phases)) phases = [...event.result.phases]
      }
    }
    if (phases) job.phases = phases
    if (added) job.lineCount = job.lines.length
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

  /**
   * Starts an SMTP job. `input` (which may hold a password) goes straight to main and is not kept:
   * only host, port and stop stage are remembered for display.
   */
  async function runSmtp(input: SmtpJobInput): Promise<StartOutcome> {
    const target: JobTarget = { kind: 'smtp', host: input.host, port: input.port ?? 587, stopAfter: input.stopAfter ?? 'send' }
    let answer: Awaited<ReturnType<typeof api.runSmtp>>
    try {
      answer = await api.runSmtp(input)
    } catch (err) {
      return { ok: false, error: { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) } }
    }
    if (!answer.ok) return { ok: false, error: answer.error }
    // Events may have arrived before the answer; keep them and add the target.
    const job = ensure(answer.value.jobId)
    job.target = target
    currentJobId.value = job.id
    return { ok: true, jobId: job.id }
  }

  async function cancel(jobId: string): Promise<boolean> {
    const job = jobs.get(jobId)
    if (job && job.status === 'done') return false
    try {
      const answer = await api.cancelJob({ jobId })
      return answer.ok && answer.value.cancelled
    } catch {
      return false
    }
  }

  return { jobs, currentJobId, current, applyBatch, runSmtp, cancel }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useJobsStore, import.meta.hot))
