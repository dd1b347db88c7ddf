import { randomUUID } from 'node:crypto'
import type tls from 'node:tls'
import {
  PROBE_DEFAULT_PORTS,
  PROBE_MX_DEFAULT_PORTS,
  probeJobSchema,
  type ClassifiedError,
  type ProbeAddress,
  type ProbeJob,
  type ProbeMxHost,
  type ProbePort,
  type ProbeRecommendation,
  type ProbePhaseName,
  type ProbeResult,
} from '../../../preload/contract'
import { EngineError, internalError, isAbort } from '../errors'
import { resolveServer, type Lookup } from '../net/dial'
import { recorderLog } from '../net/log'
import { resolveHost, type Resolved } from '../net/resolve'
import { buildTlsOptions, isIpLiteral } from '../net/tls'
import { nullSink, type JobOptions } from '../transcript/event-sink'
import { JobRecorder } from '../transcript/recorder'
import { Redactor, secretsOf } from '../transcript/redact'
import { describeIssues } from '../validation'
import { lookupMx, mapLimit, MX_CONCURRENCY, systemResolveMx, type ResolveMx } from './mx'
import { blank, complete, probePort } from './port'
import { PortLog } from './port-log'
import { recommend } from './recommend'
import { noRecommendation, probeFailure } from './result'

export { diagnose } from './diagnose'
export { recommend, isUsable, workingPath, securityOf } from './recommend'
export { sniffFirstBytes, overTls } from './sniff'
export { printable } from '../transcript/printable'
export { extensionsOf } from './extensions'

/** DNS hooks, so tests (and the sandbox) never touch real DNS. */
export interface ProbeDns {
  /** MX lookup for domain mode; default: dns.promises.resolveMx. */
  resolveMx?: ResolveMx
  /** A/AAAA lookup of each probed host; default: the system resolver (so /etc/hosts works). */
  lookup?: Lookup
}

export interface RunProbeOptions extends JobOptions {
  dns?: ProbeDns
}

/**
 * Probes a host's mail ports (or, with `mx`, a domain's MX hosts), all ports concurrently, each
 * step bounded by the timeout. Validates `input` with the contract's probeJobSchema. Never throws:
 * every failure is in the result. Emits transcript lines (tagged with their port) and phases to
 * `opts.sink`, then one result event. Every socket is closed when it resolves.
 */
export async function runProbe(input: unknown, opts: RunProbeOptions = {}): Promise<ProbeResult> {
  const jobId = opts.jobId ?? randomUUID()
  const rec = new JobRecorder<ProbePhaseName>(jobId, opts.sink ?? nullSink, new Redactor(secretsOf(input)))
  const parsed = probeJobSchema.safeParse(input)
  if (!parsed.success) {
    const message = describeIssues(parsed.error.issues)
    rec.line('err', `INVALID_INPUT: ${message}`)
    const i = (input ?? {}) as { host?: unknown; mx?: unknown; timeoutMs?: unknown }
    const target = {
      host: typeof i.host === 'string' ? i.host.slice(0, 253) : '',
      mode: i.mx === true ? ('mx' as const) : ('host' as const),
      timeoutMs: typeof i.timeoutMs === 'number' ? i.timeoutMs : 0,
    }
    return rec.finish(probeFailure({ code: 'INVALID_INPUT', message }, target, rec))
  }
  // Our own controller: the caller's signal cancels it, and nothing outlives the job.
  const controller = new AbortController()
  const onAbort = () => controller.abort()
  if (opts.signal?.aborted) controller.abort()
  else opts.signal?.addEventListener('abort', onAbort, { once: true })
  try {
    return rec.finish(await probe(parsed.data, rec, controller.signal, opts.dns ?? {}))
  } catch (err) {
    // probe() classifies its own failures; this is the promise that runProbe never throws, kept even for a bug.
    const error = internalError(err)
    rec.line('err', `${error.code}: ${error.message}`)
    return rec.finish(probeFailure(error, { host: parsed.data.host, mode: parsed.data.mx ? 'mx' : 'host', timeoutMs: parsed.data.timeoutMs }, rec))
  } finally {
    opts.signal?.removeEventListener('abort', onAbort)
    controller.abort()
  }
}

