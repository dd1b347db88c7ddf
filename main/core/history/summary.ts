import {
  API_PROVIDER_NAMES,
  domainSenderWords,
  worstStatus,
  type AnyJobResult,
  type ApiProvider,
  type ApiResult,
  type ChecksResult,
  type CompareResult,
  type DomainResult,
  type HistorySummary,
  type ProbeResult,
  type RunAction,
  type SmtpResult,
  type SmtpStage,
} from '../../../preload/contract'
import { checksCountWords } from '../../../preload/contract/checks-job'
import { apiSuccess, deliveryStep, domainCountWords, plural, smtpSuccess, stageOfAction } from '../../../preload/contract/wording'
import { API_PROVIDER_LABELS } from '../report/api'

/** What the runner knows about a run besides its result. */
export interface RunMeta {
  jobId: string
  kind: HistorySummary['kind']
  action: RunAction
  profileId: string | null
  profileName: string | null
  /** ISO time the job started. */
  startedAt: string
  /** The SMTP stage the run stopped after (for the verdict wording of the .txt export). */
  stopAfter?: SmtpStage
  /** Used when the result has no target (input the engine refused): "host:port", provider or host. */
  fallbackTarget?: string
}

/** Provider names as History shows them (a run's target): the reports' names, the generic one named as a kind of target. */
export const PROVIDER_LABELS: Record<ApiProvider, string> = { ...API_PROVIDER_NAMES, generic: 'Generic endpoint' }

/** Summary lines are one line, and short: the full story is in the entry. */
const MAX_SUMMARY = 300

function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  const controls = /[\u0000-\u001f\u007f]+/g
  const flat = text.replace(controls, ' ').replace(/\s+/g, ' ').trim()
  return flat.length > MAX_SUMMARY ? `${flat.slice(0, MAX_SUMMARY - 1)}…` : flat
}

function smtpTarget(r: SmtpResult, meta: RunMeta): string {
  return r.target.host ? `${r.target.host}:${r.target.port}` : (meta.fallbackTarget ?? '')
}

function apiTarget(r: ApiResult, meta: RunMeta): string {
  const label = PROVIDER_LABELS[r.provider]
  try {
    if (r.target.url) return `${label} (${new URL(r.target.url).host})`
  } catch {
    // not a URL: fall through
  }
  return meta.fallbackTarget ?? label
}

function probeTarget(r: ProbeResult, meta: RunMeta): string {
  if (!r.host) return meta.fallbackTarget ?? ''
  return r.mode === 'mx' ? `${r.host} (MX)` : r.host
}

function probeSuccess(r: ProbeResult): string {
  const usable = r.ports.filter((p) => p.usable).map((p) => `${r.mode === 'mx' ? `${p.host}:` : ''}${p.port}${p.security ? ` ${p.security}` : ''}`)
  if (!usable.length) return `no usable ${r.mode === 'mx' ? 'relay' : 'submission'} path — ${r.recommendation.reason}`
  return `usable: ${usable.join(', ')}`
}

function compareTarget(r: CompareResult, meta: RunMeta): string {
  const names = r.profiles.map((p) => p.name)
  return names.length ? names.join(' vs ') : (meta.fallbackTarget ?? '')
}

const ms = (n: number | null) => (n === null ? '–' : n < 100 ? `${n.toFixed(1)} ms` : `${Math.round(n)} ms`)

function compareSuccess(r: CompareResult): string {
  const how = `${plural(r.runs, 'run')} each, ${r.mode}, ${r.action}`
  const figures = r.profiles.map((p) => `${p.name} ${ms(p.totalMs.median)}${p.ratio !== null && p.name !== r.winner ? ` (×${p.ratio.toFixed(2)})` : ''}`).join(' · ')
  const failed = r.profiles.reduce((n, p) => n + p.runs - p.runsOk, 0)
  const head = r.winner ? `fastest: ${r.winner}` : 'no profile had a successful run'
  return `${head} — median ${figures} · ${how}${failed ? ` · ${plural(failed, 'failed run')}` : ''}`
}

function domainTarget(r: DomainResult, meta: RunMeta): string {
  return r.domain || (meta.fallbackTarget ?? '')
}

/** "example.com via SendGrid: 2 fail, 3 warn", "example.com: ready — 9 pass, 2 info". */
function domainSuccess(r: DomainResult): string {
  const sender = domainSenderWords(r.provider)
  return `${r.domain}${sender ? ` via ${sender}` : ''}: ${domainCountWords(r.checks)}`
}

/** "4 of 5 checks pass (1 failed) — first failure: relay verifies: …". */
function checksSuccess(r: ChecksResult): string {
  if (!r.report) return `${r.file}: not run`
  const first = r.report.checks.find((c) => c.status === 'fail' || c.status === 'error')
  const why = first ? ` — ${first.name}: ${first.error ? first.error.code : (first.failures[0]?.message ?? 'failed')}` : ''
  return `${checksCountWords(r.report)}${why}`
}

/**
 * The one-line verdict History shows: the success in a few words, or "CODE — sentence". A send whose
 * delivery was watched adds its step ("· in Inbox after 2.4 s"); when the watch failed, the send
 * still succeeded, so the line is "CODE — the send's success · not seen in 120 s".
 */
export function summaryLine(result: AnyJobResult, meta: Pick<RunMeta, 'action' | 'stopAfter'>): string {
  const step = result.kind === 'smtp' || result.kind === 'api' ? deliveryStep(result) : null
  if (result.error && !step) return oneLine(`${result.error.code} — ${result.error.message}`)
  const code = result.error ? `${result.error.code} — ` : ''
  const delivered = step ? ` · ${step}` : ''
  switch (result.kind) {
    case 'smtp':
      return oneLine(`${code}${smtpSuccess(result, meta.stopAfter ?? stageOfAction(meta.action))}${delivered}`)
    case 'api':
      return oneLine(`${code}${apiSuccess(result, API_PROVIDER_LABELS[result.provider])}${delivered}`)
    case 'probe':
      return oneLine(probeSuccess(result))
    case 'compare':
      return oneLine(compareSuccess(result))
    case 'domain':
      return oneLine(domainSuccess(result))
    case 'checks':
      return oneLine(checksSuccess(result))
  }
}

/** A History row for `result`. */
export function summarize(id: string, meta: RunMeta, result: AnyJobResult): HistorySummary {
  const target = targetOf(result, meta)
  return {
    id,
    jobId: meta.jobId,
    kind: meta.kind,
    action: meta.action,
    profileId: meta.profileId,
    profileName: meta.profileName,
    target: oneLine(target),
    startedAt: meta.startedAt,
    ok: result.ok,
    errorCode: result.error?.code ?? null,
    summary: summaryLine(result, meta),
    totalMs: result.totalMs,
    roundTrips: result.roundTrips,
    // The chip a profile shows for its domain: only a run that finished has a verdict.
    ...(result.kind === 'domain' && !result.error ? { domainStatus: worstStatus(result.checks) } : {}),
  }
}

function targetOf(result: AnyJobResult, meta: RunMeta): string {
  switch (result.kind) {
    case 'smtp':
      return smtpTarget(result, meta)
    case 'api':
      return apiTarget(result, meta)
    case 'probe':
      return probeTarget(result, meta)
    case 'compare':
      return compareTarget(result, meta)
    case 'domain':
      return domainTarget(result, meta)
    case 'checks':
      return result.file || (meta.fallbackTarget ?? '')
  }
}
