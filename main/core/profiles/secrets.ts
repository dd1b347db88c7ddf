import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { z } from 'zod'
import type { KeyringStatus, StorageIssue } from '../../../preload/contract'
import { signInSchema, type SignIn } from '../oauth/sign-in'
import { VersionedJsonFile } from '../storage'

/*
 * Profile secrets (password or OAuth token, API key, secret key, session token; the proxy user's
 * password; the profile's OAuth2 sign-in with its tokens; the password of the mailbox its sends are
 * watched in; its DKIM private key), kept apart from the profiles: encrypted per profile with an injected Cipher (Electron safeStorage in the app, see
 * main/adapters/secrets.ts), stored in secrets.json, decrypted only when a run needs them, and
 * never handed to the renderer, a transcript, a history file or an export.
 */

/** What one profile's secret holds (the write-only `secret` of saveProfile, as stored). */
export interface ProfileSecret {
  /** SMTP password or OAuth2 access token; API key (or, with a key id, the secret half). */
  primary: string
  /** Mailjet secret key, SES secret access key. */
  secondary?: string
  /** SES session token. */
  sessionToken?: string
}

/**
 * Encrypts and decrypts secrets. `id` is stored with every blob (a tagged format), so a later
 * backend can recognise blobs it did not make instead of feeding them to the wrong decryptor.
 */
export interface Cipher {
  readonly id: string
  encrypt(plain: string): Promise<Buffer>
  decrypt(blob: Buffer): Promise<string>
  /** Optional: decrypt, and say whether the blob should be re-encrypted (safeStorage's key rotation). */
  decryptWithHint?(blob: Buffer): Promise<{ plain: string; reEncrypt: boolean }>
  /** How secrets are protected, as the interface tells the user. */
  status(): KeyringStatus
}

/** A secret exists but cannot be used (decryption failed, or another backend made it). */
export class SecretUnavailableError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SecretUnavailableError'
  }
}

/**
 * What a profile keeps in the secret store, each part set and cleared on its own: `login` (the
 * ProfileSecret: password, token, key), `proxy` (its proxy user's password), `oauth` (its
 * OAuth2 sign-in: tokens, and the client secret or certificate key when it has one), `mailbox`
 * (the password of the IMAP mailbox its sends are watched in) and `dkim` (its pasted DKIM private
 * key). A profile may have any of them, or none (a relay without AUTH behind an authenticating proxy).
 */
export type SecretSlot = 'login' | 'proxy' | 'oauth' | 'mailbox' | 'dkim'
const SLOTS: readonly SecretSlot[] = ['login', 'proxy', 'oauth', 'mailbox', 'dkim']
/** The parts that hold one string (a password, a key). */
type TextSlot = 'proxy' | 'mailbox' | 'dkim'

export interface SecretStore {
  status(): KeyringStatus
  /** Files that could not be read at start (kept aside). */
  readonly issues: readonly StorageIssue[]
  /** Whether that part of the profile's secrets is saved (the login secret by default). */
  has(profileId: string, slot?: SecretSlot): boolean
  /** The decrypted login secret, null when none is saved; throws SecretUnavailableError when one is saved but unusable. */
  get(profileId: string): Promise<ProfileSecret | null>
  set(profileId: string, secret: ProfileSecret): Promise<void>
  /** The decrypted proxy password, null when none is saved; throws SecretUnavailableError when one is saved but unusable. */
  getProxyPassword(profileId: string): Promise<string | null>
  setProxyPassword(profileId: string, password: string): Promise<void>
  /** The profile's decrypted OAuth2 sign-in, null when none is saved; throws SecretUnavailableError when one is saved but unusable. */
  getSignIn(profileId: string): Promise<SignIn | null>
  setSignIn(profileId: string, signIn: SignIn): Promise<void>
  /** The decrypted mailbox password, null when none is saved; throws SecretUnavailableError when one is saved but unusable. */
  getMailboxPassword(profileId: string): Promise<string | null>
  setMailboxPassword(profileId: string, password: string): Promise<void>
  /** The decrypted DKIM private key (PEM), null when none is saved; throws SecretUnavailableError when one is saved but unusable. */
  getDkimKey(profileId: string): Promise<string | null>
  setDkimKey(profileId: string, key: string): Promise<void>
  /** The profiles that have that part saved. */
  idsWith(slot: SecretSlot): string[]
  /** Forgets one part of the profile's secrets, or (no slot) all of them. False when there was nothing to forget. */
  delete(profileId: string, slot?: SecretSlot): Promise<boolean>
  /** Gives `toId` the same secrets as `fromId` (duplicate a profile). False when `fromId` has none. */
  copy(fromId: string, toId: string): Promise<boolean>
  /** Forgets secrets of profiles that no longer exist. */
  retain(profileIds: ReadonlySet<string>): Promise<void>
  /** Resolves when pending writes are on disk. */
  flush(): Promise<void>
}

