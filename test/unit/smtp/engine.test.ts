import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { JobEvent, SmtpJobInput, SmtpResult } from '../../../preload/contract'
import { runSmtp } from '../../../main/core/smtp'
import { ArraySink } from '../../../main/core/transcript/event-sink'
import { getTestCerts, removeCaFile, writeCaFile } from '../../fixtures/certs'
import { neverGreets, scriptedSmtp, type RawPeer } from '../../fixtures/raw-peers'
import { expectNoLeaks } from '../../fixtures/secret-scan'
import { startSmtpPeer, type SmtpPeer, type SmtpPeerOptions } from '../../fixtures/smtp-peers'

const USER = 'alice-canary-user'
const PASSWORD = 'Pw-canary-7f3a9!x'
const TOKEN = 'ya29.canary-token-51c0'
const SECRETS = [
  { value: PASSWORD, user: USER },
  { value: TOKEN, user: USER },
]

let ca = ''
let caFile = ''
const peers: { close(): Promise<void> }[] = []

beforeAll(async () => {
  ca = (await getTestCerts()).ca.cert
  caFile = await writeCaFile()
})
afterAll(() => removeCaFile(caFile))
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()))
})

async function peer(options: SmtpPeerOptions = {}): Promise<SmtpPeer> {
  const p = await startSmtpPeer({ users: { [USER]: PASSWORD }, ...options })
  peers.push(p)
  return p
}
async function raw<T extends RawPeer>(p: Promise<T>): Promise<T> {
  const r = await p
  peers.push(r)
  return r
}

const message = { from: 'sender@example.test', to: ['rcpt@example.test'], subject: 'engine test', text: 'hello' }

async function run(input: SmtpJobInput, signal?: AbortSignal): Promise<{ result: SmtpResult; events: JobEvent[] }> {
  const sink = new ArraySink()
  const result = await runSmtp(input, { sink, signal })
  // Nothing emitted or returned may carry a credential, in any encoding.
  expectNoLeaks(JSON.stringify(sink.events), SECRETS, 'events')
  expectNoLeaks(JSON.stringify(result), SECRETS, 'result')
  return { result, events: sink.events }
}

const openSockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TLSWrap').length
const text = (r: SmtpResult) => r.transcript.map((l) => `${l.dir} ${l.text}`).join('\n')
/** Only what crossed the wire: client and server lines. */
const wire = (r: SmtpResult) =>
  r.transcript
    .filter((l) => l.dir === 'c' || l.dir === 's')
    .map((l) => `${l.dir} ${l.text}`)
    .join('\n')
const names = (r: SmtpResult) => r.phases.map((p) => p.name)

