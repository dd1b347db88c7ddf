import tls from 'node:tls'
import type { CertSummary, ProbeTls } from '../../../preload/contract'
import { certSummary, describeTls, tlsInfo, verificationError } from '../net/tls'
import type { PortLog } from './port-log'

const DAY_MS = 24 * 60 * 60 * 1000
const MAX_CHAIN = 10

/** Everything a finished handshake tells about the server's certificate and our verdict on it. */
export function probeTls(socket: tls.TLSSocket, o: { mode: ProbeTls['mode']; servername: string; insecure: boolean; handshakeMs: number; now?: number }): ProbeTls {
  const info = tlsInfo(socket, o.insecure)
  const leaf = socket.getPeerCertificate(true)
  const hasLeaf = !!leaf && Object.keys(leaf).length > 0
  return {
    ...info,
    mode: o.mode,
    handshakeMs: round(o.handshakeMs),
    chain: hasLeaf ? chainOf(leaf) : [],
    verification: verificationError(socket, o.servername),
    servername: o.servername,
    hostnameMatch: hasLeaf && tls.checkServerIdentity(o.servername, leaf) === undefined,
    daysUntilExpiry: info.validTo ? daysUntil(info.validTo, o.now ?? Date.now()) : null,
  }
}

/** Whole days from `now` to `iso`: 13.9 days left → 13; expired 35.2 days ago → -35; expired an hour ago → -1. */
export function daysUntil(iso: string, now: number): number | null {
  const end = Date.parse(iso)
  if (!Number.isFinite(end)) return null
  const ms = end - now
  return ms >= 0 ? Math.floor(ms / DAY_MS) : -Math.max(1, Math.floor(-ms / DAY_MS))
}

/** The leaf and its issuers as Node reports them (the peer's chain, completed from the trust store when it verified). */
function chainOf(leaf: tls.DetailedPeerCertificate): CertSummary[] {
  const out: CertSummary[] = []
  const seen = new Set<string>()
  let cert: tls.DetailedPeerCertificate | undefined = leaf
  while (cert && Object.keys(cert).length && out.length < MAX_CHAIN) {
    const key = cert.fingerprint256 ?? String(out.length)
    if (seen.has(key)) break
    seen.add(key)
    out.push(certSummary(cert))
    cert = cert.issuerCertificate
  }
  return out
}

/** The transcript lines for a handshake: protocol, cipher and verdict; the names and validity; the chain; a note when it fails. */
export function logTls(log: PortLog, t: ProbeTls): void {
  log.line('tls', `${describeTls(t)} · handshake ${t.handshakeMs.toFixed(1)} ms`)
  if (t.sans.length || t.validTo) log.line('tls', `certificate names: ${t.sans.join(', ') || 'none'} · valid ${t.validFrom.slice(0, 10)} → ${t.validTo.slice(0, 10)}${expiry(t.daysUntilExpiry)}`)
  for (const [i, c] of t.chain.entries()) if (i > 0) log.line('tls', `chain ${i}: ${c.subject || 'no subject'} · issuer ${c.issuer || 'unknown'} · SHA-256 ${c.fingerprint256}`)
  if (t.verification) log.line('info', `certificate check: ${t.verification.code}: ${t.verification.message} The probe goes on (it sends no credentials and no mail) to list what the server offers.`)
}

function expiry(days: number | null): string {
  if (days === null) return ''
  return days < 0 ? ` (expired ${-days} day${days === -1 ? '' : 's'} ago)` : ` (${days} day${days === 1 ? '' : 's'} left)`
}

const round = (ms: number) => Math.round(ms * 1000) / 1000
