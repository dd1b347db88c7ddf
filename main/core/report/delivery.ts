// The delivery part of a text report (the CLI's send and api, History's .txt export): where the
// message landed and how fast, the hops it passed, how its authentication was judged and whether
// the DKIM signature Mailprobe added verified; or, when it was not seen, what the watch looked at.
import type { DeliveryAuthResults, DeliveryResult, DkimSent } from '../../../preload/contract'
import { deliveryStep, plural, waitWords } from '../../../preload/contract/wording'
import { paint, sanitize, SGR, type Style } from './style'

/** Where the watch looked: imaps://imap.example.com:993, imap://127.0.0.1:143 (STARTTLS), the sandbox's inbox. */
function mailboxName(mailbox: DeliveryResult['mailbox']): string {
  const m = mailbox as { kind?: string; host?: string; port?: number; security?: string }
  if (m.host === undefined) return 'the sandbox’s inbox'
  const host = m.host.includes(':') ? `[${m.host}]` : m.host
  const how = m.security === 'tls' ? '' : m.security === 'starttls' ? ' (STARTTLS)' : ' (no TLS)'
  return `${m.security === 'tls' ? 'imaps' : 'imap'}://${sanitize(host)}:${m.port}${how}`
}

/** The verdict line's delivery part, for a message seen: `in Inbox after 412 ms · ` (the app's wording; empty otherwise). */
export function deliveryVerdict(r: { delivery?: DeliveryResult }): string {
  const step = r.delivery?.ok ? deliveryStep({ delivery: r.delivery, error: null }) : null
  return step ? `${sanitize(step)} · ` : ''
}

const VERDICT_COLOR: Record<string, string> = { pass: SGR.green, fail: SGR.red, softfail: SGR.yellow, permerror: SGR.red, temperror: SGR.yellow, policy: SGR.yellow }

function verdict(name: string, value: string | null, style: Style): string {
  return `${name} ${value === null ? '—' : paint(sanitize(value), VERDICT_COLOR[value] ?? '', style)}`
}

/** `authentication (…): SPF pass · DKIM pass · DMARC none · ARC —`, with -v what the verdicts rest on and the header. */
function formatAuth(a: DeliveryAuthResults, style: Style, details: boolean): string[] {
  const source = a.source === 'receiver' ? `the receiver’s Authentication-Results${a.by ? `, by ${sanitize(a.by)}` : ''}` : 'checked by Mailprobe: the receiver added no Authentication-Results'
  const lines = [`  authentication (${source}): ${[verdict('SPF', a.spf, style), verdict('DKIM', a.dkim, style), verdict('DMARC', a.dmarc, style), verdict('ARC', a.arc, style)].join(' · ')}`]
  if (details) {
    for (const note of a.notes) lines.push(`    ${sanitize(note)}`)
    if (a.header) lines.push(`    Authentication-Results: ${sanitize(a.header)}`)
  }
  return lines
}

/** The hops as a small table: from → by, with, the delay since the hop before (a skewed clock marked). */
function formatHops(hops: DeliveryResult['hops'], style: Style): string[] {
  if (!hops.length) return ['  hops: the message carries no Received header']
  const head = ['hop', 'from', 'by', 'with', 'delay']
  const rows = hops.map((h, i) => [
    String(i + 1),
    sanitize(h.from ?? '—'),
    sanitize(h.by ?? '—'),
    sanitize([h.with, h.tls].filter(Boolean).join(' ') || '—'),
    h.delayMs === null ? '' : `${h.delayMs < 0 ? '-' : ''}${waitWords(Math.abs(h.delayMs))}${h.skewed ? ' (clock skewed)' : ''}`,
  ])
  const widths = head.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)))
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ')
  return [paint(`    ${fmt(head)}`.trimEnd(), SGR.bold, style), ...rows.map((r, i) => paint(`    ${fmt(r)}`.trimEnd(), hops[i]!.skewed ? SGR.yellow : '', style))]
}

/**
 * The delivery section: `Delivery: in INBOX …` with the hops and the verdicts, or `Delivery: not
 * seen …` with the folders watched and what arrived in them meanwhile.
 */
export function formatDelivery(d: DeliveryResult, style: Style, opts: { details?: boolean } = {}): string {
  const where = mailboxName(d.mailbox)
  if (!d.ok || d.folder === null) {
    if (!d.watched.length) return `${paint('Delivery: not proven', SGR.bold, style)}: the mailbox at ${where} could not be watched (the error below says why)`
    const lines = [`${paint('Delivery: not seen', SGR.red + SGR.bold, style)} in ${where}; watched:`]
    for (const w of d.watched)
      lines.push(`  ${sanitize(w.folder)}${w.junk ? ' (Junk)' : ''}: ${w.arrived ? `${plural(w.arrived, 'other message')} arrived` : 'nothing arrived'} (${w.method === 'idle' ? 'IDLE' : 'polling'})`)
    return lines.join('\n')
  }
  const folder = `${sanitize(d.folder)}${d.junk ? ' — the Junk folder' : ''}`
  const how = d.alreadyThere ? 'already there when the watch was ready, so the times are upper bounds' : d.method === 'idle' ? 'announced by IDLE' : 'found by polling'
  const times = [
    ...(d.acceptedToInboxMs === null ? [] : [`${waitWords(d.acceptedToInboxMs)} after acceptance`]),
    ...(d.sendToInboxMs === null ? [] : [`${waitWords(d.sendToInboxMs)} after the send began`]),
  ].join(', ')
  const lines = [`${paint(`Delivery: in ${folder}`, (d.junk ? SGR.yellow : SGR.green) + SGR.bold, style)} (${where}) · ${times} (${how})`]
  lines.push(...formatHops(d.hops, style))
  if (d.authResults) lines.push(...formatAuth(d.authResults, style, Boolean(opts.details)))
  else lines.push('  authentication: not judged (the receiver added no Authentication-Results and Mailprobe could not check the message)')
  if (d.deleted) lines.push('  the test message was deleted after reading')
  return lines.join('\n')
}

/** The DKIM signature the message carried and, when the mailbox was watched, whether it verified on arrival; -v adds the header itself. */
export function formatDkimSent(dkim: DkimSent, delivery: DeliveryResult | null, style: Style, opts: { details?: boolean } = {}): string {
  let outcome = ''
  if (delivery?.ok) {
    outcome =
      delivery.dkimVerified === null
        ? ': not judged on arrival'
        : delivery.dkimVerified
          ? `: ${paint('verified on arrival', SGR.green, style)}`
          : `: ${paint('did NOT verify on arrival', SGR.red + SGR.bold, style)}`
  }
  const lines = [`DKIM: signed for ${sanitize(dkim.domain)} (selector ${sanitize(dkim.selector)}, key at ${sanitize(dkim.selector)}._domainkey.${sanitize(dkim.domain)})${outcome}`]
  if (opts.details) for (const line of dkim.header.split(/\r?\n/)) lines.push(`  ${sanitize(line)}`)
  return lines.join('\n')
}
