// The built `mailprobe api` and `mailprobe probe` as child processes against local peers, in both
// output modes: exit statuses, error codes, and no key or secret in anything printed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiResult, ProbeResult } from '../../../preload/contract'
import { removeCaFile, writeCaFile } from '../../fixtures/certs'
import { runCli } from '../../fixtures/cli'
import { MAILGUN_DOMAIN, PROVIDER_KEYS, startProviderServer, type ProviderServer } from '../../fixtures/provider-server'
import { expectNoLeaks } from '../../fixtures/secret-scan'
import { startSmtpPeer, type SmtpPeer } from '../../fixtures/smtp-peers'

let caFile = ''
let server: ProviderServer
let peer: SmtpPeer
beforeAll(async () => {
  caFile = await writeCaFile()
  server = await startProviderServer()
  peer = await startSmtpPeer({ mode: 'starttls', hideAuthBeforeTls: true, users: { u: 'p-secret-probe' } })
}, 120_000)
afterAll(async () => {
  await server.close()
  await peer.close()
  removeCaFile(caFile)
})

const env = { MG_KEY: PROVIDER_KEYS.mailgun, MJ_KEY: PROVIDER_KEYS.mailjet.key, MJ_SECRET: PROVIDER_KEYS.mailjet.secret }
const SECRETS = [{ value: PROVIDER_KEYS.mailgun }, { value: PROVIDER_KEYS.mailjet.key, user: PROVIDER_KEYS.mailjet.key }, { value: PROVIDER_KEYS.mailjet.secret }]

describe('mailprobe api (built)', () => {
  it('sends through Mailgun in sandbox mode: exit 0 in both modes, message id, no key printed', async () => {
    const args = [
      'api',
      '--provider',
      'mailgun',
      '--key-env',
      'MG_KEY',
      '--domain',
      MAILGUN_DOMAIN,
      '--base-url',
      server.localhostOrigin,
      '--ca',
      caFile,
      '--sandbox',
      '--from',
      'a@example.test',
      '--to',
      'b@example.test',
      '--subject',
      'cli api',
    ]
    const [json, human] = await Promise.all([runCli([...args, '--json'], { env }), runCli(args, { env })])
    for (const r of [json, human]) expectNoLeaks(r.stdout + r.stderr, SECRETS, 'mailprobe api output')
    expect(json.status).toBe(0)
    expect(human.status).toBe(0)
    const result = JSON.parse(json.stdout) as ApiResult
    expect(result).toMatchObject({ ok: true, kind: 'api', provider: 'mailgun', result: { status: 200 } })
    expect(result.result.messageId).toBeTruthy()
    expect(result.roundTrips).toBe(3)
    expect(result.phases.map((p) => p.name)).toEqual(expect.arrayContaining(['connect', 'tls', 'send', 'wait', 'download']))
    expect(human.stdout).toMatch(/Authorization: (Basic )?\[redacted\]/i)
    expect(human.stdout).toMatch(/o:testmode/)
  })

  it('a bad Mailjet secret: exit 1, HTTP_AUTH_FAILED, neither half of the key printed', async () => {
    const args = [
      'api',
      '--provider',
      'mailjet',
      '--key-env',
      'MJ_KEY',
      '--secret-env',
      'MJ_SECRET',
      '--base-url',
      server.localhostOrigin,
      '--ca',
      caFile,
      '--from',
      'a@example.test',
      '--to',
      'b@example.test',
      '--json',
    ]
    const r = await runCli(args, { env: { ...env, MJ_SECRET: 'wrong-' + PROVIDER_KEYS.mailjet.secret } })
    expectNoLeaks(r.stdout + r.stderr, [...SECRETS, { value: 'wrong-' + PROVIDER_KEYS.mailjet.secret }], 'mailprobe api output')
    expect(r.status).toBe(1)
    expect((JSON.parse(r.stdout) as ApiResult).error!.code).toBe('HTTP_AUTH_FAILED')
  })
})

describe('mailprobe probe (built)', () => {
  it('probes a STARTTLS port and a refused one: table, recommendation, exit 0', async () => {
    const args = ['probe', 'localhost', '--ports', `${peer.port},1`, '--ca', caFile, '--timeout', '2000']
    const [json, human] = await Promise.all([runCli([...args, '--json']), runCli(args)])
    expect(json.status).toBe(0)
    expect(human.status).toBe(0)
    const result = JSON.parse(json.stdout) as ProbeResult
    const open = result.ports.find((p) => p.port === peer.port)!
    expect(open).toMatchObject({ state: 'open', speaks: 'smtp', starttls: true })
    expect(open.auth).toEqual({ before: [], after: ['PLAIN', 'LOGIN'] })
    expect(result.ports.find((p) => p.port === 1)!.state).toBe('refused')
    expect(result.recommendation.port).toBe(peer.port)
    expect(human.stdout).toMatch(new RegExp(`${peer.port}\\s+open\\s+smtp`))
    expect(human.stdout).toMatch(/offered only after TLS/)
  })
})
