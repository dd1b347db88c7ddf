/** Small helpers for the benchmark scripts: robust summaries and plain-text tables. */
import { percentile as labPercentile } from '../../main/core/lab/stats'

export function median(xs: number[]): number {
  return percentile(xs, 50)
}

/** The lab's percentile (the same figures the app shows), NaN when there is no sample. */
export function percentile(xs: number[], p: number): number {
  return labPercentile(xs, p) ?? NaN
}

export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  return [line(head), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}
