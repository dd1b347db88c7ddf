// Text output for domain-readiness results (the CLI's `mailprobe domain`, and History's .txt export):
// a line per check as it finishes, then the table in the checks' order, the records to publish
// ready to paste, what DNSSEC vouched for, and the verdict.
import { DOMAIN_CHECK_IDS, worstStatus, type DomainCheck, type DomainRecord, type DomainResult, type DomainStatus } from '../../../preload/contract/domain'
import { formatWarnings, paint, sanitize, SGR, type Style } from './text'

const STATUS_COLOR: Record<DomainStatus, string> = { pass: SGR.green, warn: SGR.yellow, fail: SGR.red + SGR.bold, info: SGR.cyan }
const VERDICT_COLOR: Record<DomainStatus, string> = { pass: SGR.green + SGR.bold, warn: SGR.yellow + SGR.bold, fail: SGR.red + SGR.bold, info: SGR.bold }
/** The width of the id column: the longest id (bulk-sender). */
const ID_WIDTH = Math.max(...DOMAIN_CHECK_IDS.map((id) => id.length))

/** `PASS`, `WARN`, `FAIL`, `INFO`, coloured. */
function statusWord(status: DomainStatus, style: Style): string {
  return paint(status.toUpperCase().padEnd(4), STATUS_COLOR[status], style)
}

/** One finished check: `  PASS  spf          SPF record covers sendgrid.net …` (printed as each finishes). */
export function formatCheckLine(check: Pick<DomainCheck, 'id' | 'status' | 'detail'>, style: Style): string {
  return `  ${statusWord(check.status, style)}  ${check.id.padEnd(ID_WIDTH)}  ${sanitize(check.detail)}`
}

/**
 * A record as a zone file (and most DNS consoles) takes it: a TXT value in double quotes, split into
 * strings of at most 255 characters (a DKIM key is longer), `"` and `\` escaped; other types as they are.
 */
export function recordValue(r: DomainRecord): string {
  if (r.type.toUpperCase() !== 'TXT') return sanitize(r.value)
  const chunks = r.value.match(/[\s\S]{1,255}/g) ?? ['']
  return chunks.map((c) => `"${sanitize(c.replace(/[\\"]/g, (ch) => `\\${ch}`))}"`).join(' ')
}

/** Records as aligned lines: `TXT    _dmarc.example.com   "v=DMARC1; p=none; …"`, each with `indent`. */
export function formatRecords(records: readonly DomainRecord[], indent: string): string {
  const type = Math.max(...records.map((r) => r.type.length))
  const name = Math.max(...records.map((r) => r.name.length))
  return records.map((r) => `${indent}${sanitize(r.type.padEnd(type))}  ${sanitize(r.name.padEnd(name))}  ${recordValue(r)}`.trimEnd()).join('\n')
}

/** Who the mail goes through, as the heading says it. */
function senderWords(provider: string | null): string {
  if (provider === null) return ''
  return provider.startsWith('relay:') ? ` through the relay ${sanitize(provider.slice('relay:'.length))}` : ` through ${sanitize(provider)}`
}

/** The checks in the order they are shown, with their title column; a check that did not finish is said so. With `details` (-v), each check's items and records beneath it. */
export function formatDomainTable(r: Pick<DomainResult, 'checks'>, style: Style, opts: { details?: boolean } = {}): string {
  const byId = new Map(r.checks.map((c) => [c.id, c]))
  const titleWidth = Math.min(28, Math.max(0, ...r.checks.map((c) => c.title.length)))
  const lines: string[] = []
  for (const id of DOMAIN_CHECK_IDS) {
    const c = byId.get(id)
    // -v: a blank line between checks, each with its findings beneath it.
    if (opts.details && lines.length) lines.push('')
    if (!c) {
      lines.push(paint(`  ----  ${id.padEnd(ID_WIDTH)}  ${''.padEnd(titleWidth)}  did not finish`, SGR.dim, style))
      continue
    }
    lines.push(`  ${statusWord(c.status, style)}  ${id.padEnd(ID_WIDTH)}  ${paint(sanitize(c.title.padEnd(titleWidth)), SGR.bold, style)}  ${sanitize(c.detail)}`)
    if (!opts.details) continue
    const pad = ' '.repeat(2 + 4 + 2 + ID_WIDTH + 2)
    for (const item of c.items) lines.push(`${pad}${statusWord(item.status, style)}  ${sanitize(item.label)}: ${sanitize(item.detail)}`)
    if (c.records.length) lines.push(formatRecords(c.records, pad))
    lines.push(paint(`${pad}${Math.round(c.durationMs)} ms, ${c.queries} DNS ${c.queries === 1 ? 'question' : 'questions'}`, SGR.dim, style))
  }
  return lines.join('\n')
}

/** DNSSEC in a sentence: whether the resolver vouched for the answers (which DANE relies on). */
export function dnssecWords(dnssec: boolean | null): string {
  if (dnssec === true) return 'DNSSEC: validated — the resolver vouched for the answers (AD bit set), so DANE’s TLSA records can be relied on.'
  if (dnssec === false) return 'DNSSEC: not validated — the resolver did not vouch for the answers (no AD bit): the domain is not signed, or the resolver does not validate; DANE cannot be relied on.'
  return 'DNSSEC: unknown — the resolver was not asked.'
}

/** `FAIL — example.com: 2 fail, 3 warn, 5 pass, 1 info · 412 ms`, or, as every command says it, `FAILED CODE — message` when the run itself failed (cancelled, a crash). */
export function formatDomainVerdict(r: Pick<DomainResult, 'domain' | 'checks' | 'error' | 'totalMs'>, style: Style): string {
  if (r.error) return paint(`FAILED ${r.error.code} — ${sanitize(r.error.message)}`, SGR.red + SGR.bold, style)
  const count = (s: DomainStatus) => r.checks.filter((c) => c.status === s).length
  const counts = [`${count('fail')} fail`, `${count('warn')} warn`, `${count('pass')} pass`, ...(count('info') ? [`${count('info')} info`] : [])].join(', ')
  const worst = worstStatus(r.checks)
  return paint(`${worst.toUpperCase()} — ${sanitize(r.domain)}: ${counts} · ${Math.round(r.totalMs)} ms`, VERDICT_COLOR[worst], style)
}

/** Everything printed after the checks' lines: the heading and table, the records to publish, DNSSEC, warnings, and the verdict (last). */
export function formatDomainSummary(r: DomainResult, style: Style, opts: { details?: boolean } = {}): string {
  const out: string[] = ['', paint(`Domain readiness of ${sanitize(r.domain)}${senderWords(r.provider)}`, SGR.bold, style), formatDomainTable(r, style, opts)]
  if (r.publish.length) out.push('', paint(`Records to publish (add them to the zone of ${sanitize(r.domain)}):`, SGR.bold, style), formatRecords(r.publish, '  '))
  out.push('', dnssecWords(r.dnssec))
  const warnings = formatWarnings(r.warnings, style)
  if (warnings) out.push(warnings)
  out.push(formatDomainVerdict(r, style))
  return out.join('\n') + '\n'
}
