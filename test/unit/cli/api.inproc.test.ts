// `mailprobe api` in-process: argument parsing, exit statuses, human and JSON output, and no key
// on argv or in anything printed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { API_PROVIDERS, API_REGIONS, type ApiResult } from '../../../preload/contract'
import { API_HELP, API_PROVIDER_NAMES, API_REGION_NAMES, KEY_IN_ARGV, parseApiArgs, runApiCommand, type ApiIO, type ApiRunRequest } from '../../../main/cli/api'
import { UsageError } from '../../../main/cli/args'
import { removeCaFile, writeCaFile } from '../../fixtures/certs'
import { MAILGUN_DOMAIN, PROVIDER_KEYS, REJECTED_RECIPIENT, startProviderServer, type ProviderServer } from '../../fixtures/provider-server'
import { expectNoLeaks } from '../../fixtures/secret-scan'
import { ALL_SECRETS } from '../http/helpers'

const parse = (...argv: string[]) => parseApiArgs(argv, { now: new Date('2025-01-02T03:04:05Z'), token: 'tok12345' })

function runReq(...argv: string[]): ApiRunRequest {
  const r = parse(...argv)
  if (r.action !== 'run') throw new Error('expected a run request')
  return r
}

function usage(...argv: string[]): string {
  try {
    parse(...argv)
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError)
    expect((err as UsageError).exitCode).toBe(2)
    return (err as UsageError).message
  }
  throw new Error(`no usage error for ${argv.join(' ')}`)
}

class FakeIO implements ApiIO {
  out = ''
  err = ''
  stdout = { write: (t: string) => (this.out += t), isTTY: false }
  stderr = { write: (t: string) => (this.err += t) }
  constructor(public env: NodeJS.ProcessEnv) {}
}

const ENV = {
  MG_KEY: PROVIDER_KEYS.mailgun,
  SG_KEY: PROVIDER_KEYS.sendgrid,
  PM_TOKEN: PROVIDER_KEYS.postmark,
  AWS_ID: PROVIDER_KEYS.ses.accessKeyId,
  AWS_SECRET: PROVIDER_KEYS.ses.secretAccessKey,
  AWS_TOKEN: PROVIDER_KEYS.ses.sessionToken,
  MJ_KEY: PROVIDER_KEYS.mailjet.key,
  MJ_SECRET: PROVIDER_KEYS.mailjet.secret,
  BREVO_KEY: PROVIDER_KEYS.brevo,
  GEN_KEY: PROVIDER_KEYS.generic,
  EMPTY: '',
}

