import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { KeyringStatus, OperationOutputs, Preset, Profile, SaveProfileInput, StorageIssue } from '@contract'
import { useApi } from '@renderer/bridge'
import { sessionGet, sessionSet } from '@renderer/bridge/session'
import { settle, type OpError, type Outcome } from '@renderer/composables/envelope'

/** Where the storage issues the user dismissed are remembered: for this window's session, across reloads. */
const DISMISSED_KEY = 'mailprobe.dismissedStorageIssues'
/** One storage issue, as the notice list and the dismissed set know it. */
export const issueKey = (i: StorageIssue): string => `${i.file}\n${i.movedTo ?? ''}`

function readDismissed(): Set<string> {
  try {
    const saved: unknown = JSON.parse(sessionGet(DISMISSED_KEY) ?? '[]')
    return new Set(Array.isArray(saved) ? saved.filter((k): k is string => typeof k === 'string') : [])
  } catch {
    return new Set()
  }
}

/**
 * Saved profiles as main reports them. Secrets are write-only: save() hands one to main and
 * nothing here ever holds it (a profile only says `hasSecret`).
 */
export const useProfilesStore = defineStore('profiles', () => {
  const api = useApi()
  const profiles = shallowRef<Profile[]>([])
  const keyring = ref<KeyringStatus | null>(null)
  const issues = ref<StorageIssue[]>([])
  /** Main reports the files it set aside at start on every listing: one the user dismissed stays dismissed. */
  const dismissed = readDismissed()
  const presets = shallowRef<Preset[]>([])
  const loaded = ref(false)
  const loading = ref(false)
  const error = ref<OpError | null>(null)

  const byId = computed(() => new Map(profiles.value.map((p) => [p.id, p])))
  const smtp = computed(() => profiles.value.filter((p) => p.kind === 'smtp'))
  const apiProfiles = computed(() => profiles.value.filter((p) => p.kind === 'api'))

  async function load(): Promise<void> {
    loading.value = true
    const answer = await settle(() => api.listProfiles({}))
    loading.value = false
    if (!answer.ok) {
      error.value = answer.error
      return
    }
    error.value = null
    profiles.value = answer.value.profiles
    keyring.value = answer.value.keyring
    issues.value = answer.value.issues.filter((i) => !dismissed.has(issueKey(i)))
    loaded.value = true
  }

  async function loadPresets(): Promise<void> {
    if (presets.value.length) return
    const answer = await settle(() => api.listPresets({}))
    if (answer.ok) presets.value = answer.value
  }

  /** Puts main's answer for one profile in place (saved, duplicated, signed out). */
  function upsert(profile: Profile): void {
    const i = profiles.value.findIndex((p) => p.id === profile.id)
    profiles.value = i < 0 ? [...profiles.value, profile] : profiles.value.map((p) => (p.id === profile.id ? profile : p))
  }

  /** Creates or updates a profile. `input.secret` goes to main only; the answer carries `hasSecret`. */
  async function save(input: SaveProfileInput): Promise<Outcome<Profile>> {
    const answer = await settle(() => api.saveProfile(input))
    if (answer.ok) upsert(answer.value)
    return answer
  }

  async function remove(id: string): Promise<Outcome<boolean>> {
    const answer = await settle(() => api.deleteProfile({ id }))
    if (!answer.ok) return answer
    profiles.value = profiles.value.filter((p) => p.id !== id)
    return { ok: true, value: answer.value.deleted }
  }

  async function duplicate(id: string): Promise<Outcome<Profile>> {
    const answer = await settle(() => api.duplicateProfile({ id }))
    if (answer.ok) upsert(answer.value)
    return answer
  }

  /** Exports (without secrets) and hands the file to saveFile (a dialog, or a download in the browser). */
  /** The profiles as a check file (YAML, secrets as environment variable names), saved through saveFile. */
  async function exportChecksToFile(ids?: string[]): Promise<Outcome<OperationOutputs['saveFile']>> {
    const exported = await settle(() => api.exportChecks(ids ? { ids } : {}))
    if (!exported.ok) return exported
    return settle(() => api.saveFile({ suggestedName: exported.value.suggestedName, content: exported.value.content }))
  }

  async function exportToFile(ids?: string[]): Promise<Outcome<OperationOutputs['saveFile']>> {
    const exported = await settle(() => api.exportProfiles(ids ? { ids } : {}))
    if (!exported.ok) return exported
    return settle(() => api.saveFile({ suggestedName: exported.value.suggestedName, content: exported.value.content }))
  }

  /** Imports pasted or page-read JSON, or a file main picked with its dialog (main reads only files it picked). */
  async function importContent(content: string): Promise<Outcome<OperationOutputs['importProfiles']>> {
    return importFrom({ content })
  }

  async function importPath(path: string): Promise<Outcome<OperationOutputs['importProfiles']>> {
    return importFrom({ path })
  }

  async function importFrom(input: { content: string } | { path: string }): Promise<Outcome<OperationOutputs['importProfiles']>> {
    const answer = await settle(() => api.importProfiles(input))
    if (answer.ok) await load()
    return answer
  }

  function dismissIssue(index: number): void {
    const issue = issues.value[index]
    if (!issue) return
    dismissed.add(issueKey(issue))
    sessionSet(DISMISSED_KEY, JSON.stringify([...dismissed]))
    issues.value = issues.value.filter((_, i) => i !== index)
  }

  return {
    profiles,
    keyring,
    issues,
    presets,
    loaded,
    loading,
    error,
    byId,
    smtp,
    apiProfiles,
    load,
    loadPresets,
    upsert,
    save,
    remove,
    duplicate,
    exportToFile,
    exportChecksToFile,
    importContent,
    importPath,
    dismissIssue,
  }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useProfilesStore, import.meta.hot))
