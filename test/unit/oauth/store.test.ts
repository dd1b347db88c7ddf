// Where sign-ins are kept: the CLI's owner-only file (0600 after every write, atomic replace, a
// file others can read refused with a sentence that says how to fix it) and the app's encrypted
// secret store (a profile's `oauth` part).
import { chmod, readdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { CLI_SIGN_INS_FILE, FileSignInStore, ProfileSignInStore, SignInFileError, summarize, type SignIn } from '../../../main/core/oauth'
import { createMemoryCipher, FileSecretStore, MemorySecretStore } from '../../../main/core/profiles/secrets'
import { expectNoLeaks } from '../../fixtures/secret-scan'
import { removeTempDirs, tempDir } from '../ipc/helpers'

afterEach(removeTempDirs)

const posix = process.platform !== 'win32'

function sample(name: string, n = 1): SignIn {
  return {
    name,
    config: { provider: 'microsoft', tenant: 'contoso.onmicrosoft.com', clientId: 'client-1', flow: 'device' },
    issuer: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0',
    account: 'alice@contoso.example',
    scopes: ['https://outlook.office.com/SMTP.Send', 'offline_access'],
    expiresAt: '2026-11-28T11:00:00Z',
    signedInAt: '2026-11-28T10:00:00Z',
    refreshedAt: null,
    secrets: { accessToken: `at-canary-${name}-${n}.aaaa.bbbb`, refreshToken: `rt-canary-${name}-${n}-zzzz` },
  }
}

const secretsOf = (s: SignIn) => [{ value: s.secrets.accessToken }, { value: s.secrets.refreshToken! }]

describe('the CLI’s sign-ins file', () => {
  it.runIf(posix)('is written 0600, replaced atomically, and lists no token', async () => {
    const dir = await tempDir()
    const store = new FileSignInStore(dir)
    const path = join(dir, CLI_SIGN_INS_FILE)
    await store.save(sample('work'))
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    const before = await stat(path)

    await store.save(sample('home'))
    const after = await stat(path)
    expect(after.mode & 0o777).toBe(0o600)
    // Replaced by a rename of a new file, not rewritten in place: a reader sees the old or the new file, whole.
    expect(after.ino).not.toBe(before.ino)
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([])

    const doc = JSON.parse(await readFile(path, 'utf8')) as { format: string; version: number; data: { signIns: Record<string, unknown> } }
    expect(doc).toMatchObject({ format: 'mailprobe-oauth-sign-ins', version: 1 })
    expect(Object.keys(doc.data.signIns).sort()).toEqual(['home', 'work'])

    const list = await new FileSignInStore(dir).list()
    expect(list.map((s) => s.name)).toEqual(['home', 'work'])
    expect(list[1]).toEqual(summarize(sample('work')))
    expectNoLeaks(JSON.stringify(list), [...secretsOf(sample('work')), ...secretsOf(sample('home'))])
    expect((await store.get('work'))?.secrets.refreshToken).toBe('rt-canary-work-1-zzzz')
    expect(store.describe()).toContain('mode 0600')

    expect(await store.delete('work')).toBe(true)
    expect(await store.delete('work')).toBe(false)
    expect(await store.get('work')).toBeNull()
    expect((await stat(path)).mode & 0o777).toBe(0o600)
  })

  it.runIf(posix)('refuses a file others can read, says how to fix it, and does not write over it', async () => {
    const dir = await tempDir()
    const store = new FileSignInStore(dir)
    const path = join(dir, CLI_SIGN_INS_FILE)
    await store.save(sample('work'))
    await chmod(path, 0o644)
    const err = await store.list().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SignInFileError)
    expect((err as Error).message).toBe(
      `${path} can be read or changed by other users (mode 0644), so Mailprobe will not use the tokens in it. Make it private with: chmod 600 "${path}" — and sign in again if others may have copied it.`,
    )
    await expect(store.get('work')).rejects.toThrow(SignInFileError)
    await expect(store.save(sample('home'))).rejects.toThrow(SignInFileError)
    expect(Object.keys((JSON.parse(await readFile(path, 'utf8')) as { data: { signIns: object } }).data.signIns)).toEqual(['work'])

    await chmod(path, 0o600)
    expect((await store.list()).map((s) => s.name)).toEqual(['work'])
  })

  it('keeps both of two saves made at once', async () => {
    const dir = await tempDir()
    const store = new FileSignInStore(dir)
    await Promise.all([store.save(sample('a')), store.save(sample('b')), store.save(sample('c'))])
    expect((await new FileSignInStore(dir).list()).map((s) => s.name)).toEqual(['a', 'b', 'c'])
  })

  it('sets a damaged file aside and says so', async () => {
    const dir = await tempDir()
    const path = join(dir, CLI_SIGN_INS_FILE)
    await writeFile(path, '{"format":"mailprobe-oauth-sign-ins","version":1,"data":{"signIns":{"x":{"name":"x"}}}}', { mode: 0o600 })
    const store = new FileSignInStore(dir)
    expect(await store.list()).toEqual([])
    expect(store.issues).toHaveLength(1)
    expect(store.issues[0]!.message).toContain('Sign in again to use those accounts')
    expect((await readdir(dir)).some((f) => f.startsWith(`${CLI_SIGN_INS_FILE}.corrupt-`))).toBe(true)
  })
})

