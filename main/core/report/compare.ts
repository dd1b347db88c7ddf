// Text output for latency-lab results (the CLI's `mailprobe compare` and History's .txt export).
import type { CompareResult } from '../../../preload/contract'
import { formatWarnings, paint, plural, sanitize, SGR, type Style } from './text'

const fmt = (n: number | null, digits = 1) => (n === null ? '-' : n.toFixed(digits))

/** The table (one row per profile), the winner and the ratio, median phases, and the verdict. */
export function formatCompareSummary(r: CompareResult, style: Style): string {
  const out: string[] = ['']
  out.push(
    paint(
      `${r.mode === 'warm' ? 'Warm' : 'Cold'} ${r.action}, ${r.completed}/${r.runs * r.profiles.length} runs${r.concurrency > 1 ? `, ${r.concurrency} at a time` : ''} — times in ms, to acceptance`,
      SGR.bold,
      style,
    ),
  )
  const head = ['profile', 'kind', 'ok', 'min', 'median', 'p95', 'max', 'ratio', 'round trips', 'bytes out/in', 'errors']
  const rows = r.profiles.map((p) => [
    sanitize(p.name) + (p.name === r.winner ? ' *' : ''),
    p.kind,
    `${p.runsOk}/${p.runs}`,
    fmt(p.totalMs.min),
    fmt(p.totalMs.median),
    fmt(p.totalMs.p95),
    fmt(p.totalMs.max),
    p.ratio === null ? '-' : `${p.ratio.toFixed(2)}×`,
    fmt(p.roundTrips, 0),
    p.bytes ? `${Math.round(p.bytes.sent)}/${Math.round(p.bytes.received)}` : '-',
    Object.keys(p.errors).length
      ? Object.entries(p.errors)
          .map(([c, n]) => `${c}×${n}`)
          .join(' ')
      : '-',
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)))
  const left = new Set([0, 1, 10])
  const line = (cells: string[]) => `  ${cells.map((c, i) => (left.has(i) ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`.trimEnd()
  out.push(paint(line(head), SGR.bold, style), ...rows.map((row) => line(row)))
  out.push('')
  const win = r.profiles.find((p) => p.name === r.winner)
  if (win && win.totalMs.median !== null) {
    const others = r.profiles.filter((p) => p !== win && p.totalMs.median !== null)
    const vs = others.map((p) => `${sanitize(p.name)} ${p.ratio!.toFixed(2)}× (${fmt(p.totalMs.median)} ms, ${fmt(p.roundTrips, 0)} round trips)`).join('; ')
    out.push(`${paint(`Fastest: ${sanitize(win.name)}`, SGR.bold + SGR.green, style)} — median ${fmt(win.totalMs.median)} ms, ${fmt(win.roundTrips, 0)} round trips${vs ? `; ${vs}` : ''}`)
  } else out.push(paint('No profile had a successful run.', SGR.red + SGR.bold, style))
  const withPhases = r.profiles.filter((p) => p.phaseOrder.length)
  if (withPhases.length) {
    out.push('', paint('Median phases (ms):', SGR.bold, style))
    const w = Math.max(...withPhases.map((p) => sanitize(p.name).length))
    for (const p of withPhases) out.push(`  ${sanitize(p.name).padEnd(w)}  ${p.phaseOrder.map((n) => `${sanitize(n)} ${fmt(p.phasesMedianMs[n] ?? 0)}`).join(' · ')}`)
  }
  const inbox = r.profiles.filter((p) => p.delivery)
  if (inbox.length) {
    out.push('', paint('Time to the inbox (ms; of the messages seen):', SGR.bold, style))
    const w = Math.max(...inbox.map((p) => sanitize(p.name).length))
    for (const p of inbox) {
      const d = p.delivery!
      const seen = `seen ${d.seen}/${d.watched}${d.junk ? ` (${d.junk} in Junk)` : ''}`
      const figures =
        d.acceptedToInboxMs.median === null
          ? ''
          : ` · accepted → inbox median ${fmt(d.acceptedToInboxMs.median)}, p95 ${fmt(d.acceptedToInboxMs.p95)} · send → inbox median ${fmt(d.sendToInboxMs.median)}, p95 ${fmt(d.sendToInboxMs.p95)}`
      out.push(`  ${(sanitize(p.name) + (p.name === r.winnerToInbox ? ' *' : '')).padEnd(w + 2)}  ${seen}${figures}`)
    }
    if (r.winnerToInbox) out.push(`${paint(`Fastest to the inbox: ${sanitize(r.winnerToInbox)}`, SGR.bold + SGR.green, style)} (median send → inbox)`)
  }
  const setups = r.profiles.filter((p) => p.setup && p.setup.connections > 0)
  if (setups.length) {
    out.push('', paint('Connection setup, not counted in the runs:', SGR.bold, style))
    const w = Math.max(...setups.map((p) => sanitize(p.name).length))
    for (const p of setups) out.push(`  ${sanitize(p.name).padEnd(w)}  ${plural(p.setup!.connections, 'connection')}, median ${fmt(p.setup!.medianMs)} ms, ${fmt(p.setup!.roundTrips, 0)} round trips`)
  }
  const warnings = formatWarnings(r.warnings, style)
  if (warnings) out.push('', warnings)
  out.push('')
  if (r.error) out.push(paint(`FAILED ${r.error.code} — ${sanitize(r.error.message)}`, SGR.red + SGR.bold, style))
  else if (r.ok) out.push(paint(`OK — every run succeeded · ${(r.totalMs / 1000).toFixed(1)} s`, SGR.green + SGR.bold, style))
  else {
    const failed = r.profiles.reduce((n, p) => n + p.runs - p.runsOk, 0)
    out.push(paint(`FAILED — ${failed} of ${plural(r.completed, 'run')} failed (errors by code in the table)`, SGR.red + SGR.bold, style))
  }
  return `${out.join('\n')}\n`
}
