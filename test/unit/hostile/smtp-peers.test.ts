/**
 * Hostile SMTP peers (issue 7, item 1): each misbehaving server ends the SMTP engine (and, where
 * it applies, the probe) within its configured timeout, with the right classified error and the
 * transcript so far, and leaves no socket open. Loopback and ephemeral ports only; no sleeps:
 * every wait is the client's own timeout.
 */
import net from 'node:net'
import { performance } from 'node:perf_hooks'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ProbeResult, SmtpJobInput, SmtpResult } from '../../../preload/contract'
import { runProbe } from '../../../main/core/probe'
import { runSmtp } from '../../../main/core/smtp'
import { ArraySink } from '../../../main/core/transcript/event-sink'
import { getTestCerts, type TestCerts } from '../../fixtures/certs'
import { drip, flood, greetsThenSilent, neverGreets, scriptedSmtp, type ScriptSession } from '../../fixtures/raw-peers'
import { expectNoLeaks } from '../../fixtures/secret-scan'
import { startSmtpPeer, type SmtpPeerOptions } from '../../fixtures/smtp-peers'

const HOST = '127.0.0.1'
const USER = 'hostile-canary-user'
const PASSWORD = 'Hostile-canary-pw-9c2e!'
/** Short timeouts: every scenario ends on one of these. */
const T = { connectMs: 800, greetingMs: 500, socketMs: 500 }
const PROBE_TIMEOUT = 500

let certs: TestCerts
let ca = ''
const closers: { close(): Promise<void> }[] = []

beforeAll(async () => {
  certs = await getTestCerts()
  ca = certs.ca.cert
})
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c.close()))
})

async function keep<P extends { close(): Promise<void> }>(p: Promise<P>): Promise<P> {
  const peer = await p
  closers.push(peer)
  return peer
}

const openSockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TLSWrap').length
const text = (r: { transcript: { dir: string; text: string }[] }) => r.transcript.map((l) => `${l.dir} ${l.text}`).join('\n')

/** Runs the engine; checks the time bound, the secret never leaks, and that every socket is closed afterwards. */
async function engine(input: Omit<SmtpJobInput, 'host' | 'timeouts'> & { port: number }, boundMs: number): Promise<{ result: SmtpResult; elapsed: number }> {
  const baseline = openSockets()
  const sink = new ArraySink()
  const t0 = performance.now()
  const result = await runSmtp({ host: HOST, timeouts: T, ...input }, { sink })
  const elapsed = performance.now() - t0
  expect(elapsed).toBeLessThan(boundMs)
  expect(sink.events.at(-1)).toMatchObject({ type: 'result' })
  expectNoLeaks(JSON.stringify(sink.events), [{ value: PASSWORD, user: USER }], 'events')
  await expect.poll(() => openSockets(), { timeout: 2000 }).toBe(baseline)
  return { result, elapsed }
}

/** Runs the probe on one port with a short timeout; same checks as the engine. */
async function probe(port: number, boundMs: number, tlsOpts: { caPem?: string; servername?: string } = { caPem: ca }): Promise<ProbeResult> {
  const baseline = openSockets()
  const t0 = performance.now()
  const r = await runProbe({ host: HOST, ports: [port], timeoutMs: PROBE_TIMEOUT, tls: tlsOpts })
  expect(performance.now() - t0).toBeLessThan(boundMs)
  await expect.poll(() => openSockets(), { timeout: 2000 }).toBe(baseline)
  return r
}

const message = { from: 'sender@example.test', to: ['rcpt@example.test'], subject: 'hostile', text: 'hello' }

/** The usual opening: greet, answer EHLO with `caps` (no PIPELINING unless asked). */
async function greetAndEhlo(s: ScriptSession, caps: string[] = ['8BITMIME']): Promise<void> {
  s.send('220 hostile.mailprobe.test ESMTP')
  await s.nextLine()
  const all = ['hostile.mailprobe.test', ...caps]
  all.forEach((c, i) => s.send(`250${i < all.length - 1 ? '-' : ' '}${c}`))
}

