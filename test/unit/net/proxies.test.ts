// Every job through real proxies on loopback: Dante (SOCKS5, with and without a login) and tinyproxy
// (HTTP CONNECT, with and without Basic auth). The proxy hop is its own phase with its round trips,
// its reply is in the transcript, its failures have their own codes, and its password never shows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ApiResultSchema, ProbeResultSchema, SmtpResultSchema, type ApiResult, type NetworkOptionsInput, type ProbeResult, type SmtpJobInput, type SmtpResult } from '../../../preload/contract'
import { runApi } from '../../../main/core/http'
import { runProbe } from '../../../main/core/probe'
import { runSmtp } from '../../../main/core/smtp'
import { ArraySink } from '../../../main/core/transcript/event-sink'
import { getTestCerts } from '../../fixtures/certs'
import { startProviderServer, type ProviderServer } from '../../fixtures/provider-server'
import { SOCKS_TEST_AUTH, startHttpProxy, startSocksProxy, type TestProxy } from '../../fixtures/proxies'
import { closedPort } from '../../fixtures/raw-peers'
import { expectNoLeaks } from '../../fixtures/secret-scan'
import { startSmtpPeer, type SmtpPeer } from '../../fixtures/smtp-peers'
import { MESSAGE, validFor } from '../http/helpers'

const USER = 'proxy-user@example.test'
const PASSWORD = 'Pw-proxy-canary-41d9'
const HTTP_AUTH = { user: 'mailprobe-http', password: 'http-proxy-pw-7c2e' }
const SECRETS = [{ value: PASSWORD }, { value: SOCKS_TEST_AUTH.password }, { value: HTTP_AUTH.password }]

let ca = ''
let smtp: SmtpPeer
let smtpTls: SmtpPeer
let api: ProviderServer
let socks: TestProxy
let socksAuth: TestProxy
let httpProxy: TestProxy
let httpAuth: TestProxy
let closed: { port: number; close(): Promise<void> }

beforeAll(async () => {
  ca = (await getTestCerts()).ca.cert
  ;[smtp, smtpTls, api, socks, socksAuth, httpProxy, httpAuth, closed] = await Promise.all([
    startSmtpPeer({ users: { [USER]: PASSWORD } }),
    startSmtpPeer({ mode: 'tls', users: { [USER]: PASSWORD } }),
    startProviderServer(),
    startSocksProxy(),
    startSocksProxy({ auth: SOCKS_TEST_AUTH }),
    startHttpProxy(),
    startHttpProxy({ auth: HTTP_AUTH }),
    closedPort(),
  ])
}, 30_000)
afterAll(async () => {
  await Promise.all([smtp, smtpTls, api, socks, socksAuth, httpProxy, httpAuth, closed].map((p) => p?.close()))
})

/** The proxy URL with its user (never the password) and the password beside it, as a job takes them. */
function via(p: TestProxy, opts: { user?: string; password?: string; scheme?: string } = {}): NetworkOptionsInput {
  const url = new URL(p.url)
  const user = opts.user ?? p.user
  return {
    proxy: {
      url: `${opts.scheme ?? p.kind}://${user ? `${encodeURIComponent(user)}@` : ''}${url.host}`,
      ...((opts.password ?? p.password) ? { password: opts.password ?? p.password } : {}),
    },
  }
}

async function send(network: NetworkOptionsInput, extra: Partial<SmtpJobInput> = {}): Promise<SmtpResult> {
  const sink = new ArraySink()
  const result = await runSmtp(
    { host: '127.0.0.1', port: smtp.port, security: 'starttls', tls: { caPem: ca, servername: 'localhost' }, auth: { user: USER, secret: PASSWORD }, message: MESSAGE, network, ...extra },
    { sink },
  )
  expectNoLeaks(JSON.stringify(sink.events), SECRETS, 'events')
  expectNoLeaks(JSON.stringify(result), SECRETS, 'result')
  // Typed phase names: every phase (proxy included) is one an SMTP result may carry.
  SmtpResultSchema.parse(result)
  return result
}

