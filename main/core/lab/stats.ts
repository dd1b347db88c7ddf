/**
 * The lab's figures from its samples: per profile min / median / p95 / max of the successful
 * runs' totals, the median of each phase, round trips and bytes, failures by code, and each
 * profile's median over the fastest one's; when it measured to the inbox, the same spread of
 * accepted → inbox and send → inbox over the runs whose message was seen.
 */
import type { CompareDeliveryStats, CompareProfileStats, CompareSample } from '../../../preload/contract'

/** Linear interpolation between closest ranks (test/bench uses it too). */
export function percentile(xs: readonly number[], p: number): number | null {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (!s.length) return null
  const rank = (p / 100) * (s.length - 1)
  const lo = Math.floor(rank)
  const hi = Math.ceil(rank)
  return s[lo]! + (s[hi]! - s[lo]!) * (rank - lo)
}

export const median = (xs: readonly number[]): number | null => percentile(xs, 50)

const round = (n: number | null): number | null => (n === null ? null : Math.round(n * 1000) / 1000)

type Spread = CompareProfileStats['totalMs']

/** min / median / p95 / max (nulls when there is nothing to measure). */
function spread(xs: readonly number[]): Spread {
  return { min: round(percentile(xs, 0)), median: round(median(xs)), p95: round(percentile(xs, 95)), max: round(percentile(xs, 100)) }
}

export interface ProfileSetup {
  ok: boolean
  totalMs: number
  roundTrips: number
}

export interface ProfileFacts {
  name: string
  kind: 'smtp' | 'api'
  target: string
  /** Setup runs of warm connections (null in cold mode). */
  setups: ProfileSetup[] | null
  /** The comparison measured to the inbox (the profile's `delivery` figures are null otherwise). */
  toInbox?: boolean
}

/** Figures of one profile from its samples (ratio filled in by `rank`). */
export function profileStats(facts: ProfileFacts, samples: readonly CompareSample[]): CompareProfileStats {
  const ok = samples.filter((s) => s.ok)
  const errors: CompareProfileStats['errors'] = {}
  for (const s of samples) {
    if (s.ok) continue
    const code = s.errorCode ?? 'INTERNAL'
    errors[code] = (errors[code] ?? 0) + 1
  }
  const totals = ok.map((s) => s.totalMs)
  const phaseOrder: string[] = []
  for (const s of ok) for (const name of Object.keys(s.phases)) if (!phaseOrder.includes(name)) phaseOrder.push(name)
  const phasesMedianMs: Record<string, number> = {}
  for (const name of phaseOrder) phasesMedianMs[name] = round(median(ok.map((s) => s.phases[name] ?? 0))) ?? 0
  const setups = facts.setups
  const goodSetups = setups?.filter((s) => s.ok) ?? []
  return {
    name: facts.name,
    kind: facts.kind,
    target: facts.target,
    ok: samples.length > 0 && ok.length === samples.length,
    runs: samples.length,
    runsOk: ok.length,
    errors,
    totalMs: spread(totals),
    phasesMedianMs,
    phaseOrder,
    roundTrips: median(ok.map((s) => s.roundTrips)),
    bytes: ok.length ? { sent: median(ok.map((s) => s.bytes.sent))!, received: median(ok.map((s) => s.bytes.received))! } : null,
    ratio: null,
    setup: setups ? { connections: setups.length, medianMs: round(median(goodSetups.map((s) => s.totalMs))), roundTrips: median(goodSetups.map((s) => s.roundTrips)) } : null,
    delivery: facts.toInbox ? deliveryStats(samples) : null,
  }
}

/** Time to the inbox over the runs whose message was seen; runs not seen are failures, counted by code with the others. */
export function deliveryStats(samples: readonly CompareSample[]): CompareDeliveryStats {
  const watched = samples.flatMap((s) => (s.delivery ? [s.delivery] : []))
  const seen = watched.filter((d) => d.seen)
  const figures = (pick: (d: (typeof seen)[number]) => number | null) => seen.map(pick).filter((ms): ms is number => ms !== null)
  return {
    watched: watched.length,
    seen: seen.length,
    junk: seen.filter((d) => d.junk).length,
    alreadyThere: seen.filter((d) => d.alreadyThere).length,
    acceptedToInboxMs: spread(figures((d) => d.acceptedToInboxMs)),
    sendToInboxMs: spread(figures((d) => d.sendToInboxMs)),
  }
}

/** Fills in each profile's ratio (its median over the fastest median) and returns the winner's name. */
export function rank(stats: CompareProfileStats[]): string | null {
  let best: CompareProfileStats | null = null
  for (const s of stats) if (s.totalMs.median !== null && (best === null || s.totalMs.median < best.totalMs.median!)) best = s
  for (const s of stats) s.ratio = best && s.totalMs.median !== null ? round(best.totalMs.median! > 0 ? s.totalMs.median / best.totalMs.median! : 1) : null
  return best?.name ?? null
}

/** The profile whose messages reached the mailbox soonest: the lowest median send → inbox (null when none was seen). */
export function rankToInbox(stats: readonly CompareProfileStats[]): string | null {
  let best: { name: string; ms: number } | null = null
  for (const s of stats) {
    const ms = s.delivery?.sendToInboxMs.median ?? null
    if (ms !== null && (best === null || ms < best.ms)) best = { name: s.name, ms }
  }
  return best?.name ?? null
}