describe('SMTP engine: successful sessions', () => {
  it('sends over plaintext without AUTH and reports the queue id, size and Message-ID', async () => {
    const p = await peer({ mode: 'plain', users: {}, auth: 'disabled' })
    const { result, events } = await run({ host: '127.0.0.1', port: p.port, security: 'none', message })
    expect(result.ok).toBe(true)
    expect(result.result.response).toMatch(/^250 .*queued as/)
    expect(result.result.accepted).toEqual(['rcpt@example.test'])
    expect(result.result.messageId).toMatch(/^<.+@example\.test>$/)
    expect(result.result.messageSize).toBeGreaterThan(100)
    expect(p.received).toHaveLength(1)
    expect(p.received[0]!.raw).toContain('Subject: engine test')
    expect(names(result)).toEqual(['connect', 'banner', 'ehlo', 'mail', 'rcpt', 'data', 'dataAck', 'quit'])
    expect(result.tls).toBeNull()
    expect(result.bytes.sent).toBeGreaterThan(result.result.messageSize!)
    // The stream: increasing seq, one result event, last.
    const seqs = events.map((e) => e.seq)
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
    expect(events.filter((e) => e.type === 'result')).toHaveLength(1)
    expect(events.at(-1)!.type).toBe('result')
  })

  it('resolves a name (dns phase), upgrades with STARTTLS and records capabilities before and after TLS', async () => {
    const p = await peer({ mode: 'starttls', hideAuthBeforeTls: true })
    const { result } = await run({
      host: 'localhost',
      port: p.port,
      security: 'starttls',
      tls: { caFile },
      auth: { user: USER, secret: PASSWORD },
      message,
    })
    expect(result.ok, JSON.stringify(result.error)).toBe(true)
    expect(names(result)).toEqual(['dns', 'connect', 'banner', 'ehlo', 'starttls', 'tls', 'ehlo2', 'auth', 'mail', 'rcpt', 'data', 'dataAck', 'quit'])
    expect(result.capabilities.before).toContain('STARTTLS')
    expect(result.capabilities.before!.some((c) => c.startsWith('AUTH'))).toBe(false)
    expect(result.capabilities.after!.some((c) => c.startsWith('AUTH'))).toBe(true)
    expect(result.tls).toMatchObject({ protocol: 'TLSv1.3', authorized: true, insecure: false })
    expect(result.tls!.sans).toContain('localhost')
    expect(result.tls!.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)
    // Round trips: TCP, banner, EHLO, STARTTLS, TLS 1.3, EHLO, AUTH PLAIN, pipelined MAIL/RCPT/DATA, end of data with QUIT.
    expect(result.roundTrips).toBe(9)
    expect(result.roundTrips).toBe(result.phases.reduce((n, ph) => n + ph.roundTrips, 0))
    // Phases are laid end to end, except QUIT: it went out with the end of data, so it overlaps dataAck and costs no round trip.
    let end = 0
    for (const ph of result.phases.filter((p) => p.name !== 'quit')) {
      expect(ph.durationMs).toBeGreaterThanOrEqual(0)
      expect(ph.startMs).toBeGreaterThanOrEqual(end - 0.001)
      end = ph.startMs + ph.durationMs
    }
    const data = result.phases.find((p) => p.name === 'data')!
    const dataAck = result.phases.find((p) => p.name === 'dataAck')!
    const quit = result.phases.find((p) => p.name === 'quit')!
    expect(quit).toMatchObject({ roundTrips: 0 })
    expect(quit.startMs).toBeGreaterThan(data.startMs)
    expect(quit.startMs).toBeLessThanOrEqual(data.startMs + data.durationMs)
    expect(quit.startMs).toBeLessThan(dataAck.startMs + dataAck.durationMs)
    expect(result.totalMs).toBeGreaterThanOrEqual(end)
    // Both replies are shown: the message's 250, then QUIT's 221.
    expect(text(result)).toMatch(/info message body sent \(\d+ bytes after dot-stuffing\), then <CRLF>\.<CRLF> and QUIT in the same write \(PIPELINING\)\ns 250 [^\n]*\ns 221 /)
    expect(text(result)).toMatch(/tls TLSv1\.3 .* verified/)
  })

  it('without PIPELINING, QUIT waits for the message’s 250: 10 round trips, phases end to end', async () => {
    const p = await peer({ mode: 'starttls', hidePIPELINING: true })
    const { result } = await run({ host: '127.0.0.1', port: p.port, security: 'starttls', tls: { caPem: ca, servername: 'localhost' }, auth: { user: USER, secret: PASSWORD }, message })
    expect(result.ok, JSON.stringify(result.error)).toBe(true)
    expect(result.roundTrips).toBe(12) // MAIL, RCPT and DATA one at a time: 2 more than pipelined, and QUIT on its own
    const dataAck = result.phases.find((ph) => ph.name === 'dataAck')!
    const quit = result.phases.find((ph) => ph.name === 'quit')!
    expect(quit.roundTrips).toBe(1)
    expect(quit.startMs).toBeGreaterThanOrEqual(dataAck.startMs + dataAck.durationMs - 0.001)
    expect(text(result)).not.toContain('QUIT in the same write')
  })

  it.each([
    ['plain', 'PLAIN', /c AUTH PLAIN \[redacted\]/, 1],
    ['login', 'LOGIN', /c AUTH LOGIN\ns 334 VXNlcm5hbWU6 +\(Username:\)\nc \[redacted\]\ns 334 UGFzc3dvcmQ6 +\(Password:\)\nc \[redacted\]/, 3],
    ['cram-md5', 'CRAM-MD5', /c AUTH CRAM-MD5\ns 334 \S+ +\(<.*>\)\nc \[redacted\]/, 2],
  ] as const)('verifies AUTH %s with the credential visibly redacted', async (method, mech, pattern, trips) => {
    const p = await peer({ mode: 'starttls', authMethods: ['PLAIN', 'LOGIN', 'CRAM-MD5'] })
    const { result } = await run({
      host: '127.0.0.1',
      port: p.port,
      security: 'starttls',
      tls: { caPem: ca, servername: 'localhost' },
      auth: { method, user: USER, secret: PASSWORD },
      stopAfter: 'auth',
    })
    expect(result.ok, JSON.stringify(result.error)).toBe(true)
    expect(result.authMethodUsed).toBe(mech)
    expect(text(result)).toMatch(pattern)
    expect(text(result)).toContain('s 235')
    expect(result.phases.find((ph) => ph.name === 'auth')!.roundTrips).toBe(trips)
    expect(p.auths.at(-1)).toMatchObject({ method: mech, username: USER, ok: true })
    expect(p.received).toHaveLength(0)
  })

  it('verifies XOAUTH2 with the token redacted', async () => {
    const p = await peer({ mode: 'tls', authMethods: ['XOAUTH2'], users: { [USER]: TOKEN } })
    const { result } = await run({
      host: '127.0.0.1',
      port: p.port,
      security: 'tls',
      tls: { caPem: ca, servername: 'localhost' },
      auth: { method: 'xoauth2', user: USER, secret: TOKEN },
      stopAfter: 'auth',
    })
    expect(result.ok, JSON.stringify(result.error)).toBe(true)
    expect(text(result)).toContain('c AUTH XOAUTH2 [redacted]')
    expect(names(result)).toEqual(['connect', 'tls', 'banner', 'ehlo', 'auth', 'quit'])
    expect(result.capabilities.before).toBeNull()
  })

  it('auto picks the best mechanism and shows the username only when asked', async () => {
    const p = await peer({ mode: 'starttls', authMethods: ['LOGIN', 'PLAIN'] })
    const base = { host: '127.0.0.1', port: p.port, tls: { caPem: ca, servername: 'localhost' }, auth: { user: USER, secret: PASSWORD }, stopAfter: 'auth' } as const
    const hidden = await run(base)
    expect(hidden.result.authMethodUsed).toBe('PLAIN')
    expect(text(hidden.result)).not.toContain(USER)
    const shown = await runSmtp({ ...base, showUsername: true })
    expect(text(shown)).toContain(`authenticating as ${USER} with PLAIN`)
    expectNoLeaks(JSON.stringify(shown), [{ value: PASSWORD }], 'result with username shown')
  })

  it('sends over implicit TLS with attachments, custom headers and cc/bcc (bcc not in the headers)', async () => {
    const p = await peer({ mode: 'tls' })
    const { result } = await run({
      host: '127.0.0.1',
      port: p.port,
      security: 'tls',
      tls: { caPem: ca, servername: 'localhost' },
      auth: { user: USER, secret: PASSWORD },
      message: { ...message, cc: ['cc@example.test'], bcc: ['hidden@example.test'], attachments: [{ path: __filename }], headers: [{ name: 'X-Mailprobe-Test', value: 'yes' }] },
    })
    expect(result.ok, JSON.stringify(result.error)).toBe(true)
    expect(names(result).slice(0, 3)).toEqual(['connect', 'tls', 'banner'])
    const got = p.received[0]!
    expect([...got.envelope.rcptTo].sort()).toEqual(['cc@example.test', 'hidden@example.test', 'rcpt@example.test'])
    expect(got.raw).toContain('X-Mailprobe-Test: yes')
    expect(got.raw).toContain('filename=engine.test.ts')
    expect(got.raw).not.toMatch(/^(Bcc|To|Cc):.*hidden@example\.test/im)
  })
})

