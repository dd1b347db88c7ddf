import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CompareResultSchema, type CompareJobInput, type CompareProfileSpec, type CompareSample, type ErrorCode, type JobEvent } from '../../../preload/contract'
import { compareToCsv, compareToJson, runCompare } from '../../../main/core/lab'
import { percentile, profileStats, rank } from '../../../main/core/lab/stats'
import { startSandbox, type SandboxHandle } from '../../../main/core/sandbox'
import { ArraySink } from '../../../main/core/transcript/event-sink'
import { expectNoLeaks } from '../../fixtures/secret-scan'

let sb: SandboxHandle
beforeAll(async () => {
  sb = await startSandbox()
})
afterAll(async () => {
  await sb.close()
})

const message = { from: 'lab@example.test', to: ['rcpt@example.test'], subject: 'lab', text: 'latency lab' }

function smtp(name: string, over: Record<string, unknown> = {}): CompareProfileSpec {
  return {
    kind: 'smtp',
    name,
    job: { host: sb.host, port: sb.smtp.starttls, security: 'starttls', tls: { caFile: sb.caFile }, auth: { user: sb.user, secret: sb.password }, message, ...over },
  }
}
function api(name: string, over: Record<string, unknown> = {}): CompareProfileSpec {
  return { kind: 'api', name, job: { provider: 'mailgun', domain: sb.api.domain, baseUrl: sb.api.url, credentials: { key: sb.api.key }, tls: { caFile: sb.caFile }, message, ...over } }
}

async function compare(input: CompareJobInput, signal?: AbortSignal) {
  const sink = new ArraySink()
  const result = await runCompare(input, { jobId: 'lab-job', sink, signal })
  expect(CompareResultSchema.safeParse(result).success).toBe(true)
  return { result, events: sink.events }
}

const openSockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'TLSWrap').length

/** Waits (polling, bounded) for a condition that other parts of this process settle asynchronously. */
async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5))
}

describe('latency lab: scheduling and progress', () => {
  it('interleaves the runs across profiles (A B C A B C …) and reports progress with an estimate', async () => {
    const { result, events } = await compare({ profiles: [smtp('A'), api('B'), smtp('C', { port: sb.smtp.plain, security: 'none', auth: undefined })], runs: 3 })
    expect(result.ok).toBe(true)
    expect(result.completed).toBe(9)
    expect(result.samples.map((s) => s.name)).toEqual(['A', 'B', 'C', 'A', 'B', 'C', 'A', 'B', 'C'])
    expect(result.samples.map((s) => s.run)).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3])
    for (let i = 1; i < result.samples.length; i++) expect(result.samples[i]!.startedMs).toBeGreaterThanOrEqual(result.samples[i - 1]!.startedMs)

    const progress = events.flatMap((e) => (e.type === 'transcript' && e.progress ? [e.progress] : []))
    expect(progress.map((p) => p.done)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(progress.every((p) => p.total === 9)).toBe(true)
    expect(progress[0]!.etaMs).toBeNull()
    expect(progress[1]!.etaMs).toBeGreaterThan(0)
    expect(progress[9]!.etaMs).toBe(0)
    // Every event is the lab job's, in order, and the result comes last.
    expect(events.every((e) => e.jobId === 'lab-job')).toBe(true)
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1))
    expect(events.at(-1)?.type).toBe('result')
    expect(events.filter((e) => e.type === 'result')).toHaveLength(1)
  })

  it('keeps the A B order when several runs are in flight', async () => {
    const { result } = await compare({ profiles: [smtp('A'), api('B')], runs: 4, concurrency: 3 })
    expect(result.ok).toBe(true)
    expect([...result.samples].sort((a, b) => a.seq - b.seq).map((s) => s.name)).toEqual(['A', 'B', 'A', 'B', 'A', 'B', 'A', 'B'])
  })

  it('refuses bad input with INVALID_INPUT and never throws', async () => {
    const one = await compare({ profiles: [smtp('A')] } as CompareJobInput)
    expect(one.result.error?.code).toBe('INVALID_INPUT')
    const dup = await compare({ profiles: [smtp('A'), api('A')] })
    expect(dup.result.error?.message).toMatch(/two profiles are named "A"/)
    const bad = await compare({ profiles: [smtp('A', { port: 0 }), api('B')] })
    expect(bad.result.error?.code).toBe('INVALID_INPUT')
    expect(bad.result.error?.message).toMatch(/profiles\[0\] "A": port/)
    const tooMany = await compare({ profiles: [smtp('A'), api('B')], runs: 201 })
    expect(tooMany.result.error?.code).toBe('INVALID_INPUT')
    expect((await runCompare(null)).error?.code).toBe('INVALID_INPUT')
  })
})

