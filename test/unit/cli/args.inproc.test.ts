import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { SMTP_AUTH_METHODS, SMTP_SECURITY, SMTP_STAGES, smtpJobSchema } from '../../../preload/contract'
import { AUTH_METHODS, CliError, parseCli, PASSWORD_IN_ARGV, SECURITY_MODES, STOP_STAGES, TOKEN_IN_ARGV, UsageError, withSecret } from '../../../main/cli/args'
import { readSecret, stripOneNewline } from '../../../main/cli/secrets'
import { parserHarness } from '../../fixtures/cli-parse'

const NOW = new Date('2025-01-02T03:04:05.678Z')
const parse = (...argv: string[]) => parseCli(argv, { now: NOW, token: 'tok12345' })

const { run, usageError } = parserHarness((argv) => parse(...argv))

const BASIC = ['--host', 'smtp.example.com', '--from', 'me@example.com', '--to', 'you@example.net']

describe('lists copied from the contract', () => {
  it('match the contract so --help and validation agree with the engine', () => {
    expect([...SECURITY_MODES]).toEqual([...SMTP_SECURITY])
    expect([...AUTH_METHODS]).toEqual([...SMTP_AUTH_METHODS])
    expect([...STOP_STAGES]).toEqual(SMTP_STAGES.filter((s) => s !== 'send'))
  })
})

describe('help and version', () => {
  it('dispatches --help, help <command>, <command> --help and --version', () => {
    expect(parse('--help')).toEqual({ action: 'help', topic: 'main' })
    expect(parse('-h')).toEqual({ action: 'help', topic: 'main' })
    expect(parse('help')).toEqual({ action: 'help', topic: 'main' })
    expect(parse('help', 'send')).toEqual({ action: 'help', topic: 'send' })
    expect(parse('verify', '--help')).toEqual({ action: 'help', topic: 'verify' })
    // --help wins over other mistakes on the same line.
    expect(parse('send', '--bogus', '-h')).toEqual({ action: 'help', topic: 'send' })
    expect(parse('--version')).toEqual({ action: 'version' })
  })

  it('asks for the general usage when there is no command', () => {
    const err = usageError()
    expect(err.showUsage).toBe(true)
  })

  it('refuses unknown commands and options before the command', () => {
    expect(usageError('sned').message).toMatch(/unknown command 'sned'/)
    expect(usageError('--host', 'x').message).toMatch(/unknown option '--host'.*command comes first/)
    expect(usageError('help', 'prbe').message).toMatch(/no help for 'prbe': the commands are send, verify, probe/)
  })

  it('hands module commands their own words, and their help', () => {
    expect(parseCli(['probe', 'smtp.example.com', '--mx'])).toEqual({ action: 'module', command: 'probe', argv: ['smtp.example.com', '--mx'] })
    expect(parseCli(['help', 'probe'])).toEqual({ action: 'module', command: 'probe', argv: ['--help'] })
    expect(usageError('probe', 'h', '--password', 'x').message).toMatch(/never accepted on the command line/)
  })
})

