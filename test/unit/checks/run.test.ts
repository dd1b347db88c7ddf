import { createServer } from 'node:net'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkArgv, buildCheckJob } from '../../../main/cli/check-jobs'
import { parseCheckFile, runChecks, unknownCheckNames } from '../../../main/core/checks'
import { startSandbox, type SandboxHandle } from '../../../main/core/sandbox'
import type { CheckFile, CheckOutcome, CheckProgressEvent, CheckSpec } from '../../../preload/contract'
import { removeCaFile, writeCaFile } from '../../fixtures/certs'
import { startDnsServer, type DnsServer } from '../../fixtures/dns-server'
import { dkimPublicKey, healthyZone } from '../../fixtures/domain-zones'
import { PROVIDER_KEYS, startProviderServer, type ProviderServer } from '../../fixtures/provider-server'
import { startSmtpPeer, type SmtpPeer } from '../../fixtures/smtp-peers'

const PASSWORD = 'peer-Pa55word-check'
let relay: SmtpPeer
let slow: SmtpPeer
let api: ProviderServer
let dns: DnsServer
let sb: SandboxHandle
let ca: string
let dir: string
let closedPort: number
const ENV = { RELAY_PW: PASSWORD, PM_KEY: PROVIDER_KEYS.postmark, WRONG_KEY: 'not-the-key' }

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mailprobe-checks-run-'))
  ca = await writeCaFile()
  ;[relay, slow, api, dns, sb] = await Promise.all([
    startSmtpPeer({ mode: 'starttls', users: { me: PASSWORD }, auth: 'optional', rejectRecipients: ['nobody@example.net'] }),
    startSmtpPeer({ mode: 'starttls', greetingDelayMs: 60_000 }),
    startProviderServer(),
    startDnsServer({
      ...healthyZone('good.test', { dkimKey: dkimPublicKey(1024) }),
      'weak.test': { MX: [{ priority: 10, exchange: 'localhost' }], TXT: ['v=spf1 ip4:192.0.2.1 -all'] },
      '_dmarc.weak.test': { TXT: ['v=DMARC1; p=none'] },
    }),
    startSandbox({ dataDir: dir }),
  ])
  writeFileSync(join(dir, 'profiles.json'), JSON.stringify(sb.profiles()))
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  closedPort = (server.address() as { port: number }).port
  await new Promise((r) => server.close(r))
}, 60_000)

afterAll(async () => {
  await Promise.all([relay?.close(), slow?.close(), api?.close(), dns?.close(), sb?.close()])
  removeCaFile(ca)
  rmSync(dir, { recursive: true, force: true })
})

const verify = (extra: Record<string, unknown> = {}) => ({ host: relay.host, port: relay.port, security: 'starttls', user: 'me', passwordEnv: 'RELAY_PW', ca, ...extra })
const file = (...checks: CheckSpec[]): CheckFile => ({ checks })
async function one(check: CheckSpec, env: NodeJS.ProcessEnv = ENV): Promise<CheckOutcome> {
  const report = await runChecks(file(check), { buildJob: buildCheckJob, env, baseDir: dir })
  expect(report.checks).toHaveLength(1)
  return report.checks[0]!
}
const failedAssertions = (o: CheckOutcome) => o.failures.map((f) => f.assertion)