describe('latency lab: cold and warm against the sandbox', () => {
  it('cold: a new connection per run — STARTTLS+AUTH costs 9 round trips, the API 3', async () => {
    const before = sb.stats().connections
    const { result } = await compare({ profiles: [smtp('smtp'), api('api')], runs: 3, mode: 'cold' })
    expect(result.ok).toBe(true)
    const after = sb.stats().connections
    expect(after.starttls - before.starttls).toBe(3)
    expect(after.api - before.api).toBe(3)
    const [s, a] = result.profiles
    // connect, banner, EHLO, STARTTLS, TLS, EHLO, AUTH PLAIN, MAIL+RCPT+DATA (pipelined), end of data; QUIT not counted.
    expect(s!.roundTrips).toBe(9)
    expect(s!.phaseOrder).toEqual(['connect', 'banner', 'ehlo', 'starttls', 'tls', 'ehlo2', 'auth', 'mail', 'rcpt', 'data', 'dataAck'])
    expect(a!.roundTrips).toBe(3)
    expect(a!.phaseOrder).toEqual(['connect', 'tls', 'send', 'wait', 'download'])
    expect(result.samples.every((x) => !x.reused)).toBe(true)
    expect(s!.setup).toBeNull()
    // Every sent message is in the sandbox, under the id the run reported.
    for (const sample of result.samples) expect(sb.inbox.get(sample.messageRef!)).not.toBeNull()
  })

  it('warm: one SMTP session and one keep-alive connection for all runs — 2 round trips and 1', async () => {
    const before = sb.stats().connections
    const { result } = await compare({ profiles: [smtp('smtp'), api('api')], runs: 4, mode: 'warm' })
    expect(result.ok).toBe(true)
    const after = sb.stats().connections
    expect(after.starttls - before.starttls).toBe(1)
    expect(after.api - before.api).toBe(1)
    const [s, a] = result.profiles
    expect(s!.roundTrips).toBe(2)
    expect(s!.phaseOrder).toEqual(['mail', 'rcpt', 'data', 'dataAck'])
    expect(a!.roundTrips).toBe(1)
    expect(a!.phaseOrder).toEqual(['send', 'wait', 'download'])
    expect(result.samples.every((x) => x.reused)).toBe(true)
    // The setup (connect, TLS, AUTH / the key check) is measured apart.
    expect(s!.setup).toMatchObject({ connections: 1, roundTrips: 7 })
    expect(a!.setup).toMatchObject({ connections: 1, roundTrips: 3 })
    for (const sample of result.samples) expect(sb.inbox.get(sample.messageRef!)).not.toBeNull()
  })

  it('warm verify: a NOOP per run on the open session, the key check on the kept connection', async () => {
    const { result } = await compare({ profiles: [smtp('smtp', { message: undefined }), api('api', { message: undefined })], runs: 3, mode: 'warm', action: 'verify' })
    expect(result.ok).toBe(true)
    expect(result.profiles.map((p) => p.roundTrips)).toEqual([1, 1])
    expect(result.profiles[0]!.phaseOrder).toEqual(['noop'])
  })

  it('cold verify: connect, TLS and AUTH, without the QUIT', async () => {
    const { result } = await compare({ profiles: [smtp('smtp'), smtp('tls', { port: sb.smtp.tls, security: 'tls' })], runs: 2, action: 'verify' })
    expect(result.ok).toBe(true)
    expect(result.profiles.map((p) => p.roundTrips)).toEqual([7, 5])
    expect(result.profiles[0]!.phaseOrder).not.toContain('quit')
  })

  it('figures: min ≤ median ≤ p95 ≤ max, the fastest has ratio 1 and wins', async () => {
    const { result } = await compare({ profiles: [smtp('smtp'), api('api')], runs: 3 })
    for (const p of result.profiles) {
      const t = p.totalMs
      expect(t.min!).toBeLessThanOrEqual(t.median!)
      expect(t.median!).toBeLessThanOrEqual(t.p95!)
      expect(t.p95!).toBeLessThanOrEqual(t.max!)
      expect(p.bytes!.sent).toBeGreaterThan(0)
    }
    const winner = result.profiles.find((p) => p.name === result.winner)!
    expect(winner.ratio).toBe(1)
    for (const p of result.profiles) expect(p.ratio!).toBeGreaterThanOrEqual(1)
  })
})

