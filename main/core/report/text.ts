// What the CLI prints, as pure functions of the events and the result (unit-tested), plus the
// small EventSink that writes transcript lines as they arrive.
import type { Direction, JobEvent, Phase, SmtpResult, SmtpStage, TranscriptLine } from '../../../preload/contract'
import type { EventSink } from '../transcript/event-sink'
import { plural, smtpSuccess } from '../../../preload/contract/wording'

// The wording every surface shares; the commands and reports take plural() from here.
export { plural }

export interface Style {
  color: boolean
}

/** Colour only on a terminal, and never when NO_COLOR is set to something (https://no-color.org). */
export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR
}

export const SGR = {
  reset: '\x1b[0m',
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  red: '\x1b[31m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  magenta: '\x1b[35m',
  cyan: '\x1b[36m',
} as const

export function paint(text: string, codes: string, style: Style): string {
  return style.color && text ? `${codes}${text}${SGR.reset}` : text
}

export const MARKERS: Record<Direction, string> = { c: '->', s: '<-', tls: '~~', info: '==', err: '**' }
const DIR_COLOR: Record<Direction, string> = { c: SGR.cyan, s: SGR.green, tls: SGR.magenta, info: SGR.dim, err: SGR.red + SGR.bold }

/**
 * Server text goes to a terminal: control characters (an escape sequence could rewrite the screen)
 * and bidirectional overrides are shown as escapes instead of being interpreted.
 */
export function sanitize(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (ch) => {
    const code = ch.charCodeAt(0)
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
  })
}

/** `t` as the transcript shows it: milliseconds, one decimal, right-aligned to 7 characters. */
export function formatTime(t: number): string {
  return `${t.toFixed(1).padStart(7)} ms`
}

/**
 * One transcript line: `   12.3 ms  -> EHLO client.example`. `[redacted]` stays visible (highlighted in colour).
 * A line tagged with a port (the probe talks to several at once) shows it first: `   12.3 ms    587 -> EHLO …`.
 */
export function formatLine(line: Pick<TranscriptLine, 't' | 'dir' | 'text' | 'port'>, style: Style): string {
  let text = sanitize(line.text)
  if (style.color) {
    text = line.dir === 'err' ? paint(text, SGR.red, style) : text.replaceAll('[redacted]', paint('[redacted]', SGR.yellow, style) + (line.dir === 'info' ? SGR.dim : ''))
    if (line.dir === 'info') text = paint(text, SGR.dim, style)
  }
  const port = line.port === undefined ? '' : `${paint(String(line.port).padStart(5), SGR.bold, style)} `
  return `${paint(formatTime(line.t), SGR.dim, style)}  ${port}${paint(MARKERS[line.dir], DIR_COLOR[line.dir], style)} ${text}`
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

export type VerdictResult = Pick<SmtpResult, 'ok' | 'error' | 'totalMs' | 'roundTrips' | 'tls' | 'authMethodUsed' | 'target' | 'result'>

/** `OK — <what> · <total> · <N round trips>` or `FAILED <CODE> — <message>` and the server's reply. */
export function formatVerdict(r: VerdictResult, stopAfter: SmtpStage, style: Style): string {
  if (r.ok || !r.error) {
    const line = `OK — ${sanitize(smtpSuccess(r, stopAfter))} · ${r.totalMs.toFixed(1)} ms · ${plural(r.roundTrips, 'round trip')}`
    return paint(line, SGR.green + SGR.bold, style)
  }
  const lines = [paint(`FAILED ${r.error.code} — ${sanitize(r.error.message)}`, SGR.red + SGR.bold, style)]
  if (r.error.reply) lines.push(`  server replied: ${r.error.reply.code} ${sanitize(r.error.reply.text)}`)
  return lines.join('\n')
}

export function formatWarnings(warnings: readonly string[], style: Style): string {
  return warnings.map((w) => paint(`warning: ${sanitize(w)}`, SGR.yellow, style)).join('\n')
}

/** Everything printed after the transcript: the phase table, the verdict and the warnings. */
export function formatSummary(r: VerdictResult & Pick<SmtpResult, 'phases' | 'warnings'>, stopAfter: SmtpStage, style: Style): string {
  const table = formatPhaseTable(r.phases, r, style)
  const warnings = formatWarnings(r.warnings, style)
  return ['', ...(table ? [table, ''] : []), formatVerdict(r, stopAfter, style), ...(warnings ? [warnings] : [])].join('\n') + '\n'
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
    if (event.detail && !this.opts.details) return
    this.write(`${formatLine(event, this.style)}\n`)
  }
}