describe('the app’s sign-ins (a profile’s part of the secret store)', () => {
  it('keeps each profile’s sign-in encrypted beside its other secrets', async () => {
    const dir = await tempDir()
    const cipher = createMemoryCipher()
    const secrets = await FileSecretStore.open({ dir, cipher })
    const store = new ProfileSignInStore(secrets)
    await secrets.set('p1', { primary: 'smtp-password-canary-1' })
    await store.save(sample('p1'))
    await store.save(sample('p2'))
    expect(secrets.has('p1', 'oauth')).toBe(true)
    expect(secrets.idsWith('oauth').sort()).toEqual(['p1', 'p2'])
    await secrets.flush()

    const text = await readFile(join(dir, 'secrets.json'), 'utf8')
    expect(JSON.parse(text)).toMatchObject({ format: 'mailprobe-secrets', version: 4 })
    expectNoLeaks(text, [...secretsOf(sample('p1')), { value: 'alice@contoso.example' }])

    const reopened = new ProfileSignInStore(await FileSecretStore.open({ dir, cipher }))
    expect((await reopened.get('p1'))?.secrets).toEqual(sample('p1').secrets)
    expect((await reopened.list()).map((s) => s.account)).toEqual(['alice@contoso.example', 'alice@contoso.example'])

    // Signing out forgets the sign-in only; deleting the profile forgets everything.
    expect(await store.delete('p1')).toBe(true)
    expect(await secrets.get('p1')).toEqual({ primary: 'smtp-password-canary-1' })
    expect(await store.get('p1')).toBeNull()
    await secrets.retain(new Set())
    expect(await store.list()).toEqual([])
  })

  it('reads a version 2 secrets file (before sign-ins) as it is', async () => {
    const dir = await tempDir()
    const cipher = createMemoryCipher()
    const blob = (await cipher.encrypt(JSON.stringify({ primary: 'smtp-password-canary-2' }))).toString('base64')
    await writeFile(join(dir, 'secrets.json'), JSON.stringify({ format: 'mailprobe-secrets', version: 2, data: { entries: { p1: { login: { cipher: cipher.id, blob } } } } }))
    const secrets = await FileSecretStore.open({ dir, cipher })
    expect(secrets.issues).toEqual([])
    expect(await secrets.get('p1')).toEqual({ primary: 'smtp-password-canary-2' })
    expect(await new ProfileSignInStore(secrets).list()).toEqual([])
  })

  it('works the same in memory (the browser host)', async () => {
    const store = new ProfileSignInStore(new MemorySecretStore())
    await store.save(sample('p1'))
    expect((await store.get('p1'))?.account).toBe('alice@contoso.example')
    expect(store.describe()).toContain('memory')
  })
})
