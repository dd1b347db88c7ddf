import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ApiResult, OperationName, OperationOutputs, ProbeResult, SaveProfileInput, SmtpResult } from '../../../preload/contract'
import { buildProfileJob } from '../../../main/core/runs'
import { createClient, type Client } from '../../../main/ipc/handlers'
import type { AppServices } from '../../../main/core/services'
import { removeCaFile, writeCaFile } from '../../fixtures/certs'
import { PROVIDER_KEYS, startProviderServer, type ProviderServer } from '../../fixtures/provider-server'
import { startHttpProxy, type TestProxy } from '../../fixtures/proxies'
import { expectNoLeaks } from '../../fixtures/secret-scan'
import { startSmtpPeer, type SmtpPeer } from '../../fixtures/smtp-peers'
import { readTree, removeTempDirs, testServices, WaitingSink } from '../ipc/helpers'

const USER = 'alice-runs@example.test'
const PASSWORD = 'Pw-canary-runs-4c2e!z'
const SECRETS = [{ value: PASSWORD, user: USER }, { value: PROVIDER_KEYS.sendgrid }]

let caFile = ''
let peer: SmtpPeer
let provider: ProviderServer

beforeAll(async () => {
  caFile = await writeCaFile()
  peer = await startSmtpPeer({ mode: 'starttls', users: { [USER]: PASSWORD } })
  provider = await startProviderServer()
})
afterAll(async () => {
  await Promise.all([peer.close(), provider.close()])
  removeCaFile(caFile)
})
afterEach(removeTempDirs)

interface Harness {
  services: AppServices
  dataDir: string
  sink: WaitingSink
  client: Client
  call<K extends OperationName>(name: K, payload: unknown): Promise<OperationOutputs[K]>
}

async function harness(): Promise<Harness> {
  const { services, dataDir } = await testServices()
  const sink = new WaitingSink()
  const client = createClient(sink, services)
  const call = async <K extends OperationName>(name: K, payload: unknown): Promise<OperationOutputs[K]> => {
    const env = await client.dispatch(name, payload)
    if (!env.ok) throw new Error(`${name} refused: ${env.error.code} ${env.error.message}`)
    return env.value
  }
  return { services, dataDir, sink, client, call }
}

const smtpProfile = (over: Partial<Extract<SaveProfileInput['profile'], { kind: 'smtp' }>> = {}): SaveProfileInput['profile'] => ({
  kind: 'smtp',
  name: 'Local peer',
  host: '127.0.0.1',
  port: peer.port,
  security: 'starttls',
  username: USER,
  tls: { caFile },
  defaults: { from: 'sender@example.test', to: ['rcpt@example.test'] },
  ...over,
})

const message = { from: 'composer@example.test', to: ['to@example.test'], subject: 'Mailprobe run-profile test', text: 'hello' }

/** Everything a test could observe: events, every file in the data folder. */
async function expectNothingLeaked(h: Harness): Promise<void> {
  await h.services.flush()
  expectNoLeaks(JSON.stringify(h.sink.events), SECRETS, 'job events')
  for (const f of await readTree(h.dataDir)) {
    if (f.path.endsWith('secrets.json')) continue // encrypted blobs: checked by the profiles tests
    expectNoLeaks(f.text, SECRETS, f.path)
  }
}

