// The built `mailprobe oauth` and `send|verify --oauth NAME` as child processes, against the local
// OAuth2 issuer and an SMTP peer that checks each bearer token's signature against the issuer's keys:
// sign-ins with the device and browser flows (the test reads what the command prints and acts on it),
// a send with a saved sign-in through bin/mailprobe.cjs, the renewal of a token about to expire (an
// info line in the transcript), a revoked refresh token ("sign in again", exit 1), and Ctrl-C while
// the device code waits (130). Nothing printed holds a token.
import { readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createLocalJWKSet, jwtVerify } from 'jose'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import type { SmtpResult } from '../../../preload/contract'
import type { LoginJson } from '../../../main/cli/oauth'
import { removeCaFile, writeCaFile } from '../../fixtures/certs'
import { ROOT, runCli, startCli, type CliRun } from '../../fixtures/cli'
import { followAuthorization, startOAuthIssuer, TEST_ACCOUNT, type OAuthIssuer } from '../../fixtures/oauth-issuer'
import { expectNoLeaks } from '../../fixtures/secret-scan'
import { startSmtpPeer, type SmtpPeer } from '../../fixtures/smtp-peers'

const BIN = resolve(ROOT, 'bin/mailprobe.cjs')

let caFile = ''
let issuer: OAuthIssuer
let peer: SmtpPeer
let dataDir = ''
/** Every token the peer was given, in order, and whether it passed. */
let presented: { token: string; user: string; ok: boolean }[] = []
const dirs: string[] = []

beforeAll(async () => {
  caFile = await writeCaFile()
}, 120_000)
afterAll(async () => {
  removeCaFile(caFile)
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })))
})
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'mailprobe-oauth-child-'))
  dirs.push(dataDir)
  issuer = await startOAuthIssuer()
  presented = []
  // A submission server that trusts the issuer: the token's signature against its keys, its issuer and expiry, and the mailbox it names.
  const jwks = createLocalJWKSet({ keys: issuer.mock.issuer.keys.toJSON() })
  peer = await startSmtpPeer({
    mode: 'tls',
    authMethods: ['XOAUTH2'],
    verifyToken: async (token, user) => {
      const ok = await jwtVerify(token, jwks, { issuer: issuer.url }).then(
        ({ payload }) => payload.email === user,
        () => false,
      )
      presented.push({ token, user, ok })
      return ok
    },
  })
})
afterEach(async () => {
  await Promise.all([issuer.close(), peer.close()])
})

const env = () => ({ MAILPROBE_DATA_DIR: dataDir })
const login = (name: string, flow: 'device' | 'browser', ...extra: string[]) => [
  ...['oauth', 'login', '--name', name, '--provider', 'generic', '--issuer', issuer.url, '--client-id', 'mailprobe-cli', '--flow', flow],
  ...['--scope', 'openid', '--scope', 'email', '--scope', 'offline_access', ...extra],
]
const verify = (name: string, ...extra: string[]) => ['verify', '--host', '127.0.0.1', '--port', String(peer.port), '--security', 'tls', '--ca', caFile, '--oauth', name, ...extra]

type Saved = { secrets: { accessToken: string; refreshToken?: string }; refreshedAt: string | null; expiresAt: string | null }
const saved = (name: string): Saved => (JSON.parse(readFileSync(join(dataDir, 'oauth-sign-ins.json'), 'utf8')) as { data: { signIns: Record<string, Saved> } }).data.signIns[name]!

/** Signs in through the built command with the device flow: approves the code it prints. */
async function loginByDevice(name: string, ...extra: string[]): Promise<CliRun> {
  const cli = startCli(login(name, 'device', ...extra), { env: env() })
  const [, code] = await cli.waitFor('stderr', /and enter the code {2}(\S+)/)
  issuer.approve(code)
  return cli.done
}

