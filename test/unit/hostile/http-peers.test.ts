/**
 * Hostile HTTPS peers (issue "Hardening", item 2): each misbehaving server ends the API engine
 * within its configured timeout, with the right classified error, a sentence a person can read
 * (never a raw HTML dump), the transcript so far, bounded memory, no socket left open, no
 * unhandled rejection, and the API key nowhere in what the engine outputs. Loopback and ephemeral
 * ports only; certificates made at run time; no test sleeps: every wait is the client's own timeout
 * (the trickling servers write on their own timer, which is their misbehaviour).
 */
import { performance } from 'node:perf_hooks'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ApiResultSchema, type ApiJobInput, type ApiProvider, type ApiResult, type ErrorCode, type JobEvent } from '../../../preload/contract'
import { runApi } from '../../../main/core/http'
import { MAX_BODY_KEPT } from '../../../main/core/http/transport'
import { ArraySink } from '../../../main/core/transcript/event-sink'
import { getTestCerts, serverCert, type CertKind } from '../../fixtures/certs'
import { hostileHttps, resetConnection, type HostileHttps } from '../../fixtures/hostile-http'
import { PROVIDER_KEYS } from '../../fixtures/provider-server'
import { drip, flood, neverGreets, plainPeer, tlsNotSmtp } from '../../fixtures/raw-peers'
import { expectNoLeaks } from '../../fixtures/secret-scan'
import { ALL_SECRETS, MESSAGE, validFor } from '../http/helpers'

/** Short timeouts: every time-bound scenario ends on one of these. */
const T = { connectMs: 1500, socketMs: 1500 }
/** What a run may take beyond the timeout it ends on (a loaded 2-core machine included). */
const MARGIN = 1000
const BOUND = T.socketMs + MARGIN
const MiB = 1024 * 1024

let ca = ''
const closers: { close(): Promise<void> }[] = []
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown) => unhandled.push(reason)

beforeAll(async () => {
  ca = (await getTestCerts()).ca.cert
  process.on('unhandledRejection', onUnhandled)
})
afterAll(() => {
  process.off('unhandledRejection', onUnhandled)
})
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c.close()))
  // Both ends of every connection gone before the next scenario takes its baseline.
  await expect.poll(() => openSockets(), { timeout: 2000 }).toBe(0)
  expect(unhandled).toEqual([])
})

async function keep<P extends { close(): Promise<void> }>(p: Promise<P>): Promise<P> {
  const peer = await p
  closers.push(peer)
  return peer
}

const openSockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TLSWrap').length
const transcript = (r: ApiResult) => r.transcript.map((l) => `${l.dir} ${l.text}`).join('\n')

/** A job for `p` against `origin`, with valid credentials (the key reaches the hostile server; it must come back nowhere). */
function job(p: ApiProvider, origin: string, extra: Partial<ApiJobInput> = {}): ApiJobInput {
  const base = p === 'generic' ? { provider: p, credentials: { key: PROVIDER_KEYS.generic }, generic: { url: `${origin}/hooks/mail` } } : { provider: p, ...validFor(p), baseUrl: origin }
  return { ...base, tls: { caPem: ca }, message: MESSAGE, timeouts: T, ...extra } as ApiJobInput
}

interface Ran {
  result: ApiResult
  events: JobEvent[]
  elapsed: number
  /** The transcript as "dir text" lines. */
  text: string
}

/**
 * Runs the engine and checks what every scenario owes: the classified code, the time bound, the
 * error as the transcript's last word, a contract-valid result sent as the last event, a readable
 * bounded message, bounded transcript and body, no key anywhere, and every socket closed afterwards.
 */
