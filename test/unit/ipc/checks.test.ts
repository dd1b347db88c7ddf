// Checks as code in the app: "Export as checks" turns saved profiles into a check file the checks
// loader accepts (every secret an environment variable's name, never the secret), and runChecks runs
// a picked check file as a job against a local SMTP peer, streams a line per check, ends with the
// report and is recorded in History ("1 of 2 checks pass"); a bad file ends with its problems' lines.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ChecksResultSchema, type ChecksResult, type Envelope, type OperationOutputs, type TranscriptEvent } from '../../../preload/contract'
import { createClient } from '../../../main/ipc/handlers'
import type { FilesAdapter } from '../../../main/core/services'
import { parseCheckFile } from '../../../main/core/checks/load'
import { secretEnvName } from '../../../main/core/profiles/export-checks'
import { removeCaFile, writeCaFile } from '../../fixtures/certs'
import { expectNoLeaks } from '../../fixtures/secret-scan'
import { startSmtpPeer, type SmtpPeer } from '../../fixtures/smtp-peers'
import { removeTempDirs, tempDir, testServices, WaitingSink } from './helpers'

const USER = 'checks-user@example.test'
const PASSWORD = 'Pw-canary-checks-7c1e!z'
const MAILBOX_PASSWORD = 'Mbx-canary-checks-44aa'
const API_KEY = 'key-canary-checks-9b8a7f'
const ENV = 'MAILPROBE_TEST_CHECKS_PASSWORD'

let caFile = ''
let peer: SmtpPeer

beforeAll(async () => {
  caFile = await writeCaFile()
  peer = await startSmtpPeer({ mode: 'starttls', users: { [USER]: PASSWORD } })
})
afterAll(async () => {
  await peer.close()
  removeCaFile(caFile)
})
afterEach(async () => {
  delete process.env[ENV]
  await removeTempDirs()
})

function ok<T>(env: Envelope<T>): T {
  if (!env.ok) throw new Error(`refused: ${env.error.code} ${env.error.message}`)
  return env.value
}

/** Files adapter that "picks" the given file and keeps what is saved. */
function files(pick: string[]): FilesAdapter & { saved: { suggestedName: string; content: string }[] } {
  const saved: { suggestedName: string; content: string }[] = []
  return {
    saved,
    pickFiles: async () => ({ paths: pick }),
    saveFile: async (input) => (saved.push(input), { saved: true, path: `/downloads/${input.suggestedName}` }),
  }
}

describe('secretEnvName', () => {
  it('is the name in capitals with every other run of characters one _, never starting with a digit', () => {
    expect(secretEnvName('Mailgun EU', 'PASSWORD')).toBe('MAILGUN_EU_PASSWORD')
    expect(secretEnvName('  Office 365 / relay (new)  ', 'PASSWORD')).toBe('OFFICE_365_RELAY_NEW_PASSWORD')
    expect(secretEnvName('Zürich-Relay', 'KEY')).toBe('ZURICH_RELAY_KEY')
    expect(secretEnvName('365 relay', 'PASSWORD')).toBe('P_365_RELAY_PASSWORD')
    expect(secretEnvName('✉✉', 'KEY')).toBe('PROFILE_KEY')
  })
})

