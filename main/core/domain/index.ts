import { randomUUID } from 'node:crypto'
import {
  DOMAIN_CHECK_TITLES,
  domainJobSchema,
  type ClassifiedError,
  type DomainCheck,
  type DomainCheckId,
  type DomainJob,
  type DomainPhaseName,
  type DomainRecord,
  type DomainResult,
} from '../../../preload/contract'
import { abortError, internalError, isAbort } from '../errors'
import { mapLimit } from '../probe/mx'
import { nullSink, type JobOptions } from '../transcript/event-sink'
import { JobRecorder } from '../transcript/recorder'
import { describeIssues } from '../validation'
import { DOMAIN_CHECKS } from './checks'
import type { CheckFinding, DomainCheckDefinition } from './context'
import { DnsSession } from './dns'
import { domainFailure, providerLabel } from './result'

export { domainFailure } from './result'

/** How many checks run at once (each asks DNS; mx may also probe its hosts). */
export const CHECK_CONCURRENCY = 4

/**
 * Domain readiness: runs every check of DOMAIN_CHECKS against the domain's DNS, at most
 * CHECK_CONCURRENCY at a time, and streams each check as it finishes (an info line carrying the
 * check, and its phase: when it ran and how many DNS questions it sent). Validates `input` with
 * the contract's domainJobSchema. Never throws: a check that breaks becomes an 'info' finding and
 * a warning; cancellation (opts.signal) ends the run as CANCELLED with the checks finished so far.
 */
export async function runDomain(input: unknown, opts: JobOptions = {}, checks: readonly DomainCheckDefinition[] = DOMAIN_CHECKS): Promise<DomainResult> {
  const rec = new JobRecorder<DomainPhaseName>(opts.jobId ?? randomUUID(), opts.sink ?? nullSink)
  for (const line of opts.preface ?? []) rec.line('info', line)
  const parsed = domainJobSchema.safeParse(input)
  if (!parsed.success) return invalid(rec, describeIssues(parsed.error.issues), input)
  const job = parsed.data
  const target = { domain: job.domain, provider: providerLabel(job) }
  // Our own controller: the caller's signal cancels it, and nothing outlives the run.
  const controller = new AbortController()
  const onAbort = () => controller.abort()
  if (opts.signal?.aborted) controller.abort()
  else opts.signal?.addEventListener('abort', onAbort, { once: true })
  let session: DnsSession
  try {
    session = new DnsSession({ servers: job.dnsServers, timeoutMs: job.timeoutMs, signal: controller.signal })
  } catch (err) {
    // node:dns refuses a server the schema let through (e.g. "1.2.3"): the input is at fault.
    return invalid(rec, `dnsServers: ${err instanceof Error ? err.message : String(err)}`, input)
  }
  try {
    return rec.finish(await run(job, rec, session, controller.signal, checks))
  } catch (err) {
    // run() turns every check's failure into a finding; this keeps the promise never to throw, even for a bug.
    const error = internalError(err)
    rec.line('err', `${error.code}: ${error.message}`)
    return rec.finish(domainFailure(error, target, rec))
  } finally {
    opts.signal?.removeEventListener('abort', onAbort)
    controller.abort()
    session.close()
  }
}

function invalid(rec: JobRecorder<DomainPhaseName>, message: string, input: unknown): DomainResult {
  rec.line('err', `INVALID_INPUT: ${message}`)
  const i = (input ?? {}) as { domain?: unknown; provider?: unknown; relay?: unknown }
  const text = (v: unknown) => (typeof v === 'string' ? v.slice(0, 253) : undefined)
  return rec.finish(domainFailure({ code: 'INVALID_INPUT', message }, { domain: text(i.domain) ?? '', provider: providerLabel({ provider: text(i.provider), relay: text(i.relay) }) }, rec))
}

