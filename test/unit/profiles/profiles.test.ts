import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { profilesExportSchema, type SaveProfileInput } from '../../../preload/contract'
import { describeKeyring } from '../../../main/core/profiles/keyring'
import {
  createMemoryCipher,
  FileSecretStore,
  MEMORY_KEYRING_STATUS,
  MemorySecretStore,
  SECRETS_VERSION,
  SecretUnavailableError,
  type Cipher,
  type SecretStore,
} from '../../../main/core/profiles/secrets'
import { copyName, ProfileStore } from '../../../main/core/profiles/store'
import { OperationError } from '../../../main/core/operation-error'
import { expectNoLeaks } from '../../fixtures/secret-scan'
import { removeTempDirs, tempDir } from '../ipc/helpers'

afterEach(removeTempDirs)

const PASSWORD = 'Pw-canary-profiles-91f!x'
const API_KEY = 'SG.canary-profile-key.0a9b8c7d6e5f'
const SECRETS = [{ value: PASSWORD, user: 'alice@example.test' }, { value: API_KEY }]

const smtpFields = {
  kind: 'smtp' as const,
  name: 'Work relay',
  host: 'smtp.example.test',
  port: 587,
  security: 'starttls' as const,
  username: 'alice@example.test',
  defaults: { from: 'alice@example.test', to: ['bob@example.test'] },
}
const apiFields = { kind: 'api' as const, name: 'SendGrid EU', provider: 'sendgrid' as const, region: 'eu' }

let clock = Date.parse('2026-11-28T10:00:00.000Z')
const now = () => new Date((clock += 1000))

async function open(dir?: string, secrets?: SecretStore, cipher: Cipher = createMemoryCipher()) {
  const d = dir ?? (await tempDir())
  const s = secrets ?? (await FileSecretStore.open({ dir: d, cipher }))
  return { dir: d, secrets: s, store: await ProfileStore.open({ dir: d, secrets: s, now }) }
}

async function refused(p: Promise<unknown>): Promise<OperationError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(OperationError)
  return err as OperationError
}

