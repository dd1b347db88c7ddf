import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import { z } from 'zod'
import {
  ApiProfileSchema,
  dkimTakesKey,
  mailboxTakesPassword,
  PROFILES_VERSION,
  profilesExportSchema,
  saveProfileSchema,
  SmtpProfileSchema,
  type Profile,
  type ProfilesExport,
  type SaveProfileInput,
  type StorageIssue,
} from '../../../preload/contract'
import { plural } from '../../../preload/contract/wording'
import { OperationError } from '../operation-error'
import { VersionedJsonFile } from '../storage'
import { describeIssues, describeJsonError } from '../validation'
import type { ProfileSecret, SecretStore } from './secrets'
import { ProfileSignIns } from './sign-ins'

/*
 * Saved profiles in `<dir>/profiles.json` (versioned, written atomically). Secrets (the login
 * secret, the proxy password, an OAuth2 profile's sign-in, the mailbox password and the DKIM key)
 * live in the SecretStore; every profile this store returns carries `hasSecret`, `hasProxySecret`,
 * `hasMailboxSecret` and `hasDkimKey` (and an OAuth2 profile what may be shown of its sign-in) and
 * nothing secret. Files written before profiles had a Network section, a mailbox or DKIM load as
 * they are (the schema fills in the defaults; the others are optional), so the format version stays 1.
 */

export const PROFILES_FILE = 'profiles.json'
/** Longest profile name (the contract's limit). */
const MAX_NAME = 80

const SECRET_FLAGS = { hasSecret: true, hasProxySecret: true, hasMailboxSecret: true, hasDkimKey: true } as const
const StoredProfileSchema = z.discriminatedUnion('kind', [SmtpProfileSchema.omit({ ...SECRET_FLAGS, signIn: true }), ApiProfileSchema.omit(SECRET_FLAGS)])
/** A profile as stored: the contract's Profile without its secret flags and `signIn` (those come from the secret store). */
export type StoredProfile = z.infer<typeof StoredProfileSchema>

/** Entries are checked one by one, so one damaged profile does not cost the others. */
const fileSchema = z.object({ profiles: z.array(z.unknown()) }).strict()
type FileData = { profiles: unknown[] }

const exportEntrySchema = profilesExportSchema.shape.profiles.element

export interface ProfileStoreOptions {
  dir: string
  secrets: SecretStore
  now?: () => Date
  newId?: () => string
}

export interface ImportOutcome {
  imported: Profile[]
  skipped: { name: string; reason: string }[]
}

/** "Name copy", "Name copy 2", … not already taken, within the name limit. */
export function copyName(name: string, taken: ReadonlySet<string>): string {
  for (let n = 1; ; n++) {
    const suffix = n === 1 ? ' copy' : ` copy ${n}`
    const candidate = `${name.slice(0, MAX_NAME - suffix.length).trimEnd()}${suffix}`
    if (!taken.has(candidate)) return candidate
  }
}

export class ProfileStore {
  private readonly file: VersionedJsonFile<FileData>
  private profiles: StoredProfile[] = []
  readonly issues: StorageIssue[] = []
  private readonly now: () => Date
  private readonly newId: () => string
  /** The OAuth2 profiles' sign-ins (in the secret store), and what each may show. */
  signIns!: ProfileSignIns

  private constructor(private readonly opts: ProfileStoreOptions) {
    this.now = opts.now ?? (() => new Date())
    this.newId = opts.newId ?? randomUUID
    this.file = new VersionedJsonFile({
      path: join(opts.dir, PROFILES_FILE),
      format: 'mailprobe-profiles',
      version: PROFILES_VERSION,
      schema: fileSchema,
      label: 'profiles',
      consequence: 'Mailprobe started without the saved profiles',
      now: this.now,
    })
  }

  get secrets(): SecretStore {
    return this.opts.secrets
  }

  /** Loads the file; a damaged file (or damaged entries) is kept aside and reported in `issues`. */
  static async open(opts: ProfileStoreOptions): Promise<ProfileStore> {
    const store = new ProfileStore(opts)
    store.signIns = await ProfileSignIns.open(opts.secrets)
    const { data, issue } = await store.file.load()
    if (issue) store.issues.push(issue)
    const good: StoredProfile[] = []
    const bad: string[] = []
    const seen = new Set<string>()
    for (const [i, raw] of (data?.profiles ?? []).entries()) {
      const parsed = StoredProfileSchema.safeParse(raw)
      const label = nameOf(raw, i)
      if (!parsed.success) bad.push(`${label}: ${describeIssues(parsed.error.issues)}`)
      else if (seen.has(parsed.data.id)) bad.push(`${label}: the id ${parsed.data.id} is used twice`)
      else {
        seen.add(parsed.data.id)
        good.push(parsed.data)
      }
    }
    store.profiles = good
    if (bad.length) {
      // Keep the whole original (nothing is lost), then carry on with the profiles that were fine.
      const what = `${plural(bad.length, 'saved profile')} could not be read (${bad.slice(0, 5).join('; ')}${bad.length > 5 ? '; …' : ''})`
      const moved = await store.file.setAside(what, `The other ${plural(good.length, 'profile was', 'profiles were')} loaded`)
      store.issues.push(moved)
      // Best effort: if the disk refuses now, the next save writes the file again.
      await store.persist().catch(() => {})
    }
    return store
  }

