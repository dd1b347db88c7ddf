import { performance } from 'node:perf_hooks'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { runProbe } from '../../../main/core/probe'
import { fail } from '../../../main/core/errors'
import { ArraySink } from '../../../main/core/transcript/event-sink'
import { ProbeResultSchema, type ProbePort, type ProbeResult, type TranscriptEvent } from '../../../preload/contract'
import { getTestCerts, serverCert, WRONG_HOST_NAME } from '../../fixtures/certs'
import { closedPort, neverGreets, scriptedSmtp, tlsNotSmtp, type RawPeer } from '../../fixtures/raw-peers'
import { startSmtpPeer, type SmtpPeer } from '../../fixtures/smtp-peers'
import { startHttp, startHttps, tcpSockets, type WebPeer } from './helpers'

const HOST = '127.0.0.1'
const FINGERPRINT = /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/

let ca: string
const closers: { close(): Promise<void> }[] = []
async function keep<T extends { close(): Promise<void> }>(p: Promise<T>): Promise<T> {
  const peer = await p
  closers.push(peer)
  return peer
}

beforeAll(async () => {
  ca = (await getTestCerts()).ca.cert
})
afterAll(async () => {
  await Promise.all(closers.map((c) => c.close()))
})

const linesOf = (r: ProbeResult, port: number) => r.transcript.filter((l) => l.port === port)

