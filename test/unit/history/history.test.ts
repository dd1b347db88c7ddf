import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { HISTORY_LIMIT, type HistorySummary, type SmtpResult } from '../../../preload/contract'
import { HistoryStore } from '../../../main/core/history/store'
import { summarize, type RunMeta } from '../../../main/core/history/summary'
import { removeTempDirs, tempDir } from '../ipc/helpers'

afterEach(removeTempDirs)

let n = 0
const at = (i: number) => new Date(Date.UTC(2026, 10, 28, 10, 0, 0) + i * 1000).toISOString()

function smtpResult(over: Partial<SmtpResult> = {}): SmtpResult {
  return {
    ok: true,
    kind: 'smtp',
    error: null,
    warnings: [],
    phases: [
      { name: 'connect', startMs: 0, durationMs: 1.2, roundTrips: 1 },
      { name: 'banner', startMs: 1.2, durationMs: 3.4, roundTrips: 1 },
      { name: 'data', startMs: 4.6, durationMs: 7.7, roundTrips: 2 },
    ],
    totalMs: 12.3,
    roundTrips: 4,
    transcript: [
      { t: 0.4, dir: 'info', text: 'Connecting to 127.0.0.1:2525' },
      { t: 1.2, dir: 's', text: '220 mx.mailprobe.test ESMTP' },
      { t: 12.3, dir: 'c', text: 'EHLO client.example' },
      { t: 14, dir: 'tls', text: 'TLSv1.3 TLS_AES_256_GCM_SHA384' },
      { t: 15.5, dir: 'c', text: 'AUTH PLAIN [redacted]' },
      { t: 16, dir: 'err', text: 'nothing really' },
    ],
    target: { host: '127.0.0.1', port: 2525, security: 'starttls', address: '127.0.0.1' },
    tls: null,
    capabilities: { before: null, after: null },
    authMechanisms: [],
    authMethodUsed: null,
    bytes: { sent: 10, received: 20 },
    result: { messageId: '<m@x>', response: '250 Ok: queued as MPQ000001', accepted: ['b@example.test'], rejected: [], messageSize: 300 },
    ...over,
  }
}

function meta(i: number, over: Partial<RunMeta> = {}): RunMeta {
  return { jobId: `job-${i}`, kind: 'smtp', action: 'send', profileId: null, profileName: null, startedAt: at(i), ...over }
}

function entry(i: number, over: Partial<RunMeta> = {}, result: SmtpResult = smtpResult()): { summary: HistorySummary; result: SmtpResult } {
  return { summary: summarize(`run-${String(++n).padStart(5, '0')}-${i}`, meta(i, over), result), result }
}

async function runFiles(dir: string): Promise<string[]> {
  return (await readdir(join(dir, 'runs')).catch(() => [] as string[])).sort()
}

