// `mailprobe oauth` and `send|verify --oauth` in-process: argument parsing (every usage error, and
// secrets refused in argv), then login with each flow against the local OAuth2 issuer (the browser
// flow's address is read from what the command prints and followed with plain HTTP requests, as a
// browser would), --json's shape, list (never a token), logout, Ctrl-C, the countdown, and a
// sign-ins file that others can read.
import { EventEmitter } from 'node:events'
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generate } from 'selfsigned'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { OAUTH_FLOWS, OAUTH_PROVIDERS, SignInSummarySchema, signInNameSchema, smtpJobSchema } from '../../../preload/contract'
import { CLIENT_SECRET_IN_ARGV, parseCli, SIGN_IN_NAME, UsageError, withSecret, type RunRequest } from '../../../main/cli/args'
import { defaultDataDir } from '../../../main/cli/data-dir'
import { OAUTH_FLOW_NAMES, OAUTH_HELP, OAUTH_PROVIDER_NAMES, parseOAuthArgs, runOAuthCommand, type LoginJson, type OAuthCliRequest, type OAuthIO } from '../../../main/cli/oauth'
import { SIGN_INS_FILE } from '../../../main/cli/sign-ins'
import { CLI_SIGN_INS_FILE } from '../../../main/core/oauth'
import { expectNoLeaks } from '../../fixtures/secret-scan'
import { followAuthorization, startOAuthIssuer, TEST_ACCOUNT, type OAuthIssuer } from '../../fixtures/oauth-issuer'

const SECRET = 'Cs-canary-do-not-print-7f3e'

/** The UsageError (exit status 2) `fn` throws; fails when it throws none. */
function usageError(fn: () => unknown): UsageError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError)
    expect((err as UsageError).exitCode).toBe(2)
    return err as UsageError
  }
  throw new Error('no usage error')
}

const oauthUsage = (...argv: string[]) => usageError(() => parseOAuthArgs(argv)).message
const LOGIN = ['login', '--name', 'work', '--provider', 'generic', '--issuer', 'http://127.0.0.1:1', '--client-id', 'cli', '--scope', 'openid']