describe('SMTP engine: stop-after stages', () => {
  it('connect: TCP only, nothing said', async () => {
    const p = await peer({ mode: 'plain' })
    const { result } = await run({ host: '127.0.0.1', port: p.port, stopAfter: 'connect' })
    expect(result.ok).toBe(true)
    expect(result.transcript.filter((l) => l.dir === 'c' || l.dir === 's')).toEqual([])
    expect(names(result)).toEqual(['connect'])
  })

  it('banner: the greeting, then QUIT', async () => {
    const p = await peer({ mode: 'plain' })
    const { result } = await run({ host: '127.0.0.1', port: p.port, stopAfter: 'banner' })
    expect(result.ok).toBe(true)
    expect(text(result)).toMatch(/s 220 .*\nc QUIT\ns 221/)
    expect(text(result)).not.toContain('EHLO')
  })

  it('ehlo: no STARTTLS even when offered', async () => {
    const p = await peer({ mode: 'starttls' })
    const { result } = await run({ host: '127.0.0.1', port: p.port, security: 'starttls', stopAfter: 'ehlo' })
    expect(result.ok).toBe(true)
    expect(text(result)).toContain('c EHLO')
    expect(text(result)).not.toContain('c STARTTLS')
    expect(result.capabilities.before).toContain('STARTTLS')
  })

  it('rcpt: MAIL and RCPT, then RSET and QUIT; nothing is delivered', async () => {
    const p = await peer({ mode: 'starttls', rejectRecipients: ['nobody@example.test'] })
    const { result } = await run({
      host: '127.0.0.1',
      port: p.port,
      tls: { caPem: ca, servername: 'localhost' },
      auth: { user: USER, secret: PASSWORD },
      stopAfter: 'rcpt',
      message: { ...message, to: ['rcpt@example.test', 'nobody@example.test'] },
    })
    expect(result.ok, JSON.stringify(result.error)).toBe(true)
    expect(result.result.accepted).toEqual(['rcpt@example.test'])
    expect(result.result.rejected).toEqual(['nobody@example.test'])
    expect(wire(result)).toMatch(/c MAIL FROM:<sender@example\.test>\ns 250.*\nc RCPT TO:<rcpt@example\.test>\ns 250.*\nc RCPT TO:<nobody@example\.test>\ns 550.*\nc RSET\ns 250.*\nc QUIT/)
    expect(text(result)).not.toContain('c DATA')
    expect(p.received).toHaveLength(0)
  })
})

