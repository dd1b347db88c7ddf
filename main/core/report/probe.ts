// Text output for probe results (the CLI's `mailprobe probe` and History's .txt export).
import type { ProbePort, ProbeResult } from '../../../preload/contract'
import { securityWords } from '../../../preload/contract/wording'
import { formatWarnings, paint, sanitize, SGR, type Style } from './text'

const STATE_COLOR: Record<ProbePort['state'], string> = { open: SGR.green, refused: SGR.red, timeout: SGR.yellow, silent: SGR.yellow, error: SGR.red }

function list(mechs: readonly string[] | null): string {
  return mechs === null ? '-' : mechs.length ? mechs.join(' ') : 'none'
}

/** The TLS column: mode, protocol and the verdict, e.g. "STARTTLS TLSv1.3 verified" or "implicit TLSv1.2 CERT_EXPIRED". */
export function tlsCell(p: ProbePort): string {
  if (p.tls) return `${p.tls.mode === 'implicit' ? 'implicit' : 'STARTTLS'} ${p.tls.protocol} ${p.tls.verification ? p.tls.verification.code : 'verified'}`
  if (p.starttls) return 'STARTTLS failed'
  return '-'
}

function speaksCell(p: ProbePort): string {
  if (p.speaks === 'other') return p.other ? `other (${p.other})` : 'other'
  return p.speaks ?? '-'
}

const ms = (n: number | null) => (n === null ? '-' : n.toFixed(1))

/** One row per port: port, state, speaks, TLS, AUTH before → after, connect ms, banner ms, diagnosis (with the host in domain mode). */
export function formatProbeTable(r: Pick<ProbeResult, 'ports' | 'mode'>, style: Style): string {
  if (!r.ports.length) return ''
  const withHost = r.mode === 'mx'
  const head = [...(withHost ? ['host'] : []), 'port', 'state', 'speaks', 'TLS', 'AUTH before → after', 'connect ms', 'banner ms', 'diagnosis']
  const rows = r.ports.map((p) => [
    ...(withHost ? [sanitize(p.host)] : []),
    String(p.port),
    p.state,
    sanitize(speaksCell(p)),
    tlsCell(p),
    p.auth.before === null && p.auth.after === null ? '-' : `${sanitize(list(p.auth.before))} → ${sanitize(list(p.auth.after))}`,
    ms(p.connectMs),
    ms(p.bannerMs),
    sanitize(p.diagnosis),
  ])
  const last = head.length - 1
  const numeric = new Set([last - 2, last - 1])
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)))
  const stateCol = withHost ? 2 : 1
  const fmt = (cells: string[], isHead: boolean) =>
    cells
      .map((c, i) => {
        if (i === last) return c
        const padded = numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)
        return !isHead && i === stateCol ? paint(padded, STATE_COLOR[c as ProbePort['state']] ?? '', style) : padded
      })
      .join('  ')
  return [paint(fmt(head, true), SGR.bold, style), ...rows.map((row) => fmt(row, false))].map((l) => `  ${l}`.trimEnd()).join('\n')
}

/** Addresses of the host (or each MX host), the table, the recommendation, warnings and the verdict. */
export function formatProbeSummary(r: ProbeResult, style: Style): string {
  const out: string[] = ['']
  const addrs = (a: ProbeResult['addresses']) => a.map((x) => `${x.address} (${x.family === 6 ? 'AAAA' : 'A'})`).join(', ') || 'no address'
  if (r.mode === 'host' && r.addresses.length) out.push(`  ${sanitize(r.host)} → ${addrs(r.addresses)}`)
  if (r.mx) {
    if (r.mx.nullMx) out.push(`  ${sanitize(r.mx.domain)}: null MX (accepts no mail)`)
    else out.push(`  MX of ${sanitize(r.mx.domain)}${r.mx.implicit ? ' (none: the domain itself, implicit MX)' : ''}:`)
    for (const h of r.mx.hosts) out.push(`    ${String(h.priority).padStart(3)} ${sanitize(h.exchange)} → ${h.error ? `${h.error.code}` : addrs(h.addresses)}`)
  }
  const table = formatProbeTable(r, style)
  if (table) out.push('', table)
  out.push('')
  const rec = r.recommendation
  const head = rec.port === null ? 'No recommendation' : `Recommendation: ${r.mode === 'mx' && rec.host ? `${sanitize(rec.host)} ` : ''}port ${rec.port} with ${securityWords(rec.security ?? 'none')}`
  out.push(`${paint(head, SGR.bold, style)} — ${sanitize(rec.reason)}`)
  const warnings = formatWarnings(r.warnings, style)
  if (warnings) out.push(warnings)
  out.push(verdict(r, style))
  return out.join('\n') + '\n'
}

function verdict(r: ProbeResult, style: Style): string {
  const total = `${r.totalMs.toFixed(1)} ms`
  if (r.error) return paint(`FAILED ${r.error.code} — ${sanitize(r.error.message)}`, SGR.red + SGR.bold, style)
  const usable = r.ports.filter((p) => p.usable)
  if (!usable.length) return paint(`FAILED — no usable ${r.mode === 'mx' ? 'relay' : 'submission'} path · ${total}`, SGR.red + SGR.bold, style)
  const names = usable.map((p) => `${r.mode === 'mx' ? `${sanitize(p.host)}:` : ''}${p.port}`).join(', ')
  return paint(`OK — usable ${r.mode === 'mx' ? 'relay' : 'submission'} path${usable.length === 1 ? '' : 's'} on ${names} · ${total}`, SGR.green + SGR.bold, style)
}
