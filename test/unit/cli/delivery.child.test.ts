// The built `mailprobe send/api --await-inbox` against the real thing: Postfix takes the message and
// hands it to Dovecot, whose IMAP the watch reads (implicit TLS with the test CA, STARTTLS, plaintext
// on loopback). Mailprobe's own DKIM/SPF/DMARC check asks a small DNS server on loopback (--inbox-dns),
// never a real resolver. Exit statuses, the text's delivery section, --json's delivery object, and that
// neither the IMAP password nor the DKIM key reaches stdout or stderr.
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiResult, SmtpResult } from '../../../preload/contract'
import { runCli, startCli, type CliRun } from '../../fixtures/cli'
import { JUNK_FOLDER, SPAM_HEADER, startMailServers, type MailServers, type MailUser } from '../../fixtures/mail-servers'
import { startOAuthIssuer, TEST_ACCOUNT } from '../../fixtures/oauth-issuer'
import { PROVIDER_KEYS, startProviderServer } from '../../fixtures/provider-server'
import { expectNoLeaks } from '../../fixtures/secret-scan'
import { startDnsServer, type DnsServer } from '../../fixtures/dns-server'

const FROM = 'sender@mailprobe.test'
const SELECTOR = 's1'
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const DKIM_KEY = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
const DKIM_PUBLIC = publicKey.export({ type: 'spki', format: 'der' }).toString('base64')

let mail: MailServers
let dns: DnsServer
let alice: MailUser
let bob: MailUser
let dir = ''
let keyFile = ''

beforeAll(async () => {
  ;[mail, dns] = await Promise.all([
    startMailServers(),
    startDnsServer({
      'mailprobe.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] },
      '_dmarc.mailprobe.test': { TXT: ['v=DMARC1; p=reject'] },
      [`${SELECTOR}._domainkey.mailprobe.test`]: { TXT: [`v=DKIM1; k=rsa; p=${DKIM_PUBLIC}`] },
    }),
  ])
  ;[alice, bob] = mail.users as [MailUser, MailUser]
  dir = mkdtempSync(join(tmpdir(), 'mailprobe-cli-delivery-'))
  keyFile = join(dir, 'dkim.pem')
  writeFileSync(keyFile, DKIM_KEY, { mode: 0o600 })
}, 60_000)

afterAll(async () => {
  await Promise.all([mail?.close(), dns?.close()])
  if (dir) rmSync(dir, { recursive: true, force: true })
})

const env = () => ({ MP_IMAP: alice.password })
/** A send through Postfix (no AUTH) to `to`. */
const send = (to: MailUser, ...extra: string[]) => ['send', '--host', mail.smtp.host, '--port', String(mail.smtp.port), '--security', 'none', '--from', FROM, '--to', to.address, ...extra]
/** Watching alice's mailbox over implicit TLS, trusting the test CA, with the loopback DNS for Mailprobe's own check. */
const watchAlice = (...extra: string[]) => ['--await-inbox', mail.inboxUrl(alice), '--inbox-ca', mail.imap.tls.caFile, '--inbox-password-env', 'MP_IMAP', '--inbox-dns', dns.server, ...extra]

/** Neither the IMAP password (in any framing) nor any line of the DKIM key is in what the command printed. */
function expectNoSecrets(...runs: CliRun[]): void {
  for (const r of runs) {
    const printed = r.stdout + r.stderr
    expectNoLeaks(printed, [{ value: alice.password, user: alice.user }], 'mailprobe output')
    for (const line of DKIM_KEY.split('\n').filter((l) => l && !l.startsWith('-----'))) expect(printed).not.toContain(line)
  }
}

const json = <R = SmtpResult>(r: CliRun): R => {
  expect(r.stdout.trim().split('\n'), 'exactly one JSON object (one line when piped)').toHaveLength(1)
  return JSON.parse(r.stdout) as R
}