describe('parseApiArgs', () => {
  it('keeps its lists equal to the contract', () => {
    expect([...API_PROVIDER_NAMES]).toEqual([...API_PROVIDERS])
    expect(API_REGION_NAMES).toEqual(API_REGIONS)
  })

  it('builds the engine input without credentials', () => {
    const r = runReq(
      '--provider',
      'mailgun',
      '--key-env',
      'MG_KEY',
      '--domain',
      'mg.example.com',
      '--region',
      'eu',
      '--sandbox',
      '--from',
      'a@example.com',
      '--to',
      'b@example.net',
      '--to',
      'c@example.net',
      '--attach',
      'x.pdf',
      '--json',
    )
    expect(r).toMatchObject({ action: 'run', json: true, keyEnv: 'MG_KEY', secretEnv: null, files: [{ option: '--attach', path: 'x.pdf' }] })
    expect(r.job).toEqual({
      provider: 'mailgun',
      action: 'send',
      domain: 'mg.example.com',
      region: 'eu',
      sandbox: true,
      message: {
        from: 'a@example.com',
        to: ['b@example.net', 'c@example.net'],
        cc: [],
        bcc: [],
        subject: 'Mailprobe test tok12345 2025-01-02T03:04:05.000Z',
        text: 'Test message tok12345 sent by Mailprobe, a mail-submission tester.',
        attachments: [{ path: 'x.pdf' }],
      },
    })
    expect(JSON.stringify(r)).not.toContain('credentials')
  })

  it('help, and a leading "api" is tolerated', () => {
    expect(parse('--help')).toEqual({ action: 'help' })
    expect(parse('api', '-h')).toEqual({ action: 'help' })
    expect(API_HELP).toMatch(/--key-env VAR/)
  })

  it('refuses keys on the command line before anything else (exit 2), without echoing them', () => {
    for (const flag of ['--key', '--api-key', '--apikey', '--secret', '--token', '--password', '--secret-access-key', '--session-token']) {
      const msg = usage('--provider', 'sendgrid', `${flag}=SG.secretvalue123`, '--verify')
      expect(msg).toBe(KEY_IN_ARGV)
      expect(msg).not.toContain('SG.secretvalue123')
    }
    expect(usage('--provider', 'sendgrid', '--key-env', 'SG.secret-value', '--verify')).toMatch(/NAME of an environment variable/)
    const stray = usage('--provider', 'sendgrid', '--key-env', 'SG_KEY', '--verify', 'SG.strayKey123')
    expect(stray).toMatch(/unexpected argument/)
    expect(stray).not.toContain('SG.strayKey123')
  })

  it('explains what is missing or wrong', () => {
    expect(usage('--key-env', 'K', '--verify')).toMatch(/--provider is required/)
    expect(usage('--provider', 'nope', '--key-env', 'K')).toMatch(/--provider must be one of/)
    expect(usage('--provider', 'sendgrid', '--verify')).toMatch(/--key-env VAR is required/)
    expect(usage('--provider', 'mailjet', '--key-env', 'K', '--verify')).toMatch(/--secret-env/)
    expect(usage('--provider', 'ses', '--key-env', 'K', '--verify')).toMatch(/--secret-env/)
    expect(usage('--provider', 'mailgun', '--key-env', 'K', '--verify')).toMatch(/--domain/)
    expect(usage('--provider', 'sendgrid', '--key-env', 'K', '--region', 'us', '--verify')).toMatch(/global, eu/)
    expect(usage('--provider', 'brevo', '--key-env', 'K', '--region', 'eu', '--verify')).toMatch(/no regions/)
    expect(usage('--provider', 'brevo', '--key-env', 'K', '--verify', '--sandbox')).toMatch(/--verify sends nothing/)
    expect(usage('--provider', 'brevo', '--key-env', 'K', '--to', 'b@example.net')).toMatch(/--from ADDR is required/)
    expect(usage('--provider', 'brevo', '--key-env', 'K', '--from', 'a@example.net')).toMatch(/at least one recipient/)
    expect(usage('--provider', 'brevo', '--key-env', 'K', '--verify', '--url', 'https://x')).toMatch(/--url is for --provider generic only/)
    expect(usage('--provider', 'generic', '--key-env', 'K', '--from', 'a@example.net', '--to', 'b@example.net')).toMatch(/needs --url/)
    expect(usage('--provider', 'generic', '--key-env', 'K', '--url', 'https://x', '--verify')).toMatch(/no key check/)
    expect(usage('--provider', 'brevo', '--key-env', 'K', '--bogus')).toMatch(/unknown option '--bogus'/)
    expect(usage('--provider', 'brevo', '--key-env', 'K', '--verify', '--timeout', '5')).toMatch(/--timeout/)
    expect(usage('--provider', 'brevo', '--key-env', 'K', '--session-token-env', 'T', '--verify')).toMatch(/ses only/)
  })

  it('--verify ignores message options with a note', () => {
    const r = runReq('--provider', 'brevo', '--key-env', 'K', '--verify', '--from', 'a@example.net', '--subject', 'x')
    expect(r.job).toEqual({ provider: 'brevo', action: 'verify' })
    expect(r.notes).toEqual(['--verify sends nothing: ignoring --from, --subject'])
  })

  it('generic options', () => {
    const r = runReq(
      '--provider',
      'generic',
      '--key-env',
      'K',
      '--url',
      'https://hooks.example.com/send',
      '--method',
      'put',
      '--header',
      'X-A: 1',
      '--auth',
      'header',
      '--auth-header',
      'X-Api-Key',
      '--body-template',
      't.json',
      '--body-format',
      'form',
      '--from',
      'a@example.net',
      '--to',
      'b@example.net',
    )
    expect(r.job.generic).toEqual({ url: 'https://hooks.example.com/send', method: 'PUT', auth: 'header', authHeader: 'X-Api-Key', headers: [{ name: 'X-A', value: '1' }], bodyFormat: 'form' })
    expect(r.bodyTemplateFile).toBe('t.json')
  })
})

