// Delivery proof against the real thing: Postfix takes the message over SMTP and hands it by LMTP to
// Dovecot, whose IMAP (implicit TLS, STARTTLS, plaintext on loopback; IDLE, or none) the watch reads.
// Mailprobe's own DKIM/SPF/DMARC check asks a small DNS server on loopback (Postfix adds no
// Authentication-Results), never a real resolver.
import { generateKeyPairSync } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { DeliveryRequestInput, JobEvent, SmtpJobInput, SmtpResult } from '../../../preload/contract'
import { deliveryRequestSchema } from '../../../preload/contract'
import { deliveryLog, startDelivery, watchDelivery, type DeliveryOutcome } from '../../../main/core/delivery/index'
import { runApi } from '../../../main/core/http/index'
import { buildMessage } from '../../../main/core/message/mime'
import { runSmtp } from '../../../main/core/smtp/index'
import type { EventSink } from '../../../main/core/transcript/event-sink'
import { JobRecorder } from '../../../main/core/transcript/recorder'
import { Redactor } from '../../../main/core/transcript/redact'
import { getTestCerts } from '../../fixtures/certs'
import { JUNK_FOLDER, SPAM_HEADER, startMailServers, type MailServers, type MailUser } from '../../fixtures/mail-servers'
import { PROVIDER_KEYS, startProviderServer, type ProviderServer } from '../../fixtures/provider-server'
import { startDnsServer, type DnsServer } from '../../fixtures/dns-server'

const FROM = 'sender@mailprobe.test'
const SELECTOR = 's1'
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const DKIM_KEY = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
const DKIM_PUBLIC = publicKey.export({ type: 'spki', format: 'der' }).toString('base64')

let mail: MailServers
let alice: MailUser
let bob: MailUser
let dns: DnsServer

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
}, 60_000)

afterAll(async () => {
  await Promise.all([mail?.close(), dns?.close()])
})

/** Where a user's mailbox is read: implicit TLS with the test CA; Mailprobe's own checks ask the loopback DNS. */
const mailbox = (user: MailUser, extra: Partial<DeliveryRequestInput> = {}): DeliveryRequestInput => mail.mailbox(user, { dnsServers: [dns.server], ...extra })

function smtpJob(to: MailUser, extra: Partial<SmtpJobInput> & { headers?: { name: string; value: string }[] } = {}): SmtpJobInput {
  const { headers = [], ...rest } = extra
  return { host: mail.smtp.host, port: mail.smtp.port, security: 'none', message: { from: FROM, to: [to.address], subject: 'delivery test', text: 'Hello from the delivery tests.', headers }, ...rest }
}

/** A sink that keeps every event and can wait for a transcript line. */
class Events implements EventSink {
  readonly events: JobEvent[] = []
  private waiters: { pattern: RegExp; resolve: () => void }[] = []
  emit(event: JobEvent): void {
    this.events.push(event)
    if (event.type !== 'transcript') return
    for (const w of [...this.waiters]) {
      if (w.pattern.test(event.text)) {
        this.waiters.splice(this.waiters.indexOf(w), 1)
        w.resolve()
      }
    }
  }
  line(pattern: RegExp): Promise<void> {
    if (this.events.some((e) => e.type === 'transcript' && pattern.test(e.text))) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push({ pattern, resolve }))
  }
}

/** The watch alone, as the engines run it after acceptance (acceptance being now). */
function watch(
  request: DeliveryRequestInput,
  sent: { token: string; messageId?: string | null },
  o: { sink?: EventSink; signal?: AbortSignal; signer?: { domain: string; selector: string } } = {},
): Promise<DeliveryOutcome> {
  const req = deliveryRequestSchema.parse(request)
  const rec = new JobRecorder('watch', o.sink ?? { emit() {} }, new Redactor([req.secret], [req.user]))
  return watchDelivery({
    request: req,
    sent: { token: sent.token, messageId: sent.messageId ?? null },
    signer: o.signer ?? null,
    network: { family: 'auto' },
    sentAt: 0,
    acceptedAt: rec.now(),
    log: deliveryLog(rec),
    signal: o.signal,
  })
}

let serial = 0
/** A raw message carrying `token` in its token header (to hand straight to Dovecot). */
function rawMessage(token: string, extraHeaders: string[] = []): string {
  serial++
  return [
    `From: <${FROM}>`,
    `To: <${alice.address}>`,
    `Subject: handed over ${serial}`,
    `Message-ID: <handed-${serial}-${token}@mailprobe.test>`,
    'Date: Mon, 01 Jun 2026 10:00:00 +0000',
    `X-Mailprobe-Token: ${token}`,
    ...extraHeaders,
    '',
    'Body.',
    '',
  ].join('\r\n')
}