const secretPayloadSchema = z.object({ primary: z.string().min(1), secondary: z.string().min(1).optional(), sessionToken: z.string().min(1).optional() }).strict()
const textPayloadSchema = z.string().min(1)

function clean(secret: ProfileSecret): ProfileSecret {
  const out: ProfileSecret = { primary: secret.primary }
  if (secret.secondary !== undefined) out.secondary = secret.secondary
  if (secret.sessionToken !== undefined) out.sessionToken = secret.sessionToken
  return out
}

/** How each part is named in the sentences of SecretUnavailableError. */
const SLOT_NAMES: Record<SecretSlot, string> = { login: 'secret', proxy: 'proxy password', oauth: 'OAuth2 sign-in', mailbox: 'mailbox password', dkim: 'DKIM key' }

/** Runs async steps one at a time, in call order (so a later save can never be overtaken by an earlier one). */
class Serial {
  private tail: Promise<unknown> = Promise.resolve()
  run<T>(step: () => Promise<T>): Promise<T> {
    const next = this.tail.then(step)
    this.tail = next.catch(() => {})
    return next
  }
}

export const SECRETS_FILE = 'secrets.json'
/**
 * 4: a profile's entry may hold its mailbox password (`mailbox`) and DKIM key (`dkim`); 3: its
 * OAuth2 sign-in (`oauth`); 2: each profile's entry holds its parts (`login`, `proxy`), each
 * sealed apart; version 1 held the login secret only.
 */
export const SECRETS_VERSION = 4

const sealedSchema = z.object({ cipher: z.string().min(1), blob: z.string() }).strict()
type Sealed = z.infer<typeof sealedSchema>
const entrySchema = z
  .object({ login: sealedSchema.optional(), proxy: sealedSchema.optional(), oauth: sealedSchema.optional(), mailbox: sealedSchema.optional(), dkim: sealedSchema.optional() })
  .strict()
type Entry = z.infer<typeof entrySchema>
const secretsDataSchema = z.object({ entries: z.record(z.string(), entrySchema) }).strict()
type SecretsData = z.infer<typeof secretsDataSchema>

/** Versions 2 → 3 → 4 add parts, so a version 2 or 3 file reads as it is. Version 1 → 2: each profile's one sealed secret becomes its `login` part. Anything else is left for the schema to refuse. */
function migrateSecrets(fromVersion: number, data: unknown): unknown {
  if (fromVersion === 2 || fromVersion === 3) return data
  if (fromVersion !== 1) return undefined
  const entries = (data as { entries?: unknown } | null)?.entries
  if (!entries || typeof entries !== 'object' || Array.isArray(entries)) return data
  return { ...(data as object), entries: Object.fromEntries(Object.entries(entries).map(([id, sealed]) => [id, { login: sealed as unknown }])) }
}

