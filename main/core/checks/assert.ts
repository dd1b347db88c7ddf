// A check's assertions judged against its engine result: each one that does not hold is a
// failure with what was expected and what was found, in words a pipeline log can show.
import type { ApiResult, CheckEngineResult, CheckExpect, CheckFailure, CheckKind, CompareResult, DomainResult, ProbeResult, SmtpResult, TlsInfo } from '../../../preload/contract'
import { DMARC_POLICIES } from '../../../preload/contract/checks'

const DAY_MS = 86_400_000
const SPF_RANK: Record<string, number> = { pass: 2, warn: 1, fail: 0 }

type Judge = (assertion: string, holds: boolean, expected: string, actual: string, message: string) => void

/** "TLSv1.3" → 1.3; null when not a TLS version. */
function tlsVersion(protocol: string | null | undefined): number | null {
  const m = /^TLSv(\d)(?:\.(\d))?$/.exec(protocol ?? '')
  return m ? Number(`${m[1]}.${m[2] ?? '0'}`) : null
}

function daysLeft(tls: Pick<TlsInfo, 'validTo'>, now: number): number {
  return Math.floor((Date.parse(tls.validTo) - now) / DAY_MS)
}

/** The certificates a result carries: the session's, or each probed port's. */
function tlsOf(kind: CheckKind, result: CheckEngineResult): { where: string; tls: TlsInfo }[] {
  if (kind === 'probe') return (result as ProbeResult).ports.flatMap((p) => (p.tls ? [{ where: `port ${p.port}`, tls: p.tls }] : []))
  const tls = (result as SmtpResult | ApiResult).tls
  return tls ? [{ where: '', tls }] : []
}

const at = (where: string) => (where ? ` on ${where}` : '')

/** The DMARC policy (p=) of the domain check's records; null when none is published. */
function dmarcPolicy(result: DomainResult): (typeof DMARC_POLICIES)[number] | null {
  const check = result.checks.find((c) => c.id === 'dmarc')
  for (const r of check?.records ?? []) {
    const m = /(?:^|;)\s*p\s*=\s*(none|quarantine|reject)\b/i.exec(r.value)
    if (m) return m[1]!.toLowerCase() as (typeof DMARC_POLICIES)[number]
  }
  return null
}

const ms = (n: number) => `${Math.round(n)} ms`

/** What a judge of one assertion sees: the kind and result, `judge` to record a failure, the clock. */
interface Judging {
  kind: CheckKind
  result: CheckEngineResult
  judge: Judge
  now: number
}

type Judged = Exclude<keyof CheckExpect, 'maxMs' | 'errorCode'>

const deliveryOf = (result: CheckEngineResult) => ('delivery' in result ? (result as SmtpResult | ApiResult).delivery : undefined)

