import type { ProbePort, ProbeRecommendation, ProbeSecurity } from '../../../preload/contract'
import { securityWords } from '../../../preload/contract/wording'

/** What the recommendation needs to know about each port. */
export type PathFacts = Pick<ProbePort, 'host' | 'port' | 'state' | 'speaks' | 'bannerCode' | 'starttls' | 'tls' | 'capabilities' | 'auth'>

export interface RecommendOptions {
  /** host = mail submission (RFC 8314 rules); mx = relay to a domain's MX hosts on port 25. */
  mode: 'host' | 'mx'
  /** The user turned certificate verification off: an unverified certificate does not disqualify a port. */
  insecure: boolean
}

/** How a client secures a session on this port (whether or not it worked); null when it does not speak SMTP. Pure. */
export function securityOf(p: Pick<PathFacts, 'speaks' | 'starttls'>): ProbeSecurity | null {
  if (p.speaks === 'tls') return 'tls'
  if (p.speaks === 'smtp') return p.starttls ? 'starttls' : 'none'
  return null
}

/** The way through this port that worked end to end (greeting 220, EHLO answered, TLS up where offered), or null. Pure. */
export function workingPath(p: PathFacts): ProbeSecurity | null {
  if (p.state !== 'open' || p.bannerCode !== 220) return null
  if (p.speaks === 'tls') return p.tls && p.capabilities.after !== null ? 'tls' : null
  if (p.speaks !== 'smtp') return null
  if (p.tls?.mode === 'starttls') return p.capabilities.after !== null ? 'starttls' : null
  if (!p.starttls && !p.tls && p.capabilities.before !== null) return 'none'
  return null
}

const certOk = (p: PathFacts) => !p.tls || p.tls.verification === null

/** Whether the port offers a usable path: TLS-protected and trusted for submission; any SMTP that greets for MX relay. Pure. */
export function isUsable(p: PathFacts, opts: RecommendOptions): boolean {
  const path = workingPath(p)
  if (opts.mode === 'mx') return path !== null
  return (path === 'tls' || path === 'starttls') && (certOk(p) || opts.insecure)
}

/** Lower is better: RFC 8314 order for submission. */
function portRank(port: number, path: ProbeSecurity): number {
  if (port === 465 && path === 'tls') return 0
  if (port === 587 && path === 'starttls') return 1
  if (port === 25) return path === 'tls' ? 6 : 7
  if (path === 'tls') return 2
  if (port === 587) return 3
  if (port === 2525) return 4
  return 5
}

const authAfter = (p: PathFacts) => p.auth.after ?? []

/** The port and security to use and why, or why none fits. Pure. */
export function recommend(ports: readonly PathFacts[], opts: RecommendOptions): ProbeRecommendation {
  return opts.mode === 'mx' ? recommendRelay(ports, opts) : recommendSubmission(ports, opts)
}

function recommendSubmission(ports: readonly PathFacts[], opts: RecommendOptions): ProbeRecommendation {
  const usable = ports
    .filter((p) => isUsable(p, opts))
    .map((p) => ({ p, path: workingPath(p)! }))
    .sort((a, b) => (authAfter(a.p).length ? 0 : 1) - (authAfter(b.p).length ? 0 : 1) || portRank(a.p.port, a.path) - portRank(b.p.port, b.path) || a.p.port - b.p.port)
  const best = usable[0]
  if (!best) return { port: null, host: ports[0]?.host ?? null, security: null, reason: whyNone(ports) }

  const { p, path } = best
  const parts = [`Use port ${p.port} with ${securityWords(path)}: ${whyPort(p.port, path)}.`]
  const mechs = authAfter(p)
  parts.push(mechs.length ? `It offers AUTH ${mechs.join(' ')}.` : 'It offers no AUTH, so it works only if the server relays mail for your address.')
  if (!certOk(p)) parts.push(`Its certificate fails verification (${p.tls!.verification!.code}); you turned verification off, so do not rely on this path until the certificate is fixed.`)
  // Ports that would rank higher but whose certificate fails are never passed over in silence.
  const passedOver = ports.filter((q) => q !== p && !certOk(q) && !isUsable(q, opts) && (workingPath(q) === 'tls' || workingPath(q) === 'starttls'))
  for (const q of passedOver)
    parts.push(`Port ${q.port} also speaks ${securityWords(workingPath(q)!)}, but its certificate fails verification (${q.tls!.verification!.code}), so it is not recommended.`)
  return { port: p.port, host: p.host, security: path, reason: parts.join(' ') }
}

