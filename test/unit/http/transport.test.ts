// The HTTPS transport under the provider modules: phases and round trips (cold and warm), TLS
// verification before any byte is written, and every way a response can go wrong.
import http from 'node:http'
import net from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ApiResultSchema, type ApiResult } from '../../../preload/contract'
import { createKeepAlive } from '../../../main/core/http'
import { MAX_BODY_KEPT } from '../../../main/core/http/transport'
import { removeCaFile, writeCaFile } from '../../fixtures/certs'
import { startProviderServer, type ProviderServer } from '../../fixtures/provider-server'
import { jobFor, run, trustFixture } from './helpers'

let server: ProviderServer

beforeAll(async () => {
  server = await startProviderServer()
})
afterAll(async () => {
  await server.close()
})
afterEach(() => {
  expect(server.problems).toEqual([])
  server.behave(null)
  server.setDelay(0)
})

const ORDER = ['dns', 'connect', 'tls', 'send', 'wait', 'download']

function expectSanePhases(r: ApiResult, names: string[]): void {
  expect(r.phases.map((p) => p.name)).toEqual(names)
  let lastStart = -1
  for (const p of r.phases) {
    expect(p.startMs).toBeGreaterThanOrEqual(0)
    expect(p.durationMs).toBeGreaterThanOrEqual(0)
    expect(p.startMs).toBeGreaterThanOrEqual(lastStart)
    expect(p.startMs + p.durationMs).toBeLessThanOrEqual(r.totalMs + 0.001)
    lastStart = p.startMs
  }
  // Each phase starts no earlier than the previous one ended (they are sequential steps).
  for (let i = 1; i < r.phases.length; i++) {
    const prev = r.phases[i - 1]!
    expect(r.phases[i]!.startMs + 0.001).toBeGreaterThanOrEqual(prev.startMs + prev.durationMs - (prev.name === 'download' ? 0 : 0.001))
  }
  expect(r.roundTrips).toBe(r.phases.reduce((n, p) => n + p.roundTrips, 0))
}