interface Shared {
  job: ProbeJob
  rec: JobRecorder<ProbePhaseName>
  signal: AbortSignal
  ports: number[]
  tlsBase: tls.ConnectionOptions
  lookup: NonNullable<ProbeDns['lookup']>
}

async function probe(job: ProbeJob, rec: JobRecorder<ProbePhaseName>, signal: AbortSignal, dns: ProbeDns): Promise<ProbeResult> {
  const mode = job.mx ? 'mx' : 'host'
  const ports = job.ports ?? [...(job.mx ? PROBE_MX_DEFAULT_PORTS : PROBE_DEFAULT_PORTS)]
  const warnings: string[] = []
  const warn = (text: string) => {
    warnings.push(text)
    rec.line('info', `warning: ${text}`)
  }
  const base = { host: job.host, mode, timeoutMs: job.timeoutMs, warnings } as const
  rec.line(
    'info',
    `probing ${mode === 'mx' ? `the MX hosts of ${job.host}` : job.host} on port${ports.length > 1 ? 's' : ''} ${ports.join(', ')} (each step at most ${job.timeoutMs} ms); listening before speaking, never AUTH, never MAIL`,
  )
  if (job.tls.insecure) warn('TLS certificate verification is OFF for this run: certificates are reported, but a bad one does not disqualify a port.')

  let tlsBase: tls.ConnectionOptions
  try {
    tlsBase = await buildTlsOptions(job.host, job.tls)
  } catch (err) {
    const error = classify(err)
    rec.line('err', `${error.code}: ${error.message}`)
    return result(rec, { ...base, error })
  }
  const shared: Shared = { job, rec, signal, ports, tlsBase, lookup: dns.lookup ?? resolveHost }

  if (mode === 'host') {
    const found = await probeHost(shared, job.host, '')
    const error = signal.aborted ? cancelledError() : found.error
    for (const w of expiryWarnings(found.ports)) warn(w)
    return finish(rec, { ...base, addresses: found.addresses, ports: found.ports, error }, job)
  }

  let answer
  const t0 = rec.now()
  try {
    answer = await lookupMx(job.host, dns.resolveMx ?? systemResolveMx, job.timeoutMs, signal)
  } catch (err) {
    const error = classify(err)
    rec.line('err', `${error.code}: ${error.message}`)
    return result(rec, { ...base, error })
  }
  rec.phase({ name: 'dns (MX)', startMs: t0, durationMs: rec.now() - t0, roundTrips: 0 })
  if (answer.nullMx) {
    rec.line('info', `${job.host} publishes a null MX (RFC 7505): it accepts no mail`)
    const recommendation = { port: null, host: null, security: null, reason: `${job.host} publishes a null MX (RFC 7505): the domain accepts no mail at all.` }
    return result(rec, { ...base, mx: { domain: job.host, implicit: false, nullMx: true, hosts: [] }, recommendation })
  }
  rec.line(
    'info',
    answer.implicit
      ? `${job.host} has no MX record: the domain itself is the mail host (implicit MX, RFC 5321 §5.1)`
      : `MX of ${job.host}: ${answer.records.map((r) => `${r.priority} ${r.exchange}`).join(', ')}`,
  )
  if (answer.dropped) warn(`${job.host} has ${answer.dropped} more MX hosts than the ${answer.records.length} probed.`)
  const hosts = await mapLimit(answer.records, MX_CONCURRENCY, async (r) => ({ record: r, ...(await probeHost(shared, r.exchange, `${r.exchange}: `)) }))
  const mxHosts: ProbeMxHost[] = hosts.map((h) => ({ exchange: h.record.exchange, priority: h.record.priority, addresses: h.addresses, error: h.error }))
  const all = hosts.flatMap((h) => h.ports)
  for (const w of expiryWarnings(all)) warn(w)
  return finish(rec, { ...base, ports: all, mx: { domain: job.host, implicit: answer.implicit, nullMx: false, hosts: mxHosts }, error: signal.aborted ? cancelledError() : null }, job)
}

