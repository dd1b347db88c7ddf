import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, reactive, ref, watch } from 'vue'
import { DOMAIN_CHECK_IDS, domainJobSchema, worstStatus, type DomainCheck, type DomainCheckId, type DomainJobInput, type Preset, type Profile } from '@contract'
import { checksFromLines, ordered, profileDomain, profileSender, splitList, type SenderChoice } from '@renderer/components/domain/domain-format'
import { useJobsStore } from './jobs'
import { useProfilesStore } from './profiles'
import { useTabJob } from './tab-job'
import { useUiStore } from './ui'

export type DomainField = 'domain' | 'relay' | 'dkimSelectors' | 'sendingIps' | 'dnsServers'

/** One row of the checks list: a finished check, or one the running job has not finished yet. */
export interface DomainRow {
  id: DomainCheckId
  check: DomainCheck | null
}

/** The Domain tab: its form (prefilled from the selected profile), the job it last ran, and that job's checks. */
export const useDomainStore = defineStore('domain', () => {
  const jobs = useJobsStore()
  const profiles = useProfilesStore()
  const ui = useUiStore()
  const domain = ref('')
  const sender = ref<SenderChoice>('')
  const relay = ref('')
  /** As typed: comma or space separated. */
  const selectors = ref('')
  const sendingIps = ref('')
  /** Resolvers to ask instead of the system's (IP or IP:port), as typed; empty: the system's. */
  const dnsServers = ref('')
  const errors = reactive<Record<DomainField, string | null>>({ domain: null, relay: null, dkimSelectors: null, sendingIps: null, dnsServers: null })
  const { jobId, job, running, result, startError, start, cancel } = useTabJob('domain')
  /** Check ids whose records and items are open. */
  const expanded = ref<DomainCheckId[]>([])
  /** The profile the form was last filled from (its name, for the hint under the form). */
  const prefilledFrom = ref<string | null>(null)

  /** The checks so far: the result's once it is in, before that those that rode on the transcript as they finished. */
  const checks = computed<DomainCheck[]>(() => {
    if (result.value) return ordered(result.value.checks)
    const j = job.value
    if (!j) return []
    void j.lineCount // lines is a plain array: its count is what changes
    return ordered(checksFromLines(j.lines))
  })
  /** While the job runs, every check has its row from the start (nothing jumps as they finish); afterwards, the checks that ran. */
  const rows = computed<DomainRow[]>(() => {
    const byId = new Map(checks.value.map((c) => [c.id, c]))
    if (running.value) return DOMAIN_CHECK_IDS.map((id) => ({ id, check: byId.get(id) ?? null }))
    return checks.value.map((c) => ({ id: c.id, check: c }))
  })
  const verdict = computed(() => (checks.value.length ? worstStatus(checks.value) : null))
  const publish = computed(() => result.value?.publish ?? [])

  /** Fills the form from a profile: its From domain and whom it sends through. */
  function applyProfile(profile: Profile | null, presets: readonly Preset[]): void {
    if (!profile) return
    prefilledFrom.value = profile.name
    const d = profileDomain(profile)
    if (d) domain.value = d
    const s = profileSender(profile, presets)
    sender.value = !s ? '' : 'provider' in s ? s.provider : 'relay'
    relay.value = s && 'relay' in s ? s.relay : ''
    clearErrors()
  }

  function clearErrors(): void {
    for (const k of Object.keys(errors) as DomainField[]) errors[k] = null
  }

  function clearError(field: DomainField): void {
    errors[field] = null
  }

  /** The job the form describes, or null (with each field's problem set) when the contract refuses it. */
  function buildInput(): DomainJobInput | null {
    clearErrors()
    const input: DomainJobInput = {
      domain: domain.value.trim().replace(/\.$/, '').toLowerCase(),
      ...(sender.value === 'relay' ? { relay: relay.value.trim() } : sender.value ? { provider: sender.value } : {}),
      dkimSelectors: splitList(selectors.value),
      sendingIps: splitList(sendingIps.value),
    }
    const resolvers = splitList(dnsServers.value)
    if (resolvers.length) input.dnsServers = resolvers
    if (sender.value === 'relay' && !input.relay) {
      errors.relay = 'name the relay’s host'
      return null
    }
    const parsed = domainJobSchema.safeParse(input)
    if (parsed.success) return input
    for (const issue of parsed.error.issues) {
      const field = issue.path[0] as DomainField | undefined
      if (field && field in errors && !errors[field]) errors[field] = issue.message
    }
    if (!Object.values(errors).some(Boolean)) startError.value = parsed.error.issues[0]?.message ?? 'The form is not valid.'
    return null
  }

  async function run(): Promise<boolean> {
    if (running.value) return false
    startError.value = null
    const input = buildInput()
    if (!input || !(await start(() => jobs.runDomain(input)))) return false
    expanded.value = []
    return true
  }

  function toggle(id: DomainCheckId): void {
    expanded.value = expanded.value.includes(id) ? expanded.value.filter((x) => x !== id) : [...expanded.value, id]
  }

  /** Shows a run opened from History (its job is in the jobs store), with its domain and sender in the form. */
  function show(id: string): void {
    held = true
    jobId.value = id
    expanded.value = []
    const t = jobs.jobs.get(id)?.target
    if (t?.kind !== 'domain') return
    domain.value = t.domain
    const p = t.provider
    sender.value = !p ? '' : p.startsWith('relay:') ? 'relay' : (p as SenderChoice)
    relay.value = p?.startsWith('relay:') ? p.slice('relay:'.length) : ''
    clearErrors()
  }

  // The form follows the selected profile: filled again when another is selected or it is edited, and once the presets
  // (which name the providers of well-known SMTP hosts) have arrived — not when the tab is merely shown again, nor over
  // a run opened from History (until another profile is selected).
  let followed: string | null | undefined
  let held = false
  void profiles.loadPresets()
  watch(
    () => {
      const p = ui.selectedProfileId ? profiles.byId.get(ui.selectedProfileId) : undefined
      return `${p?.id ?? ''}|${p?.updatedAt ?? ''}|${profiles.presets.length > 0}`
    },
    () => {
      const profile = ui.selectedProfileId ? (profiles.byId.get(ui.selectedProfileId) ?? null) : null
      if ((profile?.id ?? null) !== followed) held = false
      followed = profile?.id ?? null
      if (!held) applyProfile(profile, profiles.presets)
    },
    { immediate: true },
  )

  return {
    domain,
    sender,
    relay,
    selectors,
    sendingIps,
    dnsServers,
    errors,
    startError,
    jobId,
    expanded,
    prefilledFrom,
    job,
    running,
    result,
    checks,
    rows,
    verdict,
    publish,
    applyProfile,
    clearError,
    buildInput,
    run,
    cancel,
    toggle,
    show,
  }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useDomainStore, import.meta.hot))