describe('mailprobe send --await-inbox', () => {
  it('a message seen in INBOX: exit 0; the text shows where, how fast, the hops and the verdicts; --json the delivery object; -q the one line', async () => {
    const [text, asJson, quiet] = await Promise.all([
      runCli([...send(alice), ...watchAlice()], { env: env(), timeoutMs: 30_000 }),
      runCli([...send(alice), ...watchAlice(), '--json'], { env: env(), timeoutMs: 30_000 }),
      runCli([...send(alice), ...watchAlice(), '-q'], { env: env(), timeoutMs: 30_000 }),
    ])
    expect(text.status, text.stdout + text.stderr).toBe(0)
    expect(text.stderr).toBe('')
    // The IMAP lane in the transcript, marked, its login redacted.
    expect(text.stdout).toMatch(/ ms {2}imap -> \S+ AUTHENTICATE PLAIN/)
    expect(text.stdout).toMatch(/ ms {2}imap -> \[redacted\]/)
    expect(text.stdout).toMatch(/ ms {2}imap == the message is in INBOX/)
    // The delivery section: where, how fast, the hops as a table, the verdicts and their source.
    expect(text.stdout).toMatch(/\nDelivery: in INBOX \(imaps:\/\/127\.0\.0\.1:\d+\) · [\d.]+ m?s after acceptance, [\d.]+ m?s after the send began \((announced by IDLE|already there.*)\)\n/)
    expect(text.stdout).toMatch(/\n {4}hop {2}from +by +with +delay\n/)
    expect(text.stdout).toMatch(/\n +1 {2}\[127\.0\.0\.1\] +mx\.mailprobe\.test +ESMTP\n/)
    expect(text.stdout).toMatch(/\n +2 {2}mx\.mailprobe\.test +imap\.mailprobe\.test +LMTP +[\d.]+ m?s\n/)
    expect(text.stdout).toMatch(/\n {2}authentication \(checked by Mailprobe: the receiver added no Authentication-Results\): SPF pass · DKIM none · DMARC pass · ARC none\n/)
    expect(text.stdout).toMatch(/\nOK — 250 .* · in Inbox (after|within) [\d.]+ m?s · [\d.]+ ms · \d+ round trips\n/)
    expect(text.stdout).toMatch(/\n {2}delivery +[\d.]+ +[\d.]+ +0\n/)

    expect(asJson.status).toBe(0)
    const r = json(asJson)
    expect(r).toMatchObject({ ok: true, error: null, delivery: { ok: true, folder: 'INBOX', junk: false, authResults: { source: 'mailprobe', spf: 'pass', dmarc: 'pass' } } })
    expect(r.delivery!.hops.map((h) => [h.by, h.with])).toEqual([
      ['mx.mailprobe.test', 'ESMTP'],
      ['imap.mailprobe.test', 'LMTP'],
    ])
    expect(r.delivery!.sendToInboxMs).toBeGreaterThanOrEqual(r.delivery!.acceptedToInboxMs!)
    expect(r.delivery!.watched.map((w) => w.folder)).toEqual(['INBOX', JUNK_FOLDER])
    expect(r.transcript.some((l) => l.lane === 'imap')).toBe(true)
    // The message carried the token its default subject names.
    const token = /^Mailprobe test (\S+) /.exec(/^Subject: (.*)$/m.exec(r.delivery!.headers!)![1]!)![1]!
    expect(r.delivery!.headers).toContain(`X-Mailprobe-Token: ${token}`)

    expect(quiet.status).toBe(0)
    expect(quiet.stdout).toMatch(/^OK — 250 .* · in Inbox (after|within) [\d.]+ m?s · [\d.]+ ms · \d+ round trips\n$/)
    expect(quiet.stderr).toBe('')
    expectNoSecrets(text, asJson, quiet)
  })

  it('a message the receiving side files as spam: exit 0, in Junk, with a warning', async () => {
    const r = await runCli([...send(alice, '--header', `${SPAM_HEADER}: yes`), ...watchAlice()], { env: env(), timeoutMs: 30_000 })
    expect(r.status, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toMatch(/\nDelivery: in Junk — the Junk folder \(imaps:/)
    expect(r.stdout).toMatch(/\nOK — .* · in Junk (after|within) [\d.]+ m?s · /)
    expect(r.stdout).toMatch(/\nwarning: The message arrived in Junk, the Junk folder: the receiving side judged it spam/)
    expectNoSecrets(r)
  })

  it('a message that never arrives: exit 1, DELIVERY_TIMEOUT, with the folders watched and what arrived', async () => {
    // Sent to bob, watched for in alice's mailbox.
    const [text, asJson] = await Promise.all([
      runCli([...send(bob), ...watchAlice('--inbox-timeout', '2')], { env: env(), timeoutMs: 30_000 }),
      runCli([...send(bob), ...watchAlice('--inbox-timeout', '2', '--json')], { env: env(), timeoutMs: 30_000 }),
    ])
    expect(text.status).toBe(1)
    expect(text.stdout).toMatch(
      /\nDelivery: not seen in imaps:\/\/127\.0\.0\.1:\d+; watched:\n {2}INBOX: (nothing|\d+ other messages?) arrived \(IDLE\)\n {2}Junk \(Junk\): nothing arrived \(IDLE\)\n/,
    )
    expect(text.stdout).toMatch(/\nFAILED DELIVERY_TIMEOUT — The message was not seen in INBOX or Junk within 2 s/)
    expect(asJson.status).toBe(1)
    const r = json(asJson)
    expect(r).toMatchObject({ ok: false, error: { code: 'DELIVERY_TIMEOUT' }, result: { response: expect.stringMatching(/^250 /) as unknown }, delivery: { ok: false, folder: null } })
    expect(r.delivery!.watched).toHaveLength(2)
    expectNoSecrets(text, asJson)
  })

  it('a wrong IMAP password: exit 1, IMAP_AUTH_FAILED, the password nowhere', async () => {
    const wrong = `wrong-${alice.password}-x`
    const r = await runCli([...send(alice), ...watchAlice(), '--json'], { env: { MP_IMAP: wrong }, timeoutMs: 30_000 })
    expect(r.status).toBe(1)
    expect(json(r)).toMatchObject({ ok: false, error: { code: 'IMAP_AUTH_FAILED' }, delivery: { ok: false, watched: [] } })
    const text = await runCli([...send(alice), ...watchAlice()], { env: { MP_IMAP: wrong }, timeoutMs: 30_000 })
    expect(text.status).toBe(1)
    expect(text.stdout).toMatch(/\nDelivery: not proven: the mailbox at imaps:\/\/127\.0\.0\.1:\d+ could not be watched/)
    expect(text.stdout).toMatch(/\nFAILED IMAP_AUTH_FAILED — /)
    for (const out of [r, text]) expectNoLeaks(out.stdout + out.stderr, [{ value: wrong, user: alice.user }], 'wrong-password output')
  })

  it('DKIM-signed with --dkim-key-file: the signature shown (the header with -v), verified on arrival; the key nowhere', async () => {
    const dkim = ['--dkim-domain', 'mailprobe.test', '--dkim-selector', SELECTOR, '--dkim-key-file', keyFile]
    const [verbose, asJson] = await Promise.all([
      runCli([...send(alice, ...dkim), ...watchAlice(), '-v'], { env: env(), timeoutMs: 30_000 }),
      runCli([...send(alice, ...dkim), ...watchAlice(), '--json'], { env: env(), timeoutMs: 30_000 }),
    ])
    expect(verbose.status, verbose.stdout + verbose.stderr).toBe(0)
    expect(verbose.stdout).toMatch(
      /\nDKIM: signed for mailprobe\.test \(selector s1, key at s1\._domainkey\.mailprobe\.test\): verified on arrival\n {2}DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=mailprobe\.test;/,
    )
    expect(verbose.stdout).toMatch(/authentication \(checked by Mailprobe[^)]*\): SPF pass · DKIM pass · DMARC pass/)
    // -v: what the verdicts rest on.
    expect(verbose.stdout).toMatch(/\n {4}SPF checked for 127\.0\.0\.1/)
    expect(asJson.status).toBe(0)
    const r = json(asJson)
    expect(r.dkim).toMatchObject({ domain: 'mailprobe.test', selector: SELECTOR, header: expect.stringMatching(/^DKIM-Signature: /) as unknown })
    expect(r.delivery).toMatchObject({ ok: true, dkimVerified: true, authResults: { dkim: 'pass', dmarc: 'pass' } })
    expect(dns.asked).toContain(`${SELECTOR}._domainkey.mailprobe.test TXT`)
    expectNoSecrets(verbose, asJson)
  })

  it('a DKIM key that is not a key: the engine refuses it (INVALID_INPUT, exit 2), never quoting it', async () => {
    const bad = join(dir, 'not-a-key.pem')
    writeFileSync(bad, '-----BEGIN PRIVATE KEY-----\nTm90LWEta2V5LWJ1dC1hLXNlY3JldC10ZXh0\n-----END PRIVATE KEY-----\n')
    const r = await runCli([...send(alice), '--dkim-domain', 'mailprobe.test', '--dkim-selector', SELECTOR, '--dkim-key-file', bad], { timeoutMs: 30_000 })
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/^mailprobe send: The DKIM private key cannot be read/)
    expect(r.stdout + r.stderr).not.toContain('Tm90LWEta2V5')
  })

  it('STARTTLS (required) with a named folder and --inbox-delete, and plaintext on loopback (?tls=none)', async () => {
    const [starttls, plain] = await Promise.all([
      runCli([...send(alice), ...watchAlice('--inbox-folder', 'INBOX', '--inbox-delete', '--json').map((a) => (a === mail.inboxUrl(alice) ? mail.inboxUrl(alice, 'starttls') : a))], {
        env: env(),
        timeoutMs: 30_000,
      }),
      runCli([...send(alice), '--await-inbox', mail.inboxUrl(alice, 'none'), '--inbox-password-env', 'MP_IMAP', '--inbox-dns', dns.server, '--json'], { env: env(), timeoutMs: 30_000 }),
    ])
    expect(starttls.status, starttls.stdout + starttls.stderr).toBe(0)
    expect(json(starttls)).toMatchObject({ delivery: { ok: true, folder: 'INBOX', deleted: true, watched: [{ folder: 'INBOX' }], mailbox: { security: 'starttls', port: mail.imap.port } } })
    expect(plain.status, plain.stdout + plain.stderr).toBe(0)
    expect(json(plain)).toMatchObject({ delivery: { ok: true, mailbox: { security: 'none', port: mail.imap.port } } })
    expectNoSecrets(starttls, plain)
  })

  it('Ctrl-C while waiting: the watch is cancelled, the result still printed, exit 130', async () => {
    const r = await runCli([...send(bob), ...watchAlice('--inbox-timeout', '60')], { env: env(), interruptWhen: /waiting up to [\d.]+ s/, timeoutMs: 30_000 })
    expect(r.status).toBe(130)
    expect(r.stderr).toMatch(/cancelling/)
    expect(r.stdout).toMatch(/\nFAILED CANCELLED — /)
  })

  it('bad usage exits 2 before anything is sent, never echoing a password', async () => {
    const pw = 'Url-canary-pw-0b3f'
    const cases: [string[], RegExp][] = [
      [[...send(alice), '--await-inbox', `imaps://alice:${pw}@127.0.0.1`, '--inbox-password-env', 'MP_IMAP'], /password may not be part of the URL.*--inbox-password-env VAR/],
      [[...send(alice), '--await-inbox', 'imap://alice@imap.example.com?tls=none', '--inbox-password-env', 'MP_IMAP'], /without TLS only on this machine/],
      [[...send(alice), '--await-inbox', mail.inboxUrl(alice)], /needs the mailbox password/],
      [[...send(alice), '--await-inbox', mail.inboxUrl(alice), '--inbox-password-env', 'MP_IMAP', '--inbox-oauth', 'work'], /not both/],
      [[...send(alice), '--await-inbox', mail.inboxUrl(alice), '--inbox-password-env', 'MP_UNSET'], /--inbox-password-env: the environment variable it names is not set or is empty/],
      [[...send(alice), '--dkim-domain', 'mailprobe.test', '--dkim-key-file', keyFile], /missing: --dkim-selector S/],
      [[...send(alice), '--dkim-domain', 'mailprobe.test', '--dkim-selector', SELECTOR, '--dkim-key-file', join(dir, 'missing.pem')], /cannot read --dkim-key-file/],
    ]
    const before = mail.messages(alice.address).length
    const runs = await Promise.all(cases.map(([args]) => runCli(args, { env: env() })))
    runs.forEach((r, i) => {
      expect(r.status, cases[i]![0].join(' ')).toBe(2)
      expect(r.stdout).toBe('')
      expect(r.stderr).toMatch(cases[i]![1])
      expect(r.stderr).toMatch(/Run 'mailprobe send --help' for usage\.\n$/)
      expect(r.stderr).not.toContain(pw)
    })
    expect(mail.messages(alice.address).length).toBe(before)
  })
})