/**
 * A plain TCP peer that hands each accepted socket to `onConnect` (for what a line-based script
 * cannot do: react to a TLS ClientHello, flood, drip). close() destroys every socket.
 */
async function rawPeer(onConnect: (socket: net.Socket) => void): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    onConnect(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve))
  const port = (server.address() as net.AddressInfo).port
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

/** Greets, offers STARTTLS, answers it with 220, then calls `afterGo(socket)` on the first bytes of the client's handshake. */
function starttlsThen(afterGo: (socket: net.Socket) => void) {
  return rawPeer((socket) => {
    let state: 'smtp' | 'go' | 'done' = 'smtp'
    let buf = ''
    socket.write('220 hostile.mailprobe.test ESMTP\r\n')
    socket.on('data', (d: Buffer) => {
      if (state === 'go') {
        state = 'done'
        return afterGo(socket)
      }
      if (state === 'done') return
      buf += d.toString('latin1')
      let nl: number
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim()
        buf = buf.slice(nl + 1)
        if (/^EHLO/i.test(line)) socket.write('250-hostile.mailprobe.test\r\n250 STARTTLS\r\n')
        else if (/^STARTTLS/i.test(line)) {
          socket.write('220 Go ahead\r\n')
          state = 'go'
        } else if (/^QUIT/i.test(line)) socket.end('221 bye\r\n')
      }
    })
  })
}

