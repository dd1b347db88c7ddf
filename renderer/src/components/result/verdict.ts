import {
  capitalized,
  checksCountWords,
  deliveryStep,
  deliveryWaiting,
  domainCountWords,
  domainSenderWords,
  plural,
  securityWords,
  smtpSuccess,
  type AnyJobResult,
  type ChecksResult,
  type CompareResult,
  type DomainResult,
  type ErrorCode,
  type ProbeResult,
} from '@contract'
import { stageOf, type Job } from '@renderer/stores/jobs'

/** How the delivery step reads: landed in the inbox, in Junk (a warning), waiting, or not proven. */
export type DeliveryState = 'inbox' | 'junk' | 'waiting' | 'failed'

/** The verdict's delivery step: "in Inbox after 2.4 s", "not seen in 120 s", "waiting for delivery… 87 s left". */
export interface DeliveryVerdict {
  state: DeliveryState
  text: string
}

export interface Verdict {
  ok: boolean
  /** The error code (failure only). */
  code: ErrorCode | null
  /** The outcome ("Sent", "Authenticated with PLAIN over TLSv1.3; nothing sent") or, on failure, the sentence that says what to do. */
  message: string
  /** The server's reply or HTTP status, as it came. */
  reply: string | null
  totalMs: string | null
  trips: string | null
  warnings: string[]
  /** TLS verification was off for this run. */
  insecure: boolean
  /** The delivery step, when a mailbox was watched. */
  delivery: DeliveryVerdict | null
  /** A watch that failed after a successful send: its sentence (the message then says what the send did). */
  explanation: string | null
}

/** The delivery step of a finished send, null when no mailbox was watched. */
export function describeDelivery(r: AnyJobResult): DeliveryVerdict | null {
  if (r.kind !== 'smtp' && r.kind !== 'api') return null
  const text = deliveryStep(r)
  if (!text || !r.delivery) return null
  return { state: r.delivery.ok ? (r.delivery.junk ? 'junk' : 'inbox') : 'failed', text }
}

/** The delivery step while the job runs: from the watch's first line on, with its countdown. */
export function describeWaiting(job: Job): DeliveryVerdict | null {
  if (job.status !== 'running' || !job.watch) return null
  return { state: 'waiting', text: deliveryWaiting(job.watch.progress) }
}

function probeMessage(r: ProbeResult): string {
  const open = r.ports.filter((p) => p.state === 'open').length
  const rec = r.recommendation
  const head = `Probed ${r.host} · ${open} of ${plural(r.ports.length, 'port')} open`
  if (rec.port === null) return `${head} · none usable for submission`
  return `${head} · use ${rec.port} with ${securityWords(rec.security ?? 'none')}`
}

function compareMessage(r: CompareResult): string {
  const done = plural(r.completed, 'run')
  const win = r.profiles.find((p) => p.name === r.winner)
  if (!win || win.totalMs.median === null) return `Compared ${r.profiles.map((p) => p.name).join(' vs ')} · ${done}`
  const slowest = r.profiles.reduce((m, p) => (p.ratio !== null && p.ratio > (m?.ratio ?? 0) ? p : m), null as CompareResult['profiles'][number] | null)
  const by = slowest && slowest !== win && slowest.ratio !== null ? ` · ×${slowest.ratio.toFixed(2)} faster than ${slowest.name}` : ''
  return `${win.name} is fastest — median ${win.totalMs.median.toFixed(1)} ms${by} · ${done}`
}

/** "example.com via SendGrid: 2 fail, 3 warn", as History words it. */
function domainMessage(r: DomainResult): string {
  const sender = domainSenderWords(r.provider)
  return `${r.domain}${sender ? ` via ${sender}` : ''}: ${domainCountWords(r.checks)}`
}

/** "mailprobe.checks.yaml: 4 of 5 checks pass (1 failed)". */
function checksMessage(r: ChecksResult): string {
  return `${r.file}: ${r.report ? checksCountWords(r.report) : 'not run'}`
}

