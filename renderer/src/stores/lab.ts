import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import { compareToCsv, compareToJson, LAB_LIMITS, LAB_TO_INBOX_CONCURRENCY_MAX, operationFailure, type LabMode, type Profile } from '@contract'
import { useApi } from '@renderer/bridge'
import { settle, type Outcome } from '@renderer/composables/envelope'
import { useJobsStore } from './jobs'
import { useProfilesStore } from './profiles'
import { useTabJob } from './tab-job'

/** What each run does: verify only, a whole message, or a whole message in the API providers' no-delivery mode. */
export type LabChoice = 'verify' | 'send' | 'sandbox'

export const LAB_CHOICES: readonly { value: LabChoice; label: string; detail: string }[] = [
  { value: 'verify', label: 'Verify only', detail: 'SMTP: connect, TLS, AUTH (warm: a NOOP on the open session). API: the key check. Nothing is sent.' },
  { value: 'send', label: 'Full send', detail: 'A whole message each run, to each profile’s default recipients.' },
  { value: 'sandbox', label: 'API sandbox mode', detail: 'API profiles use their provider’s no-delivery mode (Mailgun o:testmode, SendGrid sandbox_mode…); SMTP sends as usual.' },
]

/** A file-name stamp: 2026-11-28T10-15-00. */
const stamp = (d = new Date()) => d.toISOString().slice(0, 19).replace(/[:]/g, '-')

/**
 * The Lab tab: which profiles (2–4, in the order picked), how many runs, cold or warm, what each
 * run does; the comparison job it last started (or a comparison opened from History), its
 * progress and its result.
 */
export const useLabStore = defineStore('lab', () => {
  const api = useApi()
  const jobs = useJobsStore()
  const profiles = useProfilesStore()

  const selected = ref<string[]>([])
  const runs = ref<number>(LAB_LIMITS.runsDefault)
  const mode = ref<LabMode>('cold')
  const choice = ref<LabChoice>('send')
  const concurrency = ref(1)
  /** Measure to delivery: each run waits until its message is seen in the profile's mailbox. */
  const toInbox = ref(false)
  const { jobId, job, running, result, startError, starting, start, cancel } = useTabJob('compare')

  const progress = computed(() => job.value?.progress ?? null)
  /** Why the comparison did not complete (cancelled, a profile without its secret, a crash), or null. */
  const failure = computed(() => job.value?.result?.error ?? null)
  /** The comparison has figures to show (it may still carry a failure: cancelled half-way). */
  const hasFigures = computed(() => (result.value?.profiles.length ?? 0) > 0)
  const chosen = computed<Profile[]>(() => selected.value.map((id) => profiles.byId.get(id)).filter((p): p is Profile => Boolean(p)))
  const problem = computed<string | null>(() => {
    const n = chosen.value.length
    if (n < LAB_LIMITS.profilesMin) return `Pick ${LAB_LIMITS.profilesMin === n + 1 ? 'one more profile' : `${LAB_LIMITS.profilesMin} to ${LAB_LIMITS.profilesMax} profiles`} to compare.`
    if (n > LAB_LIMITS.profilesMax) return `Compare at most ${LAB_LIMITS.profilesMax} profiles.`
    if (!Number.isInteger(runs.value) || runs.value < 1 || runs.value > LAB_LIMITS.runsMax) return `Runs: 1 to ${LAB_LIMITS.runsMax}.`
    return null
  })
  const canRun = computed(() => !problem.value && !running.value && !starting.value)
  /** Measuring to the inbox takes real, whole sends (not verify, not the API providers' no-delivery mode). */
  const measuresToInbox = computed(() => toInbox.value && choice.value === 'send')
  /** Runs in flight at most: fewer when measuring to the inbox (each watch holds two IMAP connections to the mailbox). */
  const concurrencyMax = computed(() => (measuresToInbox.value ? LAB_TO_INBOX_CONCURRENCY_MAX : LAB_LIMITS.concurrencyMax))
  watch(concurrencyMax, (max) => {
    if (concurrency.value > max) concurrency.value = max
  })

  function isSelected(id: string): boolean {
    return selected.value.includes(id)
  }

  /** Picks or drops a profile; a fifth pick is refused (false). */
  function toggle(id: string, on = !isSelected(id)): boolean {
    if (!on) {
      selected.value = selected.value.filter((x) => x !== id)
      return true
    }
    if (isSelected(id)) return true
    if (selected.value.length >= LAB_LIMITS.profilesMax) return false
    selected.value = [...selected.value, id]
    return true
  }

  /** Forgets picks of profiles that no longer exist. */
  function prune(): void {
    const known = profiles.byId
    if (selected.value.some((id) => !known.has(id))) selected.value = selected.value.filter((id) => known.has(id))
  }

  async function run(): Promise<boolean> {
    prune()
    if (!canRun.value) return false
    const action = choice.value === 'verify' ? 'verify' : 'send'
    const subject = `Mailprobe lab ${new Date().toISOString().slice(0, 19).replace('T', ' ')}`
    return start(() =>
      jobs.runCompare(
        {
          profileIds: [...selected.value],
          runs: runs.value,
          mode: mode.value,
          concurrency: Math.min(concurrency.value, concurrencyMax.value),
          action,
          apiSandbox: choice.value === 'sandbox',
          toInbox: measuresToInbox.value,
          ...(action === 'send' ? { message: { subject, text: 'A latency-lab run of Mailprobe. Each run sends this message once.' } } : {}),
        },
        { names: chosen.value.map((p) => p.name) },
      ),
    )
  }

  /** Shows a comparison opened from History (a job of the jobs store). */
  function show(id: string): void {
    jobId.value = id
  }

  async function exportAs(format: 'csv' | 'json'): Promise<Outcome<{ saved: boolean; path: string | null }>> {
    const r = result.value
    if (!r) return operationFailure('INVALID_INPUT', 'Run a comparison first.')
    const content = format === 'csv' ? compareToCsv(r) : compareToJson(r)
    return settle(() => api.saveFile({ suggestedName: `mailprobe-compare-${stamp()}.${format}`, content }))
  }

  return {
    selected,
    runs,
    mode,
    choice,
    concurrency,
    toInbox,
    measuresToInbox,
    concurrencyMax,
    jobId,
    job,
    running,
    starting,
    progress,
    result,
    failure,
    hasFigures,
    chosen,
    problem,
    canRun,
    startError,
    isSelected,
    toggle,
    prune,
    run,
    cancel,
    show,
    exportAs,
  }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useLabStore, import.meta.hot))