describe('mailprobe oauth: arguments', () => {
  it('parses login with every option, and chooses the flow by provider when none is given', () => {
    expect(
      parseOAuthArgs([
        'login',
        '--name',
        'work',
        '--provider',
        'microsoft',
        '--tenant',
        'contoso.onmicrosoft.com',
        '--client-id',
        ' app-id ',
        '--flow',
        'client-credentials',
        '--client-secret-env',
        'APP_SECRET',
        '--scope',
        'https://outlook.office365.com/.default',
        '--json',
      ]),
    ).toEqual({
      action: 'login',
      name: 'work',
      config: { provider: 'microsoft', clientId: 'app-id', flow: 'client-credentials', tenant: 'contoso.onmicrosoft.com', scopes: ['https://outlook.office365.com/.default'] },
      clientSecretEnv: 'APP_SECRET',
      clientCertificate: null,
      json: true,
    })
    const flowOf = (argv: string[]) => (parseOAuthArgs(argv) as Extract<OAuthCliRequest, { action: 'login' }>).config.flow
    expect(flowOf(['login', '--name', 'm', '--provider', 'microsoft', '--client-id', 'x'])).toBe('device')
    expect(flowOf(['login', '--name', 'g', '--provider', 'google', '--client-id', 'x'])).toBe('browser')
    expect(flowOf(LOGIN)).toBe('browser')
    expect(parseOAuthArgs(['oauth', ...LOGIN, '--scope', 'email', '--flow', 'device'])).toMatchObject({
      config: { provider: 'generic', issuer: 'http://127.0.0.1:1', scopes: ['openid', 'email'], flow: 'device' },
      clientSecretEnv: null,
      clientCertificate: null,
      json: false,
    })
  })

  it('parses list, logout and help', () => {
    expect(parseOAuthArgs(['list'])).toEqual({ action: 'list', json: false })
    expect(parseOAuthArgs(['list', '--json'])).toEqual({ action: 'list', json: true })
    expect(parseOAuthArgs(['logout', 'work.365@contoso'])).toEqual({ action: 'logout', name: 'work.365@contoso' })
    for (const argv of [['--help'], ['-h'], ['help'], ['login', '--help'], ['list', '-h'], ['logout', '--help'], [...LOGIN, '--flow', 'nonsense', '--help']])
      expect(parseOAuthArgs(argv)).toEqual({ action: 'help' })
    expect(parseCli(['help', 'oauth'])).toEqual({ action: 'module', command: 'oauth', argv: ['--help'] })
    expect(parseCli(['oauth', 'list'])).toEqual({ action: 'module', command: 'oauth', argv: ['list'] })
  })

  it.each([
    [[], /a subcommand is needed: login, list or logout/],
    [['signin'], /unknown subcommand 'signin': login, list or logout/],
    [['--name', 'x', 'login'], /a subcommand comes first/],
    [['login'], /login needs --name NAME/],
    [['login', '--name=-x', '--provider', 'google', '--client-id', 'x'], /--name takes letters, digits, \. _ @ and - \(starting with a letter or digit\), at most 64 characters \(got '-x'\)/],
    [['login', '--name', 'has space', '--provider', 'google', '--client-id', 'x'], /--name takes letters, digits, \. _ @ and - .*\(got 'has space'\)/],
    [['login', '--name', 'x'.repeat(65), '--provider', 'google', '--client-id', 'x'], /at most 64 characters/],
    [['login', '--name', 'w'], /login needs --provider: microsoft, google, generic/],
    [['login', '--name', 'w', '--provider', 'yahoo', '--client-id', 'x'], /--provider must be one of microsoft, google, generic \(got 'yahoo'\)/],
    [['login', '--name', 'w', '--provider', 'google'], /login needs --client-id ID/],
    [['login', '--name', 'w', '--provider', 'google', '--client-id', '  '], /login needs --client-id ID/],
    [['login', '--name', 'w', '--provider', 'google', '--client-id', 'x', '--flow', 'implicit'], /--flow must be one of browser, device, client-credentials \(got 'implicit'\)/],
    [['login', '--name', 'w', '--provider', 'google', '--client-id', 'x', '--tenant', 'contoso'], /--tenant is for --provider microsoft only/],
    [
      ['login', '--name', 'w', '--provider', 'microsoft', '--client-id', 'x', '--issuer', 'https://login.example'],
      /--issuer is for --provider generic only \(Microsoft’s issuer comes from --tenant\)/,
    ],
    [['login', '--name', 'w', '--provider', 'generic', '--client-id', 'x', '--scope', 'a'], /--provider generic needs --issuer URL/],
    [['login', '--name', 'w', '--provider', 'generic', '--client-id', 'x', '--issuer', 'https://i.example'], /--provider generic needs the scopes .*--scope S/],
    [['login', '--name', 'w', '--provider', 'google', '--client-id', 'x', '--client-secret-env', 'not a name'], /--client-secret-env takes the NAME of an environment variable/],
    [
      ['login', '--name', 'w', '--provider', 'microsoft', '--tenant', 't', '--client-id', 'x', '--flow', 'client-credentials'],
      /--flow client-credentials needs the app’s client secret \(--client-secret-env VAR\) or certificate/,
    ],
    [[...LOGIN, '--scopes', 'x'], /unknown option '--scopes' \(did you mean --scope\?\)/],
    [['list', 'all'], /unexpected argument \(one word not attached to an option\) after list/],
    [['list', '--verbose'], /unknown option '--verbose'/],
    [['logout'], /logout needs the name of the sign-in to forget/],
    [['logout', 'a', 'b'], /logout takes one name/],
    [['logout', 'bad/name'], /logout takes letters, digits/],
  ])('refuses %j', (argv, message) => {
    expect(oauthUsage(...argv)).toMatch(message)
  })

  it('never echoes a stray word (it may be a secret)', () => {
    const message = oauthUsage(...LOGIN, SECRET)
    expect(message).toMatch(/unexpected argument \(one word not attached to an option\) after login; .*--client-secret-env VAR/)
    expect(message).not.toContain(SECRET)
  })

  it.each([
    ['--client-secret', SECRET],
    [`--client-secret=${SECRET}`],
    ['--clientsecret', SECRET],
    ['--secret', SECRET],
    ['--token', SECRET],
    ['--access-token', SECRET],
    ['--refresh-token', SECRET],
    ['--device-code', SECRET],
    ['--private-key', SECRET],
  ])('refuses a secret in argv: %s', (...flag) => {
    for (const argv of [
      ['oauth', ...LOGIN, ...flag],
      ['oauth', 'login', ...flag],
      ['oauth', ...flag],
      ['oauth', 'list', ...flag],
    ]) {
      const err = usageError(() => parseCli(argv))
      expect(err.message).toBe(CLIENT_SECRET_IN_ARGV)
      expect(err.command).toBe('oauth')
      expect(err.message).not.toContain(SECRET)
      // The module's own parser refuses it too (the dispatcher is not the only guard).
      expect(usageError(() => parseOAuthArgs(argv.slice(1))).message).toBe(CLIENT_SECRET_IN_ARGV)
    }
  })

  it('refuses a password or a proxy password in argv like every command', () => {
    expect(usageError(() => parseCli(['oauth', ...LOGIN, '--password', SECRET])).message).toMatch(/passwords are never accepted on the command line/)
    expect(usageError(() => parseOAuthArgs([...LOGIN, '--proxy-password', SECRET])).message).toMatch(/proxy passwords are never accepted/)
  })

  it('keeps its copies of the contract and the core equal to them', () => {
    expect([...OAUTH_PROVIDER_NAMES]).toEqual([...OAUTH_PROVIDERS])
    expect([...OAUTH_FLOW_NAMES]).toEqual([...OAUTH_FLOWS])
    expect(SIGN_INS_FILE).toBe(CLI_SIGN_INS_FILE)
    for (const name of ['a', 'work', 'me@contoso.com', 'x.y_z-1', 'A'.repeat(64), '', ' x', '-x', '.x', 'a b', 'a/b', 'é', 'A'.repeat(65), 'a\nb']) {
      expect(SIGN_IN_NAME.test(name), name).toBe(signInNameSchema.safeParse(name).success && name.trim() === name)
    }
  })
})

