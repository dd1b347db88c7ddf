// The hops a message took, from its Received headers (RFC 5321 §4.4): each server prepends one, so
// the newest is first in the message; shown here in path order, oldest first, with the time from
// one hop to the next. Clocks differ between servers: a negative delay, or one over a day, is
// marked as a skewed clock rather than shown as if it were true. Parsing is mailauth's.
import { isIP } from 'node:net'
import { parseReceived } from 'mailauth/lib/parse-received'
import type { DeliveryHop } from '../../../preload/contract'

/** A delay longer than this between two hops is taken for a wrong clock (queues that long are rare and would show in a bounce instead). */
export const IMPLAUSIBLE_DELAY_MS = 24 * 60 * 60 * 1000

/** The hops of `received` (the Received header values, newest first, as they appear in the message), oldest first. */
export function hopsFrom(received: readonly string[]): DeliveryHop[] {
  const hops = received.map(hopOf).reverse()
  let previous: number | null = null
  for (const hop of hops) {
    const at = hop.at === null ? null : Date.parse(hop.at)
    if (at !== null && previous !== null) {
      hop.delayMs = at - previous
      if (hop.delayMs < 0 || hop.delayMs > IMPLAUSIBLE_DELAY_MS) hop.skewed = true
    }
    if (at !== null) previous = at
  }
  return hops
}

function hopOf(value: string): DeliveryHop {
  const parsed = parseReceived(`Received: ${value}`) || { full: value }
  const ip = clientIpOf(parsed.from)
  const from = parsed.from?.value ? `${parsed.from.value}${ip && !parsed.from.value.includes(ip) ? ` [${ip}]` : ''}` : null
  const tls = parsed.tls ? (parsed.tls.comment ?? parsed.tls.value) || undefined : undefined
  // mailauth joins what follows the protocol into `with` (Exim: "esmtps tls TLS_AES_…"; Microsoft: "Microsoft SMTP Server").
  const protocol = parsed.with?.value ? (/^Microsoft SMTP Server/i.test(parsed.with.value) ? parsed.with.value : parsed.with.value.split(/\s+/)[0]!) : null
  return {
    from,
    by: parsed.by?.value || null,
    with: protocol,
    at: dateOf(parsed.timestamp ?? dateAfterSemicolon(value)),
    delayMs: null,
    // mailauth also reports "with ESMTPS(A)" as the hop's TLS: said once, by `with`.
    ...(tls && tls.toLowerCase() !== protocol?.toLowerCase() ? { tls } : {}),
  }
}

/**
 * The address the receiving server saw the client at, from the from clause: "[192.0.2.1]" in its
 * comment or value (Postfix, Exim, Gmail), or a comment that is an address alone (Microsoft 365:
 * "(192.0.2.1)"). Null when it names none.
 */
export function clientIpOf(from: { value: string; comment?: string } | undefined): string | null {
  if (!from) return null
  const bracketed = /\[(?:IPv6:)?([0-9A-Fa-f:.]+)\]/.exec(`${from.comment ?? ''} ${from.value}`)?.[1]
  if (bracketed && isIP(bracketed)) return bracketed
  const bare = from.comment?.trim()
  return bare && isIP(bare) ? bare : null
}

function dateAfterSemicolon(value: string): string | undefined {
  const i = value.lastIndexOf(';')
  return i === -1 ? undefined : value.slice(i + 1)
}

/** An RFC 5322 date (comments such as "(PDT)" dropped) as ISO 8601, null when it does not parse. */
export function dateOf(text: string | undefined): string | null {
  if (!text) return null
  const clean = text
    .replace(/\([^)]*\)/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  const ms = Date.parse(clean)
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null
}
