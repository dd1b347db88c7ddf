// A profile's Network section (address family, source address, proxy URL) and its proxy password:
// what the contract accepts, how the store keeps the password (encrypted, apart from the login
// secret, never returned), and how older files load.
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { parseProxyUrl, profileNetworkSchema, profilesExportSchema, saveProfileSchema, smtpProfileFieldsSchema, type SaveProfileInput } from '../../../preload/contract'
import { createMemoryCipher, FileSecretStore, MemorySecretStore, SECRETS_VERSION, SecretUnavailableError } from '../../../main/core/profiles/secrets'
import { ProfileStore } from '../../../main/core/profiles/store'
import { OperationError } from '../../../main/core/operation-error'
import { expectNoLeaks } from '../../fixtures/secret-scan'
import { readTree, removeTempDirs, tempDir } from '../ipc/helpers'

afterEach(removeTempDirs)

const PROXY_PASSWORD = 'Proxy-pw-canary-net-7d1!q'
const PASSWORD = 'Pw-canary-net-login-3e8#'
const SECRETS = [{ value: PROXY_PASSWORD, user: 'relay-user' }, { value: PASSWORD }]

/** A relay without AUTH reached through an authenticating SOCKS5 proxy. */
const relay = {
  kind: 'smtp' as const,
  name: 'Relay via proxy',
  host: 'smtp.example.test',
  port: 25,
  security: 'none' as const,
  authMethod: 'none' as const,
  network: { family: 'ipv4' as const, localAddress: '127.0.0.1', proxy: { url: 'socks5h://relay-user@127.0.0.1:1080' } },
}

const problemOf = (url: string): string => {
  const parsed = parseProxyUrl(url)
  if (!('problem' in parsed)) throw new Error(`${url} parses`)
  return parsed.problem
}

const messages = (r: { success: boolean; error?: { issues: { message: string }[] } }) => (r.success ? [] : r.error!.issues.map((i) => i.message))

async function open(dir?: string) {
  const d = dir ?? (await tempDir())
  const cipher = createMemoryCipher()
  const secrets = await FileSecretStore.open({ dir: d, cipher })
  return { dir: d, cipher, secrets, store: await ProfileStore.open({ dir: d, secrets }) }
}

describe('the contract: a profile’s Network section', () => {
  it('defaults to auto and direct, and keeps what is given', () => {
    const bare = smtpProfileFieldsSchema.parse({ kind: 'smtp', name: 'x', host: 'h.example', port: 25, security: 'none' })
    expect(bare.network).toEqual({ family: 'auto' })
    expect(smtpProfileFieldsSchema.parse(relay).network).toEqual(relay.network)
  })

  it('refuses a bad proxy URL and a password inside the URL with parseProxyUrl’s sentences', () => {
    for (const url of ['ftp://proxy.example:21', 'socks5://user:secret@proxy.example:1080', 'http://proxy.example:3128/path', 'proxy.example:1080']) {
      const r = profileNetworkSchema.safeParse({ family: 'auto', proxy: { url } })
      expect(messages(r), url).toEqual([problemOf(url)])
    }
    expect(problemOf('socks5://user:secret@proxy.example:1080')).toMatch(/password may not be part of the URL.*secret store or --proxy-password-env/)
  })

  it('never stores a password in the section: the proxy takes a URL only', () => {
    const r = profileNetworkSchema.safeParse({ family: 'auto', proxy: { url: 'socks5://u@127.0.0.1:1080', password: PROXY_PASSWORD } })
    expect(r.success).toBe(false)
    expect(r.error!.issues[0]).toMatchObject({ code: 'unrecognized_keys', path: ['proxy'] })
    expect(JSON.stringify(r.error!.issues)).not.toContain(PROXY_PASSWORD)
  })

  it('checks the source address against the address family', () => {
    expect(messages(profileNetworkSchema.safeParse({ family: 'ipv4', localAddress: '::1' }))).toEqual(['an IPv6 local address cannot be used with IPv4 only'])
    expect(messages(profileNetworkSchema.safeParse({ family: 'auto', localAddress: 'my-laptop' }))).toEqual(['the local address must be an IPv4 or IPv6 address of this machine'])
  })

  it('takes the proxy password through saveProfile only with a proxy URL that names its user', () => {
    const save = (network: unknown, proxyPassword: unknown) => saveProfileSchema.safeParse({ profile: { ...relay, network }, proxyPassword })
    expect(save(relay.network, PROXY_PASSWORD).success).toBe(true)
    expect(save(relay.network, null).success).toBe(true)
    expect(messages(save({ family: 'auto' }, PROXY_PASSWORD))).toEqual(['a proxy password needs a proxy URL'])
    expect(messages(save({ family: 'auto', proxy: { url: 'http://127.0.0.1:3128' } }, PROXY_PASSWORD))).toEqual(['the proxy password goes with a user name: give the URL as http://user@host:port'])
    expect(messages(save({ family: 'auto', proxy: { url: 'socks4://me@127.0.0.1:1080' } }, PROXY_PASSWORD))).toEqual([
      'SOCKS4 proxies take a user name only, no password: clear the password, or use socks5://',
    ])
    expect(messages(save(relay.network, 'two\nlines'))).toEqual(['the proxy password contains a line break'])
    expect(messages(save(relay.network, ''))).toHaveLength(1)
  })

  it('exports the section, and names the proxy password’s environment variable instead of holding it', () => {
    const entry = profilesExportSchema.shape.profiles.element
    expect(entry.parse({ ...relay, proxyPasswordEnv: 'RELAY_PROXY_PW' })).toMatchObject({ network: relay.network, proxyPasswordEnv: 'RELAY_PROXY_PW' })
    expect(entry.safeParse({ ...relay, proxyPassword: PROXY_PASSWORD }).success).toBe(false)
    expect(entry.parse({ kind: 'api', name: 'A', provider: 'sendgrid', proxyPasswordEnv: 'P' })).toMatchObject({ network: { family: 'auto' }, proxyPasswordEnv: 'P' })
  })
})

