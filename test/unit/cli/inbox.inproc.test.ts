// --await-inbox and --dkim-* in-process: the mailbox URL (every form and every error), the flags of
// send and api → the job's delivery watch and DKIM signing (secrets never in the request), the
// usage errors (exit 2, never echoing a password), the key read at run time, and the countdown a
// watch streams: on a terminal's stderr only, never on stdout.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { deliveryRequestSchema, isLoopbackHost, parseImapUrl, type ClassifiedError, type DeliveryResult, type JobEvent } from '../../../preload/contract'
import { API_HELP, parseApiArgs } from '../../../main/cli/api'
import { parseCli, UsageError, type RunRequest } from '../../../main/cli/args'
import { DKIM_OPTIONS, INBOX_OPTIONS } from '../../../main/cli/inbox-args'
import { readDkimKey, readInboxPassword } from '../../../main/cli/inbox-run'
import { runJob } from '../../../main/cli/job'
import { helpText } from '../../../main/cli/usage'
import { formatDelivery, formatDkimSent } from '../../../main/core/report/delivery'
import type { EventSink } from '../../../main/core/transcript/event-sink'

const PASSWORD = 'Imap-canary-pw-4c1d'
const parse = (...argv: string[]) => parseCli(argv, { now: new Date('2025-01-02T03:04:05Z'), token: 'tok12345' })
const SEND = ['send', '--host', 'smtp.example.com', '--from', 'me@example.com', '--to', 'you@example.net']
const INBOX = ['--await-inbox', 'imaps://you%40example.net@imap.example.net', '--inbox-password-env', 'IMAP_PW']

function run(...argv: string[]): RunRequest {
  const req = parse(...argv)
  if (req.action !== 'run') throw new Error(`expected a run request, got ${req.action}`)
  return req
}