/** Signs in through the built command with the browser flow: follows the address it prints, as a browser would. */
async function loginByBrowser(name: string, ...extra: string[]): Promise<CliRun> {
  const cli = startCli(login(name, 'browser', ...extra), { env: env() })
  const [, url] = await cli.waitFor('stderr', /\n {2}(http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+)\n/)
  await followAuthorization(url!)
  return cli.done
}

/** The next token answer for this grant lives `seconds` only. */
function shortLived(grant: string, seconds: number): void {
  const hook = (res: { body: Record<string, unknown> }, req: { body: Record<string, unknown> }) => {
    if (req.body.grant_type !== grant) return
    res.body.expires_in = seconds
    issuer.mock.service.off('beforeResponse', hook)
  }
  issuer.mock.service.on('beforeResponse', hook)
}

/** Every token the issuer handed out that the sign-ins file holds now, the ones the peer saw, and the device codes. */
const tokens = (...names: string[]) =>
  [...names.flatMap((n) => [saved(n).secrets.accessToken, saved(n).secrets.refreshToken]), ...presented.map((p) => p.token), ...issuer.grants.map((g) => g.deviceCode)]
    .filter((v): v is string => typeof v === 'string')
    .map((value) => ({ value }))

describe('mailprobe oauth (built)', () => {
  it('login with the device flow: the code on stderr, one JSON object on stdout; list shows the sign-in and no token', async () => {
    const run = await loginByDevice('work', '--json')
    expect(run.status, run.stderr).toBe(0)
    expect(run.stdout.trim().split('\n')).toHaveLength(1)
    const out = JSON.parse(run.stdout) as LoginJson
    expect(Object.keys(out)).toEqual(['ok', 'name', 'provider', 'flow', 'account', 'scopes', 'expiresAt', 'error'])
    expect(out).toMatchObject({ ok: true, name: 'work', provider: 'generic', flow: 'device', account: TEST_ACCOUNT, scopes: ['openid', 'email', 'offline_access'], error: null })
    expect(run.stderr).toContain(`To sign in, open  ${issuer.origin}/activate\n  and enter the code  ${issuer.grants[0]!.userCode}\n`)
    // stderr is a pipe here: no countdown lines.
    expect(run.stderr).not.toContain(' left')

    const [text, json] = await Promise.all([runCli(['oauth', 'list'], { env: env() }), runCli(['oauth', 'list', '--json'], { env: env() })])
    expect(text.status).toBe(0)
    expect(text.stdout).toMatch(new RegExp(`\\nwork +generic +device +${TEST_ACCOUNT.replace('.', '\\.')} +openid email offline_access +\\d{4}-`))
    expect(json.status).toBe(0)
    expect((JSON.parse(json.stdout) as { name: string }[]).map((s) => s.name)).toEqual(['work'])
    expectNoLeaks([run, text, json].map((r) => r.stdout + r.stderr).join('\n'), tokens('work'), 'login and list output')
  })

  it('login with the browser flow: the address on stderr, followed by a plain HTTP client; logout forgets it', async () => {
    const run = await loginByBrowser('work')
    expect(run.status, run.stderr).toBe(0)
    expect(run.stdout).toMatch(new RegExp(`\\nOK — signed in as ${TEST_ACCOUNT}; send and verify use it with --oauth work\\n$`))
    const out = await runCli(['oauth', 'logout', 'work'], { env: env() })
    expect(out).toMatchObject({ status: 0, stdout: `Signed out: the sign-in “work” and its tokens were removed from ${join(dataDir, 'oauth-sign-ins.json')}.\n` })
    expect((await runCli(['oauth', 'logout', 'work'], { env: env() })).status).toBe(1)
  })

  it('Ctrl-C while the device code waits: cancelled, exit 130, in text and with --json', async () => {
    issuer.device.interval = 600
    for (const json of [false, true]) {
      const cli = startCli(login('work', 'device', ...(json ? ['--json'] : [])), { env: env() })
      await cli.waitFor('stderr', /and enter the code/)
      cli.kill('SIGINT')
      const run = await cli.done
      expect(run.status).toBe(130)
      expect(run.stderr).toContain('cancelling the sign-in')
      if (json) expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, error: { code: 'CANCELLED', message: 'You cancelled the sign-in.' } })
      else expect(run.stdout).toBe('FAILED CANCELLED — You cancelled the sign-in.\n')
    }
  })
})