async function run(job: DomainJob, rec: JobRecorder<DomainPhaseName>, session: DnsSession, signal: AbortSignal, definitions: readonly DomainCheckDefinition[]): Promise<DomainResult> {
  const warnings: string[] = []
  const provider = providerLabel(job)
  rec.line(
    'info',
    `checking ${job.domain}${provider ? ` for ${provider}` : ''}: ${definitions.length} checks, at most ${CHECK_CONCURRENCY} at a time; DNS: ${job.dnsServers?.length ? session.servers.join(', ') : "the system's resolver"} (each question at most ${job.timeoutMs} ms)`,
  )
  const order = definitions.map((d) => d.id)
  const done = new Map<DomainCheckId, Deferred<DomainCheck>>(order.map((id) => [id, deferred<DomainCheck>()]))
  const finished: DomainCheck[] = []
  const publish: DomainRecord[] = []
  let dnssec: boolean | null = null

  const runOne = async (def: DomainCheckDefinition, index: number): Promise<void> => {
    const mine = done.get(def.id)!
    if (signal.aborted) return mine.reject(abortError())
    const dns = session.view((text) => rec.line('info', `${def.id}: ${text}`, { detail: true }))
    const startMs = rec.now()
    let finding: CheckFinding
    try {
      finding = await def.run({
        job,
        dns,
        signal,
        note: (text) => rec.line('info', `${def.id}: ${text}`),
        result: (id) => {
          // Only an earlier check may be awaited: it has started already, so no wait can go round in a circle.
          const at = order.indexOf(id)
          if (at < 0 || at >= index) return Promise.reject(new Error(`the ${def.id} check may not wait for the ${id} check (only for one before it)`))
          return done.get(id)!.promise
        },
      })
    } catch (err) {
      if (signal.aborted || isAbort(err)) return mine.reject(abortError())
      const why = err instanceof Error ? err.message : String(err)
      finding = { status: 'info', title: DOMAIN_CHECK_TITLES[def.id], detail: `Mailprobe could not run this check: ${why}.`, records: [] }
      warnings.push(`${DOMAIN_CHECK_TITLES[def.id]}: Mailprobe could not run this check: ${why}.`)
      rec.line('info', `warning: ${DOMAIN_CHECK_TITLES[def.id]}: Mailprobe could not run this check: ${why}`)
    }
    if (signal.aborted) return mine.reject(abortError())
    const durationMs = round(rec.now() - startMs)
    const check: DomainCheck = {
      id: def.id,
      status: finding.status,
      title: finding.title,
      detail: finding.detail,
      records: finding.records,
      items: finding.items ?? [],
      durationMs,
      queries: dns.asked,
    }
    for (const r of finding.publish ?? []) if (!publish.some((p) => p.type === r.type && p.name === r.name && p.value === r.value)) publish.push(r)
    if (typeof finding.dnssec === 'boolean') dnssec = finding.dnssec
    finished.push(check)
    rec.phase({ name: def.id, startMs: round(startMs), durationMs, roundTrips: dns.asked })
    rec.line('info', `${def.id}: ${check.status} — ${check.detail}`, { check })
    mine.resolve(check)
  }

  await mapLimit(definitions, CHECK_CONCURRENCY, runOne)
  const checks = order.flatMap((id) => finished.filter((c) => c.id === id))
  let error: ClassifiedError | null = null
  if (signal.aborted) {
    error = { code: 'CANCELLED', message: `Cancelled after ${checks.length} of ${definitions.length} checks; every DNS question and connection was stopped.` }
    rec.line('err', `${error.code}: ${error.message}`)
  } else rec.line('info', `verdict: ${verdict(checks)}`)
  return {
    ok: !error && !checks.some((c) => c.status === 'fail'),
    kind: 'domain',
    domain: job.domain,
    provider,
    checks,
    publish,
    dnssec,
    error,
    warnings,
    phases: rec.phases,
    totalMs: rec.now(),
    roundTrips: rec.phases.reduce((n, p) => n + p.roundTrips, 0),
    transcript: rec.lines,
  }
}

/** "2 checks fail (spf, dmarc), 1 warns (dkim), 6 pass, 2 say only what they found". */
function verdict(checks: readonly DomainCheck[]): string {
  const of = (s: DomainCheck['status']) => checks.filter((c) => c.status === s)
  const part = (list: DomainCheck[], one: string, many: string, named: boolean) =>
    list.length ? `${list.length} ${list.length === 1 ? one : many}${named ? ` (${list.map((c) => c.id).join(', ')})` : ''}` : null
  const parts = [part(of('fail'), 'check fails', 'checks fail', true), part(of('warn'), 'warns', 'warn', true), part(of('pass'), 'passes', 'pass', false), part(of('info'), 'informs', 'inform', false)]
  return parts.filter(Boolean).join(', ') || 'no checks ran'
}

interface Deferred<T> {
  promise: Promise<T>
  resolve(value: T): void
  reject(err: unknown): void
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void
  let reject!: (err: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  // A check nobody waits for may be cancelled: its rejection is not an unhandled one.
  promise.catch(() => {})
  return { promise, resolve, reject }
}

const round = (ms: number) => Math.round(ms * 1000) / 1000