  /** Every profile, in creation order, each with its secret flags. */
  list(): Profile[] {
    return this.profiles.map((p) => this.present(p))
  }

  get(id: string): Profile | null {
    const p = this.profiles.find((x) => x.id === id)
    return p ? this.present(p) : null
  }

  /**
   * Creates (no id) or updates (id) a profile. `secret`, `proxyPassword`, `mailboxPassword` and
   * `dkimKey`: null clears it, absent leaves it as it is. A profile saved without a proxy keeps no
   * proxy password; without a mailbox that logs in with a password (none, the sandbox's, or the
   * profile's sign-in) no mailbox password; without DKIM, or with a DKIM key file, no DKIM key.
   */
  async save(input: SaveProfileInput): Promise<Profile> {
    const parsed = saveProfileSchema.safeParse(input)
    if (!parsed.success) throw new OperationError('INVALID_INPUT', `The profile was not saved — ${describeIssues(parsed.error.issues)}.`)
    const { id, profile: fields, secret, proxyPassword, mailboxPassword, dkimKey } = parsed.data
    const stamp = this.now().toISOString()
    let stored: StoredProfile
    if (id !== undefined) {
      const index = this.profiles.findIndex((p) => p.id === id)
      const existing = this.profiles[index]
      if (!existing) throw new OperationError('NOT_FOUND', `No profile with id ${id}: it may have been deleted. Save it as a new profile instead.`)
      stored = { ...fields, id, createdAt: existing.createdAt, updatedAt: stamp }
    } else {
      stored = { ...fields, id: this.newId(), createdAt: stamp, updatedAt: stamp }
    }
    // Secret first: a profile never claims a secret that is not on disk yet.
    if (secret === null) await this.secrets.delete(stored.id, 'login')
    else if (secret !== undefined) await this.secrets.set(stored.id, secret)
    if (typeof proxyPassword === 'string') await this.secrets.setProxyPassword(stored.id, proxyPassword)
    else if ((proxyPassword === null || !stored.network.proxy) && this.secrets.has(stored.id, 'proxy')) await this.secrets.delete(stored.id, 'proxy')
    if (typeof mailboxPassword === 'string') await this.secrets.setMailboxPassword(stored.id, mailboxPassword)
    else if ((mailboxPassword === null || !mailboxTakesPassword(stored)) && this.secrets.has(stored.id, 'mailbox')) await this.secrets.delete(stored.id, 'mailbox')
    if (typeof dkimKey === 'string') await this.secrets.setDkimKey(stored.id, dkimKey)
    else if ((dkimKey === null || !dkimTakesKey(stored)) && this.secrets.has(stored.id, 'dkim')) await this.secrets.delete(stored.id, 'dkim')
    // A sign-in belongs to the OAuth2 settings it was made with: another provider, tenant, client,
    // flow or scope (or no OAuth2 at all) signs the profile out.
    const before = id !== undefined ? this.profiles.find((p) => p.id === id) : undefined
    if (before && this.signIns.has(stored.id) && oauthOf(before) !== oauthOf(stored)) await this.signIns.delete(stored.id)
    const index = this.profiles.findIndex((p) => p.id === stored.id)
    if (index >= 0) this.profiles[index] = stored
    else this.profiles.push(stored)
    await this.persist()
    return this.present(stored)
  }

  async delete(id: string): Promise<boolean> {
    const before = this.profiles.length
    this.profiles = this.profiles.filter((p) => p.id !== id)
    if (this.profiles.length === before) return false
    await this.persist()
    await this.secrets.delete(id)
    this.signIns.forget(id)
    return true
  }

  /** A copy named "<name> copy" with a new id, and the same saved secrets. */
  async duplicate(id: string): Promise<Profile> {
    const source = this.profiles.find((p) => p.id === id)
    if (!source) throw new OperationError('NOT_FOUND', `No profile with id ${id}: it may have been deleted.`)
    const stamp = this.now().toISOString()
    const copy: StoredProfile = {
      ...structuredClone(source),
      id: this.newId(),
      name: copyName(source.name, new Set(this.profiles.map((p) => p.name))),
      createdAt: stamp,
      updatedAt: stamp,
    }
    await this.secrets.copy(source.id, copy.id)
    // The copy needs a sign-in of its own: two profiles renewing one refresh token would undo each other.
    if (this.secrets.has(copy.id, 'oauth')) await this.secrets.delete(copy.id, 'oauth')
    this.profiles.push(copy)
    await this.persist()
    return this.present(copy)
  }