function imapLines(r: { transcript: { lane?: string; dir: string; text: string }[] }) {
  return r.transcript.filter((l) => l.lane === 'imap')
}

describe('delivery proof with Postfix and Dovecot', () => {
  it('a sent message is seen in INBOX: where, how fast, its hops from the real Received headers, the verdicts, the IMAP lane and the delivery phase', async () => {
    const sink = new Events()
    const r = (await runSmtp({ ...smtpJob(alice), delivery: mailbox(alice) }, { sink })) as SmtpResult
    expect(r.error).toBeNull()
    expect(r.ok).toBe(true)
    const d = r.delivery!
    expect(d).toMatchObject({ ok: true, folder: 'INBOX', junk: false, mailbox: { host: '127.0.0.1', port: mail.imap.tls.port, security: 'tls' } })
    expect(d.watched.map((w) => [w.folder, w.junk])).toEqual([
      ['INBOX', false],
      [JUNK_FOLDER, true],
    ])
    expect(d.acceptedToInboxMs).toBeGreaterThanOrEqual(0)
    expect(d.sendToInboxMs!).toBeGreaterThanOrEqual(d.acceptedToInboxMs!)
    // Postfix took it over ESMTP from the client, then handed it to Dovecot over LMTP.
    expect(d.hops.map((h) => [h.by, h.with])).toEqual([
      ['mx.mailprobe.test', 'ESMTP'],
      ['imap.mailprobe.test', 'LMTP'],
    ])
    expect(d.hops[0]!.from).toBe('[127.0.0.1]')
    expect(d.hops[1]!.delayMs).toBeGreaterThanOrEqual(0)
    const token = /X-Mailprobe-Token: (\w+)/.exec(d.headers ?? '')?.[1]
    expect(token).toMatch(/^[0-9a-f]{12}$/)
    expect(d.headers).toContain(`Message-ID: ${r.result.messageId}`)
    // Postfix writes no Authentication-Results: Mailprobe checks itself, through the loopback DNS.
    expect(d.authResults).toMatchObject({ source: 'mailprobe', spf: 'pass', dkim: 'none', dmarc: 'pass' })
    expect(d.authResults!.notes.join(' ')).toMatch(/SPF checked for 127\.0\.0\.1/)
    expect(dns.asked).toContain('_dmarc.mailprobe.test TXT')
    // The delivery phase follows acceptance; the total includes it.
    const ack = r.phases.find((p) => p.name === 'dataAck')!
    const phase = r.phases.at(-1)!
    expect(phase).toMatchObject({ name: 'delivery', roundTrips: 0 })
    expect(phase.startMs).toBeCloseTo(ack.startMs + ack.durationMs, 3)
    expect(phase.durationMs).toBeCloseTo(d.acceptedToInboxMs!, 3)
    expect(r.totalMs).toBeGreaterThanOrEqual(phase.startMs + phase.durationMs - 0.001)
    // The IMAP exchange is its own lane, the login redacted.
    const imap = imapLines(r)
    expect(imap.some((l) => l.dir === 'c' && /AUTHENTICATE PLAIN/.test(l.text))).toBe(true)
    expect(imap.some((l) => l.dir === 'c' && l.text.endsWith('[redacted]'))).toBe(true)
    expect(imap.some((l) => l.dir === 's' && /EXAMINE|Examine completed/.test(l.text))).toBe(true)
    expect(r.transcript.filter((l) => !l.lane).some((l) => /MAIL FROM/.test(l.text))).toBe(true)
    expect(JSON.stringify([r, sink.events])).not.toContain(alice.password)
  })

  it('a message the receiving side files as spam is seen in Junk: a warning, not an error', async () => {
    const r = (await runSmtp({ ...smtpJob(alice, { headers: [{ name: SPAM_HEADER, value: 'yes' }] }), delivery: mailbox(alice) })) as SmtpResult
    expect(r.error).toBeNull()
    expect(r.ok).toBe(true)
    expect(r.delivery).toMatchObject({ ok: true, folder: JUNK_FOLDER, junk: true })
    expect(r.warnings.join(' ')).toMatch(/arrived in Junk, the Junk folder: the receiving side judged it spam/)
  })

  it('a message that never arrives: DELIVERY_TIMEOUT, with the folders watched and what arrived meanwhile', async () => {
    const sink = new Events()
    const watching = watch(mailbox(alice, { timeoutMs: 3000 }), { token: 'never-sent-0001' }, { sink })
    await sink.line(/waiting up to/)
    await mail.deliverLocal(rawMessage('someone-else-0001'))
    const out = await watching
    expect(out.error?.code).toBe('DELIVERY_TIMEOUT')
    expect(out.error!.message).toMatch(/not seen in INBOX or Junk within 3 s \(1 other message arrived meanwhile; none carried its token never-sent-0001\)/)
    expect(out.delivery.ok).toBe(false)
    expect(out.delivery.watched).toEqual([
      { folder: 'INBOX', junk: false, arrived: 1, method: 'idle' },
      { folder: JUNK_FOLDER, junk: true, arrived: 0, method: 'idle' },
    ])
    expect(out.seenAt).toBeNull()
    // The countdown streamed its progress without filling the result.
    const ticks = sink.events.filter((e) => e.type === 'transcript' && e.progress)
    expect(ticks.length).toBeGreaterThan(0)
    const last = ticks.at(-1) as Extract<JobEvent, { type: 'transcript' }>
    expect(last.progress!.total).toBe(3)
    expect(last.lane).toBe('imap')
  })

  it('IDLE: the server announces the message as it arrives', async () => {
    const sink = new Events()
    const watching = watch(mailbox(alice), { token: 'idle-token-0001' }, { sink })
    await sink.line(/waiting up to .* with IDLE/)
    await mail.deliverLocal(rawMessage('idle-token-0001'))
    const out = await watching
    expect(out.error).toBeNull()
    expect(out.delivery).toMatchObject({ ok: true, folder: 'INBOX', method: 'idle', alreadyThere: false })
    expect(sink.events.some((e) => e.type === 'transcript' && e.dir === 'c' && /\bIDLE$/.test(e.text))).toBe(true)
  })

  it('the watch begins before the send: an arrival while the send is still going on is timed by the server’s notice', async () => {
    const sink = new Events()
    const req = deliveryRequestSchema.parse(mailbox(alice))
    const rec = new JobRecorder('early', sink, new Redactor([req.secret], [req.user]))
    const sent = { token: 'early-watch-0001', messageId: null }
    const started = startDelivery({ request: req, sent, signer: null, network: { family: 'auto' }, log: deliveryLog(rec) })
    // Both folders listening (one IDLE per connection), then the message arrives before the "acceptance".
    await vi.waitFor(() => expect(sink.events.filter((e) => e.type === 'transcript' && e.dir === 'c' && /\bIDLE$/.test(e.text)).length).toBe(2), { timeout: 10_000, interval: 20 })
    const acceptedAt = rec.now()
    await mail.deliverLocal(rawMessage('early-watch-0001'))
    const out = await started.finish({ sentAt: 0, acceptedAt })
    expect(out.error).toBeNull()
    expect(out.delivery).toMatchObject({ ok: true, folder: 'INBOX', method: 'idle', alreadyThere: false })
    // Timed by the EXISTS Dovecot pushed: after the acceptance, not at the moment finish() looked.
    expect(out.delivery.acceptedToInboxMs!).toBeGreaterThan(0)
    expect(out.seenAt!).toBeGreaterThanOrEqual(acceptedAt)
    expect(sink.events.some((e) => e.type === 'transcript' && /already there/.test(e.text))).toBe(false)
  })

  it('polling when asked for: NOOP every second finds the message', async () => {
    const sink = new Events()
    const watching = watch(mailbox(alice, { method: 'poll' }), { token: 'poll-token-0001' }, { sink })
    await sink.line(/polling every second/)
    await mail.deliverLocal(rawMessage('poll-token-0001'))
    const out = await watching
    expect(out.error).toBeNull()
    expect(out.delivery).toMatchObject({ ok: true, method: 'poll', alreadyThere: false })
    expect(sink.events.some((e) => e.type === 'transcript' && e.dir === 'c' && /\bNOOP$/.test(e.text))).toBe(true)
    expect(sink.events.some((e) => e.type === 'transcript' && e.dir === 'c' && /\bIDLE$/.test(e.text))).toBe(false)
  })

  it('a message already in the folder when the watch is ready is found by its look back (the times are upper bounds)', async () => {
    await mail.deliverLocal(rawMessage('early-token-0001'))
    const out = await watch(mailbox(alice), { token: 'early-token-0001' })
    expect(out.delivery).toMatchObject({ ok: true, alreadyThere: true })
  })

  it('a wrong IMAP password: IMAP_AUTH_FAILED after the send succeeded, the password nowhere', async () => {
    const wrong = `wrong-${alice.password}-x`
    const sink = new Events()
    const r = (await runSmtp({ ...smtpJob(alice), delivery: mailbox(alice, { secret: wrong }) }, { sink })) as SmtpResult
    expect(r.ok).toBe(false)
    expect(r.error?.code).toBe('IMAP_AUTH_FAILED')
    expect(r.error!.message).toMatch(/refused the login .*check the user name or password/)
    expect(r.result.response).toMatch(/^250 /)
    expect(r.delivery).toMatchObject({ ok: false, watched: [] })
    expect(JSON.stringify([r, sink.events])).not.toContain(wrong)
  })

  it('STARTTLS (required) and plaintext on loopback read the same mailbox; an untrusted certificate is refused before the login', async () => {
    const starttls = await watch(mailbox(alice, { port: mail.imap.port, security: 'starttls', timeoutMs: 1000 }), { token: 'no-such-token-01' }, { sink: new Events() })
    expect(starttls.error?.code).toBe('DELIVERY_TIMEOUT')
    const plain = await watch(mailbox(alice, { port: mail.imap.port, security: 'none', timeoutMs: 1000 }), { token: 'no-such-token-02' })
    expect(plain.error?.code).toBe('DELIVERY_TIMEOUT')
    expect(plain.delivery.watched.length).toBe(2)

    const sink = new Events()
    const untrusted = await watch(mailbox(alice, { tls: { servername: mail.imap.tls.servername } }), { token: 'no-such-token-03' }, { sink })
    expect(untrusted.error).toMatchObject({ code: 'IMAP_CONNECT_FAILED', detail: 'CERT_UNTRUSTED' })
    const untrustedStartTls = await watch(mailbox(alice, { port: mail.imap.port, security: 'starttls', tls: { servername: mail.imap.tls.servername } }), { token: 'no-such-token-04' }, { sink })
    expect(untrustedStartTls.error).toMatchObject({ code: 'IMAP_CONNECT_FAILED', detail: 'CERT_UNTRUSTED' })
    // Nothing of the login crossed the untrusted channels.
    expect(sink.events.some((e) => e.type === 'transcript' && e.dir === 'c' && /AUTHENTICATE|LOGIN/.test(e.text))).toBe(false)

    const refused = deliveryRequestSchema.safeParse(mailbox(alice, { host: 'imap.example.com', security: 'none' }))
    expect(refused.success).toBe(false)
    expect(JSON.stringify(refused.error?.issues)).toMatch(/without TLS only on this machine/)
  })

  it('a DKIM-signed message verifies on arrival; the result shows the signature sent, never the key', async () => {
    const sink = new Events()
    const r = (await runSmtp({ ...smtpJob(alice), dkim: { domain: 'mailprobe.test', selector: SELECTOR, privateKey: DKIM_KEY }, delivery: mailbox(alice) }, { sink })) as SmtpResult
    expect(r.error).toBeNull()
    expect(r.dkim).toMatchObject({ domain: 'mailprobe.test', selector: SELECTOR })
    expect(r.dkim!.header).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed\/relaxed; d=mailprobe\.test;/)
    expect(r.delivery).toMatchObject({ ok: true, dkimVerified: true, authResults: { source: 'mailprobe', dkim: 'pass', dmarc: 'pass' } })
    expect(dns.asked).toContain(`${SELECTOR}._domainkey.mailprobe.test TXT`)
    const everything = JSON.stringify([r, sink.events])
    const keyBody = DKIM_KEY.split('\n').slice(1, -2).join('')
    expect(everything).not.toContain(keyBody.slice(0, 64))
  })

  it('a DKIM-signed message altered on the way does not verify: its body (neutral, the body hash) or a signed header (fail)', async () => {
    const signer = { domain: 'mailprobe.test', selector: SELECTOR }
    const sign = async (token: string) =>
      (
        await buildMessage(
          { from: FROM, to: [alice.address], cc: [], bcc: [], subject: 'signed then altered', text: 'The original body.', headers: [{ name: 'X-Mailprobe-Token', value: token }] },
          [],
          { ...signer, privateKey: DKIM_KEY },
        )
      ).raw.toString('utf8')
    const body = (await sign('tampered-body-01')).replace('The original body.', 'An altered body!!')
    const subject = (await sign('tampered-head-01')).replace('Subject: signed then altered', 'Subject: signed then ALTERED')
    for (const raw of [body, subject]) expect(raw).toMatch(/altered body|ALTERED/)
    await mail.deliverLocal(body)
    await mail.deliverLocal(subject)
    const [byBody, byHeader] = await Promise.all([watch(mailbox(alice), { token: 'tampered-body-01' }, { signer }), watch(mailbox(alice), { token: 'tampered-head-01' }, { signer })])
    for (const out of [byBody, byHeader]) {
      expect(out.error).toBeNull()
      expect(out.delivery.dkimVerified).toBe(false)
    }
    expect(byBody.delivery.authResults).toMatchObject({ source: 'mailprobe', dkim: 'neutral' })
    expect(byBody.delivery.authResults!.notes.join(' ')).toMatch(/DKIM mailprobe\.test \(selector s1\): body hash did not verify/)
    expect(byHeader.delivery.authResults).toMatchObject({ source: 'mailprobe', dkim: 'fail' })
  })

  it('cancel during the wait: CANCELLED, and both connections log out', async () => {
    const before = (mail.dovecotLog().match(/Logged out/g) ?? []).length
    const sink = new Events()
    const abort = new AbortController()
    const watching = watch(mailbox(bob), { token: 'cancelled-token-1' }, { sink, signal: abort.signal })
    await sink.line(/waiting up to/)
    abort.abort()
    const out = await watching
    expect(out.error?.code).toBe('CANCELLED')
    expect(out.delivery.watched.length).toBe(2)
    // Counted, not matched with one pattern: a repeated group over a long log backtracks for minutes.
    await vi.waitFor(() => expect((mail.dovecotLog().match(/Logged out/g) ?? []).length).toBeGreaterThanOrEqual(before + 2), { timeout: 5000, interval: 50 })
  })

  it('deletes the test message after reading it when asked', async () => {
    const r = (await runSmtp({
      ...smtpJob(bob, { message: undefined }),
      message: { from: FROM, to: [bob.address], subject: 'to be deleted', text: 'x' },
      delivery: mailbox(bob, { deleteAfter: true }),
    })) as SmtpResult
    expect(r.error).toBeNull()
    expect(r.delivery).toMatchObject({ ok: true, deleted: true })
    const token = /X-Mailprobe-Token: (\w+)/.exec(r.delivery!.headers!)![1]!
    expect(mail.messages(bob.address).some((m) => m.raw.includes(token) && !/,S?T?$/.test(m.path) && !m.path.includes('T'))).toBe(false)
  })
})