describe('ProfileStore: the proxy password is write-only', () => {
  it('saves it encrypted with a profile that has no login secret, says only that it is there, and never returns it', async () => {
    const { dir, secrets, store } = await open()
    const p = await store.save({ profile: relay, proxyPassword: PROXY_PASSWORD })
    expect(p).toMatchObject({ network: relay.network, hasSecret: false, hasProxySecret: true })
    expect(await secrets.get(p.id)).toBeNull()
    expect(await secrets.getProxyPassword(p.id)).toBe(PROXY_PASSWORD)
    await store.flush()
    // Nothing the store answers or writes holds it in any form (secrets.json holds it encrypted).
    expectNoLeaks(JSON.stringify([p, store.list(), store.get(p.id), store.exportProfiles()]), SECRETS, 'store answers')
    const files = await readTree(dir)
    expect(files.map((f) => f.path.slice(dir.length)).sort()).toEqual(['/profiles.json', '/secrets.json'])
    for (const f of files) expectNoLeaks(f.text, SECRETS, f.path)
    const doc = JSON.parse(await readFile(join(dir, 'secrets.json'), 'utf8'))
    expect(Object.keys(doc.data.entries[p.id])).toEqual(['proxy'])
    // The export keeps the proxy URL (with its user name), not the password.
    expect(JSON.parse(store.exportProfiles().content).profiles[0].network).toEqual(relay.network)
  })

  it('keeps it (absent), replaces it, clears it (null), apart from the login secret; a restart reads it back', async () => {
    const { dir, cipher, secrets, store } = await open()
    const withAuth = { ...relay, authMethod: 'plain' as const, username: 'alice' }
    const p = await store.save({ profile: withAuth, secret: { primary: PASSWORD }, proxyPassword: PROXY_PASSWORD })
    expect(p).toMatchObject({ hasSecret: true, hasProxySecret: true })
    expect((await store.save({ id: p.id, profile: { ...withAuth, port: 2525 } })).hasProxySecret).toBe(true)
    expect(await secrets.getProxyPassword(p.id)).toBe(PROXY_PASSWORD)
    await store.save({ id: p.id, profile: withAuth, proxyPassword: 'second proxy password' })
    expect(await secrets.getProxyPassword(p.id)).toBe('second proxy password')
    // Clearing the login secret leaves the proxy password, and the other way round.
    expect(await store.save({ id: p.id, profile: withAuth, secret: null })).toMatchObject({ hasSecret: false, hasProxySecret: true })
    await store.save({ id: p.id, profile: withAuth, secret: { primary: PASSWORD } })
    expect(await store.save({ id: p.id, profile: withAuth, proxyPassword: null })).toMatchObject({ hasSecret: true, hasProxySecret: false })
    expect(await secrets.getProxyPassword(p.id)).toBeNull()
    expect(await secrets.get(p.id)).toEqual({ primary: PASSWORD })

    await store.save({ id: p.id, profile: withAuth, proxyPassword: PROXY_PASSWORD })
    await store.flush()
    const again = await FileSecretStore.open({ dir, cipher })
    const reopened = await ProfileStore.open({ dir, secrets: again })
    expect(reopened.get(p.id)).toMatchObject({ network: relay.network, hasSecret: true, hasProxySecret: true })
    expect(await again.getProxyPassword(p.id)).toBe(PROXY_PASSWORD)
    // Another key cannot read it, and says which secret it is.
    const otherKey = await FileSecretStore.open({ dir, cipher: createMemoryCipher() })
    const err = await otherKey.getProxyPassword(p.id).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SecretUnavailableError)
    expect((err as Error).message).toBe('the saved proxy password could not be decrypted (the system keyring may have changed)')
  })

  it('forgets it when the profile is saved without a proxy; copies it with the profile; deletes it with the profile', async () => {
    const { secrets, store } = await open()
    const p = await store.save({ profile: relay, proxyPassword: PROXY_PASSWORD })
    const copy = await store.duplicate(p.id)
    expect(copy.hasProxySecret).toBe(true)
    expect(await secrets.getProxyPassword(copy.id)).toBe(PROXY_PASSWORD)
    const direct = await store.save({ id: p.id, profile: { ...relay, network: { family: 'auto' } } })
    expect(direct).toMatchObject({ network: { family: 'auto' }, hasProxySecret: false })
    expect(secrets.has(p.id, 'proxy')).toBe(false)
    expect(await store.delete(copy.id)).toBe(true)
    expect(secrets.has(copy.id, 'proxy')).toBe(false)
  })

  it('refuses a proxy password that has no proxy to go with, saving nothing, without echoing it', async () => {
    const { secrets, store } = await open()
    const err = await store.save({ profile: { ...relay, network: { family: 'auto' } }, proxyPassword: PROXY_PASSWORD } as SaveProfileInput).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(OperationError)
    expect((err as OperationError).message).toMatch(/proxyPassword: a proxy password needs a proxy URL/)
    expectNoLeaks((err as Error).message, SECRETS, 'refusal')
    expect(store.list()).toEqual([])
    expect(secrets.has('anything', 'proxy')).toBe(false)
  })

  it('keeps it in memory the same way (MemorySecretStore)', async () => {
    const secrets = new MemorySecretStore()
    const store = await ProfileStore.open({ dir: await tempDir(), secrets })
    const p = await store.save({ profile: relay, proxyPassword: PROXY_PASSWORD })
    expect(p).toMatchObject({ hasSecret: false, hasProxySecret: true })
    expect(await secrets.getProxyPassword(p.id)).toBe(PROXY_PASSWORD)
    expect((await store.save({ id: p.id, profile: relay, proxyPassword: null })).hasProxySecret).toBe(false)
    expect(await secrets.delete(p.id)).toBe(false)
  })
})