  /** The export file (all profiles, or those in `ids`): settings only, never a secret. */
  exportProfiles(ids?: readonly string[]): { suggestedName: string; content: string } {
    const wanted = ids ? new Set(ids) : null
    const doc: ProfilesExport = {
      format: 'mailprobe-profiles',
      version: PROFILES_VERSION,
      exportedAt: this.now().toISOString(),
      profiles: this.profiles.filter((p) => !wanted || wanted.has(p.id)).map(fieldsOf),
    }
    const day = doc.exportedAt.slice(0, 10)
    return { suggestedName: `mailprobe-profiles-${day}.json`, content: `${JSON.stringify(profilesExportSchema.parse(doc), null, 2)}\n` }
  }

  /**
   * Adds the profiles of an export file, each with a new id. Entries that do not validate are
   * skipped with the reason. Inline demo credentials (`password`, `key`: the sandbox's export)
   * go to the secret store; `*Env` names (`proxyPasswordEnv`, `mailboxPasswordEnv`, `dkimKeyEnv` too) are for the CLI and are ignored here.
   */
  async importProfiles(content: string): Promise<ImportOutcome> {
    let doc: unknown
    try {
      doc = JSON.parse(content)
    } catch (err) {
      // describeJsonError: V8's own message would quote the text around the fault, perhaps an inline password.
      throw new OperationError('INVALID_INPUT', `The file is not JSON (${describeJsonError(err)}); choose a file made by Export profiles.`)
    }
    const head = doc as { format?: unknown; version?: unknown; profiles?: unknown } | null
    if (!head || typeof head !== 'object' || head.format !== 'mailprobe-profiles' || !Array.isArray(head.profiles)) {
      throw new OperationError('INVALID_INPUT', 'The file is not a Mailprobe profiles export (it needs "format": "mailprobe-profiles" and a "profiles" list).')
    }
    if (head.version !== PROFILES_VERSION) {
      throw new OperationError('INVALID_INPUT', `The export has format version ${String(head.version)}; this Mailprobe reads version ${PROFILES_VERSION}.`)
    }
    const imported: Profile[] = []
    const skipped: ImportOutcome['skipped'] = []
    for (const [i, raw] of head.profiles.entries()) {
      const parsed = exportEntrySchema.safeParse(raw)
      if (!parsed.success) {
        skipped.push({ name: nameOf(raw, i), reason: describeIssues(parsed.error.issues) })
        continue
      }
      const entry = parsed.data
      const stamp = this.now().toISOString()
      const meta = { id: this.newId(), createdAt: stamp, updatedAt: stamp }
      let stored: StoredProfile
      let secret: ProfileSecret | undefined
      if (entry.kind === 'smtp') {
        const { password, passwordEnv: _env, proxyPasswordEnv: _p, mailboxPasswordEnv: _m, dkimKeyEnv: _d, ...fields } = entry
        stored = { ...fields, ...meta }
        secret = password ? { primary: password } : undefined
      } else {
        const { key, keyEnv: _k, secretEnv: _s, proxyPasswordEnv: _p, mailboxPasswordEnv: _m, ...fields } = entry
        stored = { ...fields, ...meta }
        secret = key ? { primary: key } : undefined
      }
      if (secret) await this.secrets.set(stored.id, secret)
      this.profiles.push(stored)
      imported.push(this.present(stored))
    }
    if (imported.length) await this.persist()
    return { imported, skipped }
  }

  /** Resolves when every queued write is on disk. */
  async flush(): Promise<void> {
    await this.file.flush()
    await this.secrets.flush()
  }

  private present(p: StoredProfile): Profile {
    const has = (slot: 'login' | 'proxy' | 'mailbox' | 'dkim') => this.secrets.has(p.id, slot)
    const flags = { hasSecret: has('login'), hasProxySecret: has('proxy'), hasMailboxSecret: has('mailbox'), hasDkimKey: has('dkim') }
    if (p.kind === 'smtp' && p.oauth) return { ...structuredClone(p), ...flags, signIn: this.signIns.summary(p.id) }
    return { ...structuredClone(p), ...flags }
  }

  private persist(): Promise<void> {
    return this.file.saveLatest(() => ({ profiles: this.profiles }))
  }
}

function fieldsOf(p: StoredProfile): ProfilesExport['profiles'][number] {
  const { id: _id, createdAt: _c, updatedAt: _u, ...fields } = p
  return structuredClone(fields)
}

/** A profile's OAuth2 settings, comparable as text (the schema fixes the order of their keys). */
function oauthOf(p: StoredProfile): string {
  return p.kind === 'smtp' && p.oauth ? JSON.stringify(p.oauth) : ''
}

function nameOf(raw: unknown, index: number): string {
  const name = (raw as { name?: unknown } | null)?.name
  return typeof name === 'string' && name.trim() ? name.trim().slice(0, MAX_NAME) : `profile #${index + 1}`
}