/** Secrets encrypted with a Cipher, one blob per profile and part, in `<dir>/secrets.json` (written atomically). */
export class FileSecretStore implements SecretStore {
  private readonly file: VersionedJsonFile<SecretsData>
  private entries = new Map<string, Entry>()
  private readonly serial = new Serial()
  readonly issues: StorageIssue[] = []

  private constructor(
    dir: string,
    private readonly cipher: Cipher,
  ) {
    this.file = new VersionedJsonFile({
      path: join(dir, SECRETS_FILE),
      format: 'mailprobe-secrets',
      version: SECRETS_VERSION,
      schema: secretsDataSchema,
      label: 'saved secrets',
      migrate: migrateSecrets,
    })
  }

  static async open(opts: { dir: string; cipher: Cipher }): Promise<FileSecretStore> {
    const store = new FileSecretStore(opts.dir, opts.cipher)
    const { data, issue } = await store.file.load()
    if (issue) store.issues.push({ ...issue, message: `${issue.message} Profiles that had a saved secret need it entered again.` })
    store.entries = new Map(Object.entries(data?.entries ?? {}))
    return store
  }

  status(): KeyringStatus {
    return this.cipher.status()
  }

  has(profileId: string, slot: SecretSlot = 'login'): boolean {
    return this.entries.get(profileId)?.[slot] !== undefined
  }

  async get(profileId: string): Promise<ProfileSecret | null> {
    const plain = await this.open(profileId, 'login')
    if (plain === null) return null
    const parsed = secretPayloadSchema.safeParse(plain)
    if (!parsed.success) throw new SecretUnavailableError('the saved secret is damaged')
    return clean(parsed.data)
  }

  async set(profileId: string, secret: ProfileSecret): Promise<void> {
    return this.put(profileId, 'login', clean(secretPayloadSchema.parse(secret)))
  }

  async getProxyPassword(profileId: string): Promise<string | null> {
    return this.getText(profileId, 'proxy')
  }

  async setProxyPassword(profileId: string, password: string): Promise<void> {
    return this.put(profileId, 'proxy', textPayloadSchema.parse(password))
  }

  async getMailboxPassword(profileId: string): Promise<string | null> {
    return this.getText(profileId, 'mailbox')
  }

  async setMailboxPassword(profileId: string, password: string): Promise<void> {
    return this.put(profileId, 'mailbox', textPayloadSchema.parse(password))
  }

  async getDkimKey(profileId: string): Promise<string | null> {
    return this.getText(profileId, 'dkim')
  }

  async setDkimKey(profileId: string, key: string): Promise<void> {
    return this.put(profileId, 'dkim', textPayloadSchema.parse(key))
  }

  async getSignIn(profileId: string): Promise<SignIn | null> {
    const plain = await this.open(profileId, 'oauth')
    if (plain === null) return null
    const parsed = signInSchema.safeParse(plain)
    if (!parsed.success) throw new SecretUnavailableError('the saved OAuth2 sign-in is damaged')
    return parsed.data
  }

  async setSignIn(profileId: string, signIn: SignIn): Promise<void> {
    return this.put(profileId, 'oauth', signInSchema.parse(signIn))
  }

  idsWith(slot: SecretSlot): string[] {
    return [...this.entries].filter(([, entry]) => entry[slot] !== undefined).map(([id]) => id)
  }

  delete(profileId: string, slot?: SecretSlot): Promise<boolean> {
    return this.serial.run(async () => {
      const entry = this.entries.get(profileId)
      if (!entry || (slot && !entry[slot])) return false
      const rest = slot ? withoutSlot(entry, slot) : null
      if (rest) this.entries.set(profileId, rest)
      else this.entries.delete(profileId)
      await this.persist()
      return true
    })
  }

  copy(fromId: string, toId: string): Promise<boolean> {
    return this.serial.run(async () => {
      const entry = this.entries.get(fromId)
      if (!entry) return false
      this.entries.set(toId, structuredClone(entry))
      await this.persist()
      return true
    })
  }