describe('phases and round trips', () => {
  it('cold, by name: dns, connect, tls, send, wait, download; 3 round trips with TLS 1.3', async () => {
    const { result, events } = await run(await jobFor(server, 'postmark', { baseUrl: server.localhostOrigin }))
    expect(result.error).toBeNull()
    expectSanePhases(result, ORDER)
    expect(result.tls!.protocol).toBe('TLSv1.3')
    expect(result.roundTrips).toBe(3)
    expect(result.phases.map((p) => p.roundTrips)).toEqual([0, 1, 1, 0, 1, 0])
    // Phase events streamed in the same order, before the result (which is last).
    expect(events.filter((e) => e.type === 'phase').map((e) => (e.type === 'phase' ? e.phase.name : ''))).toEqual(ORDER)
    expect(events.at(-1)!.type).toBe('result')
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1))
    expect(result.bytes.sent).toBeGreaterThan(0)
    expect(result.bytes.received).toBeGreaterThan(0)
    expect(result.target.address).toBe('127.0.0.1')
    // The result is exactly what the contract describes (the renderer and --json rely on it).
    expect(ApiResultSchema.parse(result)).toEqual(result)
    const failed = await run({ ...(await jobFor(server, 'postmark')), credentials: { key: 'wrong-token-0123' } })
    expect(ApiResultSchema.parse(failed.result)).toEqual(failed.result)
    const invalid = await run({ provider: 'postmark' })
    expect(ApiResultSchema.parse(invalid.result)).toEqual(invalid.result)
  })

  it('an IP literal has no dns phase', async () => {
    const { result } = await run(await jobFor(server, 'postmark'))
    expectSanePhases(result, ORDER.slice(1))
    expect(result.roundTrips).toBe(3)
  })

  it('TLS 1.2 costs two round trips in the tls phase', async () => {
    const tls12 = await startProviderServer({ maxVersion: 'TLSv1.2' })
    try {
      const { result } = await run(await jobFor(tls12, 'brevo'))
      expect(result.error).toBeNull()
      expect(result.tls!.protocol).toBe('TLSv1.2')
      expect(result.phases.find((p) => p.name === 'tls')!.roundTrips).toBe(2)
      expect(result.roundTrips).toBe(4)
    } finally {
      await tls12.close()
    }
  })

  it('warm: the keep-alive connection is reused — no dns/connect/tls, 1 round trip', async () => {
    const keepAlive = createKeepAlive()
    try {
      const first = await run(await jobFor(server, 'brevo', { baseUrl: server.localhostOrigin }), { keepAlive })
      expect(first.result.roundTrips).toBe(3)
      expect(keepAlive.hasIdle).toBe(true)
      for (let i = 0; i < 3; i++) {
        const { result } = await run(await jobFor(server, 'brevo', { baseUrl: server.localhostOrigin }), { keepAlive })
        expect(result.error).toBeNull()
        expectSanePhases(result, ['send', 'wait', 'download'])
        expect(result.roundTrips).toBe(1)
        expect(result.tls!.protocol).toBe('TLSv1.3')
        expect(result.bytes.sent).toBeGreaterThan(0)
        expect(result.transcript.some((l) => /reusing the kept-alive connection/.test(l.text))).toBe(true)
      }
      // Another provider on the same origin reuses it too; a different trust setting does not.
      const other = await run(await jobFor(server, 'sendgrid', { baseUrl: server.localhostOrigin }), { keepAlive })
      expect(other.result.roundTrips).toBe(1)
      const insecure = await run(await jobFor(server, 'sendgrid', { baseUrl: server.localhostOrigin, tls: { insecure: true } }), { keepAlive })
      expect(insecure.result.roundTrips).toBe(3)
    } finally {
      keepAlive.close()
    }
    expect(keepAlive.hasIdle).toBe(false)
  })

  it('cold runs ask for Connection: close and leave nothing open', async () => {
    await run(await jobFor(server, 'resend'))
    expect(server.requests.at(-1)!.headers.connection).toBe('close')
  })

  it('the transcript has the request line, redacted headers, TLS line, status line, headers, body and timing', async () => {
    const { result } = await run(await jobFor(server, 'resend'))
    const lines = result.transcript
    const text = (dir: string) => lines.filter((l) => l.dir === dir).map((l) => l.text)
    expect(text('c')[0]).toBe('POST /emails HTTP/1.1')
    expect(text('c')).toContain('Authorization: Bearer [redacted]')
    expect(text('c').some((l) => l.startsWith('{"from":"sender@example.test"'))).toBe(true)
    expect(text('tls').some((l) => /^TLSv1\.3 .* verified$/.test(l))).toBe(true)
    expect(text('s')[0]).toBe('HTTP/1.1 200 OK')
    expect(text('s')).toContain('Content-Type: application/json; charset=utf-8')
    expect(text('s')).toContain('{"id":"49a3999c-0ce1-4ea6-ab68-afcd6dc2e794"}')
    expect(text('info').some((l) => /^timing: connect [\d.]+ · tls [\d.]+ · send [\d.]+ · wait [\d.]+ · download [\d.]+ ms · total [\d.]+ ms · 3 round trips/.test(l))).toBe(true)
    for (let i = 1; i < lines.length; i++) expect(lines[i]!.t).toBeGreaterThanOrEqual(lines[i - 1]!.t)
  })
})

describe('plain http:// (a local proxy)', () => {
  it('works, without a tls phase (2 round trips), and warns that the key travels unencrypted', async () => {
    const seen: string[] = []
    const plain = http.createServer((req, res) => {
      seen.push(String(req.headers.authorization))
      req.resume()
      req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"id":"plain-1"}'))
    })
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r))
    try {
      const { result } = await run({
        provider: 'generic',
        credentials: { key: 'plain-key-0123456789' },
        generic: { url: `http://127.0.0.1:${(plain.address() as net.AddressInfo).port}/hook` },
        message: { from: 'a@example.test', to: ['b@example.test'], text: 'x' },
      })
      expect(result.error).toBeNull()
      expect(result.result.messageId).toBe('plain-1')
      expectSanePhases(result, ['connect', 'send', 'wait', 'download'])
      expect(result.roundTrips).toBe(2)
      expect(result.tls).toBeNull()
      expect(result.warnings.join(' ')).toMatch(/plain HTTP/)
      expect(seen).toEqual(['Bearer plain-key-0123456789'])
    } finally {
      plain.closeAllConnections()
      await new Promise<void>((r) => plain.close(() => r()))
    }
  })
})

