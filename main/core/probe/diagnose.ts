import type { ProbePort, ProbeTls } from '../../../preload/contract'
import { plural } from '../../../preload/contract/wording'

/** Everything the probe found on one port, before the diagnosis is written. */
export type PortFacts = Omit<ProbePort, 'diagnosis'>

/** Certificates expiring sooner than this get a mention even when they verify. */
export const EXPIRY_WARNING_DAYS = 14

/**
 * One or two plain sentences about one port: what it is, then the one thing most worth knowing
 * (a failure, a certificate problem, or the classic implicit-TLS / STARTTLS mix-up). Pure.
 */
export function diagnose(p: PortFacts): string {
  if (p.error?.code === 'CANCELLED') return 'Cancelled before the probe of this port finished.'
  switch (p.state) {
    case 'refused':
      return `Refused: nothing listens on port ${p.port} (or a firewall rejects the connection).`
    case 'timeout':
      return p.port === 25
        ? 'No answer: likely blocked by your network or provider (outbound port 25 often is).'
        : 'No answer: likely blocked by a firewall on the way (the connection attempt was dropped).'
    case 'error':
      return p.error ? firstSentences(p.error.message, 2) : 'The probe of this port failed for an unknown reason.'
    case 'silent':
      return p.speaks === 'tls'
        ? 'Completes a TLS handshake but never greets inside TLS (not SMTP, or a tarpit?).'
        : 'Accepts connections but never greets, in plaintext or over TLS (tarpit or wrong service?).'
  }
  if (p.speaks === 'other') return otherService(p)
  return join(smtpSummary(p), caveat(p))
}

function otherService(p: PortFacts): string {
  if (p.tls) return `Speaks TLS, but the service inside is ${p.other ?? 'not SMTP'}${p.other ? ', not SMTP' : ''}.`
  return p.other ? `Not a mail server: speaks ${p.other}.` : 'Not a mail server: it answers with something other than an SMTP greeting.'
}

/** The first sentence: how the port speaks SMTP and what AUTH it offers where. */
function smtpSummary(p: PortFacts): string {
  if (p.bannerCode === null) return 'Began an SMTP greeting but never finished it (a tarpit, or a greeting delay longer than the timeout?)'
  if (p.bannerCode !== 220) {
    const why = p.bannerCode === 554 ? 'a blocked address or a policy' : p.bannerCode === 421 ? 'busy or rate-limited; try later' : 'an unexpected greeting'
    return `Greets with ${p.bannerCode} instead of 220: the server turns this client away (${why})`
  }
  const before = p.auth.before ?? []
  const after = p.auth.after ?? []
  if (p.speaks === 'tls') {
    const head = 'Speaks TLS first (implicit TLS, RFC 8314 submission)'
    if (p.capabilities.after === null) return head
    return after.length ? `${head}; AUTH ${after.join(' ')} offered` : `${head}; no AUTH offered (a relay or inbound server, not submission)`
  }
  if (p.capabilities.before === null) return 'Greets with SMTP, but the session went no further'
  if (p.tls && p.tls.mode === 'starttls') {
    if (p.capabilities.after === null) return 'SMTP with STARTTLS'
    if (!after.length) return 'SMTP with STARTTLS; no AUTH offered (a relay or inbound MX, not submission)'
    if (before.length) return `Submission with STARTTLS; AUTH ${after.join(' ')} offered, and AUTH ${before.join(' ')} already before TLS (a client could send its password unencrypted)`
    return `Submission with STARTTLS; AUTH ${after.join(' ')} offered only after TLS`
  }
  if (p.starttls) return 'Offers STARTTLS, but the upgrade failed'
  if (before.length) return `Plaintext SMTP only (no STARTTLS); AUTH ${before.join(' ')} is offered without encryption, so a password sent here can be read on the way`
  return 'Plaintext SMTP only (no STARTTLS, no AUTH): a relay or inbound MX, not submission'
}

/** The second sentence, at most one: what went wrong, or the most useful warning. */
function caveat(p: PortFacts): string {
  if (p.error && p.bannerCode !== null) return `Then: ${firstSentences(p.error.message, 1)}`
  if (p.tls?.verification) return `${certProblem(p.tls, p.host)}, so clients that verify (as they should) will refuse it`
  if (p.speaks === 'tls' && (p.port === 25 || p.port === 587 || p.port === 2525))
    return 'Clients set to STARTTLS (secure: false) wait here for a plaintext greeting and fail with "Greeting never received": use implicit TLS (secure: true)'
  if (p.speaks === 'smtp' && p.port === 465)
    return `Port 465 usually means implicit TLS, but this server speaks plaintext first: clients set to implicit TLS fail with "wrong version number"${p.starttls ? '; use STARTTLS (secure: false)' : ''}`
  const days = p.tls?.daysUntilExpiry
  if (typeof days === 'number' && days >= 0 && days < EXPIRY_WARNING_DAYS) return `Its certificate expires in ${plural(days, 'day')}`
  return ''
}

/** "Its certificate expired 35 days ago" and the like, from the verification verdict. */
export function certProblem(t: ProbeTls, host: string): string {
  const code = t.verification?.code
  if (code === 'CERT_EXPIRED') {
    const days = t.daysUntilExpiry
    if (typeof days === 'number' && days < 0) return `Its certificate expired ${plural(-days, 'day')} ago`
    return 'Its certificate is not valid at this time'
  }
  if (code === 'CERT_HOSTNAME_MISMATCH') return `Its certificate is for ${t.sans.length ? t.sans.slice(0, 4).join(', ') : t.subject || 'another name'}, not ${t.servername || host}`
  if (code === 'CERT_UNTRUSTED') return 'Its certificate is not signed by a CA this machine trusts (self-signed, or the chain is incomplete)'
  return `Its certificate fails verification (${t.verification?.detail ?? t.authorizationError ?? 'unknown reason'})`
}

function join(first: string, second: string): string {
  const a = end(first)
  return second ? `${a} ${end(second)}` : a
}

function end(s: string): string {
  const t = s.trim()
  return /[.!?]$/.test(t) ? t : `${t}.`
}

/** The first `n` sentences of a message (error messages can run long). */
export function firstSentences(text: string, n: number): string {
  // A sentence ends at . ! or ? followed by a space and a capital (so "127.0.0.1" and "e.g. this" stay whole).
  const parts = String(text)
    .trim()
    .split(/(?<=[.!?])\s+(?=[A-Z"'(])/)
  return end(parts.slice(0, Math.max(1, n)).join(' ').trim() || 'Unknown error')
}