describe('send and verify --oauth: arguments', () => {
  const run = (...argv: string[]): RunRequest => {
    const r = parseCli(argv, { token: 't' })
    if (r.action !== 'run') throw new Error('not a run')
    return r
  }

  it('takes a saved sign-in, with the account as the default user and a token method', () => {
    const r = run('verify', '--host', 'smtp.office365.com', '--oauth', 'work')
    expect(r.oauth).toEqual({ name: 'work', method: 'auto', user: null })
    expect(r.auth).toBeNull()
    expect(r.secretSource).toBeNull()
    expect(withSecret(r, null)).toEqual({ host: 'smtp.office365.com', stopAfter: 'auth' })
    expect(run('send', '--host', 'h', '--oauth', 'work', '--user', 'shared@contoso.com', '--auth', 'xoauth2', '--from', 'a@b.test', '--to', 'c@d.test').oauth).toEqual({
      name: 'work',
      method: 'xoauth2',
      user: 'shared@contoso.com',
    })
    expect(run('verify', '--host', 'h', '--oauth=work', '--auth', 'oauthbearer').oauth).toEqual({ name: 'work', method: 'oauthbearer', user: null })
    // What run.ts then builds is valid engine input.
    expect(smtpJobSchema.safeParse({ ...withSecret(r, null), auth: { method: 'auto', user: TEST_ACCOUNT, secret: 'eyJ.x.y', secretKind: 'token' } }).success).toBe(true)
  })

  it.each([
    [['--oauth', 'w', '--password-env', 'P'], /use either --oauth \(a saved sign-in\) or --password-env \(a password\), not both/],
    [['--oauth', 'w', '--password-stdin'], /use either --oauth \(a saved sign-in\) or --password-stdin \(a password\), not both/],
    [['--oauth', 'w', '--token-env', 'T'], /use either --oauth \(a saved sign-in\) or --token-env \(an access token\), not both/],
    [['--oauth', 'w', '--auth', 'plain'], /--auth plain takes a password; a saved sign-in \(--oauth\) goes with --auth auto, xoauth2 or oauthbearer/],
    [['--oauth', 'w', '--auth', 'nope'], /--auth must be one of/],
    [['--oauth', 'no such name'], /--oauth takes the name of a saved sign-in .*\(got 'no such name'\)/],
    [['--oauth', 'w', '--user', ''], /--user is empty/],
    [['--auth', 'xoauth2'], /--auth needs --user .* or a saved sign-in \(--oauth NAME\)/],
    [['--user', 'me'], /--user needs .* or a saved sign-in \(--oauth NAME\)/],
  ])('refuses verify %j', (extra, message) => {
    expect(usageError(() => parseCli(['verify', '--host', 'h', ...extra])).message).toMatch(message)
  })
})

