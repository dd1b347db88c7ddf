import { computed, ref } from 'vue'
import type { AnyJobResult } from '@contract'
import { useJobsStore, type StartOutcome } from './jobs'

/**
 * The job a tab last started (or opened from History), for the tab's setup store: that job as the
 * jobs store follows its events, whether it runs, its result of the tab's kind, and why the last
 * start failed. The tab's store validates its form, then starts through `start`.
 */
export function useTabJob<K extends AnyJobResult['kind']>(kind: K) {
  const jobs = useJobsStore()
  const jobId = ref<string | null>(null)
  const startError = ref<string | null>(null)
  /** A start is awaiting main's answer. */
  const starting = ref(false)

  const job = computed(() => (jobId.value ? (jobs.jobs.get(jobId.value) ?? null) : null))
  const running = computed(() => job.value?.status === 'running')
  const result = computed(() => {
    const r = job.value?.result
    return r?.kind === kind ? (r as Extract<AnyJobResult, { kind: K }>) : null
  })

  /** Starts a job: true when it runs (it is then this tab's job), false with startError set when main refused it. */
  async function start(call: () => Promise<StartOutcome>): Promise<boolean> {
    startError.value = null
    starting.value = true
    const outcome = await call()
    starting.value = false
    if (!outcome.ok) {
      startError.value = `${outcome.error.code}: ${outcome.error.message}`
      return false
    }
    jobId.value = outcome.jobId
    return true
  }

  async function cancel(): Promise<void> {
    if (jobId.value && running.value) await jobs.cancel(jobId.value)
  }

  return { jobId, job, running, result, startError, starting, start, cancel }
}