describe('runProfile against a local SMTP peer', () => {
  it('verifies credentials (stop after AUTH), sends nothing, and records the run in History', async () => {
    const h = await harness()
    const profile = await h.call('saveProfile', { profile: smtpProfile(), secret: { primary: PASSWORD } })
    const before = peer.received.length
    const { jobId } = await h.call('runProfile', { profileId: profile.id, action: 'verify' })
    const result = await h.sink.result<SmtpResult>(jobId)
    expect(result.error).toBeNull()
    expect(result.ok).toBe(true)
    expect(result.authMethodUsed).toBeTruthy()
    expect(peer.received.length).toBe(before)
    const { entries } = await h.call('listHistory', {})
    expect(entries).toHaveLength(1)
    expect(entries[0]).toMatchObject({
      jobId,
      kind: 'smtp',
      action: 'verify',
      profileId: profile.id,
      profileName: 'Local peer',
      target: `127.0.0.1:${peer.port}`,
      ok: true,
      errorCode: null,
      summary: expect.stringMatching(/^authenticated with (PLAIN|LOGIN) over TLSv1\.[23]; nothing sent$/),
    })
    expect(entries[0]!.roundTrips).toBeGreaterThan(0)
    const full = await h.call('getHistoryEntry', { id: entries[0]!.id })
    expect(full!.result).toEqual(result)
    await expectNothingLeaked(h)
  })

  it('tests the envelope (stop after RCPT) with the composer message', async () => {
    const h = await harness()
    const profile = await h.call('saveProfile', { profile: smtpProfile(), secret: { primary: PASSWORD } })
    const before = peer.received.length
    const { jobId } = await h.call('runProfile', { profileId: profile.id, action: 'envelope', message })
    const result = await h.sink.result<SmtpResult>(jobId)
    expect(result.ok).toBe(true)
    expect(result.result.accepted).toEqual(['to@example.test'])
    expect(peer.received.length).toBe(before)
    expect((await h.call('listHistory', {})).entries[0]).toMatchObject({ action: 'envelope', summary: '1 recipient accepted; nothing sent' })
  })

  it('sends with the profile defaults when the composer leaves sender and recipients empty, and the run is in History when its result arrives', async () => {
    const h = await harness()
    const profile = await h.call('saveProfile', { profile: smtpProfile(), secret: { primary: PASSWORD } })
    const before = peer.received.length
    let seenAtResult: number | null = null
    h.sink.onResult = () => {
      seenAtResult = h.services.history.list().total
    }
    const { jobId } = await h.call('runProfile', { profileId: profile.id, action: 'send', message: { subject: 'defaults', text: 'hi' } })
    const result = await h.sink.result<SmtpResult>(jobId)
    expect(result.ok).toBe(true)
    expect(seenAtResult).toBe(1)
    expect(peer.received.length).toBe(before + 1)
    const got = peer.received.at(-1)!
    expect(got.envelope.mailFrom).toBe('sender@example.test')
    expect(got.envelope.rcptTo).toEqual(['rcpt@example.test'])
    const row = (await h.call('listHistory', { query: 'send' })).entries[0]!
    expect(row.summary).toMatch(/^250 .*queued as MPQ/)
    const txt = await h.call('exportTranscript', { id: row.id, format: 'txt' })
    expect(txt.content).toMatch(/ -> AUTH (PLAIN|LOGIN) .*\[redacted\]/)
    expect(txt.content).toMatch(/ <- 250 .*queued as MPQ/)
    expect(txt.content).toMatch(/OK — 250 .*round trips/)
    await expectNothingLeaked(h)
  })

  it('records a wrong password as AUTH_FAILED with its sentence', async () => {
    const h = await harness()
    const profile = await h.call('saveProfile', { profile: smtpProfile(), secret: { primary: 'wrong-password-xyz' } })
    const { jobId } = await h.call('runProfile', { profileId: profile.id, action: 'verify' })
    const result = await h.sink.result<SmtpResult>(jobId)
    expect(result.error?.code).toBe('AUTH_FAILED')
    const row = (await h.call('listHistory', { query: 'auth_failed' })).entries[0]!
    expect(row).toMatchObject({ ok: false, errorCode: 'AUTH_FAILED' })
    expect(row.summary).toMatch(/^AUTH_FAILED — /)
  })

  it('ends the job with INVALID_INPUT when the profile needs a password and none is saved', async () => {
    const h = await harness()
    const profile = await h.call('saveProfile', { profile: smtpProfile() })
    const sessions = peer.sessions
    const { jobId } = await h.call('runProfile', { profileId: profile.id, action: 'verify' })
    const result = await h.sink.result<SmtpResult>(jobId)
    expect(result).toMatchObject({ ok: false, kind: 'smtp', error: { code: 'INVALID_INPUT', message: 'No password saved for profile "Local peer": add it in the profile editor.' } })
    expect(result.transcript.map((l) => l.dir)).toEqual(['err'])
    expect(peer.sessions).toBe(sessions)
    expect((await h.call('listHistory', {})).entries[0]).toMatchObject({ ok: false, errorCode: 'INVALID_INPUT', action: 'verify', target: `127.0.0.1:${peer.port}` })
  })

  it('refuses at once an unknown profile or an action that does not fit it', async () => {
    const h = await harness()
    const profile = await h.call('saveProfile', { profile: smtpProfile() })
    expect(await h.client.dispatch('runProfile', { profileId: 'nope', action: 'verify' })).toEqual({
      ok: false,
      error: { code: 'NOT_FOUND', message: 'No profile with id nope: it may have been deleted.' },
    })
    const wrong = await h.client.dispatch('runProfile', { profileId: profile.id, action: 'api-send' })
    expect(wrong).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringMatching(/is an SMTP profile/) } })
  })

  it('records direct runs (no profile): SMTP, probe', async () => {
    const h = await harness()
    const smtp = await h.call('runSmtp', { host: '127.0.0.1', port: peer.port, security: 'starttls', tls: { caFile }, stopAfter: 'ehlo' })
    expect((await h.sink.result<SmtpResult>(smtp.jobId)).ok).toBe(true)
    const probe = await h.call('runProbe', { host: '127.0.0.1', ports: [peer.port], timeoutMs: 3000, tls: { caFile } })
    const probed = await h.sink.result<ProbeResult>(probe.jobId)
    expect(probed.kind).toBe('probe')
    const rows = (await h.call('listHistory', {})).entries
    expect(rows.map((r) => [r.kind, r.action, r.profileName, r.target])).toEqual([
      ['probe', 'probe', null, '127.0.0.1'],
      ['smtp', 'verify', null, `127.0.0.1:${peer.port}`],
    ])
    const probeTxt = await h.call('exportTranscript', { id: rows[0]!.id, format: 'txt' })
    expect(probeTxt.content).toContain(`Mailprobe — Port probe · 127.0.0.1`)
    expect(probeTxt.content).toMatch(new RegExp(`\\s${peer.port} (<-|->|==|~~) `))
    expect(probeTxt.content).toMatch(/Recommendation|No recommendation/)
  })
})