function usage(fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError)
    expect((err as UsageError).exitCode).toBe(2)
    return (err as UsageError).message
  }
  throw new Error('no usage error')
}

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe('parseImapUrl', () => {
  it.each([
    ['imaps://me@imap.example.com', { host: 'imap.example.com', port: 993, security: 'tls', user: 'me' }],
    ['imaps://me@imap.example.com:1993', { host: 'imap.example.com', port: 1993, security: 'tls', user: 'me' }],
    ['imap://me@imap.example.com', { host: 'imap.example.com', port: 143, security: 'starttls', user: 'me' }],
    ['imap://me@imap.example.com:80', { host: 'imap.example.com', port: 80, security: 'starttls', user: 'me' }],
    ['IMAPS://me@IMAP.Example.COM/', { host: 'imap.example.com', port: 993, security: 'tls', user: 'me' }],
    ['imaps://me%40example.com@imap.example.com', { host: 'imap.example.com', port: 993, security: 'tls', user: 'me@example.com' }],
    // An @ left unencoded still belongs to the user: the host follows the last one.
    ['imaps://me@example.com@imap.example.com', { host: 'imap.example.com', port: 993, security: 'tls', user: 'me@example.com' }],
    ['imaps://j%C3%B6rg@imap.example.com', { host: 'imap.example.com', port: 993, security: 'tls', user: 'jörg' }],
    ['imap://me@127.0.0.1:1143?tls=none', { host: '127.0.0.1', port: 1143, security: 'none', user: 'me' }],
    ['imap://me@localhost?tls=none', { host: 'localhost', port: 143, security: 'none', user: 'me' }],
    ['imap://me@[::1]:1143?tls=none', { host: '::1', port: 1143, security: 'none', user: 'me' }],
    ['imaps://me@[2001:db8::1]', { host: '2001:db8::1', port: 993, security: 'tls', user: 'me' }],
    ['  imaps://me@imap.example.com  ', { host: 'imap.example.com', port: 993, security: 'tls', user: 'me' }],
  ])('%s', (url, want) => {
    expect(parseImapUrl(url)).toEqual(want)
  })

  it('leaves the user out when the URL names none (a saved sign-in may name the mailbox)', () => {
    expect(parseImapUrl('imaps://outlook.office365.com')).toEqual({ host: 'outlook.office365.com', port: 993, security: 'tls' })
  })

  it.each([
    ['', /empty/],
    ['imap.example.com', /must be a URL: give imaps:\/\/USER@HOST/],
    ['pop3://me@pop.example.com', /scheme 'pop3' is not supported/],
    ['https://me@imap.example.com', /scheme 'https' is not supported/],
    ['imaps://me:Hunter2@imap.example.com', /password may not be part of the URL.*--inbox-password-env VAR/],
    ['imaps://me:@imap.example.com', /password may not be part of the URL/],
    ['imaps://me@imap.example.com:0', /port must be a number from 1 to 65535/],
    ['imaps://me@imap.example.com:70000', /cannot be read/],
    ['imaps://me@imap.example.com/INBOX', /takes no path: name the folders to watch with --inbox-folder/],
    ['imaps://me@imap.example.com#x', /takes no path/],
    ['imap://me@imap.example.com?tls=none', /without TLS only on this machine/],
    ['imap://me@10.0.0.1?tls=none', /without TLS only on this machine/],
    ['imaps://me@127.0.0.1?tls=none', /goes with imap:\/\/, not imaps:\/\//],
    ['imap://me@127.0.0.1?tls=off', /only option a mailbox URL takes is \?tls=none/],
    ['imap://me@127.0.0.1?tls=none&x=1', /only option/],
    ['imaps://@imap.example.com', /user before @ is empty/],
    ['imaps://me%4@imap.example.com', /% that is not followed by two hex digits/],
    ['imaps://me%0A@imap.example.com', /control character/],
    ['imaps://me @imap.example.com', /space/],
    ['imaps://', /cannot be read|no host/],
  ])('%j: %s', (url, problem) => {
    const r = parseImapUrl(url)
    expect(r).toHaveProperty('problem')
    expect((r as { problem: string }).problem).toMatch(problem)
  })

  it('never repeats the password', () => {
    const r = parseImapUrl(`imaps://me:${PASSWORD}@imap.example.com`) as { problem: string }
    expect(r.problem).not.toContain(PASSWORD)
  })

  it('the delivery schema takes plaintext on the same loopback hosts the URL does', () => {
    for (const host of ['localhost', 'a.localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]']) expect(isLoopbackHost(host), host).toBe(true)
    for (const host of ['localhost.example.com', '10.0.0.1', '128.0.0.1', '::2']) expect(isLoopbackHost(host), host).toBe(false)
    const base = { user: 'me', secret: 'x' }
    expect(deliveryRequestSchema.safeParse({ ...base, host: '127.0.0.1', security: 'none' }).success).toBe(true)
    expect(deliveryRequestSchema.safeParse({ ...base, host: 'imap.example.com', security: 'none' }).success).toBe(false)
  })
})

describe('send --await-inbox and --dkim-*', () => {
  it('builds the delivery watch without its secret; the token is the one the default subject names', () => {
    const req = run(...SEND, ...INBOX, '--inbox-timeout', '2.5', '--inbox-folder', 'INBOX', '--inbox-folder', 'Spam', '--inbox-delete', '--inbox-ca', 'imap-ca.pem', '--inbox-dns', '127.0.0.1:5353')
    expect(req.inbox).toEqual({
      delivery: {
        host: 'imap.example.net',
        port: 993,
        security: 'tls',
        user: 'you@example.net',
        timeoutMs: 2500,
        folders: ['INBOX', 'Spam'],
        deleteAfter: true,
        tls: { caFile: 'imap-ca.pem' },
        dnsServers: ['127.0.0.1:5353'],
        token: 'tok12345',
      },
      secret: { kind: 'env', name: 'IMAP_PW' },
    })
    expect(req.job.message?.subject).toContain('tok12345')
    expect(req.files).toContainEqual({ option: '--inbox-ca', path: 'imap-ca.pem' })
    expect(req.dkim).toBeNull()
    // The contract takes it once the secret is added.
    expect(deliveryRequestSchema.safeParse({ ...req.inbox!.delivery, secret: PASSWORD }).success).toBe(true)
  })

  it('defaults: 120 s, INBOX and Junk, nothing deleted; a saved sign-in may stand in for the user', () => {
    expect(run(...SEND, ...INBOX).inbox!.delivery).toEqual({ host: 'imap.example.net', port: 993, security: 'tls', user: 'you@example.net', timeoutMs: 120_000, token: 'tok12345' })
    expect(run(...SEND, '--await-inbox', 'imaps://outlook.office365.com', '--inbox-oauth', 'work').inbox).toMatchObject({
      delivery: { host: 'outlook.office365.com' },
      secret: { kind: 'oauth', name: 'work' },
    })
  })

  it('takes DKIM from a file or a variable, all three flags together', () => {
    const req = run(...SEND, '--dkim-domain', 'example.com', '--dkim-selector', 's1', '--dkim-key-file', 'dkim.pem')
    expect(req.dkim).toEqual({ domain: 'example.com', selector: 's1', key: { kind: 'file', path: 'dkim.pem' } })
    expect(req.files).toContainEqual({ option: '--dkim-key-file', path: 'dkim.pem' })
    expect(run(...SEND, '--dkim-domain', 'example.com', '--dkim-selector', 's1', '--dkim-key-env', 'DKIM_KEY').dkim?.key).toEqual({ kind: 'env', name: 'DKIM_KEY' })
  })

  it.each([
    [[...SEND, '--await-inbox', `imaps://me:${PASSWORD}@imap.example.com`, '--inbox-password-env', 'P'], /password may not be part of the URL.*--inbox-password-env/],
    [[...SEND, '--await-inbox', 'imap://me@imap.example.com?tls=none', '--inbox-password-env', 'P'], /without TLS only on this machine/],
    [[...SEND, '--await-inbox', 'imaps://me@imap.example.com'], /needs the mailbox password .*--inbox-password-env VAR.* or a saved sign-in \(--inbox-oauth NAME\)/],
    [[...SEND, '--await-inbox', 'imaps://me@imap.example.com', '--inbox-password-env', 'P', '--inbox-oauth', 'work'], /either --inbox-password-env .* or --inbox-oauth .*, not both/],
    [[...SEND, '--await-inbox', 'imaps://imap.example.com', '--inbox-password-env', 'P'], /names no user: imaps:\/\/USER@HOST/],
    [[...SEND, '--await-inbox', 'imaps://me@imap.example.com', '--inbox-password-env', PASSWORD.replaceAll('-', '!')], /takes the NAME of an environment variable/],
    [[...SEND, '--await-inbox', 'imaps://me@imap.example.com', '--inbox-oauth', 'not a name'], /--inbox-oauth takes the name of a saved sign-in/],
    [[...SEND, ...INBOX, '--inbox-timeout', '0'], /--inbox-timeout takes seconds from 0.5 to 3600/],
    [[...SEND, ...INBOX, '--inbox-timeout', '2m'], /--inbox-timeout takes seconds/],
    [[...SEND, ...INBOX, '--inbox-folder', ' '], /--inbox-folder takes a folder name/],
    [[...SEND, ...INBOX, '--inbox-dns', 'dns.example.com'], /--inbox-dns takes a DNS server's IP address/],
    [[...SEND, '--inbox-timeout', '5'], /--inbox-timeout goes with --await-inbox URL/],
    [[...SEND, '--inbox-password-env', 'P', '--inbox-delete'], /--inbox-password-env, --inbox-delete go with --await-inbox URL/],
    [[...SEND, ...INBOX, '--stop-after', 'rcpt'], /--await-inbox needs a message that is sent: --stop-after rcpt sends none/],
    [['verify', '--host', 'h', ...INBOX], /--await-inbox needs a message that is sent: verify sends none/],
    [[...SEND, '--dkim-domain', 'example.com'], /DKIM signing needs .* together; missing: --dkim-selector S, --dkim-key-file FILE \(or --dkim-key-env VAR\)/],
    [[...SEND, '--dkim-selector', 's1', '--dkim-key-file', 'k.pem'], /missing: --dkim-domain D$/],
    [[...SEND, '--dkim-domain', 'e.com', '--dkim-selector', 's1', '--dkim-key-file', 'k.pem', '--dkim-key-env', 'K'], /either --dkim-key-file .* or --dkim-key-env .*, not both/],
    [['verify', '--host', 'h', '--dkim-domain', 'e.com'], /--dkim-domain needs a message that is sent: verify sends none/],
    [[...SEND, '--inbox-password', PASSWORD], /never accepted on the command line.*--inbox-password-env VAR/],
    [[...SEND, `--imap-password=${PASSWORD}`], /never accepted on the command line/],
    [[...SEND, '--dkim-key', '-----BEGIN PRIVATE KEY-----'], /--dkim-key-file FILE or --dkim-key-env VAR/],
  ])('%j → exit 2: %s', (argv, message) => {
    const text = usage(() => parse(...argv))
    expect(text).toMatch(message)
    expect(text).not.toContain(PASSWORD)
  })
})

describe('api --await-inbox', () => {
  const API = ['--provider', 'postmark', '--key-env', 'PM', '--from', 'me@example.com', '--to', 'you@example.net']
  const parseApi = (...argv: string[]) => parseApiArgs(argv, { now: new Date('2025-01-02T03:04:05Z'), token: 'tok12345' })

  it('builds the same delivery watch', () => {
    const req = parseApi(...API, ...INBOX, '--inbox-ca', 'ca.pem')
    if (req.action !== 'run') throw new Error('expected a run request')
    expect(req.inbox).toEqual({
      delivery: { host: 'imap.example.net', port: 993, security: 'tls', user: 'you@example.net', timeoutMs: 120_000, tls: { caFile: 'ca.pem' }, token: 'tok12345' },
      secret: { kind: 'env', name: 'IMAP_PW' },
    })
    expect(req.files).toContainEqual({ option: '--inbox-ca', path: 'ca.pem' })
  })

  it.each([
    [[...API, ...INBOX, '--sandbox'], /--sandbox delivers nothing/],
    [['--provider', 'postmark', '--key-env', 'PM', '--verify', ...INBOX], /--await-inbox needs a message that is sent: --verify sends none/],
    [[...API, '--await-inbox', 'imaps://me@imap.example.com'], /needs the mailbox password/],
    [[...API, '--inbox-password', PASSWORD], /never accepted on the command line/],
  ])('%j → exit 2: %s', (argv, message) => {
    const text = usage(() => parseApi(...argv))
    expect(text).toMatch(message)
    expect(text).not.toContain(PASSWORD)
  })
})

describe('help', () => {
  it('send --help lists every delivery and DKIM option, api --help every delivery option, with the URL forms and the exit status', () => {
    for (const option of [...Object.keys(INBOX_OPTIONS), ...Object.keys(DKIM_OPTIONS)]) expect(helpText('send')).toContain(`--${option} `)
    for (const option of Object.keys(INBOX_OPTIONS)) expect(API_HELP).toContain(`--${option} `)
    for (const text of [helpText('send'), API_HELP]) {
      expect(text).toMatch(/imaps:\/\/USER@HOST\[:PORT\] \(TLS from the first byte/)
      expect(text).toMatch(/imap:\/\/USER@HOST\[:PORT\] \(STARTTLS required/)
      expect(text).toMatch(/\?tls=none/)
      expect(text).toMatch(/%40/)
      expect(text).toMatch(/Exit status: 0 the test succeeded \(with --await-inbox: the message was seen, in Inbox or Junk\)/)
    }
    expect(helpText('main')).toMatch(/--await-inbox imaps:\/\/USER@HOST --inbox-password-env VAR/)
  })
})

describe('the secrets, read when the run starts', () => {
  it('the mailbox password from its variable; unset or empty is bad usage that never names it', () => {
    const req = run(...SEND, ...INBOX)
    expect(readInboxPassword(req.inbox!, { IMAP_PW: PASSWORD }, 'send')).toBe(PASSWORD)
    for (const env of [{}, { IMAP_PW: '' }]) expect(usage(() => readInboxPassword(req.inbox!, env, 'send'))).toMatch(/--inbox-password-env: the environment variable it names is not set or is empty/)
  })

  it('the DKIM key from its file or its variable (line breaks written as \\n restored); a file that cannot be read is bad usage', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailprobe-dkim-'))
    dirs.push(dir)
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n'
    writeFileSync(join(dir, 'k.pem'), pem)
    writeFileSync(join(dir, 'huge.pem'), Buffer.alloc(200_000, 0x41))
    const base = { domain: 'example.com', selector: 's1' }
    expect(readDkimKey({ ...base, key: { kind: 'file', path: join(dir, 'k.pem') } }, {}, 'send')).toEqual({ ...base, privateKey: pem })
    expect(readDkimKey({ ...base, key: { kind: 'env', name: 'K' } }, { K: pem.replaceAll('\n', '\\n') }, 'send').privateKey).toBe(pem)
    expect(usage(() => readDkimKey({ ...base, key: { kind: 'file', path: join(dir, 'missing.pem') } }, {}, 'send'))).toMatch(/cannot read --dkim-key-file .*ENOENT/)
    expect(usage(() => readDkimKey({ ...base, key: { kind: 'file', path: join(dir, 'huge.pem') } }, {}, 'send'))).toMatch(/larger than 100 KB/)
    expect(usage(() => readDkimKey({ ...base, key: { kind: 'env', name: 'K' } }, {}, 'send'))).toMatch(/--dkim-key-env: the environment variable it names is not set/)
  })
})

describe('the countdown while a watch waits', () => {
  /** A job that streams what a watch streams: an IMAP line, two countdown ticks (transient, with progress), another line. */
  const job = (verbosity: 'normal' | 'verbose' | 'quiet', json = false) => ({
    command: 'send' as const,
    json,
    verbosity,
    start: async ({ sink }: { sink: EventSink | undefined }) => {
      const line = (seq: number, text: string, extra: object = {}): JobEvent => ({ type: 'transcript', jobId: 'j', seq, t: seq, dir: 'info', text, lane: 'imap', ...extra })
      sink?.emit(line(1, 'waiting up to 3 s with IDLE'))
      sink?.emit(line(2, 'waiting for the message: 2 s left', { detail: true, progress: { done: 1, total: 3, etaMs: 2000, elapsedMs: 1000 } }))
      sink?.emit(line(3, 'waiting for the message: 1 s left', { detail: true, progress: { done: 2, total: 3, etaMs: 1000, elapsedMs: 2000 } }))
      sink?.emit(line(4, 'the message is in INBOX'))
      return { ok: true, error: null as ClassifiedError | null }
    },
    summary: () => 'summary\n',
    verdict: () => 'OK — seen',
  })
  const io = (tty: boolean) => {
    const out = { text: '', write: (t: string) => (out.text += t), isTTY: false }
    const err = { text: '', write: (t: string) => (err.text += t), isTTY: tty }
    return { stdout: out, stderr: err, env: { NO_COLOR: '1' } }
  }

  it('on a terminal: one line on stderr that each tick rewrites, cleared before the next line and at the end; never on stdout', async () => {
    for (const verbosity of ['normal', 'verbose'] as const) {
      const t = io(true)
      expect(await runJob(t, job(verbosity))).toBe(0)
      expect(t.stderr.text).toBe('\r\x1b[Kimap == waiting for the message: 2 s left (Ctrl-C cancels)\r\x1b[Kimap == waiting for the message: 1 s left (Ctrl-C cancels)\r\x1b[K')
      expect(t.stdout.text).not.toContain('s left')
      expect(t.stdout.text).toMatch(/ms {2}imap == waiting up to 3 s with IDLE\n.* ms {2}imap == the message is in INBOX\n/)
    }
    // With --json too (the object alone on stdout); with -q, none.
    const json = io(true)
    await runJob(json, job('normal', true))
    expect(json.stderr.text).toContain('1 s left')
    expect(JSON.parse(json.stdout.text)).toEqual({ ok: true, error: null })
    const quiet = io(true)
    await runJob(quiet, job('quiet'))
    expect(quiet.stderr.text).toBe('')
  })

  it('not on a terminal: nothing at all', async () => {
    for (const verbosity of ['normal', 'verbose'] as const) {
      const t = io(false)
      await runJob(t, job(verbosity))
      expect(t.stderr.text).toBe('')
      expect(t.stdout.text).not.toContain('s left')
    }
  })
})

describe('the delivery section', () => {
  const plain = { color: false }
  const seen: DeliveryResult = {
    ok: true,
    folder: 'INBOX',
    junk: false,
    acceptedToInboxMs: 2400,
    sendToInboxMs: 2650,
    alreadyThere: false,
    method: 'idle',
    hops: [
      { from: 'client.example', by: 'mx1.example.net', with: 'ESMTPS', at: '2026-06-01T10:00:00.000Z', delayMs: null, tls: 'TLS1_3' },
      { from: 'mx1.example.net', by: 'mx2.example.net\u001b[2J', with: 'ESMTP', at: '2026-06-01T09:59:58.000Z', delayMs: -2000, skewed: true },
      { from: null, by: 'imap.example.net', with: 'LMTP', at: null, delayMs: null },
    ],
    authResults: {
      spf: 'pass',
      dkim: 'fail',
      dmarc: 'fail',
      arc: null,
      source: 'receiver',
      by: 'mx2.example.net',
      header: 'mx2.example.net; spf=pass; dkim=fail; dmarc=fail',
      notes: ['DKIM example.com: signature did not verify'],
    },
    dkimVerified: false,
    headers: null,
    watched: [{ folder: 'INBOX', junk: false, arrived: 0, method: 'idle' }],
    deleted: true,
    mailbox: { kind: 'imap', host: 'imap.example.net', port: 993, security: 'tls' },
  } as DeliveryResult

  it('says where, how fast, the hops (a skewed clock marked, server text made safe) and the verdicts with their source; -v what they rest on', () => {
    const text = formatDelivery(seen, plain)
    expect(text).toMatch(/^Delivery: in INBOX \(imaps:\/\/imap\.example\.net:993\) · 2\.4 s after acceptance, 2\.6 s after the send began \(announced by IDLE\)\n/)
    expect(text).toMatch(/\n +1 {2}client\.example +mx1\.example\.net +ESMTPS TLS1_3\n/)
    expect(text).toMatch(/\n +2 {2}mx1\.example\.net +mx2\.example\.net\\x1b\[2J +ESMTP +-2\.0 s \(clock skewed\)\n/)
    expect(text).toMatch(/\n +3 {2}— +imap\.example\.net +LMTP\n/)
    expect(text).toContain('\n  authentication (the receiver’s Authentication-Results, by mx2.example.net): SPF pass · DKIM fail · DMARC fail · ARC —')
    expect(text).toContain('\n  the test message was deleted after reading')
    expect(text).not.toContain('signature did not verify')
    const verbose = formatDelivery(seen, plain, { details: true })
    expect(verbose).toContain('\n    DKIM example.com: signature did not verify\n    Authentication-Results: mx2.example.net; spf=pass; dkim=fail; dmarc=fail')
  })

  it('the sandbox’s inbox, a message not seen, and a mailbox that could not be watched', () => {
    expect(formatDelivery({ ...seen, mailbox: { kind: 'sandbox' } } as unknown as DeliveryResult, plain)).toMatch(/^Delivery: in INBOX \(the sandbox’s inbox\)/)
    const notSeen = {
      ...seen,
      ok: false,
      folder: null,
      watched: [
        { folder: 'INBOX', junk: false, arrived: 3, method: 'poll' },
        { folder: 'Spam', junk: true, arrived: 0, method: 'poll' },
      ],
    } as DeliveryResult
    expect(formatDelivery(notSeen, plain)).toBe('Delivery: not seen in imaps://imap.example.net:993; watched:\n  INBOX: 3 other messages arrived (polling)\n  Spam (Junk): nothing arrived (polling)')
    expect(formatDelivery({ ...notSeen, watched: [] }, plain)).toMatch(/^Delivery: not proven: the mailbox at imaps:\/\/imap\.example\.net:993 could not be watched/)
  })

  it('the DKIM signature sent: whether it verified on arrival, and with -v the header', () => {
    const sent = { domain: 'example.com', selector: 's1', header: 'DKIM-Signature: v=1; a=rsa-sha256; d=example.com;\r\n s=s1; b=abc' }
    expect(formatDkimSent(sent, seen, plain)).toBe('DKIM: signed for example.com (selector s1, key at s1._domainkey.example.com): did NOT verify on arrival')
    expect(formatDkimSent(sent, { ...seen, dkimVerified: true }, plain)).toMatch(/: verified on arrival$/)
    expect(formatDkimSent(sent, null, plain)).toBe('DKIM: signed for example.com (selector s1, key at s1._domainkey.example.com)')
    expect(formatDkimSent(sent, null, plain, { details: true })).toBe(
      'DKIM: signed for example.com (selector s1, key at s1._domainkey.example.com)\n  DKIM-Signature: v=1; a=rsa-sha256; d=example.com;\n   s=s1; b=abc',
    )
  })
})
