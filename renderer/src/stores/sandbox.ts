import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, onScopeDispose, ref, shallowRef, watch } from 'vue'
import { SANDBOX_INBOX_LIMIT, type AppSandboxStatus, type Envelope } from '@contract'
import { useApi } from '@renderer/bridge'
import { settle, type OpError, type Outcome } from '@renderer/composables/envelope'
import { useProfilesStore } from './profiles'

/**
 * The embedded sandbox as the status pill shows it: on / off, its ports, its simulated latency.
 * Main pushes status changes (sandbox events); a start refreshes the sandbox profiles' ports in
 * main, so the profiles are loaded again when it (re)starts.
 */
export const useSandboxStore = defineStore('sandbox', () => {
  const api = useApi()
  const profiles = useProfilesStore()
  const status = shallowRef<AppSandboxStatus | null>(null)
  const error = ref<OpError | null>(null)
  const busy = ref(false)

  const running = computed(() => status.value?.running ?? false)
  const info = computed(() => status.value?.info ?? null)
  /** The ready-made profiles the user deleted (restoreProfiles brings them back). */
  const missingProfiles = computed(() => {
    const p = status.value?.profiles
    return p ? (['starttls', 'tls', 'api'] as const).filter((role) => !p[role]) : []
  })

  function apply(next: AppSandboxStatus): void {
    const before = status.value
    status.value = next
    // Started (again), or its profiles were restored: main has just refreshed them.
    const restarted = next.running && (!before?.running || before.info?.smtp.starttls !== next.info?.smtp.starttls)
    const restored = JSON.stringify(before?.profiles) !== JSON.stringify(next.profiles)
    if (before && (restarted || restored)) void profiles.load()
  }

  /** Main's answer: the status it reports, or the error. */
  function record(answer: Outcome<AppSandboxStatus>): Outcome<AppSandboxStatus> {
    if (answer.ok) {
      apply(answer.value)
      error.value = null
    } else error.value = answer.error
    return answer
  }

  async function load(): Promise<void> {
    record(await settle(() => api.getSandboxStatus({})))
  }

  async function change(call: () => Promise<Envelope<AppSandboxStatus>>): Promise<Outcome<AppSandboxStatus>> {
    busy.value = true
    const answer = await settle(call)
    busy.value = false
    return record(answer)
  }

  const setEnabled = (enabled: boolean) => change(() => api.setSandboxEnabled({ enabled }))
  const setLatency = (input: { rttMs?: number; thinkMs?: number }) => change(() => api.setSandboxLatency(input))
  const restoreProfiles = () => change(() => api.restoreSandboxProfiles({}))

  /** True when a send's target is this sandbox (so its result can link to the Inbox). */
  function isSandboxTarget(target: { host?: string; port?: number; url?: string } | null | undefined): boolean {
    const i = info.value
    if (!i || !target) return false
    if (target.url) return target.url.startsWith(i.api.url)
    return target.host === i.host && (target.port === i.smtp.starttls || target.port === i.smtp.tls || target.port === i.smtp.plain)
  }

  // A sandbox profile deleted (or added back) changes which of them are missing: ask main again.
  watch(
    () => profiles.profiles.filter((p) => p.preset === 'sandbox').length,
    () => {
      if (status.value) void load()
    },
  )

  const stop = api.onSandboxEvents((event) => {
    if (event.type === 'status') apply(event.status)
    else if (event.type === 'inbox' && status.value) {
      const s = status.value
      status.value = { ...s, inbox: { kept: Math.min(s.inbox.kept + 1, SANDBOX_INBOX_LIMIT), received: s.inbox.received + 1 } }
    } else if (event.type === 'inbox-cleared' && status.value) status.value = { ...status.value, inbox: { ...status.value.inbox, kept: 0 } }
  })
  onScopeDispose(stop)

  return { status, error, busy, running, info, missingProfiles, load, setEnabled, setLatency, restoreProfiles, isSandboxTarget }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useSandboxStore, import.meta.hot))