describe('runProfile with an API profile against the local provider server', () => {
  const apiProfile = (): SaveProfileInput['profile'] => ({
    kind: 'api',
    name: 'SendGrid local',
    provider: 'sendgrid',
    baseUrl: provider.origin,
    tls: { caFile },
    defaults: { from: 'sender@example.test', to: ['rcpt@example.test'] },
  })

  it('sends in sandbox mode and checks the key, recording both', async () => {
    const h = await harness()
    const profile = await h.call('saveProfile', { profile: apiProfile(), secret: { primary: PROVIDER_KEYS.sendgrid } })
    const sandbox = await h.call('runProfile', { profileId: profile.id, action: 'api-sandbox', message })
    const sent = await h.sink.result<ApiResult>(sandbox.jobId)
    expect(provider.problems).toEqual([])
    expect(sent).toMatchObject({ ok: true, kind: 'api', provider: 'sendgrid', action: 'send' })
    expect(provider.requests.at(-1)!.sandbox).toBe(true)
    const verify = await h.call('runProfile', { profileId: profile.id, action: 'api-verify' })
    expect((await h.sink.result<ApiResult>(verify.jobId)).ok).toBe(true)
    const rows = (await h.call('listHistory', {})).entries
    expect(rows.map((r) => [r.kind, r.action, r.profileName, r.target])).toEqual([
      ['api', 'api-verify', 'SendGrid local', `SendGrid (${new URL(provider.origin).host})`],
      ['api', 'api-sandbox', 'SendGrid local', `SendGrid (${new URL(provider.origin).host})`],
    ])
    expect(rows[1]!.summary).toMatch(/^SendGrid accepted the message \(200\)/)
    const txt = await h.call('exportTranscript', { id: rows[1]!.id, format: 'txt' })
    expect(txt.content).toContain('OK — SendGrid accepted the message (200)')
    await expectNothingLeaked(h)
  })

  it('ends the job with INVALID_INPUT when no API key is saved', async () => {
    const h = await harness()
    const profile = await h.call('saveProfile', { profile: apiProfile() })
    const { jobId } = await h.call('runProfile', { profileId: profile.id, action: 'api-send', message })
    expect(await h.sink.result<ApiResult>(jobId)).toMatchObject({
      ok: false,
      kind: 'api',
      error: { code: 'INVALID_INPUT', message: 'No API key saved for profile "SendGrid local": add it in the profile editor.' },
    })
  })
})

