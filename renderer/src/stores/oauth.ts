import { acceptHMRUpdate, defineStore } from 'pinia'
import { computed, onScopeDispose, shallowRef } from 'vue'
import type { DeviceCodePrompt, ErrorCode, OAuthFlow, OperationFailure, Profile, SignInEvent, SignInSummary } from '@contract'
import { openInNewTab, useApi } from '@renderer/bridge'
import { settle, type Outcome } from '@renderer/composables/envelope'
import { useJobsStore } from './jobs'
import { useProfilesStore } from './profiles'
import { useUiStore } from './ui'

/** One sign-in as the dialog shows it. Nothing here is a secret: the user code is meant to be read out. */
export interface SignInState {
  profileId: string
  profileName: string
  flow: OAuthFlow
  /** Null until main answers with the sign-in's id. */
  jobId: string | null
  status: 'starting' | 'waiting' | 'done' | 'failed'
  /** Device flow: the code to enter and where. */
  device: DeviceCodePrompt | null
  /** Browser flow: the sign-in page; `opened` by main (the system browser) or `tab` by this page (the browser build). */
  browser: { url: string; opened: boolean; tab: boolean } | null
  /** What main said along the way (redacted info lines). */
  lines: string[]
  error: { code: ErrorCode | OperationFailure['code']; message: string } | null
  signIn: SignInSummary | null
  /** Cancel was asked for: the dialog closes when main confirms. */
  cancelling: boolean
}

/**
 * OAuth2 sign-ins of profiles: one at a time, in a dialog (SignInDialog.vue). Main runs the flow
 * and pushes its progress; the page opens the sign-in page itself only when main could not (the
 * browser build has no shell). Afterwards the profile (listed again) says who signed in.
 */
export const useOAuthStore = defineStore('oauth', () => {
  const api = useApi()
  const profiles = useProfilesStore()
  const jobs = useJobsStore()
  const ui = useUiStore()
  const active = shallowRef<SignInState | null>(null)
  /** Events that arrived before main's answer named the sign-in (kept by id until then). */
  const early = new Map<string, SignInEvent[]>()

  const open = computed(() => active.value !== null)

  function update(change: Partial<SignInState>): void {
    if (active.value) active.value = { ...active.value, ...change }
  }

  function apply(event: SignInEvent): void {
    const s = active.value
    if (!s || s.jobId !== event.jobId) return
    if (event.type === 'line') update({ lines: [...s.lines, event.text].slice(-50) })
    else if (event.type === 'device') update({ status: 'waiting', device: event.code })
    else if (event.type === 'browser') update({ status: 'waiting', browser: { url: event.url, opened: event.opened, tab: event.opened ? false : openInNewTab(event.url) } })
    else if (event.ok) {
      update({ status: 'done', signIn: event.signIn, cancelling: false })
      void profiles.load()
    } else if (event.error.code === 'CANCELLED' && s.cancelling) {
      close()
    } else update({ status: 'failed', error: event.error, cancelling: false })
  }

  const stop = api.onSignInEvents((event) => {
    const s = active.value
    if (s && s.jobId === null && s.profileId === event.profileId) {
      const list = early.get(event.jobId) ?? []
      list.push(event)
      early.set(event.jobId, list)
      return
    }
    apply(event)
  })

  /** Starts signing `profile` in (an SMTP profile with OAuth2 settings). */
  async function signIn(profile: Profile): Promise<Outcome<{ jobId: string }>> {
    if (profile.kind !== 'smtp' || !profile.oauth) return { ok: false, error: { code: 'INVALID_INPUT', message: `"${profile.name}" does not use OAuth2.` } }
    if (active.value && active.value.status !== 'done' && active.value.status !== 'failed') await cancel()
    early.clear()
    active.value = {
      profileId: profile.id,
      profileName: profile.name,
      flow: profile.oauth.flow,
      jobId: null,
      status: 'starting',
      device: null,
      browser: null,
      lines: [],
      error: null,
      signIn: null,
      cancelling: false,
    }
    ui.signInOpen = true
    const answer = await settle(() => api.oauthSignIn({ profileId: profile.id }))
    if (active.value?.profileId !== profile.id) return answer
    if (!answer.ok) {
      update({ status: 'failed', error: answer.error })
      return answer
    }
    update({ jobId: answer.value.jobId })
    for (const event of early.get(answer.value.jobId) ?? []) apply(event)
    early.clear()
    return answer
  }

  /** Stops a running sign-in (the dialog closes once main confirms); closes a finished one. */
  async function cancel(): Promise<void> {
    const s = active.value
    if (!s) return
    if (s.status === 'done' || s.status === 'failed' || !s.jobId) return close()
    update({ cancelling: true })
    const answer = await settle(() => api.cancelJob({ jobId: s.jobId! }))
    // Already over (or main is gone): nothing will confirm it.
    if (!answer.ok || !answer.value.cancelled) close()
  }

  function close(): void {
    active.value = null
    ui.signInOpen = false
  }

  /** Forgets the profile's tokens in main. */
  async function signOut(profileId: string): Promise<Outcome<Profile>> {
    const answer = await settle(() => api.oauthSignOut({ profileId }))
    if (!answer.ok) return answer
    profiles.upsert(answer.value.profile)
    return { ok: true, value: answer.value.profile }
  }

  // A run of an OAuth2 profile may have renewed its token: list the profiles again for the new expiry.
  const stopJobs = jobs.onJobDone((job) => {
    const t = job.target
    if (t?.kind !== 'profile' || !t.profileId) return
    const p = profiles.byId.get(t.profileId)
    if (p?.kind === 'smtp' && p.oauth) void profiles.load()
  })

  onScopeDispose(() => {
    stop()
    stopJobs()
  })

  return { active, open, signIn, cancel, close, signOut }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useOAuthStore, import.meta.hot))