async function api(input: ApiJobInput, code: ErrorCode, boundMs = BOUND): Promise<Ran> {
  const baseline = openSockets()
  const sink = new ArraySink()
  const t0 = performance.now()
  const result = await runApi(input, { sink })
  const elapsed = performance.now() - t0
  expect(result.error?.code, JSON.stringify(result.error)).toBe(code)
  expect(result.ok).toBe(false)
  expect(elapsed).toBeLessThan(boundMs)
  expect(sink.events.at(-1)).toEqual(expect.objectContaining({ type: 'result', result }))
  expect(ApiResultSchema.parse(result)).toEqual(result)
  const text = transcript(result)
  expect(text).toContain(`err ${code}: `)
  // A sentence, not a dump: bounded, and no markup in it.
  expect(result.error!.message.length).toBeLessThan(1200)
  expect(result.error!.message).not.toMatch(/<\s*\/?\s*(!doctype|html|head|body|div|p|h1)\b/i)
  // Memory bounded whatever the server sent: the result keeps at most 64 KiB of body and a bounded transcript.
  expect(text.length).toBeLessThan(256 * 1024)
  expect((result.result.body ?? '').length).toBeLessThan(70 * 1024)
  for (const [what, hay] of [
    ['events', JSON.stringify(sink.events)],
    ['result', JSON.stringify(result)],
    ['error message', `${result.error!.message} ${result.error!.detail ?? ''} ${result.error!.reply?.text ?? ''}`],
    ['transcript', text],
  ] as const)
    expectNoLeaks(hay, ALL_SECRETS, what)
  await expect.poll(() => openSockets(), { timeout: 2000 }).toBe(baseline)
  return { result, events: sink.events, elapsed, text }
}

/** The request reached the server with its credentials: a clean scan above then means something. */
function expectKeyWasSent(s: HostileHttps): void {
  expect(s.requests).toHaveLength(1)
  const h = s.requests[0]!.headers
  expect(JSON.stringify(h)).toMatch(/authorization|api-key|x-postmark-server-token/i)
}

/** A request line or a credential header in raw bytes (a ClientHello's ALPN "http/1.1" is not one). */
const NO_HTTP = /(POST|GET) \/|HTTP\/1\.1\r\n|authorization|api-key|x-postmark/i

const HTML_502 = '<!DOCTYPE html>\n<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n<center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx/1.25.3</center>\n</body>\n</html>\n'