describe('ProfileStore: create, read, update, delete', () => {
  it('creates a profile with an id, timestamps and defaults, and lists it', async () => {
    const { store } = await open()
    const p = await store.save({ profile: smtpFields })
    expect(p).toMatchObject({ ...smtpFields, authMethod: 'auto', tls: { insecure: false }, hasSecret: false })
    expect(p.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(p.createdAt).toBe(p.updatedAt)
    expect(p.defaults).toEqual({ from: 'alice@example.test', to: ['bob@example.test'], cc: [], bcc: [] })
    expect(store.list()).toEqual([p])
    expect(store.get(p.id)).toEqual(p)
    expect(store.get('nope')).toBeNull()
  })

  it('updates in place, keeping createdAt; an unknown id is refused', async () => {
    const { store } = await open()
    const p = await store.save({ profile: smtpFields })
    const q = await store.save({ id: p.id, profile: { ...smtpFields, port: 2525 } })
    expect(q).toMatchObject({ id: p.id, port: 2525, createdAt: p.createdAt })
    expect(q.updatedAt > p.updatedAt).toBe(true)
    expect(store.list()).toHaveLength(1)
    const err = await refused(store.save({ id: 'gone', profile: smtpFields }))
    expect(err.code).toBe('NOT_FOUND')
    expect(err.message).toMatch(/No profile with id gone/)
  })

  it('persists across a restart, in creation order', async () => {
    const { dir, secrets, store } = await open()
    const a = await store.save({ profile: smtpFields })
    const b = await store.save({ profile: apiFields })
    const again = await ProfileStore.open({ dir, secrets })
    expect(again.list()).toEqual([a, b])
    expect(again.issues).toEqual([])
  })

  it('deletes a profile and its secret; deleting twice says so', async () => {
    const { store, secrets } = await open()
    const p = await store.save({ profile: smtpFields, secret: { primary: PASSWORD } })
    expect(await store.delete(p.id)).toBe(true)
    expect(await store.delete(p.id)).toBe(false)
    expect(store.list()).toEqual([])
    expect(secrets.has(p.id)).toBe(false)
  })

  it.each<[string, SaveProfileInput, RegExp]>([
    ['a port out of range', { profile: { ...smtpFields, port: 70000 } }, /profile\.port: port must be 1–65535/],
    ['an empty name', { profile: { ...smtpFields, name: '   ' } }, /profile\.name: a profile needs a name/],
    ['a line break in the name', { profile: { ...smtpFields, name: 'a\r\nb' } }, /profile\.name: name contains a line break/],
    ['a bad host', { profile: { ...smtpFields, host: 'smtp example' } }, /profile\.host: host may not contain spaces/],
    ['a bad default recipient', { profile: { ...smtpFields, defaults: { to: ['not-an-address'] } } }, /profile\.defaults\.to\[0\]: address must look like name@domain/],
    ['an unknown field', { profile: { ...smtpFields, password: 'x' } } as unknown as SaveProfileInput, /profile: Unrecognized key/i],
    ['an unknown provider', { profile: { ...apiFields, provider: 'nope' } } as unknown as SaveProfileInput, /profile\.provider/],
  ])('refuses %s with a message naming the field', async (_what, input, message) => {
    const { store } = await open()
    const err = await refused(store.save(input))
    expect(err.code).toBe('INVALID_INPUT')
    expect(err.message).toMatch(/^The profile was not saved — /)
    expect(err.message).toMatch(message)
    expect(store.list()).toEqual([])
  })
})

describe('ProfileStore: secrets are write-only', () => {
  it('sets, keeps (absent), replaces and clears (null) the secret; hasSecret follows', async () => {
    const { store, secrets } = await open()
    const p = await store.save({ profile: smtpFields, secret: { primary: PASSWORD } })
    expect(p.hasSecret).toBe(true)
    expect(await secrets.get(p.id)).toEqual({ primary: PASSWORD })
    expect((await store.save({ id: p.id, profile: { ...smtpFields, port: 465, security: 'tls' } })).hasSecret).toBe(true)
    expect(await secrets.get(p.id)).toEqual({ primary: PASSWORD })
    await store.save({ id: p.id, profile: smtpFields, secret: { primary: 'second-password' } })
    expect(await secrets.get(p.id)).toEqual({ primary: 'second-password' })
    const cleared = await store.save({ id: p.id, profile: smtpFields, secret: null })
    expect(cleared.hasSecret).toBe(false)
    expect(await secrets.get(p.id)).toBeNull()
  })

  it('never writes a secret in the clear, and never returns one', async () => {
    const { dir, store } = await open()
    const a = await store.save({ profile: smtpFields, secret: { primary: PASSWORD } })
    const b = await store.save({ profile: { ...apiFields, provider: 'ses', region: 'eu-west-1', keyId: 'AKIAEXAMPLEKEYID' }, secret: { primary: API_KEY, sessionToken: 'session-token-canary-77' } })
    await store.flush()
    const files = await readdir(dir)
    expect(files.sort()).toEqual(['profiles.json', 'secrets.json'])
    for (const f of files) expectNoLeaks(await readFile(join(dir, f), 'utf8'), [...SECRETS, { value: 'session-token-canary-77' }], f)
    expectNoLeaks(JSON.stringify([store.list(), a, b, store.exportProfiles()]), SECRETS, 'store output')
  })

  it('reads secrets back after a restart with the same cipher', async () => {
    const cipher = createMemoryCipher()
    const { dir, store } = await open(undefined, undefined, cipher)
    const p = await store.save({ profile: smtpFields, secret: { primary: PASSWORD, secondary: 'two', sessionToken: 'three' } })
    const again = await open(dir, undefined, cipher)
    expect(again.store.get(p.id)!.hasSecret).toBe(true)
    expect(await again.secrets.get(p.id)).toEqual({ primary: PASSWORD, secondary: 'two', sessionToken: 'three' })
  })

  it('says plainly when a saved secret cannot be decrypted (another key) or was made by another backend', async () => {
    const { dir, store } = await open()
    const p = await store.save({ profile: smtpFields, secret: { primary: PASSWORD } })
    await store.flush()
    const otherKey = await FileSecretStore.open({ dir, cipher: createMemoryCipher() })
    expect(otherKey.has(p.id)).toBe(true)
    await expect(otherKey.get(p.id)).rejects.toThrow(SecretUnavailableError)
    await expect(otherKey.get(p.id)).rejects.toThrow(/could not be decrypted/)
    const otherBackend = await FileSecretStore.open({ dir, cipher: { ...createMemoryCipher(), id: 'some-future-backend' } })
    await expect(otherBackend.get(p.id)).rejects.toThrow(/encrypted by another secret store \(memory-aes-256-gcm\)/)
  })

  it('stores each blob with its cipher tag, one per part of the profile’s secrets', async () => {
    const { dir, store } = await open()
    const p = await store.save({ profile: smtpFields, secret: { primary: PASSWORD } })
    await store.flush()
    const doc = JSON.parse(await readFile(join(dir, 'secrets.json'), 'utf8'))
    expect(doc).toMatchObject({ format: 'mailprobe-secrets', version: SECRETS_VERSION })
    expect(doc.data.entries[p.id]).toEqual({ login: { cipher: 'memory-aes-256-gcm', blob: expect.stringMatching(/^[A-Za-z0-9+/]+=*$/) } })
  })

  it('re-encrypts a secret when the keyring asks for it (safeStorage shouldReEncrypt)', async () => {
    const base = createMemoryCipher()
    let encrypts = 0
    let rotate = true
    const cipher: Cipher = {
      ...base,
      encrypt: (plain) => {
        encrypts++
        return base.encrypt(plain)
      },
      decryptWithHint: async (blob) => {
        const plain = await base.decrypt(blob)
        const reEncrypt = rotate
        rotate = false
        return { plain, reEncrypt }
      },
    }
    const dir = await tempDir()
    const secrets = await FileSecretStore.open({ dir, cipher })
    await secrets.set('p1', { primary: PASSWORD })
    expect(encrypts).toBe(1)
    expect(await secrets.get('p1')).toEqual({ primary: PASSWORD })
    await secrets.flush()
    expect(encrypts).toBe(2)
    expect(await secrets.get('p1')).toEqual({ primary: PASSWORD })
    await secrets.flush()
    expect(encrypts).toBe(2)
  })

  it('applies secret changes in call order even when encryption finishes out of order', async () => {
    const base = createMemoryCipher()
    const slow: Cipher = { ...base, encrypt: async (plain) => (plain.includes('first') ? new Promise((r) => setImmediate(() => r(base.encrypt(plain)))) : base.encrypt(plain)) }
    const secrets = await FileSecretStore.open({ dir: await tempDir(), cipher: slow })
    await Promise.all([secrets.set('p', { primary: 'first-secret' }), secrets.set('p', { primary: 'second-secret' })])
    expect(await secrets.get('p')).toEqual({ primary: 'second-secret' })
  })

  it('keeps a damaged secrets file aside and reports it', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'secrets.json'), '{"format":"mailprobe-secrets","version":1,"data":{"entries":{"a":{"cipher":1}}}}')
    const secrets = await FileSecretStore.open({ dir, cipher: createMemoryCipher() })
    expect(secrets.issues).toHaveLength(1)
    expect(secrets.issues[0]!.message).toMatch(/saved secrets file does not have the expected shape.*Profiles that had a saved secret need it entered again\./)
    expect(secrets.issues[0]!.movedTo).toMatch(/secrets\.json\.corrupt-/)
  })

  it('forgets secrets of profiles that no longer exist', async () => {
    const secrets = await FileSecretStore.open({ dir: await tempDir(), cipher: createMemoryCipher() })
    await secrets.set('keep', { primary: 'a' })
    await secrets.set('drop', { primary: 'b' })
    await secrets.retain(new Set(['keep']))
    expect([secrets.has('keep'), secrets.has('drop')]).toEqual([true, false])
  })

  it('MemorySecretStore keeps secrets for this session only, and says so', async () => {
    const secrets = new MemorySecretStore()
    expect(secrets.status()).toEqual(MEMORY_KEYRING_STATUS)
    expect(secrets.status().protected).toBe(false)
    expect(secrets.status().note).toMatch(/in memory for this session only/)
    const dir = await tempDir()
    const store = await ProfileStore.open({ dir, secrets })
    const p = await store.save({ profile: smtpFields, secret: { primary: PASSWORD } })
    expect(p.hasSecret).toBe(true)
    await store.flush()
    expect(await readdir(dir)).toEqual(['profiles.json'])
    expect(await secrets.copy(p.id, 'other')).toBe(true)
    expect(await secrets.get('other')).toEqual({ primary: PASSWORD })
  })
})

