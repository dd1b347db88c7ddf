import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { operations, type Envelope, type OperationName, type OperationOutputs, type SmtpResult } from '../../../preload/contract'
import { createClient, createHandlers, dispatch, operationNames, type Client } from '../../../main/ipc/handlers'
import type { AppServices, FilesAdapter } from '../../../main/core/services'
import { JobManager } from '../../../main/core/jobs/job-manager'
import { SANDBOX_API_KEY, SANDBOX_PASSWORD, SANDBOX_USER } from '../../../main/core/sandbox'
import { removeCaFile, writeCaFile } from '../../fixtures/certs'
import { startDnsServer, type DnsServer } from '../../fixtures/dns-server'
import { neverGreets, type RawPeer } from '../../fixtures/raw-peers'
import { expectNoLeaks } from '../../fixtures/secret-scan'
import { startSmtpPeer, type SmtpPeer } from '../../fixtures/smtp-peers'
import { removeTempDirs, tempDir, testServices, WaitingSink } from './helpers'

const USER = 'ipc-user@example.test'
const PASSWORD = 'Pw-canary-ipc-0d9f!q'
const API_KEY = 'key-canary-ipc-5e4d3c2b1a'
const SES_SECRET = 'ses/canary+secret=ipc77'
const TOKEN = 'session-token-canary-ipc'
const SECRETS = [{ value: PASSWORD, user: USER }, { value: API_KEY }, { value: SES_SECRET }, { value: TOKEN }]

let caFile = ''
let peer: SmtpPeer
/** The DNS a domain check asks (a zone on loopback: no test asks a real resolver). */
let dns: DnsServer
const raws: RawPeer[] = []

beforeAll(async () => {
  caFile = await writeCaFile()
  peer = await startSmtpPeer({ mode: 'starttls', users: { [USER]: PASSWORD } })
  dns = await startDnsServer({ 'example.test': { TXT: ['v=spf1 -all'] }, '_dmarc.example.test': { TXT: ['v=DMARC1; p=reject'] } })
})
afterAll(async () => {
  await Promise.all([peer.close(), dns.close(), ...raws.map((r) => r.close())])
  removeCaFile(caFile)
})
afterEach(removeTempDirs)

/** Minimal valid payloads, one per operation (ids filled in by the caller where they matter). */
function validPayloads(ids: { profile: string; run: string; importPath: string; profile2?: string; oauth?: string }): { [K in OperationName]: unknown } {
  return {
    runSmtp: { host: '127.0.0.1', port: peer.port, security: 'starttls', tls: { caFile }, stopAfter: 'auth', auth: { user: USER, secret: PASSWORD } },
    runApi: { provider: 'sendgrid', action: 'verify', credentials: { key: API_KEY }, baseUrl: 'https://127.0.0.1:9' },
    runProbe: { host: '127.0.0.1', ports: [peer.port], timeoutMs: 2000, tls: { caFile } },
    runProfile: { profileId: ids.profile, action: 'verify' },
    runDomain: { domain: 'example.test', provider: 'sendgrid', dnsServers: [dns.server], probeMx: false, timeoutMs: 2000 },
    // The picked file is the profiles export: not a check file, so the job ends with its problems.
    runChecks: { path: ids.importPath },
    cancelJob: { jobId: 'no-such-job' },
    oauthSignIn: { profileId: ids.oauth ?? ids.profile },
    oauthSignOut: { profileId: ids.oauth ?? ids.profile },
    listProfiles: {},
    saveProfile: { profile: { kind: 'smtp', name: 'Saved', host: '127.0.0.1', port: peer.port, security: 'starttls', username: USER }, secret: { primary: PASSWORD } },
    deleteProfile: { id: 'no-such-profile' },
    duplicateProfile: { id: ids.profile },
    listPresets: {},
    exportProfiles: {},
    exportChecks: {},
    importProfiles: { path: ids.importPath },
    listHistory: { query: 'verify' },
    getHistoryEntry: { id: ids.run },
    deleteHistory: { ids: ['no-such-run'] },
    exportTranscript: { id: ids.run, format: 'txt' },
    pickFiles: { purpose: 'import' },
    saveFile: { suggestedName: 'x.txt', content: 'hello' },
    openExternal: { url: 'https://example.com/docs' },
    getSandboxStatus: {},
    setSandboxLatency: { rttMs: 0, thinkMs: 0 },
    setSandboxEnabled: { enabled: true },
    restoreSandboxProfiles: {},
    listInbox: { limit: 10 },
    getInboxMessage: { id: 'no-such-message' },
    clearInbox: {},
    runCompare: { profileIds: [ids.profile, ids.profile2 ?? ids.profile], runs: 1, action: 'verify' },
  }
}

