import type { Phase, SmtpPhaseName } from '../../../preload/contract'

type SmtpPhase = Phase<SmtpPhaseName>

/** The phase each command verb opens (HELO and LHLO count as EHLO); AUTH continuation lines stay in AUTH. */
const VERB_PHASES: Record<string, SmtpPhaseName> = {
  EHLO: 'ehlo',
  HELO: 'ehlo',
  LHLO: 'ehlo',
  STARTTLS: 'starttls',
  AUTH: 'auth',
  MAIL: 'mail',
  RCPT: 'rcpt',
  DATA: 'data',
  RSET: 'rset',
  NOOP: 'noop',
  QUIT: 'quit',
}

interface Pending {
  name: SmtpPhaseName
  sent: number
  roundTrips: number
  /** Written while the previous command's reply was still due (QUIT with the end of data): its phase starts when it was sent. */
  overlaps?: boolean
}

/**
 * Turns the ordered stream of client lines, server replies and connection marks into the
 * waterfall. A round trip is counted each time a reply arrives after the client wrote
 * something since the previous reply (so a pipelined group costs one), plus the greeting and
 * the handshakes. Phases are laid end to end: a pipelined command's phase starts when the
 * previous phase ended. Consecutive phases of one name (several RCPTs) merge into one bar.
 */
export class PhaseTracker {
  private pending: Pending[] = []
  private held: SmtpPhase | null = null
  private lastEnd = 0
  private wrote = false
  private inAuth = false
  private afterStartTls = false
  private dataOpen: { start: number; roundTrips: number } | null = null
  private banner: { at: number; roundTrips: number } | null = null
  private tlsStartedAt: number | null = null

  constructor(private readonly emit: (phase: SmtpPhase) => void) {}

  /** A phase measured directly (dns, connect, an implicit TLS handshake). */
  span(name: SmtpPhaseName, start: number, end: number, roundTrips: number): void {
    this.add({ name, startMs: start, durationMs: end - start, roundTrips })
  }

  /** The transport is ready; the greeting is awaited from now. Its wait is one round trip (the handshake's last ACK must reach the server first), except right after a TLS 1.2 handshake, where it rides with the server's Finished. */
  connected(at: number, bannerRoundTrips = 1): void {
    this.banner = { at, roundTrips: bannerRoundTrips }
    this.lastEnd = Math.max(this.lastEnd, at)
  }

  client(at: number, text: string, opts: { pipelined?: boolean } = {}): void {
    this.wrote = true
    if (this.inAuth) return // AUTH continuation lines belong to the AUTH phase
    const verb = (/^\s*(\S+)/.exec(text)?.[1] ?? '').toUpperCase()
    const known = VERB_PHASES[verb] ?? 'command'
    const name = known === 'ehlo' && this.afterStartTls ? 'ehlo2' : known
    if (name === 'auth') this.inAuth = true
    this.pending.push({ name, sent: at, roundTrips: 0, ...(opts.pipelined ? { overlaps: true } : {}) })
  }

  /**
   * A complete reply arrived. Returns the name of the command it answers ('banner' for the
   * greeting), or undefined for an unsolicited reply.
   */
  server(at: number, code: number): SmtpPhaseName | undefined {
    const counted = this.wrote ? 1 : 0
    this.wrote = false
    if (this.banner) {
      const b = this.banner
      this.banner = null
      this.span('banner', Math.max(b.at, this.lastEnd), at, b.roundTrips)
      return 'banner'
    }
    const head = this.pending[0]
    if (!head) return undefined
    head.roundTrips += counted
    if (head.name === 'auth' && code === 334) return 'auth'
    this.pending.shift()
    if (head.name === 'auth') this.inAuth = false
    if (head.name === 'data' && code === 354) {
      this.dataOpen = { start: Math.max(head.sent, this.lastEnd), roundTrips: head.roundTrips }
      return 'data'
    }
    if (head.name === 'starttls' && code === 220) this.tlsStartedAt = at
    this.span(head.name, head.overlaps ? head.sent : Math.max(head.sent, this.lastEnd), at, head.roundTrips)
    return head.name
  }

  /** nodemailer finished the STARTTLS handshake. */
  upgraded(at: number, roundTrips: number): void {
    this.afterStartTls = true
    if (this.tlsStartedAt !== null) this.span('tls', this.tlsStartedAt, at, roundTrips)
    this.tlsStartedAt = null
    this.wrote = false
  }

  /** The message body and its final dot have been written: what follows is the server's verdict (dataAck). */
  bodySent(at: number): void {
    this.wrote = true
    if (this.dataOpen) this.span('data', this.dataOpen.start, at, this.dataOpen.roundTrips)
    this.dataOpen = null
    this.pending.unshift({ name: 'dataAck', sent: at, roundTrips: 0 })
  }

  /** The connection closed: whatever was waiting (usually QUIT) ends here. */
  closed(at: number): void {
    const head = this.pending.shift()
    if (head?.name === 'quit') this.span('quit', Math.max(head.sent, this.lastEnd), at, head.roundTrips + (this.wrote ? 1 : 0))
    this.pending = []
    this.wrote = false
  }

  /** Emits the phase still held back for merging. */
  flush(): void {
    if (this.held) this.emit(this.held)
    this.held = null
  }

  private add(phase: SmtpPhase): void {
    phase.startMs = round(phase.startMs)
    phase.durationMs = round(Math.max(0, phase.durationMs))
    this.lastEnd = Math.max(this.lastEnd, phase.startMs + phase.durationMs)
    if (this.held && this.held.name === phase.name) {
      this.held.durationMs = round(phase.startMs + phase.durationMs - this.held.startMs)
      this.held.roundTrips += phase.roundTrips
      return
    }
    this.flush()
    this.held = phase
  }
}

const round = (n: number) => Math.round(n * 1000) / 1000