describe('keyring status', () => {
  it('says plainly that Linux basic_text is not protected by a keyring', () => {
    const s = describeKeyring('linux', 'basic_text', true)
    expect(s.protected).toBe(false)
    expect(s.backend).toBe('basic_text')
    expect(s.note).toMatch(/not protected by a keyring/)
  })
  it.each([
    ['darwin', null, 'keychain', /macOS Keychain/],
    ['win32', null, 'dpapi', /DPAPI/],
    ['linux', 'gnome_libsecret', 'gnome_libsecret', /Secret Service/],
    ['linux', 'kwallet5', 'kwallet5', /KWallet/],
  ] as const)('%s %s is protected', (platform, backend, name, note) => {
    const s = describeKeyring(platform, backend, true)
    expect(s).toMatchObject({ protected: true, backend: name })
    expect(s.note).toMatch(note)
  })
  it('falls back to memory for the session when nothing can encrypt', () => {
    const s = describeKeyring('linux', 'basic_text', false)
    expect(s).toMatchObject({ protected: false, backend: 'memory' })
    expect(s.note).toMatch(/in memory for this session only/)
  })
})

describe('ProfileStore: duplicate', () => {
  it('copies settings and secret under "<name> copy", then "<name> copy 2"', async () => {
    const { store, secrets } = await open()
    const p = await store.save({ profile: smtpFields, secret: { primary: PASSWORD } })
    const c1 = await store.duplicate(p.id)
    const c2 = await store.duplicate(p.id)
    expect(c1.name).toBe('Work relay copy')
    expect(c2.name).toBe('Work relay copy 2')
    expect(c1.id).not.toBe(p.id)
    expect(c1).toMatchObject({ host: smtpFields.host, port: smtpFields.port, username: smtpFields.username, hasSecret: true })
    expect(await secrets.get(c1.id)).toEqual({ primary: PASSWORD })
    // The copy is independent: clearing its secret leaves the original's.
    await store.save({ id: c1.id, profile: smtpFields, secret: null })
    expect(await secrets.get(p.id)).toEqual({ primary: PASSWORD })
    const err = await refused(store.duplicate('missing'))
    expect(err.message).toMatch(/No profile with id missing/)
  })

  it('keeps copy names within the 80-character limit', () => {
    const long = 'x'.repeat(80)
    expect(copyName(long, new Set())).toHaveLength(80)
    expect(copyName(long, new Set())).toMatch(/ copy$/)
    expect(copyName('a', new Set(['a copy', 'a copy 2']))).toBe('a copy 3')
  })
})

