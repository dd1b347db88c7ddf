// A profile's mailbox (delivery proof) and DKIM signing: the contract's rules, the two secrets they
// add (the mailbox password, the pasted DKIM key) in both secret stores, and the profile store that
// saves, clears, flags, exports and imports them — never handing a secret back.
import { generateKeyPairSync } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { profileFieldsOf, profilesExportSchema, saveProfileSchema, smtpProfileFieldsSchema, apiProfileFieldsSchema, type SaveProfileInput } from '../../../preload/contract'
import { createMemoryCipher, FileSecretStore, MemorySecretStore, SECRETS_VERSION, type SecretStore } from '../../../main/core/profiles/secrets'
import { ProfileStore } from '../../../main/core/profiles/store'
import { OperationError } from '../../../main/core/operation-error'
import { expectNoLeaks } from '../../fixtures/secret-scan'
import { readTree, removeTempDirs, tempDir } from '../ipc/helpers'

afterEach(removeTempDirs)

const MAILBOX_PASSWORD = 'Mbx-canary-7f3a!q'
const DKIM_KEY = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
const SECRETS = [{ value: MAILBOX_PASSWORD }, { value: DKIM_KEY.split('\n')[1]! }]

type SmtpFields = Extract<SaveProfileInput['profile'], { kind: 'smtp' }>
type ApiFields = Extract<SaveProfileInput['profile'], { kind: 'api' }>

const imap = { kind: 'imap' as const, host: 'imap.example.com', user: 'me@example.com' }
const smtp = (over: Partial<SmtpFields> = {}): SmtpFields => ({ kind: 'smtp', name: 'Relay', host: 'smtp.example.com', port: 587, security: 'starttls', username: 'me', ...over })
const api = (over: Partial<ApiFields> = {}): ApiFields => ({ kind: 'api', name: 'Mailgun', provider: 'mailgun', domain: 'mg.example.com', ...over })
const oauth = { provider: 'google' as const, clientId: 'client-1', flow: 'browser' as const }
const dkim = { domain: 'example.com', selector: 's1' }

function issuesOf(input: SaveProfileInput): string[] {
  const parsed = saveProfileSchema.safeParse(input)
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)
}

