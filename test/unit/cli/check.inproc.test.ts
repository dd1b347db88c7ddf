// `mailprobe check` in-process: what the command line becomes, the usage errors (exit status 2),
// --every's durations, the table and round lines, the JUnit writer (validated with xmllint against
// test/fixtures/junit.xsd) and GitHub's annotation escaping.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { parseCli } from '../../../main/cli/args'
import { CHECK_HELP, formatCheckTable, formatProgressLine, formatRoundLine, parseCheckArgs, parseDuration, resolveCheckFile } from '../../../main/cli/check'
import { escapeAnnotationData, escapeAnnotationProperty, githubAnnotations, junitXml, xmlAttr, xmlText } from '../../../main/cli/check-ci'
import { checkFigures } from '../../../main/cli/check-metrics'
import type { CheckOutcome, CheckReport } from '../../../preload/contract/checks'
import { ROOT } from '../../fixtures/cli'
import { parserHarness } from '../../fixtures/cli-parse'

const XSD = resolve(ROOT, 'test/fixtures/junit.xsd')
const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'mailprobe-check-'))
  dirs.push(d)
  return d
}

const { run, usageError } = parserHarness(parseCheckArgs, 'check')

/** xmllint's verdict on `xml` against the JUnit schema: '' when valid, its complaints otherwise. */
function validate(xml: string): string {
  const file = join(tempDir(), 'report.xml')
  writeFileSync(file, xml)
  try {
    execFileSync('xmllint', ['--noout', '--schema', XSD, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    return ''
  } catch (err) {
    return String((err as { stderr?: string }).stderr ?? err)
  }
}

const transcript = Array.from({ length: 30 }, (_, i) => ({ seq: i, t: i * 1.5, dir: i % 2 ? 's' : 'c', text: i === 29 ? '535 5.7.8 auth <failed> & "rejected"' : `line ${i}` }))
function outcome(o: Partial<CheckOutcome> & Pick<CheckOutcome, 'name' | 'status'>): CheckOutcome {
  return { kind: 'verify', durationMs: 812, figure: '812 ms', failures: [], error: null, result: null, ...o }
}
const REPORT: CheckReport = {
  ok: false,
  totalMs: 2345,
  checks: [
    outcome({ name: 'relay verifies', status: 'pass', figure: '812 ms, 4 round trips' }),
    outcome({
      name: 'cert <fresh> & "long"',
      status: 'fail',
      figure: '9 days left',
      failures: [
        { assertion: 'certDaysLeftMin', expected: '≥ 21 days', actual: '9 days', message: 'certDaysLeftMin: expected ≥ 21 days, got 9 days' },
        { assertion: 'maxMs', expected: '≤ 500 ms', actual: '812 ms', message: 'maxMs: expected ≤ 500 ms, got 812 ms' },
      ],
      result: { transcript } as unknown as CheckOutcome['result'],
    }),
    outcome({ name: 'api key', kind: 'api', status: 'error', figure: '', error: { code: 'INVALID_INPUT', message: 'SENDGRID_KEY is not set\nset it, then run again' } }),
    outcome({ name: 'ports', kind: 'probe', status: 'skipped', figure: '', durationMs: 0 }),
  ],
}

describe('parseCheckArgs', () => {
  it('is a module command with its own help', () => {
    expect(parseCli(['check', 'a.yaml'])).toEqual({ action: 'module', command: 'check', argv: ['a.yaml'] })
    expect(parseCli(['help', 'check'])).toEqual({ action: 'module', command: 'check', argv: ['--help'] })
    expect(parseCheckArgs(['--help'])).toEqual({ action: 'help', topic: 'check' })
    expect(parseCheckArgs(['x.yaml', '--every', 'nonsense', '-h'])).toEqual({ action: 'help', topic: 'check' })
    for (const option of ['--only', '--concurrency', '--json', '--junit', '--every', '--metrics-port']) expect(CHECK_HELP).toContain(option)
  })

  it('defaults: the file found later, concurrency 4, one run', () => {
    expect(run()).toEqual({ action: 'run', command: 'check', file: null, only: [], concurrency: 4, json: false, junit: null, everyMs: null, metricsPort: null })
  })

  it('takes every option', () => {
    expect(run('ci/m.yaml', '--only', 'a', '--only', 'b c', '--only', 'a', '--concurrency', '2', '--json', '--junit', 'r.xml', '--every', '5m', '--metrics-port', '9464')).toEqual({
      action: 'run',
      command: 'check',
      file: 'ci/m.yaml',
      only: ['a', 'b c'],
      concurrency: 2,
      json: true,
      junit: 'r.xml',
      everyMs: 300_000,
      metricsPort: 9464,
    })
    expect(run('--every', '1s', '--metrics-port', '0').metricsPort).toBe(0)
  })

  it('refuses bad usage with exit status 2', () => {
    expect(usageError('a.yaml', 'b.yaml').message).toMatch(/one check file at a time/)
    expect(usageError('--concurrency', '0').message).toMatch(/--concurrency takes a number from 1 to 16/)
    expect(usageError('--concurrency', '17').message).toMatch(/1 to 16/)
    expect(usageError('--concurrency', 'many').message).toMatch(/'many'/)
    expect(usageError('--every', '500ms').message).toMatch(/at least 1s/)
    expect(usageError('--every', '5 minutes').message).toMatch(/--every takes a duration such as 30s/)
    expect(usageError('--every', '2d').message).toMatch(/at most 24h/)
    expect(usageError('--metrics-port', '9464').message).toMatch(/--metrics-port needs --every/)
    expect(usageError('--every', '1m', '--metrics-port', '70000').message).toMatch(/--metrics-port takes a port/)
    expect(usageError('--only', ' ').message).toMatch(/--only takes the name of a check/)
    expect(usageError('--junit', '').message).toMatch(/--junit takes the file/)
    expect(usageError('--concurency', '2').message).toMatch(/unknown option '--concurency' \(did you mean --concurrency\?\)/)
    expect(() => parseCli(['check', '--password', 'x'])).toThrow(/never accepted on the command line/)
  })
})

describe('parseDuration', () => {
  it('reads 30s, 5m, 1h, 1h30m, 1500ms', () => {
    expect(parseDuration('30s')).toBe(30_000)
    expect(parseDuration('5m')).toBe(300_000)
    expect(parseDuration('1h')).toBe(3_600_000)
    expect(parseDuration('1h30m')).toBe(5_400_000)
    expect(parseDuration('1500ms')).toBe(1500)
    expect(parseDuration(' 2M ')).toBe(120_000)
  })
  it('refuses what is not a duration', () => {
    for (const bad of ['', '5', 'm', '-5s', '1.5s', '5 m', '5x', 's5', '1h 30m']) expect(parseDuration(bad), bad).toBeNull()
  })
})

describe('resolveCheckFile', () => {
  it('finds mailprobe.checks.yaml, .yml or .json in the folder, and names what it looked for when none is there', () => {
    const dir = tempDir()
    expect(() => resolveCheckFile(null, dir)).toThrow(/none of mailprobe\.checks\.yaml, mailprobe\.checks\.yml, mailprobe\.checks\.json/)
    writeFileSync(join(dir, 'mailprobe.checks.json'), '{}')
    expect(resolveCheckFile(null, dir)).toBe(join(dir, 'mailprobe.checks.json'))
    writeFileSync(join(dir, 'mailprobe.checks.yml'), '')
    expect(resolveCheckFile(null, dir)).toBe(join(dir, 'mailprobe.checks.yml'))
    expect(resolveCheckFile('mailprobe.checks.json', dir)).toBe(join(dir, 'mailprobe.checks.json'))
    expect(() => resolveCheckFile('missing.yaml', dir)).toThrow(/no such check file: 'missing\.yaml'/)
  })
})

describe('text output', () => {
  const style = { color: false }
  it('a progress line per check: status, name, figure and what went wrong', () => {
    expect(formatProgressLine(REPORT.checks[0]!, style)).toBe('  PASS   relay verifies  812 ms, 4 round trips')
    expect(formatProgressLine(REPORT.checks[1]!, style)).toBe('  FAIL   cert <fresh> & "long"  9 days left  — certDaysLeftMin: expected ≥ 21 days, got 9 days (and 1 more)')
    expect(formatProgressLine(REPORT.checks[2]!, style)).toMatch(/^ {2}ERROR {2}api key {2}— INVALID_INPUT: SENDGRID_KEY is not set/)
  })

  it('the table: check, status, figure, failed assertion; then the verdict', () => {
    const text = formatCheckTable(REPORT, style)
    const lines = text.split('\n')
    expect(lines[1]).toMatch(/^ {2}Check\s+Status\s+Figure\s+Failed assertion$/)
    expect(text).toMatch(/ {2}relay verifies\s+PASS\s+812 ms, 4 round trips\n/)
    expect(text).toMatch(/cert <fresh> & "long"\s+FAIL\s+9 days left\s+certDaysLeftMin: expected ≥ 21 days, got 9 days \(and 1 more\)/)
    expect(text).toMatch(/api key\s+ERROR\s+INVALID_INPUT: SENDGRID_KEY is not set/)
    expect(text).toMatch(/ports\s+SKIP\s+not run/)
    expect(text.trimEnd().split('\n').at(-1)).toBe('FAILED — 1 passed, 1 failed, 1 could not run, 1 skipped of 4 checks in 2.3 s')
    expect(formatCheckTable(REPORT, style, { interrupted: true })).toMatch(/INTERRUPTED — /)
    const passing: CheckReport = { ok: true, totalMs: 40, checks: [REPORT.checks[0]!] }
    expect(formatCheckTable(passing, style).trimEnd().split('\n').at(-1)).toBe('PASS — 1 passed of 1 check in 40 ms')
  })

  it('a round line: time, counts and the slowest check', () => {
    const line = formatRoundLine(3, new Date('2024-05-01T12:00:00.123Z'), REPORT, style)
    expect(line).toBe('2024-05-01T12:00:00Z  round 3  1 passed, 2 failed, 1 skipped  slowest: relay verifies 812 ms (812 ms, 4 round trips)')
  })

  it('sanitizes names and figures from the file before they reach a terminal', () => {
    const evil = outcome({ name: 'x\x1b[2Jy', status: 'pass', figure: 'f\x07' })
    for (const text of [formatProgressLine(evil, style), formatCheckTable({ ok: true, totalMs: 1, checks: [evil] }, style)]) {
      expect(text).not.toContain('\x1b')
      expect(text).not.toContain('\x07')
    }
  })
})

describe('junitXml', () => {
  it('escapes text and attributes, and drops what XML cannot carry', () => {
    expect(xmlText('a < b && c > d ]]>')).toBe('a &lt; b &amp;&amp; c &gt; d ]]&gt;')
    expect(xmlAttr('say "hi"\n\tnow')).toBe('say &quot;hi&quot;&#10;&#9;now')
    expect(xmlText('bell\x07 nul\x00 ok\u{1F600} lone\uD800')).toBe('bell\uFFFD nul\uFFFD ok\u{1F600} lone\uFFFD')
  })

  it('one testcase per check: failure with the assertions and the last 20 transcript lines, error, skipped; valid against the JUnit schema', () => {
    const xml = junitXml(REPORT, { suiteName: 'mailprobe.checks.yaml', startedAt: new Date('2024-05-01T12:00:00Z') })
    expect(validate(xml)).toBe('')
    expect(xml).toContain('<testsuites name="mailprobe.checks.yaml" tests="4" failures="1" errors="1" skipped="1" time="2.345">')
    expect(xml).toContain('timestamp="2024-05-01T12:00:00"')
    expect(xml).toContain('<testcase name="relay verifies" classname="mailprobe" time="0.812"/>')
    expect(xml).toContain('<testcase name="cert &lt;fresh&gt; &amp; &quot;long&quot;" classname="mailprobe" time="0.812">')
    expect(xml).toContain('<failure message="certDaysLeftMin: expected ≥ 21 days, got 9 days; maxMs: expected ≤ 500 ms, got 812 ms" type="assertion">')
    expect(xml).toContain('Transcript (last 20 lines):')
    expect(xml).toContain('&lt;- 535 5.7.8 auth &lt;failed&gt; &amp; "rejected"')
    expect(xml).toContain('line 10')
    expect(xml).not.toContain('line 9\n')
    expect(xml).toContain('<error message="INVALID_INPUT: SENDGRID_KEY is not set&#10;set it, then run again" type="INVALID_INPUT">')
    expect(xml).toMatch(/<testcase name="ports" classname="mailprobe" time="0.000">\n {6}<skipped\/>/)
  })

  it('stays valid with hostile names and an empty report', () => {
    const hostile = outcome({ name: ']]><x/>\x01"\'&', status: 'fail', failures: [{ assertion: 'maxMs', expected: '<1', actual: '"2"', message: 'a\r\nb\x1bc' }] })
    expect(validate(junitXml({ ok: false, totalMs: 1, checks: [hostile] }, { suiteName: '<&>' }))).toBe('')
    expect(validate(junitXml({ ok: true, totalMs: 0, checks: [] }, { suiteName: 'empty' }))).toBe('')
  })

  it('the schema refuses what a reporter would refuse (so the validation above can fail)', () => {
    expect(validate('<testsuite name="x"><testcase name="a"/></testsuite>')).toMatch(/tests|classname/)
    expect(validate('<testsuites><testsuite name="x" tests="1"><testcase name="a" classname="m" time="-1"/></testsuite></testsuites>')).toMatch(/time/)
  })
})

describe('GitHub annotations', () => {
  it('escapes data (% CR LF) and properties (also : and ,)', () => {
    expect(escapeAnnotationData('100% done\r\nnext: a, b')).toBe('100%25 done%0D%0Anext: a, b')
    expect(escapeAnnotationProperty('100% a:b, c\n')).toBe('100%25 a%3Ab%2C c%0A')
  })

  it('one ::error per failed or broken check, none for the others', () => {
    const out = githubAnnotations(REPORT)
    expect(out.split('\n').filter(Boolean)).toEqual([
      '::error title=mailprobe check%3A cert <fresh> & "long"::certDaysLeftMin: expected ≥ 21 days, got 9 days%0AmaxMs: expected ≤ 500 ms, got 812 ms',
      '::error title=mailprobe check%3A api key::INVALID_INPUT: SENDGRID_KEY is not set%0Aset it, then run again',
    ])
  })
})

describe('metrics figures', () => {
  it('round trips, days left on the certificate and time to inbox from the result, when it has them', () => {
    const now = Date.parse('2024-05-01T00:00:00Z')
    const result = { roundTrips: 6, tls: { validTo: 'May 22 00:00:00 2024 GMT' }, delivery: { sendToInboxMs: 2500 } } as unknown as CheckOutcome['result']
    expect(checkFigures({ result }, now)).toEqual({ roundTrips: 6, certDaysLeft: 21, timeToInboxS: 2.5 })
    expect(checkFigures({ result: null }, now)).toEqual({})
  })
})