describe('ProfileStore: export and import', () => {
  it('exports settings without ids or secrets, in the export schema', async () => {
    const { store } = await open()
    const a = await store.save({ profile: smtpFields, secret: { primary: PASSWORD } })
    const b = await store.save({ profile: apiFields, secret: { primary: API_KEY } })
    const all = store.exportProfiles()
    expect(all.suggestedName).toMatch(/^mailprobe-profiles-\d{4}-\d{2}-\d{2}\.json$/)
    const doc = profilesExportSchema.parse(JSON.parse(all.content))
    expect(doc.profiles.map((p) => p.name)).toEqual(['Work relay', 'SendGrid EU'])
    expect(all.content).not.toMatch(/"id"|hasSecret|createdAt|password|"key"/)
    expectNoLeaks(all.content, SECRETS, 'export')
    const one = profilesExportSchema.parse(JSON.parse(store.exportProfiles([b.id]).content))
    expect(one.profiles.map((p) => p.name)).toEqual(['SendGrid EU'])
    expect(a.hasSecret && b.hasSecret).toBe(true)
  })

  it('round-trips through export and import: same settings, new ids, no secrets', async () => {
    const { store } = await open()
    await store.save({ profile: smtpFields, secret: { primary: PASSWORD } })
    await store.save({ profile: { ...apiFields, baseUrl: 'https://api.eu.sendgrid.com', sandbox: true }, secret: { primary: API_KEY } })
    const exported = store.exportProfiles()
    const other = await open()
    const { imported, skipped } = await other.store.importProfiles(exported.content)
    expect(skipped).toEqual([])
    const strip = ({ id: _i, createdAt: _c, updatedAt: _u, hasSecret: _h, hasProxySecret: _ph, hasMailboxSecret: _m, hasDkimKey: _d, ...rest }: Record<string, unknown>) => rest
    expect(imported.map(strip)).toEqual(store.list().map(strip))
    expect(imported.every((p) => !p.hasSecret)).toBe(true)
    expect(imported.map((p) => p.id)).not.toEqual(store.list().map((p) => p.id))
    expect(other.store.list()).toEqual(imported)
  })

  it('skips invalid entries with their reasons and imports the rest', async () => {
    const { store } = await open()
    const content = JSON.stringify({
      format: 'mailprobe-profiles',
      version: 1,
      exportedAt: '2026-11-28T00:00:00.000Z',
      profiles: [
        { ...smtpFields, name: 'Good one' },
        { ...smtpFields, name: 'Bad port', port: 0 },
        { kind: 'carrier-pigeon', name: 'Odd' },
        { ...apiFields, name: 'Extra field', secretSauce: true },
        'not even an object',
      ],
    })
    const { imported, skipped } = await store.importProfiles(content)
    expect(imported.map((p) => p.name)).toEqual(['Good one'])
    expect(skipped.map((s) => s.name)).toEqual(['Bad port', 'Odd', 'Extra field', 'profile #5'])
    expect(skipped[0]!.reason).toMatch(/port: port must be 1–65535/)
    expect(skipped[2]!.reason).toMatch(/secretSauce/)
  })

  it('stores inline demo credentials (the sandbox export) as secrets, and ignores env names', async () => {
    const { store, secrets } = await open()
    const content = JSON.stringify({
      format: 'mailprobe-profiles',
      version: 1,
      exportedAt: '2026-11-28T00:00:00.000Z',
      profiles: [
        { ...smtpFields, name: 'Sandbox', password: 'demo-password', passwordEnv: 'SANDBOX_PW' },
        { ...apiFields, name: 'Sandbox API', key: 'demo-key', keyEnv: 'K' },
      ],
    })
    const { imported } = await store.importProfiles(content)
    expect(imported.map((p) => p.hasSecret)).toEqual([true, true])
    expect(await secrets.get(imported[0]!.id)).toEqual({ primary: 'demo-password' })
    expect(JSON.stringify(store.list())).not.toMatch(/demo-password|demo-key|SANDBOX_PW/)
  })

  it.each([
    ['not JSON', '{"format":', /The file is not JSON/],
    ['another kind of file', JSON.stringify({ hello: 'world' }), /not a Mailprobe profiles export/],
    ['another version', JSON.stringify({ format: 'mailprobe-profiles', version: 9, profiles: [] }), /format version 9; this Mailprobe reads version 1/],
  ])('refuses an import that is %s', async (_what, content, message) => {
    const { store } = await open()
    const err = await refused(store.importProfiles(content))
    expect(err.code).toBe('INVALID_INPUT')
    expect(err.message).toMatch(message)
  })
})