describe('SMTP engine: classified failures', () => {
  it('AUTH_FAILED on 535, with the reply', async () => {
    const p = await peer({ mode: 'starttls' })
    const { result } = await run({ host: '127.0.0.1', port: p.port, tls: { caPem: ca, servername: 'localhost' }, auth: { user: USER, secret: 'wrong-' + PASSWORD }, stopAfter: 'auth' })
    expect(result.error).toMatchObject({ code: 'AUTH_FAILED', reply: { code: 535 } })
    expect(result.error!.message).toMatch(/rejected the username or password/)
    expectNoLeaks(JSON.stringify(result), [{ value: 'wrong-' + PASSWORD, user: USER }], 'failed result')
  })

  it('AUTH_UNSUPPORTED when credentials are given but AUTH is not advertised, without trying', async () => {
    const p = await peer({ mode: 'plain', users: {}, auth: 'disabled' })
    const { result } = await run({ host: '127.0.0.1', port: p.port, security: 'none', auth: { user: USER, secret: PASSWORD }, stopAfter: 'auth' })
    expect(result.error!.code).toBe('AUTH_UNSUPPORTED')
    expect(text(result)).not.toContain('c AUTH')
    expect(p.auths).toHaveLength(0)
  })

  it('STARTTLS_UNAVAILABLE when starttls is required but the server has none', async () => {
    const p = await peer({ mode: 'plain' })
    const { result } = await run({ host: '127.0.0.1', port: p.port, security: 'starttls', auth: { user: USER, secret: PASSWORD }, stopAfter: 'auth' })
    expect(result.error!.code).toBe('STARTTLS_UNAVAILABLE')
    expect(text(result)).not.toContain('c AUTH')
  })

  it('auto never sends credentials in plaintext when STARTTLS is not offered', async () => {
    const p = await peer({ mode: 'plain' })
    const { result } = await run({ host: '127.0.0.1', port: p.port, security: 'auto', auth: { user: USER, secret: PASSWORD }, stopAfter: 'auth' })
    expect(result.error!.code).toBe('STARTTLS_UNAVAILABLE')
    expect(result.error!.message).toMatch(/plaintext/)
    expect(p.auths).toHaveLength(0)
  })

  it('RECIPIENT_REJECTED when every recipient is refused; partial rejection still sends and warns', async () => {
    const p = await peer({ mode: 'plain', users: {}, rejectRecipients: ['nobody@example.test'] })
    const all = await run({ host: '127.0.0.1', port: p.port, security: 'none', message: { ...message, to: ['nobody@example.test'] } })
    expect(all.result.error).toMatchObject({ code: 'RECIPIENT_REJECTED', reply: { code: 550 } })
    const some = await run({ host: '127.0.0.1', port: p.port, security: 'none', message: { ...message, to: ['rcpt@example.test', 'nobody@example.test'] } })
    expect(some.result.ok).toBe(true)
    expect(some.result.result.rejected).toEqual(['nobody@example.test'])
    expect(some.result.warnings.join(' ')).toMatch(/rejected: nobody@example\.test/)
    expect(p.received).toHaveLength(1)
  })

  it('SENDER_REJECTED and MESSAGE_REJECTED carry the server reply', async () => {
    const p = await peer({ mode: 'plain', users: {}, rejectSenders: ['bad@example.test'] })
    const sender = await run({ host: '127.0.0.1', port: p.port, security: 'none', message: { ...message, from: 'bad@example.test' } })
    expect(sender.result.error).toMatchObject({ code: 'SENDER_REJECTED', reply: { code: 553 } })
    const q = await peer({ mode: 'plain', users: {}, rejectData: true })
    const body = await run({ host: '127.0.0.1', port: q.port, security: 'none', message })
    expect(body.result.error).toMatchObject({ code: 'MESSAGE_REJECTED', reply: { code: 554 } })
  })

  it('PROTOCOL_ERROR with the 421 reply when the server refuses at the greeting', async () => {
    const p = await peer({ mode: 'plain', refuseGreeting: true })
    const { result } = await run({ host: '127.0.0.1', port: p.port, security: 'none', stopAfter: 'ehlo' })
    expect(result.error).toMatchObject({ code: 'PROTOCOL_ERROR', reply: { code: 421 } })
    expect(text(result)).toContain('s 421')
  })

  it('GREETING_TIMEOUT when the greeting never comes, within the timeout', async () => {
    const p = await raw(neverGreets())
    const started = Date.now()
    const { result } = await run({ host: '127.0.0.1', port: p.port, security: 'starttls', timeouts: { greetingMs: 300 }, stopAfter: 'ehlo' })
    expect(result.error!.code).toBe('GREETING_TIMEOUT')
    expect(result.error!.message).toMatch(/300 ms/)
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('CONNECT_REFUSED on a closed port', async () => {
    const p = await peer({ mode: 'plain' })
    const port = p.port
    await p.close()
    const { result } = await run({ host: '127.0.0.1', port, stopAfter: 'banner' })
    expect(result.error!.code).toBe('CONNECT_REFUSED')
  })

  it('the wrong TLS mode, both ways, says which mode the port speaks', async () => {
    const starttlsPort = await peer({ mode: 'starttls' })
    const tlsFirst = await run({ host: '127.0.0.1', port: starttlsPort.port, security: 'tls', tls: { caPem: ca, servername: 'localhost' }, stopAfter: 'ehlo' })
    expect(tlsFirst.result.error!.code).toBe('TLS_FAILED')
    expect(tlsFirst.result.error!.message).toMatch(/plaintext.*'starttls'/)

    const implicitPort = await peer({ mode: 'tls' })
    const plainFirst = await run({ host: '127.0.0.1', port: implicitPort.port, security: 'starttls', timeouts: { greetingMs: 300 }, stopAfter: 'tls' })
    expect(plainFirst.result.error!.code).toBe('GREETING_TIMEOUT')
    expect(plainFirst.result.error!.message).toMatch(/TLS from the first byte.*'tls'/)
  })

  it.each([
    ['self-signed', 'CERT_UNTRUSTED'],
    ['expired', 'CERT_EXPIRED'],
    ['wrong-host', 'CERT_HOSTNAME_MISMATCH'],
  ] as const)('%s certificate → %s, and no AUTH crosses the untrusted channel', async (cert, code) => {
    const p = await peer({ mode: 'starttls', cert })
    const { result } = await run({ host: 'localhost', port: p.port, security: 'starttls', tls: { caFile }, auth: { user: USER, secret: PASSWORD }, stopAfter: 'auth' })
    expect(result.error!.code).toBe(code)
    expect(result.tls).not.toBeNull()
    expect(text(result)).not.toMatch(/c EHLO[\s\S]*c EHLO/) // not even the second EHLO went out
    expect(p.auths).toHaveLength(0)
  })

  it('a certificate from an unknown CA is CERT_UNTRUSTED without the CA, and fine with it', async () => {
    const p = await peer({ mode: 'tls' })
    const without = await run({ host: 'localhost', port: p.port, security: 'tls', stopAfter: 'ehlo' })
    expect(without.result.error!.code).toBe('CERT_UNTRUSTED')
    expect(without.result.error!.message).toMatch(/CA file/)
    const withCa = await run({ host: 'localhost', port: p.port, security: 'tls', tls: { caFile }, stopAfter: 'ehlo' })
    expect(withCa.result.ok).toBe(true)
    const insecure = await run({ host: 'localhost', port: p.port, security: 'tls', tls: { insecure: true }, stopAfter: 'ehlo' })
    expect(insecure.result.ok).toBe(true)
    expect(insecure.result.tls).toMatchObject({ authorized: false, insecure: true })
    expect(insecure.result.warnings.join(' ')).toMatch(/verification is OFF/)
  })

  it('INVALID_INPUT before any connection for CR/LF in the subject and a vanished attachment', async () => {
    const p = await peer({ mode: 'plain' })
    const crlf = await run({ host: '127.0.0.1', port: p.port, message: { ...message, subject: 'hi\r\nBcc: victim@example.test' } })
    expect(crlf.result.error!.code).toBe('INVALID_INPUT')
    expect(crlf.result.error!.message).toMatch(/subject/)
    const gone = await run({ host: '127.0.0.1', port: p.port, security: 'none', message: { ...message, attachments: [{ path: '/nonexistent/report.pdf' }] } })
    expect(gone.result.error!.code).toBe('INVALID_INPUT')
    expect(gone.result.error!.message).toMatch(/report\.pdf/)
    expect(p.sessions).toBe(0)
  })

  it('INVALID_INPUT for a bad payload never echoes the secret', async () => {
    const { result } = await run({ host: 'bad host', port: 70000, auth: { user: USER, secret: PASSWORD } } as unknown as SmtpJobInput)
    expect(result.error!.code).toBe('INVALID_INPUT')
    expect(result.error!.message).toMatch(/host/)
    expect(result.error!.message).toMatch(/port/)
  })

  it('CONNECTION_LOST when the server hangs up mid-session, with the transcript so far', async () => {
    const p = await raw(
      scriptedSmtp(async (s) => {
        s.send('220 scripted ESMTP')
        await s.nextLine()
        s.send('250-scripted')
        s.send('250 PIPELINING')
        await s.nextLine() // MAIL FROM (pipelined with RCPT and DATA)
        s.close()
      }),
    )
    const { result } = await run({ host: '127.0.0.1', port: p.port, security: 'none', message })
    expect(result.error!.code).toBe('CONNECTION_LOST')
    expect(text(result)).toContain('c MAIL FROM:<sender@example.test>')
  })
})

describe('SMTP engine: cancel', () => {
  it('cancels mid-session: CANCELLED at once, transcript so far, socket closed', async () => {
    const p = await peer({ mode: 'plain', users: {}, dataDelayMs: 10_000 })
    const controller = new AbortController()
    const sink = new ArraySink()
    const origEmit = sink.emit.bind(sink)
    sink.emit = (e) => {
      origEmit(e)
      if (e.type === 'transcript' && e.text.startsWith('message body sent')) controller.abort()
    }
    const baseline = openSockets()
    const started = Date.now()
    const result = await runSmtp({ host: '127.0.0.1', port: p.port, security: 'none', message }, { sink, signal: controller.signal })
    expect(result.error!.code).toBe('CANCELLED')
    expect(Date.now() - started).toBeLessThan(3000)
    expect(text(result)).toContain('c DATA')
    expect(text(result)).not.toMatch(/s 250 .*queued/)
    // Both ends of the connection are gone: no socket is left open in this process.
    await expect.poll(() => openSockets()).toBe(baseline)
  })
})