describe('classification of each kind of port (one concurrent probe)', () => {
  let starttls: SmtpPeer, implicit: SmtpPeer, plain: SmtpPeer, expired: SmtpPeer, wrongHost: SmtpPeer
  let silent: RawPeer, refused: { port: number }, httpPeer: WebPeer, httpsPeer: WebPeer
  let result: ProbeResult
  const sink = new ArraySink()
  const at = (p: { port: number }): ProbePort => result.ports.find((x) => x.port === p.port)!

  beforeAll(async () => {
    starttls = await keep(startSmtpPeer({ mode: 'starttls', hideAuthBeforeTls: true, size: 10_485_760, dsn: true, enhancedStatusCodes: true }))
    implicit = await keep(startSmtpPeer({ mode: 'tls' }))
    plain = await keep(startSmtpPeer({ mode: 'plain', auth: 'disabled' }))
    expired = await keep(startSmtpPeer({ mode: 'starttls', cert: 'expired', hideAuthBeforeTls: true }))
    wrongHost = await keep(startSmtpPeer({ mode: 'tls', cert: 'wrong-host' }))
    silent = await keep(neverGreets())
    refused = await keep(closedPort())
    httpPeer = await keep(startHttp())
    httpsPeer = await keep(startHttps(await serverCert('good')))
    const ports = [starttls, implicit, plain, expired, wrongHost, silent, refused, httpPeer, httpsPeer].map((p) => p.port)
    result = await runProbe({ host: HOST, ports, timeoutMs: 1000, tls: { caPem: ca } }, { sink, jobId: 'probe-1' })
  })

  it('returns a result the contract accepts, streamed as events that end with it', () => {
    expect(ProbeResultSchema.safeParse(result).success).toBe(true)
    expect(result).toMatchObject({ kind: 'probe', mode: 'host', host: HOST, addresses: [{ address: HOST, family: 4 }], error: null, warnings: [] })
    const last = sink.events.at(-1)!
    expect(last).toMatchObject({ type: 'result', jobId: 'probe-1', result })
    expect(sink.events.map((e) => e.seq)).toEqual(sink.events.map((_, i) => i + 1))
    // Every port-specific line is tagged; phases too.
    for (const p of result.ports) expect(linesOf(result, p.port).length).toBeGreaterThan(0)
    expect(result.phases.some((ph) => ph.port === starttls.port && ph.name === 'starttls')).toBe(true)
  })

  it('STARTTLS server: plaintext greeting, capabilities and AUTH before and after TLS, the certificate', () => {
    const p = at(starttls)
    expect(p).toMatchObject({ state: 'open', speaks: 'smtp', other: null, starttls: true, bannerCode: 220, security: 'starttls', usable: true, error: null })
    expect(p.banner).toMatch(/^mx\.mailprobe\.test/)
    expect(p.connectMs).toBeGreaterThanOrEqual(0)
    expect(p.bannerMs).toBeGreaterThanOrEqual(0)
    expect(p.capabilities.before).toContain('STARTTLS')
    expect(p.capabilities.before!.some((c) => c.startsWith('AUTH'))).toBe(false)
    expect(p.capabilities.after).toContain('AUTH PLAIN LOGIN')
    expect(p.auth).toEqual({ before: [], after: ['PLAIN', 'LOGIN'] })
    expect(p.extensions).toMatchObject({ size: 10_485_760, pipelining: true, eightBitMime: true, smtpUtf8: true, dsn: true, enhancedStatusCodes: true, chunking: false, requireTls: false })
    expect(p.tls).toMatchObject({ mode: 'starttls', authorized: true, verification: null, hostnameMatch: true, servername: HOST, subject: 'CN=localhost', insecure: false })
    expect(p.tls!.sans).toEqual(expect.arrayContaining(['localhost', '127.0.0.1']))
    expect(p.tls!.protocol).toMatch(/^TLSv1\.[23]$/)
    expect(p.tls!.daysUntilExpiry).toBeGreaterThanOrEqual(28)
    expect(p.tls!.chain[0]).toMatchObject({ subject: 'CN=localhost', issuer: expect.stringContaining('Mailprobe Test CA') })
    expect(p.tls!.chain.at(-1)!.subject).toContain('Mailprobe Test CA')
    for (const c of p.tls!.chain) expect(c.fingerprint256).toMatch(FINGERPRINT)
    expect(p.diagnosis).toBe('Submission with STARTTLS; AUTH PLAIN LOGIN offered only after TLS.')
  })

  it('listens before speaking, and ends politely: greeting, EHLO, STARTTLS, EHLO, QUIT, never AUTH or MAIL', () => {
    const lines = linesOf(result, starttls.port)
    const client = lines.filter((l) => l.dir === 'c').map((l) => l.text)
    expect(client).toEqual(['EHLO [127.0.0.1]', 'STARTTLS', 'EHLO [127.0.0.1]', 'QUIT'])
    expect(lines.findIndex((l) => l.dir === 's')).toBeLessThan(lines.findIndex((l) => l.dir === 'c'))
    expect(lines.filter((l) => l.dir === 's').at(-1)!.text).toMatch(/^221 /)
    for (const p of result.ports) expect(linesOf(result, p.port).some((l) => l.dir === 'c' && /^(AUTH|MAIL|RCPT|DATA)/.test(l.text))).toBe(false)
  })

  it('implicit-TLS server: silent in plaintext, greets inside TLS', () => {
    const p = at(implicit)
    expect(p).toMatchObject({ state: 'open', speaks: 'tls', starttls: false, bannerCode: 220, security: 'tls', usable: true, error: null })
    expect(p.tls).toMatchObject({ mode: 'implicit', verification: null, hostnameMatch: true })
    expect(p.capabilities.before).toBeNull()
    expect(p.auth).toEqual({ before: null, after: ['PLAIN', 'LOGIN'] })
    expect(p.diagnosis).toBe('Speaks TLS first (implicit TLS, RFC 8314 submission); AUTH PLAIN LOGIN offered.')
    expect(
      linesOf(result, implicit.port)
        .filter((l) => l.dir === 'c')
        .map((l) => l.text),
    ).toEqual(['EHLO [127.0.0.1]', 'QUIT'])
  })

  it('plaintext server without STARTTLS or AUTH', () => {
    const p = at(plain)
    expect(p).toMatchObject({ state: 'open', speaks: 'smtp', starttls: false, tls: null, security: 'none', usable: false })
    expect(p.auth).toEqual({ before: [], after: null })
    expect(p.diagnosis).toBe('Plaintext SMTP only (no STARTTLS, no AUTH): a relay or inbound MX, not submission.')
  })

  it('a server that accepts TCP and never greets: silent, after trying TLS on a second connection, and never spoken SMTP to', () => {
    const p = at(silent)
    expect(p).toMatchObject({ state: 'silent', speaks: null, bannerCode: null, usable: false, error: { code: 'GREETING_TIMEOUT' } })
    expect(p.diagnosis).toBe('Accepts connections but never greets, in plaintext or over TLS (tarpit or wrong service?).')
    expect(silent.connections).toBe(2)
    expect(silent.received).not.toContain('EHLO')
    expect(silent.received.startsWith('\x16\x03')).toBe(true) // the only bytes it got: a TLS ClientHello
  })

  it('a refused port', () => {
    const p = at(refused)
    expect(p).toMatchObject({ state: 'refused', speaks: null, connectMs: null, error: { code: 'CONNECT_REFUSED' } })
    expect(p.diagnosis).toBe(`Refused: nothing listens on port ${refused.port} (or a firewall rejects the connection).`)
  })

  it('an HTTP server: silent in plaintext, answers the TLS attempt with HTTP, named', () => {
    const p = at(httpPeer)
    expect(p).toMatchObject({ state: 'open', speaks: 'other', other: 'HTTP', tls: null, usable: false })
    expect(p.firstBytes).toMatch(/^HTTP\/1\.1 400/)
    expect(p.diagnosis).toBe('Not a mail server: speaks HTTP.')
  })

  it('a TLS server that is not SMTP: named HTTPS from its answer to one EHLO inside TLS', () => {
    const p = at(httpsPeer)
    expect(p).toMatchObject({ state: 'open', speaks: 'other', other: 'HTTPS', usable: false })
    expect(p.tls).toMatchObject({ mode: 'implicit', verification: null })
    expect(p.diagnosis).toBe('Speaks TLS, but the service inside is HTTPS, not SMTP.')
  })

  it('an expired certificate: reported, not fatal, and the port is not usable', () => {
    const p = at(expired)
    expect(p).toMatchObject({ state: 'open', speaks: 'smtp', usable: false, error: null })
    expect(p.tls).toMatchObject({ authorized: false, verification: { code: 'CERT_EXPIRED' }, hostnameMatch: true })
    expect(p.tls!.daysUntilExpiry).toBeLessThanOrEqual(-35)
    expect(p.auth.after).toEqual(['PLAIN', 'LOGIN']) // the dialogue went on after the bad certificate
    expect(p.diagnosis).toMatch(
      /^Submission with STARTTLS; AUTH PLAIN LOGIN offered only after TLS\. Its certificate expired 3[56] days ago, so clients that verify \(as they should\) will refuse it\.$/,
    )
  })

  it('a certificate for another host name', () => {
    const p = at(wrongHost)
    expect(p).toMatchObject({ speaks: 'tls', usable: false })
    expect(p.tls).toMatchObject({ verification: { code: 'CERT_HOSTNAME_MISMATCH' }, hostnameMatch: false, sans: [WRONG_HOST_NAME], subject: `CN=${WRONG_HOST_NAME}` })
    expect(p.diagnosis).toMatch(/Its certificate is for wrong\.example, not 127\.0\.0\.1, so clients that verify/)
  })

  it('recommends the best usable port, and names the ones passed over for their certificates', () => {
    expect(result.ok).toBe(true)
    expect(result.recommendation).toMatchObject({ port: implicit.port, security: 'tls', host: HOST })
    expect(result.recommendation.reason).toContain(`Port ${expired.port} also speaks STARTTLS, but its certificate fails verification (CERT_EXPIRED)`)
    expect(result.recommendation.reason).toContain(`Port ${wrongHost.port} also speaks implicit TLS, but its certificate fails verification (CERT_HOSTNAME_MISMATCH)`)
  })

  it('leaves no socket open, on either side', async () => {
    // The peers are still listening: only the probe can have closed these connections.
    await vi.waitFor(() => expect(tcpSockets()).toBe(0), { timeout: 3000, interval: 10 })
    expect(httpPeer.open + httpsPeer.open).toBe(0)
  })
})