/** One judge per assertion of a run that did not fail (or failed only as `delivered: false` allows), in the order failures are listed. */
const JUDGES: { [K in Judged]-?: (want: NonNullable<CheckExpect[K]>, j: Judging) => void } = {
  roundTripsMax(max, { kind, result, judge }) {
    if (kind === 'compare')
      for (const p of (result as CompareResult).profiles)
        judge(
          'roundTripsMax',
          p.roundTrips !== null && p.roundTrips <= max,
          `≤ ${max}`,
          String(p.roundTrips ?? 'none'),
          `profile ${p.name}: a median of ${p.roundTrips ?? 'no'} round trips, more than ${max}`,
        )
    else judge('roundTripsMax', result.roundTrips <= max, `≤ ${max}`, String(result.roundTrips), `${result.roundTrips} round trips, more than ${max}`)
  },
  tlsMin(want, { kind, result, judge }) {
    const min = Number(want)
    const sessions = tlsOf(kind, result)
    if (!sessions.length) judge('tlsMin', false, `TLS ≥ ${want}`, 'no TLS', 'no TLS was negotiated')
    for (const s of sessions) {
      const v = tlsVersion(s.tls.protocol)
      judge('tlsMin', v !== null && v >= min, `TLS ≥ ${want}`, s.tls.protocol, `${s.tls.protocol}${at(s.where)}, older than TLS ${want}`)
    }
  },
  certDaysLeftMin(min, { kind, result, judge, now }) {
    const sessions = tlsOf(kind, result)
    if (!sessions.length) judge('certDaysLeftMin', false, `≥ ${min} days`, 'no certificate', 'no certificate was presented (no TLS)')
    for (const s of sessions) {
      const left = daysLeft(s.tls, now)
      judge('certDaysLeftMin', left >= min, `≥ ${min} days`, `${left} days`, `the certificate${at(s.where)} expires in ${left} days (${s.tls.validTo}), fewer than ${min}`)
    }
  },
  authMechanismsInclude(want, { kind, result, judge }) {
    const offered = kind === 'probe' ? [...new Set((result as ProbeResult).ports.flatMap((p) => p.auth.after ?? p.auth.before ?? []))] : (result as SmtpResult).authMechanisms
    const has = new Set(offered.map((m) => m.toUpperCase()))
    const missing = want.filter((m) => !has.has(m.toUpperCase()))
    judge('authMechanismsInclude', missing.length === 0, want.join(' '), offered.join(' ') || 'none', `AUTH ${missing.join(', ')} not offered (the server offers ${offered.join(', ') || 'none'})`)
  },
  portsOpen(want, { result, judge }) {
    const ports = (result as ProbeResult).ports
    for (const n of want) {
      const state = ports.find((p) => p.port === n)?.state ?? 'not probed'
      judge('portsOpen', state === 'open', `${n} open`, `${n} ${state}`, state === 'not probed' ? `port ${n} was not probed (add it to ports)` : `port ${n} is ${state}`)
    }
  },
  recommendation(want, { result, judge }) {
    const r = (result as ProbeResult).recommendation
    const holds = (want.port === undefined || r.port === want.port) && (want.security === undefined || r.security === want.security)
    const said = r.port === null ? 'no port' : `${r.port} ${r.security ?? ''}`.trim()
    judge('recommendation', holds, [want.port, want.security].filter((x) => x !== undefined).join(' '), said, `the probe recommends ${said}: ${r.reason}`)
  },
  delivered(want, { result, judge }) {
    const seen = deliveryOf(result)?.ok ?? false
    judge(
      'delivered',
      seen === want,
      want ? 'delivered' : 'not delivered',
      seen ? 'delivered' : 'not delivered',
      seen ? 'the message arrived, but it must not' : 'the message was not seen in the mailbox in time',
    )
  },
  folder(want, { result, judge }) {
    const delivery = deliveryOf(result)
    const where = delivery?.ok ? (delivery.junk ? 'junk' : 'inbox') : 'not delivered'
    judge('folder', where === want, want, where, delivery?.ok ? `the message landed in ${delivery.folder ?? where}, not in ${want}` : 'the message was not seen in the mailbox')
  },
  withinS(want, { result, judge }) {
    const delivery = deliveryOf(result)
    const took = delivery?.ok ? delivery.sendToInboxMs : null
    judge(
      'withinS',
      took !== null && took <= want * 1000,
      `≤ ${want} s`,
      took === null ? 'not delivered' : `${(took / 1000).toFixed(1)} s`,
      took === null ? 'the message was not seen in the mailbox' : `the message took ${(took / 1000).toFixed(1)} s to arrive, more than ${want} s`,
    )
  },
  spf(want, { result, judge }) {
    const spf = (result as DomainResult).checks.find((c) => c.id === 'spf')
    const status = spf?.status ?? 'not checked'
    judge('spf', (SPF_RANK[status] ?? -1) >= SPF_RANK[want]!, `${want} or better`, status, spf ? `SPF is ${status}: ${spf.detail}` : 'SPF was not checked')
  },
  dmarcPolicyMin(want, { result, judge }) {
    const policy = dmarcPolicy(result as DomainResult)
    const rank = (p: string | null) => (p === null ? -1 : DMARC_POLICIES.indexOf(p as (typeof DMARC_POLICIES)[number]))
    judge(
      'dmarcPolicyMin',
      rank(policy) >= rank(want),
      `p=${want} or stricter`,
      policy ? `p=${policy}` : 'no DMARC policy',
      policy ? `the DMARC policy is p=${policy}, weaker than p=${want}` : 'no DMARC policy is published',
    )
  },
  p95Ms(want, { result, judge }) {
    for (const p of (result as CompareResult).profiles) {
      const p95 = p.totalMs.p95
      judge(
        'p95Ms',
        p95 !== null && p95 <= want,
        `≤ ${ms(want)}`,
        p95 === null ? 'no successful run' : ms(p95),
        `profile ${p.name}: p95 ${p95 === null ? 'unknown (no run succeeded)' : ms(p95)}, more than ${ms(want)}`,
      )
    }
  },
}

