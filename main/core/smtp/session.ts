import type net from 'node:net'
import type tls from 'node:tls'
import { createSecureContext } from 'node:tls'
// nodemailer is loaded when a session first speaks SMTP (a run that stops after connect never needs it): types only here.
import type SMTPConnection from 'nodemailer/lib/smtp-connection'
import type { ClassifiedError, DkimSent, SmtpJob, SmtpMessage, SmtpPhaseName, SmtpResult, SmtpStage, TlsInfo } from '../../../preload/contract'
import { authTakesToken, SMTP_STAGES } from '../../../preload/contract/smtp'
import { abortError, EngineError, fail, parseReply } from '../errors'
import { loadAttachments, MAX_SMTP_ATTACHMENT_BYTES, type LoadedAttachment } from '../message/attachments'
import { buildMessage, checkDkimKey, envelopeOf, internationalAddresses, type BuiltMessage, type Envelope } from '../message/mime'
import { dial, DialError, type Dialed, type DialTls } from '../net/dial'
import { listenBeforeSpeaking } from '../net/first-word'
import type { NetLog } from '../net/log'
import { ReplyReader } from '../net/reply-reader'
import { buildTlsOptions, handshakeRoundTrips, reportTls } from '../net/tls'
import { nullSink } from '../transcript/event-sink'
import { JobRecorder } from '../transcript/recorder'
import { BEARER_MECHANISMS, bearerHandler, isBearerMechanism, type BearerHooks } from './bearer-auth'
import { authMechanisms, hasCapability, parseEhlo } from './capabilities'
import { classifySmtpError } from './classify'
import { createSessionLogger, quitWithEndOfData, sendCommand, upgradedSocket } from './nodemailer-adapter'
import { PhaseTracker } from './phase-tracker'
import { AuthMasker, explainChallenge } from './session-log'

export const DEFAULT_TIMEOUTS = { connectMs: 10_000, greetingMs: 30_000, socketMs: 60_000 }
/** How long a polite QUIT may take before we just close. */
const QUIT_GRACE_MS = 2_000
/** Under security auto, how long a port other than 465 may stay silent before TLS from the first byte is tried on a second connection. */
export const AUTO_TLS_AFTER_MS = 1_500

/** Whether a session that stops after `stop` goes at least as far as `stage`. */
const reached = (stop: SmtpStage, stage: SmtpStage) => SMTP_STAGES.indexOf(stop) >= SMTP_STAGES.indexOf(stage)

/** The connection: lives as long as its sockets, across the transactions of a kept session. */
interface Link {
  raw: net.Socket | null
  secure: tls.TLSSocket | null
  conn: SMTPConnection | null
  address: string | null
  tls: TlsInfo | null
  /** TLS from the first byte (asked for, or found by auto). */
  implicit: boolean
  secured: boolean
  caps: { before: string[] | null; after: string[] | null }
  authMethodUsed: string | null
  /** The server has said something (a complete reply) on this connection. */
  heard: boolean
}

/** What one run, or one transaction on a kept session, gathers. Made fresh by each; nothing is reset by hand. */
class RunState {
  readonly tracker: PhaseTracker
  readonly warnings: string[] = []
  result: SmtpResult['result'] = { messageId: null, response: null, accepted: [], rejected: [], messageSize: null }
  /** A certificate we refused: the session is ended by us, with this error. */
  tlsError: ClassifiedError | null = null
  /** A reply that is not SMTP at all (no reply code): the session is ended by us, with this error. */
  violation: ClassifiedError | null = null
  /** Between the 220 to STARTTLS and the end of the handshake: a close now is a failed TLS handshake. */
  upgrading = false
  /** QUIT went out with the end of the message (PIPELINING). */
  quitSent = false
  /** The DKIM-Signature the message carries, when the job signs it. */
  dkim: DkimSent | null = null
  command: string | undefined
  /** Bounds the wait for each complete reply while a step runs (see armReplyTimer). */
  replyTimer: NodeJS.Timeout | null = null
  onStall: (() => void) | null = null

  constructor(
    readonly rec: JobRecorder<SmtpPhaseName>,
    readonly signal: AbortSignal | undefined,
    /** Byte counters when the run began (a kept session's transactions count from there). */
    readonly bytesBase: { sent: number; received: number },
    /** Housekeeping between runs is shown, but has no phases. */
    phases = true,
  ) {
    this.tracker = new PhaseTracker(phases ? (p) => rec.phase(p) : () => {})
  }
}

/**
 * One SMTP session, step by step: the dial step for DNS, proxy, TCP and implicit TLS (exact timing,
 * our own byte counts), then nodemailer's SMTPConnection on that socket for the protocol, watched
 * through its transaction log. Ends politely (RSET/QUIT) at the requested stage.
 */
export class SmtpSession {
  private readonly timeouts: typeof DEFAULT_TIMEOUTS
  private readonly masker = new AuthMasker()
  private link: Link = { raw: null, secure: null, conn: null, address: null, tls: null, implicit: false, secured: false, caps: { before: null, after: null }, authMethodUsed: null, heard: false }
  private s: RunState
  /** Kept open after AUTH for further transactions (see `keepOpen` and `transaction`). */
  private kept = false