describe('ProfileStore: damaged files', () => {
  it('keeps a corrupt profiles file aside, reports it, and starts empty', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, 'profiles.json'), 'this is not json')
    const { store } = await open(dir)
    expect(store.list()).toEqual([])
    expect(store.issues).toHaveLength(1)
    expect(store.issues[0]!.message).toMatch(/The profiles file is not valid JSON .*it was kept as profiles\.json\.corrupt-.*Mailprobe started without the saved profiles\./)
    expect(await readFile(store.issues[0]!.movedTo!, 'utf8')).toBe('this is not json')
  })

  it('keeps the original aside when some entries are damaged, and loads the others', async () => {
    const { dir, store } = await open()
    const good = await store.save({ profile: smtpFields })
    await store.flush()
    const path = join(dir, 'profiles.json')
    const doc = JSON.parse(await readFile(path, 'utf8'))
    doc.data.profiles.push({ ...doc.data.profiles[0], id: 'broken', port: 'many' })
    await writeFile(path, JSON.stringify(doc))
    const again = await open(dir)
    expect(again.store.list().map((p) => p.id)).toEqual([good.id])
    expect(again.store.issues).toHaveLength(1)
    expect(again.store.issues[0]!.message).toMatch(/1 saved profile could not be read \(Work relay: port: .*\); it was kept as .*\. The other 1 profile was loaded\./)
    expect(JSON.parse(await readFile(again.store.issues[0]!.movedTo!, 'utf8')).data.profiles).toHaveLength(2)
    // The working file now holds only the good profile, so the next start is clean.
    const third = await open(dir)
    expect(third.store.issues).toEqual([])
    expect(third.store.list().map((p) => p.id)).toEqual([good.id])
  })
})