describe('latency lab: failures and cancel', () => {
  it('counts failed runs by error code, keeps the figures of the successful ones, and leaks no secret', async () => {
    const wrongPassword = 'wrong-password-canary'
    const wrongKey = 'wrong-key-canary'
    const { result, events } = await compare({
      profiles: [smtp('bad-smtp', { auth: { user: sb.user, secret: wrongPassword } }), api('bad-api', { credentials: { key: wrongKey } }), api('good')],
      runs: 3,
    })
    expect(result.ok).toBe(false)
    expect(result.error).toBeNull()
    const [s, a, g] = result.profiles
    expect(s).toMatchObject({ ok: false, runs: 3, runsOk: 0, errors: { AUTH_FAILED: 3 } })
    expect(s!.totalMs.median).toBeNull()
    expect(a).toMatchObject({ ok: false, errors: { HTTP_AUTH_FAILED: 3 } })
    expect(g).toMatchObject({ ok: true, runsOk: 3, errors: {} })
    expect(result.winner).toBe('good')
    expect(result.transcript.some((l) => /bad-smtp run 1: FAILED AUTH_FAILED/.test(l.text))).toBe(true)
    expectNoLeaks(JSON.stringify(events), [{ value: wrongPassword }, { value: wrongKey }, { value: sb.password, user: sb.user }], 'lab events')
  })

  it('warm: a session that cannot be opened fails its runs with the reason', async () => {
    const { result } = await compare({ profiles: [smtp('bad', { auth: { user: sb.user, secret: 'nope' } }), api('good')], runs: 2, mode: 'warm' })
    expect(result.profiles[0]).toMatchObject({ runsOk: 0, errors: { AUTH_FAILED: 2 } })
    expect(result.profiles[0]!.setup?.connections).toBe(2)
    expect(result.profiles[1]!.ok).toBe(true)
    expect(result.warnings).toContain('bad: opening the session failed: AUTH_FAILED')
    expect(result.warnings.some((w) => /^bad: 2 connections were opened for 2 runs/.test(w))).toBe(true)
  })

  it('cancel mid-run: nothing new starts, the result covers the finished runs, no socket is left open', async () => {
    const sockets = openSockets()
    for (const mode of ['cold', 'warm'] as const) {
      const controller = new AbortController()
      const sink = {
        events: [] as JobEvent[],
        emit(e: JobEvent) {
          this.events.push(e)
          if (e.type === 'transcript' && e.progress?.done === 3) controller.abort()
        },
      }
      const result = await runCompare({ profiles: [smtp('A'), api('B')], runs: 50, mode }, { sink, signal: controller.signal })
      expect(result.cancelled, mode).toBe(true)
      expect(result.error?.code).toBe('CANCELLED')
      expect(result.ok).toBe(false)
      expect(result.completed).toBeGreaterThanOrEqual(3)
      expect(result.completed).toBeLessThan(10)
      expect(result.samples).toHaveLength(result.completed)
      // Runs cut short by the cancel are not counted as failures.
      expect(result.profiles.every((p) => !('CANCELLED' in p.errors))).toBe(true)
      expect(sink.events.at(-1)?.type).toBe('result')
    }
    // The sandbox's side of each dropped connection closes a moment after ours (it is in this process too).
    await until(() => openSockets() <= sockets)
    expect(openSockets()).toBeLessThanOrEqual(sockets)
  })
})

