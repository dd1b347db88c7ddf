// `--security auto` finds TLS by itself: on a port other than 465, a server silent for 1.5 s is tried
// with TLS from the first byte on a second connection, while the first keeps listening.
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { SmtpResultSchema, type SmtpJobInput, type SmtpResult } from '../../../preload/contract'
import { runSmtp } from '../../../main/core/smtp'
import { getTestCerts } from '../../fixtures/certs'
import { neverGreets } from '../../fixtures/raw-peers'
import { startSmtpPeer, type SmtpPeerOptions } from '../../fixtures/smtp-peers'

const USER = 'auto-user'
const PASSWORD = 'auto-pass-9d1e'
const message = { from: 'sender@example.test', to: ['rcpt@example.test'], subject: 'auto', text: 'hello' }

let ca = ''
const peers: { close(): Promise<void> }[] = []
beforeAll(async () => {
  ca = (await getTestCerts()).ca.cert
})
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()))
})

async function peer(options: SmtpPeerOptions) {
  const p = await startSmtpPeer({ users: { [USER]: PASSWORD }, ...options })
  peers.push(p)
  return p
}

async function run(port: number, extra: Partial<SmtpJobInput> = {}): Promise<SmtpResult> {
  // Every result, its phases included (silence, the second connect), parses as an SMTP result.
  return SmtpResultSchema.parse(await runSmtp({ host: '127.0.0.1', port, security: 'auto', tls: { caPem: ca, servername: 'localhost' }, auth: { user: USER, secret: PASSWORD }, message, ...extra }))
}

const text = (r: SmtpResult) => r.transcript.map((l) => `${l.dir} ${l.text}`).join('\n')
const openSockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TLSWrap').length

describe('security auto on a port other than 465', () => {
  it('a TLS-first server: after 1.5 s of silence TLS from the first byte, and the send succeeds in under 3 s', async () => {
    const p = await peer({ mode: 'tls' })
    const r = await run(p.port)
    expect(r.ok, JSON.stringify(r.error)).toBe(true)
    expect(r.target.mode).toBe('tls')
    expect(r.totalMs).toBeLessThan(3000)
    expect(text(r)).toContain('no greeting after 1.5 s: trying TLS from the first byte')
    expect(text(r)).toContain(`auto: port ${p.port} speaks TLS from the first byte; the session goes on over TLS`)
    expect(r.tls).toMatchObject({ authorized: true })
    // The first connection's connect, its silence, then the second connection's connect and handshake, then the session.
    expect(r.phases.map((ph) => ph.name).slice(0, 5)).toEqual(['connect', 'silence', 'connect', 'tls', 'banner'])
    expect(r.phases.find((ph) => ph.name === 'silence')!.roundTrips).toBe(0)
    expect(r.roundTrips).toBe(r.phases.reduce((n, ph) => n + ph.roundTrips, 0))
  })

  it('a plaintext server that greets late still works on the first connection', async () => {
    const p = await peer({ mode: 'starttls', greetingDelayMs: 2200 })
    const r = await run(p.port)
    expect(r.ok, JSON.stringify(r.error)).toBe(true)
    expect(r.target.mode).toBe('starttls')
    expect(text(r)).toContain('no greeting after 1.5 s: trying TLS from the first byte')
    expect(text(r)).not.toContain('speaks TLS from the first byte; the session goes on over TLS')
    expect(r.phases.map((ph) => ph.name)).not.toContain('silence')
    expect(r.phases.find((ph) => ph.name === 'banner')!.durationMs).toBeGreaterThanOrEqual(2000)
  })

  it('a TLS-first server with an untrusted certificate fails as implicit TLS would, with the certificate shown', async () => {
    const p = await peer({ mode: 'tls', cert: 'self-signed' })
    const r = await run(p.port)
    expect(r.error).toMatchObject({ code: 'CERT_UNTRUSTED' })
    expect(r.tls).toMatchObject({ authorized: false })
    expect(r.transcript.some((l) => l.dir === 'c')).toBe(false)
  })

  it('a server silent in both: GREETING_TIMEOUT that says TLS was tried too, and nothing left open', async () => {
    const before = openSockets()
    const p = await neverGreets()
    peers.push(p)
    const r = await run(p.port, { timeouts: { greetingMs: 2500 } })
    expect(r.error).toMatchObject({ code: 'GREETING_TIMEOUT' })
    expect(r.error!.message).toMatch(/in plaintext or over TLS from the first byte \(tried on a second connection after 1.5 s: its TLS handshake did not finish either\)/)
    expect(r.totalMs).toBeLessThan(4000)
    await expect.poll(openSockets).toBeLessThanOrEqual(before)
  })

  it('only auto falls back: starttls waits for the greeting on its one connection', async () => {
    const p = await peer({ mode: 'tls' })
    const r = await run(p.port, { security: 'starttls', timeouts: { greetingMs: 2000 } })
    expect(r.error).toMatchObject({ code: 'GREETING_TIMEOUT' })
    expect(text(r)).not.toContain('trying TLS from the first byte')
  })
})