/** Files adapter that "picks" the given files and records saves. */
function fakeFiles(picks: string[]): FilesAdapter & { saved: { suggestedName: string; content: string }[] } {
  const saved: { suggestedName: string; content: string }[] = []
  return {
    saved,
    pickFiles: async () => ({ paths: picks }),
    saveFile: async (input) => {
      saved.push(input)
      return { saved: true, path: `/downloads/${input.suggestedName}` }
    },
  }
}

async function setup(files: FilesAdapter = fakeFiles([]), opts: { sandbox?: boolean } = {}): Promise<{ services: AppServices; sink: WaitingSink; client: Client; opened: string[] }> {
  const opened: string[] = []
  const { services } = await testServices({ files, openExternal: async (url) => (opened.push(url), true), ...(opts.sandbox ? { sandbox: {} } : {}) })
  const sink = new WaitingSink()
  return { services, sink, client: createClient(sink, services), opened }
}

function ok<T>(env: Envelope<T>): T {
  if (!env.ok) throw new Error(`refused: ${env.error.code} ${env.error.message}`)
  return env.value
}

describe('dispatch: validation', () => {
  it('refuses an unknown field on every operation with INVALID_INPUT naming it', async () => {
    const { client, services } = await setup()
    const p = await services.profiles.save({ profile: { kind: 'smtp', name: 'P', host: 'h.example', port: 25, security: 'none' } })
    const payloads = validPayloads({ profile: p.id, run: 'r', importPath: '/x' })
    for (const name of operationNames) {
      const env = await client.dispatch(name, { ...(payloads[name] as object), sneaky: true })
      expect(env, name).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
      if (!env.ok) {
        expect(env.error.message, name).toMatch(new RegExp(`^The ${name} request was refused — `))
        expect(env.error.message, name).toMatch(/sneaky/)
      }
    }
    expect(services.profiles.list()).toHaveLength(1)
    expect(services.history.size).toBe(0)
  })

  it.each<[OperationName, unknown, RegExp]>([
    ['runSmtp', { host: '127.0.0.1', port: 70000 }, /port: port must be 1–65535/],
    ['runSmtp', { host: 'a\r\nRCPT TO:<x@y>', port: 25 }, /host: /],
    ['runSmtp', 'not an object', /expected object/i],
    ['runApi', { provider: 'mailgun', credentials: { key: 'k' }, action: 'verify' }, /domain: Mailgun needs the sending domain/],
    ['runProbe', { host: '127.0.0.1', ports: [25, 25] }, /each port may be listed only once/],
    ['runProfile', { profileId: 'x', action: 'explode' }, /action: /],
    ['runDomain', { domain: 'not a domain' }, /domain: /],
    ['runDomain', { domain: '192.0.2.1' }, /domain: give a domain name such as example\.com/],
    ['runDomain', { domain: 'example.com', provider: 'sendgrid', relay: 'smtp.example.com' }, /relay: name a provider or a relay, not both/],
    ['runDomain', { domain: 'example.com', provider: 'gmail' }, /provider: /],
    ['runDomain', { domain: 'example.com', sendingIps: ['999.1.1.1'] }, /sendingIps\[0\]: a sending IP is an IPv4 or IPv6 address/],
    ['runDomain', { domain: 'example.com', dkimSelectors: ['s1; rm -rf'] }, /dkimSelectors\[0\]: a DKIM selector is letters, digits, _ - and dots/],
    ['runDomain', { domain: 'example.com', dnsServers: ['resolver.example'] }, /dnsServers\[0\]: a DNS server is an IP address/],
    ['cancelJob', {}, /jobId: /],
    ['saveProfile', { profile: { kind: 'smtp', name: 'a\nb', host: 'h', port: 25, security: 'none' } }, /profile\.name: name contains a line break/],
    ['saveProfile', { profile: { kind: 'smtp', name: 'ok', host: 'h', port: 25, security: 'none' }, secret: { primary: '' } }, /secret\.primary/],
    ['listProfiles', null, /expected object/i],
    ['deleteHistory', { ids: [] }, /ids: /],
    ['listHistory', { limit: 0 }, /limit: /],
    ['exportTranscript', { id: 'x', format: 'pdf' }, /format: /],
    ['importProfiles', {}, /either the file content or the path/],
    ['importProfiles', { content: '{}', path: '/x' }, /either the file content or the path/],
    ['pickFiles', { purpose: 'anything' }, /purpose: /],
    ['saveFile', { suggestedName: '../../etc/passwd', content: 'x' }, /suggestedName: a file name, not a path/],
    ['openExternal', { url: 'http://example.com' }, /only https links open/],
    ['openExternal', { url: 'javascript:alert(1)' }, /url: /],
  ])('%s refuses %j with INVALID_INPUT', async (name, payload, message) => {
    const { client } = await setup()
    const env = await client.dispatch(name, payload)
    expect(env).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    if (!env.ok) expect(env.error.message).toMatch(message)
  })

  it('refuses an operation that does not exist', async () => {
    const { client } = await setup()
    expect(await client.dispatch('rmRf' as OperationName, {})).toEqual({ ok: false, error: { code: 'UNKNOWN_OPERATION', message: 'Mailprobe has no operation named "rmRf".' } })
  })

  it('answers an unexpected failure as INTERNAL, and a refusal with its own code', async () => {
    const files: FilesAdapter = { pickFiles: async () => Promise.reject(new Error('dialog exploded')), saveFile: async () => ({ saved: false, path: null }) }
    const { client } = await setup(files)
    expect(await client.dispatch('pickFiles', { purpose: 'ca' })).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'Mailprobe failed unexpectedly: dialog exploded' } })
    expect(await client.dispatch('duplicateProfile', { id: 'ghost' })).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'No profile with id ghost: it may have been deleted.' } })
    expect(await client.dispatch('exportTranscript', { id: 'ghost', format: 'json' })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND', message: expect.stringMatching(/No run with id ghost/) },
    })
  })

  it('covers every operation of the contract', () => {
    expect(Object.keys(validPayloads({ profile: '', run: '', importPath: '' })).sort()).toEqual(Object.keys(operations).sort())
    const handlers = createHandlers(new JobManager({ emit() {} }), {} as AppServices)
    expect(Object.keys(handlers).sort()).toEqual(operationNames.slice().sort())
  })
})