describe('runProfile through the proxy of the profile’s Network section', () => {
  const PROXY_USER = 'proxy-user'
  const PROXY_PASSWORD = 'Proxy-pw-canary-runs-5b9' // (tinyproxy's BasicAuth takes letters, digits and dashes)
  let proxy: TestProxy
  beforeAll(async () => {
    proxy = await startHttpProxy({ auth: { user: PROXY_USER, password: PROXY_PASSWORD } })
  })
  afterAll(() => proxy?.close())

  const viaProxy = (): SaveProfileInput['profile'] => ({
    kind: 'api',
    name: 'SendGrid via proxy',
    provider: 'sendgrid',
    baseUrl: provider.origin,
    tls: { caFile },
    defaults: { from: 'sender@example.test', to: ['rcpt@example.test'] },
    network: { family: 'ipv4', proxy: { url: `http://${PROXY_USER}@127.0.0.1:${proxy.port}` } },
  })

  it('gives the job the saved proxy password: the proxy lets the run through, and the password shows nowhere', async () => {
    const h = await harness()
    const before = proxy.connections()
    const profile = await h.call('saveProfile', { profile: viaProxy(), secret: { primary: PROVIDER_KEYS.sendgrid }, proxyPassword: PROXY_PASSWORD })
    expect(profile).toMatchObject({ hasSecret: true, hasProxySecret: true })
    const { jobId } = await h.call('runProfile', { profileId: profile.id, action: 'api-verify' })
    const result = await h.sink.result<ApiResult>(jobId)
    expect(result.ok, result.error?.message).toBe(true)
    await proxy.waitForConnections(before + 1)
    expect(provider.requests.at(-1)!.headers['proxy-authorization']).toBeUndefined()
    const secrets = [...SECRETS, { value: PROXY_PASSWORD, user: PROXY_USER }]
    await h.services.flush()
    expectNoLeaks(JSON.stringify(h.sink.events), secrets, 'job events')
    for (const f of await readTree(h.dataDir)) if (!f.path.endsWith('secrets.json')) expectNoLeaks(f.text, secrets, f.path)
  })

  it('without the proxy password, or with a wrong one, the proxy refuses the run', async () => {
    const h = await harness()
    const profile = await h.call('saveProfile', { profile: viaProxy(), secret: { primary: PROVIDER_KEYS.sendgrid } })
    expect(profile.hasProxySecret).toBe(false)
    const none = await h.sink.result<ApiResult>((await h.call('runProfile', { profileId: profile.id, action: 'api-verify' })).jobId)
    expect(none.error?.code).toBe('PROXY_AUTH_FAILED')
    await h.call('saveProfile', { id: profile.id, profile: viaProxy(), proxyPassword: 'not the proxy password' })
    const wrong = await h.sink.result<ApiResult>((await h.call('runProfile', { profileId: profile.id, action: 'api-verify' })).jobId)
    expect(wrong.error?.code).toBe('PROXY_AUTH_FAILED')
  })
})

