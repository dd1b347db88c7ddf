/**
 * The sandbox as the app runs it (main/core/sandbox/app.ts through openAppServices): the settings
 * file, the ready-made profiles seeded on a fresh data folder and refreshed (never duplicated) on
 * each start, the sandbox / Inbox / lab operations of the handlers table, their push events, lab
 * runs recorded in History — all against the real sandbox on 127.0.0.1.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { createServer, connect, type Server } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { events, inboxIdOf, type CompareResult, type Envelope, type OperationName, type OperationOutputs, type SandboxEvent, type SmtpResult, type ApiResult } from '../../../preload/contract'
import {
  SANDBOX_API_KEY,
  SANDBOX_APP_PROFILE_NAMES,
  SANDBOX_OAUTH_ACCOUNT,
  SANDBOX_OAUTH_CLIENT_ID,
  SANDBOX_OAUTH_SCOPES,
  SANDBOX_PASSWORD,
  SANDBOX_PRESET,
  SANDBOX_USER,
} from '../../../main/core/sandbox'
import { SANDBOX_OAUTH_PROFILE_NAME } from '../../../main/core/sandbox/profiles'
import { sandboxRoleOf } from '../../../main/core/sandbox/app'
import type { AppServices } from '../../../main/core/services'
import { appSettingsSchema, SETTINGS_FILE, SETTINGS_FORMAT, SettingsStore } from '../../../main/core/settings'
import { createClient, type Client } from '../../../main/ipc/handlers'
import { expectNoLeaks } from '../../fixtures/secret-scan'
import { removeTempDirs, tempDir, testServices, WaitingSink } from '../ipc/helpers'

afterEach(removeTempDirs)

const NAMES = { ...SANDBOX_APP_PROFILE_NAMES, oauth: SANDBOX_OAUTH_PROFILE_NAME }
const DEMO = [{ value: SANDBOX_PASSWORD, user: SANDBOX_USER }, { value: SANDBOX_API_KEY }]

interface Harness {
  services: AppServices
  dataDir: string
  sink: WaitingSink
  client: Client
  pushed: { channel: string; payload: SandboxEvent }[]
  call<K extends OperationName>(name: K, payload: unknown): Promise<OperationOutputs[K]>
  raw<K extends OperationName>(name: K, payload: unknown): Promise<Envelope<OperationOutputs[K]>>
}

async function harness(opts: Parameters<typeof testServices>[0] = {}): Promise<Harness & { cipher: Awaited<ReturnType<typeof testServices>>['cipher'] }> {
  const { services, dataDir, cipher } = await testServices({ sandbox: {}, ...opts })
  const sink = new WaitingSink()
  const pushed: Harness['pushed'] = []
  const client = createClient(sink, services, (channel, payload) => pushed.push({ channel, payload: payload as SandboxEvent }))
  const raw = <K extends OperationName>(name: K, payload: unknown) => client.dispatch(name, payload)
  const call = async <K extends OperationName>(name: K, payload: unknown): Promise<OperationOutputs[K]> => {
    const env = await client.dispatch(name, payload)
    if (!env.ok) throw new Error(`${name} refused: ${env.error.code} ${env.error.message}`)
    return env.value
  }
  return { services, dataDir, cipher, sink, client, pushed, call, raw }
}

function sandboxProfiles(services: AppServices) {
  return services.profiles.list().filter((p) => p.preset === SANDBOX_PRESET)
}

/** Resolves true when something accepts a TCP connection on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1')
    s.once('connect', () => {
      s.destroy()
      resolve(true)
    })
    s.once('error', () => resolve(false))
  })
}

describe('settings.json', () => {
  it('starts from defaults, saves a versioned file atomically, and reads it back', async () => {
    const dir = await tempDir()
    const store = await SettingsStore.open({ dir })
    expect(store.get()).toEqual({ sandbox: { enabled: true, rttMs: 0, thinkMs: 0, ports: {} }, sandboxProfiles: { seeded: false, ids: {} } })
    await store.update((s) => {
      s.sandbox.rttMs = 40
      s.sandbox.enabled = false
    })
    const doc = JSON.parse(await readFile(join(dir, SETTINGS_FILE), 'utf8'))
    expect(doc).toMatchObject({ format: SETTINGS_FORMAT, version: 1, data: { sandbox: { enabled: false, rttMs: 40 } } })
    const again = await SettingsStore.open({ dir })
    expect(again.sandbox).toMatchObject({ enabled: false, rttMs: 40, thinkMs: 0 })
    expect(again.issues).toEqual([])
  })

  it('refuses an invalid value (RTT over 500 ms) without touching the file', async () => {
    const dir = await tempDir()
    const store = await SettingsStore.open({ dir })
    await expect(
      store.update((s) => {
        s.sandbox.rttMs = 900
      }),
    ).rejects.toThrow(/at most 500/)
    expect(store.sandbox.rttMs).toBe(0)
  })

  it('a damaged file is kept aside and reported; the app starts with defaults', async () => {
    const dir = await tempDir()
    await writeFile(join(dir, SETTINGS_FILE), '{ not json')
    const { services } = await testServices({ dataDir: dir })
    const issue = services.issues().find((i) => i.file.endsWith(SETTINGS_FILE))
    expect(issue?.message).toMatch(/settings file is not valid JSON.*kept as settings\.json\.corrupt-/)
    expect(services.settings.get()).toEqual(appSettingsSchema.parse({}))
  })
})

describe('the sandbox profiles', () => {
  it('a fresh data folder: the sandbox runs and its four profiles are there, with their secrets (the OAuth2 one signs in instead), trusting its CA', async () => {
    const { services, dataDir } = await harness()
    const status = services.sandbox.status()
    expect(status).toMatchObject({ available: true, enabled: true, running: true, problem: null })
    const info = services.sandbox.current!.info()
    expect(info.caFile).toBe(join(dataDir, 'sandbox-tls', 'ca.pem'))
    const profiles = sandboxProfiles(services)
    expect(profiles.map((p) => p.name).sort()).toEqual([NAMES.api, NAMES.starttls, NAMES.tls, NAMES.oauth].sort())
    for (const p of profiles) {
      expect(p.hasSecret, p.name).toBe(p.name !== NAMES.oauth)
      expect(p.tls).toEqual({ caFile: info.caFile, insecure: false })
    }
    const byName = new Map(profiles.map((p) => [p.name, p]))
    expect(byName.get(NAMES.starttls)).toMatchObject({ kind: 'smtp', host: '127.0.0.1', port: info.smtp.starttls, security: 'starttls', username: SANDBOX_USER })
    expect(byName.get(NAMES.tls)).toMatchObject({ kind: 'smtp', port: info.smtp.tls, security: 'tls' })
    expect(byName.get(NAMES.api)).toMatchObject({ kind: 'api', provider: 'mailgun', baseUrl: info.api.url })
    // The OAuth2 one: STARTTLS with XOAUTH2, a token from the sandbox's issuer for its one account; not signed in yet.
    expect(byName.get(NAMES.oauth)).toMatchObject({
      kind: 'smtp',
      port: info.smtp.starttls,
      security: 'starttls',
      authMethod: 'xoauth2',
      username: SANDBOX_OAUTH_ACCOUNT,
      oauth: { provider: 'generic', issuer: info.oauth.issuer, clientId: SANDBOX_OAUTH_CLIENT_ID, flow: 'browser', scopes: [...SANDBOX_OAUTH_SCOPES] },
      signIn: null,
    })
    expect(info.oauth.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    // The demo credentials are stored like any secret: in the secret store, not in profiles.json.
    expect((await services.secrets.get(byName.get(NAMES.starttls)!.id))?.primary).toBe(SANDBOX_PASSWORD)
    expect((await services.secrets.get(byName.get(NAMES.api)!.id))?.primary).toBe(SANDBOX_API_KEY)
    await services.flush()
    expectNoLeaks(await readFile(join(dataDir, 'profiles.json'), 'utf8'), DEMO, 'profiles.json')
    expect(status.profiles).toEqual({ starttls: byName.get(NAMES.starttls)!.id, tls: byName.get(NAMES.tls)!.id, api: byName.get(NAMES.api)!.id, oauth: byName.get(NAMES.oauth)!.id })
    expect(services.settings.get().sandboxProfiles).toEqual({ seeded: true, seededRoles: ['starttls', 'tls', 'api', 'oauth'], inboxMailbox: true, ids: status.profiles })
    // Nothing else trusts the sandbox CA: a profile of the user's keeps its own TLS settings.
    expect(sandboxProfiles(services).every((p) => sandboxRoleOf(p) !== null)).toBe(true)
  })

  it('each start refreshes them to the new ports (same ids, no duplicates); a deleted one stays deleted until restored', async () => {
    const first = await harness()
    const ids = first.services.sandbox.status().profiles
    const oldPort = first.services.sandbox.current!.smtp.starttls
    // The user keeps a copy of the STARTTLS profile (same preset): it follows the ports too.
    const copy = await first.services.profiles.duplicate(ids.starttls!)
    await first.services.profiles.delete(ids.tls!)
    await first.services.close()
    expect(await accepts(oldPort)).toBe(false)

    const second = await harness({ dataDir: first.dataDir, cipher: first.cipher })
    const info = second.services.sandbox.current!.info()
    const profiles = sandboxProfiles(second.services)
    expect(profiles.map((p) => p.name).sort()).toEqual([NAMES.api, NAMES.starttls, NAMES.oauth, copy.name].sort())
    expect(second.services.profiles.get(ids.starttls!)).toMatchObject({ port: info.smtp.starttls, tls: { caFile: info.caFile } })
    expect(second.services.profiles.get(ids.api!)).toMatchObject({ baseUrl: info.api.url })
    expect(second.services.profiles.get(copy.id)).toMatchObject({ port: info.smtp.starttls })
    // The OAuth2 profile follows the issuer's new address too.
    expect(second.services.profiles.get(ids.oauth!)).toMatchObject({ port: info.smtp.starttls, oauth: { issuer: info.oauth.issuer } })
    expect(second.services.sandbox.status().profiles).toEqual({ starttls: ids.starttls, tls: null, api: ids.api, oauth: ids.oauth })

    // Restore brings back the deleted one only.
    const restored = await second.call('restoreSandboxProfiles', {})
    expect(restored.profiles.tls).toBeTruthy()
    expect(restored.profiles.starttls).toBe(ids.starttls)
    expect(sandboxProfiles(second.services)).toHaveLength(5)
    expect(second.services.profiles.get(restored.profiles.tls!)).toMatchObject({ name: NAMES.tls, port: info.smtp.tls, hasSecret: true })
    const again = await second.call('restoreSandboxProfiles', {})
    expect(again.profiles).toEqual(restored.profiles)
    expect(sandboxProfiles(second.services)).toHaveLength(5)
  })

  it('a data folder from before "Sandbox — OAuth2" gets it once; deleted, it stays deleted until restored', async () => {
    const first = await harness()
    const ids = first.services.sandbox.status().profiles
    await first.services.profiles.delete(ids.oauth!)
    await first.services.close()
    // The settings file as the three-profile app wrote it: seeded, no seededRoles, no oauth id.
    const { oauth: _o, ...three } = ids
    await writeFile(join(first.dataDir, SETTINGS_FILE), JSON.stringify({ format: SETTINGS_FORMAT, version: 1, data: { sandboxProfiles: { seeded: true, ids: three } } }))
    const second = await harness({ dataDir: first.dataDir, cipher: first.cipher })
    const made = second.services.sandbox.status().profiles.oauth
    expect(made).toBeTruthy()
    expect(second.services.profiles.get(made!)).toMatchObject({ name: NAMES.oauth })
    expect(sandboxProfiles(second.services)).toHaveLength(4)
    await second.services.profiles.delete(made!)
    await second.services.close()
    const third = await harness({ dataDir: first.dataDir, cipher: first.cipher })
    expect(third.services.sandbox.status().profiles.oauth).toBeNull()
    expect(sandboxProfiles(third.services)).toHaveLength(3)
    expect((await third.call('restoreSandboxProfiles', {})).profiles.oauth).toBeTruthy()
  })

  it('with settings.json lost, the existing sandbox profiles are adopted by name rather than made twice', async () => {
    const first = await harness()
    const ids = first.services.sandbox.status().profiles
    await first.services.close()
    await writeFile(join(first.dataDir, SETTINGS_FILE), JSON.stringify({ format: SETTINGS_FORMAT, version: 1, data: {} }))
    const second = await harness({ dataDir: first.dataDir, cipher: first.cipher })
    expect(sandboxProfiles(second.services)).toHaveLength(4)
    expect(second.services.sandbox.status().profiles).toEqual(ids)
  })

  it('a user who edits a sandbox profile keeps the edits (name, username, secret); only host, port and CA follow the sandbox', async () => {
    const first = await harness()
    const id = first.services.sandbox.status().profiles.starttls!
    const p = first.services.profiles.get(id)!
    if (p.kind !== 'smtp') throw new Error('expected SMTP')
    const { id: _i, createdAt: _c, updatedAt: _u, hasSecret: _h, hasProxySecret: _ph, hasMailboxSecret: _m, hasDkimKey: _d, ...fields } = p
    await first.services.profiles.save({ id, profile: { ...fields, name: 'My sandbox', username: 'someone-else' }, secret: { primary: 'a-wrong-password' } })
    await first.services.close()
    const second = await harness({ dataDir: first.dataDir, cipher: first.cipher })
    expect(second.services.profiles.get(id)).toMatchObject({ name: 'My sandbox', username: 'someone-else', port: second.services.sandbox.current!.smtp.starttls })
    expect((await second.services.secrets.get(id))?.primary).toBe('a-wrong-password')
    expect(sandboxProfiles(second.services)).toHaveLength(4)
  })
})

describe('turning the sandbox off and on', () => {
  it('the setting is saved: off stays off at the next start, on starts it and refreshes the profiles; both pushed to the windows', async () => {
    const first = await harness()
    const port = first.services.sandbox.current!.smtp.tls
    const off = await first.call('setSandboxEnabled', { enabled: false })
    expect(off).toMatchObject({ enabled: false, running: false, problem: null, info: null })
    expect(await accepts(port)).toBe(false)
    expect(first.pushed.at(-1)).toEqual({ channel: events.sandboxEvents, payload: { type: 'status', status: off } })
    await first.services.close()

    const second = await harness({ dataDir: first.dataDir, cipher: first.cipher })
    expect(second.services.sandbox.status()).toMatchObject({ enabled: false, running: false })
    expect(sandboxProfiles(second.services)).toHaveLength(4)
    const on = await second.call('setSandboxEnabled', { enabled: true })
    expect(on).toMatchObject({ enabled: true, running: true })
    const info = second.services.sandbox.current!.info()
    expect(second.services.profiles.get(on.profiles.tls!)).toMatchObject({ port: info.smtp.tls })
    expect(second.pushed.map((p) => p.payload.type)).toContain('status')
  })

  it('a port in use is reported as the problem; the app still opens, and nothing is seeded', async () => {
    const blocker: Server = createServer()
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r))
    const busy = (blocker.address() as { port: number }).port
    try {
      const dir = await tempDir()
      await writeFile(join(dir, SETTINGS_FILE), JSON.stringify({ format: SETTINGS_FORMAT, version: 1, data: { sandbox: { ports: { starttls: busy } } } }))
      const { services } = await harness({ dataDir: dir })
      const status = services.sandbox.status()
      expect(status).toMatchObject({ enabled: true, running: false, info: null })
      expect(status.problem).toMatch(new RegExp(`127\\.0\\.0\\.1:${busy}.*in use`))
      expect(sandboxProfiles(services)).toHaveLength(0)
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()))
    }
  })

  it('latency: 0–500 ms RTT and the think time are applied, saved and pushed; out of range is refused', async () => {
    const h = await harness()
    const s = await h.call('setSandboxLatency', { rttMs: 20, thinkMs: 5 })
    expect(s).toMatchObject({ rttMs: 20, thinkMs: 5, info: { rttMs: 20, thinkMs: 5 } })
    expect(h.services.sandbox.current!.rttMs).toBe(20)
    expect(h.services.settings.sandbox).toMatchObject({ rttMs: 20, thinkMs: 5 })
    expect(await h.raw('setSandboxLatency', { rttMs: 501 })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringMatching(/at most 500 ms/) } })
    expect(await h.raw('setSandboxLatency', { thinkMs: -1 })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    expect(h.pushed.filter((p) => p.payload.type === 'status')).toHaveLength(1)
  })

  it('a host without the sandbox says so', async () => {
    const { services } = await testServices()
    const client = createClient(new WaitingSink(), services)
    expect(await client.dispatch('getSandboxStatus', {})).toMatchObject({ ok: true, value: { available: false, running: false, problem: 'This host runs without the sandbox.' } })
    expect(await client.dispatch('setSandboxEnabled', { enabled: true })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    expect(await client.dispatch('listInbox', {})).toEqual({ ok: true, value: { messages: [], received: 0 } })
  })
})

describe('status, Inbox and a send that links to its message', () => {
  it('the status shows ports and the demo user, never the password, the API key or the CA', async () => {
    const h = await harness()
    const status = await h.call('getSandboxStatus', {})
    const info = h.services.sandbox.current!.info()
    expect(status.info).toEqual({
      host: '127.0.0.1',
      smtp: info.smtp,
      api: { url: info.api.url },
      user: SANDBOX_USER,
      domain: info.domain,
      oauth: { issuer: info.oauth.issuer, clientId: SANDBOX_OAUTH_CLIENT_ID, account: SANDBOX_OAUTH_ACCOUNT, scopes: [...SANDBOX_OAUTH_SCOPES] },
      caFile: info.caFile,
      rttMs: 0,
      thinkMs: 0,
    })
    expectNoLeaks(JSON.stringify(status), DEMO, 'sandbox status')
    expect(JSON.stringify(status)).not.toContain('BEGIN CERTIFICATE')
  })

  it('an SMTP and an API send through the sandbox profiles: each result names its Inbox message; the windows hear of both', async () => {
    const h = await harness()
    const ids = h.services.sandbox.status().profiles
    const smtp = await h.call('runProfile', { profileId: ids.starttls, action: 'send', message: { subject: 'Via STARTTLS', text: 'one' } })
    const smtpResult = await h.sink.result<SmtpResult>(smtp.jobId)
    expect(smtpResult.ok).toBe(true)
    const api = await h.call('runProfile', { profileId: ids.api, action: 'api-send', message: { subject: 'Via the API', text: 'two' } })
    const apiResult = await h.sink.result<ApiResult>(api.jobId)
    expect(apiResult.ok).toBe(true)

    const smtpId = inboxIdOf(smtpResult)!
    const apiId = inboxIdOf(apiResult)!
    const viaSmtp = await h.call('getInboxMessage', { id: smtpId })
    expect(viaSmtp).toMatchObject({ id: smtpId, subject: 'Via STARTTLS', channel: 'starttls', secure: true, user: SANDBOX_USER, envelope: { rcptTo: ['inbox@sandbox.mailprobe.test'] } })
    expect(viaSmtp!.raw).toContain('one')
    expect(await h.call('getInboxMessage', { id: apiId })).toMatchObject({ subject: 'Via the API', via: 'api', channel: 'mailgun' })
    expect(await h.call('getInboxMessage', { id: 'no-such-id' })).toBeNull()

    const list = await h.call('listInbox', {})
    expect(list.messages.map((m) => m.subject)).toEqual(['Via the API', 'Via STARTTLS'])
    expect(list.received).toBe(2)
    expect(h.pushed.filter((p) => p.payload.type === 'inbox').map((p) => (p.payload as Extract<SandboxEvent, { type: 'inbox' }>).message.id)).toEqual([smtpId, apiId])
    expect((await h.call('getSandboxStatus', {})).inbox).toEqual({ kept: 2, received: 2 })

    expect(await h.call('clearInbox', {})).toEqual({ cleared: 2 })
    expect((await h.call('listInbox', {})).messages).toEqual([])
    expect(h.pushed.at(-1)!.payload).toEqual({ type: 'inbox-cleared' })
    // The sandbox's demo credentials never left main.
    expectNoLeaks(JSON.stringify(h.sink.events), DEMO, 'job events')
    expectNoLeaks(JSON.stringify(h.pushed), DEMO, 'pushed events')
  })

  it('a disposed client hears nothing more', async () => {
    const h = await harness()
    h.client.dispose()
    await h.services.sandbox.setLatency({ rttMs: 10 })
    expect(h.pushed).toEqual([])
  })

  it('Export all leaves the sandbox profiles out (their ports and CA belong to this machine); by id they can still be exported', async () => {
    const h = await harness()
    await h.services.profiles.save({ profile: { kind: 'smtp', name: 'Mine', host: 'smtp.example.test', port: 587, security: 'starttls' } })
    const all = JSON.parse((await h.call('exportProfiles', {})).content) as { profiles: { name: string }[] }
    expect(all.profiles.map((p) => p.name)).toEqual(['Mine'])
    const one = JSON.parse((await h.call('exportProfiles', { ids: [h.services.sandbox.status().profiles.api] })).content) as { profiles: { name: string; key?: string }[] }
    expect(one.profiles).toEqual([expect.objectContaining({ name: NAMES.api })])
    expect(one.profiles[0]!.key).toBeUndefined()
  })

  it('close() stops the sandbox: its ports refuse connections', async () => {
    const h = await harness()
    const ports = Object.values(h.services.sandbox.current!.smtp)
    expect(await accepts(ports[0]!)).toBe(true)
    await h.services.close()
    for (const port of ports) expect(await accepts(port)).toBe(false)
    expect(h.services.sandbox.status()).toMatchObject({ running: false })
  })
})

describe('the lab as a job: built like profile runs, streamed with progress, saved in History', () => {
  it('two sandbox profiles (SMTP STARTTLS vs the API), three cold runs each: a comparison with a winner, in History', async () => {
    const h = await harness()
    const ids = h.services.sandbox.status().profiles
    const { jobId } = await h.call('runCompare', { profileIds: [ids.starttls, ids.api], runs: 3, mode: 'cold', action: 'send', message: { subject: 'Lab', text: 'x' } })
    const result = await h.sink.result<CompareResult>(jobId)
    expect(result).toMatchObject({ kind: 'compare', ok: true, mode: 'cold', action: 'send', runs: 3, completed: 6 })
    expect(result.profiles.map((p) => [p.name, p.kind, p.runsOk])).toEqual([
      [NAMES.starttls, 'smtp', 3],
      [NAMES.api, 'api', 3],
    ])
    expect([NAMES.starttls, NAMES.api]).toContain(result.winner)
    // Progress rode on the transcript: 0/6 … 6/6.
    const progress = h.sink.events.filter((e) => e.jobId === jobId && e.type === 'transcript' && e.progress).map((e) => (e.type === 'transcript' ? e.progress!.done : -1))
    expect(progress[0]).toBe(0)
    expect(progress.at(-1)).toBe(6)
    // Each send reached the Inbox, under the id the sample names.
    for (const s of result.samples) expect(await h.call('getInboxMessage', { id: s.messageRef! })).toMatchObject({ subject: 'Lab' })

    const listed = await h.call('listHistory', {})
    const entry = listed.entries.find((e) => e.jobId === jobId)!
    expect(entry).toMatchObject({ kind: 'compare', action: 'compare', profileId: null, target: `${NAMES.starttls} vs ${NAMES.api}`, ok: true, errorCode: null })
    expect(entry.summary).toMatch(new RegExp(`^fastest: .+ — median .+ · 3 runs each, cold, send$`))
    const stored = await h.call('getHistoryEntry', { id: entry.id })
    expect(stored!.result).toMatchObject({ kind: 'compare', winner: result.winner })
    const txt = await h.call('exportTranscript', { id: entry.id, format: 'txt' })
    expect(txt.suggestedName).toMatch(/^mailprobe-compare-/)
    expect(txt.content).toContain('Latency lab comparison')
    expect(txt.content).toMatch(/Fastest: /)
    // Survives a restart of the app.
    await h.services.close()
    const again = await harness({ dataDir: h.dataDir, cipher: h.cipher, sandbox: false })
    expect((await again.call('getHistoryEntry', { id: entry.id }))!.result).toMatchObject({ kind: 'compare', completed: 6 })
    expectNoLeaks(JSON.stringify(h.sink.events), DEMO, 'lab events')
  })

  it('verify with the API sandbox mode off/on maps each profile to its own action; warm works too', async () => {
    const h = await harness()
    const ids = h.services.sandbox.status().profiles
    const { jobId } = await h.call('runCompare', { profileIds: [ids.tls, ids.api], runs: 2, mode: 'warm', action: 'verify' })
    const r = await h.sink.result<CompareResult>(jobId)
    expect(r).toMatchObject({ ok: true, mode: 'warm', action: 'verify', completed: 4 })
    expect((await h.call('listInbox', {})).messages).toEqual([])
    const sent = await h.call('runCompare', { profileIds: [ids.starttls, ids.api], runs: 1, action: 'send', apiSandbox: true })
    const sentResult = await h.sink.result<CompareResult>(sent.jobId)
    expect(sentResult.ok, JSON.stringify([sentResult.error, sentResult.profiles.map((p) => p.errors), sentResult.transcript.slice(-6)])).toBe(true)
    const api = (await h.call('listInbox', {})).messages.find((m) => m.via === 'api')!
    expect(api.testMode).toBe(true)
  })

  it('the Lab measured to the inbox: the sandbox profiles watch the sandbox’s inbox, each run seen there', async () => {
    const h = await harness()
    const ids = h.services.sandbox.status().profiles
    const { jobId } = await h.call('runCompare', { profileIds: [ids.starttls, ids.api], runs: 2, mode: 'cold', action: 'send', toInbox: true })
    const r = await h.sink.result<CompareResult>(jobId)
    expect(r.ok, JSON.stringify([r.error, r.profiles.map((p) => p.errors)])).toBe(true)
    expect(r.toInbox).toBe(true)
    for (const p of r.profiles) {
      expect(p.delivery).toMatchObject({ watched: 2, seen: 2, junk: 0 })
      expect(p.delivery!.sendToInboxMs.median!).toBeGreaterThanOrEqual(p.delivery!.acceptedToInboxMs.median!)
    }
    // Each run's message carried its own token.
    const tokens = new Set<string>()
    for (const m of (await h.call('listInbox', {})).messages) {
      const full = await h.call('getInboxMessage', { id: m.id })
      const token = full?.headers.find((x) => x.name.toLowerCase() === 'x-mailprobe-token')?.value
      if (token) tokens.add(token)
    }
    expect(tokens.size).toBe(4)
  })

  it('refuses an unknown or twice-chosen profile at once; a profile without its secret ends the job with a sentence', async () => {
    const h = await harness()
    const ids = h.services.sandbox.status().profiles
    expect(await h.raw('runCompare', { profileIds: [ids.starttls, 'ghost'] })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND', message: expect.stringMatching(/No profile with id ghost/) },
    })
    expect(await h.raw('runCompare', { profileIds: [ids.starttls, ids.starttls] })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringMatching(/chosen twice/) } })
    expect(await h.raw('runCompare', { profileIds: [ids.starttls] })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    await h.services.secrets.delete(ids.api!)
    const { jobId } = await h.call('runCompare', { profileIds: [ids.starttls, ids.api], runs: 1 })
    const r = await h.sink.result<CompareResult>(jobId)
    expect(r).toMatchObject({ ok: false, kind: 'compare', completed: 0, error: { code: 'INVALID_INPUT', message: expect.stringMatching(/No API key saved for profile "Sandbox — API/) } })
    expect(h.services.history.list().entries[0]).toMatchObject({ jobId, kind: 'compare', errorCode: 'INVALID_INPUT' })
  })

  it('two profiles of the same name are told apart in the comparison', async () => {
    const h = await harness()
    const ids = h.services.sandbox.status().profiles
    const copy = await h.services.profiles.duplicate(ids.starttls!)
    const p = h.services.profiles.get(copy.id)!
    if (p.kind !== 'smtp') throw new Error('expected SMTP')
    const { id: _i, createdAt: _c, updatedAt: _u, hasSecret: _h, hasProxySecret: _ph, hasMailboxSecret: _m, hasDkimKey: _d, ...fields } = p
    await h.services.profiles.save({ id: copy.id, profile: { ...fields, name: NAMES.starttls } })
    const { jobId } = await h.call('runCompare', { profileIds: [ids.starttls, copy.id], runs: 1, action: 'verify' })
    const r = await h.sink.result<CompareResult>(jobId)
    expect(r.profiles.map((x) => x.name)).toEqual([NAMES.starttls, `${NAMES.starttls} (2)`])
    expect(r.ok).toBe(true)
  })
})
