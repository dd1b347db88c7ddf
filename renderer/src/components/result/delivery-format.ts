import { deliveryFolderWords, plural, securityWords, waitWords, type AnyJobResult, type ApiResult, type DeliveryAuthResults, type DeliveryHop, type DeliveryResult, type SmtpResult } from '@contract'

/** A send whose delivery was watched. */
export type WatchedResult = (SmtpResult | ApiResult) & { delivery: DeliveryResult }

/** What the lower half of the result shows for a send whose delivery was watched: its transcript, or its delivery proof. */
export type ResultView = 'transcript' | 'delivery'

/** Whether a result carries delivery proof (a send that watched a mailbox). */
export function isWatched(r: AnyJobResult | null | undefined): r is WatchedResult {
  return !!r && (r.kind === 'smtp' || r.kind === 'api') && r.delivery !== undefined
}

/** How a verdict chip is coloured: pass green, fail red, softfail / temperror amber, the rest (none, neutral, policy, not stated) grey. */
export type VerdictTone = 'success' | 'error' | 'warning' | 'default'

export interface AuthChip {
  name: 'SPF' | 'DKIM' | 'DMARC' | 'ARC'
  /** As written (pass, fail, softfail, none …), or "—" when the header does not say. */
  verdict: string
  tone: VerdictTone
}

export function verdictTone(verdict: string | null): VerdictTone {
  if (verdict === 'pass') return 'success'
  if (verdict === 'fail' || verdict === 'permerror') return 'error'
  if (verdict === 'softfail' || verdict === 'temperror') return 'warning'
  return 'default'
}

/** The four verdicts as chips, in the order mail people read them. */
export function authChips(a: DeliveryAuthResults): AuthChip[] {
  return (
    [
      ['SPF', a.spf],
      ['DKIM', a.dkim],
      ['DMARC', a.dmarc],
      ['ARC', a.arc],
    ] as const
  ).map(([name, v]) => ({ name, verdict: v ?? '—', tone: verdictTone(v) }))
}

/** Who judged the message's authentication: the receiver (named), Mailprobe's own check, or nobody (the sandbox). */
export function authSource(d: Pick<DeliveryResult, 'authResults' | 'mailbox'>): string {
  const a = d.authResults
  if (!a) return d.mailbox.kind === 'sandbox' ? 'the sandbox judges no authentication' : 'no verdicts: the receiver added no Authentication-Results and Mailprobe could not check the message itself'
  if (a.source === 'receiver') return `judged by the receiver${a.by ? `, ${a.by}` : ''}`
  return 'checked by Mailprobe (the receiver added no Authentication-Results)'
}

/** The mailbox watched: "127.0.0.1:993 (implicit TLS)", or the sandbox's inbox. */
export function mailboxWords(d: Pick<DeliveryResult, 'mailbox'>): string {
  const m = d.mailbox
  return m.kind === 'sandbox' ? 'the sandbox’s inbox' : `${m.host}:${m.port} (${securityWords(m.security)})`
}

/** What the DKIM signature Mailprobe added came to on arrival; null when the send was not signed. */
export function dkimVerdictWords(signed: boolean, verified: boolean | null): string | null {
  if (!signed) return null
  if (verified === null) return 'the verdicts do not name it'
  return verified ? 'verified on arrival' : 'did not verify on arrival'
}

const DAY_MS = 86_400_000

/** A clock skew's size: "4.0 s", "934 days". */
function skewWords(ms: number): string {
  const abs = Math.abs(ms)
  return abs >= DAY_MS ? plural(Math.round(abs / DAY_MS), 'day') : waitWords(abs)
}

export interface HopRow {
  key: number
  from: string
  by: string
  with: string | null
  /** The hop stated TLS (its `with` says so, "ESMTPS", or a cipher clause). */
  secure: boolean
  /** The TLS the hop states beyond its `with` (a version and cipher), null when `with` says it all. */
  tls: string | null
  /** Time of day (UTC) the hop wrote, its full ISO time as `atTitle`. */
  at: string | null
  atTitle: string | null
  /** "+1.0 s"; null for the first hop or an undated one. */
  delay: string | null
  /** The delay bar's length, in % of the longest plausible delay; 0 for a skewed or unknown one (never drawn negative). */
  barPct: number
  /** A clock looks off: what it says, e.g. "clock skew: 4.0 s earlier than the hop before". */
  skew: string | null
}

/** The Received hops as timeline rows, in path order (oldest first), their delays as bars to one scale. */
export function hopRows(hops: readonly DeliveryHop[]): HopRow[] {
  const plausible = hops.filter((h) => !h.skewed && h.delayMs !== null && h.delayMs > 0).map((h) => h.delayMs!)
  const longest = Math.max(0, ...plausible)
  return hops.map((h, i) => {
    const d = h.delayMs
    const skew = h.skewed && d !== null ? `clock skew: ${skewWords(d)} ${d < 0 ? 'earlier than' : 'after'} the hop before` : null
    return {
      key: i,
      from: h.from ?? '(no from clause)',
      by: h.by ?? '(unnamed)',
      with: h.with,
      secure: h.tls !== undefined,
      tls: h.tls !== undefined && h.tls !== h.with ? h.tls : null,
      at: h.at ? h.at.slice(11, 19) : null,
      atTitle: h.at,
      delay: d === null || h.skewed ? null : `+${waitWords(d)}`,
      barPct: !h.skewed && d !== null && d > 0 && longest > 0 ? (d / longest) * 100 : 0,
      skew,
    }
  })
}

export interface TimeRow {
  label: string
  value: string
  note: string | null
}

/** The delivery's two figures, each with what it rests on (an upper bound, a polling interval). */
export function timeRows(d: DeliveryResult): TimeRow[] {
  const note = d.alreadyThere
    ? 'upper bound: the message was already there when the watch was ready'
    : d.method === 'poll'
      ? 'polling: found up to a second after it arrived'
      : 'announced by IMAP IDLE'
  const rows: TimeRow[] = []
  if (d.acceptedToInboxMs !== null) rows.push({ label: 'accepted → inbox', value: waitWords(d.acceptedToInboxMs), note })
  if (d.sendToInboxMs !== null) rows.push({ label: 'send → inbox', value: waitWords(d.sendToInboxMs), note: d.alreadyThere ? 'upper bound' : null })
  return rows
}

/** Where it landed, as a heading: "In Inbox", "In Junk", "In the sandbox’s inbox". */
export function arrivalHeading(d: DeliveryResult): string {
  return `In ${deliveryFolderWords(d)}`
}

/** A folder the watch looked at, as the timeout shows it: "INBOX · IDLE · no other message arrived". */
export function watchedWords(w: DeliveryResult['watched'][number]): string {
  return `${w.method === 'idle' ? 'IDLE' : 'polling'} · ${w.arrived ? `${plural(w.arrived, 'other message')} arrived` : 'no other message arrived'}`
}
