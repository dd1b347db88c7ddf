// What the CLI prints, as pure functions of the events and the result (unit-tested), plus the
// small EventSink that writes transcript lines as they arrive.
import type { Direction, JobEvent, Phase, SmtpResult, SmtpStage, TranscriptLine } from '../../../preload/contract'
import type { EventSink } from '../transcript/event-sink'
import { plural, smtpSuccess } from '../../../preload/contract/wording'
import { formatDelivery, formatDkimSent, deliveryVerdict } from './delivery'
import { paint, sanitize, SGR, type Style } from './style'

// The terminal primitives live in style.ts (the delivery section uses them too); the commands take them from here.
export { paint, sanitize, SGR, useColor, type Style } from './style'

// The wording every surface shares; the commands and reports take plural() from here.
export { plural }

export const MARKERS: Record<Direction, string> = { c: '->', s: '<-', tls: '~~', info: '==', err: '**' }
const DIR_COLOR: Record<Direction, string> = { c: SGR.cyan, s: SGR.green, tls: SGR.magenta, info: SGR.dim, err: SGR.red + SGR.bold }

/** `t` as the transcript shows it: milliseconds, one decimal, right-aligned to 7 characters. */
export function formatTime(t: number): string {
  return `${t.toFixed(1).padStart(7)} ms`
}

/**
 * One transcript line: `   12.3 ms  -> EHLO client.example`. `[redacted]` stays visible (highlighted in colour).
 * A line tagged with a port (the probe talks to several at once) shows it first: `   12.3 ms    587 -> EHLO …`;
 * a line of a lane beside the main exchange (the delivery watch's IMAP) its lane: `   12.3 ms  imap -> A1 IDLE`.
 */
export function formatLine(line: Pick<TranscriptLine, 't' | 'dir' | 'text' | 'port' | 'lane'>, style: Style): string {
  let text = sanitize(line.text)
  if (style.color) {
    text = line.dir === 'err' ? paint(text, SGR.red, style) : text.replaceAll('[redacted]', paint('[redacted]', SGR.yellow, style) + (line.dir === 'info' ? SGR.dim : ''))
    if (line.dir === 'info') text = paint(text, SGR.dim, style)
  }
  const port = line.port === undefined ? '' : `${paint(String(line.port).padStart(5), SGR.bold, style)} `
  const lane = line.lane === undefined ? '' : `${paint(line.lane, SGR.bold, style)} `
  return `${paint(formatTime(line.t), SGR.dim, style)}  ${port}${lane}${paint(MARKERS[line.dir], DIR_COLOR[line.dir], style)} ${text}`
}

/** The phase waterfall as a table, with a total row. Empty when there were no phases. */
export function formatPhaseTable(phases: readonly Phase[], totals: { totalMs: number; roundTrips: number }, style: Style): string {
  if (phases.length === 0) return ''
  const head = ['phase', 'start ms', 'duration ms', 'round trips']
  const rows = phases.map((p) => [sanitize(p.name), p.startMs.toFixed(1), p.durationMs.toFixed(1), String(p.roundTrips)])
  const total = ['total', '', totals.totalMs.toFixed(1), String(totals.roundTrips)]
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length), total[i]!.length))
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('   ')
  return [paint(fmt(head), SGR.bold, style), ...rows.map(fmt), paint(fmt(total), SGR.bold, style)].map((l) => `  ${l}`.trimEnd()).join('\n')
}

export type VerdictResult = Pick<SmtpResult, 'ok' | 'error' | 'totalMs' | 'roundTrips' | 'tls' | 'authMethodUsed' | 'target' | 'result'> & Partial<Pick<SmtpResult, 'delivery'>>

/** `OK — <what> · [in INBOX 0.4 s after acceptance ·] <total> · <N round trips>` or `FAILED <CODE> — <message>` and the server's reply. */
export function formatVerdict(r: VerdictResult, stopAfter: SmtpStage, style: Style): string {
  if (r.ok || !r.error) {
    const line = `OK — ${sanitize(smtpSuccess(r, stopAfter))} · ${deliveryVerdict(r)}${r.totalMs.toFixed(1)} ms · ${plural(r.roundTrips, 'round trip')}`
    return paint(line, SGR.green + SGR.bold, style)
  }
  const lines = [paint(`FAILED ${r.error.code} — ${sanitize(r.error.message)}`, SGR.red + SGR.bold, style)]
  if (r.error.reply) lines.push(`  server replied: ${r.error.reply.code} ${sanitize(r.error.reply.text)}`)
  return lines.join('\n')
}

export function formatWarnings(warnings: readonly string[], style: Style): string {
  return warnings.map((w) => paint(`warning: ${sanitize(w)}`, SGR.yellow, style)).join('\n')
}

/**
 * Everything printed after the transcript: the phase table, the DKIM signature sent and the delivery
 * section when there are any, the verdict and the warnings. `details` (-v) adds the DKIM-Signature
 * header and what the authentication verdicts rest on.
 */
export function formatSummary(
  r: VerdictResult & Pick<SmtpResult, 'phases' | 'warnings'> & Partial<Pick<SmtpResult, 'dkim'>>,
  stopAfter: SmtpStage,
  style: Style,
  opts: { details?: boolean } = {},
): string {
  const table = formatPhaseTable(r.phases, r, style)
  const warnings = formatWarnings(r.warnings, style)
  const dkim = r.dkim ? formatDkimSent(r.dkim, r.delivery ?? null, style, opts) : ''
  const delivery = r.delivery ? formatDelivery(r.delivery, style, opts) : ''
  return ['', ...(table ? [table, ''] : []), ...(dkim ? [dkim, ''] : []), ...(delivery ? [delivery, ''] : []), formatVerdict(r, stopAfter, style), ...(warnings ? [warnings] : [])].join('\n') + '\n'
}

/** `--json`: the whole result, one object (indented on a terminal, one line in a pipe). */
export function formatJson(result: unknown, pretty: boolean): string {
  return `${JSON.stringify(result, null, pretty ? 2 : undefined)}\n`
}

/**
 * Prints transcript lines as they arrive; phases and the result are printed once the job ends.
 * Detail lines (each address tried, the TLS handshake, a proxy's reply) only when `details` is set (the CLI's -v).
 */
export class PrintingSink implements EventSink {
  constructor(
    private readonly write: (text: string) => void,
    private readonly style: Style,
    private readonly opts: { details?: boolean } = {},
  ) {}

  emit(event: JobEvent): void {
    if (event.type !== 'transcript') return
    // A line with progress is a countdown's tick (transient: the CLI shows it on a terminal's stderr, apart).
    if (event.progress) return
    if (event.detail && !this.opts.details) return
    this.write(`${formatLine(event, this.style)}\n`)
  }
}
