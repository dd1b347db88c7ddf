// The built `mailprobe check` against local SMTP peers, with a small check file in a temporary
// folder: all pass → 0, a failing assertion → 1 with the table, a bad file → 2 naming the line,
// --json, --junit (validated by xmllint against test/fixtures/junit.xsd), GitHub annotations,
// --every for three rounds with the metrics scraped over HTTP between rounds, and Ctrl-C → 130.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { HistoryStore } from '../../../main/core/history/store'
import type { CheckReport } from '../../../preload/contract/checks'
import { removeCaFile, writeCaFile } from '../../fixtures/certs'
import { ROOT, runCli, startCli } from '../../fixtures/cli'
import { neverGreets } from '../../fixtures/raw-peers'
import { expectNoLeaks } from '../../fixtures/secret-scan'
import { startSmtpPeer } from '../../fixtures/smtp-peers'

const USER = 'check-canary-user'
const PASSWORD = 'Check-canary-pw-5d2a'
const SECRETS = [{ value: PASSWORD }]
const env = { MP_CHECK_PASSWORD: PASSWORD }
const XSD = resolve(ROOT, 'test/fixtures/junit.xsd')

let caFile = ''
let dir = ''
let port = 0
const closers: { close(): Promise<void> }[] = []
beforeAll(async () => {
  caFile = await writeCaFile()
  dir = mkdtempSync(join(tmpdir(), 'mailprobe-check-child-'))
  const peer = await startSmtpPeer({ mode: 'starttls', users: { [USER]: PASSWORD }, rejectRecipients: ['nobody@example.net'] })
  closers.push(peer)
  port = peer.port
}, 120_000)
afterAll(async () => {
  await Promise.all(closers.map((c) => c.close()))
  removeCaFile(caFile)
  rmSync(dir, { recursive: true, force: true })
})
const extra: { close(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(extra.splice(0).map((c) => c.close()))
})

function verify(name: string, expectYaml = '{ maxMs: 30000, tlsMin: "1.2", authMechanismsInclude: [PLAIN] }', p = port): string {
  return `  - name: ${name}
    verify: { host: 127.0.0.1, port: ${p}, security: starttls, ca: ${JSON.stringify(caFile)}, servername: localhost, user: ${USER}, passwordEnv: MP_CHECK_PASSWORD }
    expect: ${expectYaml}
`
}
const RELAY_REFUSES = `  - name: no open relay
    send: { host: 127.0.0.1, port: PORT, security: starttls, ca: CA, servername: localhost, user: ${USER}, passwordEnv: MP_CHECK_PASSWORD, from: a@example.org, to: [nobody@example.net], stopAfter: rcpt }
    expect: { errorCode: RECIPIENT_REJECTED }
`

function checkFile(name: string, body: string): string {
  const file = join(dir, name)
  writeFileSync(file, `checks:\n${body.replaceAll('PORT', String(port)).replaceAll('CA', JSON.stringify(caFile))}`)
  return file
}

function xmllint(file: string): string {
  try {
    execFileSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    return ''
  } catch (err) {
    return String((err as { stderr?: string }).stderr ?? err)
  }
}