describe('HistoryStore', () => {
  it('shows a run as soon as it is recorded, and after a restart', async () => {
    const dir = await tempDir()
    const h = await HistoryStore.open({ dir })
    const e = entry(1, { profileId: 'p1', profileName: 'Work relay' })
    const writing = h.record(e.summary, e.result)
    expect(h.list().entries).toEqual([e.summary])
    expect(await h.get(e.summary.id)).toEqual({ ...e.summary, result: e.result })
    await writing
    const again = await HistoryStore.open({ dir })
    expect(again.issues).toEqual([])
    expect(again.list()).toEqual({ entries: [e.summary], total: 1 })
    expect(await again.get(e.summary.id)).toEqual({ ...e.summary, result: e.result })
    expect(await again.get('nope')).toBeNull()
  })

  it('summarises runs in one line with their error code', () => {
    const ok = entry(1, { profileName: 'Work relay' }).summary
    expect(ok).toMatchObject({ target: '127.0.0.1:2525', ok: true, errorCode: null, summary: '250 Ok: queued as MPQ000001', totalMs: 12.3, roundTrips: 4 })
    const failed = entry(2, {}, smtpResult({ ok: false, error: { code: 'AUTH_FAILED', message: 'The server refused the username or password.\nTry again.' } })).summary
    expect(failed).toMatchObject({ ok: false, errorCode: 'AUTH_FAILED', summary: 'AUTH_FAILED — The server refused the username or password. Try again.' })
    const envelope = entry(3, { action: 'envelope' }).summary
    expect(envelope.summary).toBe('1 recipient accepted; nothing sent')
  })

  it('lists newest first, whatever order runs finish in', async () => {
    const h = await HistoryStore.open({ dir: await tempDir() })
    const [a, b, c] = [entry(5), entry(1), entry(9)]
    for (const e of [a, b, c]) await h.record(e.summary, e.result)
    expect(h.list().entries.map((e) => e.jobId)).toEqual(['job-9', 'job-5', 'job-1'])
  })

  it(`keeps the last ${HISTORY_LIMIT} runs, pruning the oldest with their files`, async () => {
    const dir = await tempDir()
    const h = await HistoryStore.open({ dir })
    expect(h.limit).toBe(HISTORY_LIMIT)
    const all = Array.from({ length: HISTORY_LIMIT + 5 }, (_, i) => entry(i))
    // Recorded concurrently, as finishing jobs do: index writes coalesce, run files are written in parallel.
    await Promise.all(all.map((e) => h.record(e.summary, e.result)))
    await h.flush()
    expect(h.size).toBe(HISTORY_LIMIT)
    const listed = h.list({ limit: 500 })
    expect(listed.total).toBe(HISTORY_LIMIT)
    expect(listed.entries[0]!.jobId).toBe(`job-${HISTORY_LIMIT + 4}`)
    expect(listed.entries.at(-1)!.jobId).toBe('job-5')
    const files = await runFiles(dir)
    expect(files).toHaveLength(HISTORY_LIMIT)
    for (const gone of all.slice(0, 5)) {
      expect(files).not.toContain(`${gone.summary.id}.json`)
      expect(await h.get(gone.summary.id)).toBeNull()
    }
    const again = await HistoryStore.open({ dir })
    expect(again.size).toBe(HISTORY_LIMIT)
    expect(again.issues).toEqual([])
  }, 60_000)

  it('prunes with a smaller limit too, one run at a time', async () => {
    const dir = await tempDir()
    const h = await HistoryStore.open({ dir, limit: 3 })
    for (let i = 0; i < 6; i++) {
      const e = entry(i)
      await h.record(e.summary, e.result)
    }
    await h.flush()
    expect(h.list().entries.map((e) => e.jobId)).toEqual(['job-5', 'job-4', 'job-3'])
    expect(await runFiles(dir)).toHaveLength(3)
  })

  it('searches case-insensitively over profile name, target, summary, error code and action; every word must match', async () => {
    const h = await HistoryStore.open({ dir: await tempDir() })
    const rows = [
      entry(1, { profileName: 'Gmail Work', action: 'verify' }, smtpResult({ target: { host: 'smtp.gmail.com', port: 465, security: 'tls', address: null } })),
      entry(2, { profileName: 'Relay', action: 'send' }, smtpResult({ ok: false, error: { code: 'AUTH_FAILED', message: 'Bad password' } })),
      entry(3, { kind: 'smtp', action: 'envelope' }),
    ]
    for (const r of rows) await h.record(r.summary, r.result)
    const ids = (q: string) => h.list({ query: q }).entries.map((e) => e.jobId)
    expect(ids('GMAIL')).toEqual(['job-1'])
    expect(ids('smtp.gmail.com:465')).toEqual(['job-1'])
    expect(ids('auth_failed')).toEqual(['job-2'])
    expect(ids('bad PASSWORD')).toEqual(['job-2'])
    expect(ids('envelope')).toEqual(['job-3'])
    expect(ids('verify gmail')).toEqual(['job-1'])
    expect(ids('verify relay')).toEqual([])
    expect(ids('127.0.0.1')).toEqual(['job-3', 'job-2'])
    expect(h.list({ query: '127.0.0.1', limit: 1, offset: 1 })).toEqual({ entries: [expect.objectContaining({ jobId: 'job-2' })], total: 2 })
  })

  it('deletes runs and their files', async () => {
    const dir = await tempDir()
    const h = await HistoryStore.open({ dir })
    const rows = [entry(1), entry(2), entry(3)]
    for (const r of rows) await h.record(r.summary, r.result)
    expect(await h.delete([rows[0]!.summary.id, rows[2]!.summary.id, 'unknown'])).toBe(2)
    expect(await h.delete(['unknown'])).toBe(0)
    expect(h.list().entries.map((e) => e.jobId)).toEqual(['job-2'])
    await h.flush()
    expect(await runFiles(dir)).toEqual([`${rows[1]!.summary.id}.json`])
    expect((await HistoryStore.open({ dir })).list().entries.map((e) => e.jobId)).toEqual(['job-2'])
  })

  it('deleting a run while it is still being written leaves no file behind', async () => {
    const dir = await tempDir()
    const h = await HistoryStore.open({ dir })
    const e = entry(1)
    const writing = h.record(e.summary, e.result)
    expect(await h.delete([e.summary.id])).toBe(1)
    await writing
    await h.flush()
    expect(await runFiles(dir)).toEqual([])
    expect((await HistoryStore.open({ dir })).size).toBe(0)
  })

  it('exports a transcript as swaks-like text: header, timed lines with direction markers, phase table, verdict', async () => {
    const h = await HistoryStore.open({ dir: await tempDir() })
    const e = entry(1, { profileName: 'Work relay', profileId: 'p1' })
    await h.record(e.summary, e.result)
    const out = (await h.exportTranscript(e.summary.id, 'txt'))!
    expect(out.suggestedName).toBe('mailprobe-send-127.0.0.1-2525-2026-11-28T10-00-01-000Z.txt')
    const lines = out.content.split('\n')
    expect(lines[0]).toBe('Mailprobe — Send · 127.0.0.1:2525 · profile "Work relay"')
    expect(lines[1]).toBe(`Started ${at(1)} · job job-1`)
    expect(out.content).toContain('    0.4 ms  == Connecting to 127.0.0.1:2525\n')
    expect(out.content).toContain('    1.2 ms  <- 220 mx.mailprobe.test ESMTP\n')
    expect(out.content).toContain('   12.3 ms  -> EHLO client.example\n')
    expect(out.content).toContain('   14.0 ms  ~~ TLSv1.3 TLS_AES_256_GCM_SHA384\n')
    expect(out.content).toContain('   15.5 ms  -> AUTH PLAIN [redacted]\n')
    expect(out.content).toContain('   16.0 ms  ** nothing really\n')
    expect(out.content).toMatch(/phase\s+start ms\s+duration ms\s+round trips/)
    expect(out.content).toMatch(/total\s+12\.3\s+4/)
    expect(out.content).toContain('OK — 250 Ok: queued as MPQ000001 · 12.3 ms · 4 round trips')
    expect(out.content).not.toContain('\u001b[')
  })

  it('exports the whole entry as .json', async () => {
    const h = await HistoryStore.open({ dir: await tempDir() })
    const e = entry(1, { action: 'verify' }, smtpResult({ ok: false, error: { code: 'AUTH_FAILED', message: 'no' } }))
    await h.record(e.summary, e.result)
    const out = (await h.exportTranscript(e.summary.id, 'json'))!
    expect(out.suggestedName).toMatch(/^mailprobe-verify-127\.0\.0\.1-2525-.*\.json$/)
    expect(JSON.parse(out.content)).toEqual({ ...e.summary, result: e.result })
    const txt = (await h.exportTranscript(e.summary.id, 'txt'))!
    expect(txt.content).toContain('FAILED AUTH_FAILED — no')
    expect(await h.exportTranscript('missing', 'txt')).toBeNull()
  })

  it('keeps a corrupt index aside, reports it, and rebuilds the list from the run files', async () => {
    const dir = await tempDir()
    const h = await HistoryStore.open({ dir })
    const rows = [entry(1), entry(2)]
    for (const r of rows) await h.record(r.summary, r.result)
    await h.flush()
    await writeFile(join(dir, 'index.json'), '{ broken')
    const again = await HistoryStore.open({ dir })
    expect(again.issues).toHaveLength(1)
    expect(again.issues[0]!.message).toMatch(/The history index file is not valid JSON .*kept as index\.json\.corrupt-.*The list of runs was rebuilt from the saved runs\./)
    expect(again.list().entries).toEqual(rows.map((r) => r.summary).reverse())
    expect(await readFile(again.issues[0]!.movedTo!, 'utf8')).toBe('{ broken')
    // The rebuilt index was saved: the next start is clean.
    expect((await HistoryStore.open({ dir })).issues).toEqual([])
  })

  it('adds back a run whose index write never happened, and drops entries whose file is gone', async () => {
    const dir = await tempDir()
    const h = await HistoryStore.open({ dir })
    const [a, b] = [entry(1), entry(2)]
    await h.record(a.summary, a.result)
    await h.record(b.summary, b.result)
    await h.flush()
    const index = await readFile(join(dir, 'index.json'), 'utf8')
    const c = entry(3)
    await h.record(c.summary, c.result)
    await h.flush()
    // Simulate a crash between the run file and the index: the old index, plus c's run file; and a's file lost.
    await writeFile(join(dir, 'index.json'), index)
    const { unlink } = await import('node:fs/promises')
    await unlink(join(dir, 'runs', `${a.summary.id}.json`))
    const again = await HistoryStore.open({ dir })
    expect(again.issues).toEqual([])
    expect(again.list().entries.map((e) => e.jobId)).toEqual(['job-3', 'job-2'])
  })

  it('removes the temp file of a run file write that a crash cut short, and nothing else', async () => {
    const dir = await tempDir()
    const h = await HistoryStore.open({ dir })
    const e = entry(1)
    await h.record(e.summary, e.result)
    await h.flush()
    // Pid 2147483646 is no running process: its temp files are a dead writer's leftovers.
    const runs = join(dir, 'runs')
    await writeFile(join(runs, 'run-99999-9.json.2147483646-0123456789ab.tmp'), '{"half')
    await writeFile(join(runs, 'notes.txt.2147483646-0123456789ab.tmp'), 'not a run file: left alone')
    const again = await HistoryStore.open({ dir })
    expect(again.issues).toEqual([])
    expect(again.list().entries.map((x) => x.id)).toEqual([e.summary.id])
    expect((await readdir(runs)).sort()).toEqual(['notes.txt.2147483646-0123456789ab.tmp', `${e.summary.id}.json`])
  })

  it('keeps a damaged run file aside, reports it, and drops the run from the list', async () => {
    const dir = await tempDir()
    const h = await HistoryStore.open({ dir })
    const e = entry(1)
    await h.record(e.summary, e.result)
    await writeFile(join(dir, 'runs', `${e.summary.id}.json`), 'garbage')
    expect(await h.get(e.summary.id)).toBeNull()
    expect(h.issues).toHaveLength(1)
    expect(h.issues[0]!.message).toMatch(/history run file is not valid JSON .*That run was left out of History\./)
    expect(h.list().total).toBe(0)
  })

  it('refuses a run id that could escape its folder', async () => {
    const h = await HistoryStore.open({ dir: await tempDir() })
    const e = entry(1)
    await expect(h.record({ ...e.summary, id: '../../evil' }, e.result)).rejects.toThrow(/unusable run id/)
    expect(h.size).toBe(0)
  })
})