// ── Running the subcommands ─────────────────────────────────────────────────

class Out {
  text = ''
  isTTY = false
  private readonly waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = []
  write(s: string): boolean {
    this.text += s
    for (const w of [...this.waiters]) {
      const m = w.re.exec(this.text)
      if (m) {
        this.waiters.splice(this.waiters.indexOf(w), 1)
        w.resolve(m)
      }
    }
    return true
  }
  /** Resolves when what was written matches. */
  waitFor(re: RegExp): Promise<RegExpMatchArray> {
    const m = re.exec(this.text)
    if (m) return Promise.resolve(m)
    return new Promise((resolve) => this.waiters.push({ re, resolve }))
  }
}

let dataDir = ''
let issuer: OAuthIssuer
const dirs: string[] = []
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'mailprobe-oauth-cli-'))
  dirs.push(dataDir)
  issuer = await startOAuthIssuer()
})
afterEach(async () => {
  await issuer.close()
})
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })))
})

function fakeIO(env: NodeJS.ProcessEnv = {}) {
  const stdout = new Out()
  const stderr = new Out()
  const signals = new EventEmitter()
  const io: OAuthIO = { stdout, stderr, env: { NO_COLOR: '1', MAILPROBE_DATA_DIR: dataDir, ...env }, signals: signals as unknown as NodeJS.Process }
  return { io, stdout, stderr, signals }
}

const genericLogin = (flow: string, ...extra: string[]) =>
  parseOAuthArgs([
    'login',
    '--name',
    'work',
    '--provider',
    'generic',
    '--issuer',
    issuer.url,
    '--client-id',
    'mailprobe-cli',
    '--flow',
    flow,
    '--scope',
    'openid',
    '--scope',
    'email',
    '--scope',
    'offline_access',
    ...extra,
  ])

const signInsFile = () => join(dataDir, SIGN_INS_FILE)
type FileData = { data: { signIns: Record<string, { secrets: { accessToken: string; refreshToken?: string; clientSecret?: string; clientCertificate?: { certificatePem: string } } }> } }
const saved = () => (JSON.parse(readFileSync(signInsFile(), 'utf8')) as FileData).data.signIns

/** Every secret the file holds, and the device codes the issuer handed out. */
function secretsSoFar(): { value: string }[] {
  const fromFile = Object.values(saved()).flatMap((s) => [s.secrets.accessToken, s.secrets.refreshToken, s.secrets.clientSecret])
  return [...fromFile, ...issuer.grants.map((g) => g.deviceCode)].filter((v): v is string => typeof v === 'string').map((value) => ({ value }))
}