describe('operations: secrets go in, never out', () => {
  it('no operation output (nor any job event) carries a secret', async () => {
    const dir = await tempDir()
    const importPath = join(dir, 'import.json')
    const files = fakeFiles([importPath])
    // With the sandbox running: its demo password and key are secrets like any other here.
    const { client, sink, services, opened } = await setup(files, { sandbox: true })
    const outputs: { name: string; env: Envelope<unknown> }[] = []
    const call = async <K extends OperationName>(name: K, payload: unknown): Promise<OperationOutputs[K]> => {
      const env = await client.dispatch(name, payload)
      outputs.push({ name, env })
      return ok(env)
    }

    // Profiles with every kind of secret.
    const smtp = await call('saveProfile', {
      profile: { kind: 'smtp', name: 'Peer', host: '127.0.0.1', port: peer.port, security: 'starttls', username: USER, tls: { caFile }, defaults: { from: 'a@example.test', to: ['b@example.test'] } },
      secret: { primary: PASSWORD },
    })
    const ses = await call('saveProfile', {
      profile: { kind: 'api', name: 'SES', provider: 'ses', region: 'eu-west-1', keyId: 'AKIAIPCTEST' },
      secret: { primary: API_KEY, secondary: SES_SECRET, sessionToken: TOKEN },
    })
    expect([smtp.hasSecret, ses.hasSecret]).toEqual([true, true])
    await writeFile(importPath, (await call('exportProfiles', {})).content)

    // Runs that use the secrets (recorded in History).
    const verify = await call('runProfile', { profileId: smtp.id, action: 'verify' })
    expect((await sink.result<SmtpResult>(verify.jobId)).ok).toBe(true)
    const send = await call('runProfile', { profileId: smtp.id, action: 'send', message: { subject: 's', text: 't' } })
    expect((await sink.result<SmtpResult>(send.jobId)).ok).toBe(true)
    const direct = await call('runSmtp', validPayloads({ profile: '', run: '', importPath }).runSmtp)
    expect((await sink.result<SmtpResult>(direct.jobId)).ok).toBe(true)
    const api = await call('runApi', validPayloads({ profile: '', run: '', importPath }).runApi)
    await sink.result(api.jobId)
    const run = (await call('listHistory', {})).entries[0]!.id

    // Every operation once more, with valid payloads.
    const other = await call('saveProfile', {
      profile: {
        kind: 'smtp',
        name: 'Peer again',
        host: '127.0.0.1',
        port: peer.port,
        security: 'starttls',
        username: USER,
        tls: { caFile },
        defaults: { from: 'a@example.test', to: ['b@example.test'] },
      },
      secret: { primary: PASSWORD },
    })
    // The sandbox's OAuth2 profile can sign in (the browser flow: nobody follows it here, so it is cancelled).
    const payloads = validPayloads({ profile: smtp.id, run, importPath, profile2: other.id, oauth: services.sandbox.status().profiles.oauth! })
    for (const name of operationNames) {
      if (name === 'importProfiles') await call('pickFiles', { purpose: 'import' })
      if (name === 'runChecks') await call('pickFiles', { purpose: 'checks' })
      const out = await call(name, payloads[name])
      if (name === 'oauthSignIn') expect(await call('cancelJob', { jobId: (out as OperationOutputs['oauthSignIn']).jobId })).toEqual({ cancelled: true })
    }
    await call('exportTranscript', { id: run, format: 'json' })
    await call('getHistoryEntry', { id: run })
    for (const job of sink.events.filter((e) => e.type === 'result')) expect(job.jobId).toBeTruthy()
    await Promise.all(
      sink.events
        .filter((e) => e.type !== 'result')
        .map((e) => e.jobId)
        .filter((id, i, all) => all.indexOf(id) === i)
        .map((id) => sink.result(id)),
    )

    expect(new Set(outputs.map((o) => o.name))).toEqual(new Set(operationNames))
    // The sandbox's demo password and key are kept like secrets too: never in an output.
    const all = [...SECRETS, { value: SANDBOX_PASSWORD, user: SANDBOX_USER }, { value: SANDBOX_API_KEY }]
    expect(services.sandbox.running).toBe(true)
    for (const o of outputs) expectNoLeaks(JSON.stringify(o.env), all, `${o.name} output`)
    expectNoLeaks(JSON.stringify(sink.events), all, 'job events')
    expectNoLeaks(JSON.stringify(files.saved), all, 'saved files')
    expect(opened).toEqual(['https://example.com/docs'])
    await services.flush()
  })
})