describe('TLS', () => {
  it.each([
    ['self-signed', 'CERT_UNTRUSTED'],
    ['expired', 'CERT_EXPIRED'],
    ['wrong-host', 'CERT_HOSTNAME_MISMATCH'],
  ] as const)('%s certificate → %s, and not one byte of the request is written', async (cert, code) => {
    const bad = await startProviderServer({ cert })
    try {
      const { result } = await run(await jobFor(bad, 'sendgrid'))
      expect(result.error!.code).toBe(code)
      expect(bad.requests).toEqual([])
      expect(result.transcript.some((l) => l.dir === 'c')).toBe(false)
      expect(result.phases.map((p) => p.name)).toEqual(['connect', 'tls'])
      expect(result.tls).not.toBeNull()
      // Insecure is an explicit opt-out, and the result says so.
      const insecure = await run(await jobFor(bad, 'sendgrid', { tls: { ...(await trustFixture()), insecure: true } }))
      expect(insecure.result.ok).toBe(true)
      expect(insecure.result.tls!.insecure).toBe(true)
      expect(insecure.result.warnings.join(' ')).toMatch(/verification is OFF/)
      expect(insecure.result.warnings.join(' ')).toContain(code)
    } finally {
      await bad.close()
    }
  })

  it('no CA given: the system store does not trust the test CA', async () => {
    const { result } = await run(await jobFor(server, 'sendgrid', { tls: { insecure: false } }))
    expect(result.error!.code).toBe('CERT_UNTRUSTED')
  })

  it('a CA file is read at run time; a missing one is INVALID_INPUT before connecting', async () => {
    const ca = await writeCaFile()
    try {
      const { result } = await run(await jobFor(server, 'sendgrid', { tls: { caFile: ca } }))
      expect(result.error).toBeNull()
    } finally {
      removeCaFile(ca)
    }
    const before = server.requests.length
    const { result } = await run(await jobFor(server, 'sendgrid', { tls: { caFile: '/nonexistent/ca.pem' } }))
    expect(result.error!.code).toBe('INVALID_INPUT')
    expect(result.phases).toEqual([])
    expect(server.requests.length).toBe(before)
  })
})