describe('buildProfileJob', () => {
  const base = { id: 'p', createdAt: '', updatedAt: '', hasSecret: true, hasProxySecret: false, hasMailboxSecret: false, hasDkimKey: false, network: { family: 'auto' as const } }
  const smtp = {
    ...base,
    kind: 'smtp' as const,
    name: 'S',
    host: 'h.example',
    port: 587,
    security: 'starttls' as const,
    authMethod: 'auto' as const,
    username: 'u',
    tls: { insecure: false },
    defaults: { to: [], cc: [], bcc: [] },
  }

  it('maps actions to SMTP stages and leaves the message out of verify', () => {
    const verify = buildProfileJob(smtp, 'verify', { message: { ...message, cc: [], bcc: [], attachments: [], headers: [] }, secret: { primary: 'pw' } })
    expect(verify).toMatchObject({ kind: 'smtp', stopAfter: 'auth', input: { auth: { user: 'u', secret: 'pw', method: 'auto' } } })
    expect('input' in verify && verify.input.message).toBeFalsy()
    expect(buildProfileJob(smtp, 'envelope', { secret: { primary: 'pw' } })).toMatchObject({ problem: expect.stringMatching(/^No sender/) })
    expect(buildProfileJob({ ...smtp, defaults: { from: 'a@b.test', to: ['c@d.test'], cc: [], bcc: [] } }, 'send', { secret: { primary: 'pw' } })).toMatchObject({
      stopAfter: 'send',
      input: { message: { from: 'a@b.test', to: ['c@d.test'] } },
    })
  })

  it('connects without AUTH for "auto" with neither username nor secret, and asks for what is missing otherwise', () => {
    const noAuth = buildProfileJob({ ...smtp, username: undefined }, 'verify', { secret: null })
    expect(noAuth).toMatchObject({ kind: 'smtp', stopAfter: 'auth' })
    expect(noAuth).not.toHaveProperty('input.auth')
    expect(buildProfileJob({ ...smtp, authMethod: 'plain', username: undefined }, 'verify', { secret: { primary: 'x' } })).toMatchObject({ problem: expect.stringMatching(/has no username/) })
    expect(buildProfileJob({ ...smtp, authMethod: 'xoauth2' }, 'verify', { secret: null })).toMatchObject({ problem: 'No access token saved for profile "S": add it in the profile editor.' })
    expect(buildProfileJob({ ...smtp, authMethod: 'none' }, 'verify', { secret: { primary: 'x' } })).not.toHaveProperty('problem')
  })

  it('puts the Network section in the job, with the saved proxy password where the profile has a proxy', () => {
    const network = { family: 'ipv6' as const, localAddress: '::1', proxy: { url: 'socks5h://me@127.0.0.1:1080' } }
    const viaProxy = { ...smtp, authMethod: 'none' as const, network, hasProxySecret: true }
    expect(buildProfileJob(viaProxy, 'verify', { secret: null, proxyPassword: 'proxy-pw' })).toMatchObject({
      input: { network: { ...network, proxy: { url: network.proxy.url, password: 'proxy-pw' } } },
    })
    expect(buildProfileJob(viaProxy, 'verify', { secret: null, proxyPassword: null })).toMatchObject({ input: { network: { ...network, proxy: { url: network.proxy.url } } } })
    const noPassword = buildProfileJob(viaProxy, 'verify', { secret: null })
    expect('input' in noPassword && noPassword.input.network?.proxy).toEqual({ url: network.proxy.url })
    // Direct: no proxy, and a password saved earlier is not carried.
    const direct = buildProfileJob({ ...viaProxy, network: { family: 'auto' } }, 'verify', { secret: null, proxyPassword: 'proxy-pw' })
    expect('input' in direct && direct.input.network).toEqual({ family: 'auto' })
    const api = { ...base, kind: 'api' as const, name: 'A', provider: 'sendgrid' as const, sandbox: false, tls: { insecure: false }, defaults: { to: [], cc: [], bcc: [] }, network }
    expect(buildProfileJob(api, 'api-verify', { secret: { primary: 'SG.x' }, proxyPassword: 'proxy-pw' })).toMatchObject({ input: { network: { family: 'ipv6', proxy: { password: 'proxy-pw' } } } })
  })

  it('builds API credentials: key id + secret half for SES and Mailjet, sandbox per action', () => {
    const api = {
      ...base,
      kind: 'api' as const,
      name: 'A',
      provider: 'ses' as const,
      region: 'eu-west-1',
      keyId: 'AKIAX',
      sandbox: false,
      tls: { insecure: false },
      defaults: { from: 'a@b.test', to: ['c@d.test'], cc: [], bcc: [] },
    }
    expect(buildProfileJob(api, 'api-verify', { secret: { primary: 'secret-half', sessionToken: 'tok' } })).toMatchObject({
      input: { provider: 'ses', action: 'verify', sandbox: false, region: 'eu-west-1', credentials: { key: 'AKIAX', secret: 'secret-half', sessionToken: 'tok' } },
    })
    expect(buildProfileJob({ ...api, provider: 'sendgrid', region: undefined, keyId: undefined }, 'api-sandbox', { secret: { primary: 'SG.x' } })).toMatchObject({
      input: { action: 'send', sandbox: true, credentials: { key: 'SG.x' }, message: { from: 'a@b.test' } },
    })
    expect(buildProfileJob({ ...api, keyId: undefined }, 'api-send', { secret: { primary: 'only-one-half' } })).toMatchObject({
      problem: 'No secret access key saved for profile "A": add it in the profile editor.',
    })
    expect(buildProfileJob(api, 'verify', { secret: { primary: 'x' } })).toMatchObject({ problem: expect.stringMatching(/is an API profile/) })
  })
})
