import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, onScopeDispose, ref, shallowRef } from 'vue'
import { HISTORY_LIMIT, operationFailure, type HistorySummary } from '@contract'
import { useApi } from '@renderer/bridge'
import { settle, type OpError, type Outcome } from '@renderer/composables/envelope'
import { useJobsStore, type Job } from './jobs'

export type LastResult = 'ok' | 'failed' | 'never'

/**
 * History rows (summaries; a full entry is fetched when opened). `recent` is the unfiltered list
 * the sidebar's result dots come from; `entries` is what the History tab shows for `query`.
 */
export const useHistoryStore = defineStore('history', () => {
  const api = useApi()
  const jobs = useJobsStore()
  const recent = shallowRef<HistorySummary[]>([])
  const entries = shallowRef<HistorySummary[]>([])
  const total = ref(0)
  const query = ref('')
  const loading = ref(false)
  const loaded = ref(false)
  const error = ref<OpError | null>(null)
  const openedId = ref<string | null>(null)
  let searchSeq = 0

  /** Newest run per profile. */
  const latestByProfile = computed(() => {
    const map = new Map<string, HistorySummary>()
    for (const e of recent.value) {
      if (!e.profileId) continue
      const seen = map.get(e.profileId)
      if (!seen || Date.parse(e.startedAt) > Date.parse(seen.startedAt)) map.set(e.profileId, e)
    }
    return map
  })

  /** Newest finished domain run per domain (lower-cased), for the verdict chip a profile shows of its From domain. */
  const latestByDomain = computed(() => {
    const map = new Map<string, HistorySummary>()
    for (const e of recent.value) {
      if (e.kind !== 'domain' || !e.domainStatus) continue
      const key = e.target.toLowerCase()
      const seen = map.get(key)
      if (!seen || Date.parse(e.startedAt) > Date.parse(seen.startedAt)) map.set(key, e)
    }
    return map
  })

  function lastResult(profileId: string): LastResult {
    const e = latestByProfile.value.get(profileId)
    return !e ? 'never' : e.ok ? 'ok' : 'failed'
  }

  async function refresh(): Promise<void> {
    loading.value = true
    const all = await settle(() => api.listHistory({ limit: HISTORY_LIMIT }))
    if (all.ok) {
      recent.value = all.value.entries
      error.value = null
      loaded.value = true
    } else error.value = all.error
    if (!query.value.trim()) {
      if (all.ok) {
        entries.value = all.value.entries
        total.value = all.value.total
      }
      loading.value = false
      return
    }
    await search(query.value)
  }

  /** Asks main for the rows matching `q` (the last call wins when several overlap). */
  async function search(q: string): Promise<void> {
    query.value = q
    const seq = ++searchSeq
    const trimmed = q.trim()
    if (!trimmed) {
      entries.value = recent.value
      total.value = recent.value.length
      loading.value = false
      return
    }
    loading.value = true
    const answer = await settle(() => api.listHistory({ query: trimmed.slice(0, 200), limit: HISTORY_LIMIT }))
    if (seq !== searchSeq) return
    loading.value = false
    if (!answer.ok) {
      error.value = answer.error
      return
    }
    error.value = null
    entries.value = answer.value.entries
    total.value = answer.value.total
  }

  async function remove(ids: string[]): Promise<Outcome<number>> {
    const answer = await settle(() => api.deleteHistory({ ids }))
    if (!answer.ok) return answer
    const gone = new Set(ids)
    recent.value = recent.value.filter((e) => !gone.has(e.id))
    entries.value = entries.value.filter((e) => !gone.has(e.id))
    total.value = Math.max(0, total.value - answer.value.deleted)
    if (openedId.value && gone.has(openedId.value)) openedId.value = null
    return { ok: true, value: answer.value.deleted }
  }

  /** Fetches a stored run and opens it in the jobs store; returns its job. */
  async function open(id: string): Promise<Outcome<Job>> {
    const answer = await settle(() => api.getHistoryEntry({ id }))
    if (!answer.ok) return answer
    if (!answer.value) return operationFailure('NOT_FOUND', 'This run is no longer in History.')
    openedId.value = id
    return { ok: true, value: jobs.openHistory(answer.value) }
  }

  /** The run's transcript as main formats it (.txt like swaks, or .json), saved through saveFile. */
  async function exportEntry(id: string, format: 'txt' | 'json'): Promise<Outcome<{ saved: boolean; path: string | null }>> {
    const exported = await settle(() => api.exportTranscript({ id, format }))
    if (!exported.ok) return exported
    return settle(() => api.saveFile({ suggestedName: exported.value.suggestedName, content: exported.value.content }))
  }

  /** The History row recorded for a live job, once main has saved it. */
  function forJob(jobId: string): HistorySummary | null {
    return recent.value.find((e) => e.jobId === jobId) ?? null
  }

  // Main records each profile run and probe: refresh when one ends (dots, list).
  let timer: ReturnType<typeof setTimeout> | null = null
  const stop = jobs.onJobDone((job) => {
    if (job.source !== 'live' || job.target?.kind === 'smtp') return
    if (timer) clearTimeout(timer)
    timer = setTimeout(() => {
      timer = null
      void refresh()
    }, 150)
  })
  onScopeDispose(() => {
    stop()
    if (timer) clearTimeout(timer)
  })

  return { recent, entries, total, query, loading, loaded, error, openedId, latestByProfile, latestByDomain, lastResult, refresh, search, remove, open, exportEntry, forJob }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useHistoryStore, import.meta.hot))
