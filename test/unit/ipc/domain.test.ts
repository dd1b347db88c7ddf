// Domain readiness behind IPC and the web bridge: the runDomain operation validates its job with the
// contract, runs the real engine against an authoritative DNS server on loopback, streams each check
// as it finishes (riding on an info line), and History records the run with the domain as its target
// and the worst status as its verdict.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import WsClient from 'ws'
import {
  DOMAIN_CHECK_IDS,
  DomainCheckSchema,
  DomainResultSchema,
  domainCountWords,
  worstStatus,
  type DomainResult,
  type Envelope,
  type JobEvent,
  type TranscriptEvent,
} from '../../../preload/contract'
import { createClient } from '../../../main/ipc/handlers'
import { startWebServer } from '../../../main/web/server'
import { startDnsServer, type DnsServer } from '../../fixtures/dns-server'
import { removeTempDirs, tempDir, testServices, WaitingSink } from './helpers'

let dns: DnsServer

beforeAll(async () => {
  // A domain half set up for SendGrid: SPF, a DMARC policy, no DKIM; and one whose DNS never answers.
  dns = await startDnsServer({
    'example.test': { TXT: ['v=spf1 -all'], MX: [{ priority: 10, exchange: 'mx.example.test' }] },
    'mx.example.test': { A: ['127.0.0.1'] },
    '_dmarc.example.test': { TXT: ['v=DMARC1; p=quarantine; rua=mailto:dmarc@example.test'] },
    'silent.example.test': { behaviour: 'timeout' },
  })
})
afterAll(() => dns.close())
afterEach(removeTempDirs)

const job = (over: Record<string, unknown> = {}) => ({ domain: 'example.test', provider: 'sendgrid', dnsServers: [dns.server], probeMx: false, timeoutMs: 2000, ...over })

/** The checks that rode on transcript events, in the order they came. */
function streamedChecks(events: readonly JobEvent[], jobId: string): TranscriptEvent[] {
  return events.filter((e): e is TranscriptEvent => e.jobId === jobId && e.type === 'transcript' && e.check !== undefined)
}

function expectStreamed(events: readonly JobEvent[], jobId: string, result: DomainResult): void {
  const streamed = streamedChecks(events, jobId)
  // Each check once, on an info line, whole, before the result; the same findings the result carries.
  expect(streamed.every((e) => e.dir === 'info')).toBe(true)
  for (const e of streamed) expect(DomainCheckSchema.safeParse(e.check).success, e.check!.id).toBe(true)
  expect(streamed.map((e) => e.check!.id).sort()).toEqual([...DOMAIN_CHECK_IDS].sort())
  const resultAt = events.findIndex((e) => e.jobId === jobId && e.type === 'result')
  expect(Math.max(...streamed.map((e) => events.indexOf(e)))).toBeLessThan(resultAt)
  expect(Object.fromEntries(streamed.map((e) => [e.check!.id, e.check!.status]))).toEqual(Object.fromEntries(result.checks.map((c) => [c.id, c.status])))
}

