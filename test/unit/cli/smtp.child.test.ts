// The built `mailprobe send/verify` against local SMTP peers, in both output modes: exit codes,
// error codes, what the transcript shows, and that no credential reaches stdout or stderr.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { SmtpResult } from '../../../preload/contract'
import { makeTokenIssuer } from '../../fixtures/bearer-tokens'
import { removeCaFile, writeCaFile } from '../../fixtures/certs'
import { runCli, type CliRun } from '../../fixtures/cli'
import { neverGreets } from '../../fixtures/raw-peers'
import { expectNoLeaks } from '../../fixtures/secret-scan'
import { startSmtpPeer, type SmtpPeerOptions } from '../../fixtures/smtp-peers'

const USER = 'cli-canary-user'
const PASSWORD = 'Cli-canary-pw-93e1'
const SECRETS = [{ value: PASSWORD, user: USER }]
const env = { MP_PASSWORD: PASSWORD }

let caFile = ''
const peers: { close(): Promise<void> }[] = []
beforeAll(async () => {
  caFile = await writeCaFile()
}, 120_000)
afterAll(() => removeCaFile(caFile))
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()))
})

async function peer(options: SmtpPeerOptions) {
  const p = await startSmtpPeer({ users: { [USER]: PASSWORD }, ...options })
  peers.push(p)
  return p
}