describe('exportChecks', () => {
  it('makes a check file the loader accepts: verify per SMTP profile, api per API profile, deliver for a mailbox; no secret in it', async () => {
    const f = files([])
    const { services } = await testServices({ files: f })
    const client = createClient(new WaitingSink(), services)
    const save = async (payload: unknown) => ok(await client.dispatch('saveProfile', payload))
    const smtp = await save({
      profile: {
        kind: 'smtp',
        name: 'Mailgun EU',
        host: 'smtp.eu.mailgun.example',
        port: 587,
        security: 'starttls',
        username: USER,
        defaults: { from: 'a@example.test', to: ['b@example.test'] },
        mailbox: { kind: 'imap', host: 'imap.example.test', port: 993, security: 'tls', user: 'b@example.test' },
      },
      secret: { primary: PASSWORD },
      mailboxPassword: MAILBOX_PASSWORD,
    })
    expect([smtp.hasSecret, smtp.hasMailboxSecret]).toEqual([true, true])
    await save({ profile: { kind: 'smtp', name: 'Plain relay', host: '127.0.0.1', port: 2525, security: 'none', authMethod: 'none' } })
    await save({ profile: { kind: 'api', name: 'SendGrid', provider: 'sendgrid' }, secret: { primary: API_KEY } })

    const out: OperationOutputs['exportChecks'] = ok(await client.dispatch('exportChecks', {}))
    expect(out.suggestedName).toBe('mailprobe.checks.yaml')
    expectNoLeaks(out.content, [{ value: PASSWORD, user: USER }, { value: MAILBOX_PASSWORD }, { value: API_KEY }], 'the check file')

    const loaded = parseCheckFile(out.content, { fileName: out.suggestedName })
    if (!loaded.ok) throw new Error(loaded.error.message)
    const byName = Object.fromEntries(loaded.file.checks.map((c) => [c.name, c]))
    expect(Object.keys(byName).sort()).toEqual(['Mailgun EU delivers', 'Mailgun EU verifies', 'Plain relay verifies', 'SendGrid key verifies'])
    expect(byName['Mailgun EU verifies']).toEqual({
      name: 'Mailgun EU verifies',
      verify: { host: 'smtp.eu.mailgun.example', port: 587, security: 'starttls', user: USER, passwordEnv: 'MAILGUN_EU_PASSWORD' },
      expect: { tlsMin: '1.2' },
    })
    // No login, no TLS: nothing to name and no TLS to expect.
    expect(byName['Plain relay verifies']).toEqual({ name: 'Plain relay verifies', verify: { host: '127.0.0.1', port: 2525, security: 'none' } })
    expect(byName['SendGrid key verifies']!.api).toEqual({ provider: 'sendgrid', verify: true, keyEnv: 'SENDGRID_KEY' })
    expect(byName['Mailgun EU delivers']).toMatchObject({
      deliver: { awaitInbox: 'imaps://b%40example.test@imap.example.test', inboxPasswordEnv: 'MAILGUN_EU_MAILBOX_PASSWORD', from: 'a@example.test', to: ['b@example.test'] },
      expect: { delivered: true, withinS: 120 },
    })
    // The header names the variables the pipeline must set.
    expect(out.content).toMatch(/^# Secrets are read from the environment: MAILGUN_EU_PASSWORD, MAILGUN_EU_MAILBOX_PASSWORD, SENDGRID_KEY$/m)

    // Only the chosen profiles, when ids are given.
    const one = ok(await client.dispatch('exportChecks', { ids: [smtp.id] }))
    const oneLoaded = parseCheckFile(one.content)
    expect(oneLoaded.ok && oneLoaded.file.checks.map((c) => c.name)).toEqual(['Mailgun EU verifies', 'Mailgun EU delivers'])
  })
})

describe('runChecks through the dispatch table', () => {
  it('runs a picked check file against a local peer: a line per check, the report as the result, recorded in History', async () => {
    const dir = await tempDir()
    const path = join(dir, 'mailprobe.checks.yaml')
    await writeFile(
      path,
      [
        'checks:',
        '  - name: peer verifies',
        `    verify: { host: 127.0.0.1, port: ${peer.port}, security: starttls, user: ${USER}, passwordEnv: ${ENV}, ca: ${JSON.stringify(caFile)} }`,
        '    expect: { tlsMin: "1.2", authMechanismsInclude: [PLAIN] }',
        '  - name: peer offers CRAM-MD5',
        `    verify: { host: 127.0.0.1, port: ${peer.port}, security: starttls, user: ${USER}, passwordEnv: ${ENV}, ca: ${JSON.stringify(caFile)} }`,
        '    expect: { authMechanismsInclude: [CRAM-MD5] }',
        '',
      ].join('\n'),
    )
    process.env[ENV] = PASSWORD
    const { services } = await testServices({ files: files([path]) })
    const sink = new WaitingSink()
    const client = createClient(sink, services)

    // Not picked yet: refused (main reads only a file the user chose).
    expect(await client.dispatch('runChecks', { path })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } })
    ok(await client.dispatch('pickFiles', { purpose: 'checks' }))
    const { jobId } = ok(await client.dispatch('runChecks', { path }))
    const result = await sink.result<ChecksResult>(jobId)

    expect(ChecksResultSchema.safeParse(result).success).toBe(true)
    expect(result).toMatchObject({ kind: 'checks', ok: false, error: null, file: 'mailprobe.checks.yaml', problems: [] })
    expect(result.report!.checks.map((c) => [c.name, c.status])).toEqual([
      ['peer verifies', 'pass'],
      ['peer offers CRAM-MD5', 'fail'],
    ])
    expect(result.report!.checks[1]!.failures[0]).toMatchObject({ assertion: 'authMechanismsInclude' })

    // One line per finished check, with its progress, before the result; never the password.
    const lines = sink.events.filter((e): e is TranscriptEvent => e.jobId === jobId && e.type === 'transcript')
    const done = lines.filter((l) => l.progress)
    expect(done.map((l) => l.progress!.done).sort()).toEqual([1, 2])
    expect(done.every((l) => l.progress!.total === 2)).toBe(true)
    expect(lines.some((l) => l.text.includes('environment of the app'))).toBe(true)
    expectNoLeaks(JSON.stringify(sink.events), [{ value: PASSWORD }], 'job events')

    await services.flush()
    const history = ok(await client.dispatch('listHistory', {}))
    const row = history.entries.find((e) => e.jobId === jobId)
    expect(row).toMatchObject({ kind: 'checks', action: 'checks', target: 'mailprobe.checks.yaml', ok: false })
    expect(row!.summary).toMatch(/^1 of 2 checks pass \(1 failed\) — peer offers CRAM-MD5: /)
    const entry = ok(await client.dispatch('getHistoryEntry', { id: row!.id }))
    expect(entry?.result.kind).toBe('checks')
    expect(ok(await client.dispatch('exportTranscript', { id: row!.id, format: 'txt' })).content).toMatch(/1 of 2 checks pass/)

    // --only: just the one named.
    const only = ok(await client.dispatch('runChecks', { path, only: ['peer verifies'] }))
    const onlyResult = await sink.result<ChecksResult>(only.jobId)
    expect(onlyResult).toMatchObject({ ok: true, error: null })
    expect(onlyResult.report!.checks.map((c) => c.name)).toEqual(['peer verifies'])
  })

  it('ends a bad file with its problems, each with its line, and runs nothing', async () => {
    const dir = await tempDir()
    const path = join(dir, 'broken.checks.yaml')
    await writeFile(path, ['checks:', '  - name: relay', '    verify:', '      host: 127.0.0.1', `      port: ${peer.port}`, '      pasword: x', ''].join('\n'))
    const { services } = await testServices({ files: files([path]) })
    const sink = new WaitingSink()
    const client = createClient(sink, services)
    ok(await client.dispatch('pickFiles', { purpose: 'checks' }))
    const { jobId } = ok(await client.dispatch('runChecks', { path }))
    const result = await sink.result<ChecksResult>(jobId)

    expect(ChecksResultSchema.safeParse(result).success).toBe(true)
    expect(result).toMatchObject({ kind: 'checks', ok: false, report: null, error: { code: 'INVALID_INPUT' } })
    expect(result.problems).toEqual([expect.objectContaining({ field: 'checks[0].verify.pasword', line: 6 })])
    expect(result.error!.message).toMatch(/line 6/)
    expect(result.transcript.some((l) => l.dir === 'err' && l.text.startsWith('line 6: checks[0].verify.pasword'))).toBe(true)
  })
})