describe('latency lab: export', () => {
  it('CSV has one row per run with a column per phase; JSON has the figures and samples', async () => {
    const { result } = await compare({ profiles: [smtp('smtp, "quoted"'), api('=api')], runs: 2 })
    const csv = compareToCsv(result)
    const lines = csv.trimEnd().split('\r\n')
    expect(lines).toHaveLength(1 + 4)
    const head = lines[0]!.split(',')
    expect(head.slice(0, 8)).toEqual(['seq', 'profile', 'kind', 'run', 'mode', 'action', 'started_ms', 'ok'])
    expect(head).toContain('phase_dataAck_ms')
    expect(head).toContain('phase_wait_ms')
    expect(lines[1]).toMatch(/^1,"smtp, ""quoted""",smtp,1,cold,send,/)
    // A name that a spreadsheet would run as a formula is defused.
    expect(lines[2]).toMatch(/^2,'=api,api,1,/)
    const json = JSON.parse(compareToJson(result, new Date('2025-01-01T00:00:00Z')))
    expect(json).toMatchObject({ format: 'mailprobe-compare', version: 1, exportedAt: '2025-01-01T00:00:00.000Z', kind: 'compare', runs: 2 })
    expect(json.samples).toHaveLength(4)
    expect(json.transcript).toBeUndefined()
  })
})

describe('latency lab: statistics', () => {
  const sample = (totalMs: number, ok = true, errorCode: ErrorCode | null = null, phases: Record<string, number> = { a: 1 }): CompareSample => ({
    seq: 1,
    profile: 0,
    name: 'x',
    run: 1,
    startedMs: 0,
    ok,
    errorCode,
    totalMs,
    roundTrips: 2,
    bytes: { sent: 10, received: 20 },
    phases,
    reused: false,
    messageRef: null,
  })

  it('percentiles interpolate between ranks', () => {
    expect(percentile([1, 2, 3, 4, 5], 50)).toBe(3)
    expect(percentile([10, 20], 50)).toBe(15)
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 95)).toBeCloseTo(10.5)
    expect(percentile([], 50)).toBeNull()
  })

  it('profile figures use successful runs only; missing phases count as 0; ranking by median', () => {
    const a = profileStats({ name: 'a', kind: 'smtp', target: 't', setups: null }, [sample(10), sample(30), sample(20, true, null, { a: 1, b: 4 }), sample(999, false, 'SOCKET_TIMEOUT')])
    expect(a.totalMs).toEqual({ min: 10, median: 20, p95: 29, max: 30 })
    expect(a.errors).toEqual({ SOCKET_TIMEOUT: 1 })
    expect(a.phasesMedianMs).toEqual({ a: 1, b: 0 })
    expect(a.ok).toBe(false)
    const b = profileStats({ name: 'b', kind: 'api', target: 't', setups: [{ ok: true, totalMs: 50, roundTrips: 3 }] }, [sample(5), sample(5)])
    const none = profileStats({ name: 'c', kind: 'api', target: 't', setups: null }, [sample(1, false, 'AUTH_FAILED')])
    expect(rank([a, b, none])).toBe('b')
    expect([a.ratio, b.ratio, none.ratio]).toEqual([4, 1, null])
    expect(b.setup).toEqual({ connections: 1, medianMs: 50, roundTrips: 3 })
  })
})