/** Resolves one host and probes all its ports concurrently. A lookup failure marks every port. */
async function probeHost(s: Shared, host: string, prefix: string): Promise<{ addresses: ProbeAddress[]; ports: ProbePort[]; error: ClassifiedError | null }> {
  const { rec, job } = s
  const opts = { mode: job.mx ? ('mx' as const) : ('host' as const), insecure: job.tls.insecure }
  let resolved: Resolved | null
  try {
    resolved = await resolveServer(host, { network: job.network, timeoutMs: job.timeoutMs, signal: s.signal, log: recorderLog(rec), lookup: s.lookup, prefix })
  } catch (err) {
    const error = isAbort(err) ? cancelledError() : classify(err)
    rec.line('err', `${prefix}${error.code}: ${error.message}`)
    return { addresses: [], ports: s.ports.map((port) => complete({ ...blank(host, port), error }, opts)), error }
  }
  const addresses = (resolved?.addresses ?? []).map((a) => ({ address: a.address, family: a.family }))
  const bare = host.replace(/^\[(.*)\]$/, '$1')
  const servername = job.tls.servername ?? bare
  const tlsOptions: tls.ConnectionOptions = { ...s.tlsBase, servername: job.tls.servername ?? (isIpLiteral(bare) ? undefined : bare) }
  const ports = await Promise.all(
    s.ports.map((port) =>
      probePort({
        log: new PortLog(rec, port, prefix),
        host,
        resolved,
        network: job.network,
        port,
        timeoutMs: job.timeoutMs,
        signal: s.signal,
        tlsOptions,
        servername,
        insecure: job.tls.insecure,
        ehloName: job.ehloName,
        mode: opts.mode,
      }),
    ),
  )
  return { addresses, ports, error: null }
}

/** A certificate that verifies but expires soon is worth a warning of its own. */
function expiryWarnings(ports: ProbePort[]): string[] {
  return ports
    .filter((p) => p.tls && !p.tls.verification && p.tls.daysUntilExpiry !== null && p.tls.daysUntilExpiry < 14)
    .map((p) => `The certificate on port ${p.port} expires in ${p.tls!.daysUntilExpiry} days.`)
}

type ResultParts = Pick<ProbeResult, 'host' | 'mode' | 'timeoutMs'> & {
  error?: ClassifiedError | null
  addresses?: ProbeAddress[]
  ports?: ProbePort[]
  mx?: ProbeResult['mx']
  warnings?: string[]
  recommendation?: ProbeRecommendation
}

function finish(rec: JobRecorder<ProbePhaseName>, r: ResultParts, job: ProbeJob): ProbeResult {
  const ports = r.ports ?? []
  const recommendation = r.error?.code === 'CANCELLED' ? cancelledRecommendation() : recommend(ports, { mode: r.mode, insecure: job.tls.insecure })
  rec.line('info', `recommendation: ${recommendation.reason}`)
  return result(rec, { ...r, recommendation })
}

function result(rec: JobRecorder<ProbePhaseName>, r: ResultParts): ProbeResult {
  const ports = r.ports ?? []
  const error = r.error ?? null
  return {
    ok: !error && ports.some((p) => p.usable),
    kind: 'probe',
    mode: r.mode,
    host: r.host,
    addresses: r.addresses ?? [],
    timeoutMs: r.timeoutMs,
    ports,
    mx: r.mx ?? null,
    recommendation: r.recommendation ?? (error ? noRecommendation(error) : { port: null, host: null, security: null, reason: 'No port was probed.' }),
    error,
    warnings: r.warnings ?? [],
    phases: rec.phases,
    totalMs: rec.now(),
    roundTrips: rec.phases.reduce((n, p) => n + p.roundTrips, 0),
    transcript: rec.lines,
  }
}

function classify(err: unknown): ClassifiedError {
  if (err instanceof EngineError) return err.info
  if (isAbort(err)) return cancelledError()
  return internalError(err)
}

const cancelledError = (): ClassifiedError => ({ code: 'CANCELLED', message: 'Cancelled before the probe finished; every connection was closed.' })
const cancelledRecommendation = (): ProbeRecommendation => ({ port: null, host: null, security: null, reason: 'The probe was cancelled before every port had answered.' })