describe('runDomain through the dispatch table', () => {
  it('streams each check as it finishes, ends with a whole result, and History records it by domain with its verdict', async () => {
    const { services } = await testServices()
    const sink = new WaitingSink()
    const client = createClient(sink, services)
    const started = await client.dispatch('runDomain', job({ dkimSelectors: ['s1'] }))
    if (!started.ok) throw new Error(started.error.message)
    const result = await sink.result<DomainResult>(started.value.jobId)

    const parsed = DomainResultSchema.safeParse(result)
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true)
    expect(result).toMatchObject({ kind: 'domain', domain: 'example.test', provider: 'sendgrid', error: null })
    expect(result.checks.map((c) => c.id)).toEqual([...DOMAIN_CHECK_IDS])
    // No DKIM key at SendGrid's selectors (nor at s1): DKIM fails, so the run is not ok.
    expect(result.checks.find((c) => c.id === 'dkim')?.status).toBe('fail')
    expect(result.ok).toBe(false)
    expectStreamed(sink.events, started.value.jobId, result)

    // Recorded before the caller saw the result: the domain is the target, the verdict the worst status.
    const { entries } = services.history.list({ query: 'example.test' })
    expect(entries).toHaveLength(1)
    expect(entries[0]).toMatchObject({
      jobId: started.value.jobId,
      kind: 'domain',
      action: 'domain',
      profileId: null,
      target: 'example.test',
      ok: false,
      errorCode: null,
      summary: `example.test via SendGrid: ${domainCountWords(result.checks)}`,
      domainStatus: worstStatus(result.checks),
    })
    expect(entries[0]!.summary).toMatch(/^example\.test via SendGrid: \d+ fail/)

    const stored = await client.dispatch('getHistoryEntry', { id: entries[0]!.id })
    expect(stored.ok && stored.value?.result).toEqual(result)
    const txt = await client.dispatch('exportTranscript', { id: entries[0]!.id, format: 'txt' })
    if (!txt.ok) throw new Error(txt.error.message)
    expect(txt.value.suggestedName).toMatch(/^mailprobe-domain-example\.test-.+\.txt$/)
    expect(txt.value.content).toContain('Mailprobe — Domain readiness · example.test')
    expect(txt.value.content).toContain('Domain readiness of example.test')
    for (const r of result.publish) expect(txt.value.content).toContain(r.name)
    await services.flush()
  })

  it('a run cancelled while DNS stays silent ends CANCELLED, and History keeps it without a verdict', async () => {
    const { services } = await testServices()
    const sink = new WaitingSink()
    const client = createClient(sink, services)
    const started = await client.dispatch('runDomain', job({ domain: 'silent.example.test', timeoutMs: 60_000 }))
    if (!started.ok) throw new Error(started.error.message)
    const cancelled = await client.dispatch('cancelJob', { jobId: started.value.jobId })
    expect(cancelled).toEqual({ ok: true, value: { cancelled: true } })
    const result = await sink.result<DomainResult>(started.value.jobId)
    expect(result).toMatchObject({ kind: 'domain', ok: false, domain: 'silent.example.test', error: { code: 'CANCELLED' } })
    const entry = services.history.list().entries[0]!
    expect(entry).toMatchObject({ kind: 'domain', target: 'silent.example.test', errorCode: 'CANCELLED' })
    expect(entry.domainStatus).toBeUndefined()
  })
})

describe('runDomain through the web bridge', () => {
  it('answers with a job id; the checks and the result arrive as job-event pushes', async () => {
    const dir = await tempDir('mailprobe-web-')
    await writeFile(join(dir, 'index.html'), `<!doctype html><meta http-equiv="Content-Security-Policy" content="default-src 'self'"><title>t</title>`)
    const { services } = await testServices()
    const host = await startWebServer({ rendererDir: dir, port: 0, createClient: (sink, push) => createClient(sink, services, push) })
    const ws = new WsClient(`ws://127.0.0.1:${host.port}/bridge?token=${host.token}`, { origin: host.origin })
    try {
      await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject))
      const events: JobEvent[] = []
      const envelopes = new Map<number, Envelope<unknown>>()
      const done = new Promise<DomainResult>((resolve) =>
        ws.on('message', (data) => {
          const msg = JSON.parse(String(data)) as { id?: number; envelope?: Envelope<unknown>; event?: string; batch?: JobEvent[] }
          if (msg.envelope && msg.id !== undefined) envelopes.set(msg.id, msg.envelope)
          for (const e of msg.batch ?? []) {
            events.push(e)
            if (e.type === 'result') resolve(e.result as DomainResult)
          }
        }),
      )
      // A bad job is refused by the bridge's dispatch as by IPC's; a good one runs.
      ws.send(JSON.stringify({ id: 1, op: 'runDomain', input: job({ relay: 'smtp.example.test' }) }))
      ws.send(JSON.stringify({ id: 2, op: 'runDomain', input: job() }))
      const result = await done
      expect(envelopes.get(1)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringMatching(/relay: name a provider or a relay, not both/) } })
      const second = envelopes.get(2) as Envelope<{ jobId: string }>
      if (!second.ok) throw new Error(second.error.message)
      expect(result.domain).toBe('example.test')
      expectStreamed(events, second.value.jobId, result)
    } finally {
      ws.close()
      await host.close()
    }
  })
})
