import { readFile } from 'node:fs/promises'
import type { Duplex } from 'node:stream'
import tls from 'node:tls'
import type { CertSummary, ClassifiedError, TlsInfo, TlsOptions } from '../../../preload/contract'
import { abortError, fail } from '../errors'
import { plural } from '../report/text'
import type { NetLog } from './log'

/**
 * tls.connect options from a profile's TLS settings. Verification is decided by us after the
 * handshake (see verifyPeer), so every connection can report the certificate it was shown.
 */
export async function buildTlsOptions(host: string, o: TlsOptions): Promise<tls.ConnectionOptions> {
  const servername = o.servername ?? (isIpLiteral(host) ? undefined : host)
  const ca: string[] = []
  if (o.caFile) {
    try {
      ca.push(await readFile(o.caFile, 'utf8'))
    } catch (err) {
      fail('INVALID_INPUT', `Cannot read the CA file ${o.caFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}.`)
    }
  }
  if (o.caPem) ca.push(o.caPem)
  return {
    servername,
    // Checked by verifyPeer right after the handshake, before a single byte of SMTP or HTTP is written.
    rejectUnauthorized: false,
    ...(ca.length ? { ca } : {}),
    ...(o.minVersion ? { minVersion: o.minVersion } : {}),
  }
}

export function isIpLiteral(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':')
}

/**
 * Upgrades an open socket to TLS (implicit TLS, or our own STARTTLS in the probe), bounded by time and the signal.
 * Any duplex stream works (the probe passes a tap that records what the peer sent).
 */
export function startTls(socket: Duplex, options: tls.ConnectionOptions, timeoutMs: number, signal?: AbortSignal): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const secure = tls.connect({ ...options, socket })
    let settled = false
    const done = (err?: unknown) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      secure.off('error', onError)
      secure.on('error', () => {})
      if (err) {
        secure.destroy()
        socket.destroy()
        reject(err)
      } else resolve(secure)
    }
    const onError = (err: NodeJS.ErrnoException) => done(tlsHandshakeError(err))
    const onAbort = () => done(abortError())
    const timer = setTimeout(() => done(tlsHandshakeError(Object.assign(new Error('handshake timed out'), { code: 'ETIMEDOUT' }), timeoutMs)), timeoutMs)
    secure.once('secureConnect', () => done())
    secure.on('error', onError)
    socket.once('close', () => done(tlsHandshakeError(Object.assign(new Error('connection closed during the TLS handshake'), { code: 'ECONNRESET' }))))
    if (signal?.aborted) onAbort()
    else signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** Turns a handshake failure into a classified error with the classic mix-up explained. */
export function tlsHandshakeError(err: NodeJS.ErrnoException, timeoutMs?: number): unknown {
  const code = err.code ?? ''
  const msg = err.message ?? ''
  if (/wrong version number|packet length too long|unknown protocol|http request/i.test(msg) || code === 'ERR_SSL_WRONG_VERSION_NUMBER')
    return wrap({
      code: 'TLS_FAILED',
      message: "The server answered in plaintext, not TLS: this port does not speak TLS from the first byte. Choose security 'starttls' (or 'auto') for it, or use port 465 for implicit TLS.",
      detail: code || msg,
    })
  if (code === 'ETIMEDOUT') return wrap({ code: 'TLS_FAILED', message: `The TLS handshake did not finish within ${timeoutMs} ms.`, detail: code })
  if (code === 'ECONNRESET' || /socket disconnected|closed/i.test(msg))
    return wrap({
      code: 'TLS_FAILED',
      message: 'The server closed the connection during the TLS handshake: it may not speak TLS here, or it rejected our TLS versions or ciphers.',
      detail: code || msg,
    })
  if (/alert protocol version|unsupported protocol|no protocols available/i.test(msg))
    return wrap({ code: 'TLS_FAILED', message: 'No TLS version in common with the server: check the minimum TLS version setting.', detail: code || msg })
  return wrap({ code: 'TLS_FAILED', message: `The TLS handshake failed: ${msg || code}.`, detail: code || msg })
}

function wrap(info: ClassifiedError): unknown {
  try {
    fail(info.code, info.message, { detail: info.detail })
  } catch (e) {
    return e
  }
}

/** The certificate verification verdict for a finished handshake, as a classified error (null when trusted). */
export function verificationError(socket: tls.TLSSocket, name: string): ClassifiedError | null {
  if (socket.authorized) return null
  const reason = String(socket.authorizationError ?? 'unknown')
  const cert = socket.getPeerCertificate()
  const subject = cert && cert.subject ? formatName(cert.subject) : 'the server'
  if (reason === 'CERT_HAS_EXPIRED')
    return {
      code: 'CERT_EXPIRED',
      message: `The server's certificate (${subject}) expired on ${cert.valid_to}. The server must renew it; to test anyway, turn verification off for this profile.`,
      detail: reason,
    }
  if (reason === 'CERT_NOT_YET_VALID')
    return { code: 'CERT_EXPIRED', message: `The server's certificate (${subject}) is not valid before ${cert.valid_from}: check this machine's clock or the certificate.`, detail: reason }
  if (reason === 'ERR_TLS_CERT_ALTNAME_INVALID' || /altname|hostname/i.test(reason))
    return {
      code: 'CERT_HOSTNAME_MISMATCH',
      message: `The certificate is for ${certNames(cert).join(', ') || subject}, not ${name}. Connect by a name the certificate covers, or set the TLS server name (SNI) to one.`,
      detail: reason,
    }
  if (/SELF_SIGNED|UNABLE_TO_GET_ISSUER|UNABLE_TO_VERIFY_LEAF|CERT_UNTRUSTED|CERT_SIGNATURE_FAILURE|INVALID_CA|CERT_CHAIN_TOO_LONG/.test(reason))
    return {
      code: 'CERT_UNTRUSTED',
      message: `The server's certificate (${subject}, issued by ${cert.issuer ? formatName(cert.issuer) : 'unknown'}) is not signed by a CA this machine trusts. Give the CA file for this server, or fix its certificate chain.`,
      detail: reason,
    }
  return { code: 'TLS_FAILED', message: `The server's certificate failed verification: ${reason}.`, detail: reason }
}