  retain(profileIds: ReadonlySet<string>): Promise<void> {
    return this.serial.run(async () => {
      let changed = false
      for (const id of [...this.entries.keys()]) {
        if (!profileIds.has(id)) changed = this.entries.delete(id) || changed
      }
      if (changed) await this.persist()
    })
  }

  async flush(): Promise<void> {
    await this.serial.run(async () => {})
    await this.file.flush()
  }

  /** One of the parts that hold a string, decrypted; null when it is not saved. */
  private async getText(profileId: string, slot: TextSlot): Promise<string | null> {
    const plain = await this.open(profileId, slot)
    if (plain === null) return null
    const parsed = textPayloadSchema.safeParse(plain)
    if (!parsed.success) throw new SecretUnavailableError(`the saved ${SLOT_NAMES[slot]} is damaged`)
    return parsed.data
  }

  /** The decrypted JSON value of one part, null when it is not saved. */
  private async open(profileId: string, slot: SecretSlot): Promise<unknown> {
    const sealed = this.entries.get(profileId)?.[slot]
    if (!sealed) return null
    const what = SLOT_NAMES[slot]
    if (sealed.cipher !== this.cipher.id) {
      throw new SecretUnavailableError(`the saved ${what} was encrypted by another secret store (${sealed.cipher}) and cannot be read here`)
    }
    let plain: string
    let reEncrypt = false
    try {
      const blob = Buffer.from(sealed.blob, 'base64')
      if (this.cipher.decryptWithHint) ({ plain, reEncrypt } = await this.cipher.decryptWithHint(blob))
      else plain = await this.cipher.decrypt(blob)
    } catch {
      throw new SecretUnavailableError(`the saved ${what} could not be decrypted (the system keyring may have changed)`)
    }
    let value: unknown
    try {
      value = JSON.parse(plain)
    } catch {
      throw new SecretUnavailableError(`the saved ${what} is damaged`)
    }
    if (reEncrypt) {
      // The keyring rotated its key: store the part again under the new one, in the background.
      void this.serial
        .run(async () => {
          const entry = this.entries.get(profileId)
          if (entry?.[slot] !== sealed) return
          this.entries.set(profileId, { ...entry, [slot]: await this.seal(value) })
          await this.persist()
        })
        .catch(() => {})
    }
    return value
  }

  private put(profileId: string, slot: SecretSlot, value: unknown): Promise<void> {
    return this.serial.run(async () => {
      const sealed = await this.seal(value)
      this.entries.set(profileId, { ...this.entries.get(profileId), [slot]: sealed })
      await this.persist()
    })
  }

  private async seal(value: unknown): Promise<Sealed> {
    const blob = await this.cipher.encrypt(JSON.stringify(value))
    return { cipher: this.cipher.id, blob: blob.toString('base64') }
  }

  private persist(): Promise<void> {
    return this.file.saveLatest(() => ({ entries: Object.fromEntries(this.entries) }))
  }
}

/** The entry without one part; null when nothing is left. */
function withoutSlot<T extends Partial<Record<SecretSlot, unknown>>>(entry: T, slot: SecretSlot): T | null {
  const rest = { ...entry }
  delete rest[slot]
  return SLOTS.some((s) => rest[s] !== undefined) ? rest : null
}

export const MEMORY_KEYRING_STATUS: KeyringStatus = {
  protected: false,
  backend: 'memory',
  note: 'Secrets are kept in memory for this session only: they are not saved to disk, and Mailprobe forgets them when it stops.',
}

/**
 * Secrets held in this process only (the browser host behind `npm run web`, machines where the
 * keyring cannot encrypt, tests). Nothing is written to disk.
 */
export class MemorySecretStore implements SecretStore {
  private readonly secrets = new Map<string, { login?: ProfileSecret; oauth?: SignIn } & Partial<Record<TextSlot, string>>>()
  readonly issues: StorageIssue[] = []

  constructor(private readonly keyring: KeyringStatus = MEMORY_KEYRING_STATUS) {}

