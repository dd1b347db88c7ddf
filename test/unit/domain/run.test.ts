// The domain engine: input checked, every check run (bounded, concurrently), each streamed as it
// finishes with its phase, DNS asked once per name for the whole run, a broken check contained,
// cancellation, and the healthy zone's whole run on loopback.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DOMAIN_CHECK_IDS, DomainResultSchema, type DomainCheck, type DomainJobInput, type JobEvent, type TranscriptEvent } from '../../../preload/contract'
import { CHECK_CONCURRENCY, runDomain } from '../../../main/core/domain'
import { DOMAIN_CHECKS } from '../../../main/core/domain/checks'
import { dkimCheck } from '../../../main/core/domain/checks/dkim'
import { dmarcCheck } from '../../../main/core/domain/checks/dmarc'
import { mxCheck } from '../../../main/core/domain/checks/mx'
import { ptrCheck } from '../../../main/core/domain/checks/ptr'
import { spfCheck } from '../../../main/core/domain/checks/spf'
import type { DomainCheckDefinition } from '../../../main/core/domain/context'
import { ArraySink } from '../../../main/core/transcript/event-sink'
import { getTestCerts } from '../../fixtures/certs'
import { startDnsServer, type DnsServer } from '../../fixtures/dns-server'
import { dkimPublicKey, healthyZone } from '../../fixtures/domain-zones'
import { startSmtpPeer, type SmtpPeer } from '../../fixtures/smtp-peers'

const MINE = [mxCheck, ptrCheck, spfCheck, dkimCheck, dmarcCheck]

let dns: DnsServer
let peer: SmtpPeer
let caPem = ''

beforeAll(async () => {
  ;[dns, peer] = await Promise.all([
    startDnsServer({
      ...healthyZone('healthy.test', { dkimKey: dkimPublicKey(2048) }),
      'slow-dmarc.test': { TXT: ['v=spf1 -all'] },
      '_dmarc.slow-dmarc.test': { behaviour: 'timeout' },
    }),
    startSmtpPeer({ mode: 'starttls' }),
  ])
  caPem = (await getTestCerts()).ca.cert
})

afterAll(async () => {
  await Promise.all([dns?.close(), peer?.close()])
})

const healthyJob = (): DomainJobInput => ({
  domain: 'healthy.test',
  sendingIps: ['127.0.0.1'],
  dkimSelectors: ['s1'],
  dnsServers: [dns.server],
  mxPort: peer.port,
  tls: { caPem },
  timeoutMs: 2000,
})

const definition = (id: DomainCheck['id'], run: DomainCheckDefinition['run']): DomainCheckDefinition => ({ id, run })

it('lists every check once, in the order results show them', () => {
  expect(DOMAIN_CHECKS.map((c) => c.id)).toEqual([...DOMAIN_CHECK_IDS])
})

describe('input', () => {
  it('refuses what is not a domain name, naming the field', async () => {
    const r = await runDomain({ domain: 'not a domain' })
    expect(r.ok).toBe(false)
    expect(r.error?.code).toBe('INVALID_INPUT')
    expect(r.error?.message).toMatch(/^domain: /)
    expect(r.domain).toBe('not a domain')
    expect(DomainResultSchema.safeParse(r).success).toBe(true)
  })

  it('refuses a provider and a relay together', async () => {
    const r = await runDomain({ domain: 'example.test', provider: 'sendgrid', relay: 'smtp.example.test' })
    expect(r.error).toEqual({ code: 'INVALID_INPUT', message: 'relay: name a provider or a relay, not both' })
  })

  it('refuses a DNS server node:dns cannot use', async () => {
    const r = await runDomain({ domain: 'example.test', dnsServers: ['1.2.3'] })
    expect(r.error?.code).toBe('INVALID_INPUT')
    expect(r.error?.message).toMatch(/^dnsServers: /)
  })
})

describe('a healthy domain', () => {
  it('passes mx, ptr, spf, dkim and dmarc, all eleven checks within a second on loopback', async () => {
    const sink = new ArraySink()
    const r = await runDomain(healthyJob(), { sink, jobId: 'domain-1' })
    expect(r.error).toBeNull()
    expect(r.checks.map((c) => c.id)).toEqual([...DOMAIN_CHECK_IDS])
    const mine = Object.fromEntries(r.checks.filter((c) => MINE.some((d) => d.id === c.id)).map((c) => [c.id, c.status]))
    expect(mine).toEqual({ mx: 'pass', ptr: 'pass', spf: 'pass', dkim: 'pass', dmarc: 'pass' })
    expect(r.ok).toBe(!r.checks.some((c) => c.status === 'fail'))
    expect(r.totalMs).toBeLessThan(1000)
    expect(r.provider).toBeNull()
    expect(DomainResultSchema.safeParse(r).success).toBe(true)
  })

  it('with its own checks only: ok, nothing to publish, and every DNS question asked once and counted once', async () => {
    const before = dns.asked.length
    const r = await runDomain(healthyJob(), {}, MINE)
    expect(r.ok).toBe(true)
    expect(r.publish).toEqual([])
    const asked = dns.asked.slice(before)
    expect(new Set(asked).size).toBe(asked.length)
    expect(r.roundTrips).toBe(asked.length)
    expect(r.checks.reduce((n, c) => n + c.queries, 0)).toBe(asked.length)
  })

  it('streams each check as it finishes: its phase, then an info line carrying it, and the result last', async () => {
    const sink = new ArraySink()
    const r = await runDomain(healthyJob(), { sink, jobId: 'domain-2' }, MINE)
    const events: JobEvent[] = sink.events
    for (const c of r.checks) {
      const line = events.find((e): e is TranscriptEvent => e.type === 'transcript' && e.check?.id === c.id)
      expect(line?.text).toBe(`${c.id}: ${c.status} — ${c.detail}`)
      expect(line?.check).toEqual(c)
      const phase = events.find((e) => e.type === 'phase' && e.phase.name === c.id)
      expect(phase?.type === 'phase' && phase.phase.roundTrips).toBe(c.queries)
      expect(events.indexOf(phase!)).toBeLessThan(events.indexOf(line!))
    }
    expect(events.at(-1)).toMatchObject({ type: 'result', jobId: 'domain-2' })
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1))
    expect(r.transcript.at(-1)?.text).toBe('verdict: 5 pass')
    // The DNS questions are detail lines, each under its check's name.
    expect(r.transcript.some((l) => l.detail && /^spf: dns: TXT healthy\.test → 1 record/.test(l.text))).toBe(true)
  })

  it('names the provider, or the relay', async () => {
    const provider = await runDomain({ ...healthyJob(), provider: 'sendgrid' }, {}, [spfCheck])
    expect(provider.provider).toBe('sendgrid')
    const relay = await runDomain({ ...healthyJob(), relay: 'localhost' }, {}, [spfCheck])
    expect(relay.provider).toBe('relay:localhost')
  })
})

