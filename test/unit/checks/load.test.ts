import { readFileSync } from 'node:fs'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { checkSchemaFile, checkSchemaFileText } from '../../../build/checks-schema'
import { CheckFileError, loadCheckFile, parseCheckFile, readCheckFile } from '../../../main/core/checks'
import { checkKindOf } from '../../../preload/contract'

const ISSUE_EXAMPLE = `checks:
  - name: relay verifies
    verify: { host: smtp.example.com, port: 587, security: starttls, user: me@example.com, passwordEnv: SMTP_PASSWORD }
    expect: { maxMs: 2000, tlsMin: "1.2", certDaysLeftMin: 21, authMechanismsInclude: [PLAIN] }
  - name: submission ports
    probe: { host: smtp.example.com, ports: [465, 587] }
    expect: { portsOpen: [465, 587] }
  - name: no open relay
    send: { host: mx.example.com, port: 25, from: a@example.org, to: [b@example.net], stopAfter: rcpt }
    expect: { errorCode: RECIPIENT_REJECTED }
`

const dir = mkdtempSync(join(tmpdir(), 'mailprobe-checks-load-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function problem(text: string, format: 'yaml' | 'json' = 'yaml') {
  const loaded = parseCheckFile(text, { format, fileName: 'mailprobe.checks.yaml' })
  if (loaded.ok) throw new Error('the file was accepted')
  expect(loaded.error.code).toBe('INVALID_INPUT')
  return loaded
}

describe('check file: loading', () => {
  it('reads the issue’s example (YAML) and the same as JSON', async () => {
    const loaded = parseCheckFile(ISSUE_EXAMPLE)
    expect(loaded.ok).toBe(true)
    if (!loaded.ok) return
    expect(loaded.file.checks.map(checkKindOf)).toEqual(['verify', 'probe', 'send'])
    expect(loaded.file.checks[0]!.expect).toEqual({ maxMs: 2000, tlsMin: '1.2', certDaysLeftMin: 21, authMechanismsInclude: ['PLAIN'] })
    const json = join(dir, 'mailprobe.checks.json')
    writeFileSync(json, JSON.stringify(loaded.file, null, 2))
    expect(await readCheckFile(json)).toEqual(loaded.file)
  })

  it('names the line of bad YAML', () => {
    const { issues, error } = problem('checks:\n  - name: a\n    verify: { host: x\n  - name: b\n')
    expect(issues[0]!.line).toBeGreaterThanOrEqual(3)
    expect(error.message).toMatch(/is not valid YAML/)
    expect(error.message).toMatch(/line \d+/)
  })

  it('names the line and the field of a wrong type, an unknown field and a missing one', () => {
    const text = ['checks:', '  - name: a', '    verify:', '      host: smtp.example.com', '      port: "five"', '      hots: typo', '  - name: b', '    probe: { ports: [25] }'].join('\n')
    const { issues, error } = problem(text)
    const by = Object.fromEntries(issues.map((i) => [i.field, i]))
    expect(by['checks[0].verify.port']).toMatchObject({ line: 5 })
    expect(by['checks[0].verify.port']!.message).toMatch(/expected number/)
    expect(by['checks[0].verify.hots']).toMatchObject({ line: 6 })
    expect(by['checks[0].verify.hots']!.message).toMatch(/not a field/)
    expect(by['checks[1].probe.host']).toMatchObject({ line: 8, message: 'is required' })
    expect(error.message).toContain('checks[0].verify.port: expected number, received string (mailprobe.checks.yaml, line 5, column 13)')
  })

  it('refuses a secret written inline, says to use the *Env form, and never echoes it', () => {
    const text = [
      'checks:',
      '  - name: a',
      '    verify: { host: h.example, user: me, password: hunter2-secret }',
      '  - name: k',
      '    api: { provider: postmark, keyEnv: PM, key: pm-secret-value }',
    ].join('\n')
    const { issues, error } = problem(text)
    expect(issues.map((i) => [i.field, i.line])).toEqual([
      ['checks[0].verify.password', 3],
      ['checks[1].api.key', 5],
    ])
    expect(error.message).toMatch(/passwordEnv/)
    expect(error.message).toMatch(/keyEnv/)
    expect(error.message).not.toMatch(/hunter2|pm-secret/)
  })

  it('refuses an env field that holds a value rather than a name, without echoing it', () => {
    const { issues, error } = problem('checks:\n  - name: a\n    verify: { host: h, user: u, passwordEnv: "p@ss word!" }\n')
    expect(issues[0]).toMatchObject({ field: 'checks[0].verify.passwordEnv', line: 3 })
    expect(error.message).not.toContain('p@ss')
  })

  it('refuses an assertion that does not apply to the kind, two kinds in one check, none, and duplicate names', () => {
    const text = [
      'checks:',
      '  - name: a',
      '    probe: { host: h }',
      '    expect: { spf: pass }',
      '  - name: b',
      '    probe: { host: h }',
      '    verify: { host: h }',
      '  - name: c',
      '  - name: a',
      '    domain: { domain: example.com }',
    ].join('\n')
    const { issues } = problem(text)
    const by = Object.fromEntries(issues.map((i) => [i.field, i]))
    expect(by['checks[0].expect.spf']).toMatchObject({ line: 4 })
    expect(by['checks[0].expect.spf']!.message).toBe('does not apply to a probe check (it applies to domain)')
    expect(by['checks[1].verify']!.message).toMatch(/runs one thing/)
    expect(by['checks[2]']!.message).toMatch(/needs one of probe, verify/)
    expect(by['checks[3].name']!.message).toMatch(/two checks are named "a"/)
  })

  it('wants tlsMin as text and one of the known versions', () => {
    expect(problem('checks:\n  - name: a\n    verify: { host: h }\n    expect: { tlsMin: 1.2 }\n').issues[0]!.message).toMatch(/quote it/)
  })

  it('names the line of broken JSON', () => {
    const loaded = problem('{\n  "checks": [\n    { "name": "a", }\n  ]\n}\n', 'json')
    expect(loaded.issues[0]!.line).toBe(3)
    expect(loaded.error.message).toMatch(/is not JSON/)
  })

  it('an unreadable file is INVALID_INPUT too; readCheckFile throws CheckFileError with the issues', async () => {
    const loaded = await loadCheckFile(join(dir, 'missing.yaml'))
    expect(loaded).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: 'missing.yaml cannot be read (ENOENT)' } })
    const bad = join(dir, 'bad.yaml')
    writeFileSync(bad, 'checks: []\n')
    await expect(readCheckFile(bad)).rejects.toBeInstanceOf(CheckFileError)
  })
})

describe('check file: the published JSON Schema', () => {
  it('is fresh (npm run schema writes it)', async () => {
    expect(readFileSync(checkSchemaFile, 'utf8'), 'schema/mailprobe.checks.schema.json is stale: run npm run schema').toBe(await checkSchemaFileText())
  })

  it('describes the file: kinds, strict objects, secrets refused, assertions', () => {
    const schema = JSON.parse(readFileSync(checkSchemaFile, 'utf8')) as {
      properties: { checks: { items: { properties: Record<string, { additionalProperties?: unknown; properties?: Record<string, unknown> }> } } }
    }
    const check = schema.properties.checks.items.properties
    expect(Object.keys(check)).toEqual(expect.arrayContaining(['name', 'probe', 'verify', 'send', 'api', 'compare', 'domain', 'deliver', 'expect']))
    expect(check.verify!.additionalProperties).toBe(false)
    expect(check.verify!.properties!.password).toMatchObject({ not: {} })
    expect(Object.keys(check.expect!.properties!)).toContain('dmarcPolicyMin')
  })
})