describe('runApiCommand against the fixture', () => {
  let server: ProviderServer
  let ca: string
  let dir: string
  beforeAll(async () => {
    server = await startProviderServer()
    ca = await writeCaFile()
    dir = mkdtempSync(join(tmpdir(), 'mailprobe-cli-api-'))
  })
  afterAll(async () => {
    removeCaFile(ca)
    rmSync(dir, { recursive: true, force: true })
    await server.close()
  })

  const common = () => ['--base-url', server.origin, '--ca', ca]
  const exec = async (env: NodeJS.ProcessEnv, ...argv: string[]) => {
    const io = new FakeIO(env)
    let code: number
    try {
      code = await runApiCommand(parse(...argv), io)
    } catch (err) {
      if (!(err instanceof UsageError)) throw err
      code = 2
      io.err += err.message
    }
    expectNoLeaks(io.out + io.err, ALL_SECRETS, 'CLI output')
    return { code, out: io.out, err: io.err }
  }

  it('help prints API_HELP and exits 0', async () => {
    const io = new FakeIO({})
    expect(await runApiCommand({ action: 'help' }, io)).toBe(0)
    expect(io.out).toBe(API_HELP)
  })

  it('human output: live transcript, phase table and verdict; exit 0', async () => {
    const { code, out } = await exec(ENV, '--provider', 'sendgrid', '--key-env', 'SG_KEY', ...common(), '--from', 'a@example.test', '--to', 'b@example.test')
    expect(code).toBe(0)
    expect(out).toMatch(/-> POST \/v3\/mail\/send HTTP\/1\.1/)
    expect(out).toMatch(/-> Authorization: Bearer \[redacted\]/)
    expect(out).toMatch(/<- HTTP\/1\.1 202 Accepted/)
    expect(out).toMatch(/phase\s+start ms\s+duration ms\s+round trips/)
    expect(out).toMatch(/\n {2}wait\s/)
    expect(out).toMatch(/OK — SendGrid accepted the message \(202\) · message id fixtureSGid_Ab12Cd34Ef56 · [\d.]+ ms · 3 round trips/)
  })

  it('--json prints one result object with the documented fields', async () => {
    const { code, out } = await exec(
      ENV,
      '--provider',
      'ses',
      '--key-env',
      'AWS_ID',
      '--secret-env',
      'AWS_SECRET',
      '--session-token-env',
      'AWS_TOKEN',
      ...common(),
      '--from',
      'a@example.test',
      '--to',
      'b@example.test',
      '--json',
    )
    expect(code).toBe(0)
    const r = JSON.parse(out) as ApiResult
    for (const k of ['ok', 'kind', 'provider', 'error', 'phases', 'totalMs', 'roundTrips', 'tls', 'transcript', 'result']) expect(r).toHaveProperty(k)
    expect(r).toMatchObject({ ok: true, kind: 'api', provider: 'ses', error: null, roundTrips: 3 })
    expect(r.result).toEqual({ status: 200, messageId: '0101018c1d2e3f4a-fixture-5b6c7d8e-000000', body: '{"MessageId":"0101018c1d2e3f4a-fixture-5b6c7d8e-000000"}' })
    expect(out.trim().split('\n')).toHaveLength(1)
  })

  it('a refused key exits 1 with the classified error and the provider’s words', async () => {
    const { code, out } = await exec({ ...ENV, MG_KEY: 'key-wrong-0123456789' }, '--provider', 'mailgun', '--key-env', 'MG_KEY', '--domain', MAILGUN_DOMAIN, ...common(), '--verify')
    expect(code).toBe(1)
    expect(out).toMatch(/FAILED HTTP_AUTH_FAILED — Mailgun refused the credentials \(401: Forbidden\)/)
    expect(out).toMatch(/provider replied: 401 Forbidden/)
  })

  it('a provider validation error exits 1', async () => {
    const { code, out } = await exec(ENV, '--provider', 'mailjet', '--key-env', 'MJ_KEY', '--secret-env', 'MJ_SECRET', ...common(), '--from', 'a@example.test', '--to', REJECTED_RECIPIENT, '--json')
    expect(code).toBe(1)
    expect((JSON.parse(out) as ApiResult).error!.code).toBe('HTTP_REJECTED')
  })

  it('--verify and --sandbox', async () => {
    expect((await exec(ENV, '--provider', 'postmark', '--key-env', 'PM_TOKEN', ...common(), '--verify')).code).toBe(0)
    const sb = await exec(ENV, '--provider', 'brevo', '--key-env', 'BREVO_KEY', ...common(), '--sandbox', '--from', 'a@example.test', '--to', 'b@example.test')
    expect(sb.code).toBe(0)
    expect(sb.out).toMatch(/X-Sib-Sandbox/)
    // Postmark has no sandbox switch: a real recipient is bad usage (exit 2), and nothing is sent.
    const before = server.requests.length
    const pm = await exec(ENV, '--provider', 'postmark', '--key-env', 'PM_TOKEN', ...common(), '--sandbox', '--from', 'a@example.test', '--to', 'b@example.test')
    expect(pm.code).toBe(2)
    expect(pm.err).toMatch(/no sandbox switch/)
    expect(server.requests.length).toBe(before)
  })

  it('generic with a body template file', async () => {
    const tpl = join(dir, 'body.json')
    writeFileSync(tpl, '{"from":"{{from}}","to":"{{to[]}}","subject":"{{subject}}"}')
    const { code } = await exec(
      ENV,
      '--provider',
      'generic',
      '--key-env',
      'GEN_KEY',
      '--url',
      `${server.origin}/hook/cli`,
      '--ca',
      ca,
      '--body-template',
      tpl,
      '--from',
      'a@example.test',
      '--to',
      'b@example.test',
      '--subject',
      'S',
    )
    expect(code).toBe(0)
    expect(server.requests.at(-1)!.json).toEqual({ from: 'a@example.test', to: ['b@example.test'], subject: 'S' })
  })

  it('usage problems at run time exit 2: unset variable, unreadable file, invalid input', async () => {
    const unset = await exec(ENV, '--provider', 'brevo', '--key-env', 'NOT_SET_ANYWHERE', ...common(), '--verify')
    expect(unset.code).toBe(2)
    expect(unset.err).toMatch(/--key-env: the environment variable it names is not set or is empty/)
    expect(unset.err).not.toContain('NOT_SET_ANYWHERE')
    expect((await exec(ENV, '--provider', 'brevo', '--key-env', 'EMPTY', ...common(), '--verify')).code).toBe(2)
    const missing = await exec(ENV, '--provider', 'brevo', '--key-env', 'BREVO_KEY', ...common(), '--from', 'a@example.test', '--to', 'b@example.test', '--attach', join(dir, 'nope.pdf'))
    expect(missing.code).toBe(2)
    expect(missing.err).toMatch(/cannot read --attach file/)
    const invalid = await exec(ENV, '--provider', 'brevo', '--key-env', 'BREVO_KEY', ...common(), '--from', 'not-an-address', '--to', 'b@example.test')
    expect(invalid.code).toBe(2)
    expect(invalid.err).toMatch(/message\.from: address must look like name@domain/)
    expect(invalid.err).toMatch(/mailprobe api --help/)
  })
})