describe('mailprobe oauth login', () => {
  it('device flow: prints the address and the code, waits, saves the sign-in owner-only, and says who signed in', async () => {
    const { io, stdout, stderr } = fakeIO()
    const running = runOAuthCommand(genericLogin('device'), io)
    const [, address, code] = await stderr.waitFor(/To sign in, open {2}(\S+)\n {2}and enter the code {2}(\S+)\n/)
    const grant = issuer.grants[0]!
    expect(code).toBe(grant.userCode)
    expect(address).toBe(`${issuer.origin}/activate`)
    expect(stderr.text).toContain(`(or open ${issuer.origin}/activate?user_code=${grant.userCode}, which has the code in it)`)
    expect(stderr.text).toMatch(/The code is valid for (10|9) minutes, until \d\d:\d\d:\d\d UTC\. Ctrl-C cancels\./)
    await issuer.polls(2)
    issuer.approve(code)
    expect(await running).toBe(0)

    expect(stdout.text).toContain(`  account   ${TEST_ACCOUNT}\n`)
    expect(stdout.text).toContain(`  issuer    ${issuer.url}\n`)
    expect(stdout.text).toContain('  scopes    openid email offline_access\n')
    expect(stdout.text).toMatch(/ {2}expires {3}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(in (59|60) minutes\); renewed before a run \(refresh token\)\n/)
    expect(stdout.text).toContain(`  saved in  ${signInsFile()} (readable by you only)\n`)
    expect(stdout.text).toMatch(new RegExp(`\\nOK — signed in as ${TEST_ACCOUNT}; send and verify use it with --oauth work\\n$`))
    // The flow's own lines (discovery, the code, who signed in) are on stderr; not a countdown: stderr is no terminal here.
    expect(stderr.text).toContain(`== OAuth2: discovering ${issuer.url}`)
    expect(stderr.text).not.toContain('left')

    expect(statSync(signInsFile()).mode & 0o777).toBe(0o600)
    expect(Object.keys(saved())).toEqual(['work'])
    expectNoLeaks(stdout.text + stderr.text, secretsSoFar(), 'device login output')
  })

  it('browser flow: prints the address to open, which a browser follows back to the loopback redirect', async () => {
    const { io, stdout, stderr } = fakeIO()
    const running = runOAuthCommand(genericLogin('browser', '--json'), io)
    const [, url] = await stderr.waitFor(/Open this address in a browser on this machine to sign in \(nothing is opened for you\):\n\n {2}(\S+)\n/)
    expect(url).toMatch(new RegExp(`^${issuer.url}/authorize\\?`))
    expect(stderr.text).toMatch(/== OAuth2: waiting up to 5 minutes for the sign-in in the browser; it comes back to http:\/\/127\.0\.0\.1:\d+\/callback/)
    const page = await followAuthorization(url!)
    expect(page.status).toBe(200)
    expect(await running).toBe(0)
    const out = JSON.parse(stdout.text) as LoginJson
    expect(Object.keys(out)).toEqual(['ok', 'name', 'provider', 'flow', 'account', 'scopes', 'expiresAt', 'error'])
    expect(out).toMatchObject({ ok: true, name: 'work', provider: 'generic', flow: 'browser', account: TEST_ACCOUNT, scopes: ['openid', 'email', 'offline_access'], error: null })
    expect(Date.parse(out.expiresAt!)).toBeGreaterThan(Date.now())
    const verifier = issuer.tokenRequests.find((r) => r.grantType === 'authorization_code')!.form.get('code_verifier')!
    expectNoLeaks(stdout.text + stderr.text, [...secretsSoFar(), { value: verifier }], 'browser login output')
  })

  it('client credentials: the secret comes from the variable --client-secret-env names; the app has no account', async () => {
    const { io, stdout, stderr } = fakeIO({ APP_SECRET: SECRET })
    const code = await runOAuthCommand(
      parseOAuthArgs([
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
      ]),
      io,
    )
    expect(code).toBe(0)
    const grant = issuer.tokenRequests.find((r) => r.grantType === 'client_credentials')!
    const sent = grant.authorization ? Buffer.from(grant.authorization.replace(/^Basic /, ''), 'base64').toString() : `${grant.form.get('client_id')}:${grant.form.get('client_secret')}`
    expect(decodeURIComponent(sent)).toBe(`mailprobe-app:${SECRET}`)
    expect(stdout.text).toContain('  account   (none: the app signed in as itself; give send and verify the mailbox with --user)')
    expect(stdout.text).toMatch(/renewed before a run \(client secret\)/)
    expect(stdout.text).toMatch(/\nOK — the app signed in as itself; send and verify use it with --oauth app\n$/)
    expect(saved().app!.secrets.clientSecret).toBe(SECRET)
    expectNoLeaks(stdout.text + stderr.text, secretsSoFar(), 'client-credentials output')
  })

  it('client credentials with a certificate: the key file is read at run time, signs the assertion, and never shows', async () => {
    const pair = await generate([{ name: 'commonName', value: 'mailprobe-cli-app' }], { keyType: 'rsa', keySize: 2048, algorithm: 'sha256' })
    const cert = join(dataDir, 'app-cert.pem')
    const key = join(dataDir, 'app-key.pem')
    writeFileSync(cert, pair.cert)
    writeFileSync(key, pair.private, { mode: 0o600 })
    const { io, stdout, stderr } = fakeIO()
    const code = await runOAuthCommand(genericLogin('client-credentials', '--client-certificate', cert, '--client-key-file', key), io)
    expect(code).toBe(0)
    const grant = issuer.tokenRequests.find((r) => r.grantType === 'client_credentials')!
    expect(grant.form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
    expect(grant.form.get('client_secret')).toBeNull()
    expect(saved().work!.secrets.clientCertificate?.certificatePem).toBe(pair.cert)
    expectNoLeaks(stdout.text + stderr.text, [{ value: pair.private }], 'certificate sign-in output')
  })

  it('a certificate needs its key, is for client credentials only, and is not given with a secret', () => {
    const bad =
      (...extra: string[]) =>
      () =>
        parseOAuthArgs(['login', '--name', 'app', '--provider', 'generic', '--issuer', 'https://issuer.example.test', '--client-id', 'a', '--scope', 's', ...extra])
    expect(bad('--flow', 'client-credentials', '--client-certificate', 'c.pem')).toThrow(/--client-certificate FILE and --client-key-file FILE go together/)
    expect(bad('--flow', 'browser', '--client-certificate', 'c.pem', '--client-key-file', 'k.pem')).toThrow(/--client-certificate is for --flow client-credentials/)
    expect(bad('--flow', 'client-credentials', '--client-certificate', 'c.pem', '--client-key-file', 'k.pem', '--client-secret-env', 'S')).toThrow(
      /choose one of --client-secret-env and --client-certificate/,
    )
    expect(bad('--flow', 'client-credentials')).toThrow(/needs the app’s client secret \(--client-secret-env VAR\) or certificate/)
  })

  it('an unset --client-secret-env is bad usage, said before anything is asked of the issuer', async () => {
    const { io } = fakeIO()
    await expect(runOAuthCommand(genericLogin('client-credentials', '--client-secret-env', 'UNSET_SECRET'), io)).rejects.toThrow(
      /--client-secret-env: the environment variable it names is not set or is empty/,
    )
    expect(issuer.tokenRequests).toHaveLength(0)
  })

  it('a refused sign-in: exit 1 with the code and the sentence, in text and in --json; nothing saved', async () => {
    issuer.device.script = ['access_denied']
    const text = fakeIO()
    expect(await runOAuthCommand(genericLogin('device'), text.io)).toBe(1)
    expect(text.stdout.text).toMatch(/^FAILED OAUTH_FAILED — The sign-in was declined \(access_denied: The user declined\.\)/)
    issuer.device.script = ['access_denied']
    const json = fakeIO()
    expect(await runOAuthCommand(genericLogin('device', '--json'), json.io)).toBe(1)
    const out = JSON.parse(json.stdout.text) as LoginJson
    expect(out).toMatchObject({ ok: false, name: 'work', provider: 'generic', flow: 'device', account: null, scopes: [], expiresAt: null, error: { code: 'OAUTH_FAILED' } })
    expect(Object.keys(out)).toEqual(['ok', 'name', 'provider', 'flow', 'account', 'scopes', 'expiresAt', 'error'])
    expect(() => readFileSync(signInsFile())).toThrow(/ENOENT/)
  })

  it('settings the sign-in refuses before any request are bad usage (exit 2); --json still prints its object', async () => {
    const { io, stdout } = fakeIO()
    const req = parseOAuthArgs(['login', '--name', 'g', '--provider', 'google', '--client-id', 'x.apps.googleusercontent.com', '--flow', 'device', '--json'])
    await expect(runOAuthCommand(req, io)).rejects.toThrow(/Google’s device flow does not allow the https:\/\/mail\.google\.com\/ scope that SMTP needs/)
    expect(JSON.parse(stdout.text)).toMatchObject({ ok: false, name: 'g', provider: 'google', flow: 'device', error: { code: 'INVALID_INPUT' } })
    await expect(
      runOAuthCommand(parseOAuthArgs(['login', '--name', 'x', '--provider', 'generic', '--issuer', 'http://issuer.example.test', '--client-id', 'c', '--scope', 's']), fakeIO().io),
    ).rejects.toThrow(/issuer must use https:\/\//)
  })

  it('Ctrl-C while it waits for the device code: cancelled, exit 130, nothing saved', async () => {
    issuer.device.interval = 600
    const { io, stdout, stderr, signals } = fakeIO()
    const running = runOAuthCommand(genericLogin('device'), io)
    await stderr.waitFor(/and enter the code/)
    signals.emit('SIGINT')
    expect(await running).toBe(130)
    expect(stderr.text).toMatch(/cancelling the sign-in \(press Ctrl-C again to quit at once\)/)
    expect(stdout.text).toBe('FAILED CANCELLED — You cancelled the sign-in.\n')
    expect(signals.listenerCount('SIGINT')).toBe(0)
    expect(() => readFileSync(signInsFile())).toThrow(/ENOENT/)
  })

  it('counts down on a terminal, one line rewritten in place and cleared at the end', async () => {
    const { io, stderr } = fakeIO()
    stderr.isTTY = true
    io.tickMs = 20
    const running = runOAuthCommand(genericLogin('device'), io)
    await stderr.waitFor(/waiting for the sign-in · \d+:\d\d left[^]*waiting for the sign-in · \d+:\d\d left/)
    issuer.approve()
    expect(await running).toBe(0)
    const CLEAR = '\r\x1b[K'
    const lines = stderr.text.split(CLEAR)
    expect(lines.filter((l) => /^ {2}waiting for the sign-in · (10:00|9:\d\d) left$/.test(l)).length).toBeGreaterThanOrEqual(2)
    // Every countdown line is cleared before the next text, and at the end (nothing follows "left" on its line).
    expect(lines.filter((l) => l.includes(' left') && !l.endsWith(' left'))).toEqual([])
    expect(lines.at(-1)).toMatch(/^== OAuth2: signed in as /)
  })
})

describe('mailprobe oauth list and logout', () => {
  async function signInByDevice(name: string): Promise<string> {
    const { io, stdout, stderr } = fakeIO()
    const req = parseOAuthArgs([
      'login',
      '--name',
      name,
      '--provider',
      'generic',
      '--issuer',
      issuer.url,
      '--client-id',
      'mailprobe-cli',
      '--flow',
      'device',
      '--scope',
      'openid',
      '--scope',
      'offline_access',
    ])
    const running = runOAuthCommand(req, io)
    const [, code] = await stderr.waitFor(/enter the code {2}(\S+)/)
    issuer.approve(code)
    expect(await running).toBe(0)
    return stdout.text
  }

  it('lists names, providers, accounts, scopes and expiry, never a token; logout says whether there was one', async () => {
    const empty = fakeIO()
    expect(await runOAuthCommand({ action: 'list', json: false }, empty.io)).toBe(0)
    expect(empty.stdout.text).toBe(`No saved sign-ins in ${signInsFile()}.\nSign in with: mailprobe oauth login --name NAME --provider microsoft|google|generic --client-id ID\n`)

    expect(await signInByDevice('work')).toContain(`  saved in  ${signInsFile()} (readable by you only)\n`)
    await signInByDevice('backup')
    expect(await signInByDevice('work')).toContain(`  saved in  ${signInsFile()} (readable by you only), replacing the sign-in “work” kept before\n`)
    const text = fakeIO()
    expect(await runOAuthCommand({ action: 'list', json: false }, text.io)).toBe(0)
    const lines = text.stdout.text.split('\n')
    expect(lines[0]).toMatch(/^name +provider +flow +account +scopes +expires$/)
    expect(lines[1]).toMatch(
      new RegExp(
        `^backup +generic +device +${TEST_ACCOUNT.replace('.', '\\.')} +openid offline_access +\\d{4}-\\d\\d-\\d\\dT[\\d:]+Z \\(in (59|60) minutes\\); renewed before a run \\(refresh token\\)$`,
      ),
    )
    expect(lines[2]).toMatch(/^work +generic +device /)
    expect(text.stdout.text).toContain(`Kept in ${signInsFile()} (readable by you only); tokens are never shown.`)

    const json = fakeIO()
    expect(await runOAuthCommand({ action: 'list', json: true }, json.io)).toBe(0)
    const list = JSON.parse(json.stdout.text) as unknown[]
    expect(list.map((s) => SignInSummarySchema.parse(s).name)).toEqual(['backup', 'work'])
    expect(list[1]).toMatchObject({ provider: 'generic', flow: 'device', account: TEST_ACCOUNT, issuer: issuer.url, clientId: 'mailprobe-cli', renewable: true, tenant: null })
    // The tokens are in the file (so the scan below looks for real ones), and in nothing list printed.
    expect(secretsSoFar().length).toBeGreaterThanOrEqual(6)
    expectNoLeaks(text.stdout.text + text.stderr.text + json.stdout.text + json.stderr.text, secretsSoFar(), 'oauth list')

    const out = fakeIO()
    expect(await runOAuthCommand({ action: 'logout', name: 'work' }, out.io)).toBe(0)
    expect(out.stdout.text).toBe(`Signed out: the sign-in “work” and its tokens were removed from ${signInsFile()}.\n`)
    expect(Object.keys(saved())).toEqual(['backup'])
    const again = fakeIO()
    expect(await runOAuthCommand({ action: 'logout', name: 'work' }, again.io)).toBe(1)
    expect(again.stdout.text).toBe(`There is no saved sign-in named “work” in ${signInsFile()} (there are: backup); nothing was removed.\n`)
    expect(statSync(signInsFile()).mode & 0o777).toBe(0o600)
  })

  it('refuses a sign-ins file that others can read, saying how to fix it (exit 2)', async () => {
    await signInByDevice('work')
    chmodSync(signInsFile(), 0o644)
    for (const req of [{ action: 'list', json: false }, { action: 'logout', name: 'work' }, genericLogin('device')] as OAuthCliRequest[]) {
      const { io, stdout } = fakeIO()
      const err = await runOAuthCommand(req, io).then(
        () => null,
        (e: unknown) => e,
      )
      expect(err).toBeInstanceOf(UsageError)
      expect((err as UsageError).message).toContain(`can be read or changed by other users (mode 0644), so Mailprobe will not use the tokens in it. Make it private with: chmod 600 "${signInsFile()}"`)
      expect(stdout.text).toBe('')
    }
    // Refused before anyone was asked to sign in.
    expect(issuer.grants).toHaveLength(1)
  })

  it('sets a damaged sign-ins file aside and says so', async () => {
    writeFileSync(signInsFile(), '{"format":"mailprobe-oauth-sign-ins","version":1,"data":{"signIns":{"x":', { mode: 0o600 })
    const { io, stdout, stderr } = fakeIO()
    expect(await runOAuthCommand({ action: 'list', json: true }, io)).toBe(0)
    expect(stdout.text).toBe('[]\n')
    expect(stderr.text).toMatch(/^mailprobe oauth: warning: The OAuth2 sign-ins file .*; it was kept as oauth-sign-ins\.json\.[^ ]+\. Sign in again to use those accounts\.\n$/)
    expect(readdirSync(dataDir).filter((f) => f.startsWith(`${SIGN_INS_FILE}.`))).toHaveLength(1)
  })

  it('prints where the sign-ins are kept in its help', async () => {
    const { io, stdout } = fakeIO()
    expect(await runOAuthCommand({ action: 'help' }, io)).toBe(0)
    expect(stdout.text).toBe(`${OAUTH_HELP}\nHere they are kept in ${signInsFile()}.\n`)
    for (const option of ['--name', '--provider', '--client-id', '--tenant', '--issuer', '--flow', '--client-secret-env', '--scope', '--json', 'list', 'logout NAME'])
      expect(OAUTH_HELP).toContain(option)
    expect(OAUTH_HELP).toMatch(/readable by you only \(mode 0600\)/)
    expect(defaultDataDir({}, 'linux', '/home/u')).toBe('/home/u/.local/share/mailprobe')
  })
})