describe('runChecks: verify and send (SMTP peer)', () => {
  it('passes the issue’s verify assertions, and fails each when it cannot hold', async () => {
    const pass = await one({
      name: 'relay verifies',
      verify: verify() as CheckSpec['verify'],
      expect: { maxMs: 60_000, tlsMin: '1.2', certDaysLeftMin: 1, authMechanismsInclude: ['PLAIN'], roundTripsMax: 50 },
    })
    expect(pass).toMatchObject({ status: 'pass', kind: 'verify', failures: [], error: null })
    expect(pass.figure).toMatch(/^\d+ ms$/)
    expect(JSON.stringify(pass)).not.toContain(PASSWORD)

    const fail = await one({ name: 'strict', verify: verify() as CheckSpec['verify'], expect: { maxMs: 0.001, certDaysLeftMin: 100_000, authMechanismsInclude: ['CRAM-MD5'], roundTripsMax: 0 } })
    expect(fail.status).toBe('fail')
    expect(failedAssertions(fail).sort()).toEqual(['authMechanismsInclude', 'certDaysLeftMin', 'maxMs', 'roundTripsMax'])
    expect(fail.failures.find((f) => f.assertion === 'certDaysLeftMin')!.message).toMatch(/expires in \d+ days/)
    expect(fail.figure).toBe(fail.failures[0]!.actual)
  })

  it('tlsMin fails when the session has no TLS', async () => {
    const o = await one({ name: 'plain', verify: { host: relay.host, port: relay.port, security: 'none' }, expect: { tlsMin: '1.2' } })
    expect(o.status).toBe('fail')
    expect(o.failures).toEqual([expect.objectContaining({ assertion: 'tlsMin', actual: 'no TLS' })])
  })

  it('errorCode: a relay that must refuse passes when it refuses with that code, and fails otherwise', async () => {
    const send = { host: relay.host, port: relay.port, security: 'starttls' as const, ca, from: 'a@example.org', to: ['nobody@example.net'], stopAfter: 'rcpt' as const }
    const refused = await one({ name: 'no open relay', send, expect: { errorCode: 'RECIPIENT_REJECTED' } })
    expect(refused.failures).toEqual([])
    expect(refused).toMatchObject({ status: 'pass', figure: 'RECIPIENT_REJECTED' })
    const accepted = await one({ name: 'refuses', send: { ...send, to: ['ok@example.net'] }, expect: { errorCode: 'RECIPIENT_REJECTED' } })
    expect(accepted.status).toBe('fail')
    expect(accepted.failures[0]).toMatchObject({ assertion: 'errorCode', expected: 'RECIPIENT_REJECTED', actual: 'success' })
    const other = await one({ name: 'wrong code', send: { ...send, port: closedPort }, expect: { errorCode: 'RECIPIENT_REJECTED' } })
    expect(other.failures[0]).toMatchObject({ assertion: 'errorCode', actual: 'CONNECT_REFUSED' })
  })

  it('a run that fails fails the check, with its error', async () => {
    const o = await one({ name: 'bad password', verify: verify({ passwordEnv: 'WRONG_KEY' }) as CheckSpec['verify'] })
    expect(o).toMatchObject({ status: 'fail', error: { code: 'AUTH_FAILED' } })
    expect(o.failures[0]).toMatchObject({ assertion: 'ok', actual: 'AUTH_FAILED' })
  })

  it('a variable that is not set: the check errors, naming the variable', async () => {
    const o = await one({ name: 'no secret', verify: verify({ passwordEnv: 'UNSET_RELAY_PW' }) as CheckSpec['verify'] })
    expect(o).toMatchObject({ status: 'error', result: null, error: { code: 'INVALID_INPUT' } })
    expect(o.error!.message).toContain('UNSET_RELAY_PW (verify.passwordEnv) is not set')
  })

  it('options the CLI refuses are the check’s INVALID_INPUT, in the file’s terms', async () => {
    const o = await one({ name: 'user without secret', verify: { host: relay.host, user: 'me' } })
    expect(o).toMatchObject({ status: 'error', error: { code: 'INVALID_INPUT' } })
    expect(o.error!.message).toMatch(/^verify options: user needs a password \(passwordEnv VAR/)
  })

  it('builds the argv the CLI would get: flags in kebab case, values glued, files from the check file’s directory', () => {
    expect(checkArgv({ name: 'x', send: { host: 'h', to: ['a@b', 'c@d'], ca: 'ca.pem', showUsername: true, insecure: false, port: 25 } }, '/base')).toEqual([
      'send',
      '--host=h',
      '--to=a@b',
      '--to=c@d',
      '--ca=/base/ca.pem',
      '--show-username',
      '--port=25',
    ])
    expect(checkArgv({ name: 'p', probe: { host: '-x', ports: [465, 587], noProbe: undefined } as CheckSpec['probe'] })).toEqual(['probe', '--ports=465,587', '--', '-x'])
  })
})

describe('runChecks: probe', () => {
  it('portsOpen, recommendation, tlsMin and authMechanismsInclude pass and fail', async () => {
    const probe = { host: relay.host, ports: [relay.port, closedPort], ca }
    const pass = await one({ name: 'ports', probe, expect: { portsOpen: [relay.port], recommendation: { port: relay.port, security: 'starttls' }, tlsMin: '1.2', authMechanismsInclude: ['PLAIN'] } })
    expect(pass).toMatchObject({ status: 'pass', figure: `${relay.port} starttls` })
    const fail = await one({ name: 'ports', probe, expect: { portsOpen: [closedPort], recommendation: { security: 'tls' }, tlsMin: '1.3', authMechanismsInclude: ['XOAUTH2'] } })
    expect(failedAssertions(fail).sort()).toEqual(['authMechanismsInclude', 'portsOpen', 'recommendation', ...(fail.failures.some((f) => f.assertion === 'tlsMin') ? ['tlsMin'] : [])].sort())
    expect(fail.failures.find((f) => f.assertion === 'portsOpen')!.actual).toBe(`${closedPort} refused`)
  })
})

describe('runChecks: api (provider fixture)', () => {
  it('passes with the key from the environment, fails on the time, and errorCode holds for a wrong key', async () => {
    const opts = { provider: 'postmark' as const, keyEnv: 'PM_KEY', baseUrl: api.origin, ca, verify: true }
    const pass = await one({ name: 'api', api: opts, expect: { maxMs: 60_000, roundTripsMax: 20, tlsMin: '1.2', certDaysLeftMin: 1 } })
    expect(pass.failures).toEqual([])
    expect(pass).toMatchObject({ status: 'pass', kind: 'api' })
    expect(JSON.stringify(pass)).not.toContain(PROVIDER_KEYS.postmark)
    expect(failedAssertions(await one({ name: 'api', api: opts, expect: { roundTripsMax: 0 } }))).toEqual(['roundTripsMax'])
    expect(await one({ name: 'api', api: { ...opts, keyEnv: 'WRONG_KEY' }, expect: { errorCode: 'HTTP_AUTH_FAILED' } })).toMatchObject({ status: 'pass' })
  })
})

describe('runChecks: domain (DNS fixture)', () => {
  const domain = (name: string) => ({ domain: name, dnsServer: [dns.server], noProbe: true })
  it('spf and dmarcPolicyMin pass for a healthy zone and fail for a weak one', async () => {
    const good = await one({ name: 'good', domain: domain('good.test'), expect: { spf: 'pass', dmarcPolicyMin: 'reject' } })
    expect(good).toMatchObject({ status: 'pass', figure: 'SPF pass, DMARC p=reject' })
    const weak = await one({ name: 'weak', domain: domain('weak.test'), expect: { spf: 'warn', dmarcPolicyMin: 'quarantine' } })
    expect(weak.status).toBe('fail')
    expect(weak.failures.find((f) => f.assertion === 'dmarcPolicyMin')).toMatchObject({ expected: 'p=quarantine or stricter', actual: 'p=none' })
    expect(weak.failures.find((f) => f.assertion === 'spf')?.actual).toBe('fail')
  })
})

describe('runChecks: compare (sandbox profiles)', () => {
  it('p95Ms and roundTripsMax over the profiles, from a profiles file relative to the check file', async () => {
    const compare = { profiles: 'profiles.json', profile: ['sandbox-starttls', 'sandbox-api'], runs: 2, action: 'verify' as const }
    const pass = await one({ name: 'lab', compare, expect: { p95Ms: 60_000, roundTripsMax: 50 } })
    expect(pass).toMatchObject({ status: 'pass', kind: 'compare' })
    expect(pass.figure).toMatch(/^p95 \d+ ms$/)
    const fail = await one({ name: 'lab', compare, expect: { p95Ms: 0.001 } })
    expect(failedAssertions(fail)).toEqual(['p95Ms', 'p95Ms'])
  })
})

describe('runChecks: the run', () => {
  it('runs only the named checks, tells progress, and reports ok only when all pass', async () => {
    const f = file(
      { name: 'a', verify: verify() as CheckSpec['verify'] },
      { name: 'b', verify: verify({ passwordEnv: 'UNSET' }) as CheckSpec['verify'] },
      { name: 'c', probe: { host: relay.host, ports: [relay.port], ca } },
    )
    expect(unknownCheckNames(f, ['a', 'zz'])).toEqual(['zz'])
    const events: CheckProgressEvent[] = []
    const report = await runChecks(f, { buildJob: buildCheckJob, env: ENV, only: ['a', 'c'], onProgress: (e) => events.push(e), concurrency: 2 })
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([
      ['a', 'pass'],
      ['c', 'pass'],
    ])
    expect(report.ok).toBe(true)
    expect(events.filter((e) => e.type === 'start')).toHaveLength(2)
    expect(events.filter((e) => e.type === 'done')).toHaveLength(2)
    expect((await runChecks(f, { buildJob: buildCheckJob, env: ENV })).ok).toBe(false)
  })

  it('cancelling: the check in flight ends CANCELLED, the rest are skipped', async () => {
    const ctl = new AbortController()
    const slowCheck = (name: string): CheckSpec => ({ name, verify: { host: slow.host, port: slow.port, security: 'none', timeout: 600_000 } })
    const report = await runChecks(file(slowCheck('first'), slowCheck('second'), slowCheck('third')), {
      buildJob: buildCheckJob,
      env: {},
      concurrency: 1,
      signal: ctl.signal,
      onProgress: (e) => {
        if (e.type === 'start') queueMicrotask(() => ctl.abort())
      },
    })
    expect(report.checks.map((c) => [c.name, c.status, c.error?.code ?? null])).toEqual([
      ['first', 'error', 'CANCELLED'],
      ['second', 'skipped', null],
      ['third', 'skipped', null],
    ])
    expect(report.ok).toBe(false)
  })

  it('a file as loaded runs as it is', async () => {
    const loaded = parseCheckFile(
      `checks:\n  - name: relay\n    verify: { host: ${relay.host}, port: ${relay.port}, security: starttls, user: me, passwordEnv: RELAY_PW, ca: ${ca} }\n    expect: { tlsMin: "1.2" }\n`,
    )
    if (!loaded.ok) throw new Error(loaded.error.message)
    expect((await runChecks(loaded.file, { buildJob: buildCheckJob, env: ENV })).ok).toBe(true)
  })
})
