import type { CompareProfileStats, CompareResult } from '@contract'
import { phaseKind, type PhaseKind } from '@renderer/components/result/phase-kind'

/** Milliseconds for the tables and the waterfall: 2 decimals under 10, 1 under 100, whole above. */
export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–'
  return ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : Math.round(ms).toLocaleString('en-US')
}

/** "3.2 s", "1 min 5 s", "450 ms". */
export function formatEta(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const m = Math.floor(ms / 60_000)
  return `${m} min ${Math.round((ms - m * 60_000) / 1000)} s`
}

/** 'gap': the part of the median total that no phase accounts for (set-up before connecting, client work between phases). */
export type SegmentKind = PhaseKind | 'gap'

export interface StackSegment {
  name: string
  kind: SegmentKind
  ms: number
  /** Share of the widest stack, in % of the chart width. */
  width: number
  /** Alternate shade within a run of one hue, so neighbours stay apart. */
  shade: boolean
}

export interface StackRow {
  name: string
  kind: 'smtp' | 'api'
  winner: boolean
  /** The median total (what the table shows); the bar's length. */
  totalMs: number
  /** The sum of the median phases. */
  phasesMs: number
  segments: StackSegment[]
}

export const GAP_SEGMENT = 'outside phases'

/**
 * One stacked bar per profile, to a common scale: its median phases in waterfall order, then (in
 * grey) what is left of its median total — medians do not add up, and a run spends time outside
 * any phase (set-up before connecting, client work between phases) — so each bar is as long as
 * the median in the table.
 */
export function stackRows(r: CompareResult): StackRow[] {
  const sums = r.profiles.map((p) => p.phaseOrder.reduce((n, name) => n + (p.phasesMedianMs[name] ?? 0), 0))
  const totals = r.profiles.map((p, i) => Math.max(p.totalMs.median ?? 0, sums[i]!))
  const scale = Math.max(1e-9, ...totals)
  return r.profiles.map((p, i) => {
    let last: SegmentKind | null = null
    let shade = false
    const parts: { name: string; ms: number; kind: SegmentKind }[] = p.phaseOrder.map((name) => ({ name, ms: p.phasesMedianMs[name] ?? 0, kind: phaseKind(name) }))
    const gap = totals[i]! - sums[i]!
    if (gap > totals[i]! * 0.005) parts.push({ name: GAP_SEGMENT, ms: gap, kind: 'gap' })
    const segments = parts
      .filter((s) => s.ms > 0)
      .map((s) => {
        shade = s.kind === last ? !shade : false
        last = s.kind
        return { ...s, width: (s.ms / scale) * 100, shade }
      })
    return { name: p.name, kind: p.kind, winner: p.name === r.winner, totalMs: totals[i]!, phasesMs: sums[i]!, segments }
  })
}

/** Errors by code as "CODE×n, CODE×n" (or null). */
export function errorsText(p: CompareProfileStats): string | null {
  const e = Object.entries(p.errors)
  return e.length ? e.map(([code, n]) => `${code}×${n}`).join(', ') : null
}

export interface StripRow {
  name: string
  winner: boolean
  /** Successful runs' totals, as % of the scale. */
  dots: { x: number; ms: number; run: number }[]
  medianX: number | null
  failed: number
}

/** The distribution strip: every successful run's total on one scale shared by all profiles. */
export function stripRows(r: CompareResult): { rows: StripRow[]; maxMs: number } {
  const ok = r.samples.filter((s) => s.ok)
  const maxMs = Math.max(1, ...ok.map((s) => s.totalMs))
  const rows = r.profiles.map((p, i) => {
    const mine = r.samples.filter((s) => s.profile === i)
    return {
      name: p.name,
      winner: p.name === r.winner,
      dots: mine.filter((s) => s.ok).map((s) => ({ x: (s.totalMs / maxMs) * 100, ms: s.totalMs, run: s.run })),
      medianX: p.totalMs.median === null ? null : (p.totalMs.median / maxMs) * 100,
      failed: mine.filter((s) => !s.ok).length,
    }
  })
  return { rows, maxMs }
}

/** The comparison measured to the inbox (a result from before the lab could has no `delivery` figures). */
export function measuredToInbox(r: CompareResult): boolean {
  return Boolean(r.toInbox) || r.profiles.some((p) => p.delivery)
}

/** "3/3", "2/3 · 1 in Junk" (or – when not measured). */
export function seenText(p: CompareProfileStats): string {
  const d = p.delivery
  if (!d) return '–'
  return `${d.seen}/${d.watched}${d.junk ? ` · ${d.junk} in Junk` : ''}`
}

export interface InboxRow {
  name: string
  kind: 'smtp' | 'api'
  winner: boolean
  /** Median time to acceptance and median accepted → inbox: the bar's two segments (ms and % of the scale). */
  acceptMs: number
  deliveryMs: number
  acceptWidth: number
  deliveryWidth: number
  /** Median and p95 of send → inbox (what the label and the tick show), null when none was seen. */
  medianMs: number | null
  p95Ms: number | null
  p95X: number | null
  seen: number
  watched: number
}

/**
 * One bar per profile to a common scale: the median time to acceptance, then the median wait from
 * acceptance to the inbox (in the delivery hue), with a tick at the p95 of send → inbox. Medians do
 * not add up exactly, so the label gives the median of send → inbox itself.
 */
export function inboxRows(r: CompareResult): InboxRow[] {
  const rows = r.profiles.map((p) => {
    const d = p.delivery
    const seen = d?.seen ?? 0
    return {
      name: p.name,
      kind: p.kind,
      winner: p.name === r.winnerToInbox,
      acceptMs: seen ? (p.totalMs.median ?? 0) : 0,
      deliveryMs: d?.acceptedToInboxMs.median ?? 0,
      medianMs: d?.sendToInboxMs.median ?? null,
      p95Ms: d?.sendToInboxMs.p95 ?? null,
      seen,
      watched: d?.watched ?? 0,
    }
  })
  const scale = Math.max(1e-9, ...rows.map((x) => Math.max(x.acceptMs + x.deliveryMs, x.p95Ms ?? 0)))
  return rows.map((x) => ({ ...x, acceptWidth: (x.acceptMs / scale) * 100, deliveryWidth: (x.deliveryMs / scale) * 100, p95X: x.p95Ms === null ? null : (x.p95Ms / scale) * 100 }))
}
