import type { SignInSummary } from '../../../preload/contract'
import { SecretUnavailableError, type SecretStore } from '../profiles/secrets'
import { signInSchema, summarize, type SignIn } from './sign-in'

/*
 * Where sign-ins are kept. Three keepers, one interface: the app's encrypted secret store (a
 * profile's `oauth` part, keyed by the profile id), the CLI's owner-only file (store-file.ts),
 * and memory (the browser host, tests).
 */

export interface SignInStore {
  /** How sign-ins are kept here, in a sentence (help texts, the interface). */
  describe(): string
  /** What may be shown of every saved sign-in, by name. */
  list(): Promise<SignInSummary[]>
  /** The whole sign-in with its secrets, for a run or a refresh; null when none has that name. */
  get(name: string): Promise<SignIn | null>
  /** Saves (or replaces) the sign-in under its name. */
  save(signIn: SignIn): Promise<void>
  /** Forgets it (sign out). False when there was none. */
  delete(name: string): Promise<boolean>
}

function byName(a: SignInSummary, b: SignInSummary): number {
  return a.name.localeCompare(b.name)
}

/** Sign-ins in this process only. */
export class MemorySignInStore implements SignInStore {
  private readonly signIns = new Map<string, SignIn>()

  describe(): string {
    return 'Sign-ins are kept in memory for this session only.'
  }
  async list(): Promise<SignInSummary[]> {
    return [...this.signIns.values()].map(summarize).sort(byName)
  }
  async get(name: string): Promise<SignIn | null> {
    const s = this.signIns.get(name)
    return s ? structuredClone(s) : null
  }
  async save(signIn: SignIn): Promise<void> {
    this.signIns.set(signIn.name, signInSchema.parse(structuredClone(signIn)))
  }
  async delete(name: string): Promise<boolean> {
    return this.signIns.delete(name)
  }
}

/**
 * The app's sign-ins: each profile's `oauth` part of the secret store (encrypted with the system
 * keyring's Cipher, or in memory for the browser host), named by the profile id. Deleting a
 * profile forgets its sign-in with its other secrets (SecretStore.retain).
 */
export class ProfileSignInStore implements SignInStore {
  constructor(private readonly secrets: SecretStore) {}

  describe(): string {
    return this.secrets.status().note
  }
  async list(): Promise<SignInSummary[]> {
    const out: SignInSummary[] = []
    for (const id of this.secrets.idsWith('oauth')) {
      // One that cannot be decrypted is left out here; using it says why (SecretUnavailableError).
      const s = await this.secrets.getSignIn(id).catch((err: unknown) => {
        if (err instanceof SecretUnavailableError) return null
        throw err
      })
      if (s) out.push(summarize(s))
    }
    return out.sort(byName)
  }
  get(name: string): Promise<SignIn | null> {
    return this.secrets.getSignIn(name)
  }
  save(signIn: SignIn): Promise<void> {
    return this.secrets.setSignIn(signIn.name, signIn)
  }
  delete(name: string): Promise<boolean> {
    return this.secrets.delete(name, 'oauth')
  }
}
