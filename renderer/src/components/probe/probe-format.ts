import { plural, securityWords, type ProbePort, type ProbeResult, type ProbeState } from '@contract'

export type TagType = 'success' | 'default' | 'warning' | 'error' | 'info'

export interface ProbeRow {
  key: string
  host: string
  port: number
  state: ProbeState | 'pending'
  stateLabel: string
  stateTag: TagType
  /** What the port speaks first: SMTP, TLS (then SMTP), or another service. */
  speaks: string
  tls: string
  /** The certificate verified (null: no TLS here). */
  certOk: boolean | null
  authBefore: string
  authAfter: string
  connectMs: string
  bannerMs: string
  diagnosis: string
  usable: boolean
  port_: ProbePort | null
}

export const STATE_TAG: Record<ProbeState | 'pending', TagType> = {
  open: 'success',
  refused: 'default',
  timeout: 'warning',
  silent: 'warning',
  error: 'error',
  pending: 'info',
}

const ms = (n: number | null) => (n === null ? '—' : n < 10 ? n.toFixed(1) : String(Math.round(n)))
const mechs = (list: string[] | null) => (list === null ? '—' : list.length ? list.join(' ') : 'none')

function speaksLabel(p: ProbePort): string {
  if (p.speaks === 'smtp') return 'SMTP'
  if (p.speaks === 'tls') return 'TLS → SMTP'
  if (p.speaks === 'other') return p.other ?? 'not SMTP'
  return '—'
}

function tlsLabel(p: ProbePort): string {
  if (p.tls) return `${p.tls.mode === 'implicit' ? 'implicit' : 'STARTTLS'} · ${p.tls.protocol}`
  if (p.starttls) return 'STARTTLS offered'
  return p.state === 'open' ? 'none' : '—'
}

/** One table row per probed port, as the CLI prints them. */
export function probeRow(p: ProbePort): ProbeRow {
  return {
    key: `${p.host}:${p.port}`,
    host: p.host,
    port: p.port,
    state: p.state,
    stateLabel: p.state,
    stateTag: STATE_TAG[p.state],
    speaks: speaksLabel(p),
    tls: tlsLabel(p),
    certOk: p.tls ? p.tls.verification === null && p.tls.authorized !== false : null,
    authBefore: mechs(p.auth.before),
    authAfter: mechs(p.auth.after),
    connectMs: ms(p.connectMs),
    bannerMs: ms(p.bannerMs),
    diagnosis: p.diagnosis,
    usable: p.usable,
    port_: p,
  }
}

/** A row for a port still being probed: the table keeps its shape while the job runs. */
export function pendingRow(host: string, port: number): ProbeRow {
  return {
    key: `${host}:${port}`,
    host,
    port,
    state: 'pending',
    stateLabel: 'probing…',
    stateTag: 'info',
    speaks: '…',
    tls: '…',
    certOk: null,
    authBefore: '…',
    authAfter: '…',
    connectMs: '…',
    bannerMs: '…',
    diagnosis: '',
    usable: false,
    port_: null,
  }
}

export function probeRows(result: ProbeResult | null, pending?: { host: string; ports: number[] }): ProbeRow[] {
  if (result) return result.ports.map(probeRow)
  if (pending) return pending.ports.map((port) => pendingRow(pending.host, port))
  return []
}

export interface CapLine {
  text: string
  /** Not in the other list (by keyword and parameters). */
  changed: boolean
}

/** EHLO keywords before and after TLS, each marked when the other side lacks it. */
export function capabilityDiff(before: string[] | null, after: string[] | null): { before: CapLine[] | null; after: CapLine[] | null } {
  const norm = (s: string) => s.trim().toUpperCase().replace(/\s+/g, ' ')
  const b = new Set((before ?? []).map(norm))
  const a = new Set((after ?? []).map(norm))
  return {
    before: before ? before.map((text) => ({ text, changed: after !== null && !a.has(norm(text)) })) : null,
    after: after ? after.map((text) => ({ text, changed: before !== null && !b.has(norm(text)) })) : null,
  }
}

/** The recommendation as a headline: "Use 465 with implicit TLS". */
export function recommendationHeadline(result: ProbeResult): string {
  const r = result.recommendation
  if (r.port === null) return 'No port here is usable for submission'
  const host = r.host && r.host !== result.host ? ` on ${r.host}` : ''
  return `Use ${r.port}${host} with ${securityWords(r.security ?? 'none')}`
}

/** Days left as words, for the certificate panel. */
export function daysLeft(days: number | null): string {
  if (days === null) return ''
  if (days < 0) return `expired ${plural(-days, 'day')} ago`
  return `${plural(days, 'day')} left`
}