describe('the contract: a profile’s mailbox and DKIM', () => {
  it('an IMAP mailbox takes the delivery request’s fields and defaults, without a secret', () => {
    const p = smtpProfileFieldsSchema.parse(smtp({ mailbox: imap }))
    expect(p.mailbox).toEqual({
      kind: 'imap',
      host: 'imap.example.com',
      security: 'tls',
      user: 'me@example.com',
      login: 'password',
      folders: [],
      method: 'auto',
      deleteAfter: false,
      tls: { insecure: false },
    })
    expect(smtpProfileFieldsSchema.safeParse(smtp({ mailbox: { ...imap, secret: 'pw' } as never })).success).toBe(false)
    // The delivery request's own field rules: the timeout's bounds, a folder name.
    expect(smtpProfileFieldsSchema.safeParse(smtp({ mailbox: { ...imap, timeoutMs: 100 } })).error?.issues[0]?.message).toBe('the delivery timeout is at least 500 ms')
    expect(smtpProfileFieldsSchema.safeParse(smtp({ mailbox: { ...imap, folders: [''] } })).error?.issues[0]?.message).toBe('a folder name is empty')
    expect(apiProfileFieldsSchema.parse(api({ mailbox: { kind: 'sandbox' } })).mailbox).toEqual({ kind: 'sandbox' })
    expect(apiProfileFieldsSchema.parse(api({ mailbox: { kind: 'sandbox', timeoutMs: 5000 } })).mailbox).toEqual({ kind: 'sandbox', timeoutMs: 5000 })
  })

  it('reads a mailbox without TLS only on this machine', () => {
    const none = (host: string) => smtpProfileFieldsSchema.safeParse(smtp({ mailbox: { ...imap, host, security: 'none' } }))
    for (const host of ['127.0.0.1', 'localhost', '::1', '[::1]', 'box.localhost']) expect(none(host).success, host).toBe(true)
    const far = none('imap.example.com')
    expect(far.success).toBe(false)
    expect(far.error!.issues[0]).toMatchObject({ path: ['mailbox', 'security'], message: expect.stringMatching(/^a mailbox is read without TLS only on this machine/) })
    expect(smtpProfileFieldsSchema.safeParse(smtp({ mailbox: { ...imap, security: 'starttls' } })).success).toBe(true)
  })

  it('logs a mailbox in with the profile’s sign-in only on an SMTP profile that uses OAuth2', () => {
    const signIn = { ...imap, login: 'sign-in' as const }
    expect(issuesOf({ profile: smtp({ authMethod: 'xoauth2', oauth, mailbox: signIn }) })).toEqual([])
    expect(issuesOf({ profile: smtp({ mailbox: signIn }) })).toEqual([
      "profile.mailbox.login: the mailbox can log in with the profile's sign-in only when the profile signs in with OAuth2: use a password",
    ])
    expect(issuesOf({ profile: api({ mailbox: signIn }) })).toHaveLength(1)
  })

  it('takes a mailbox password only for a mailbox that logs in with one, and a DKIM key only for DKIM without a key file', () => {
    expect(issuesOf({ profile: smtp({ mailbox: imap }), mailboxPassword: MAILBOX_PASSWORD })).toEqual([])
    expect(issuesOf({ profile: smtp({ mailbox: imap }), mailboxPassword: 'two\nlines' })).toEqual(['mailboxPassword: the mailbox password contains a line break'])
    expect(issuesOf({ profile: smtp(), mailboxPassword: MAILBOX_PASSWORD })).toEqual(['mailboxPassword: a mailbox password goes with an IMAP mailbox that logs in with a password'])
    expect(issuesOf({ profile: smtp({ mailbox: { kind: 'sandbox' } }), mailboxPassword: MAILBOX_PASSWORD })).toHaveLength(1)
    expect(issuesOf({ profile: smtp({ mailbox: imap }), mailboxPassword: null })).toEqual([])

    expect(issuesOf({ profile: smtp({ dkim }), dkimKey: DKIM_KEY })).toEqual([])
    expect(issuesOf({ profile: smtp({ dkim }), dkimKey: 'not a key' })).toEqual(['dkimKey: the DKIM private key must be a PEM private key (-----BEGIN PRIVATE KEY-----)'])
    expect(issuesOf({ profile: smtp(), dkimKey: DKIM_KEY })).toEqual(['dkimKey: a DKIM key goes with DKIM signing (domain and selector) of an SMTP profile'])
    expect(issuesOf({ profile: smtp({ dkim: { ...dkim, keyFile: '/keys/dkim.pem' } }), dkimKey: DKIM_KEY })).toEqual([
      'dkimKey: the DKIM key comes from the key file: clear the file path to save a pasted key',
    ])
    // API profiles do not sign (the provider does).
    expect(apiProfileFieldsSchema.safeParse({ ...api(), dkim }).success).toBe(false)
    expect(issuesOf({ profile: smtp({ dkim: { ...dkim, selector: 'bad selector' } }) })[0]).toMatch(/a DKIM selector is letters, digits/)
  })

  it('the export names the secrets’ environment variables, never holds them', () => {
    const doc = profilesExportSchema.parse({
      format: 'mailprobe-profiles',
      version: 1,
      exportedAt: '2025-01-01T00:00:00.000Z',
      profiles: [
        { ...smtp({ mailbox: imap, dkim }), mailboxPasswordEnv: 'MBX_PW', dkimKeyEnv: 'DKIM_KEY' },
        { ...api({ mailbox: imap }), mailboxPasswordEnv: 'MBX_PW' },
      ],
    })
    expect(doc.profiles[0]).toMatchObject({ mailboxPasswordEnv: 'MBX_PW', dkimKeyEnv: 'DKIM_KEY' })
    expect(profilesExportSchema.safeParse({ ...doc, profiles: [{ ...smtp(), mailboxPassword: MAILBOX_PASSWORD }] }).success).toBe(false)
    expect(profilesExportSchema.safeParse({ ...doc, profiles: [{ ...api(), dkimKeyEnv: 'DKIM_KEY' }] }).success).toBe(false)
  })
})