describe('operations: files, links, cancel', () => {
  it('imports from a path only when it was picked in the Import dialog', async () => {
    const dir = await tempDir()
    const picked = join(dir, 'picked.json')
    const other = join(dir, 'other.json')
    const doc = JSON.stringify({ format: 'mailprobe-profiles', version: 1, exportedAt: 'x', profiles: [{ kind: 'smtp', name: 'From file', host: 'h.example', port: 25, security: 'none' }] })
    await writeFile(picked, doc)
    await writeFile(other, doc)
    const { client } = await setup(fakeFiles([picked]))
    expect(await client.dispatch('importProfiles', { path: picked })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringMatching(/Import dialog/) } })
    expect(ok(await client.dispatch('pickFiles', { purpose: 'import' }))).toEqual({ paths: [picked] })
    expect(await client.dispatch('importProfiles', { path: other })).toMatchObject({ ok: false })
    const imported = ok(await client.dispatch('importProfiles', { path: picked }))
    expect(imported.imported.map((p) => p.name)).toEqual(['From file'])
    // A path picked for attachments is not an import path.
    const { client: second } = await setup(fakeFiles([other]))
    ok(await second.dispatch('pickFiles', { purpose: 'attachment', multiple: true }))
    expect(await second.dispatch('importProfiles', { path: other })).toMatchObject({ ok: false })
    // Content works without any dialog (the browser host's file input).
    expect(ok(await second.dispatch('importProfiles', { content: doc })).imported).toHaveLength(1)
  })

  it('lists presets and profiles with the keyring status and storage issues', async () => {
    const { client } = await setup()
    const presets = ok(await client.dispatch('listPresets', {}))
    expect(presets.length).toBeGreaterThan(20)
    const state = ok(await client.dispatch('listProfiles', undefined))
    expect(state).toEqual({ profiles: [], keyring: { protected: false, backend: 'memory', note: expect.stringMatching(/session only/) }, issues: [] })
  })

  it('cancels a running job: the run ends CANCELLED and is recorded', async () => {
    const silent = await neverGreets()
    raws.push(silent)
    const { client, sink, services } = await setup()
    const { jobId } = ok(await client.dispatch('runSmtp', { host: silent.host, port: silent.port, security: 'none', stopAfter: 'banner', timeouts: { greetingMs: 60_000 } }))
    expect(ok(await client.dispatch('cancelJob', { jobId }))).toEqual({ cancelled: true })
    const result = await sink.result<SmtpResult>(jobId)
    expect(result.error?.code).toBe('CANCELLED')
    // The job manager forgets the job once its promise settles, just after the result event.
    await new Promise((resolve) => setImmediate(resolve))
    expect(ok(await client.dispatch('cancelJob', { jobId }))).toEqual({ cancelled: false })
    expect(services.history.list().entries[0]).toMatchObject({ jobId, errorCode: 'CANCELLED' })
  })

  it('dispose() cancels the caller’s jobs', async () => {
    const silent = await neverGreets()
    raws.push(silent)
    const { client, sink } = await setup()
    const { jobId } = ok(await client.dispatch('runSmtp', { host: silent.host, port: silent.port, security: 'none', stopAfter: 'banner', timeouts: { greetingMs: 60_000 } }))
    client.dispose()
    expect((await sink.result<SmtpResult>(jobId)).error?.code).toBe('CANCELLED')
  })

  it('the bare dispatch() works on any handlers table', async () => {
    const handlers = createHandlers(new JobManager({ emit() {} }), (await setup()).services)
    expect(await dispatch(handlers, 'listHistory', {})).toEqual({ ok: true, value: { entries: [], total: 0 } })
  })
})
