// How the message's authentication was judged: the receiving server's Authentication-Results
// (RFC 8601; the newest one, which the final receiver prepends), parsed with mailauth; or, when the
// receiver added none, Mailprobe's own check with mailauth's authenticate(): every DKIM signature,
// SPF for the address the newest Received header names, DMARC alignment and ARC, labelled as ours.
import { promises as dns } from 'node:dns'
import parseDkimHeaders from 'mailauth/lib/parse-dkim-headers'
import { parseReceived } from 'mailauth/lib/parse-received'
import type { DeliveryAuthResults, DkimSigning } from '../../../preload/contract'
import { fieldValues, splitHeaders, type HeaderField } from './headers'
import { clientIpOf } from './received'

/** A message larger than this is not downloaded for Mailprobe's own check. */
export const MAX_VERIFY_BYTES = 25 * 1024 * 1024

export interface AuthVerdicts {
  results: DeliveryAuthResults
  /** Whether the signature the job added verified; null when the job signed nothing or the verdicts do not say. */
  dkimVerified: boolean | null
}

type Signer = Pick<DkimSigning, 'domain' | 'selector'>

/** The receiver's verdicts from the newest Authentication-Results header; null when the message has none. */
export function receiverVerdicts(fields: readonly HeaderField[], signer: Signer | null): AuthVerdicts | null {
  const header = fieldValues(fields, 'authentication-results')[0]
  if (header === undefined) return null
  const parsed = parseDkimHeaders(`Authentication-Results: ${header}`).parsed
  const dkim = parsed.dkim ?? []
  const notes: string[] = []
  const ours = signer ? dkim.filter((d) => signerOf(d.header) === signer.domain.toLowerCase() && (!d.header?.s || d.header.s === signer.selector)) : []
  if (signer && dkim.length && !ours.length) notes.push(`none of the DKIM results names ${signer.domain} (selector ${signer.selector})`)
  return {
    results: {
      spf: verdictOf(parsed.spf?.value),
      dkim: overallDkim(dkim.map((d) => d.value)),
      dmarc: verdictOf(parsed.dmarc?.value),
      arc: verdictOf(parsed.arc?.value),
      source: 'receiver',
      by: parsed.value && !parsed.value.includes('=') ? parsed.value : null,
      header,
      notes,
    },
    dkimVerified: signer && ours.length ? ours.some((d) => verdictOf(d.value) === 'pass') : null,
  }
}

/** The signing domain a DKIM result names: header.d, else the domain of header.i. */
function signerOf(h: Record<string, string> | undefined): string | null {
  const d = h?.d ?? h?.i?.split('@').pop()
  return d ? d.toLowerCase() : null
}

const verdictOf = (v: string | undefined): string | null => (v ? v.toLowerCase() : null)

/** One word for several DKIM signatures: pass when any passed, else the first one's verdict; none without signatures. */
function overallDkim(values: (string | undefined)[]): string | null {
  const vs = values.map(verdictOf).filter((v): v is string => v !== null)
  if (!vs.length) return null
  return vs.includes('pass') ? 'pass' : vs[0]!
}

export interface OwnCheckOptions {
  /** DNS servers for the lookups (DKIM keys, SPF, DMARC); the system's when absent. */
  dnsServers?: readonly string[]
  signer: Signer | null
}

/**
 * Mailprobe's own verdicts on the message as it arrived (the receiver added no
 * Authentication-Results): every DKIM signature; SPF for the client the receiving side saw (see
 * spfClient) and the Return-Path's domain; DMARC alignment; ARC.
 */
export async function ownVerdicts(source: Buffer, o: OwnCheckOptions): Promise<AuthVerdicts> {
  // Loaded on first use: mailauth is large, and a watch whose receiver judges the message never needs it.
  const { authenticate } = await import('mailauth')
  const resolver = o.dnsServers?.length ? resolverFor(o.dnsServers) : undefined
  const head = splitHeaders(source.subarray(0, headerEnd(source)).toString('utf8'))
  const client = spfClient(fieldValues(head, 'received'))
  const sender = fieldValues(head, 'return-path')[0]?.replace(/[<>]/g, '').trim() || undefined
  const res = await authenticate(source, {
    mta: 'mailprobe',
    disableBimi: true,
    ...(client ? { ip: client.ip, helo: client.helo } : {}),
    ...(sender ? { sender } : {}),
    ...(resolver ? { resolver } : {}),
  })
  const notes: string[] = []
  const dkim = (res.dkim.results ?? []).filter((d) => d.signingDomain)
  if (client) notes.push(`SPF checked for ${client.ip} (the client the newest Received header with an address names)${sender ? ` sending as ${sender}` : ''}`)
  else notes.push('SPF not checked: no Received header names the address the message came from')
  if (!dkim.length) notes.push('the message carries no DKIM signature')
  for (const d of dkim) if (d.status.result !== 'pass' && d.status.comment) notes.push(`DKIM ${d.signingDomain} (selector ${d.selector ?? '?'}): ${d.status.comment}`)
  if (o.dnsServers?.length) notes.push(`DNS asked: ${o.dnsServers.join(', ')}`)
  const ours = o.signer ? dkim.filter((d) => d.signingDomain?.toLowerCase() === o.signer!.domain.toLowerCase() && d.selector === o.signer!.selector) : []
  const header = fieldValues(splitHeaders(res.headers), 'authentication-results')[0] ?? null
  return {
    results: {
      spf: client && res.spf ? verdictOf(res.spf.status.result) : null,
      dkim: dkim.length ? overallDkim(dkim.map((d) => d.status.result)) : 'none',
      dmarc: res.dmarc ? verdictOf(res.dmarc.status.result) : null,
      arc: res.arc ? verdictOf(res.arc.status.result) : null,
      source: 'mailprobe',
      by: 'Mailprobe',
      header,
      notes,
    },
    dkimVerified: o.signer ? ours.some((d) => d.status.result === 'pass') : null,
  }
}

/**
 * The client SPF is judged for: the newest Received header that names an address, a public one
 * first (internal hops such as a content filter on 127.0.0.1 come after the receiving MX).
 */
export function spfClient(received: readonly string[]): { ip: string; helo: string } | null {
  const hops = received.map((r) => {
    const p = parseReceived(`Received: ${r}`)
    const from = p ? p.from : undefined
    const ip = clientIpOf(from)
    return ip ? { ip, helo: from?.value || ip } : null
  })
  const named = hops.filter((h): h is { ip: string; helo: string } => h !== null)
  return named.find((h) => !isPrivate(h.ip)) ?? named[0] ?? null
}

function isPrivate(ip: string): boolean {
  return /^(127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|169\.254\.|::1$|f[cd][0-9a-f]{2}:|fe80:)/i.test(ip)
}

function headerEnd(raw: Buffer): number {
  const crlf = raw.indexOf('\r\n\r\n')
  const lf = raw.indexOf('\n\n')
  const ends = [crlf, lf].filter((i) => i >= 0)
  return ends.length ? Math.min(...ends) : raw.length
}

/** A resolver in the shape mailauth takes (dns.promises.resolve's), asking only `servers`. */
function resolverFor(servers: readonly string[]): (name: string, rrtype: string) => Promise<unknown> {
  const r = new dns.Resolver({ timeout: 3000, tries: 2 })
  r.setServers([...servers])
  return (name, rrtype) => r.resolve(name, rrtype)
}