  status(): KeyringStatus {
    return this.keyring
  }
  has(profileId: string, slot: SecretSlot = 'login'): boolean {
    return this.secrets.get(profileId)?.[slot] !== undefined
  }
  async get(profileId: string): Promise<ProfileSecret | null> {
    const s = this.secrets.get(profileId)?.login
    return s ? { ...s } : null
  }
  async set(profileId: string, secret: ProfileSecret): Promise<void> {
    this.secrets.set(profileId, { ...this.secrets.get(profileId), login: clean(secretPayloadSchema.parse(secret)) })
  }
  async getProxyPassword(profileId: string): Promise<string | null> {
    return this.secrets.get(profileId)?.proxy ?? null
  }
  async setProxyPassword(profileId: string, password: string): Promise<void> {
    this.setText(profileId, 'proxy', password)
  }
  async getMailboxPassword(profileId: string): Promise<string | null> {
    return this.secrets.get(profileId)?.mailbox ?? null
  }
  async setMailboxPassword(profileId: string, password: string): Promise<void> {
    this.setText(profileId, 'mailbox', password)
  }
  async getDkimKey(profileId: string): Promise<string | null> {
    return this.secrets.get(profileId)?.dkim ?? null
  }
  async setDkimKey(profileId: string, key: string): Promise<void> {
    this.setText(profileId, 'dkim', key)
  }
  private setText(profileId: string, slot: TextSlot, value: string): void {
    this.secrets.set(profileId, { ...this.secrets.get(profileId), [slot]: textPayloadSchema.parse(value) })
  }
  async getSignIn(profileId: string): Promise<SignIn | null> {
    const s = this.secrets.get(profileId)?.oauth
    return s ? structuredClone(s) : null
  }
  async setSignIn(profileId: string, signIn: SignIn): Promise<void> {
    this.secrets.set(profileId, { ...this.secrets.get(profileId), oauth: signInSchema.parse(structuredClone(signIn)) })
  }
  idsWith(slot: SecretSlot): string[] {
    return [...this.secrets].filter(([, entry]) => entry[slot] !== undefined).map(([id]) => id)
  }
  async delete(profileId: string, slot?: SecretSlot): Promise<boolean> {
    const entry = this.secrets.get(profileId)
    if (!entry || (slot && entry[slot] === undefined)) return false
    const rest = slot ? withoutSlot(entry, slot) : null
    if (rest) this.secrets.set(profileId, rest)
    else this.secrets.delete(profileId)
    return true
  }
  async copy(fromId: string, toId: string): Promise<boolean> {
    const s = this.secrets.get(fromId)
    if (!s) return false
    this.secrets.set(toId, structuredClone(s))
    return true
  }
  async retain(profileIds: ReadonlySet<string>): Promise<void> {
    for (const id of [...this.secrets.keys()]) if (!profileIds.has(id)) this.secrets.delete(id)
  }
  async flush(): Promise<void> {}
}

/**
 * A Cipher with a random AES-256-GCM key that lives as long as the object: what it encrypts can
 * be read back only in this session. For tests of FileSecretStore (and anything that needs a
 * Cipher without a keyring).
 */
export function createMemoryCipher(status: KeyringStatus = MEMORY_KEYRING_STATUS): Cipher {
  const key = randomBytes(32)
  return {
    id: 'memory-aes-256-gcm',
    async encrypt(plain) {
      const iv = randomBytes(12)
      const c = createCipheriv('aes-256-gcm', key, iv)
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()])
      return Buffer.concat([iv, c.getAuthTag(), body])
    },
    async decrypt(blob) {
      const d = createDecipheriv('aes-256-gcm', key, blob.subarray(0, 12))
      d.setAuthTag(blob.subarray(12, 28))
      return Buffer.concat([d.update(blob.subarray(28)), d.final()]).toString('utf8')
    },
    status: () => status,
  }
}