describe('mailprobe send --await-inbox --inbox-oauth', () => {
  it('a saved sign-in: its access token (never printed) goes to the mailbox for its account; a name with no sign-in is bad usage before anything is sent', async () => {
    const dataDir = mkdtempSync(join(dir, 'data-'))
    const issuer = await startOAuthIssuer()
    try {
      const env = { MAILPROBE_DATA_DIR: dataDir }
      const login = startCli(
        [
          ...['oauth', 'login', '--name', 'mailbox', '--provider', 'generic', '--issuer', issuer.url, '--client-id', 'mailprobe-cli', '--flow', 'device'],
          ...['--scope', 'openid', '--scope', 'email', '--scope', 'offline_access'],
        ],
        { env },
      )
      const [, code] = await login.waitFor('stderr', /and enter the code {2}(\S+)/)
      issuer.approve(code!)
      expect((await login.done).status).toBe(0)

      const before = mail.messages(alice.address).length
      const none = await runCli([...send(alice), '--await-inbox', mail.inboxUrl(alice), '--inbox-oauth', 'nosuch', '--inbox-ca', mail.imap.tls.caFile], { env })
      expect(none.status).toBe(2)
      expect(none.stderr).toMatch(/^mailprobe send: There is no saved sign-in named “nosuch” in .*: sign in first/)
      expect(mail.messages(alice.address).length).toBe(before)

      // The URL names no user: the sign-in's account is the mailbox. This Dovecot takes passwords only, so the token is refused.
      const url = `imaps://127.0.0.1:${mail.imap.tls.port}`
      const r = await runCli([...send(alice), '--await-inbox', url, '--inbox-oauth', 'mailbox', '--inbox-ca', mail.imap.tls.caFile, '--inbox-dns', dns.server, '--json'], { env, timeoutMs: 30_000 })
      expect(r.status, r.stdout + r.stderr).toBe(1)
      const result = json(r)
      expect(result.transcript[0]).toMatchObject({
        dir: 'info',
        text: expect.stringMatching(/^OAuth2: the mailbox is read with the saved sign-in “mailbox” \(johndoe@example\.test\) from /) as unknown,
      })
      expect(result.result.response).toMatch(/^250 /)
      // This Dovecot offers no OAuth2 mechanism: the login cannot happen, and the sentence says why.
      expect(result.error).toMatchObject({ code: 'IMAP_AUTH_FAILED', detail: 'NO_MECHANISM', message: expect.stringMatching(/offers no OAuth2 login/) as unknown })
      expect(result.delivery).toMatchObject({ ok: false, watched: [] })
      const tokens = issuer.issued.map((value) => ({ value, user: TEST_ACCOUNT }))
      expect(tokens.length).toBeGreaterThan(0)
      expectNoLeaks(r.stdout + r.stderr + none.stdout + none.stderr, tokens, 'mailprobe output')
    } finally {
      await issuer.close()
    }
  })
})