/** Handshake round trips: TLS 1.3 and resumed sessions take one, a full TLS 1.2 handshake two. */
export function handshakeRoundTrips(socket: tls.TLSSocket): number {
  return socket.getProtocol() === 'TLSv1.3' || socket.isSessionReused() ? 1 : 2
}

export function tlsInfo(socket: tls.TLSSocket, insecure: boolean): TlsInfo {
  const cert = socket.getPeerCertificate()
  return {
    protocol: socket.getProtocol() ?? 'unknown',
    cipher: socket.getCipher()?.standardName ?? socket.getCipher()?.name ?? 'unknown',
    authorized: socket.authorized,
    authorizationError: socket.authorized ? null : String(socket.authorizationError ?? 'unknown'),
    insecure,
    sessionReused: socket.isSessionReused(),
    ...certSummary(cert),
  }
}

export function certSummary(cert: tls.PeerCertificate | undefined) {
  const empty = !cert || !Object.keys(cert).length
  return {
    subject: empty || !cert.subject ? '' : formatName(cert.subject),
    issuer: empty || !cert.issuer ? '' : formatName(cert.issuer),
    sans: empty ? [] : certNames(cert),
    validFrom: empty ? '' : new Date(cert.valid_from).toISOString(),
    validTo: empty ? '' : new Date(cert.valid_to).toISOString(),
    fingerprint256: empty ? '' : (cert.fingerprint256 ?? ''),
  }
}

/** One line for the transcript: protocol, cipher, who the certificate names and the verdict. */
export function describeTls(info: TlsInfo): string {
  const verdict = info.authorized ? 'verified' : info.insecure ? `NOT verified (${info.authorizationError}; verification is off)` : `NOT verified (${info.authorizationError})`
  return `${info.protocol} ${info.cipher} · ${info.subject || 'no subject'} · issuer ${info.issuer || 'unknown'} · ${verdict}`
}

export interface TlsReport {
  info: TlsInfo
  /** Why the certificate fails verification for `name`, null when it is trusted (reported whatever `insecure` says). */
  verdict: ClassifiedError | null
}

/**
 * The facts of a finished handshake, written to the transcript the same way for every job: the
 * session and verdict, then (as details) the names, validity and the chain.
 */
export function reportTls(socket: tls.TLSSocket, check: { name: string; insecure: boolean }, log: Pick<NetLog, 'line'>): TlsReport {
  const info = tlsInfo(socket, check.insecure)
  log.line('tls', describeTls(info))
  if (info.sans.length || info.validTo) {
    const left = info.validTo ? daysUntil(info.validTo, Date.now()) : null
    log.line('tls', `certificate names: ${info.sans.join(', ') || 'none'} · valid ${info.validFrom.slice(0, 10)} → ${info.validTo.slice(0, 10)}${expiry(left)}`, { detail: true })
  }
  const leaf = socket.getPeerCertificate(true)
  for (const [i, c] of chainOf(leaf).entries()) if (i > 0) log.line('tls', `chain ${i}: ${c.subject || 'no subject'} · issuer ${c.issuer || 'unknown'} · SHA-256 ${c.fingerprint256}`, { detail: true })
  return { info, verdict: verificationError(socket, check.name) }
}

function expiry(days: number | null): string {
  if (days === null) return ''
  return days < 0 ? ` (expired ${plural(-days, 'day')} ago)` : ` (${plural(days, 'day')} left)`
}

const DAY_MS = 24 * 60 * 60 * 1000
const MAX_CHAIN = 10

/** Whole days from `now` to `iso`: 13.9 days left → 13; expired 35.2 days ago → -35; expired an hour ago → -1. */
export function daysUntil(iso: string, now: number): number | null {
  const end = Date.parse(iso)
  if (!Number.isFinite(end)) return null
  const ms = end - now
  return ms >= 0 ? Math.floor(ms / DAY_MS) : -Math.max(1, Math.floor(-ms / DAY_MS))
}

/** The leaf and its issuers as Node reports them (the peer's chain, completed from the trust store when it verified). */
export function chainOf(leaf: tls.DetailedPeerCertificate | undefined): CertSummary[] {
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

export function formatName(name: tls.Certificate | Record<string, string | string[]>): string {
  return Object.entries(name)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ')
}

function certNames(cert: tls.PeerCertificate): string[] {
  const sans = (cert.subjectaltname ?? '')
    .split(/,\s*/)
    .map((s) => s.replace(/^(DNS|IP Address):/, ''))
    .filter(Boolean)
  return sans.length ? sans : cert.subject?.CN ? [String(cert.subject.CN)] : []
}