describe('send', () => {
  it('maps every flag onto the engine input', () => {
    const req = run(
      'send',
      '--host', 'smtp.example.com',
      '--port', '2525',
      '--security', 'starttls',
      '--user', 'me@example.com',
      '--password-env', 'SMTP_PASSWORD',
      '--auth', 'cram-md5',
      '--from', 'me@example.com',
      '--to', 'a@example.net',
      '--to', 'b@example.net',
      '--cc', 'c@example.net',
      '--bcc', 'd@example.net',
      '--subject', 'Hello',
      '--text', 'plain body',
      '--html', '<p>html body</p>',
      '--attach', 'a.pdf',
      '--attach', 'b.txt',
      '--header', 'X-One: 1',
      '--header', 'X-Two:two: parts ',
      '--stop-after', 'rcpt',
      '--ca', 'ca.pem',
      '--insecure',
      '--servername', 'mail.example.com',
      '--ehlo', 'client.example.com',
      '--timeout', '5000',
      '--show-username',
      '--json',
    ) // prettier-ignore
    expect(req.command).toBe('send')
    expect(req.json).toBe(true)
    expect(req.auth).toEqual({ method: 'cram-md5', user: 'me@example.com' })
    expect(req.secretSource).toEqual({ kind: 'env', name: 'SMTP_PASSWORD' })
    expect(req.files).toEqual([
      { option: '--ca', path: 'ca.pem' },
      { option: '--attach', path: 'a.pdf' },
      { option: '--attach', path: 'b.txt' },
    ])
    expect(req.notes).toEqual([])
    expect(req.job).toEqual({
      host: 'smtp.example.com',
      port: 2525,
      security: 'starttls',
      ehloName: 'client.example.com',
      timeouts: { connectMs: 5000, greetingMs: 5000, socketMs: 5000 },
      tls: { caFile: 'ca.pem', servername: 'mail.example.com', insecure: true },
      stopAfter: 'rcpt',
      showUsername: true,
      message: {
        from: 'me@example.com',
        to: ['a@example.net', 'b@example.net'],
        cc: ['c@example.net'],
        bcc: ['d@example.net'],
        subject: 'Hello',
        text: 'plain body',
        html: '<p>html body</p>',
        attachments: [{ path: 'a.pdf' }, { path: 'b.txt' }],
        headers: [
          { name: 'X-One', value: '1' },
          { name: 'X-Two', value: 'two: parts' },
        ],
      },
    })
    // What the CLI builds is what the engine accepts.
    expect(smtpJobSchema.safeParse(withSecret(req, 'pw')).success).toBe(true)
  })

  it('leaves the engine defaults alone and fills in a subject and a text body', () => {
    const req = run('send', ...BASIC)
    expect(req.json).toBe(false)
    expect(req.auth).toBeNull()
    expect(req.secretSource).toBeNull()
    expect(req.job).toEqual({
      host: 'smtp.example.com',
      stopAfter: 'send',
      message: {
        from: 'me@example.com',
        to: ['you@example.net'],
        cc: [],
        bcc: [],
        subject: 'Mailprobe test tok12345 2025-01-02T03:04:05.678Z',
        text: expect.stringMatching(/Mailprobe.*tok12345|tok12345.*Mailprobe/),
        attachments: [],
        headers: [],
      },
    })
    expect(req.job.message!.text).not.toMatch(/\n/)
    const parsed = smtpJobSchema.parse(withSecret(req, null))
    expect(parsed).toMatchObject({ port: 587, security: 'auto', stopAfter: 'send' })
  })

  it('makes a fresh token for each run when none is given', () => {
    const subject = () => {
      const req = parseCli(['send', ...BASIC])
      if (req.action !== 'run') throw new Error('not a run')
      return req.job.message!.subject!
    }
    const a = subject()
    expect(a).toMatch(/^Mailprobe test [0-9a-f]{8} \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    expect(subject()).not.toBe(a)
  })

  it('adds no default text when an HTML body is given', () => {
    const req = run('send', ...BASIC, '--html', '<b>hi</b>')
    expect(req.job.message).toMatchObject({ html: '<b>hi</b>' })
    expect(req.job.message!.text).toBeUndefined()
  })

  it('defaults the port to 465 for --security tls only', () => {
    expect(run('send', ...BASIC, '--security', 'tls').job.port).toBe(465)
    expect(run('send', ...BASIC, '--security', 'tls', '--port', '2465').job.port).toBe(2465)
    expect(run('send', ...BASIC, '--security', 'starttls').job.port).toBeUndefined()
  })

  it('defaults --auth to auto and reads the secret from stdin when asked', () => {
    const req = run('send', ...BASIC, '--user', 'me', '--password-stdin')
    expect(req.auth).toEqual({ method: 'auto', user: 'me' })
    expect(req.secretSource).toEqual({ kind: 'stdin' })
  })

  it('needs a sender only from MAIL on and a recipient only from RCPT on', () => {
    expect(run('send', '--host', 'h', '--stop-after', 'ehlo').job).toEqual({ host: 'h', stopAfter: 'ehlo' })
    const mail = run('send', '--host', 'h', '--from', 'a@b.c', '--stop-after', 'mail')
    expect(mail.job.message).toMatchObject({ from: 'a@b.c', to: [] })
    expect(run('send', '--host', 'h', '--from', 'a@b.c', '--bcc', 'x@y.z').job.message).toMatchObject({ bcc: ['x@y.z'] })
    const early = run('send', '--host', 'h', '--stop-after', 'tls', '--to', 'x@y.z')
    expect(early.job.message).toBeUndefined()
    expect(early.notes).toEqual(['stopping after tls without --from: ignoring --to'])
  })
})

describe('verify', () => {
  it('is send stopping after auth, without a message', () => {
    const req = run('verify', '--host', 'smtp.example.com', '--user', 'me', '--password-env', 'PW', '--auth', 'xoauth2')
    expect(req.command).toBe('verify')
    expect(req.job).toEqual({ host: 'smtp.example.com', stopAfter: 'auth' })
    expect(req.auth).toEqual({ method: 'xoauth2', user: 'me' })
    expect(withSecret(req, 'token')).toEqual({ host: 'smtp.example.com', stopAfter: 'auth', auth: { method: 'xoauth2', user: 'me', secret: 'token' } })
  })

  it('runs without credentials and says which message options it ignores', () => {
    const req = run('verify', '--host', 'h', '--from', 'a@b.c', '--to', 'x@y.z')
    expect(req.auth).toBeNull()
    expect(req.job.message).toBeUndefined()
    expect(req.notes).toEqual(['verify sends nothing: ignoring --from, --to'])
  })

  it('refuses --stop-after', () => {
    expect(usageError('verify', '--host', 'h', '--stop-after', 'rcpt').message).toMatch(/verify always stops after auth/)
  })
})

describe('--token-env: an OAuth2 access token from a variable', () => {
  it('reads the token from the variable it names and marks it as a token, so auto picks XOAUTH2 or OAUTHBEARER', async () => {
    const req = run('verify', '--host', 'smtp.office365.com', '--user', 'me@contoso.com', '--token-env', 'M365_TOKEN')
    expect(req.auth).toEqual({ method: 'auto', user: 'me@contoso.com' })
    expect(req.secretSource).toEqual({ kind: 'token-env', name: 'M365_TOKEN' })
    const io = { env: { M365_TOKEN: 'eyJ.token' }, stdin: Readable.from([]) as unknown as NodeJS.ReadStream, stderr: process.stderr }
    const token = await readSecret(req.secretSource!, io, 'verify')
    expect(token).toBe('eyJ.token')
    const input = withSecret(req, token)
    expect(input.auth).toEqual({ method: 'auto', user: 'me@contoso.com', secret: 'eyJ.token', secretKind: 'token' })
    expect(smtpJobSchema.safeParse(input).success).toBe(true)
    // A password stays a password.
    expect(withSecret(run('verify', '--host', 'h', '--user', 'me', '--password-env', 'PW'), 'pw').auth).toEqual({ method: 'auto', user: 'me', secret: 'pw' })
  })

  it('goes with --auth xoauth2 or oauthbearer, not with a password method', () => {
    expect(run('verify', '--host', 'h', '--user', 'me', '--token-env', 'T', '--auth', 'oauthbearer').auth).toEqual({ method: 'oauthbearer', user: 'me' })
    expect(run('verify', '--host', 'h', '--user', 'me', '--token-env', 'T', '--auth', 'xoauth2').auth).toEqual({ method: 'xoauth2', user: 'me' })
    expect(usageError('verify', '--host', 'h', '--user', 'me', '--token-env', 'T', '--auth', 'plain').message).toBe(
      '--auth plain takes a password; an access token (--token-env) goes with --auth auto, xoauth2 or oauthbearer',
    )
  })

  it('is refused with a password source, without a user, and when given the token instead of a name (not echoed)', async () => {
    expect(usageError('verify', '--host', 'h', '--user', 'me', '--token-env', 'T', '--password-env', 'P').message).toBe(
      'use either --token-env (an OAuth2 access token) or --password-env (a password), not both',
    )
    expect(usageError('verify', '--host', 'h', '--user', 'me', '--token-env', 'T', '--password-stdin').message).toMatch(/either --token-env .* or --password-stdin/)
    expect(usageError('verify', '--host', 'h', '--token-env', 'T').message).toBe('--token-env needs --user (the mailbox the token was issued for)')
    const pasted = usageError('verify', '--host', 'h', '--user', 'me', '--token-env', 'ya29.a0AfB-pasted.token')
    expect(pasted.message).toMatch(/--token-env takes the NAME of an environment variable/)
    expect(pasted.message).not.toContain('ya29')
    const req = run('verify', '--host', 'h', '--user', 'me', '--token-env', 'UNSET_TOKEN')
    await expect(readSecret(req.secretSource!, { env: {}, stdin: process.stdin, stderr: process.stderr }, 'verify')).rejects.toThrow(
      /--token-env: the environment variable it names is not set or is empty/,
    )
  })
})

describe('passwords never come from argv', () => {
  const SECRET = 'Hunter2-secret'
  it.each([
    ['--password', SECRET],
    [`--password=${SECRET}`],
    ['--pass', SECRET],
    [`--pass=${SECRET}`],
    ['--passwd', SECRET],
    ['--pw', SECRET],
    ['--secret', SECRET],
    ['--api-key', SECRET],
    [`--password-stdin=${SECRET}`],
  ])('refuses %s', (...flag) => {
    for (const argv of [['send', ...BASIC, '--user', 'me', ...flag], ['verify', '--host', 'h', ...flag], [...flag]]) {
      const err = usageError(...argv)
      expect(err.message).toBe(PASSWORD_IN_ARGV)
      expect(err.message).toMatch(/--password-env/)
      expect(err.message).toMatch(/--password-stdin/)
      expect(err.message).not.toContain(SECRET)
    }
  })

  it.each([['--token', SECRET], [`--token=${SECRET}`], ['--access-token', SECRET], ['--bearer', SECRET], ['--oauth-token', SECRET]])(
    'refuses %s for send and verify, naming --token-env',
    (...flag) => {
      for (const argv of [
        ['send', ...BASIC, '--user', 'me', ...flag],
        ['verify', '--host', 'h', ...flag],
      ]) {
        const err = usageError(...argv)
        expect(err.message).toBe(TOKEN_IN_ARGV)
        expect(err.message).toMatch(/--token-env VAR/)
        expect(err.message).not.toContain(SECRET)
      }
    },
  )

  it('refuses --token before a command as a password like any other', () => {
    expect(usageError('--token', SECRET).message).toBe(PASSWORD_IN_ARGV)
  })

  it('refuses a stray word (perhaps a password) without echoing it', () => {
    const err = usageError('verify', '--host', 'h', '--user', 'me', '--password-stdin', SECRET)
    expect(err.message).toMatch(/unexpected argument/)
    expect(err.message).toMatch(/--password-env/)
    expect(err.message).not.toContain(SECRET)
  })

  it('refuses a password given as --password-env, without echoing it', () => {
    const err = usageError('verify', '--host', 'h', '--user', 'me', '--password-env', 'p@ss word!')
    expect(err.message).toMatch(/NAME of an environment variable/)
    expect(err.message).not.toContain('p@ss')
  })

  it('refuses credentials in --host', () => {
    const err = usageError('verify', '--host', `me:${SECRET}@smtp.example.com`)
    expect(err.message).toMatch(/--host takes a host name only/)
    expect(err.message).not.toContain(SECRET)
  })
})

describe('usage errors (exit status 2)', () => {
  it.each([
    [['send'], /--host is required/],
    [['send', '--host', '  '], /--host is required/],
    [['send', '--host', 'h'], /--from ADDR is required/],
    [['send', '--host', 'h', '--from', 'a@b.c'], /at least one recipient/],
    [['send', ...BASIC, '--port', 'abc'], /--port must be a number from 1 to 65535 \(got 'abc'\)/],
    [['send', ...BASIC, '--port', '0'], /--port must be/],
    [['send', ...BASIC, '--port', '65536'], /--port must be/],
    [['send', ...BASIC, '--port', '25.5'], /--port must be/],
    [['send', ...BASIC, '--security', 'ssl'], /--security must be one of none, starttls, tls, auto \(got 'ssl'\)/],
    [['send', ...BASIC, '--user', 'u', '--password-env', 'P', '--auth', 'md5'], /--auth must be one of auto, plain, login, cram-md5, xoauth2/],
    [['send', ...BASIC, '--stop-after', 'data'], /--stop-after must be one of connect, banner, ehlo, tls, auth, mail, rcpt/],
    [['send', ...BASIC, '--timeout', '10s'], /--timeout takes milliseconds/],
    [['send', ...BASIC, '--timeout', '50'], /--timeout takes milliseconds from 100/],
    [['send', ...BASIC, '--user', 'me'], /--user needs a password \(--password-env VAR or --password-stdin\), an OAuth2 access token \(--token-env VAR\) or a saved sign-in \(--oauth NAME\)/],
    [['send', ...BASIC, '--user', '', '--password-stdin'], /--user is empty/],
    [['send', ...BASIC, '--password-env', 'PW'], /--password-env needs --user/],
    [['send', ...BASIC, '--password-stdin'], /--password-stdin needs --user/],
    [['send', ...BASIC, '--user', 'u', '--password-env', 'PW', '--password-stdin'], /either --password-env or --password-stdin/],
    [['send', ...BASIC, '--auth', 'plain'], /--auth needs --user/],
    [['send', ...BASIC, '--header', 'no colon'], /--header must look like "Name: value"/],
    [['send', ...BASIC, '--header', ': value'], /--header must look like/],
    [['send', ...BASIC, '--header', 'Bad Name: value'], /--header must look like/],
    [['send', ...BASIC, '--stopafter', 'rcpt'], /unknown option '--stopafter' \(did you mean --stop-after\?\)/],
    [['send', ...BASIC, '--frobnicate'], /^unknown option '--frobnicate'$/],
    [['send', ...BASIC, '--host'], /argument missing/],
    [['send', ...BASIC, '--json=yes'], /does not take an argument/],
  ])('%j', (argv, message) => {
    const err = usageError(...argv)
    expect(err.message).toMatch(message)
    expect(err.message).not.toMatch(/\n/)
    expect(err.command).toBe('send')
  })
})

describe('reading the secret', () => {
  const io = (stdinText: string | null, env: NodeJS.ProcessEnv = {}) => ({
    env,
    stdin: Object.assign(Readable.from(stdinText === null ? [] : [Buffer.from(stdinText)]), { isTTY: false }) as unknown as NodeJS.ReadStream,
    stderr: process.stderr,
  })

  it('strips exactly one trailing newline', () => {
    expect(stripOneNewline('pw\n')).toBe('pw')
    expect(stripOneNewline('pw\r\n')).toBe('pw')
    expect(stripOneNewline('pw\n\n')).toBe('pw\n')
    expect(stripOneNewline(' pw ')).toBe(' pw ')
  })

  it('reads an environment variable', async () => {
    await expect(readSecret({ kind: 'env', name: 'PW' }, io(null, { PW: 's3cret' }))).resolves.toBe('s3cret')
  })

  it('refuses a missing or empty variable without naming it', async () => {
    for (const env of [{}, { PW_MAYBE_A_PASSWORD: '' }]) {
      const failure = readSecret({ kind: 'env', name: 'PW_MAYBE_A_PASSWORD' }, io(null, env), 'verify')
      await expect(failure).rejects.toBeInstanceOf(UsageError)
      await expect(failure).rejects.toThrow(/--password-env: the environment variable it names is not set or is empty/)
      await expect(failure).rejects.not.toThrow(/PW_MAYBE_A_PASSWORD/)
    }
  })

  it('reads all of stdin', async () => {
    await expect(readSecret({ kind: 'stdin' }, io('pass word\n'))).resolves.toBe('pass word')
    await expect(readSecret({ kind: 'stdin' }, io('line1\nline2'))).resolves.toBe('line1\nline2')
  })

  it('refuses an empty stdin', async () => {
    for (const text of [null, '', '\n']) {
      const failure = readSecret({ kind: 'stdin' }, io(text))
      await expect(failure).rejects.toThrow(/standard input was empty/)
      await expect(failure).rejects.toSatisfy((e: unknown) => e instanceof CliError && e.exitCode === 2)
    }
  })
})