describe('what can go wrong', () => {
  it('a redirect is never followed; the Location is reported and credentials were not forwarded', async () => {
    server.behave({ kind: 'redirect', status: 307, location: 'https://elsewhere.example.invalid/v3/mail/send' })
    const before = server.requests.length
    const { result } = await run(await jobFor(server, 'sendgrid'))
    expect(server.requests.length).toBe(before + 1)
    expect(result.error!.code).toBe('HTTP_REJECTED')
    expect(result.error!.message).toMatch(/never follows redirects, so the credentials were not forwarded/)
    expect(result.error!.message).toContain('https://elsewhere.example.invalid/v3/mail/send')
    expect(result.error!.reply).toEqual({ code: 307, text: 'Location: https://elsewhere.example.invalid/v3/mail/send' })
  })

  it('429 → HTTP_RATE_LIMITED with Retry-After', async () => {
    server.behave({ kind: 'status', status: 429, headers: { 'Retry-After': '7' }, body: JSON.stringify({ statusCode: 429, name: 'rate_limit_exceeded', message: 'Too many requests' }) })
    const { result } = await run(await jobFor(server, 'resend'))
    expect(result.error!.code).toBe('HTTP_RATE_LIMITED')
    expect(result.error!.message).toMatch(/Wait 7 s \(Retry-After\)/)
    expect(result.error!.reply!.text).toBe('rate_limit_exceeded: Too many requests')
  })

  it('5xx → HTTP_SERVER_ERROR', async () => {
    server.behave({ kind: 'status', status: 503, body: JSON.stringify({ errors: [{ message: 'Service Unavailable' }] }) })
    const { result } = await run(await jobFor(server, 'sparkpost'))
    expect(result.error!.code).toBe('HTTP_SERVER_ERROR')
    expect(result.error!.reply).toEqual({ code: 503, text: 'Service Unavailable' })
  })

  it('an HTML error page is named as such (a proxy or wrong base URL)', async () => {
    server.behave({ kind: 'html', status: 502 })
    const { result } = await run(await jobFor(server, 'postmark'))
    expect(result.error!.code).toBe('HTTP_SERVER_ERROR')
    expect(result.error!.message).toMatch(/HTML page \(“502 Bad Gateway”\)/)
  })

  it('2xx with invalid JSON where JSON is required → HTTP_BAD_RESPONSE', async () => {
    server.behave({ kind: 'invalid-json' })
    const { result } = await run(await jobFor(server, 'mailgun'))
    expect(result.error!.code).toBe('HTTP_BAD_RESPONSE')
    expect(result.result.status).toBe(200)
  })

  it('SendGrid’s 202 with an empty body is fine (no JSON required there)', async () => {
    const { result } = await run(await jobFor(server, 'sendgrid'))
    expect(result.ok).toBe(true)
    expect(result.result.body).toBeNull()
    expect(result.transcript.some((l) => l.text === 'no response body')).toBe(true)
  })

  it('a 12 MiB body: reading stops at 10 MiB, 64 KiB shown, nothing buffered without bound', async () => {
    server.behave({ kind: 'huge', bytes: 12 * 1024 * 1024 })
    const { result } = await run(await jobFor(server, 'brevo'))
    expect(result.error!.code).toBe('HTTP_BAD_RESPONSE')
    expect(result.error!.message).toMatch(/larger than 10 MiB/)
    expect(result.warnings.join(' ')).toMatch(/larger than 10 MiB/)
    expect(result.result.body!.length).toBeLessThan(70 * 1024)
    expect(result.result.body).toMatch(/truncated: \d+ more bytes not shown\]$/)
    const shown = result.transcript.filter((l) => l.dir === 's' && /^a+$/.test(l.text)).reduce((n, l) => n + l.text.length, 0)
    expect(shown).toBe(64 * 1024)
    expect(
      result.transcript.some(
        (l) => l.text === `response body truncated: showing the first 65536 of ${MAX_BODY_KEPT} bytes` || /response body truncated: showing the first 65536 of \d+ bytes/.test(l.text),
      ),
    ).toBe(true)
    expect(result.transcript.some((l) => /stopped reading after 10485760 bytes/.test(l.text))).toBe(true)
    expect(result.phases.at(-1)!.name).toBe('download')
  })

  it('cancel while waiting for the answer → CANCELLED, with the phases so far', async () => {
    server.behave({ kind: 'hang' })
    const controller = new AbortController()
    const arrived = server.nextRequest()
    const running = run(await jobFor(server, 'postmark'), { signal: controller.signal })
    await arrived
    controller.abort()
    const { result } = await running
    expect(result.error!.code).toBe('CANCELLED')
    expect(result.phases.map((p) => p.name)).toEqual(['connect', 'tls', 'send'])
  })

  it('cancel before starting sends nothing', async () => {
    const controller = new AbortController()
    controller.abort()
    const before = server.requests.length
    const { result } = await run(await jobFor(server, 'postmark'), { signal: controller.signal })
    expect(result.error!.code).toBe('CANCELLED')
    expect(server.requests.length).toBe(before)
  })

  it('no answer within the idle timeout → SOCKET_TIMEOUT', async () => {
    server.behave({ kind: 'hang' })
    const { result } = await run(await jobFor(server, 'postmark', { timeouts: { socketMs: 200 } }))
    expect(result.error!.code).toBe('SOCKET_TIMEOUT')
    expect(result.error!.message).toMatch(/nothing arrived for 200 ms/)
  })

  it('nothing listening → CONNECT_REFUSED', async () => {
    const free = net.createServer()
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', r))
    const port = (free.address() as net.AddressInfo).port
    await new Promise<void>((r) => free.close(() => r()))
    const { result } = await run(await jobFor(server, 'postmark', { baseUrl: `https://127.0.0.1:${port}` }))
    expect(result.error!.code).toBe('CONNECT_REFUSED')
    expect(result.phases).toEqual([])
  })

  it('a server that is not HTTPS → TLS_FAILED', async () => {
    const sockets = new Set<net.Socket>()
    const plain = net.createServer((s) => {
      sockets.add(s)
      s.on('error', () => {})
      s.end('HTTP/1.1 400 Bad Request\r\n\r\n')
    })
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r))
    try {
      const { result } = await run(await jobFor(server, 'postmark', { baseUrl: `https://127.0.0.1:${(plain.address() as net.AddressInfo).port}` }))
      expect(result.error!.code).toBe('TLS_FAILED')
      expect(result.error!.message).toMatch(/answered in plaintext, not TLS: the base URL’s port does not speak HTTPS/)
    } finally {
      for (const s of sockets) s.destroy()
      await new Promise<void>((r) => plain.close(() => r()))
    }
  })
})