  /**
   * @param keepOpen with `job.stopAfter` 'auth': do not QUIT after a successful AUTH but keep the
   *   authenticated session open for `transaction()` calls (a warm session), until `close()`.
   */
  constructor(
    private readonly job: SmtpJob,
    rec: JobRecorder<SmtpPhaseName>,
    signal?: AbortSignal,
    private readonly keepOpen = false,
  ) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...job.timeouts }
    this.s = new RunState(rec, signal, { sent: 0, received: 0 })
  }

  async run(): Promise<SmtpResult> {
    const { job } = this
    try {
      if (this.s.signal?.aborted) throw abortError()
      // Attachments are read before connecting: a missing file fails without touching the network.
      const attachments = job.message && reached(job.stopAfter, 'send') ? await loadAttachments(job.message.attachments, MAX_SMTP_ATTACHMENT_BYTES) : null
      // A DKIM key that cannot sign fails before connecting too.
      if (job.dkim) await checkDkimKey(job.dkim.privateKey)
      if (job.tls.insecure) this.warn('TLS certificate verification is OFF for this run: the server’s identity is not checked.')
      if (job.auth && authTakesToken(job.auth) && reached(job.stopAfter, 'auth')) await this.inspectToken(job.auth.secret)
      const tlsOptions = await buildTlsOptions(job.host, job.tls)

      await this.connect(tlsOptions)
      if (job.stopAfter === 'connect') return this.finishOk()
      const building = this.whileTheGreetingComes(attachments)
      await this.awaitGreeting(tlsOptions)
      // Built during the greeting's round trip (what is left of it is waited for here, before EHLO).
      const message = building && (await building)
      if (message) this.s.result.messageSize = message.raw.length
      if (message?.dkimSignature && job.dkim) this.signed(message.dkimSignature, job.dkim)
      if (job.stopAfter === 'banner') {
        await this.greetingOnly()
        return this.finishOk()
      }
      await this.smtpHandshake(tlsOptions)
      if (!reached(job.stopAfter, 'tls')) return await this.quitAndFinish()
      if (job.stopAfter === 'tls' && !this.link.secured) this.warn('The session was not encrypted, so there was no TLS stage to test.')
      if (!reached(job.stopAfter, 'auth')) return await this.quitAndFinish()
      await this.authenticate()
      if (job.stopAfter === 'auth' && this.keepOpen) return this.finishKept()
      if (job.stopAfter === 'auth') return await this.quitAndFinish()
      if (job.stopAfter === 'mail' || job.stopAfter === 'rcpt') {
        await this.envelopeOnly(job.stopAfter)
        return await this.quitAndFinish()
      }
      await this.send(message!)
      return await this.quitAndFinish()
    } catch (err) {
      const error = this.classify(err)
      this.s.rec.line('err', `${error.code}: ${error.message}`)
      return this.build(error)
    } finally {
      if (!this.kept) this.teardown()
    }
  }

  /**
   * Work the greeting's round trip hides, so that no step after it waits for it: building the message,
   * loading nodemailer's SMTP client and, when STARTTLS is to come, the process's first TLS context
   * (Node parses its root certificates then, ~20 ms, which the tls phase would otherwise count).
   * Returns the message being built.
   */
  private whileTheGreetingComes(attachments: LoadedAttachment[] | null): Promise<BuiltMessage> | null {
    const { job } = this
    // The handshake imports it itself and reports a failure; this only starts the loading early.
    if (job.stopAfter !== 'banner') import('nodemailer/lib/smtp-connection').catch(() => {})
    if (!this.link.implicit && job.security !== 'none' && reached(job.stopAfter, 'tls')) setImmediate(warmTls)
    if (!attachments || !job.message) return null
    const building = buildMessage(job.message, attachments, job.dkim)
    // Awaited once the greeting is in; should the greeting fail first, its failure must not count as unhandled.
    building.catch(() => {})
    return building
  }

  // ── a kept (warm) session ─────────────────────────────────────────────────

  /** The session was kept open after AUTH and its connection is still up. */
  get open(): boolean {
    return this.kept && this.link.conn !== null && !this.link.conn.destroyed && !this.link.raw?.destroyed
  }

  /**
   * One transaction on a kept session, reported as a run of its own on `rec` (its clock, its
   * phases, its bytes): 'send' is MAIL/RCPT/DATA and the message (pipelined as nodemailer does),
   * 'noop' a NOOP (a liveness check: what verify costs on a warm session). The result's totalMs
   * ends with the reply that completes it. Afterwards RSET clears the session for the next
   * transaction; that RSET is housekeeping between runs, shown in the transcript but in neither
   * the total nor the phases. A session that failed or lost its connection is closed; `open` says so.
   */
  async transaction(kind: 'send' | 'noop', message: SmtpMessage | null, rec: JobRecorder<SmtpPhaseName>, signal?: AbortSignal): Promise<SmtpResult> {
    this.s = new RunState(rec, signal, { sent: this.link.raw?.bytesWritten ?? 0, received: this.link.raw?.bytesRead ?? 0 })
    let result: SmtpResult
    try {
      if (signal?.aborted) throw abortError()
      if (!this.open) throw Object.assign(new Error('The kept connection is closed'), { code: 'ECONNECTION' })
      const { link } = this
      rec.line(
        'info',
        `reusing the open session to ${link.address ?? this.job.host}:${this.job.port} (${link.secured ? 'TLS' : 'no TLS'}, ${link.authMethodUsed ? `authenticated with ${link.authMethodUsed}` : 'not authenticated'}): no connect, TLS or AUTH this time`,
      )
      if (kind === 'send') {
        if (!message) fail('INVALID_INPUT', 'A send needs a message.')
        const built = await compose(message)
        this.s.result.messageSize = built.raw.length
        await this.send(built)
      } else {
        this.s.command = 'NOOP'
        const reply = await this.step<string>((cb) => sendCommand(this.link.conn!, 'NOOP', cb))
        if (!reply.startsWith('2')) throw Object.assign(new Error('NOOP refused'), { code: 'EPROTOCOL', command: 'NOOP', response: reply })
        this.s.result.response = reply
      }
      result = this.build(null)
    } catch (err) {
      const error = this.classify(err)
      rec.line('err', `${error.code}: ${error.message}`)
      result = this.build(error)
      if (error.code === 'CANCELLED') {
        this.closeKept()
        return result
      }
    }
    await this.resetBetween()
    return result
  }

  /** Ends a kept session: QUIT (briefly awaited), then the sockets are closed. Events go nowhere now. */
  async close(): Promise<void> {
    if (!this.kept) return
    this.s = new RunState(new JobRecorder<SmtpPhaseName>(this.s.rec.jobId, nullSink), undefined, { sent: 0, received: 0 })
    if (this.open) await this.quitAndFinish().catch(() => undefined)
    this.closeKept()
  }

  private finishKept(): SmtpResult {
    this.kept = true
    this.s.rec.line('info', 'session kept open (authenticated) for the runs that follow')
    return this.build(null)
  }

  private closeKept(): void {
    this.kept = false
    this.teardown()
  }

  /** RSET after a transaction, untimed; a session that cannot be reset is closed. */
  private async resetBetween(): Promise<void> {
    if (!this.open) return this.closeKept()
    this.s.tracker.flush()
    this.s = new RunState(this.s.rec, this.s.signal, this.s.bytesBase, false)
    this.s.rec.line('info', 'between runs: RSET (housekeeping, not part of this run’s time or phases)')
    try {
      this.s.command = 'RSET'
      await this.step<boolean>((cb) => this.link.conn!.reset((err, ok) => cb(err ?? null, ok)))
    } catch (err) {
      this.s.rec.line('info', `RSET failed (${err instanceof Error ? err.message : String(err)}): the session is closed`)
      this.closeKept()
    }
  }

  // ── stages ────────────────────────────────────────────────────────────────

  /** TLS from the first byte, as asked (security tls, or auto on 465). */
  private asksImplicitTls(): boolean {
    const { security, port } = this.job
    return security === 'tls' || (security === 'auto' && (port === 465 || port === 2465))
  }

  /** How the dial step writes into this run: lines to the recorder, phases to the tracker. */
  private netLog(): NetLog {
    return {
      now: () => this.s.rec.now(),
      line: (dir, text, opts) => this.s.rec.line(dir, text, opts),
      phase: (name, start, end, roundTrips) => this.s.tracker.span(name, start, end, roundTrips),
    }
  }

  private tlsCheck(tlsOptions: tls.ConnectionOptions, intro: string): DialTls {
    const { job } = this
    return { options: tlsOptions, name: job.tls.servername ?? job.host, insecure: job.tls.insecure, verify: 'enforce', timeoutMs: this.timeouts.greetingMs, intro }
  }

  /** DNS, proxy, TCP and, for implicit TLS, the handshake (not when stopping after connect). */
  private async connect(tlsOptions: tls.ConnectionOptions): Promise<void> {
    const { job } = this
    const tls = this.asksImplicitTls() && job.stopAfter !== 'connect' ? this.tlsCheck(tlsOptions, `starting TLS (implicit TLS on port ${job.port})`) : null
    const dialed = await this.dial(tls, this.netLog(), this.s.signal)
    this.adopt(dialed)
  }

  private async dial(tls: DialTls | null, log: NetLog, signal: AbortSignal | undefined): Promise<Dialed> {
    const { job } = this
    try {
      return await dial({ host: job.host, port: job.port, network: job.network, timeoutMs: this.timeouts.connectMs, signal, log, tls })
    } catch (err) {
      // A refused certificate is still reported.
      if (err instanceof DialError && err.found.tls) this.link.tls = err.found.tls
      throw err
    }
  }

  /** The session now speaks over this connection. */
  private adopt(d: Dialed): void {
    const { link } = this
    link.raw = d.raw
    link.secure = d.secure
    link.address = d.address
    if (d.tls) {
      link.tls = d.tls
      link.implicit = link.secured = true
      if (d.verdict) this.warn(`The certificate would have failed verification (${d.verdict.code}), but verification is off.`)
    }
    // After a full TLS 1.2 handshake the greeting rides with the server's Finished.
    this.s.tracker.connected(d.readyAt, d.handshakeRoundTrips === 2 ? 0 : 1)
  }

  /**
   * Waits for the server's first word (within the greeting timeout), leaving it unread for whoever
   * speaks SMTP next. Under auto on a port other than 465, a server silent for 1.5 s gets TLS from the
   * first byte on a second connection, as the probe does; if that handshake completes first, the
   * session moves there.
   */
  private async awaitGreeting(tlsOptions: tls.ConnectionOptions): Promise<void> {
    const { job, link } = this
    const since = this.s.rec.now()
    const fallback = job.security === 'auto' && !link.implicit
    const word = await listenBeforeSpeaking(link.secure ?? link.raw!, {
      timeoutMs: this.timeouts.greetingMs,
      signal: this.s.signal,
      log: this.netLog(),
      tlsAfterMs: fallback ? AUTO_TLS_AFTER_MS : null,
      dialTls: (log, signal) => this.dial(this.tlsCheck(tlsOptions, 'TLS handshake on the second connection'), log, signal),
    })
    switch (word.kind) {
      case 'spoke':
      case 'closed': // nodemailer, or the banner stage, says what a close without a greeting means
        return
      case 'answered': // not asked for
        return
      case 'cancelled':
        throw abortError()
      case 'silent':
        if (!word.tried) throw Object.assign(new Error('Greeting never received'), { code: 'ETIMEDOUT', timeoutType: 'GREETING_TIMEOUT' })
        return fail(
          'GREETING_TIMEOUT',
          `No greeting from ${job.host}:${job.port} within ${this.timeouts.greetingMs} ms, in plaintext or over TLS from the first byte (tried on a second connection after ${AUTO_TLS_AFTER_MS / 1000} s: ${word.note ?? 'its TLS handshake did not finish either'}). The port accepts connections but no mail service answers: a tarpit, a firewall that accepts and drops, or not a mail server.`,
        )
      case 'untrusted':
      case 'tls':
        // The silent first connection is dropped; its wait is a phase of its own (no round trip: nothing came back).
        link.raw?.destroy()
        this.s.tracker.span('silence', since, this.s.rec.now(), 0)
        word.held.replay()
        if (word.kind === 'untrusted') throw word.error
        this.s.rec.line('info', `auto: port ${job.port} speaks TLS from the first byte; the session goes on over TLS`)
        this.adopt(word.dialed)
    }
  }

  /**
   * Before connecting: an access token that is a JWT is read locally (no signature check) and what
   * the server would refuse (audience, permission, expiry) becomes a warning with its fix.
   */
  private async inspectToken(token: string): Promise<void> {
    // Loaded only for a token: a password run never pays for jose.
    const { inspectAccessToken } = await import('./token-check')
    const report = inspectAccessToken(token, { host: this.job.host })
    if (!report) return
    this.s.rec.line('info', report.summary)
    for (const w of report.warnings) this.warn(w)
  }

  /** Greeting, then QUIT: spoken by us, since nodemailer always goes on to EHLO. */
  private async greetingOnly(): Promise<void> {
    const socket = this.link.secure ?? this.link.raw!
    const reader = new ReplyReader(socket)
    try {
      const greeting = await reader.next(this.timeouts.greetingMs, this.s.signal, 'a greeting').catch((e: unknown) => {
        if ((e as { code?: string }).code === 'REPLY_TIMEOUT') throw Object.assign(new Error('Greeting never received'), { code: 'ETIMEDOUT', timeoutType: 'GREETING_TIMEOUT' })
        throw e
      })
      this.onServer(greeting.lines.map((l, i) => `${greeting.code}${i < greeting.lines.length - 1 ? '-' : ' '}${l}`).join('\n'))
      if (greeting.code !== 220) throw Object.assign(new Error('Invalid greeting'), { code: 'EPROTOCOL', response: `${greeting.code} ${greeting.lines.join('\n')}` })
      this.onClient('QUIT')
      socket.write('QUIT\r\n')
      const bye = await reader.next(QUIT_GRACE_MS, this.s.signal, 'a reply to QUIT').catch(() => null)
      if (bye) this.onServer(`${bye.code} ${bye.lines.join(' ')}`)
      this.s.result.response = `${greeting.code} ${greeting.lines[0] ?? ''}`.trim()
    } finally {
      reader.detach()
    }
  }

  private async smtpHandshake(tlsOptions: tls.ConnectionOptions): Promise<void> {
    const { job, link } = this
    const implicit = link.implicit
    // STARTTLS is only attempted when the requested stage goes past EHLO.
    const wantsStartTls = !implicit && job.security !== 'none' && reached(job.stopAfter, 'tls')
    const { default: SMTPConnection } = await import('nodemailer/lib/smtp-connection')
    const bearer = this.bearerHooks()
    const conn = new SMTPConnection({
      connection: link.secure ?? link.raw!,
      secure: implicit,
      secured: implicit,
      host: job.host,
      port: job.port,
      name: job.ehloName,
      tls: tlsOptions,
      ignoreTLS: !wantsStartTls,
      requireTLS: wantsStartTls && job.security === 'starttls',
      opportunisticTLS: false,
      // Token logins (see bearer-auth.ts): nodemailer runs these handlers for XOAUTH2 and OAUTHBEARER.
      customAuth: { XOAUTH2: bearerHandler('XOAUTH2', bearer), OAUTHBEARER: bearerHandler('OAUTHBEARER', bearer) },
      logger: createSessionLogger({
        client: (text) => this.onClient(text),
        server: (text) => this.onServer(text),
        upgraded: () => this.onStartTlsDone(),
        bodySent: (bytes) => {
          this.armReplyTimer()
          this.s.tracker.bodySent(this.s.rec.now())
          this.s.rec.line('info', `message body sent (${bytes} bytes after dot-stuffing), then <CRLF>.<CRLF>${this.s.quitSent ? ' and QUIT in the same write (PIPELINING)' : ''}`)
        },
        warn: (text) => this.warn(`${text}: the server spoke before TLS was up (possible command injection, RFC 3207); those bytes were ignored.`),
        closed: () => this.s.tracker.closed(this.s.rec.now()),
      }),
      transactionLog: true,
      // The greeting is already waiting (awaitGreeting); after it the idle timeout rules.
      connectionTimeout: this.timeouts.greetingMs + this.timeouts.socketMs,
      greetingTimeout: this.timeouts.greetingMs,
      socketTimeout: this.timeouts.socketMs,
      socketCloseTimeout: 1_000,
    } as SMTPConnection.Options)
    link.conn = conn
    // 'error' is also delivered to whichever step is waiting; this listener only keeps a late one from crashing the process.
    conn.on('error', () => {})
    this.s.command = 'CONN'
    await this.step<void>((cb) => conn.connect(() => cb(null)))
    if (job.security === 'auto' && !implicit && !link.secured && job.auth && reached(job.stopAfter, 'auth'))
      fail(
        'STARTTLS_UNAVAILABLE',
        "The server did not offer STARTTLS, and under security 'auto' Mailprobe does not send credentials in plaintext. Use the server's TLS port, or choose security 'none' to allow it explicitly.",
      )
    if (job.security === 'auto' && !implicit && !link.secured && reached(job.stopAfter, 'tls')) this.warn('The server did not offer STARTTLS: this session was not encrypted.')
    if (job.security === 'none' && job.auth && reached(job.stopAfter, 'auth')) this.warn('Credentials are sent without encryption (security none).')
  }

  private async authenticate(): Promise<void> {
    const { job, link } = this
    const conn = link.conn!
    const offered = authMechanisms(this.currentCaps())
    if (!job.auth) {
      if (offered.length) this.warn(`No credentials given: AUTH (${offered.join(' ')}) was not tested.`)
      return
    }
    if (!offered.length && !hasCapability(this.currentCaps(), 'AUTH'))
      fail(
        'AUTH_UNSUPPORTED',
        link.secured || job.security === 'none'
          ? 'Credentials were given, but the server does not offer AUTH on this connection, so they cannot be tested here. Is this a relay port (25) rather than submission (587/465)?'
          : 'Credentials were given, but the server does not offer AUTH before TLS. Use security starttls or tls.',
      )
    const method = this.chooseAuthMethod(offered)
    link.authMethodUsed = method
    if (job.showUsername) this.s.rec.line('info', `authenticating as ${job.auth.user} with ${method}`)
    const { user, secret } = job.auth
    // A token login runs the custom handler. Asked for XOAUTH2 without a token generator, nodemailer 10.6.1 would pick another
    // mechanism the server offers (and send the token as a password there): the generator is given, the handler is what runs.
    const auth: SMTPConnection.AuthenticationCredentials = isBearerMechanism(method)
      ? { method, user, pass: secret, ...(method === 'XOAUTH2' && { oauth2: await xoauth2(user, secret) }) }
      : { method, credentials: { user, pass: secret } }
    this.s.command = `AUTH ${method}`
    await this.step<void>((cb) => conn.login(auth, (err) => cb(err ?? null)))
  }

  private chooseAuthMethod(offered: string[]): string {
    const auth = this.job.auth!
    const asked = auth.method
    if (asked !== 'auto') {
      const want = asked.toUpperCase()
      if (!offered.includes(want)) fail('AUTH_UNSUPPORTED', `You chose AUTH ${want}, but the server offers ${offered.join(' ') || 'no mechanisms'} on this connection.`)
      return want
    }
    const bearers = BEARER_MECHANISMS.filter((m) => offered.includes(m))
    if (authTakesToken(auth)) {
      if (bearers[0]) return bearers[0]
      fail(
        'AUTH_UNSUPPORTED',
        `You gave an OAuth2 access token, but the server offers ${offered.length ? `AUTH ${offered.join(' ')}` : 'no AUTH mechanisms'} on this connection, neither XOAUTH2 nor OAUTHBEARER: it takes a password here, if anything.`,
      )
    }
    // On an encrypted channel PLAIN costs one round trip; in plaintext CRAM-MD5 at least hides the password.
    const order = this.link.secured ? ['PLAIN', 'LOGIN', 'CRAM-MD5'] : ['CRAM-MD5', 'PLAIN', 'LOGIN']
    const pick = order.find((m) => offered.includes(m))
    if (pick) return pick
    if (bearers.length)
      fail(
        'AUTH_UNSUPPORTED',
        `The server offers only OAuth2 logins (${bearers.join(' ')}): give an OAuth2 access token instead of a password, with auth ${bearers.map((m) => `'${m.toLowerCase()}'`).join(' or ')} (on the command line: --token-env VAR).`,
      )
    fail('AUTH_UNSUPPORTED', `The server offers AUTH ${offered.join(' ')}, none of which Mailprobe supports (PLAIN, LOGIN, CRAM-MD5, XOAUTH2, OAUTHBEARER).`)
  }

  /** What the token handlers need from the session: the server's name and port (OAUTHBEARER sends them), and the transcript's view of the closing line. */
  private bearerHooks(): BearerHooks {
    return { host: this.job.host, port: this.job.port, closing: (shown) => this.masker.reveal(shown) }
  }

  /** MAIL FROM (and RCPT TO) without DATA, then RSET: tests the envelope and delivers nothing. */
  private async envelopeOnly(stop: 'mail' | 'rcpt'): Promise<void> {
    const { result } = this.s
    const conn = this.link.conn!
    const envelope = await envelopeOf(this.job.message!)
    const utf8 = this.checkSmtpUtf8(envelope) ? ' SMTPUTF8' : ''
    this.s.command = 'MAIL FROM'
    const mail = await this.step<string>((cb) => sendCommand(conn, `MAIL FROM:<${envelope.from}>${utf8}`, cb))
    if (!mail.startsWith('2')) throw Object.assign(new Error('sender rejected'), { code: 'EENVELOPE', command: 'MAIL FROM', response: mail })
    if (stop === 'rcpt') {
      for (const to of envelope.to) {
        this.s.command = 'RCPT TO'
        const rcpt = await this.step<string>((cb) => sendCommand(conn, `RCPT TO:<${to}>`, cb))
        if (rcpt.startsWith('2')) result.accepted.push(to)
        else result.rejected.push(to)
      }
      if (!result.accepted.length) {
        const last = this.s.rec.lines.filter((l) => l.dir === 's').pop()?.text
        throw Object.assign(new Error('all recipients were rejected'), { code: 'EENVELOPE', command: 'RCPT TO', response: last })
      }
      if (result.rejected.length) this.warn(`Rejected recipients: ${result.rejected.join(', ')}.`)
    }
    this.s.command = 'RSET'
    await this.step<boolean>((cb) => conn.reset((err, ok) => cb(err ?? null, ok)))
    result.response = mail
  }

  private async send(message: BuiltMessage): Promise<void> {
    const conn = this.link.conn!
    // nodemailer adds SMTPUTF8 to MAIL FROM by itself when the server offers it; this stops the send when it does not.
    this.checkSmtpUtf8(message.envelope)
    // A session that ends here may say QUIT with the end of the message (RFC 2920): one round trip less.
    if (!this.keepOpen && hasCapability(this.currentCaps(), 'PIPELINING'))
      quitWithEndOfData(conn, () => {
        this.s.quitSent = true
        this.onClient('QUIT', { pipelined: true })
      })
    this.s.command = 'MAIL FROM'
    const info = await this.step<SMTPConnection.SentMessageInfo>((cb) => conn.send(message.envelope, message.raw, (err, i) => cb(err ?? null, i)))
    const { result } = this.s
    result.messageId = message.messageId
    result.response = info.response
    result.accepted = info.accepted.map(String)
    result.rejected = info.rejected.map(String)
    if (info.rejected.length) this.warn(`The message was accepted for some recipients only; rejected: ${info.rejected.join(', ')}.`)
  }

  private async quitAndFinish(): Promise<SmtpResult> {
    const conn = this.link.conn
    if (conn && !conn.destroyed) {
      this.s.command = 'QUIT'
      const ended = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, QUIT_GRACE_MS)
        conn.once('end', () => {
          clearTimeout(timer)
          resolve()
        })
      })
      if (!this.s.quitSent) conn.quit()
      await ended
    }
    return this.finishOk()
  }

  /** The message carries a DKIM signature: said in the transcript (the header as a detail) and in the result. */
  private signed(header: string, dkim: NonNullable<SmtpJob['dkim']>): void {
    this.s.dkim = { domain: dkim.domain, selector: dkim.selector, header }
    this.s.rec.line('info', `the message is signed with DKIM for ${dkim.domain} (selector ${dkim.selector}, so the key is looked up at ${dkim.selector}._domainkey.${dkim.domain})`)
    this.s.rec.line('info', header.replace(/\r\n[ \t]+/g, ' '), { detail: true })
  }

  private finishOk(): SmtpResult {
    if (this.job.stopAfter === 'connect') this.s.rec.line('info', 'stopping after connect: closing without a word')
    return this.build(null)
  }

  // ── plumbing ──────────────────────────────────────────────────────────────

  private onClient(text: string, opts: { pipelined?: boolean } = {}): void {
    this.armReplyTimer()
    const t = this.s.rec.now()
    this.s.tracker.client(t, text, opts)
    this.s.rec.line('c', this.masker.client(text), { t })
  }

  private onServer(reply: string): void {
    const { s, link } = this
    const t = s.rec.now()
    const lines = reply.split('\n')
    const code = Number(/^\d{3}/.exec(lines[0] ?? '')?.[0] ?? 0)
    link.heard = true
    if (code === 220 && s.command === 'CONN' && s.rec.lines.filter((l) => l.dir === 'c').pop()?.text === 'STARTTLS') s.upgrading = true
    // After 354 we are the ones sending (the body): the wait for the next reply starts when it is sent.
    // During the STARTTLS handshake nodemailer's own upgrade timeout (greetingMs) rules.
    if (code === 354 || s.upgrading) this.disarmReplyTimer()
    else this.armReplyTimer()
    const answered = s.tracker.server(t, code)
    this.masker.server(code)
    for (const line of lines) {
      const plain = code === 334 ? explainChallenge(line) : null
      s.rec.line('s', plain ? `${line}   (${plain})` : line, { t })
    }
    if (code === 250 && answered === 'ehlo') {
      if (link.secured) link.caps.after = parseEhlo(reply)
      else link.caps.before = parseEhlo(reply)
    } else if (code === 250 && answered === 'ehlo2') link.caps.after = parseEhlo(reply)
    // nodemailer reads any line as a reply (a garbage "reply" to EHLO just sends it on to HELO): not us.
    if (!lines.every((l) => /^\d{3}([ -]|$)/.test(l)) && !s.violation) {
      s.violation = {
        code: 'PROTOCOL_ERROR',
        message: `The server sent something that is not an SMTP reply: "${(lines.find((l) => !/^\d{3}([ -]|$)/.test(l)) ?? '').slice(0, 80)}".`,
      }
      link.conn?.close()
    }
  }

  /** nodemailer finished STARTTLS: record the TLS facts and decide trust before any SMTP byte crosses the new channel. */
  private onStartTlsDone(): void {
    const { s, link, job } = this
    s.upgrading = false
    this.armReplyTimer()
    const socket = upgradedSocket(link.conn!)
    link.secure = socket
    link.secured = true
    s.tracker.upgraded(s.rec.now(), handshakeRoundTrips(socket))
    const { info, verdict } = reportTls(socket, { name: job.tls.servername ?? job.host, insecure: job.tls.insecure }, this.netLog())
    link.tls = info
    if (verdict && !job.tls.insecure) {
      s.tlsError = verdict
      s.rec.line('tls', 'certificate not trusted: closing without sending anything (the credentials never left this machine)')
      // Still inside nodemailer's secureConnect callback: destroying now means not one byte (not even EHLO) crosses an untrusted channel.
      socket.destroy()
    } else if (verdict) this.warn(`The certificate would have failed verification (${verdict.code}), but verification is off.`)
  }

  /**
   * An address with a non-ASCII local part (domains already went to punycode) can travel only with
   * SMTPUTF8 (RFC 6531). Without it a server would refuse or mangle the address, so nothing is
   * sent and the error says which address and why. True when SMTPUTF8 is needed (and offered).
   */
  private checkSmtpUtf8(envelope: Envelope): boolean {
    const intl = internationalAddresses(envelope)
    if (!intl.length) return false
    const list = intl.join(', ')
    if (!hasCapability(this.currentCaps(), 'SMTPUTF8'))
      fail(
        'SMTPUTF8_UNAVAILABLE',
        `${list} cannot be written in ASCII, and the server does not offer SMTPUTF8 (RFC 6531), which such addresses need. Nothing was sent: use an ASCII address with this server, or a server that offers SMTPUTF8.`,
      )
    this.s.rec.line('info', `internationalised address${intl.length > 1 ? 'es' : ''} ${list}: MAIL FROM carries SMTPUTF8, which the server offers`)
    return true
  }

  private currentCaps(): string[] | null {
    return this.link.secured ? this.link.caps.after : this.link.caps.before
  }

  private warn(text: string): void {
    this.s.warnings.push(text)
    this.s.rec.line('info', `warning: ${text}`)
  }

  /** Waits for one nodemailer step, failing on its error, on the connection ending, or on cancel. */
  private step<T>(start: (cb: (err: Error | null, value?: T) => void) => void): Promise<T> {
    const conn = this.link.conn!
    const s = this.s
    return new Promise<T>((resolve, reject) => {
      let done = false
      const finish = (err: unknown, value?: T) => {
        if (done) return
        done = true
        s.onStall = null
        this.disarmReplyTimer()
        conn.off('error', onError)
        conn.off('end', onEnd)
        s.signal?.removeEventListener('abort', onAbort)
        if (err) reject(err)
        else resolve(value as T)
      }
      const onError = (err: Error) => finish(err)
      const onEnd = () => {
        const decided = s.tlsError ?? s.violation
        finish(decided ? new EngineError(decided) : Object.assign(new Error('Connection closed unexpectedly'), { code: 'ECONNECTION' }))
      }
      const onAbort = () => {
        finish(abortError())
        conn.close()
      }
      conn.once('error', onError)
      conn.once('end', onEnd)
      s.onStall = () => {
        finish(Object.assign(new Error(`No complete reply within ${this.timeouts.socketMs} ms`), { code: 'ETIMEDOUT', timeoutType: 'SOCKET_TIMEOUT' }))
        conn.close()
      }
      this.armReplyTimer()
      if (s.signal?.aborted) return onAbort()
      s.signal?.addEventListener('abort', onAbort, { once: true })
      start((err, value) => finish(err, value))
    })
  }

  /**
   * nodemailer's socket timeout is an idle timeout: a server that trickles a reply (a byte now and
   * then, never a whole reply) resets it forever. While a step runs, each complete reply must come
   * within socketMs of our last command or the reply before it. Before the greeting the greeting
   * timeout rules; while we send the message body the clock waits for us.
   */
  private armReplyTimer(): void {
    this.disarmReplyTimer()
    const { s } = this
    if (!s.onStall || !this.link.heard) return
    s.replyTimer = setTimeout(s.onStall, this.timeouts.socketMs)
  }

  private disarmReplyTimer(): void {
    if (this.s.replyTimer) clearTimeout(this.s.replyTimer)
    this.s.replyTimer = null
  }

  /** The classified error for a failed step: an error we decided ourselves wins over what nodemailer saw. */
  private classify(err: unknown): ClassifiedError {
    const { s } = this
    const decided = s.tlsError ?? s.violation
    if (decided) return decided
    const error = classifySmtpError(err, this.errorContext())
    if (error.code === 'CONNECTION_LOST' && s.upgrading)
      return {
        code: 'TLS_FAILED',
        message: 'The server closed the connection during the STARTTLS handshake: it may not speak TLS after all, or it rejected our TLS versions or ciphers.',
        detail: error.detail,
      }
    return error
  }

  private errorContext() {
    return {
      host: this.job.host,
      port: this.job.port,
      security: this.job.security,
      greetingMs: this.timeouts.greetingMs,
      socketMs: this.timeouts.socketMs,
      command: this.s.command,
      // A kept session was greeted long ago, in an earlier run's transcript.
      greeted: this.kept || this.s.rec.lines.some((l) => l.dir === 's'),
    }
  }

  private teardown(): void {
    this.disarmReplyTimer()
    this.s.tracker.flush()
    const { link } = this
    if (link.conn && !link.conn.destroyed) link.conn.close()
    link.secure?.destroy()
    link.raw?.destroy()
  }

  private build(error: ClassifiedError | null): SmtpResult {
    const { s, link, job } = this
    s.tracker.flush()
    const { rec } = s
    const totalMs = rec.now()
    const phases = rec.phases
    if (error?.reply === undefined && error) {
      const lastServer = parseReply(rec.lines.filter((l) => l.dir === 's').pop()?.text)
      if (lastServer && ['AUTH_FAILED', 'SENDER_REJECTED', 'RECIPIENT_REJECTED', 'MESSAGE_REJECTED'].includes(error.code)) error.reply = lastServer
    }
    return {
      ok: error === null,
      kind: 'smtp',
      error: error ? { ...error, message: rec.redactor.redact(error.message), ...(error.detail ? { detail: rec.redactor.redact(error.detail) } : {}) } : null,
      warnings: s.warnings,
      target: { host: job.host, port: job.port, security: job.security, address: link.address, mode: this.mode() },
      phases,
      totalMs,
      roundTrips: phases.reduce((n, p) => n + p.roundTrips, 0),
      tls: link.tls,
      capabilities: link.caps,
      authMechanisms: authMechanisms(link.caps.after ?? link.caps.before),
      authMethodUsed: link.authMethodUsed,
      bytes: { sent: (link.raw?.bytesWritten ?? 0) - s.bytesBase.sent, received: (link.raw?.bytesRead ?? 0) - s.bytesBase.received },
      transcript: rec.lines,
      result: s.result,
      ...(s.dkim ? { dkim: s.dkim } : {}),
    }
  }

  /** How the session was secured: TLS from the first byte, STARTTLS, or not at all (null before a connection). */
  private mode(): SmtpResult['target']['mode'] {
    const { link } = this
    if (!link.raw) return null
    return link.implicit ? 'tls' : link.secured ? 'starttls' : 'none'
  }
}

/** nodemailer's XOAUTH2 token holder, loaded only for an XOAUTH2 login (see authenticate). */
async function xoauth2(user: string, accessToken: string) {
  const { default: XOAuth2 } = await import('nodemailer/lib/xoauth2')
  return new XOAuth2({ user, accessToken })
}

let tlsWarmed = false

/** Creates (and drops) one TLS context per process: the first one pays for parsing Node's root certificates. */
function warmTls(): void {
  if (tlsWarmed) return
  tlsWarmed = true
  try {
    createSecureContext()
  } catch {
    // Whatever fails here fails again, and is reported, where the handshake creates its own.
  }
}

/** Reads the attachments (once, size-capped) and builds the message. */
async function compose(message: SmtpMessage): Promise<BuiltMessage> {
  return buildMessage(message, await loadAttachments(message.attachments, MAX_SMTP_ATTACHMENT_BYTES))
}