/** `mailprobe api` through a local "provider" that, like a real one after its 200, delivers the message (to Dovecot). */
async function apiSend(...extra: string[]): Promise<CliRun> {
  const provider = await startProviderServer()
  try {
    const delivered = provider.nextRequest().then(async (req) => {
      const body = req.json as { From: string; To: string; Subject: string; TextBody: string; Headers: { Name: string; Value: string }[] }
      const raw = [`From: ${body.From}`, `To: ${body.To}`, `Subject: ${body.Subject}`, ...body.Headers.map((h) => `${h.Name}: ${h.Value}`), '', body.TextBody, ''].join('\r\n')
      await mail.deliverLocal(raw, { to: alice.address })
    })
    const r = await runCli(
      [...['api', '--provider', 'postmark', '--key-env', 'PM_TOKEN', '--base-url', provider.origin, '--ca', mail.imap.tls.caFile, '--from', FROM, '--to', alice.address], ...extra],
      { env: { ...env(), PM_TOKEN: PROVIDER_KEYS.postmark }, timeoutMs: 30_000 },
    )
    await delivered
    expect(r.stdout + r.stderr).not.toContain(PROVIDER_KEYS.postmark)
    return r
  } finally {
    await provider.close()
  }
}

describe('mailprobe api --await-inbox', () => {
  it('the provider accepts and delivers; the watch finds the message by its token header: exit 0, the delivery section; --json the delivery object', async () => {
    const text = await apiSend(...watchAlice())
    expect(text.status, text.stdout + text.stderr).toBe(0)
    expect(text.stdout).toMatch(/ ms {2}imap -> /)
    expect(text.stdout).toMatch(/\nDelivery: in INBOX \(imaps:\/\/127\.0\.0\.1:\d+\)/)
    expect(text.stdout).toMatch(/\nOK — Postmark accepted the message .* · in Inbox (after|within) [\d.]+ m?s · /)
    const asJson = await apiSend(...watchAlice(), '--json')
    expect(asJson.status, asJson.stdout + asJson.stderr).toBe(0)
    const result = json<ApiResult>(asJson)
    expect(result).toMatchObject({ ok: true, kind: 'api', delivery: { ok: true, folder: 'INBOX' } })
    expect(result.phases.at(-1)).toMatchObject({ name: 'delivery' })
    expectNoSecrets(text, asJson)
  })
})