describe('input validation (before anything is sent)', () => {
  const bad: [string, Record<string, unknown>][] = [
    ['CR/LF in the subject', { message: { from: 'a@example.test', to: ['b@example.test'], subject: 'hi\r\nBcc: victim@example.test', text: 'x' } }],
    ['CR/LF in an address', { message: { from: 'a@example.test\r\nX: y', to: ['b@example.test'], text: 'x' } }],
    ['LF in a header value', { message: { from: 'a@example.test', to: ['b@example.test'], text: 'x', headers: [{ name: 'X-A', value: 'v\nInjected: 1' }] } }],
    ['a colon in a header name', { message: { from: 'a@example.test', to: ['b@example.test'], text: 'x', headers: [{ name: 'X-A: b', value: 'v' }] } }],
    ['a base URL with a path', { baseUrl: 'https://127.0.0.1:1/v3' }],
    ['a base URL with credentials', { baseUrl: 'https://user:pw@127.0.0.1:1' }],
    ['no recipients', { message: { from: 'a@example.test', to: [], text: 'x' } }],
    ['no body', { message: { from: 'a@example.test', to: ['b@example.test'] } }],
    ['an unknown region', { region: 'mars' }],
  ]
  it.each(bad)('%s → INVALID_INPUT, no request', async (_what, extra) => {
    const before = server.requests.length
    const { result, events } = await run({ ...(await jobFor(server, 'sendgrid')), ...extra })
    expect(result.error!.code).toBe('INVALID_INPUT')
    expect(result.phases).toEqual([])
    expect(server.requests.length).toBe(before)
    expect(events.at(-1)!.type).toBe('result')
  })

  it('provider-specific requirements', async () => {
    for (const input of [
      { provider: 'mailgun', credentials: { key: 'k-1234' }, message: { from: 'a@example.test', to: ['b@example.test'], text: 'x' } },
      { provider: 'mailjet', credentials: { key: 'k-1234' }, action: 'verify' },
      { provider: 'ses', credentials: { key: 'k-1234' }, action: 'verify' },
      { provider: 'ses', credentials: { key: 'k-1234', secret: 's-1234' }, region: 'nowhere', action: 'verify' },
      { provider: 'postmark', credentials: { key: 'k-1234', sessionToken: 't-1234' }, action: 'verify' },
      { provider: 'postmark', credentials: { key: 'k-1234' }, action: 'verify', sandbox: true },
      { provider: 'nope', credentials: { key: 'k-1234' } },
      null,
    ]) {
      const { result } = await run(input)
      expect(result.error!.code, JSON.stringify(input)).toBe('INVALID_INPUT')
      expect(result.kind).toBe('api')
    }
  })
})