describe('timing', () => {
  it('a four-port probe with one silent port finishes within the timeout + 20%', async () => {
    const peers = [
      await keep(startSmtpPeer({ mode: 'starttls', hideAuthBeforeTls: true })),
      await keep(startSmtpPeer({ mode: 'tls' })),
      await keep(startSmtpPeer({ mode: 'plain', auth: 'disabled' })),
      await keep(neverGreets()),
    ]
    const timeoutMs = 1000
    const t0 = performance.now()
    const r = await runProbe({ host: HOST, ports: peers.map((p) => p.port), timeoutMs, tls: { caPem: ca } })
    const elapsed = performance.now() - t0
    expect(r.ports.map((p) => p.state)).toEqual(['open', 'open', 'open', 'silent'])
    expect(elapsed).toBeLessThan(timeoutMs * 1.2)
  })
})

describe('more first words', () => {
  it('names SSH, reports a refusing greeting, a server that closes without a word, and a TLS server silent inside', async () => {
    const ssh = await keep(scriptedSmtp((s) => s.sendRaw('SSH-2.0-OpenSSH_9.6\r\n')))
    const refusing = await keep(startSmtpPeer({ mode: 'plain', refuseGreeting: 554 }))
    const closes = await keep(scriptedSmtp((s) => s.close()))
    const tlsSilent = await keep(tlsNotSmtp(await serverCert('good')))
    const r = await runProbe({ host: HOST, ports: [ssh.port, refusing.port, closes.port, tlsSilent.port], timeoutMs: 400, tls: { caPem: ca } })
    const [a, b, c, d] = r.ports
    expect(a).toMatchObject({ state: 'open', speaks: 'other', other: 'SSH', diagnosis: 'Not a mail server: speaks SSH.' })
    expect(b).toMatchObject({ state: 'open', speaks: 'smtp', bannerCode: 554, usable: false, error: { code: 'PROTOCOL_ERROR' } })
    expect(b!.diagnosis).toMatch(/^Greets with 554 instead of 220/)
    expect(
      linesOf(r, refusing.port)
        .filter((l) => l.dir === 'c')
        .map((l) => l.text),
    ).toEqual(['QUIT'])
    expect(c).toMatchObject({ state: 'error', speaks: null, error: { code: 'CONNECTION_LOST' } })
    expect(c!.diagnosis).toMatch(/closed it without a word/)
    expect(d).toMatchObject({ state: 'silent', speaks: 'tls', error: { code: 'GREETING_TIMEOUT' } })
    expect(d!.diagnosis).toMatch(/^Completes a TLS handshake but never greets inside TLS/)
    expect(r.recommendation.port).toBeNull()
    expect(r.ok).toBe(false)
  })

  it('a greeting slower than the start of the TLS attempt still counts as plaintext SMTP', async () => {
    const slow = await keep(startSmtpPeer({ mode: 'starttls', hideAuthBeforeTls: true, greetingDelayMs: 500 }))
    const r = await runProbe({ host: HOST, ports: [slow.port], timeoutMs: 1500, tls: { caPem: ca } })
    expect(r.ports[0]).toMatchObject({ state: 'open', speaks: 'smtp', usable: true })
    expect(r.ports[0]!.bannerMs).toBeGreaterThanOrEqual(400)
    expect(r.transcript.some((l) => /trying TLS from the first byte on a second connection/.test(l.text))).toBe(true)
  })
})