describe('delivery proof after an API send', () => {
  let provider: ProviderServer
  beforeAll(async () => {
    provider = await startProviderServer()
  })
  afterAll(async () => {
    await provider?.close()
  })

  it('the provider accepts, delivers, and the watch finds the message by its token header', async () => {
    // The local "provider" does what a real one does after its 200: delivers the message (to Dovecot).
    const delivered = provider.nextRequest().then(async (req) => {
      const body = req.json as { From: string; To: string; Subject: string; TextBody: string; Headers: { Name: string; Value: string }[] }
      const raw = [`From: ${body.From}`, `To: ${body.To}`, `Subject: ${body.Subject}`, ...body.Headers.map((h) => `${h.Name}: ${h.Value}`), '', body.TextBody, ''].join('\r\n')
      await mail.deliverLocal(raw, { to: alice.address })
      return body
    })
    const r = await runApi({
      provider: 'postmark',
      credentials: { key: PROVIDER_KEYS.postmark },
      baseUrl: provider.origin,
      tls: { caPem: (await getTestCerts()).ca.cert },
      message: { from: FROM, to: [alice.address], subject: 'api delivery', text: 'Sent through the API.' },
      delivery: mailbox(alice),
    })
    const body = await delivered
    expect(r.error).toBeNull()
    expect(r.delivery).toMatchObject({ ok: true, folder: 'INBOX' })
    expect(body.Headers.some((h) => h.Name === 'X-Mailprobe-Token')).toBe(true)
    expect(r.phases.at(-1)).toMatchObject({ name: 'delivery' })
    expect(imapLines(r).length).toBeGreaterThan(0)
  })
})