function whyPort(port: number, path: ProbeSecurity): string {
  if (port === 465 && path === 'tls') return 'RFC 8314 prefers implicit TLS for submission (the session is encrypted from the first byte)'
  if (port === 587 && path === 'starttls') return 'the standard submission port (RFC 6409), the usual alternative to implicit TLS on 465'
  if (port === 587) return 'the standard submission port; note this server speaks TLS from the first byte here, not STARTTLS'
  if (port === 465) return 'note this server uses STARTTLS on 465, where implicit TLS is usual'
  if (port === 2525) return 'a provider-specific fallback (not a standard port), useful where 587 is blocked'
  if (port === 25) return 'port 25 is meant for relay between servers; submission there works only where the provider allows it, and many networks block it'
  return `a non-standard port this server uses for submission`
}

/** Why no port fits for submission, from the most to the least specific reason. */
function whyNone(ports: readonly PathFacts[]): string {
  const tlsPaths = ports.filter((p) => workingPath(p) === 'tls' || workingPath(p) === 'starttls')
  if (tlsPaths.length) {
    const list = tlsPaths.map((p) => `${p.port} (${p.tls?.verification?.code ?? 'unverified'})`).join(', ')
    return `No port offers a trustworthy TLS path: ${list} ${tlsPaths.length === 1 ? 'presents a certificate that fails' : 'present certificates that fail'} verification. Fix the certificate or trust its CA (a CA file); turn verification off only for testing.`
  }
  const plain = ports.filter((p) => workingPath(p) === 'none')
  if (plain.length) return `Only plaintext SMTP without STARTTLS answers (port ${plain.map((p) => p.port).join(', ')}): credentials and mail would travel unencrypted, so none fits for submission.`
  const brokenTls = ports.filter((p) => p.state === 'open' && p.bannerCode === 220 && (p.speaks === 'smtp' || p.speaks === 'tls'))
  if (brokenTls.length) return `Port ${brokenTls.map((p) => p.port).join(', ')} speaks SMTP, but the session failed before TLS was established and EHLO answered; see the diagnosis.`
  const rejecting = ports.filter((p) => p.bannerCode !== null && p.bannerCode !== 220)
  if (rejecting.length) return `The server turns this client away (${rejecting.map((p) => `${p.bannerCode} on port ${p.port}`).join(', ')}).`
  return `No port answered with SMTP (${summary(ports)}): check the host name, or whether your network blocks outbound mail ports.`
}

function recommendRelay(ports: readonly PathFacts[], opts: RecommendOptions): ProbeRecommendation {
  // MX order is the caller's order (by preference); the first MX host that works is where mail goes.
  const i = ports.findIndex((p) => isUsable(p, opts))
  if (i < 0)
    return {
      port: null,
      host: null,
      security: null,
      reason: ports.length ? `No MX host accepts SMTP from here (${summary(ports, true)}). Outbound port 25 is often blocked by ISPs and cloud providers; try from a server.` : 'No MX host to probe.',
    }
  const p = ports[i]!
  const path = workingPath(p)!
  const skipped = ports.slice(0, i).filter((q) => q.host !== p.host)
  const parts = [`Deliver to ${p.host} on port ${p.port} with ${securityWords(path)}${skipped.length ? ' (the most preferred MX host that answers)' : ' (the most preferred MX host)'}.`]
  if (skipped.length) parts.push(`Not answering: ${summary(skipped, true)}.`)
  if (path === 'none') parts.push('It offers no STARTTLS, so mail to this domain travels unencrypted.')
  else if (!certOk(p))
    parts.push(`Its certificate fails verification (${p.tls!.verification!.code}); MTAs on port 25 usually accept that (opportunistic TLS) unless the domain publishes MTA-STS or DANE.`)
  return { port: p.port, host: p.host, security: path, reason: parts.join(' ') }
}

function summary(ports: readonly PathFacts[], withHost = false): string {
  return ports
    .slice(0, 8)
    .map((p) => `${withHost ? `${p.host}:` : ''}${p.port} ${p.state === 'open' ? (p.speaks ?? 'open') : p.state}`)
    .join(', ')
}