describe('options', () => {
  it('with verification off, a bad certificate no longer disqualifies the port, and the result says so', async () => {
    const expired = await keep(startSmtpPeer({ mode: 'tls', cert: 'expired' }))
    const r = await runProbe({ host: HOST, ports: [expired.port], timeoutMs: 1000, tls: { caPem: ca, insecure: true } })
    expect(r.ports[0]).toMatchObject({ usable: true, tls: { insecure: true, verification: { code: 'CERT_EXPIRED' } } })
    expect(r.warnings[0]).toMatch(/verification is OFF/)
    expect(r.recommendation.reason).toMatch(/you turned verification off/)
    expect(r.ok).toBe(true)
  })

  it('checks certificates against --servername', async () => {
    const wrong = await keep(startSmtpPeer({ mode: 'tls', cert: 'wrong-host' }))
    const r = await runProbe({ host: HOST, ports: [wrong.port], timeoutMs: 1000, tls: { caPem: ca, servername: WRONG_HOST_NAME } })
    expect(r.ports[0]).toMatchObject({ usable: true, tls: { servername: WRONG_HOST_NAME, hostnameMatch: true, verification: null } })
  })

  it('uses the injected lookup for names, and records the DNS phase', async () => {
    const peer = await keep(startSmtpPeer({ mode: 'tls' }))
    const lookup = vi.fn(async () => ({ addresses: [{ address: HOST, family: 4 as const }], looked: true }))
    const r = await runProbe({ host: 'localhost', ports: [peer.port], timeoutMs: 1000, network: { family: 'ipv4' }, tls: { caPem: ca } }, { dns: { lookup } })
    expect(lookup).toHaveBeenCalledWith('localhost', expect.objectContaining({ family: 4, timeoutMs: 1000 }))
    expect(r.addresses).toEqual([{ address: HOST, family: 4 }])
    expect(r.phases[0]).toMatchObject({ name: 'dns' })
    expect(r.ports[0]).toMatchObject({ usable: true, tls: { servername: 'localhost', hostnameMatch: true } })
  })

  it('a failed lookup marks every port and the result', async () => {
    const lookup = async (): Promise<never> => fail('DNS_FAILED', 'Could not resolve no.such.host.test: the name does not exist.')
    const r = await runProbe({ host: 'no.such.host.test', ports: [25, 587], timeoutMs: 500 }, { dns: { lookup } })
    expect(r.ok).toBe(false)
    expect(r.error).toMatchObject({ code: 'DNS_FAILED' })
    expect(r.ports.map((p) => [p.state, p.error?.code])).toEqual([
      ['error', 'DNS_FAILED'],
      ['error', 'DNS_FAILED'],
    ])
    expect(r.ports[0]!.diagnosis).toBe('Could not resolve no.such.host.test: the name does not exist.')
  })

  it('refuses invalid input as a result, never a throw', async () => {
    const r = await runProbe({ host: '', ports: [0, 25, 25], timeoutMs: 5 })
    expect(r).toMatchObject({ ok: false, kind: 'probe', error: { code: 'INVALID_INPUT' } })
    expect(r.error!.message).toMatch(/host: host is required/)
    expect(r.error!.message).toMatch(/timeoutMs/)
    expect((await runProbe({ host: 'x', ports: [25, 25] })).error!.message).toMatch(/each port may be listed only once/)
    expect((await runProbe({ host: 'x', ports: Array.from({ length: 21 }, (_, i) => i + 1) })).error!.message).toMatch(/at most 20 ports/)
    expect((await runProbe({ host: 'x', unknown: 1 })).error!.code).toBe('INVALID_INPUT')
    expect((await runProbe(null)).error!.code).toBe('INVALID_INPUT')
    const noCa = await runProbe({ host: HOST, ports: [1], tls: { caFile: '/nonexistent/ca.pem' } })
    expect(noCa.error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('/nonexistent/ca.pem') })
  })

  it('cancels: every port ends CANCELLED, no greeting timeout is waited for, every socket is closed', async () => {
    const silent = await keep(neverGreets())
    const controller = new AbortController()
    const sink = {
      emit: (e: { type: string }) => {
        if (e.type === 'transcript' && /^connected to/.test((e as TranscriptEvent).text)) controller.abort()
      },
    }
    const r = await runProbe({ host: HOST, ports: [silent.port], timeoutMs: 60_000 }, { sink, signal: controller.signal })
    expect(r.error?.code).toBe('CANCELLED')
    expect(r.ports[0]).toMatchObject({ state: 'error', error: { code: 'CANCELLED' }, diagnosis: 'Cancelled before the probe of this port finished.' })
    expect(r.transcript.some((l) => l.text.includes('GREETING_TIMEOUT'))).toBe(false)
    expect(r.ok).toBe(false)
    // Between tests nothing else holds a TCP connection in this worker: every one must go.
    await vi.waitFor(() => expect(tcpSockets()).toBe(0), { timeout: 3000, interval: 10 })
  })

  it('an already-aborted signal stops before connecting', async () => {
    const r = await runProbe({ host: HOST, ports: [25] }, { signal: AbortSignal.abort() })
    expect(r.error?.code).toBe('CANCELLED')
    expect(r.ports[0]!.error?.code).toBe('CANCELLED')
  })
})
