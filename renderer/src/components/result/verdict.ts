import type { AnyJobResult, CompareResult, ProbeResult } from '@contract'
import { stageOf, type Job } from '@renderer/stores/jobs'

export interface Verdict {
  ok: boolean
  /** The error code (failure only). */
  code: string | null
  /** The outcome ("Sent", "Verified — …") or, on failure, the sentence that says what to do. */
  message: string
  /** The server's reply or HTTP status, as it came. */
  reply: string | null
  totalMs: string | null
  trips: string | null
  warnings: string[]
  /** TLS verification was off for this run. */
  insecure: boolean
}

const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`

function probeMessage(r: ProbeResult): string {
  const ports = Array.isArray(r.ports) ? r.ports : []
  const open = ports.filter((p) => p.state === 'open').length
  const rec = r.recommendation
  const head = `Probed ${r.host} · ${open} of ${plural(ports.length, 'port')} open`
  if (!rec || rec.port === null) return `${head} · none usable for submission`
  const how = rec.security === 'tls' ? 'implicit TLS' : rec.security === 'starttls' ? 'STARTTLS' : 'no TLS'
  return `${head} · use ${rec.port} with ${how}`
}

function compareMessage(r: CompareResult): string {
  const done = plural(r.completed, 'run')
  const win = r.profiles.find((p) => p.name === r.winner)
  if (!win || win.totalMs.median === null) return `Compared ${r.profiles.map((p) => p.name).join(' vs ')} · ${done}`
  const slowest = r.profiles.reduce((m, p) => (p.ratio !== null && p.ratio > (m?.ratio ?? 0) ? p : m), null as CompareResult['profiles'][number] | null)
  const by = slowest && slowest !== win && slowest.ratio !== null ? ` · ×${slowest.ratio.toFixed(2)} faster than ${slowest.name}` : ''
  return `${win.name} is fastest — median ${win.totalMs.median.toFixed(1)} ms${by} · ${done}`
}

function okMessage(job: Job, r: AnyJobResult): { message: string; reply: string | null } {
  if (r.kind === 'probe') return { message: probeMessage(r), reply: null }
  if (r.kind === 'compare') return { message: compareMessage(r), reply: null }
  if (r.kind === 'api') {
    const status = r.result?.status ?? null
    const reply = status !== null ? `HTTP ${status}${r.result?.messageId ? ` · id ${r.result.messageId}` : ''}` : null
    const action = job.target?.kind === 'profile' ? job.target.action : null
    if (action === 'api-verify' || r.action === 'verify') return { message: 'Key accepted — nothing was sent', reply }
    if (action === 'api-sandbox') return { message: 'Accepted in sandbox mode — nothing was delivered', reply }
    return { message: 'Sent', reply }
  }
  const stage = stageOf(job.target)
  const response = r.kind === 'smtp' ? (r.result?.response ?? null) : null
  if (stage === 'send' || stage === null) return { message: 'Sent', reply: response }
  if (stage === 'auth') {
    const how = r.kind === 'smtp' && r.authMethodUsed ? ` with AUTH ${r.authMethodUsed}` : ''
    return { message: `Verified — connected and authenticated${how}; nothing was sent`, reply: null }
  }
  if (stage === 'rcpt') {
    const accepted = r.kind === 'smtp' && Array.isArray(r.result?.accepted) ? r.result.accepted.length : 0
    return { message: `Envelope accepted — ${plural(accepted, 'recipient')} taken, stopped after RCPT; nothing was sent`, reply: null }
  }
  return { message: `Stopped after ${stage}, as asked; nothing was sent`, reply: null }
}

/** The verdict line for a finished job, null while it runs. Crashed jobs' results carry only ok and error. */
export function describeVerdict(job: Job | null): Verdict | null {
  const r = job?.result
  if (!job || !r) return null
  const totalMs = typeof r.totalMs === 'number' ? `${Math.round(r.totalMs).toLocaleString('en-US')} ms` : null
  // A comparison's round trips are per profile (in its table), not one figure for the whole job.
  const trips = typeof r.roundTrips === 'number' && r.kind !== 'compare' ? plural(r.roundTrips, 'round trip') : null
  const warnings = Array.isArray(r.warnings) ? r.warnings : []
  const insecure = 'tls' in r && r.tls !== null && typeof r.tls === 'object' && 'insecure' in r.tls ? r.tls.insecure : false
  if (!r.ok && !r.error && r.kind === 'probe') {
    // A probe that ran but found no usable path is an answer, not a crash: its recommendation says why.
    return { ok: false, code: null, message: `${probeMessage(r)} — ${r.recommendation?.reason ?? 'no port offers a usable submission path'}`, reply: null, totalMs, trips, warnings, insecure }
  }
  if (!r.ok) {
    const reply = r.error?.reply ? `${r.error.reply.code} ${r.error.reply.text}` : null
    return { ok: false, code: r.error?.code ?? 'INTERNAL', message: r.error?.message ?? 'The job failed.', reply, totalMs, trips, warnings, insecure }
  }
  const { message, reply } = okMessage(job, r)
  return { ok: true, code: null, message, reply, totalMs, trips, warnings, insecure }
}

/** "Running against host:587" while the job streams. */
export function runningLabel(job: Job): string {
  const t = job.target
  if (!t) return 'Running'
  if (t.kind === 'smtp') return `Running against ${t.host}:${t.port}`
  if (t.kind === 'probe') return `Probing ${t.host}${t.ports.length ? ` on ${t.ports.join(', ')}` : ''}`
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
  }[t.action]
  return `${verb} ${t.profileName} · ${t.label}`
}