describe('mailprobe check (built) against local servers', () => {
  it('all pass: exit 0, a progress line per check, the table and the verdict; --json is the report', async () => {
    const file = checkFile('pass.yaml', verify('relay verifies') + RELAY_REFUSES)
    const [human, json] = await Promise.all([runCli(['check', file], { env, timeoutMs: 60_000 }), runCli(['check', file, '--json'], { env, timeoutMs: 60_000 })])
    for (const r of [human, json]) expectNoLeaks(r.stdout + r.stderr, SECRETS, 'mailprobe check output')
    expect(human.stderr).toBe('')
    expect(human.status).toBe(0)
    expect(human.stdout).toMatch(/^ {2}PASS {3}relay verifies/m)
    expect(human.stdout).toMatch(/^ {2}PASS {3}no open relay/m)
    expect(human.stdout).toMatch(/\n {2}Check\s+Status\s+Figure\s+Failed assertion\n/)
    expect(human.stdout).toMatch(/\nPASS — 2 passed of 2 checks in /)
    expect(json.status).toBe(0)
    const report = JSON.parse(json.stdout) as CheckReport
    expect(report.ok).toBe(true)
    expect(report.checks.map((c) => [c.name, c.kind, c.status])).toEqual([
      ['relay verifies', 'verify', 'pass'],
      ['no open relay', 'send', 'pass'],
    ])
  }, 90_000)

  it('a failing assertion: exit 1, the table names it; --junit validates against the JUnit schema; GitHub annotations', async () => {
    const file = checkFile('fail.yaml', verify('relay verifies') + verify('fast enough', '{ maxMs: 1, roundTripsMax: 0 }'))
    const junit = join(dir, 'report.xml')
    const r = await runCli(['check', file, '--junit', junit], { env: { ...env, GITHUB_ACTIONS: 'true' }, timeoutMs: 60_000 })
    expectNoLeaks(r.stdout + r.stderr, SECRETS, 'mailprobe check output')
    expect(r.status).toBe(1)
    expect(r.stdout).toMatch(/^ {2}FAIL {3}fast enough .*— maxMs/m)
    expect(r.stdout).toMatch(/\n {2}fast enough\s+FAIL\s+.*maxMs: /)
    expect(r.stdout).toMatch(/\nFAILED — 1 passed, 1 failed of 2 checks/)
    expect(r.stdout).toMatch(/^::error title=mailprobe check%3A fast enough::maxMs: .*%0AroundTripsMax: /m)
    expect(r.stdout).not.toMatch(/::error title=mailprobe check%3A relay verifies/)
    const xml = readFileSync(junit, 'utf8')
    expect(xmllint(junit)).toBe('')
    expect(xml).toMatch(/<testsuite name="fail.yaml" tests="2" failures="1" errors="0" skipped="0"/)
    expect(xml).toMatch(/<testcase name="fast enough" classname="mailprobe" time="\d+\.\d{3}">\n {6}<failure message="maxMs: [^"]*" type="assertion">/)
    expect(xml).toMatch(/Transcript \(last \d+ lines\):\n.*AUTH PLAIN \[redacted\]/s)
    expectNoLeaks(xml, SECRETS, 'JUnit report')
  }, 90_000)

  it('a bad file: exit 2, naming the line and the field; nothing is run', async () => {
    const file = join(dir, 'bad.yaml')
    writeFileSync(file, `checks:\n  - name: relay\n    verify: { host: 127.0.0.1, port: ${port}, pasword: x }\n`)
    const r = await runCli(['check', file], { env })
    expect(r.status).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/^mailprobe check: .*pasword.*line 3/)
    expect(r.stderr).toMatch(/Run 'mailprobe check --help' for usage/)
    const missing = await runCli(['check', join(dir, 'nope.yaml')])
    expect(missing.status).toBe(2)
    expect(missing.stderr).toMatch(/no such check file/)
    const only = await runCli(['check', checkFile('only.yaml', verify('relay verifies')), '--only', 'nothing'], { env })
    expect(only.status).toBe(2)
    expect(only.stderr).toMatch(/--only 'nothing': no check has that name; the checks are 'relay verifies'/)
  }, 60_000)

  it('Ctrl-C: the check in flight is cancelled, the partial report printed, exit 130', async () => {
    const silent = await neverGreets()
    extra.push(silent)
    const file = checkFile('hang.yaml', verify('relay verifies') + verify('silent server', '{ maxMs: 30000 }', silent.port).replace('starttls,', 'starttls, timeout: 60000,'))
    const r = await runCli(['check', file, '--concurrency', '2'], { env, interruptWhen: /PASS {3}relay verifies/, timeoutMs: 60_000 })
    expect(r.status).toBe(130)
    expect(r.stderr).toMatch(/cancelling the checks still running/)
    expect(r.stdout).toMatch(/\n {2}silent server\s+ERROR\s+CANCELLED/)
    expect(r.stdout).toMatch(/\nINTERRUPTED — 1 passed, 1 could not run of 2 checks/)
  }, 90_000)

  it('--every: Ctrl-C while a round is in flight cancels it and ends with 130, the metrics server closed', async () => {
    const silent = await neverGreets()
    extra.push(silent)
    const file = checkFile('watch-hang.yaml', verify('silent server', '{ maxMs: 30000 }', silent.port).replace('starttls,', 'starttls, timeout: 60000,'))
    const cli = startCli(['check', file, '--every', '1s', '--metrics-port', '0'], { env: { ...env, MAILPROBE_DATA_DIR: join(dir, 'data-hang') }, timeoutMs: 60_000 })
    const url = (await cli.waitFor('stderr', /metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/))[1]!
    // The first round is in flight: its check has connected to the server that never greets.
    await silent.waitForConnection(1)
    cli.kill('SIGINT')
    const done = await cli.done
    expect(done.status).toBe(130)
    expect(done.stdout).not.toMatch(/round 1 {2}1 passed/)
    await expect(fetch(url)).rejects.toThrow()
    expectNoLeaks(done.stdout + done.stderr, SECRETS, 'mailprobe check --every interrupted')
  }, 90_000)

  it('--every 1s: three rounds, the metrics scraped over HTTP between them, Ctrl-C → 130', async () => {
    const file = checkFile('watch.yaml', verify('relay verifies'))
    const dataDir = join(dir, 'data')
    const cli = startCli(['check', file, '--every', '1s', '--metrics-port', '0'], { env: { ...env, MAILPROBE_DATA_DIR: dataDir }, timeoutMs: 60_000 })
    const url = (await cli.waitFor('stderr', /metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/))[1]!
    for (let round = 1; round <= 3; round++) {
      await cli.waitFor('stdout', new RegExp(`Z {2}round ${round} {2}1 passed, 0 failed {2}slowest: relay verifies`))
      const res = await fetch(url)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toMatch(/^application\/openmetrics-text; version=1\.0\.0; charset=utf-8$/)
      const text = await res.text()
      expect(text).toMatch(/\n# EOF\n$/)
      const rounds = Number(/\nmailprobe_check_rounds_total (\d+)/.exec(text)?.[1])
      expect(rounds).toBeGreaterThanOrEqual(round)
      expect(text).toMatch(/\nmailprobe_check_success\{check="relay verifies",kind="verify"\} 1\n/)
      expect(text).toMatch(/\nmailprobe_check_duration_seconds\{check="relay verifies",kind="verify"\} 0\.\d+/)
      expect(text).toMatch(/\nmailprobe_check_round_trips\{check="relay verifies",kind="verify"\} [1-9]\d*\n/)
      expect(text).toMatch(/\nmailprobe_check_certificate_days_left\{check="relay verifies",kind="verify"\} \d+\n/)
    }
    expect((await fetch(url.replace('/metrics', '/other'))).status).toBe(404)
    cli.kill('SIGINT')
    const done = await cli.done
    expectNoLeaks(done.stdout + done.stderr, SECRETS, 'mailprobe check --every output')
    expect(done.status).toBe(130)
    await expect(fetch(url)).rejects.toThrow()
    // Each finished round is in History (the app's store in the CLI's data folder), its report whole.
    const printed = done.stdout.match(/Z {2}round \d+ {2}1 passed/g)?.length ?? 0
    const history = await HistoryStore.open({ dir: join(dataDir, 'history') })
    const { entries } = history.list()
    expect(entries.length).toBe(printed)
    expect(entries.length).toBeGreaterThanOrEqual(3)
    expect(entries.every((e) => e.kind === 'checks' && e.action === 'checks' && e.target === 'watch.yaml')).toBe(true)
    const run = await history.get(entries[0]!.id)
    expect(run?.result).toMatchObject({ kind: 'checks', ok: true, file: 'watch.yaml', report: { ok: true, checks: [{ name: 'relay verifies', status: 'pass' }] } })
    expectNoLeaks(JSON.stringify(run), SECRETS, 'History')
  }, 90_000)
})