function okMessage(job: Job, r: AnyJobResult): { message: string; reply: string | null } {
  if (r.kind === 'checks') return { message: checksMessage(r), reply: null }
  if (r.kind === 'probe') return { message: probeMessage(r), reply: null }
  if (r.kind === 'domain') return { message: domainMessage(r), reply: null }
  if (r.kind === 'compare') return { message: compareMessage(r), reply: null }
  if (r.kind === 'api') {
    const status = r.result.status
    const reply = status !== null ? `HTTP ${status}${r.result.messageId ? ` · id ${r.result.messageId}` : ''}` : null
    const action = job.target?.kind === 'profile' ? job.target.action : null
    if (action === 'api-verify' || r.action === 'verify') return { message: 'Key accepted — nothing was sent', reply }
    if (action === 'api-sandbox') return { message: 'Accepted in sandbox mode — nothing was delivered', reply }
    return { message: 'Sent', reply }
  }
  // A send shows the server's last reply beside "Sent"; a run that stopped earlier says what it proved, as the CLI and History do.
  const stage = stageOf(job.target) ?? 'send'
  if (stage === 'send') return { message: 'Sent', reply: r.result.response }
  return { message: capitalized(smtpSuccess(r, stage)), reply: null }
}

/** The verdict line for a finished job, null while it runs. Every result is whole (a crashed job's too: main builds it with its kind's failure builder). */
export function describeVerdict(job: Job | null): Verdict | null {
  const r = job?.result
  if (!job || !r) return null
  const totalMs = `${Math.round(r.totalMs).toLocaleString('en-US')} ms`
  // A comparison's round trips are per profile (in its table), not one figure for the whole job.
  const trips = r.kind !== 'compare' ? plural(r.roundTrips, 'round trip') : null
  const warnings = r.warnings
  const insecure = (r.kind === 'smtp' || r.kind === 'api') && r.tls !== null ? r.tls.insecure : false
  const delivery = describeDelivery(r)
  if (r.error && delivery) {
    // The send succeeded and the watch did not prove delivery: what the send did, the step, then the sentence that says what to do.
    const { message, reply } = okMessage(job, r)
    return { ok: false, code: r.error.code, message, reply, totalMs, trips, warnings, insecure, delivery, explanation: r.error.message }
  }
  if (r.error) {
    const reply = r.error.reply ? `${r.error.reply.code} ${r.error.reply.text}` : null
    return { ok: false, code: r.error.code, message: r.error.message, reply, totalMs, trips, warnings, insecure, delivery: null, explanation: null }
  }
  if (!r.ok) {
    // Failed without an error is an answer, not a crash: a probe that found no usable path (its recommendation says why), a comparison with failed runs.
    const message =
      r.kind === 'probe'
        ? `${probeMessage(r)} — ${r.recommendation.reason}`
        : r.kind === 'compare'
          ? compareMessage(r)
          : r.kind === 'domain'
            ? domainMessage(r)
            : r.kind === 'checks'
              ? checksMessage(r)
              : 'The job failed.'
    return { ok: false, code: null, message, reply: null, totalMs, trips, warnings, insecure, delivery, explanation: null }
  }
  const { message, reply } = okMessage(job, r)
  return { ok: true, code: null, message, reply, totalMs, trips, warnings, insecure, delivery, explanation: null }
}

/** "Running against host:587" while the job streams. */
export function runningLabel(job: Job): string {
  const t = job.target
  if (!t) return 'Running'
  if (t.kind === 'smtp') return `Running against ${t.host}:${t.port}`
  if (t.kind === 'probe') return `Probing ${t.host}${t.ports.length ? ` on ${t.ports.join(', ')}` : ''}`
  if (t.kind === 'domain') {
    const sender = domainSenderWords(t.provider)
    return `Checking ${t.domain}${sender ? ` for ${sender}` : ''}`
  }
  if (t.kind === 'checks') {
    const p = job.progress
    return `Running the checks of ${t.file}${p ? ` · ${p.done}/${p.total}` : ''}`
  }
  if (t.kind === 'lab') {
    const p = job.progress
    return `Comparing ${t.names.join(' vs ')} · ${t.mode} ${t.action}${p ? ` · ${p.done}/${p.total} runs` : ''}`
  }
  const verb = {
    verify: 'Verifying',
    envelope: 'Testing the envelope on',
    send: 'Sending through',
    'api-send': 'Sending through',
    'api-sandbox': 'Sending (sandbox) through',
    'api-verify': 'Checking the key of',
    probe: 'Probing',
    compare: 'Comparing',
    domain: 'Checking',
    checks: 'Running the checks of',
  }[t.action]
  return `${verb} ${t.profileName} · ${t.label}`
}
