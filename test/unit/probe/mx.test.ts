import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { fail } from '../../../main/core/errors'
import { runProbe, type ProbeDns } from '../../../main/core/probe'
import { lookupMx, mapLimit, MAX_MX_HOSTS, type MxRecord } from '../../../main/core/probe/mx'
import { ProbeResultSchema } from '../../../preload/contract'
import { getTestCerts } from '../../fixtures/certs'
import { startSmtpPeer, type SmtpPeer } from '../../fixtures/smtp-peers'

const never = new AbortController().signal
const dnsError = (code: string) => Object.assign(new Error(code), { code })
const ipv4 = async () => ({ addresses: [{ address: '127.0.0.1', family: 4 as const }], looked: true })

describe('lookupMx', () => {
  it('orders by preference, lower-cases, drops trailing dots and duplicates', async () => {
    const records: MxRecord[] = [
      { exchange: 'MX2.Example.com.', priority: 20 },
      { exchange: 'mx1.example.com', priority: 10 },
      { exchange: 'mx2.example.com', priority: 30 },
      { exchange: 'b.example.com', priority: 10 },
    ]
    const a = await lookupMx('example.com.', async () => records, 1000, never)
    expect(a).toEqual({
      records: [
        { exchange: 'b.example.com', priority: 10 },
        { exchange: 'mx1.example.com', priority: 10 },
        { exchange: 'mx2.example.com', priority: 20 },
      ],
      implicit: false,
      nullMx: false,
      dropped: 0,
    })
  })

  it('keeps at most MAX_MX_HOSTS and says how many were left out', async () => {
    const many = Array.from({ length: MAX_MX_HOSTS + 3 }, (_, i) => ({ exchange: `mx${i}.example.com`, priority: i }))
    const a = await lookupMx('example.com', async () => many, 1000, never)
    expect(a.records).toHaveLength(MAX_MX_HOSTS)
    expect(a.dropped).toBe(3)
  })

  it('falls back to the domain itself without MX records, and recognises a null MX', async () => {
    expect(await lookupMx('example.com', async () => Promise.reject(dnsError('ENODATA')), 1000, never)).toMatchObject({ records: [{ exchange: 'example.com', priority: 0 }], implicit: true })
    expect(await lookupMx('example.com', async () => [], 1000, never)).toMatchObject({ implicit: true })
    expect(await lookupMx('example.com', async () => [{ exchange: '', priority: 0 }], 1000, never)).toMatchObject({ records: [], nullMx: true })
  })

  it('turns failures into DNS_FAILED with a reason, bounded by the timeout', async () => {
    await expect(lookupMx('nope.test', async () => Promise.reject(dnsError('ENOTFOUND')), 1000, never)).rejects.toMatchObject({
      info: { code: 'DNS_FAILED', message: expect.stringContaining('does not exist') },
    })
    await expect(lookupMx('slow.test', () => new Promise(() => {}), 100, never)).rejects.toMatchObject({ info: { code: 'DNS_FAILED', message: expect.stringContaining('no answer within 100 ms') } })
    await expect(lookupMx('x.test', () => new Promise(() => {}), 60_000, AbortSignal.abort())).rejects.toMatchObject({ code: 'ABORT_ERR' })
  })
})

describe('mapLimit', () => {
  it('runs at most `limit` at once and keeps the input order', async () => {
    let running = 0
    let peak = 0
    const gates: (() => void)[] = []
    const done = mapLimit([1, 2, 3, 4, 5, 6], 4, async (n) => {
      running++
      peak = Math.max(peak, running)
      await new Promise<void>((r) => gates.push(r))
      running--
      return n * 10
    })
    await vi.waitFor(() => expect(gates).toHaveLength(4))
    while (gates.length) {
      gates.shift()!()
      await new Promise((r) => setImmediate(r))
    }
    expect(await done).toEqual([10, 20, 30, 40, 50, 60])
    expect(peak).toBe(4)
  })
})

