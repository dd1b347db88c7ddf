import type { SignInEvent } from '../../../preload/contract'
import { EngineError, internalError } from '../errors'
import type { JobManager } from '../jobs/job-manager'
import { signIn } from '../oauth/flows'
import { summarize } from '../oauth/sign-in'
import { OperationError } from '../operation-error'
import { SecretUnavailableError } from '../profiles/secrets'
import type { ProfileStore } from '../profiles/store'
import { Redactor } from '../transcript/redact'

/*
 * Signing an OAuth2 profile in, as the app does it: a task of the caller's (an id, cancelJob and a
 * closed window stop it) that pushes its progress — info lines, the device code to enter, the
 * address of the sign-in page — and how it ended. The sign-in is saved under the profile's id in
 * the secret store; what is pushed is redacted by the sign-in's own redactor (the PKCE verifier,
 * the device code and the tokens are added to it as they appear) and never holds a token.
 */

export interface SignInDeps {
  profiles: ProfileStore
  /**
   * Opens the sign-in page in the system browser (Electron's shell): https, or the loopback
   * issuer. Null: this host has no shell (the browser build); the page is told to open it itself.
   */
  openSignInPage: ((url: string) => Promise<boolean>) | null
}

/** A profile's OAuth2 settings, comparable as text. */
const settingsOf = (p: { kind: string; oauth?: unknown }): string => (p.kind === 'smtp' && p.oauth ? JSON.stringify(p.oauth) : '')

/**
 * Starts the sign-in of `profileId` and answers at once with its id; `push` gets its events (the
 * last one is `done`). Refused at once (OperationError) when the profile is missing, uses no OAuth2,
 * or lacks the client secret the client-credentials flow needs.
 */
export function startProfileSignIn(jobs: JobManager, deps: SignInDeps, profileId: string, push: (event: SignInEvent) => void): { jobId: string } {
  const { profiles } = deps
  const profile = profiles.get(profileId)
  if (!profile) throw new OperationError('NOT_FOUND', `No profile with id ${profileId}: it may have been deleted.`)
  if (profile.kind !== 'smtp' || !profile.oauth) {
    throw new OperationError('INVALID_INPUT', `"${profile.name}" does not use OAuth2: choose OAuth2 as its authentication in the profile editor first.`)
  }
  if (profile.oauth.flow === 'client-credentials' && !profile.hasSecret) {
    throw new OperationError('INVALID_INPUT', `"${profile.name}" signs in with client credentials, which need the app's client secret: add it in the profile editor.`)
  }
  const config = profile.oauth
  // The sign-in is kept under the profile's id; what people read names the profile.
  const named = (text: string) => text.split(`“${profile.id}”`).join(`“${profile.name}”`)

  return jobs.startTask(async ({ jobId, signal }) => {
    const started = Date.now()
    const redactor = new Redactor([])
    const base = { jobId, profileId }
    const emit = (event: SignInEvent) => {
      try {
        push(event)
      } catch {
        // The caller is gone; the sign-in still ends (and is saved) on its own.
      }
    }
    const fail = (code: EngineError['info']['code'], message: string) => emit({ type: 'done', ...base, ok: false, error: { code, message: redactor.redact(named(message)) } })
    try {
      let clientSecret: string | undefined
      try {
        clientSecret = (await profiles.secrets.get(profileId))?.primary
      } catch (err) {
        if (!(err instanceof SecretUnavailableError)) throw err
        return fail('INVALID_INPUT', `The saved client secret of "${profile.name}" cannot be used: ${err.message}. Enter it again in the profile editor.`)
      }
      const made = await signIn(config, {
        name: profile.id,
        signal,
        redactor,
        ...(clientSecret ? { clientSecret } : {}),
        log: (line) => emit({ type: 'line', ...base, t: Date.now() - started, text: named(line) }),
        openBrowser: async (url) => {
          const opened = deps.openSignInPage ? await deps.openSignInPage(url).catch(() => false) : false
          emit({ type: 'browser', ...base, url, opened })
        },
        onCode: (code) => emit({ type: 'device', ...base, code: { ...code } }),
      })
      // Saved only for the settings it was made with: a profile edited (or deleted) meanwhile is not signed in by it.
      const now = profiles.get(profileId)
      if (!now || settingsOf(now) !== settingsOf(profile)) {
        return fail('INVALID_INPUT', `"${profile.name}" was ${now ? 'changed' : 'deleted'} while you signed in, so this sign-in was not kept${now ? ': sign in again' : ''}.`)
      }
      await profiles.signIns.save(made)
      emit({ type: 'done', ...base, ok: true, signIn: summarize(made) })
    } catch (err) {
      const info = err instanceof EngineError ? err.info : internalError(err)
      fail(info.code, info.message)
    }
  })
}

/** Forgets the profile's tokens (its client secret, a profile secret, stays). */
export async function signOutProfile(profiles: ProfileStore, profileId: string): Promise<boolean> {
  if (!profiles.get(profileId)) throw new OperationError('NOT_FOUND', `No profile with id ${profileId}: it may have been deleted.`)
  return profiles.signIns.delete(profileId)
}