describe('send and verify --oauth NAME (built)', () => {
  it('verify and send with a saved sign-in through bin/mailprobe.cjs: its token, its account, an info line first', async () => {
    expect((await loginByDevice('work')).status).toBe(0)
    const token = saved('work').secrets.accessToken
    const [human, json] = await Promise.all([
      startCli(verify('work'), { env: env(), bin: BIN }).done,
      startCli(['send', ...verify('work', '--json').slice(1), '--from', TEST_ACCOUNT, '--to', 'rcpt@example.test', '--subject', 'oauth send'], { env: env(), bin: BIN }).done,
    ])
    expect(human.status, human.stdout + human.stderr).toBe(0)
    expect(human.stdout).toMatch(
      new RegExp(`^ +[\\d.]+ ms {2}== OAuth2: using the saved sign-in “work” \\(${TEST_ACCOUNT.replace('.', '\\.')}\\) from ${issuer.url}; its access token is valid until \\d{4}-`),
    )
    expect(human.stdout).toMatch(/-> AUTH XOAUTH2 \[redacted\]/)
    expect(human.stdout).toMatch(/\nOK — authenticated with XOAUTH2/)
    expect(json.status, json.stdout + json.stderr).toBe(0)
    const result = JSON.parse(json.stdout) as SmtpResult
    expect(result).toMatchObject({ ok: true, authMethodUsed: 'XOAUTH2' })
    expect(result.transcript[0]).toMatchObject({ dir: 'info', text: expect.stringMatching(/^OAuth2: using the saved sign-in “work”/) as unknown })
    expect(peer.received.filter((m) => m.raw.includes('Subject: oauth send'))).toHaveLength(1)
    expect(presented).toEqual([
      { token, user: TEST_ACCOUNT, ok: true },
      { token, user: TEST_ACCOUNT, ok: true },
    ])
    expectNoLeaks(human.stdout + human.stderr + json.stdout + json.stderr, tokens('work'), 'send --oauth output')
  })

  it('renews a token with under five minutes left before the run, says so in the transcript, and uses and keeps the new one', async () => {
    shortLived('authorization_code', 120)
    expect((await loginByBrowser('work')).status).toBe(0)
    const before = saved('work')
    const run = await runCli(verify('work', '--json'), { env: env() })
    expect(run.status, run.stdout + run.stderr).toBe(0)
    const result = JSON.parse(run.stdout) as SmtpResult
    const info = result.transcript.filter((l) => l.dir === 'info').map((l) => l.text)
    expect(info[0]).toMatch(new RegExp(`^OAuth2: the access token of “work” \\(${TEST_ACCOUNT.replace('.', '\\.')}\\) expires in 2 minutes; asking ${issuer.url} for a new one \\(refresh token\\)$`))
    expect(info[1]).toMatch(/^OAuth2: renewed the access token of “work” \(johndoe@example\.test\); it is valid until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\.$/)
    expect(info[2]).toMatch(/^OAuth2: using the saved sign-in “work”/)
    expect(result.transcript.slice(0, 3).every((l) => l.dir === 'info')).toBe(true)

    const after = saved('work')
    expect(after.secrets.accessToken).not.toBe(before.secrets.accessToken)
    expect(after.refreshedAt).not.toBeNull()
    expect(Date.parse(after.expiresAt!) - Date.now()).toBeGreaterThan(50 * 60_000)
    expect(presented).toEqual([{ token: after.secrets.accessToken, user: TEST_ACCOUNT, ok: true }])
    expect(issuer.tokenRequests.filter((r) => r.grantType === 'refresh_token')).toHaveLength(1)

    // The next run finds it fresh: no renewal.
    const again = await runCli(verify('work'), { env: env() })
    expect(again.status).toBe(0)
    expect(again.stdout).not.toContain('asking')
    expect(issuer.tokenRequests.filter((r) => r.grantType === 'refresh_token')).toHaveLength(1)
    expectNoLeaks(run.stdout + run.stderr + again.stdout + again.stderr, [...tokens('work'), { value: before.secrets.accessToken }, { value: before.secrets.refreshToken! }], 'renewal output')
  })

  it('a refresh token the issuer refuses: exit 1, OAUTH_SIGN_IN_AGAIN, nothing sent to the server', async () => {
    shortLived('authorization_code', 60)
    expect((await loginByBrowser('work')).status).toBe(0)
    const refuse = () =>
      issuer.mock.service.once('beforeResponse', (res: { statusCode: number; body: unknown }) => {
        res.statusCode = 400
        res.body = { error: 'invalid_grant', error_description: 'AADSTS50173: The provided grant has expired due to it being revoked.' }
      })
    refuse()
    const human = await runCli(verify('work'), { env: env() })
    refuse()
    const json = await runCli(verify('work', '--json'), { env: env() })
    expect(human.status).toBe(1)
    expect(json.status).toBe(1)
    const message = `The sign-in “work” can no longer be renewed: ${issuer.url} refused its refresh token (invalid_grant: AADSTS50173: The provided grant has expired due to it being revoked.). Sign in again.`
    expect(human.stdout).toMatch(/== OAuth2: the access token of “work” .* expires in (1 minute|less than a minute); asking .* for a new one \(refresh token\)\n/)
    expect(human.stdout).toContain(`** OAUTH_SIGN_IN_AGAIN: ${message}`)
    expect(human.stdout).toMatch(new RegExp(`\\nFAILED OAUTH_SIGN_IN_AGAIN — ${message.replace(/[.()]/g, '\\$&')}\\n$`))
    const result = JSON.parse(json.stdout) as SmtpResult
    expect(result).toMatchObject({ ok: false, kind: 'smtp', error: { code: 'OAUTH_SIGN_IN_AGAIN', message }, phases: [], target: { host: '127.0.0.1', port: peer.port, security: 'tls' } })
    expect(result.transcript.map((l) => l.dir)).toEqual(['info', 'err'])
    expect(presented).toEqual([])
    expectNoLeaks(human.stdout + human.stderr + json.stdout + json.stderr, tokens('work'), 'refused renewal output')
  })

  it('a name with no sign-in, or an app-only sign-in without --user, is bad usage (exit 2)', async () => {
    const none = await runCli(verify('nobody'), { env: env() })
    expect(none.status).toBe(2)
    expect(none.stderr).toContain(`mailprobe verify: There is no saved sign-in named “nobody” in ${join(dataDir, 'oauth-sign-ins.json')}: sign in first (mailprobe oauth login --name nobody …).`)
    const app = await runCli(
      [
        'oauth',
        'login',
        '--name',
        'app',
        '--provider',
        'generic',
        '--issuer',
        issuer.url,
        '--client-id',
        'mailprobe-app',
        '--flow',
        'client-credentials',
        '--client-secret-env',
        'APP_SECRET',
        '--scope',
        'mail.send',
      ],
      { env: { ...env(), APP_SECRET: 'app-secret-4d1' } },
    )
    expect(app.status, app.stderr).toBe(0)
    const noUser = await runCli(verify('app', '--json'), { env: env() })
    expect(noUser.status).toBe(2)
    expect(JSON.parse(noUser.stdout)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringContaining('give the mailbox with --user') as unknown } })
    expect(presented).toEqual([])
  })
})