describe('domain mode (--mx)', () => {
  let ca: string
  let starttls: SmtpPeer
  let plain: SmtpPeer
  beforeAll(async () => {
    ca = (await getTestCerts()).ca.cert
    starttls = await startSmtpPeer({ mode: 'starttls', hideAuthBeforeTls: true })
    plain = await startSmtpPeer({ mode: 'plain', auth: 'disabled' })
  })
  afterAll(async () => {
    await Promise.all([starttls.close(), plain.close()])
  })

  it('probes each MX host in preference order, shows their addresses, and recommends the first that answers', async () => {
    const dns: ProbeDns = {
      resolveMx: async () => [
        { exchange: 'mx2.example.test', priority: 20 },
        { exchange: 'mx1.example.test', priority: 10 },
        { exchange: 'mx3.example.test', priority: 30 },
      ],
      lookup: async (host) => (host === 'mx1.example.test' ? fail('DNS_FAILED', 'Could not resolve mx1.example.test: the name does not exist.') : ipv4()),
    }
    const r = await runProbe({ host: 'example.test', mx: true, ports: [starttls.port], timeoutMs: 1000, tls: { caPem: ca } }, { dns })
    expect(ProbeResultSchema.safeParse(r).success).toBe(true)
    expect(r).toMatchObject({ mode: 'mx', host: 'example.test', ok: true, error: null, addresses: [] })
    expect(r.mx).toEqual({
      domain: 'example.test',
      implicit: false,
      nullMx: false,
      hosts: [
        { exchange: 'mx1.example.test', priority: 10, addresses: [], error: { code: 'DNS_FAILED', message: expect.any(String) } },
        { exchange: 'mx2.example.test', priority: 20, addresses: [{ address: '127.0.0.1', family: 4 }], error: null },
        { exchange: 'mx3.example.test', priority: 30, addresses: [{ address: '127.0.0.1', family: 4 }], error: null },
      ],
    })
    expect(r.ports.map((p) => [p.host, p.state])).toEqual([
      ['mx1.example.test', 'error'],
      ['mx2.example.test', 'open'],
      ['mx3.example.test', 'open'],
    ])
    // The certificate is for localhost: reported, but it does not stop relay (opportunistic TLS).
    expect(r.ports[1]).toMatchObject({ usable: true, tls: { servername: 'mx2.example.test', hostnameMatch: false, verification: { code: 'CERT_HOSTNAME_MISMATCH' } } })
    expect(r.recommendation).toMatchObject({ host: 'mx2.example.test', port: starttls.port, security: 'starttls' })
    expect(r.recommendation.reason).toMatch(/Not answering: mx1\.example\.test:\d+ error\..*opportunistic TLS/)
    expect(r.transcript.some((l) => l.port === starttls.port && l.text.startsWith('mx3.example.test: '))).toBe(true)
  })

  it('probes port 25 by default, and the domain itself when it has no MX record', async () => {
    const lookups: string[] = []
    const r = await runProbe(
      { host: 'example.test', mx: true },
      { dns: { resolveMx: () => Promise.reject(dnsError('ENODATA')), lookup: async (h) => (lookups.push(h), fail('DNS_FAILED', `no ${h}`)) } },
    )
    expect(lookups).toEqual(['example.test'])
    expect(r.mx).toMatchObject({ implicit: true, hosts: [{ exchange: 'example.test' }] })
    expect(r.ports.map((p) => p.port)).toEqual([25])
    expect(r.ok).toBe(false)
    expect(r.recommendation.reason).toMatch(/^No MX host accepts SMTP from here/)
  })

  it('relays over plaintext when that is all there is, and says so', async () => {
    const r = await runProbe({ host: 'example.test', mx: true, ports: [plain.port], timeoutMs: 1000 }, { dns: { resolveMx: async () => [{ exchange: 'mx.example.test', priority: 5 }], lookup: ipv4 } })
    expect(r.ok).toBe(true)
    expect(r.recommendation).toMatchObject({ host: 'mx.example.test', security: 'none' })
    expect(r.recommendation.reason).toMatch(/travels unencrypted/)
  })

  it('reports a null MX and a domain that does not exist', async () => {
    const nullMx = await runProbe({ host: 'example.test', mx: true }, { dns: { resolveMx: async () => [{ exchange: '.', priority: 0 }] } })
    expect(nullMx).toMatchObject({ ok: false, error: null, ports: [], mx: { nullMx: true, hosts: [] } })
    expect(nullMx.recommendation.reason).toMatch(/null MX \(RFC 7505\)/)
    const missing = await runProbe({ host: 'nope.test', mx: true }, { dns: { resolveMx: () => Promise.reject(dnsError('ENOTFOUND')) } })
    expect(missing).toMatchObject({ ok: false, error: { code: 'DNS_FAILED' }, ports: [] })
  })

  it('probes at most four MX hosts at once', async () => {
    const pending: (() => void)[] = []
    const dns: ProbeDns = {
      resolveMx: async () => Array.from({ length: 6 }, (_, i) => ({ exchange: `mx${i}.example.test`, priority: i })),
      lookup: (h) => new Promise((_, reject) => pending.push(() => reject(Object.assign(new Error(h), { name: 'x' })))),
    }
    const done = runProbe({ host: 'example.test', mx: true, ports: [1] }, { dns })
    await vi.waitFor(() => expect(pending).toHaveLength(4))
    await new Promise((r) => setImmediate(r))
    expect(pending).toHaveLength(4)
    pending[0]!()
    await vi.waitFor(() => expect(pending).toHaveLength(5))
    for (let i = 1; i < 6; i++) {
      await vi.waitFor(() => expect(pending.length).toBeGreaterThan(i))
      pending[i]!()
    }
    const r = await done
    expect(r.mx!.hosts).toHaveLength(6)
  })
})