const names = (r: { phases: { name: string }[] }) => r.phases.map((p) => p.name)
const text = (r: { transcript: { dir: string; text: string }[] }) => r.transcript.map((l) => `${l.dir} ${l.text}`).join('\n')
const proxyPhase = (r: { phases: { name: string; roundTrips: number }[] }) => r.phases.find((p) => p.name === 'proxy')

describe('SMTP through a SOCKS5 proxy (Dante)', () => {
  it('sends through the tunnel; the proxy hop is a phase of two round trips, after the TCP connect to the proxy', async () => {
    const before = socks.connections()
    const r = await send(via(socks))
    expect(r.ok, JSON.stringify(r.error)).toBe(true)
    expect(names(r).slice(0, 3)).toEqual(['connect', 'proxy', 'banner'])
    expect(proxyPhase(r)!.roundTrips).toBe(2)
    expect(r.roundTrips).toBe(r.phases.reduce((n, p) => n + p.roundTrips, 0))
    expect(text(r)).toContain(`info connected to the SOCKS5 proxy ${socks.url}`)
    expect(text(r)).toContain(`SOCKS5 proxy ${socks.url} replied: granted; the tunnel is open`)
    // socks5:// resolves locally: the server's address is known.
    expect(r.target.address).toBe('127.0.0.1')
    await socks.waitForConnections(before + 1)
  })

  it('socks5h:// leaves the name to the proxy (no local DNS phase, no address known)', async () => {
    const r = await send(via(socks, { scheme: 'socks5h' }), { host: 'localhost', tls: { caPem: ca } })
    expect(r.ok, JSON.stringify(r.error)).toBe(true)
    expect(names(r)).not.toContain('dns')
    expect(text(r)).toContain(`the SOCKS5 proxy ${socks.url.replace('socks5', 'socks5h')} resolves localhost itself`)
    expect(r.target.address).toBeNull()
  })

  it('socks4:// works too: one request, one reply, one round trip', async () => {
    const r = await send(via(socks, { scheme: 'socks4' }))
    expect(r.ok, JSON.stringify(r.error)).toBe(true)
    expect(proxyPhase(r)!.roundTrips).toBe(1)
    expect(text(r)).toContain(`SOCKS4 proxy ${socks.url.replace('socks5', 'socks4')} replied: granted; the tunnel is open`)
  })

  it('logs in with username and password (three round trips), the password never shown', async () => {
    const r = await send(via(socksAuth))
    expect(r.ok, JSON.stringify(r.error)).toBe(true)
    expect(proxyPhase(r)!.roundTrips).toBe(3)
    expect(text(r)).toContain('(username/password authentication)')
  })

  it('a wrong password is PROXY_AUTH_FAILED; no password for a proxy that wants one says how to give it', async () => {
    const wrong = await send(via(socksAuth, { password: 'not the password' }))
    expect(wrong.error).toMatchObject({ code: 'PROXY_AUTH_FAILED' })
    expect(wrong.error!.message).toMatch(/refused the user name or password/)
    const none = await send(via(socksAuth, { user: '' }))
    expect(none.error).toMatchObject({ code: 'PROXY_AUTH_FAILED' })
    expect(none.error!.message).toMatch(/requires a login/)
    expect(none.transcript.some((l) => l.dir === 'c')).toBe(false)
  })

  it('a server the proxy cannot reach is PROXY_FAILED with the proxy’s reply', async () => {
    const r = await send(via(socks), { port: closed.port })
    expect(r.error).toMatchObject({ code: 'PROXY_FAILED', reply: { text: expect.stringMatching(/ConnectionRefused|Failure/) } })
    expect(r.error!.message).toMatch(/could not open a tunnel to 127\.0\.0\.1:\d+/)
  })

  it('a proxy that is not there is PROXY_FAILED, not a refusal by the server', async () => {
    const r = await send({ proxy: { url: `socks5://127.0.0.1:${closed.port}` } })
    expect(r.error).toMatchObject({ code: 'PROXY_FAILED' })
    expect(r.error!.message).toMatch(/Cannot reach the SOCKS5 proxy/)
  })

  it('implicit TLS works through the tunnel, the certificate checked against the server’s name', async () => {
    const r = await send(via(socks), { port: smtpTls.port, security: 'tls' })
    expect(r.ok, JSON.stringify(r.error)).toBe(true)
    expect(names(r).slice(0, 3)).toEqual(['connect', 'proxy', 'tls'])
    expect(r.tls).toMatchObject({ authorized: true })
  })
})

