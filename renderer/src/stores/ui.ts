import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, reactive, ref, shallowRef } from 'vue'
import type { SaveProfileInput } from '@contract'

export type TabName = 'probe' | 'domain' | 'compose' | 'lab' | 'history' | 'inbox'
/** In the tab bar's order (Ctrl/⌘+1…6): the checks that need no credentials (ports, DNS) first. */
export const TABS: readonly TabName[] = ['probe', 'domain', 'compose', 'lab', 'history', 'inbox']

export interface ConfirmRequest {
  title: string
  message: string
  okText: string
  danger: boolean
  resolve: (ok: boolean) => void
}

/** Fields an editor may open prefilled with (a preset, a probe recommendation). */
export type ProfilePrefill = Partial<SaveProfileInput['profile']>

/** Which tab, which profile, which overlay is open, and which job each tab's result pane follows. */
export const useUiStore = defineStore('ui', () => {
  const tab = ref<TabName>('compose')
  const selectedProfileId = ref<string | null>(null)
  const editor = reactive<{ open: boolean; profileId: string | null; prefill: ProfilePrefill | null; nonce: number }>({ open: false, profileId: null, prefill: null, nonce: 0 })
  const importOpen = ref(false)
  const switcherOpen = ref(false)
  const confirmRequest = shallowRef<ConfirmRequest | null>(null)
  /** The OAuth2 sign-in dialog (stores/oauth.ts) is open. */
  const signInOpen = ref(false)
  const focus = reactive<Record<TabName, string | null>>({ probe: null, domain: null, compose: null, lab: null, history: null, inbox: null })

  const focusedJobId = computed(() => focus[tab.value])
  const overlayOpen = computed(() => editor.open || importOpen.value || switcherOpen.value || confirmRequest.value !== null || signInOpen.value)

  function selectProfile(id: string | null): void {
    selectedProfileId.value = id
  }

  function openEditor(profileId: string | null, prefill: ProfilePrefill | null = null): void {
    editor.profileId = profileId
    editor.prefill = prefill
    editor.nonce++
    editor.open = true
  }

  function closeEditor(): void {
    editor.open = false
  }

  function focusJob(tabName: TabName, jobId: string | null): void {
    focus[tabName] = jobId
  }

  /** Asks the user; resolves true for OK. One question at a time (a new one answers the old with false). */
  function confirm(opts: { title: string; message: string; okText?: string; danger?: boolean }): Promise<boolean> {
    confirmRequest.value?.resolve(false)
    return new Promise<boolean>((resolve) => {
      confirmRequest.value = { okText: 'OK', danger: false, ...opts, resolve }
    })
  }

  function answerConfirm(ok: boolean): void {
    const req = confirmRequest.value
    confirmRequest.value = null
    req?.resolve(ok)
  }

  return {
    tab,
    selectedProfileId,
    editor,
    importOpen,
    switcherOpen,
    confirmRequest,
    signInOpen,
    focus,
    focusedJobId,
    overlayOpen,
    selectProfile,
    openEditor,
    closeEditor,
    focusJob,
    confirm,
    answerConfirm,
  }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useUiStore, import.meta.hot))