/**
 * The assertions of `expect` that do not hold for `result` (none: the check passes). Without
 * errorCode, a run that failed fails the check (its error as the failure) — unless the only
 * failure expected is the message not arriving (delivered: false). With errorCode, the run must
 * have failed with exactly that code.
 */
export function evaluateAssertions(kind: CheckKind, expect: CheckExpect, result: CheckEngineResult, now = Date.now()): CheckFailure[] {
  const failures: CheckFailure[] = []
  const judge: Judge = (assertion, holds, expected, actual, message) => {
    if (!holds) failures.push({ assertion, expected, actual, message })
  }
  const error = result.error
  if (expect.maxMs !== undefined) judge('maxMs', result.totalMs <= expect.maxMs, `≤ ${ms(expect.maxMs)}`, ms(result.totalMs), `took ${ms(result.totalMs)}, more than the ${ms(expect.maxMs)} allowed`)
  if (expect.errorCode !== undefined) {
    judge(
      'errorCode',
      error?.code === expect.errorCode,
      expect.errorCode,
      error?.code ?? 'success',
      error ? `failed with ${error.code} instead of ${expect.errorCode}: ${error.message}` : `succeeded, but it must fail with ${expect.errorCode}`,
    )
    return failures
  }
  const deliveryMayFail = expect.delivered === false && (error === null || error.code === 'DELIVERY_TIMEOUT')
  const judged = Object.keys(expect).some((k) => k !== 'maxMs')
  if (error && !deliveryMayFail) judge('ok', false, 'success', error.code, error.message)
  // With no assertion but the time, the run must succeed (a domain run with a failing check, a probe with no usable port).
  else if (!error && !judged && !result.ok)
    judge('ok', false, 'success', 'not ok', kind === 'domain' ? 'a domain check fails' : kind === 'probe' ? 'no port offers a usable path' : 'the run did not succeed')
  if (error && !deliveryMayFail) return failures

  const j: Judging = { kind, result, judge, now }
  for (const key of Object.keys(JUDGES) as Judged[]) {
    const want = expect[key]
    if (want !== undefined) (JUDGES[key] as (w: typeof want, j: Judging) => void)(want, j)
  }
  return failures
}

/** The number that mattered, as text: what failed, else the kind's headline figure. */
export function checkFigure(kind: CheckKind, result: CheckEngineResult | null, failures: readonly CheckFailure[]): string {
  if (failures.length) return failures[0]!.actual
  if (!result) return ''
  if (result.error) return result.error.code
  switch (kind) {
    case 'probe': {
      const r = (result as ProbeResult).recommendation
      return r.port === null ? 'no usable port' : `${r.port} ${r.security ?? ''}`.trim()
    }
    case 'domain': {
      const d = result as DomainResult
      const spf = d.checks.find((c) => c.id === 'spf')?.status
      const policy = dmarcPolicy(d)
      return [spf && `SPF ${spf}`, `DMARC ${policy ? `p=${policy}` : 'none'}`].filter(Boolean).join(', ')
    }
    case 'compare': {
      const p95s = (result as CompareResult).profiles.map((p) => p.totalMs.p95).filter((n): n is number => n !== null)
      return p95s.length ? `p95 ${ms(Math.max(...p95s))}` : ms(result.totalMs)
    }
    default: {
      const delivery = (result as SmtpResult | ApiResult).delivery
      if (delivery?.ok && delivery.sendToInboxMs !== null) return `${(delivery.sendToInboxMs / 1000).toFixed(1)} s to ${delivery.junk ? 'junk' : 'inbox'}`
      return ms(result.totalMs)
    }
  }
}