describe('the engine', () => {
  it('runs at most CHECK_CONCURRENCY checks at once', async () => {
    let running = 0
    let most = 0
    let open = () => {}
    const gate = { promise: new Promise<void>((resolve) => (open = resolve)), resolve: () => open() }
    const slow = (id: DomainCheck['id']) =>
      definition(id, async () => {
        most = Math.max(most, ++running)
        if (running === CHECK_CONCURRENCY) gate.resolve()
        await gate.promise
        running--
        return { status: 'pass', title: id, detail: 'ok.', records: [] }
      })
    const r = await runDomain(healthyJob(), {}, DOMAIN_CHECK_IDS.map(slow))
    expect(r.checks).toHaveLength(DOMAIN_CHECK_IDS.length)
    expect(most).toBe(CHECK_CONCURRENCY)
  })

  it('lets a check await an earlier one, and refuses to let it await a later one', async () => {
    const r = await runDomain(healthyJob(), {}, [
      spfCheck,
      definition('alignment', async (ctx) => {
        const spf = await ctx.result('spf')
        return { status: 'info', title: 'Alignment', detail: `spf said ${spf.status}.`, records: [] }
      }),
      definition('bimi', async (ctx) => {
        await ctx.result('bulk-sender')
        return { status: 'pass', title: 'BIMI', detail: 'never.', records: [] }
      }),
      definition('bulk-sender', async () => ({ status: 'pass', title: 'Bulk', detail: 'ok.', records: [] })),
    ])
    expect(r.checks.find((c) => c.id === 'alignment')?.detail).toBe('spf said pass.')
    expect(r.checks.find((c) => c.id === 'bimi')).toMatchObject({
      status: 'info',
      detail: 'Mailprobe could not run this check: the bimi check may not wait for the bulk-sender check (only for one before it).',
    })
  })

  it('turns a check that throws into information and a warning, and goes on with the others', async () => {
    const r = await runDomain(healthyJob(), {}, [
      definition('mx', async () => {
        throw new Error('boom')
      }),
      spfCheck,
    ])
    expect(r.error).toBeNull()
    expect(r.checks[0]).toMatchObject({ id: 'mx', status: 'info', title: 'MX', detail: 'Mailprobe could not run this check: boom.' })
    expect(r.checks[1]).toMatchObject({ id: 'spf', status: 'pass' })
    expect(r.warnings).toEqual(['MX: Mailprobe could not run this check: boom.'])
    expect(r.ok).toBe(true)
  })

  it("gathers the checks' records to publish once each, and is not ok when a check fails", async () => {
    const publish = [{ type: 'TXT', name: '_dmarc.healthy.test', value: 'v=DMARC1; p=none' }]
    const r = await runDomain(healthyJob(), {}, [
      definition('spf', async () => ({ status: 'fail', title: 'SPF', detail: 'no.', records: [], publish })),
      definition('dmarc', async () => ({ status: 'warn', title: 'DMARC', detail: 'meh.', records: [], publish })),
    ])
    expect(r.publish).toEqual(publish)
    expect(r.ok).toBe(false)
    expect(r.error).toBeNull()
    expect(r.dnssec).toBeNull()
  })

  it('takes dnssec from the check that says it', async () => {
    const r = await runDomain(healthyJob(), {}, [definition('dane', async () => ({ status: 'info', title: 'DANE', detail: 'x.', records: [], dnssec: false }))])
    expect(r.dnssec).toBe(false)
  })
})

describe('cancellation', () => {
  it('stops every pending question at once and keeps the checks that finished', async () => {
    const controller = new AbortController()
    const pending = runDomain({ domain: 'slow-dmarc.test', dnsServers: [dns.server], timeoutMs: 10_000, probeMx: false }, { signal: controller.signal }, [spfCheck, dmarcCheck])
    await dns.waitFor('_dmarc.slow-dmarc.test TXT')
    const started = Date.now()
    controller.abort()
    const r = await pending
    expect(Date.now() - started).toBeLessThan(1000)
    expect(r.ok).toBe(false)
    expect(r.error?.code).toBe('CANCELLED')
    expect(r.checks.map((c) => c.id)).not.toContain('dmarc')
    expect(DomainResultSchema.safeParse(r).success).toBe(true)
  })

  it('runs nothing when cancelled before it starts', async () => {
    const controller = new AbortController()
    controller.abort()
    const before = dns.asked.length
    const r = await runDomain(healthyJob(), { signal: controller.signal }, MINE)
    expect(r.error?.code).toBe('CANCELLED')
    expect(r.checks).toEqual([])
    expect(dns.asked.length).toBe(before)
  })
})