describe.each([
  ['FileSecretStore', async (): Promise<SecretStore> => FileSecretStore.open({ dir: await tempDir(), cipher: createMemoryCipher() })],
  ['MemorySecretStore', async (): Promise<SecretStore> => new MemorySecretStore()],
])('%s: the mailbox password and the DKIM key', (_name, make) => {
  it('keeps each in its own part, set and forgotten apart from the others', async () => {
    const secrets = await make()
    await secrets.set('p1', { primary: 'login-pw' })
    await secrets.setMailboxPassword('p1', MAILBOX_PASSWORD)
    await secrets.setDkimKey('p1', DKIM_KEY)
    expect([secrets.has('p1', 'mailbox'), secrets.has('p1', 'dkim'), secrets.has('p1', 'proxy')]).toEqual([true, true, false])
    expect(await secrets.getMailboxPassword('p1')).toBe(MAILBOX_PASSWORD)
    expect(await secrets.getDkimKey('p1')).toBe(DKIM_KEY)
    expect(secrets.idsWith('mailbox')).toEqual(['p1'])
    expect(await secrets.delete('p1', 'mailbox')).toBe(true)
    expect(await secrets.getMailboxPassword('p1')).toBeNull()
    expect(await secrets.getDkimKey('p1')).toBe(DKIM_KEY)
    expect((await secrets.get('p1'))?.primary).toBe('login-pw')
    expect(await secrets.copy('p1', 'p2')).toBe(true)
    expect(await secrets.getDkimKey('p2')).toBe(DKIM_KEY)
    await expect(secrets.setMailboxPassword('p1', '')).rejects.toThrow()
  })
})

describe('FileSecretStore: the file', () => {
  it('writes the current version with the new parts sealed, and reads a version 3 file as it is', async () => {
    const dir = await tempDir()
    const cipher = createMemoryCipher()
    const blob = (value: unknown) => cipher.encrypt(JSON.stringify(value)).then((b) => ({ cipher: cipher.id, blob: b.toString('base64') }))
    await writeFile(
      join(dir, 'secrets.json'),
      JSON.stringify({ format: 'mailprobe-secrets', version: 3, data: { entries: { p1: { login: await blob({ primary: 'pw' }), proxy: await blob('proxy-pw') } } } }),
    )
    const secrets = await FileSecretStore.open({ dir, cipher })
    expect(secrets.issues).toEqual([])
    expect([secrets.has('p1'), secrets.has('p1', 'proxy'), secrets.has('p1', 'mailbox'), secrets.has('p1', 'dkim')]).toEqual([true, true, false, false])
    await secrets.setMailboxPassword('p1', MAILBOX_PASSWORD)
    await secrets.setDkimKey('p1', DKIM_KEY)
    await secrets.flush()
    const text = await readFile(join(dir, 'secrets.json'), 'utf8')
    const doc = JSON.parse(text)
    expect(doc.version).toBe(SECRETS_VERSION)
    expect(Object.keys(doc.data.entries.p1).sort()).toEqual(['dkim', 'login', 'mailbox', 'proxy'])
    expectNoLeaks(text, SECRETS, 'secrets.json')
    const again = await FileSecretStore.open({ dir, cipher })
    expect(await again.getMailboxPassword('p1')).toBe(MAILBOX_PASSWORD)
    expect(await again.getDkimKey('p1')).toBe(DKIM_KEY)
    // Another keyring's blob: the sentence names the part.
    const other = await FileSecretStore.open({ dir, cipher: createMemoryCipher() })
    await expect(other.getMailboxPassword('p1')).rejects.toThrow(/the saved mailbox password could not be decrypted/)
  })
})

