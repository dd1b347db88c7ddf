import { beforeEach, describe, expect, it } from 'vitest'
import { createApp } from 'vue'
import { createPinia, setActivePinia } from 'pinia'
import { provideApi } from '@renderer/bridge'
import { useJobsStore } from '@renderer/stores/jobs'
import { createFakeApi, type FakeApi } from './fake-api'
import { line, phase, result, smtpResult } from './events'
import { timeoutEvents, timeoutRun } from './delivery-data'
import { describeVerdict, describeWaiting } from '@renderer/components/result/verdict'
import type { Phase, SmtpPhaseName, TranscriptEvent } from '@contract'

let fake: FakeApi

function setup() {
  fake = createFakeApi()
  const app = createApp({})
  provideApi(app, fake.api)
  const pinia = createPinia()
  app.use(pinia)
  setActivePinia(pinia)
  return useJobsStore()
}

describe('jobs store', () => {
  beforeEach(() => {
    setActivePinia(undefined)
  })

  it('subscribes to job events once and applies them in seq order', async () => {
    const store = setup()
    useJobsStore() // a second use must not subscribe again
    expect(fake.listeners.size).toBe(1)

    const { jobId } = (await store.runSmtp({ host: 'localhost', port: 2525 })) as { ok: true; jobId: string }
    fake.push([line(jobId, 3, 's', '250 ok'), line(jobId, 1, 'info', 'connected'), line(jobId, 2, 'c', 'EHLO x')])
    fake.push([line(jobId, 5, 'c', 'QUIT'), line(jobId, 4, 's', '221 bye')])
    fake.push([line(jobId, 4, 's', '221 bye')]) // a duplicate is dropped

    const job = store.jobs.get(jobId)!
    expect(job.lines.map((l) => l.seq)).toEqual([1, 2, 3, 4, 5])
    expect(job.lineCount).toBe(5)
    expect(job.status).toBe('running')
    expect(store.current?.id).toBe(jobId)
  })

  it('keeps events that arrive before runSmtp answers', async () => {
    const store = setup()
    fake.runSmtp.mockImplementationOnce(async () => {
      fake.push([line('early', 1, 'info', 'connected')])
      return { ok: true, value: { jobId: 'early' } }
    })
    await store.runSmtp({ host: 'localhost' })
    const job = store.jobs.get('early')!
    expect(job.lines).toHaveLength(1)
    expect(job.target).toEqual({ kind: 'smtp', host: 'localhost', port: 587, stopAfter: 'send' })
  })

  it('ends the job with its result event', async () => {
    const store = setup()
    const { jobId } = (await store.runSmtp({ host: 'localhost', stopAfter: 'auth' })) as { ok: true; jobId: string }
    const finalPhases: Phase<SmtpPhaseName>[] = [
      { name: 'connect', startMs: 0, durationMs: 2, roundTrips: 1 },
      { name: 'banner', startMs: 2, durationMs: 3, roundTrips: 1 },
    ]
    fake.push([phase(jobId, 1, finalPhases[0]!), line(jobId, 2, 's', '220 hi')])
    expect(store.jobs.get(jobId)!.phases).toHaveLength(1)
    fake.push([result(jobId, 3, smtpResult({ phases: finalPhases, totalMs: 5 }))])

    const job = store.jobs.get(jobId)!
    expect(job.status).toBe('done')
    expect(job.result?.ok).toBe(true)
    expect(job.result?.totalMs).toBe(5)
    expect(job.phases).toEqual(finalPhases)
  })

  it('a crashed job arrives as a full result (built like every failure) and ends as done with its error', async () => {
    const store = setup()
    const crashed = smtpResult({ ok: false, error: { code: 'INTERNAL', message: 'Mailprobe failed unexpectedly: boom' }, roundTrips: 0, totalMs: 0 })
    fake.push([result('crashed', Number.MAX_SAFE_INTEGER, crashed)])
    const job = store.jobs.get('crashed')!
    expect(job.status).toBe('done')
    expect(job.phases).toEqual([])
    expect(job.result).toMatchObject({ ok: false, error: { code: 'INTERNAL' } })
  })

  it('cancel asks main to cancel the running job, and does nothing once it is done', async () => {
    const store = setup()
    const { jobId } = (await store.runSmtp({ host: 'localhost' })) as { ok: true; jobId: string }
    expect(await store.cancel(jobId)).toBe(true)
    expect(fake.cancelJob).toHaveBeenCalledWith({ jobId })

    fake.push([result(jobId, 1)])
    fake.cancelJob.mockClear()
    expect(await store.cancel(jobId)).toBe(false)
    expect(fake.cancelJob).not.toHaveBeenCalled()
  })

  it('reports a refused request without creating a job', async () => {
    const store = setup()
    fake.runSmtp.mockResolvedValueOnce({ ok: false, error: { code: 'INVALID_INPUT', message: 'host: host is required.' } })
    const outcome = await store.runSmtp({ host: '' })
    expect(outcome).toEqual({ ok: false, error: { code: 'INVALID_INPUT', message: 'host: host is required.' } })
    expect(store.jobs.size).toBe(0)
  })

  it('sends the password to main but never keeps it', async () => {
    const store = setup()
    const secret = 'correct horse battery staple'
    const { jobId } = (await store.runSmtp({
      host: 'localhost',
      stopAfter: 'auth',
      auth: { user: 'alice', secret },
    })) as { ok: true; jobId: string }
    expect(fake.runSmtp.mock.calls[0]![0].auth?.secret).toBe(secret)

    fake.push([line(jobId, 1, 'c', 'AUTH PLAIN [redacted]'), result(jobId, 2)])
    const kept = JSON.stringify({ jobs: [...store.jobs.values()], state: store.$state })
    expect(kept).not.toContain(secret)
    expect(kept).not.toContain('alice')
  })

  it('folds a delivery watch’s countdown into the job, not into its lines (a real run’s events, in ~50 ms batches)', async () => {
    const store = setup()
    const { jobId } = (await store.runSmtp({ host: '127.0.0.1', port: 25 })) as { ok: true; jobId: string }
    const events = timeoutEvents.map((e) => ({ ...e, jobId }))
    const ticks = events.filter((e): e is TranscriptEvent => e.type === 'transcript' && e.progress !== undefined)
    expect(ticks.length).toBeGreaterThanOrEqual(2)
    const job = store.jobs.get(jobId)!

    // Up to the first tick: the watch has begun (its IMAP lines arrived), no countdown yet.
    const firstTick = events.indexOf(ticks[0]!)
    fake.push(events.slice(0, firstTick))
    expect(job.watch).toEqual({ progress: null })
    expect(describeWaiting(job)?.text).toBe('waiting for delivery…')
    const before = job.lineCount

    // Each tick moves the countdown and adds no line.
    for (const tick of ticks) {
      fake.push([tick])
      expect(job.watch!.progress).toEqual(tick.progress)
      expect(describeWaiting(job)?.text).toBe(`waiting for delivery… ${Math.ceil(tick.progress!.etaMs! / 1000)} s left`)
    }
    expect(job.lineCount).toBe(before)
    expect(job.progress).toBeNull() // the lab's progress is another thing

    // The rest arrives; the job ends with exactly the lines the result keeps (no tick among them), its IMAP lines in their lane.
    fake.push(events.slice(firstTick).filter((e) => !ticks.includes(e as TranscriptEvent)))
    expect(job.status).toBe('done')
    expect(job.lines.map(({ t, dir, text, lane }) => ({ t, dir, text, lane }))).toEqual(timeoutRun.transcript.map(({ t, dir, text, lane }) => ({ t, dir, text, lane })))
    expect(job.lines.some((l) => l.lane === 'imap')).toBe(true)
    expect(job.lines.some((l) => l.progress)).toBe(false)
    expect(describeWaiting(job)).toBeNull()
    expect(describeVerdict(job)?.delivery).toEqual({ state: 'failed', text: 'not seen in 3 s' })
  })

  it('unsubscribes when the store is disposed', () => {
    const store = setup()
    expect(fake.listeners.size).toBe(1)
    store.$dispose()
    expect(fake.listeners.size).toBe(0)
  })
})
