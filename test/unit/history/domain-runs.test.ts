// Domain-readiness runs in History: the domain is the target, the summary counts what failed and
// warned (or says the domain is ready), the row carries the worst status for a profile's chip, and
// the run survives a restart and exports like any other.
import { afterEach, describe, expect, it } from 'vitest'
import { HistorySummarySchema, type DomainCheck, type DomainResult } from '../../../preload/contract'
import { HistoryStore } from '../../../main/core/history/store'
import { summarize, type RunMeta } from '../../../main/core/history/summary'
import { domainFailure } from '../../../main/core/domain/result'
import { removeTempDirs, tempDir } from '../ipc/helpers'

afterEach(removeTempDirs)

const check = (id: DomainCheck['id'], status: DomainCheck['status']): DomainCheck => ({
  id,
  status,
  title: id.toUpperCase(),
  detail: `${id} is ${status}.`,
  records: [{ type: 'TXT', name: 'example.com', value: `${id} record` }],
  items: [{ label: `${id} item`, status, detail: 'as found' }],
  durationMs: 3.2,
  queries: 2,
})

function domainResult(checks: DomainCheck[], over: Partial<DomainResult> = {}): DomainResult {
  return {
    ok: !checks.some((c) => c.status === 'fail'),
    kind: 'domain',
    error: null,
    warnings: [],
    phases: checks.map((c) => ({ name: c.id, startMs: 0, durationMs: c.durationMs, roundTrips: c.queries })),
    totalMs: 41.5,
    roundTrips: 22,
    transcript: [{ t: 1, dir: 'info', text: 'spf: fail — no record' }],
    domain: 'example.com',
    provider: 'sendgrid',
    checks,
    publish: [{ type: 'TXT', name: '_dmarc.example.com', value: 'v=DMARC1; p=none' }],
    dnssec: null,
    ...over,
  }
}

const meta = (over: Partial<RunMeta> = {}): RunMeta => ({ jobId: 'job-d', kind: 'domain', action: 'domain', profileId: null, profileName: null, startedAt: '2026-11-28T10:00:00.000Z', ...over })

describe('History: domain runs', () => {
  it('summarises a run by domain and sender, counting fails and warnings, with the worst status as its verdict', () => {
    const failing = summarize('r1', meta(), domainResult([check('mx', 'pass'), check('spf', 'fail'), check('dkim', 'fail'), check('dmarc', 'warn'), check('bimi', 'info')]))
    expect(failing).toMatchObject({ kind: 'domain', action: 'domain', target: 'example.com', ok: false, errorCode: null, summary: 'example.com via SendGrid: 2 fail, 1 warn', domainStatus: 'fail' })
    expect(HistorySummarySchema.safeParse(failing).success).toBe(true)

    const warned = summarize('r2', meta(), domainResult([check('mx', 'pass'), check('dmarc', 'warn')], { provider: 'relay:smtp.corp.example' }))
    expect(warned).toMatchObject({ ok: true, summary: 'example.com via relay smtp.corp.example: 1 warn', domainStatus: 'warn' })

    const ready = summarize('r3', meta(), domainResult([check('mx', 'pass'), check('spf', 'pass'), check('bimi', 'info')], { provider: 'microsoft365' }))
    expect(ready).toMatchObject({ ok: true, summary: 'example.com via Microsoft 365: ready — 2 pass, 1 info', domainStatus: 'pass' })

    const noSender = summarize('r4', meta(), domainResult([check('bimi', 'info')], { provider: null }))
    expect(noSender).toMatchObject({ summary: 'example.com: ready — 1 info', domainStatus: 'info' })
  })

  it('a run that did not finish has its error as the summary and no verdict (a chip does not show half a run)', () => {
    const cancelled = domainResult([check('mx', 'pass')], { ok: false, error: { code: 'CANCELLED', message: 'You cancelled the check.' } })
    const row = summarize('r5', meta(), cancelled)
    expect(row).toMatchObject({ target: 'example.com', ok: false, errorCode: 'CANCELLED', summary: 'CANCELLED — You cancelled the check.' })
    expect(row).not.toHaveProperty('domainStatus')
    // A crash before anything ran: the failure builder's result, the domain still the target.
    const crashed = summarize(
      'r6',
      meta({ fallbackTarget: 'example.com' }),
      domainFailure({ code: 'INTERNAL', message: 'Mailprobe failed unexpectedly: boom' }, { domain: 'example.com', provider: null }),
    )
    expect(crashed).toMatchObject({ target: 'example.com', errorCode: 'INTERNAL' })
  })

  it('keeps the run and its verdict across a restart, finds it by domain, and exports it with its findings', async () => {
    const dir = await tempDir()
    const h = await HistoryStore.open({ dir })
    const result = domainResult([check('mx', 'pass'), check('spf', 'fail'), check('dmarc', 'warn')])
    const row = summarize('run-domain-1', meta(), result)
    await h.record(row, result)
    await h.flush()
    const again = await HistoryStore.open({ dir })
    expect(again.issues).toEqual([])
    expect(again.list({ query: 'example.com domain' }).entries).toEqual([row])
    expect(again.list().entries[0]!.domainStatus).toBe('fail')
    expect(await again.get(row.id)).toEqual({ ...row, result })

    const txt = await again.exportTranscript(row.id, 'txt')
    expect(txt!.suggestedName).toBe('mailprobe-domain-example.com-2026-11-28T10-00-00-000Z.txt')
    expect(txt!.content).toMatch(/^Mailprobe — Domain readiness · example\.com\n/)
    // The findings and records each check found are written out: an export has no rows to expand.
    for (const text of ['spf item', 'spf record', '_dmarc.example.com', 'v=DMARC1; p=none']) expect(txt!.content).toContain(text)
  })
})