/** Runs the same command with --json and without; checks both for leaks; returns both. */
async function both(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<{ json: SmtpResult; jsonRun: CliRun; human: CliRun }> {
  const [jsonRun, human] = await Promise.all([runCli([...args, '--json'], opts), runCli(args, opts)])
  for (const r of [jsonRun, human]) expectNoLeaks(r.stdout + r.stderr, SECRETS, `mailprobe ${args[0]} output`)
  expect(jsonRun.stdout.trim().split('\n').length, 'exactly one JSON object (one line when piped)').toBe(1)
  const json = JSON.parse(jsonRun.stdout) as SmtpResult
  expect(human.status).toBe(jsonRun.status)
  return { json, jsonRun, human }
}

const tlsArgs = () => ['--ca', caFile, '--servername', 'localhost']

describe('mailprobe verify / send against local servers', () => {
  it('verify with AUTH PLAIN over STARTTLS: exit 0, redacted AUTH, phase table, verdict', async () => {
    const p = await peer({ mode: 'starttls' })
    const { json, jsonRun, human } = await both(['verify', '--host', '127.0.0.1', '--port', String(p.port), '--security', 'starttls', ...tlsArgs(), '--user', USER, '--password-env', 'MP_PASSWORD'], {
      env,
    })
    expect(jsonRun.status).toBe(0)
    expect(json).toMatchObject({ ok: true, kind: 'smtp', error: null, authMethodUsed: 'PLAIN' })
    expect(Object.keys(json)).toEqual(expect.arrayContaining(['ok', 'kind', 'error', 'phases', 'totalMs', 'roundTrips', 'tls', 'capabilities', 'transcript', 'result']))
    expect(json.transcript.some((l) => l.dir === 'c' && l.text === 'AUTH PLAIN [redacted]')).toBe(true)
    expect(human.stdout).toMatch(/-> AUTH PLAIN \[redacted\]/)
    expect(human.stdout).toMatch(/<- 235 /)
    expect(human.stdout).toMatch(/\n\s*phase\s+start ms\s+duration ms\s+round trips/)
    expect(human.stdout).toMatch(/\nOK\b/)
  })

  it('verify with AUTH LOGIN reading the password from stdin', async () => {
    const p = await peer({ mode: 'starttls' })
    const { json, human } = await both(['verify', '--host', '127.0.0.1', '--port', String(p.port), ...tlsArgs(), '--user', USER, '--password-stdin', '--auth', 'login'], { input: `${PASSWORD}\n` })
    expect(json.ok).toBe(true)
    expect(json.authMethodUsed).toBe('LOGIN')
    expect(human.stdout.match(/-> \[redacted\]/g)).toHaveLength(2)
  })

  it('a wrong password: exit 1, AUTH_FAILED with the 535 reply', async () => {
    const p = await peer({ mode: 'starttls' })
    const { json, jsonRun, human } = await both(['verify', '--host', '127.0.0.1', '--port', String(p.port), ...tlsArgs(), '--user', USER, '--password-env', 'MP_PASSWORD'], {
      env: { MP_PASSWORD: 'not-' + PASSWORD },
    })
    expect(jsonRun.status).toBe(1)
    expect(json.error).toMatchObject({ code: 'AUTH_FAILED', reply: { code: 535 } })
    expect(human.stdout).toMatch(/FAILED AUTH_FAILED/)
    expectNoLeaks(jsonRun.stdout + human.stdout, [{ value: 'not-' + PASSWORD, user: USER }], 'wrong-password output')
  })

  it('a full send with attachment, header, cc and bcc over implicit TLS', async () => {
    const p = await peer({ mode: 'tls' })
    const args = ['send', '--host', '127.0.0.1', '--port', String(p.port), '--security', 'tls', ...tlsArgs(), '--user', USER, '--password-env', 'MP_PASSWORD']
    const msg = [
      '--from',
      'a@example.test',
      '--to',
      'b@example.test',
      '--cc',
      'c@example.test',
      '--bcc',
      'd@example.test',
      '--subject',
      'cli test',
      '--text',
      'body',
      '--attach',
      'package.json',
      '--header',
      'X-Cli: yes',
    ]
    const { json, jsonRun, human } = await both([...args, ...msg], { env })
    expect(jsonRun.status).toBe(0)
    expect(json.result.response).toMatch(/^250 .*queued as/)
    expect(json.result.accepted).toEqual(['b@example.test', 'c@example.test', 'd@example.test'])
    expect(json.result.messageId).toMatch(/^<.+>$/)
    expect(human.stdout).toMatch(/<- 250 .*queued as/)
    expect(p.received).toHaveLength(2)
    expect(p.received[0]!.raw).toContain('X-Cli: yes')
    expect(p.received[0]!.raw).toContain('filename=package.json')
    expect(p.received[0]!.raw).not.toMatch(/^(Bcc|To|Cc):.*d@example\.test/im)
  })

  it('an envelope test (--stop-after rcpt) delivers nothing', async () => {
    const p = await peer({ mode: 'plain', users: {} })
    const { json, jsonRun } = await both(['send', '--host', '127.0.0.1', '--port', String(p.port), '--security', 'none', '--from', 'a@example.test', '--to', 'b@example.test', '--stop-after', 'rcpt'])
    expect(jsonRun.status).toBe(0)
    expect(json.transcript.map((l) => l.text)).toEqual(expect.arrayContaining(['RSET', 'QUIT']))
    expect(p.received).toHaveLength(0)
  })

  it('a rejected recipient: exit 1, RECIPIENT_REJECTED with 550', async () => {
    const p = await peer({ mode: 'plain', users: {}, rejectRecipients: ['nobody@example.test'] })
    const { json, jsonRun, human } = await both(['send', '--host', '127.0.0.1', '--port', String(p.port), '--security', 'none', '--from', 'a@example.test', '--to', 'nobody@example.test'])
    expect(jsonRun.status).toBe(1)
    expect(json.error).toMatchObject({ code: 'RECIPIENT_REJECTED', reply: { code: 550 } })
    expect(human.stdout).toMatch(/FAILED RECIPIENT_REJECTED/)
  })

  it('no AUTH advertised but credentials given: AUTH_UNSUPPORTED', async () => {
    const p = await peer({ mode: 'plain', users: {}, auth: 'disabled' })
    const { json, jsonRun } = await both(['verify', '--host', '127.0.0.1', '--port', String(p.port), '--security', 'none', '--user', USER, '--password-env', 'MP_PASSWORD'], { env })
    expect(jsonRun.status).toBe(1)
    expect(json.error!.code).toBe('AUTH_UNSUPPORTED')
  })

  it('421 at the greeting: exit 1, PROTOCOL_ERROR with 421', async () => {
    const p = await peer({ mode: 'plain', refuseGreeting: true })
    const { json, jsonRun } = await both(['send', '--host', '127.0.0.1', '--port', String(p.port), '--from', 'a@example.test', '--to', 'b@example.test', '--stop-after', 'ehlo'])
    expect(jsonRun.status).toBe(1)
    expect(json.error).toMatchObject({ code: 'PROTOCOL_ERROR', reply: { code: 421 } })
  })

  it('a greeting that never comes: GREETING_TIMEOUT within --timeout', async () => {
    const p = await neverGreets()
    peers.push(p)
    const { json, jsonRun, human } = await both(['send', '--host', '127.0.0.1', '--port', String(p.port), '--timeout', '400', '--from', 'a@example.test', '--to', 'b@example.test'])
    expect(jsonRun.status).toBe(1)
    expect(json.error!.code).toBe('GREETING_TIMEOUT')
    expect(human.stdout).toMatch(/GREETING_TIMEOUT/)
  })

  it('the wrong TLS mode both ways', async () => {
    const starttls = await peer({ mode: 'starttls' })
    const a = await both(['verify', '--host', '127.0.0.1', '--port', String(starttls.port), '--security', 'tls', ...tlsArgs()])
    expect(a.json.error!.code).toBe('TLS_FAILED')
    expect(a.json.error!.message).toMatch(/'starttls'/)
    const implicit = await peer({ mode: 'tls' })
    const b = await both(['verify', '--host', '127.0.0.1', '--port', String(implicit.port), '--security', 'starttls', '--timeout', '400', ...tlsArgs()])
    expect(b.json.error!.code).toBe('GREETING_TIMEOUT')
    expect(b.json.error!.message).toMatch(/'tls'/)
  })

  it('a self-signed certificate: CERT_UNTRUSTED without --ca, ok with --ca', async () => {
    const p = await peer({ mode: 'tls' })
    const without = await both(['verify', '--host', 'localhost', '--port', String(p.port), '--security', 'tls', '--user', USER, '--password-env', 'MP_PASSWORD'], { env })
    expect(without.jsonRun.status).toBe(1)
    expect(without.json.error!.code).toBe('CERT_UNTRUSTED')
    expect(p.auths).toHaveLength(0)
    const withCa = await both(['verify', '--host', 'localhost', '--port', String(p.port), '--security', 'tls', '--ca', caFile, '--user', USER, '--password-env', 'MP_PASSWORD'], { env })
    expect(withCa.jsonRun.status).toBe(0)
    expect(withCa.json.tls).toMatchObject({ authorized: true })
  })

  it('--token-env: auto takes XOAUTH2 with the token; an expired JWT is a warning before connecting, then the decoded refusal', async () => {
    const issuer = await makeTokenIssuer()
    const p = await peer({ mode: 'tls', authMethods: ['PLAIN', 'XOAUTH2'], verifyToken: async (token) => (await issuer.verify(token)).ok })
    const args = ['verify', '--host', '127.0.0.1', '--port', String(p.port), '--security', 'tls', ...tlsArgs(), '--user', USER, '--token-env', 'MP_TOKEN']
    const good = await issuer.issue()
    const ok = await runCli([...args, '--json'], { env: { MP_TOKEN: good } })
    expectNoLeaks(ok.stdout + ok.stderr, [{ value: good, user: USER }], 'token run output')
    expect(ok.status).toBe(0)
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, authMethodUsed: 'XOAUTH2', warnings: [] })

    const now = Math.floor(Date.now() / 1000)
    const expired = await issuer.issue({ iat: now - 7200, exp: now - 3600 })
    const [json, human] = await Promise.all([runCli([...args, '--json'], { env: { MP_TOKEN: expired } }), runCli(args, { env: { MP_TOKEN: expired } })])
    for (const r of [json, human]) expectNoLeaks(r.stdout + r.stderr, [{ value: expired, user: USER }], 'expired token output')
    expect([json.status, human.status]).toEqual([1, 1])
    const result = JSON.parse(json.stdout) as SmtpResult
    expect(result.error).toMatchObject({ code: 'AUTH_FAILED', reply: { code: 535 } })
    expect(result.warnings).toEqual([expect.stringMatching(/^The access token expired at .* \(1 h ago\)/)])
    expect(human.stdout).toMatch(/-> AUTH XOAUTH2 \[redacted\]\n.*<- 334 \S+ {3}\(status 401, schemes bearer\)\n.*-> {4}\(an empty line: ends the refused XOAUTH2 exchange\)\n.*<- 535 /)
    expect(human.stdout).toMatch(/\nwarning: The access token expired at /)
    expect(p.auths.map((a) => a.ok)).toEqual([true, false, false])
  })

  it('Ctrl-C mid-session cancels: the result says CANCELLED, exit 130', async () => {
    const p = await peer({ mode: 'plain', users: {}, dataDelayMs: 10_000 })
    const r = await runCli(['send', '--host', '127.0.0.1', '--port', String(p.port), '--security', 'none', '--from', 'a@example.test', '--to', 'b@example.test'], {
      interruptWhen: /message body sent/,
    })
    expect(r.status).toBe(130)
    expect(r.stdout).toMatch(/FAILED CANCELLED/)
  })
})