describe('files written before the Network section', () => {
  it('loads a profiles file without network sections, with the default', async () => {
    const dir = await tempDir()
    const old = { kind: 'smtp', name: 'Old', host: 'smtp.example.test', port: 587, security: 'starttls', authMethod: 'auto', tls: { insecure: false }, defaults: { to: [], cc: [], bcc: [] } }
    const stamp = '2026-01-01T00:00:00.000Z'
    await writeFile(join(dir, 'profiles.json'), JSON.stringify({ format: 'mailprobe-profiles', version: 1, data: { profiles: [{ ...old, id: 'p-old', createdAt: stamp, updatedAt: stamp }] } }))
    const { store } = await open(dir)
    expect(store.issues).toEqual([])
    expect(store.get('p-old')).toMatchObject({ name: 'Old', network: { family: 'auto' }, hasSecret: false, hasProxySecret: false })
  })

  it('reads a version 1 secrets file: each profile’s secret becomes its login secret', async () => {
    const dir = await tempDir()
    const cipher = createMemoryCipher()
    const blob = (await cipher.encrypt(JSON.stringify({ primary: PASSWORD }))).toString('base64')
    await writeFile(join(dir, 'secrets.json'), JSON.stringify({ format: 'mailprobe-secrets', version: 1, data: { entries: { p1: { cipher: cipher.id, blob } } } }))
    const secrets = await FileSecretStore.open({ dir, cipher })
    expect(secrets.issues).toEqual([])
    expect([secrets.has('p1'), secrets.has('p1', 'proxy')]).toEqual([true, false])
    expect(await secrets.get('p1')).toEqual({ primary: PASSWORD })
    // The next write is the current version.
    await secrets.setProxyPassword('p1', PROXY_PASSWORD)
    await secrets.flush()
    const doc = JSON.parse(await readFile(join(dir, 'secrets.json'), 'utf8'))
    expect(doc.version).toBe(SECRETS_VERSION)
    expect(Object.keys(doc.data.entries.p1).sort()).toEqual(['login', 'proxy'])
  })
})
