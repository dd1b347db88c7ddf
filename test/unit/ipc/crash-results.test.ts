// A job that crashes still ends with a whole result of its kind, built by the same failure builder
// the engine uses for its own failures: the engines' own last-resort catch, and above them the job
// runner behind IPC and the web bridge. The crash is real: the event sink the engines are given
// throws (as a caller that went away might), so the engine's own error handling fails too.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { z } from 'zod'
import {
  ApiResultSchema,
  CompareResultSchema,
  DomainResultSchema,
  ProbeResultSchema,
  SmtpResultSchema,
  type AnyJobResult,
  type CompareProfileSpec,
  ChecksResultSchema,
  type JobEvent,
  type OperationName,
} from '../../../preload/contract'
import { createClient } from '../../../main/ipc/handlers'
import { runSmtp } from '../../../main/core/smtp'
import { runApi } from '../../../main/core/http'
import { runProbe } from '../../../main/core/probe'
import { runCompare } from '../../../main/core/lab'
import { closedPort } from '../../fixtures/raw-peers'
import { removeTempDirs, testServices, WaitingSink } from './helpers'

const SCHEMAS: Record<AnyJobResult['kind'], z.ZodType> = {
  smtp: SmtpResultSchema,
  api: ApiResultSchema,
  probe: ProbeResultSchema,
  compare: CompareResultSchema,
  domain: DomainResultSchema,
  checks: ChecksResultSchema,
}

/** A whole result of `kind`: it parses with the contract's schema for that kind. */
function expectWhole(result: AnyJobResult, kind: AnyJobResult['kind']): void {
  expect(result.kind).toBe(kind)
  const parsed = SCHEMAS[kind].safeParse(result)
  expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true)
  expect(result.ok).toBe(false)
}

/** A sink that throws on the transcript events `breaks` picks (every one, or only the first that matches), and keeps the rest. */
class BreakingSink extends WaitingSink {
  broken = 0
  constructor(
    private readonly breaks: (event: JobEvent) => boolean,
    private readonly once = false,
  ) {
    super()
  }

  override emit(event: JobEvent): void {
    if (event.type === 'transcript' && (!this.once || this.broken === 0) && this.breaks(event)) {
      this.broken++
      throw new Error('the event sink went away')
    }
    super.emit(event)
  }
}

let port = 0
beforeAll(async () => {
  port = (await closedPort()).port
})
afterEach(removeTempDirs)
afterAll(removeTempDirs)

const smtpJob = () => ({ host: '127.0.0.1', port, security: 'none' as const, stopAfter: 'connect' as const })
const apiJob = () => ({ provider: 'sendgrid' as const, action: 'verify' as const, credentials: { key: 'SG.key-canary-crash' }, baseUrl: `https://127.0.0.1:${port}` })
const probeJob = () => ({ host: '127.0.0.1', ports: [port], timeoutMs: 2000 })
const compareJob = (): { profiles: CompareProfileSpec[]; runs: number; action: 'verify' } => ({
  profiles: [
    { kind: 'smtp', name: 'A', job: smtpJob() },
    { kind: 'smtp', name: 'B', job: smtpJob() },
  ],
  runs: 1,
  action: 'verify',
})

describe('the engines keep their promise: a crash is a whole result', () => {
  it('SMTP: the session’s own error line cannot be written', async () => {
    const sink = new BreakingSink((e) => e.type === 'transcript' && e.dir === 'err', true)
    const result = await runSmtp(smtpJob(), { sink })
    expect(sink.broken).toBe(1)
    expectWhole(result, 'smtp')
    expect(result.error).toMatchObject({ code: 'INTERNAL', message: 'Mailprobe failed unexpectedly: the event sink went away' })
    expect(result.target).toMatchObject({ host: '127.0.0.1', port })
    expect(result.transcript.at(-1)).toMatchObject({ dir: 'err', text: 'INTERNAL: Mailprobe failed unexpectedly: the event sink went away' })
  })

  it('API: the request’s own error line cannot be written', async () => {
    const sink = new BreakingSink((e) => e.type === 'transcript' && e.dir === 'err', true)
    const result = await runApi(apiJob(), { sink })
    expect(sink.broken).toBe(1)
    expectWhole(result, 'api')
    expect(result).toMatchObject({ provider: 'sendgrid', action: 'verify', error: { code: 'INTERNAL' } })
    expect(JSON.stringify(result)).not.toContain('key-canary-crash')
  })

  it('probe: the recommendation cannot be written', async () => {
    const sink = new BreakingSink((e) => e.type === 'transcript' && e.text.startsWith('recommendation:'), true)
    const result = await runProbe(probeJob(), { sink })
    expect(sink.broken).toBe(1)
    expectWhole(result, 'probe')
    expect(result).toMatchObject({ host: '127.0.0.1', mode: 'host', error: { code: 'INTERNAL' }, recommendation: { port: null } })
  })

  it('latency lab: its first line cannot be written', async () => {
    const sink = new BreakingSink(() => true, true)
    const result = await runCompare(compareJob(), { sink })
    expect(sink.broken).toBe(1)
    expectWhole(result, 'compare')
    expect(result).toMatchObject({ runs: 1, action: 'verify', mode: 'cold', completed: 0, error: { code: 'INTERNAL' } })
  })
})

describe('the job runner (IPC and the web bridge): an engine that rejects still ends with a whole result', () => {
  it('for every kind of job, direct and from a profile', async () => {
    const { services } = await testServices()
    // Every transcript line throws, so the engines' own last-resort catch fails too and the job rejects.
    const sink = new BreakingSink(() => true)
    const client = createClient(sink, services)
    const smtpProfile = await services.profiles.save({ profile: { kind: 'smtp', name: 'S', host: '127.0.0.1', port, security: 'none', authMethod: 'none' } })
    const smtpProfile2 = await services.profiles.save({ profile: { kind: 'smtp', name: 'S2', host: '127.0.0.1', port, security: 'none', authMethod: 'none' } })
    const apiProfile = await services.profiles.save({ profile: { kind: 'api', name: 'A', provider: 'sendgrid', baseUrl: `https://127.0.0.1:${port}` }, secret: { primary: 'SG.key-canary-profile' } })

    const jobs: [OperationName, unknown, AnyJobResult['kind']][] = [
      ['runSmtp', smtpJob(), 'smtp'],
      ['runApi', apiJob(), 'api'],
      ['runProbe', probeJob(), 'probe'],
      ['runProfile', { profileId: smtpProfile.id, action: 'verify' }, 'smtp'],
      ['runProfile', { profileId: apiProfile.id, action: 'api-verify' }, 'api'],
      ['runCompare', { profileIds: [smtpProfile.id, smtpProfile2.id], runs: 1, action: 'verify' }, 'compare'],
      // Its first line already throws; no DNS question leaves (and one would go to a closed loopback port).
      ['runDomain', { domain: 'example.test', dnsServers: [`127.0.0.1:${port}`], probeMx: false, timeoutMs: 500 }, 'domain'],
    ]
    for (const [name, input, kind] of jobs) {
      const started = await client.dispatch(name, input)
      if (!started.ok) throw new Error(`${name} refused: ${started.error.message}`)
      const { jobId } = started.value as { jobId: string }
      const result = await sink.result(jobId)
      expectWhole(result, kind)
      expect(result.error, name).toMatchObject({ code: 'INTERNAL', message: 'Mailprobe failed unexpectedly: the event sink went away' })
    }
    expect(JSON.stringify(sink.events)).not.toMatch(/key-canary/)
  })
})