describe('hostile SMTP peers: the engine', () => {
  it('never greets → GREETING_TIMEOUT within greetingMs', async () => {
    const p = await keep(neverGreets())
    const { result, elapsed } = await engine({ port: p.port, security: 'starttls', stopAfter: 'ehlo' }, T.greetingMs * 3)
    expect(result.error!.code).toBe('GREETING_TIMEOUT')
    expect(elapsed).toBeGreaterThanOrEqual(T.greetingMs - 50)
    expect(text(result)).toMatch(/connected to 127\.0\.0\.1/)
    expect(text(result)).toContain('err GREETING_TIMEOUT')
  })

  it('greets, then goes silent → SOCKET_TIMEOUT with the greeting and EHLO in the transcript', async () => {
    const p = await keep(greetsThenSilent())
    const { result } = await engine({ port: p.port, security: 'starttls', stopAfter: 'ehlo' }, (T.greetingMs + T.socketMs) * 3)
    expect(result.error!.code).toBe('SOCKET_TIMEOUT')
    expect(text(result)).toMatch(/s 220 silent\.mailprobe\.test ESMTP\nc EHLO/)
  })

  it('421 at the greeting → PROTOCOL_ERROR carrying the 421 reply', async () => {
    const p = await keep(scriptedSmtp((s) => s.send('421 hostile.mailprobe.test Service not available, closing')))
    const { result } = await engine({ port: p.port, security: 'starttls', stopAfter: 'ehlo' }, T.greetingMs * 3)
    expect(result.error).toMatchObject({ code: 'PROTOCOL_ERROR', reply: { code: 421 } })
    expect(text(result)).toContain('s 421 hostile.mailprobe.test Service not available')
    expect(text(result)).not.toContain('c EHLO')
  })

  it('garbage instead of a greeting → PROTOCOL_ERROR', async () => {
    const p = await keep(scriptedSmtp((s) => s.sendRaw('\x00\xffgarbage, not SMTP at all\r\n')))
    const { result } = await engine({ port: p.port, security: 'starttls', stopAfter: 'ehlo' }, T.greetingMs * 3)
    expect(result.error!.code).toBe('PROTOCOL_ERROR')
    expect(text(result)).toContain('garbage, not SMTP at all')
  })

  it('garbage instead of a reply code to EHLO → PROTOCOL_ERROR', async () => {
    const p = await keep(
      scriptedSmtp(async (s) => {
        s.send('220 hostile.mailprobe.test ESMTP')
        await s.nextLine()
        s.send('hello there, I am not SMTP')
      }),
    )
    const { result } = await engine({ port: p.port, security: 'none', message }, (T.greetingMs + T.socketMs) * 3)
    expect(result.error!.code).toBe('PROTOCOL_ERROR')
    expect(result.error!.message).toMatch(/not an SMTP reply: "hello there/)
    expect(text(result)).toMatch(/c EHLO .*\ns hello there, I am not SMTP/)
    // Not mistaken for a refusal of EHLO (nodemailer alone would fall back to HELO and wait).
    expect(text(result)).not.toMatch(/c (HELO|MAIL FROM)/)
  })

  it('a reply line that never ends (a 1 MiB+ flood) → PROTOCOL_ERROR, reading stops at the cap', async () => {
    let floodedBytes = 0
    const p = await keep(
      rawPeer((socket) => {
        socket.write('220 hostile.mailprobe.test ESMTP\r\n')
        socket.once('data', () => {
          socket.write('250-')
          flood(socket, 'x'.repeat(64 * 1024), 64 * 1024 * 1024)
          socket.on('close', () => (floodedBytes = socket.bytesWritten))
        })
      }),
    )
    const { result } = await engine({ port: p.port, security: 'none', stopAfter: 'ehlo' }, (T.greetingMs + T.socketMs) * 3)
    expect(result.error!.code).toBe('PROTOCOL_ERROR')
    expect(result.error!.message).toMatch(/larger than 1 MB/)
    expect(text(result)).toContain('c EHLO')
    // Bounded: the client gave up a little after 1 MiB, nowhere near the 64 MiB on offer.
    expect(result.bytes.received).toBeGreaterThan(1024 * 1024)
    expect(result.bytes.received).toBeLessThan(8 * 1024 * 1024)
    expect(floodedBytes).toBeLessThan(32 * 1024 * 1024)
  })

  it('a multi-line reply that never ends (continuation lines forever) → PROTOCOL_ERROR at the cap', async () => {
    const p = await keep(
      rawPeer((socket) => {
        socket.write('220 hostile.mailprobe.test ESMTP\r\n')
        socket.once('data', () => flood(socket, '250-still going\r\n'.repeat(4096), 64 * 1024 * 1024))
      }),
    )
    const { result } = await engine({ port: p.port, security: 'none', stopAfter: 'ehlo' }, (T.greetingMs + T.socketMs) * 3)
    expect(result.error!.code).toBe('PROTOCOL_ERROR')
    expect(result.bytes.received).toBeLessThan(8 * 1024 * 1024)
  })

  it('a multi-line reply that stops before its last line → SOCKET_TIMEOUT within socketMs', async () => {
    const p = await keep(
      scriptedSmtp(async (s) => {
        s.send('220 hostile.mailprobe.test ESMTP')
        await s.nextLine()
        s.send('250-hostile.mailprobe.test')
        s.send('250-PIPELINING')
      }),
    )
    const { result } = await engine({ port: p.port, security: 'none', stopAfter: 'ehlo' }, (T.greetingMs + T.socketMs) * 3)
    expect(result.error!.code).toBe('SOCKET_TIMEOUT')
    expect(text(result)).toContain('c EHLO')
  })

  it('a greeting at one byte per 100 ms (a tarpit) → GREETING_TIMEOUT within greetingMs', async () => {
    const p = await keep(rawPeer((socket) => drip(socket, [...('220 ' + 'slow '.repeat(200) + '\r\n')], 100)))
    const { result, elapsed } = await engine({ port: p.port, security: 'none', stopAfter: 'ehlo' }, T.greetingMs * 3)
    expect(result.error!.code).toBe('GREETING_TIMEOUT')
    expect(elapsed).toBeLessThan(T.greetingMs * 3)
  })

  it('an EHLO reply at one byte per 100 ms → SOCKET_TIMEOUT, not an endless wait', async () => {
    const p = await keep(
      rawPeer((socket) => {
        socket.write('220 hostile.mailprobe.test ESMTP\r\n')
        socket.once('data', () => drip(socket, [...('250-hostile.mailprobe.test ' + 'slow '.repeat(400) + '\r\n250 8BITMIME\r\n')], 100))
      }),
    )
    const { result, elapsed } = await engine({ port: p.port, security: 'none', stopAfter: 'ehlo' }, (T.greetingMs + T.socketMs) * 3)
    expect(result.error!.code).toBe('SOCKET_TIMEOUT')
    expect(elapsed).toBeLessThan(T.socketMs * 3)
    expect(text(result)).toContain('c EHLO')
  })

  it('closes the connection after EHLO → CONNECTION_LOST', async () => {
    const p = await keep(
      scriptedSmtp(async (s) => {
        await greetAndEhlo(s)
        await s.nextLine() // MAIL FROM
        s.close()
      }),
    )
    const { result } = await engine({ port: p.port, security: 'none', message }, (T.greetingMs + T.socketMs) * 3)
    expect(result.error!.code).toBe('CONNECTION_LOST')
    expect(text(result)).toMatch(/c EHLO[\s\S]*s 250 8BITMIME[\s\S]*c MAIL FROM:<sender@example\.test>/)
  })

  it('closes in the middle of DATA → CONNECTION_LOST, nothing reported as sent', async () => {
    const p = await keep(
      scriptedSmtp(async (s) => {
        await greetAndEhlo(s)
        await s.nextLine() // MAIL
        s.send('250 OK')
        await s.nextLine() // RCPT
        s.send('250 OK')
        await s.nextLine() // DATA
        s.send('354 go ahead')
        await s.nextLine() // the first header line
        s.close()
      }),
    )
    const { result } = await engine({ port: p.port, security: 'none', message }, (T.greetingMs + T.socketMs) * 3)
    expect(result.error!.code).toBe('CONNECTION_LOST')
    expect(text(result)).toMatch(/c DATA\ns 354 go ahead/)
    expect(result.result.response).toBeNull()
  })

  it('answers STARTTLS with 220 and keeps speaking plaintext → TLS_FAILED', async () => {
    const p = await keep(starttlsThen((socket) => socket.write('250 still plaintext, no TLS here\r\n')))
    const { result } = await engine(
      { port: p.port, security: 'starttls', tls: { caPem: ca, servername: 'localhost' }, auth: { user: USER, secret: PASSWORD }, stopAfter: 'auth' },
      (T.greetingMs + T.socketMs) * 3,
    )
    expect(result.error!.code).toBe('TLS_FAILED')
    expect(text(result)).toMatch(/c STARTTLS\ns 220 Go ahead/)
    expect(text(result)).not.toContain('c AUTH')
  })

  it('RFC 3207 injection: lines after "220" in the same packet are discarded, never read as replies', async () => {
    const p = await keep(
      scriptedSmtp(async (s) => {
        await greetAndEhlo(s, ['STARTTLS'])
        await s.nextLine() // STARTTLS
        s.sendRaw('220 Go ahead\r\n250-INJECTED-BEFORE-TLS\r\n250 AUTH PLAIN INJECTED\r\n')
        await s.startTls(certs.localhost)
        await s.nextLine() // EHLO over TLS
        s.send('250-secure.mailprobe.test')
        s.send('250 8BITMIME')
        await s.nextLine() // QUIT
        s.send('221 bye')
        s.end()
      }),
    )
    const { result } = await engine({ port: p.port, security: 'starttls', tls: { caPem: ca, servername: 'localhost' }, stopAfter: 'tls' }, (T.greetingMs + T.socketMs) * 3)
    expect(result.ok, JSON.stringify(result.error)).toBe(true)
    expect(text(result)).not.toContain('INJECTED')
    expect(result.warnings.join(' ')).toMatch(/Discarded \d+ bytes received in plaintext[\s\S]*RFC 3207/)
    expect(text(result)).toMatch(/warning: Discarded \d+ bytes/)
    expect(result.capabilities.after).toEqual(['8BITMIME'])
    expect(p.scriptErrors).toEqual([])
  })

  it('a TLS handshake the server breaks off (STARTTLS) → TLS_FAILED', async () => {
    const p = await keep(starttlsThen((socket) => socket.destroy()))
    const { result } = await engine({ port: p.port, security: 'starttls', tls: { caPem: ca, servername: 'localhost' }, stopAfter: 'tls' }, (T.greetingMs + T.socketMs) * 3)
    expect(result.error!.code).toBe('TLS_FAILED')
    expect(text(result)).toContain('c STARTTLS')
  })

  it('a STARTTLS handshake the server never answers → TLS_FAILED within greetingMs', async () => {
    const p = await keep(starttlsThen(() => {}))
    const { result, elapsed } = await engine({ port: p.port, security: 'starttls', tls: { caPem: ca, servername: 'localhost' }, stopAfter: 'tls' }, (T.greetingMs + T.socketMs) * 3)
    expect(result.error!.code).toBe('TLS_FAILED')
    expect(result.error!.message).toMatch(/did not finish within 500 ms/)
    expect(elapsed).toBeLessThan(T.greetingMs * 3)
  })

  it('a TLS handshake the server breaks off (implicit TLS) → TLS_FAILED', async () => {
    const p = await keep(rawPeer((socket) => socket.once('data', () => socket.destroy())))
    const { result } = await engine({ port: p.port, security: 'tls', tls: { caPem: ca, servername: 'localhost' }, stopAfter: 'ehlo' }, T.greetingMs * 3)
    expect(result.error!.code).toBe('TLS_FAILED')
    expect(text(result)).toContain('starting TLS')
  })

  it.each([
    ['expired', 'CERT_EXPIRED'],
    ['self-signed', 'CERT_UNTRUSTED'],
    ['wrong-host', 'CERT_HOSTNAME_MISMATCH'],
  ] as const)('implicit TLS with a %s certificate → %s, and no SMTP crosses the channel', async (cert, code) => {
    const p = await keep(startSmtpPeer({ mode: 'tls', cert, users: { [USER]: PASSWORD } } satisfies SmtpPeerOptions))
    const { result } = await engine({ port: p.port, security: 'tls', tls: { caPem: ca, servername: 'localhost' }, auth: { user: USER, secret: PASSWORD }, stopAfter: 'auth' }, T.greetingMs * 3)
    expect(result.error!.code).toBe(code)
    expect(result.tls).not.toBeNull()
    expect(text(result)).toMatch(/tls .*NOT verified/)
    expect(text(result)).not.toContain('c EHLO')
    expect(p.auths).toHaveLength(0)
  })

  it('AUTH advertised only before TLS → AUTH_UNSUPPORTED after TLS; the credentials are never sent', async () => {
    const p = await keep(
      scriptedSmtp(async (s) => {
        await greetAndEhlo(s, ['AUTH PLAIN LOGIN', 'STARTTLS'])
        await s.nextLine() // STARTTLS
        s.send('220 Go ahead')
        await s.startTls(certs.localhost)
        await s.nextLine() // EHLO
        s.send('250-secure.mailprobe.test')
        s.send('250 8BITMIME')
        s.onLine((l) => {
          if (/^QUIT/i.test(l)) s.send('221 bye')
        })
      }),
    )
    const { result } = await engine(
      { port: p.port, security: 'starttls', tls: { caPem: ca, servername: 'localhost' }, auth: { user: USER, secret: PASSWORD }, stopAfter: 'auth' },
      (T.greetingMs + T.socketMs) * 3,
    )
    expect(result.error!.code).toBe('AUTH_UNSUPPORTED')
    expect(result.capabilities.before).toContain('AUTH PLAIN LOGIN')
    expect(result.capabilities.after).toEqual(['8BITMIME'])
    expect(text(result)).not.toContain('c AUTH')
    expect(p.received).not.toMatch(/AUTH/i)
    expectNoLeaks(p.received, [{ value: PASSWORD, user: USER }], 'bytes the server received')
  })

  it('the reply to end-of-data delayed past the timeout → SOCKET_TIMEOUT after the body was sent', async () => {
    const p = await keep(startSmtpPeer({ mode: 'plain', users: {}, dataDelayMs: 10_000 }))
    const { result, elapsed } = await engine({ port: p.port, security: 'none', message }, (T.greetingMs + T.socketMs) * 3)
    expect(result.error!.code).toBe('SOCKET_TIMEOUT')
    expect(elapsed).toBeLessThan(T.socketMs * 3)
    expect(text(result)).toMatch(/message body sent/)
    expect(text(result)).not.toMatch(/s 250 .*queued/)
  })
})

describe('hostile SMTP peers: the probe', () => {
  const bound = PROBE_TIMEOUT * 6 // plaintext then a TLS attempt on a second connection, each bounded

  it('never greets → the port is silent with GREETING_TIMEOUT', async () => {
    const p = await keep(neverGreets())
    const r = await probe(p.port, bound)
    expect(r.ports[0]).toMatchObject({ state: 'silent', usable: false, error: { code: 'GREETING_TIMEOUT' } })
    expect(text(r)).toContain('GREETING_TIMEOUT')
  })

  it('421 at the greeting → PROTOCOL_ERROR with banner code 421', async () => {
    const p = await keep(scriptedSmtp((s) => s.send('421 hostile.mailprobe.test Service not available')))
    const r = await probe(p.port, bound)
    expect(r.ports[0]).toMatchObject({ speaks: 'smtp', bannerCode: 421, usable: false, error: { code: 'PROTOCOL_ERROR' } })
    expect(text(r)).toContain('s 421 hostile.mailprobe.test')
  })

  it('garbage instead of a greeting → not usable, the first bytes reported', async () => {
    const p = await keep(scriptedSmtp((s) => s.sendRaw('\x00\xffgarbage, not SMTP at all\r\n')))
    const r = await probe(p.port, bound)
    expect(r.ports[0]).toMatchObject({ state: 'open', speaks: 'other', bannerCode: null, usable: false })
    expect(r.ports[0]!.firstBytes).toContain('garbage, not SMTP at all')
    expect(r.ports[0]!.diagnosis).toMatch(/^Not a mail server/)
    expect(r.ok).toBe(false)
  })

  it('a greeting flood (1 MiB+ without a line end) → PROTOCOL_ERROR at the 64 KiB reply cap', async () => {
    const p = await keep(rawPeer((socket) => flood(socket, '220 ' + 'x'.repeat(64 * 1024), 64 * 1024 * 1024)))
    const r = await probe(p.port, bound)
    expect(r.ports[0]).toMatchObject({ speaks: 'smtp', banner: null, usable: false, error: { code: 'PROTOCOL_ERROR' } })
    expect(r.ports[0]!.error!.message).toMatch(/more than 65536 bytes/)
  })

  it('a greeting at one byte per 100 ms → GREETING_TIMEOUT within the timeout', async () => {
    const p = await keep(rawPeer((socket) => drip(socket, [...('220 ' + 'slow '.repeat(200) + '\r\n')], 100)))
    const r = await probe(p.port, bound)
    expect(r.ports[0]).toMatchObject({ speaks: 'smtp', banner: null, usable: false, error: { code: 'GREETING_TIMEOUT' } })
    expect(r.totalMs).toBeLessThan(PROBE_TIMEOUT * 3)
  })

  it('a TLS handshake broken off after STARTTLS → TLS_FAILED', async () => {
    const p = await keep(starttlsThen((socket) => socket.destroy()))
    const r = await probe(p.port, bound)
    expect(r.ports[0]).toMatchObject({ usable: false, error: { code: 'TLS_FAILED' } })
    expect(text(r)).toContain('c STARTTLS')
  })

  it.each([
    ['expired', 'CERT_EXPIRED'],
    ['self-signed', 'CERT_UNTRUSTED'],
    ['wrong-host', 'CERT_HOSTNAME_MISMATCH'],
  ] as const)('a %s certificate → %s, the port is not usable', async (cert, code) => {
    const p = await keep(startSmtpPeer({ mode: 'tls', cert }))
    const r = await probe(p.port, bound, { caPem: ca, servername: 'localhost' })
    expect(r.ports[0]).toMatchObject({ usable: false, tls: { verification: { code } } })
  })
})