describe('hostile HTTPS peers: answers that are not what the API documents', () => {
  it('Mailgun 401 with a text/plain "Forbidden" → HTTP_AUTH_FAILED, the body shown, the key never', async () => {
    const s = await keep(hostileHttps((_req, res) => res.writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Forbidden')))
    const { result, text } = await api(job('mailgun', s.origin), 'HTTP_AUTH_FAILED')
    expect(result.error!.message).toMatch(/^Mailgun refused the credentials \(401: Forbidden\)\. Mailgun answers 401/)
    expect(result.error!.reply).toEqual({ code: 401, text: 'Forbidden' })
    expect(result.result).toMatchObject({ status: 401, body: 'Forbidden', messageId: null })
    expect(text).toMatch(/c POST \/v3\/mg\.example\.test\/messages HTTP\/1\.1\n[\s\S]*c Authorization: Basic \[redacted\]/)
    expect(text).toMatch(/s HTTP\/1\.1 401 Unauthorized\n[\s\S]*s Forbidden\n/)
    expectKeyWasSent(s)
  })

  it('SendGrid 401 with a 200 KB text/plain body echoing the key → HTTP_AUTH_FAILED, excerpt capped, key redacted', async () => {
    const first = `The provided authorization grant is invalid, expired, or revoked: ${PROVIDER_KEYS.sendgrid}`
    const body = [first, ...Array.from({ length: 4000 }, (_, i) => `detail ${i}: ${'lorem ipsum '.repeat(4)}`)].join('\n')
    expect(body.length).toBeGreaterThan(200 * 1000)
    const s = await keep(hostileHttps((_req, res) => res.writeHead(401, { 'Content-Type': 'text/plain' }).end(body)))
    const { result, text } = await api(job('sendgrid', s.origin), 'HTTP_AUTH_FAILED')
    expect(result.error!.message).toMatch(/^SendGrid refused the credentials \(401: The provided authorization grant is invalid, expired, or revoked: \[redacted\]/)
    expect(result.error!.reply!.text.length).toBeLessThanOrEqual(201)
    expect(text).toMatch(/s The provided authorization grant is invalid, expired, or revoked: \[redacted\]\n/)
    expect(text).toMatch(new RegExp(`response body truncated: showing the first 65536 of ${Buffer.byteLength(body)} bytes`))
    expect(result.result.body).toMatch(/\[… truncated: \d+ more bytes not shown\]$/)
    expectKeyWasSent(s)
  })

  it('Postmark 502 with a proxy’s HTML page → HTTP_SERVER_ERROR naming the page by its title', async () => {
    const s = await keep(hostileHttps((_req, res) => res.writeHead(502, { 'Content-Type': 'text/html', Server: 'nginx/1.25.3' }).end(HTML_502)))
    const { result, text } = await api(job('postmark', s.origin), 'HTTP_SERVER_ERROR')
    expect(result.error!.message).toMatch(/^Postmark had a server error \(502: 502 Bad Gateway\)\. .* The answer is an HTML page \(“502 Bad Gateway”\), not the API's answer/)
    expect(text).toContain('s <head><title>502 Bad Gateway</title></head>')
  })

  it('Brevo 503 with a 300 KB HTML page without a title → HTTP_SERVER_ERROR, a readable excerpt (no markup)', async () => {
    const page = `<!DOCTYPE html><html><head><style>body { font: 12px sans-serif }</style><script>var x = "not text";</script></head><body><div class="err"><h1>Service Temporarily Unavailable</h1><p>${'The server is temporarily unable to service your request. '.repeat(5000)}</p></div></body></html>`
    const s = await keep(hostileHttps((_req, res) => res.writeHead(503, { 'Content-Type': 'text/html; charset=utf-8' }).end(page)))
    const { result, text } = await api(job('brevo', s.origin), 'HTTP_SERVER_ERROR')
    expect(result.error!.message).toMatch(/^Brevo had a server error \(503: Service Temporarily Unavailable The server is temporarily/)
    expect(result.error!.message).toMatch(/The answer is an HTML page \(“Service Temporarily Unavailable The server .{0,80}…”\)/)
    expect(result.error!.message).not.toMatch(/font|not text/)
    // The transcript shows the page itself (capped), wrapped into lines the recorder never cuts.
    expect(text).toMatch(/response body truncated: showing the first 65536 of \d+ bytes/)
  })

  it('Resend 200 with a captive portal’s HTML instead of JSON → HTTP_BAD_RESPONSE naming the page', async () => {
    const portal = '<html><head><title>Sign in to Hotel-WiFi</title></head><body><form>Room number: <input name=room></form></body></html>'
    const s = await keep(hostileHttps((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html' }).end(portal)))
    const { result } = await api(job('resend', s.origin), 'HTTP_BAD_RESPONSE')
    expect(result.error!.message).toMatch(/^Resend answered 200 but the body is not the JSON its API documents\. The answer is an HTML page \(“Sign in to Hotel-WiFi”\)/)
    expect(result.result.status).toBe(200)
  })

  it('SendGrid 200 with an HTML page (its send answers 202 with no body) → HTTP_BAD_RESPONSE, not "accepted"', async () => {
    const s = await keep(hostileHttps((_req, res) => res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end('<html><head><title>Proxy login</title></head><body>Log in</body></html>')))
    const { result, text } = await api(job('sendgrid', s.origin), 'HTTP_BAD_RESPONSE')
    expect(result.error!.message).toMatch(/HTML page \(“Proxy login”\)/)
    expect(text).not.toMatch(/accepted the message/)
  })

  it('SparkPost 200 with invalid JSON (application/json) → HTTP_BAD_RESPONSE', async () => {
    const s = await keep(hostileHttps((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"results": {"id": "1234", "total_accepted_recipients": ')))
    const { result, text } = await api(job('sparkpost', s.origin), 'HTTP_BAD_RESPONSE')
    expect(result.error!.message).toMatch(/^SparkPost answered 200 but the body is not the JSON its API documents\. Is the base URL pointing at the provider’s API\?/)
    expect(text).toContain('s {"results": {"id": "1234", "total_accepted_recipients": ')
  })

  it('Postmark key check: 200 with invalid JSON → HTTP_BAD_RESPONSE (a GET, nothing sent)', async () => {
    const s = await keep(hostileHttps((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' }).end('{"Name": "Fixture Server", "ID": 1')))
    const { result } = await api(job('postmark', s.origin, { action: 'verify', message: undefined }), 'HTTP_BAD_RESPONSE')
    expect(result.error!.message).toMatch(/^Postmark answered 200 but the body is not the JSON/)
    expect(s.requests[0]!.method).toBe('GET')
  })

  it('Mailgun 500 with invalid JSON → HTTP_SERVER_ERROR (the status decides)', async () => {
    const s = await keep(hostileHttps((_req, res) => res.writeHead(500, { 'Content-Type': 'application/json' }).end('{"message": "Internal')))
    const { result } = await api(job('mailgun', s.origin), 'HTTP_SERVER_ERROR')
    expect(result.error!.message).toMatch(/^Mailgun had a server error \(500: \{"message": "Internal\)/)
  })

  it('not HTTP at all after the handshake → HTTP_BAD_RESPONSE', async () => {
    const s = await keep(hostileHttps((_req, res) => res.socket!.end('SSH-2.0-OpenSSH_9.6\r\nProtocol mismatch.\r\n')))
    const { result, text } = await api(job('generic', s.origin), 'HTTP_BAD_RESPONSE')
    expect(result.error!.message).toMatch(/not valid HTTP\/1\.1 \(HPE_/)
    expect(text).toContain('c POST /hooks/mail HTTP/1.1')
  })

  it('a response head that never ends (a header flood) → HTTP_BAD_RESPONSE, reading stops early', async () => {
    let flooded = { sent: 0 }
    const s = await keep(
      hostileHttps((_req, res) => {
        res.socket!.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n')
        flooded = flood(res.socket!, Buffer.from(`X-Filler: ${'f'.repeat(1000)}\r\n`.repeat(64)), 256 * MiB)
      }),
    )
    const { result } = await api(job('resend', s.origin), 'HTTP_BAD_RESPONSE')
    expect(result.error!.message).toMatch(/HPE_HEADER_OVERFLOW/)
    expect(result.bytes.received).toBeLessThan(8 * MiB)
    expect(flooded.sent).toBeLessThan(32 * MiB)
  })
})

describe('hostile HTTPS peers: bodies too big to keep', () => {
  it('a 10 MB body of "[[[[…" (under the 10 MiB cap) is read, not parsed for seconds, only 64 KiB of it shown or kept', async () => {
    const s = await keep(
      hostileHttps((_req, res) => {
        // "[[[[…": V8's JSON.parse would chew on this for seconds, freezing the process.
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(Buffer.alloc(10_000_000, 0x5b))
      }),
    )
    const { result, text } = await api(job('resend', s.origin), 'HTTP_BAD_RESPONSE')
    expect(result.error!.message).toMatch(/^Resend answered 200 but the body is not the JSON its API documents\./)
    expect(text).toContain('response body truncated: showing the first 65536 of 10000000 bytes')
    expect(text).not.toMatch(/stopped reading/)
    expect(result.bytes.received).toBeGreaterThan(10_000_000)
  })

  it('an 11 MiB 502 with Content-Length: reading stops at 10 MiB, the connection is dropped', async () => {
    const s = await keep(
      hostileHttps((_req, res) => {
        res.writeHead(502, { 'Content-Type': 'text/plain', 'Content-Length': String(11 * MiB) })
        flood(res, Buffer.alloc(64 * 1024, 0x62), 11 * MiB)
      }),
    )
    const { result, text } = await api(job('generic', s.origin), 'HTTP_SERVER_ERROR')
    expect(result.warnings.join(' ')).toMatch(/larger than 10 MiB; Mailprobe kept the first 10 MiB and closed the connection/)
    expect(text).toContain(`stopped reading after ${MAX_BODY_KEPT} bytes`)
    expect(result.bytes.received).toBeLessThan(16 * MiB)
  })

  it('an endless chunked body → HTTP_BAD_RESPONSE at the 10 MiB cap; the server could not push much more', async () => {
    let flooded = { sent: 0 }
    const s = await keep(
      hostileHttps((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' })
        flooded = flood(res, Buffer.alloc(64 * 1024, 0x5b), 256 * MiB)
      }),
    )
    const { result, text } = await api(job('mailgun', s.origin), 'HTTP_BAD_RESPONSE')
    expect(result.error!.message).toMatch(/larger than 10 MiB; Mailprobe stopped reading/)
    expect(text).toContain(`stopped reading after ${MAX_BODY_KEPT} bytes`)
    expect(result.bytes.received).toBeLessThan(16 * MiB)
    expect(flooded.sent).toBeLessThan(64 * MiB)
  })
})

describe('hostile HTTPS peers: too slow', () => {
  it('headers at once, then the body one byte per second → SOCKET_TIMEOUT within socketMs, with what arrived', async () => {
    const s = await keep(
      hostileHttps((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '64' })
        res.write('{')
        drip(res, [...'"id":"slow-but-never-done"'], 1000)
      }),
    )
    const { result, text, elapsed } = await api(job('generic', s.origin), 'SOCKET_TIMEOUT')
    expect(elapsed).toBeGreaterThanOrEqual(T.socketMs - 50)
    // Not the idle timeout (each byte resets that): the body's own deadline.
    expect(result.error!.message).toMatch(/^The response body was still incomplete 1500 ms after the head arrived \(\d+ bytes so far\): the server is trickling it/)
    expect(result.result.status).toBe(200)
    expect(text).toMatch(/s HTTP\/1\.1 200 OK\n[\s\S]*s Content-Length: 64/)
    expect(text).toMatch(/\d+ of 64 bytes of the response body arrived/)
  })

  it('the body stalls half-way → SOCKET_TIMEOUT (the response stalled)', async () => {
    const s = await keep(
      hostileHttps((_req, res) => {
        res.writeHead(400, { 'Content-Type': 'application/json', 'Content-Length': '500' })
        res.write('{"errors":[{"message":"The from address does not ')
      }),
    )
    const { result, text, elapsed } = await api(job('sendgrid', s.origin), 'SOCKET_TIMEOUT')
    expect(elapsed).toBeGreaterThanOrEqual(T.socketMs - 50)
    expect(result.error!.message).toMatch(/^The response stalled: nothing arrived for 1500 ms/)
    expect(result.result.status).toBe(400)
    expect(text).toMatch(/s HTTP\/1\.1 400 Bad Request/)
  })

  it('a response head trickled one header line at a time, forever → SOCKET_TIMEOUT within socketMs', async () => {
    const s = await keep(
      hostileHttps((_req, res) => {
        res.socket!.write('HTTP/1.1 200 OK\r\n')
        drip(
          res.socket!,
          Array.from({ length: 1000 }, (_, i) => `X-Slow-${i}: still coming\r\n`),
          250,
        )
      }),
    )
    const { result, text, elapsed } = await api(job('postmark', s.origin), 'SOCKET_TIMEOUT')
    expect(elapsed).toBeGreaterThanOrEqual(T.socketMs - 50)
    expect(result.error!.message).toMatch(/^The response head was still incomplete 1500 ms after the request was sent: the server is trickling its answer/)
    expect(result.result.status).toBeNull()
    expect(text).toContain('c POST /email HTTP/1.1')
    expect(text).not.toMatch(/^s /m)
  })

  it('interim 102 Processing answers forever, never a final one → SOCKET_TIMEOUT within socketMs', async () => {
    const s = await keep(
      hostileHttps((_req, res) =>
        drip(
          res.socket!,
          Array.from({ length: 1000 }, () => 'HTTP/1.1 102 Processing\r\n\r\n'),
          250,
        ),
      ),
    )
    const { result, elapsed } = await api(job('brevo', s.origin), 'SOCKET_TIMEOUT')
    expect(elapsed).toBeGreaterThanOrEqual(T.socketMs - 50)
    expect(result.error!.message).toMatch(/still incomplete 1500 ms after the request was sent: .*interim 1xx answers/)
    expect(result.result.status).toBeNull()
  })

  it('TLS completes, then no answer at all → SOCKET_TIMEOUT ("No answer"), the request in the transcript', async () => {
    const { localhost } = await getTestCerts()
    const p = await keep(tlsNotSmtp(localhost))
    const { result, text, elapsed } = await api(job('sendgrid', `https://127.0.0.1:${p.port}`), 'SOCKET_TIMEOUT')
    expect(elapsed).toBeGreaterThanOrEqual(T.socketMs - 50)
    expect(result.error!.message).toMatch(/^No answer: nothing arrived for 1500 ms/)
    expect(result.phases.map((x) => x.name)).toEqual(['connect', 'tls', 'send'])
    expect(text).toMatch(/c POST \/v3\/mail\/send HTTP\/1\.1\n[\s\S]*c Authorization: Bearer \[redacted\]/)
    expect(p.received).toContain('POST /v3/mail/send HTTP/1.1')
  })

  it('accepts TCP, never answers the TLS handshake → TLS_FAILED within connectMs; nothing of the request sent', async () => {
    const p = await keep(neverGreets())
    const { result, text, elapsed } = await api(job('mailgun', `https://127.0.0.1:${p.port}`), 'TLS_FAILED', T.connectMs + MARGIN)
    expect(elapsed).toBeGreaterThanOrEqual(T.connectMs - 150)
    expect(result.error!.message).toMatch(/^The TLS handshake did not finish within 1[45]\d\d ms\.$/)
    expect(text).toContain('tls starting TLS')
    expect(text).not.toMatch(/^c /m)
    expect(p.received.length).toBeGreaterThan(0) // the ClientHello
    expect(p.received).not.toMatch(NO_HTTP)
  })
})

describe('hostile HTTPS peers: connections that break', () => {
  it('closes in the middle of the response head → CONNECTION_LOST', async () => {
    const s = await keep(hostileHttps((_req, res) => res.socket!.end('HTTP/1.1 200 OK\r\nContent-Type: applic')))
    const { result, text } = await api(job('resend', s.origin), 'CONNECTION_LOST')
    expect(result.error!.message).toMatch(/closed the connection without answering/)
    expect(text).toContain('c POST /emails HTTP/1.1')
    expect(text).not.toMatch(/^s /m)
  })

  it('resets the connection (RST) after reading the request → CONNECTION_LOST', async () => {
    const s = await keep(hostileHttps((_req, res) => resetConnection(res.socket!)))
    const { result, text } = await api(job('sparkpost', s.origin), 'CONNECTION_LOST')
    expect(result.error!.detail).toBe('ECONNRESET')
    expect(text).toContain('c POST /api/v1/transmissions HTTP/1.1')
    expectKeyWasSent(s)
  })

  it('closes (FIN) in the middle of the body → CONNECTION_LOST, the status kept', async () => {
    const s = await keep(
      hostileHttps((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000' })
        res.write('{"id":"gen-', () => res.socket!.end())
      }),
    )
    const { result, text } = await api(job('generic', s.origin), 'CONNECTION_LOST')
    expect(result.error!.message).toMatch(/^The connection closed in the middle of the response body/)
    expect(result.result.status).toBe(200)
    expect(text).toMatch(/s HTTP\/1\.1 200 OK/)
  })

  it('resets (RST) in the middle of the body → CONNECTION_LOST, the status kept', async () => {
    const s = await keep(
      hostileHttps((_req, res) => {
        res.writeHead(500, { 'Content-Type': 'application/json', 'Content-Length': '1000' })
        // Once the head and a little body are in the kernel (bytes already queued stay readable before the RST), reset.
        res.write('{"code":"internal', () => resetConnection(res.socket!))
      }),
    )
    const { result } = await api(job('brevo', s.origin), 'CONNECTION_LOST')
    expect(result.error!.message).toMatch(/in the middle of the response body/)
    expect(result.result.status).toBe(500)
  })
})

describe('hostile HTTPS peers: redirects are never followed', () => {
  it.each([
    [301, 'postmark', '/email'],
    [302, 'brevo', '/v3/smtp/email'],
    [307, 'sendgrid', '/v3/mail/send'],
    [308, 'mailgun', '/v3/mg.example.test/messages'],
  ] as const)('%i from %s to another host and port → HTTP_REJECTED naming the Location; the target is never contacted', async (status, provider, path) => {
    const target = await keep(hostileHttps((_req, res) => res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"id":"followed","MessageID":"followed","messageId":"followed"}')))
    const location = `https://localhost:${target.port}${path}`
    const s = await keep(
      hostileHttps((_req, res) => res.writeHead(status, { Location: location, 'Content-Type': 'text/html' }).end(`<html><body>Moved to <a href="${location}">here</a></body></html>`)),
    )
    const { result, text } = await api(job(provider, s.origin), 'HTTP_REJECTED')
    expect(result.error!.message).toContain(`answered with a redirect (${status} to ${location})`)
    expect(result.error!.message).toMatch(/never follows redirects, so the credentials were not forwarded/)
    expect(result.error!.reply).toEqual({ code: status, text: `Location: ${location}` })
    expect(text).toContain(`s Location: ${location}`)
    expectKeyWasSent(s)
    expect(target.connections).toBe(0)
    expect(target.requests).toHaveLength(0)
  })

  it('a Location carrying the key in its query → still not followed, the key redacted in the message', async () => {
    const target = await keep(hostileHttps((_req, res) => res.writeHead(200).end('{}')))
    const location = `https://127.0.0.1:${target.port}/v3/mail/send?api_key=${PROVIDER_KEYS.sendgrid}`
    const s = await keep(hostileHttps((_req, res) => res.writeHead(302, { Location: location }).end()))
    const { result } = await api(job('sendgrid', s.origin), 'HTTP_REJECTED')
    expect(result.error!.message).toContain(`to https://127.0.0.1:${target.port}/v3/mail/send?api_key=[redacted])`)
    expect(target.connections).toBe(0)
  })
})

describe('hostile HTTPS peers: TLS that cannot be trusted or does not happen', () => {
  it.each([
    ['expired', 'CERT_EXPIRED', 'mailgun', '127.0.0.1'],
    ['self-signed', 'CERT_UNTRUSTED', 'resend', '127.0.0.1'],
    ['wrong-host', 'CERT_HOSTNAME_MISMATCH', 'generic', 'localhost'],
  ] as const)('a %s certificate → %s; the server never sees a byte of HTTP', async (kind: CertKind, code, provider, host) => {
    const p = await keep(tlsNotSmtp(await serverCert(kind), { behaviour: 'http' }))
    const { result, text } = await api(job(provider, `https://${host}:${p.port}`), code, T.connectMs + MARGIN)
    expect(result.tls).not.toBeNull()
    expect(text).toMatch(/tls .*NOT verified/)
    expect(text).toContain('certificate not trusted: closing without sending anything (the credentials never left this machine)')
    expect(text).not.toMatch(/^c /m)
    expect(result.phases.map((x) => x.name).filter((n) => n !== 'dns')).toEqual(['connect', 'tls'])
    expect(p.connections).toBe(1)
    // Decrypted bytes the server received after the handshake: none.
    expect(p.received).toBe('')
  })

  it('plaintext HTTP on the TLS port → TLS_FAILED ("answered in plaintext"); only a ClientHello was sent', async () => {
    const p = await keep(
      plainPeer((socket) =>
        socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\n\r\n<html><body>The plain HTTP request was sent to HTTPS port</body></html>')),
      ),
    )
    const { result, text } = await api(job('postmark', `https://127.0.0.1:${p.port}`), 'TLS_FAILED', T.connectMs + MARGIN)
    expect(result.error!.message).toMatch(/answered in plaintext, not TLS: the base URL’s port does not speak HTTPS/)
    expect(text).not.toMatch(/^c /m)
    expect(p.received).not.toMatch(NO_HTTP)
  })

  it('closes during the TLS handshake → TLS_FAILED; nothing of the request sent', async () => {
    const p = await keep(plainPeer((socket) => socket.once('data', () => socket.destroy())))
    const { result, text } = await api(job('sparkpost', `https://127.0.0.1:${p.port}`), 'TLS_FAILED', T.connectMs + MARGIN)
    expect(result.error!.message).toMatch(/closed the connection during the TLS handshake/)
    expect(text).not.toMatch(/^c /m)
    expect(p.received).not.toMatch(NO_HTTP)
  })
})
