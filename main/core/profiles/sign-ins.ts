import type { SignInSummary } from '../../../preload/contract'
import { ProfileSignInStore, type SignInStore } from '../oauth/store'
import { summarize, type SignIn } from '../oauth/sign-in'
import type { SecretStore } from './secrets'

/*
 * The app's sign-ins: each OAuth2 profile's, kept in the secret store under the profile's id
 * (ProfileSignInStore), with what may be shown of each (its SignInSummary) remembered here, so a
 * profile can say who signed in and until when without decrypting anything when it is listed.
 * Every save and delete goes through this store (the runner's refresh too), so the summaries
 * follow.
 */
export class ProfileSignIns implements SignInStore {
  private readonly store: ProfileSignInStore
  private readonly summaries = new Map<string, SignInSummary>()

  private constructor(private readonly secrets: SecretStore) {
    this.store = new ProfileSignInStore(secrets)
  }

  /** Reads what may be shown of each saved sign-in (one that cannot be decrypted shows as none; using it says why). */
  static async open(secrets: SecretStore): Promise<ProfileSignIns> {
    const signIns = new ProfileSignIns(secrets)
    for (const summary of await signIns.store.list()) signIns.summaries.set(summary.name, summary)
    return signIns
  }

  describe(): string {
    return this.store.describe()
  }

  async list(): Promise<SignInSummary[]> {
    return [...this.summaries.values()].map((s) => structuredClone(s))
  }

  /** The sign-in with its secrets (for a run or a refresh); null when none. Throws SecretUnavailableError when it cannot be decrypted. */
  async get(profileId: string): Promise<SignIn | null> {
    const signIn = await this.store.get(profileId)
    if (signIn) this.summaries.set(profileId, summarize(signIn))
    else this.summaries.delete(profileId)
    return signIn
  }

  async save(signIn: SignIn): Promise<void> {
    await this.store.save(signIn)
    this.summaries.set(signIn.name, summarize(signIn))
  }

  /** Signs the profile out: its tokens are forgotten (its client secret, a profile secret, stays). */
  async delete(profileId: string): Promise<boolean> {
    this.summaries.delete(profileId)
    return this.store.delete(profileId)
  }

  /** What the profile may show of its sign-in; null when it has none (or one that cannot be read). */
  summary(profileId: string): SignInSummary | null {
    const s = this.summaries.get(profileId)
    return s ? structuredClone(s) : null
  }

  /** Whether a sign-in is saved for the profile (also one that cannot be decrypted). */
  has(profileId: string): boolean {
    return this.secrets.has(profileId, 'oauth')
  }

  /** The profile and its secrets are gone (deleted with the profile, or never kept): forget the summary. */
  forget(profileId: string): void {
    this.summaries.delete(profileId)
  }
}