describe('ProfileStore: the mailbox password and the DKIM key', () => {
  async function open() {
    const dir = await tempDir()
    const cipher = createMemoryCipher()
    const secrets = await FileSecretStore.open({ dir, cipher })
    let n = 0
    const store = await ProfileStore.open({ dir, secrets, newId: () => `p${++n}` })
    return { dir, cipher, secrets, store }
  }

  it('saves both write-only: flags on the profile, the secrets in the store, nothing in profiles.json', async () => {
    const { dir, secrets, store } = await open()
    const p = await store.save({ profile: smtp({ mailbox: imap, dkim }), mailboxPassword: MAILBOX_PASSWORD, dkimKey: DKIM_KEY })
    expect(p).toMatchObject({ hasSecret: false, hasProxySecret: false, hasMailboxSecret: true, hasDkimKey: true, mailbox: { kind: 'imap', login: 'password' }, dkim })
    expect(await secrets.getMailboxPassword(p.id)).toBe(MAILBOX_PASSWORD)
    expect(await secrets.getDkimKey(p.id)).toBe(DKIM_KEY)
    // Saved again without them: kept.
    expect(await store.save({ id: p.id, profile: profileFieldsOf(p) })).toMatchObject({ hasMailboxSecret: true, hasDkimKey: true })
    await store.flush()
    for (const f of await readTree(dir)) expectNoLeaks(f.text, SECRETS, f.path)
    expectNoLeaks(JSON.stringify(store.list()), SECRETS, 'the profiles listed')
    // Reopened: the flags come back from the secret store.
    const again = await ProfileStore.open({ dir, secrets })
    expect(again.get(p.id)).toMatchObject({ hasMailboxSecret: true, hasDkimKey: true })
  })

  it('null clears each; a profile saved without a mailbox that takes a password, or without a pasted-key DKIM, keeps none', async () => {
    const { secrets, store } = await open()
    const p = await store.save({ profile: smtp({ mailbox: imap, dkim }), mailboxPassword: MAILBOX_PASSWORD, dkimKey: DKIM_KEY })
    expect(await store.save({ id: p.id, profile: smtp({ mailbox: imap, dkim }), mailboxPassword: null })).toMatchObject({ hasMailboxSecret: false, hasDkimKey: true })
    expect(await store.save({ id: p.id, profile: smtp({ mailbox: imap, dkim }), dkimKey: null, mailboxPassword: MAILBOX_PASSWORD })).toMatchObject({ hasMailboxSecret: true, hasDkimKey: false })

    await store.save({ id: p.id, profile: smtp({ mailbox: imap, dkim }), dkimKey: DKIM_KEY })
    // The mailbox now logs in with the profile's sign-in; DKIM takes its key from a file.
    const signIn = await store.save({ id: p.id, profile: smtp({ authMethod: 'xoauth2', oauth, mailbox: { ...imap, login: 'sign-in' }, dkim: { ...dkim, keyFile: '/keys/dkim.pem' } }) })
    expect(signIn).toMatchObject({ hasMailboxSecret: false, hasDkimKey: false })
    expect(await secrets.getMailboxPassword(p.id)).toBeNull()
    expect(await secrets.getDkimKey(p.id)).toBeNull()

    await store.save({ id: p.id, profile: smtp({ mailbox: imap, dkim }), mailboxPassword: MAILBOX_PASSWORD, dkimKey: DKIM_KEY })
    expect(await store.save({ id: p.id, profile: smtp({ mailbox: { kind: 'sandbox' } }) })).toMatchObject({ hasMailboxSecret: false, hasDkimKey: false })
    await store.save({ id: p.id, profile: smtp({ mailbox: imap }), mailboxPassword: MAILBOX_PASSWORD })
    expect(await store.save({ id: p.id, profile: smtp() })).toMatchObject({ hasMailboxSecret: false })
    expect(secrets.idsWith('mailbox')).toEqual([])
  })

  it('refuses a password or key that goes with nothing, and saves nothing', async () => {
    const { secrets, store } = await open()
    const err = await store.save({ profile: smtp(), mailboxPassword: MAILBOX_PASSWORD }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OperationError)
    expect((err as OperationError).message).toMatch(/a mailbox password goes with an IMAP mailbox/)
    expect((err as OperationError).message).not.toContain(MAILBOX_PASSWORD)
    expect(store.list()).toEqual([])
    expect(secrets.idsWith('mailbox')).toEqual([])
  })

  it('duplicates both with the profile, and forgets them with it', async () => {
    const { secrets, store } = await open()
    const p = await store.save({ profile: smtp({ mailbox: imap, dkim }), mailboxPassword: MAILBOX_PASSWORD, dkimKey: DKIM_KEY })
    const copy = await store.duplicate(p.id)
    expect(copy).toMatchObject({ hasMailboxSecret: true, hasDkimKey: true })
    expect(await secrets.getMailboxPassword(copy.id)).toBe(MAILBOX_PASSWORD)
    await store.delete(p.id)
    expect(await secrets.getMailboxPassword(p.id)).toBeNull()
    expect(await secrets.getDkimKey(p.id)).toBeNull()
  })

  it('exports the settings without either secret, and imports them back without any (the env names are the CLI’s)', async () => {
    const { store } = await open()
    const p = await store.save({ profile: smtp({ mailbox: { ...imap, folders: ['Spam'], timeoutMs: 30_000 }, dkim }), mailboxPassword: MAILBOX_PASSWORD, dkimKey: DKIM_KEY })
    const { content } = store.exportProfiles([p.id])
    expectNoLeaks(content, SECRETS, 'the export')
    const doc = JSON.parse(content)
    expect(doc.profiles[0]).toMatchObject({ mailbox: { kind: 'imap', host: 'imap.example.com', folders: ['Spam'], timeoutMs: 30_000 }, dkim })
    expect(doc.profiles[0]).not.toHaveProperty('mailboxPasswordEnv')
    doc.profiles[0].mailboxPasswordEnv = 'MBX_PW'
    doc.profiles[0].dkimKeyEnv = 'DKIM_KEY'
    const { imported, skipped } = await store.importProfiles(JSON.stringify(doc))
    expect(skipped).toEqual([])
    expect(imported[0]).toMatchObject({ mailbox: { kind: 'imap', folders: ['Spam'] }, dkim, hasMailboxSecret: false, hasDkimKey: false })
    expect(imported[0]).not.toHaveProperty('mailboxPasswordEnv')
    expect(imported[0]).not.toHaveProperty('dkimKeyEnv')
  })

  it('loads a profiles file from before delivery proof: no mailbox, no DKIM, both flags false', async () => {
    const dir = await tempDir()
    const old = {
      id: 'p-old',
      kind: 'smtp',
      name: 'Old',
      host: 'smtp.example.com',
      port: 587,
      security: 'starttls',
      authMethod: 'auto',
      tls: { insecure: false },
      defaults: { to: [], cc: [], bcc: [] },
      createdAt: 'x',
      updatedAt: 'x',
    }
    await writeFile(join(dir, 'profiles.json'), JSON.stringify({ format: 'mailprobe-profiles', version: 1, data: { profiles: [old] } }))
    const store = await ProfileStore.open({ dir, secrets: new MemorySecretStore() })
    expect(store.issues).toEqual([])
    const p = store.get('p-old')!
    expect(p).toMatchObject({ name: 'Old', hasMailboxSecret: false, hasDkimKey: false })
    expect(p).not.toHaveProperty('mailbox')
    expect(p).not.toHaveProperty('dkim')
  })
})