describe('SMTP through an HTTP CONNECT proxy (tinyproxy)', () => {
  it('sends through the tunnel; CONNECT and the proxy’s answer are in the transcript, one round trip', async () => {
    const r = await send(via(httpProxy))
    expect(r.ok, JSON.stringify(r.error)).toBe(true)
    expect(names(r).slice(0, 3)).toEqual(['connect', 'proxy', 'banner'])
    expect(proxyPhase(r)!.roundTrips).toBe(1)
    expect(text(r)).toMatch(/info proxy → CONNECT 127\.0\.0\.1:\d+ HTTP\/1\.1/)
    expect(text(r)).toMatch(/info proxy ← HTTP\/1\.[01] 200 /)
  })

  it('Basic auth: the right login works with the header redacted; a wrong one is PROXY_AUTH_FAILED', async () => {
    const ok = await send(via(httpAuth))
    expect(ok.ok, JSON.stringify(ok.error)).toBe(true)
    expect(text(ok)).toContain('proxy → Proxy-Authorization: Basic [redacted]')
    const wrong = await send(via(httpAuth, { password: 'nope-nope' }))
    expect(wrong.error).toMatchObject({ code: 'PROXY_AUTH_FAILED', reply: { code: expect.any(Number) } })
    const none = await send(via(httpAuth, { user: '' }))
    expect(none.error).toMatchObject({ code: 'PROXY_AUTH_FAILED', reply: { code: 407 } })
    expect(none.error!.message).toMatch(/requires a login \(407\)/)
  })

  it('a refused tunnel is PROXY_FAILED with the status', async () => {
    const r = await send(via(httpProxy), { port: closed.port })
    expect(r.error).toMatchObject({ code: 'PROXY_FAILED', reply: { code: expect.any(Number) } })
    expect(r.error!.reply!.code).toBeGreaterThanOrEqual(400)
  })
})

describe('the HTTPS API and the probe through proxies', () => {
  it('an API send through SOCKS5 and through HTTP CONNECT: connect, proxy, tls, send, wait, download', async () => {
    for (const proxy of [socks, httpProxy]) {
      const sink = new ArraySink()
      const r: ApiResult = await runApi({ provider: 'postmark', ...validFor('postmark'), baseUrl: api.origin, tls: { caPem: ca }, message: MESSAGE, network: via(proxy) }, { sink })
      expect(r.ok, JSON.stringify(r.error)).toBe(true)
      ApiResultSchema.parse(r)
      expect(names(r)).toEqual(['connect', 'proxy', 'tls', 'send', 'wait', 'download'])
      expect(r.tls).toMatchObject({ authorized: true })
    }
  })

  it('probes ports through the proxy: an open port and a refused one', async () => {
    const r: ProbeResult = await runProbe({ host: '127.0.0.1', ports: [smtp.port, closed.port], timeoutMs: 3000, tls: { caPem: ca, servername: 'localhost' }, network: via(socks) })
    ProbeResultSchema.parse(r)
    const [open, refused] = r.ports
    expect(open).toMatchObject({ state: 'open', speaks: 'smtp', starttls: true })
    expect(refused).toMatchObject({ state: 'refused', error: { code: 'PROXY_FAILED' } })
    expect(r.phases.filter((p) => p.name === 'proxy').length).toBeGreaterThanOrEqual(1)
  })
})
