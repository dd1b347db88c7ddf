import type net from 'node:net'
import type tls from 'node:tls'
import SMTPConnection from 'nodemailer/lib/smtp-connection'
import XOAuth2 from 'nodemailer/lib/xoauth2'
import type { ClassifiedError, SmtpJob, SmtpMessage, SmtpResult, SmtpStage, TlsInfo } from '../../../preload/contract'
import { SMTP_STAGES } from '../../../preload/contract'
import { abortError, EngineError, fail, parseReply } from '../errors'
import { loadAttachments, MAX_SMTP_ATTACHMENT_BYTES } from '../message/attachments'
import { buildMessage, envelopeOf, internationalAddresses, type BuiltMessage, type Envelope } from '../message/mime'
import { resolveHost } from '../net/resolve'
import { ReplyReader } from '../net/reply-reader'
import { openTcp } from '../net/tcp'
import { buildTlsOptions, describeTls, handshakeRoundTrips, startTls, tlsInfo, verificationError } from '../net/tls'
import { nullSink } from '../transcript/event-sink'
import { JobRecorder } from '../transcript/recorder'
import { authMechanisms, hasCapability, parseEhlo } from './capabilities'
import { classifySmtpError } from './classify'
import { sendEnvelopeCommand } from './envelope-command'
import { PhaseTracker } from './phase-tracker'
import { AuthMasker, createSessionLogger, explainChallenge } from './session-log'

export const DEFAULT_TIMEOUTS = { connectMs: 10_000, greetingMs: 30_000, socketMs: 60_000 }
/** How long a polite QUIT may take before we just close. */
const QUIT_GRACE_MS = 2_000

/** Whether a session that stops after `stop` goes at least as far as `stage`. */
const reached = (stop: SmtpStage, stage: SmtpStage) => SMTP_STAGES.indexOf(stop) >= SMTP_STAGES.indexOf(stage)

/**
 * One SMTP session, step by step: our own DNS and TCP (and implicit TLS) for exact timing and
 * byte counts, then nodemailer's SMTPConnection on that socket for the protocol, watched
 * through its transaction log. Ends politely (RSET/QUIT) at the requested stage.
 */
export class SmtpSession {
  private readonly timeouts: typeof DEFAULT_TIMEOUTS
  private tracker: PhaseTracker
  private readonly masker = new AuthMasker()
  private warnings: string[] = []
  private raw: net.Socket | null = null
  private secure: tls.TLSSocket | null = null
  private conn: SMTPConnection | null = null
  private address: string | null = null
  private tls: TlsInfo | null = null
  private caps: { before: string[] | null; after: string[] | null } = { before: null, after: null }
  private secured = false
  private authMethodUsed: string | null = null
  private tlsError: ClassifiedError | null = null
  /** A reply that is not SMTP at all (no reply code): the session is ended by us, with this error. */
  private violation: ClassifiedError | null = null
  /** Between the 220 to STARTTLS and the end of the handshake: a close now is a failed TLS handshake. */
  private upgrading = false
  /** The server has said something (a complete reply) on this session. */
  private heard = false
  /** Bounds the wait for each complete reply while a step runs (see armReplyTimer). */
  private replyTimer: NodeJS.Timeout | null = null
  private onStall: (() => void) | null = null
  private command: string | undefined
  private result: SmtpResult['result'] = { messageId: null, response: null, accepted: [], rejected: [], messageSize: null }
  /** Kept open after AUTH for further transactions (see `keepOpen` and `transaction`). */
  private kept = false
  /** Byte counters at the start of the current transaction on a kept session (zero otherwise). */
  private bytesBase = { sent: 0, received: 0 }

  /**
   * @param keepOpen with `job.stopAfter` 'auth': do not QUIT after a successful AUTH but keep the
   *   authenticated session open for `transaction()` calls (a warm session), until `close()`.
   */
  constructor(
    private readonly job: SmtpJob,
    private rec: JobRecorder,
    private signal?: AbortSignal,
    private readonly keepOpen = false,
  ) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...job.timeouts }
    this.tracker = new PhaseTracker((p) => rec.phase(p))
  }

  async run(): Promise<SmtpResult> {
    const { job } = this
    try {
      if (this.signal?.aborted) throw abortError()
      // Attachments are read and the message built before connecting: a missing file fails without touching the network.
      const message = job.message && reached(job.stopAfter, 'send') ? await compose(job.message) : null
      if (message) this.result.messageSize = message.raw.length
      const implicit = this.implicitTls()
      if (job.tls.insecure) this.warn('TLS certificate verification is OFF for this run: the server’s identity is not checked.')
      const tlsOptions = await buildTlsOptions(job.host, job.tls)

      await this.connect()
      if (job.stopAfter === 'connect') return this.finishOk()
      if (implicit) await this.implicitHandshake(tlsOptions)
      if (job.stopAfter === 'banner') {
        await this.greetingOnly()
        return this.finishOk()
      }
      await this.smtpHandshake(tlsOptions)
      if (!reached(job.stopAfter, 'tls')) return await this.quitAndFinish()
      if (job.stopAfter === 'tls' && !this.secured) this.warn('The session was not encrypted, so there was no TLS stage to test.')
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
      this.rec.line('err', `${error.code}: ${error.message}`)
      return this.build(error)
    } finally {
      if (!this.kept) this.teardown()
    }
  }

  // ── a kept (warm) session ─────────────────────────────────────────────────

  /** The session was kept open after AUTH and its connection is still up. */
  get open(): boolean {
    return this.kept && this.conn !== null && !this.conn.destroyed && !this.raw?.destroyed
  }

  /**
   * One transaction on a kept session, reported as a run of its own on `rec` (its clock, its
   * phases, its bytes): 'send' is MAIL/RCPT/DATA and the message (pipelined as nodemailer does),
   * 'noop' a NOOP (a liveness check: what verify costs on a warm session). The result's totalMs
   * ends with the reply that completes it. Afterwards RSET clears the session for the next
   * transaction; that RSET is housekeeping between runs, shown in the transcript but in neither
   * the total nor the phases. A session that failed or lost its connection is closed; `open` says so.
   */
  async transaction(kind: 'send' | 'noop', message: SmtpMessage | null, rec: JobRecorder, signal?: AbortSignal): Promise<SmtpResult> {
    this.rec = rec
    this.signal = signal
    this.tracker = new PhaseTracker((p) => rec.phase(p))
    this.warnings = []
    this.tlsError = null
    this.violation = null
    this.command = undefined
    this.result = { messageId: null, response: null, accepted: [], rejected: [], messageSize: null }
    this.bytesBase = { sent: this.raw?.bytesWritten ?? 0, received: this.raw?.bytesRead ?? 0 }
    let result: SmtpResult
    try {
      if (signal?.aborted) throw abortError()
      if (!this.open) throw Object.assign(new Error('The kept connection is closed'), { code: 'ECONNECTION' })
      rec.line(
        'info',
        `reusing the open session to ${this.address}:${this.job.port} (${this.secured ? 'TLS' : 'no TLS'}, ${this.authMethodUsed ? `authenticated with ${this.authMethodUsed}` : 'not authenticated'}): no connect, TLS or AUTH this time`,
      )
      if (kind === 'send') {
        if (!message) fail('INVALID_INPUT', 'A send needs a message.')
        const built = await compose(message)
        this.result.messageSize = built.raw.length
        await this.send(built)
      } else {
        this.command = 'NOOP'
        const reply = await this.step<string>((cb) => sendEnvelopeCommand(this.conn!, 'NOOP', cb))
        if (!reply.startsWith('2')) throw Object.assign(new Error('NOOP refused'), { code: 'EPROTOCOL', command: 'NOOP', response: reply })
        this.result.response = reply
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
    this.rec = new JobRecorder(this.rec.jobId, nullSink)
    this.tracker = new PhaseTracker(() => {})
    this.signal = undefined
    if (this.open) await this.quitAndFinish().catch(() => undefined)
    this.closeKept()
  }

  private finishKept(): SmtpResult {
    this.kept = true
    this.rec.line('info', 'session kept open (authenticated) for the runs that follow')
    return this.build(null)
  }

  private closeKept(): void {
    this.kept = false
    this.teardown()
  }

  /** RSET after a transaction, untimed; a session that cannot be reset is closed. */
  private async resetBetween(): Promise<void> {
    if (!this.open) return this.closeKept()
    this.tracker.flush()
    this.tracker = new PhaseTracker(() => {})
    this.rec.line('info', 'between runs: RSET (housekeeping, not part of this run’s time or phases)')
    try {
      this.command = 'RSET'
      await this.step<boolean>((cb) => this.conn!.reset((err, ok) => cb(err ?? null, ok)))
    } catch (err) {
      this.rec.line('info', `RSET failed (${err instanceof Error ? err.message : String(err)}): the session is closed`)
      this.closeKept()
    }
  }

  // ── stages ────────────────────────────────────────────────────────────────

  private implicitTls(): boolean {
    const { security, port } = this.job
    return security === 'tls' || (security === 'auto' && (port === 465 || port === 2465))
  }

  private async connect(): Promise<void> {
    const { host, port } = this.job
    const t0 = this.rec.now()
    const resolved = await resolveHost(host, { timeoutMs: this.timeouts.connectMs, signal: this.signal })
    const t1 = this.rec.now()
    if (resolved.looked) {
      this.tracker.span('dns', t0, t1, 0)
      this.rec.line('info', `resolved ${host} → ${resolved.addresses.map((a) => a.address).join(', ')} in ${(t1 - t0).toFixed(1)} ms`)
    }
    this.raw = await openTcp({
      host,
      resolved,
      port,
      timeoutMs: Math.max(100, this.timeouts.connectMs - (t1 - t0)),
      signal: this.signal,
      onAttemptFailed: (ip, family, reason) => this.rec.line('info', `attempt to ${ip} (IPv${family}) failed: ${reason}`),
    })
    const t2 = this.rec.now()
    this.address = this.raw.remoteAddress ?? null
    this.tracker.span('connect', t1, t2, 1)
    this.rec.line('info', `connected to ${this.address}:${port} (IPv${this.raw.remoteFamily === 'IPv6' ? 6 : 4}) in ${(t2 - t1).toFixed(1)} ms`)
    this.tracker.connected(t2)
  }

  private async implicitHandshake(options: tls.ConnectionOptions): Promise<void> {
    const t0 = this.rec.now()
    this.rec.line('tls', `starting TLS (implicit TLS on port ${this.job.port})`)
    this.secure = await startTls(this.raw!, options, this.timeouts.greetingMs, this.signal)
    const t1 = this.rec.now()
    this.tracker.span('tls', t0, t1, handshakeRoundTrips(this.secure))
    this.onSecured(this.secure)
    if (this.tlsError) throw new EngineError(this.tlsError)
    // After a full TLS 1.2 handshake the greeting rides with the server's Finished.
    this.tracker.connected(t1, handshakeRoundTrips(this.secure) === 2 ? 0 : 1)
  }

  /** Records the TLS facts and decides trust before any SMTP byte crosses the new channel. */
  private onSecured(socket: tls.TLSSocket): void {
    this.secured = true
    this.tls = tlsInfo(socket, this.job.tls.insecure)
    this.rec.line('tls', describeTls(this.tls))
    if (this.tls.sans.length) this.rec.line('tls', `certificate names: ${this.tls.sans.join(', ')} · valid ${this.tls.validFrom.slice(0, 10)} → ${this.tls.validTo.slice(0, 10)}`)
    const verdict = verificationError(socket, this.job.tls.servername ?? this.job.host)
    if (verdict && !this.job.tls.insecure) this.tlsError = verdict
    else if (verdict) this.warn(`The certificate would have failed verification (${verdict.code}), but verification is off.`)
  }

  /** Greeting, then QUIT: spoken by us, since nodemailer always goes on to EHLO. */
  private async greetingOnly(): Promise<void> {
    const socket = this.secure ?? this.raw!
    const reader = new ReplyReader(socket)
    try {
      const greeting = await reader.next(this.timeouts.greetingMs, this.signal, 'a greeting').catch((e: unknown) => {
        if ((e as { code?: string }).code === 'REPLY_TIMEOUT') throw Object.assign(new Error('Greeting never received'), { code: 'ETIMEDOUT', timeoutType: 'GREETING_TIMEOUT' })
        throw e
      })
      this.onServer(greeting.lines.map((l, i) => `${greeting.code}${i < greeting.lines.length - 1 ? '-' : ' '}${l}`).join('\n'))
      if (greeting.code !== 220) throw Object.assign(new Error('Invalid greeting'), { code: 'EPROTOCOL', response: `${greeting.code} ${greeting.lines.join('\n')}` })
      this.onClient('QUIT')
      socket.write('QUIT\r\n')
      const bye = await reader.next(QUIT_GRACE_MS, this.signal, 'a reply to QUIT').catch(() => null)
      if (bye) this.onServer(`${bye.code} ${bye.lines.join(' ')}`)
      this.result.response = `${greeting.code} ${greeting.lines[0] ?? ''}`.trim()
    } finally {
      reader.detach()
    }
  }

  private async smtpHandshake(tlsOptions: tls.ConnectionOptions): Promise<void> {
    const { job } = this
    const implicit = this.implicitTls()
    // STARTTLS is only attempted when the requested stage goes past EHLO.
    const wantsStartTls = !implicit && job.security !== 'none' && reached(job.stopAfter, 'tls')
    const conn = new SMTPConnection({
      connection: this.secure ?? this.raw!,
      secure: implicit,
      secured: implicit,
      host: job.host,
      port: job.port,
      name: job.ehloName,
      tls: tlsOptions,
      ignoreTLS: !wantsStartTls,
      requireTLS: wantsStartTls && job.security === 'starttls',
      opportunisticTLS: false,
      logger: createSessionLogger({
        client: (text) => this.onClient(text),
        server: (text) => this.onServer(text),
        upgraded: () => this.onStartTlsDone(),
        bodySent: (bytes) => {
          this.armReplyTimer()
          this.tracker.bodySent(this.rec.now())
          this.rec.line('info', `message body sent (${bytes} bytes after dot-stuffing), then <CRLF>.<CRLF>`)
        },
        warn: (text) => this.warn(`${text}: the server spoke before TLS was up (possible command injection, RFC 3207); those bytes were ignored.`),
        closed: () => this.tracker.closed(this.rec.now()),
      }),
      transactionLog: true,
      // Bounds greeting and STARTTLS by greetingMs; after that the idle timeout rules.
      connectionTimeout: this.timeouts.greetingMs + this.timeouts.socketMs,
      greetingTimeout: this.timeouts.greetingMs,
      socketTimeout: this.timeouts.socketMs,
      socketCloseTimeout: 1_000,
    } as SMTPConnection.Options)
    this.conn = conn
    // 'error' is also delivered to whichever step is waiting; this listener only keeps a late one from crashing the process.
    conn.on('error', () => {})
    this.command = 'CONN'
    await this.step<void>((cb) => conn.connect(() => cb(null)))
    if (job.security === 'auto' && !implicit && !this.secured && job.auth && reached(job.stopAfter, 'auth'))
      fail(
        'STARTTLS_UNAVAILABLE',
        "The server did not offer STARTTLS, and under security 'auto' Mailprobe does not send credentials in plaintext. Use the server's TLS port, or choose security 'none' to allow it explicitly.",
      )
    if (job.security === 'auto' && !implicit && !this.secured && reached(job.stopAfter, 'tls')) this.warn('The server did not offer STARTTLS: this session was not encrypted.')
    if (job.security === 'none' && job.auth && reached(job.stopAfter, 'auth')) this.warn('Credentials are sent without encryption (security none).')
  }

  private async authenticate(): Promise<void> {
    const { job } = this
    const conn = this.conn!
    const offered = authMechanisms(this.currentCaps())
    if (!job.auth) {
      if (offered.length) this.warn(`No credentials given: AUTH (${offered.join(' ')}) was not tested.`)
      return
    }
    if (!offered.length && !hasCapability(this.currentCaps(), 'AUTH'))
      fail(
        'AUTH_UNSUPPORTED',
        this.secured || job.security === 'none'
          ? 'Credentials were given, but the server does not offer AUTH on this connection, so they cannot be tested here. Is this a relay port (25) rather than submission (587/465)?'
          : 'Credentials were given, but the server does not offer AUTH before TLS. Use security starttls or tls.',
      )
    const method = this.chooseAuthMethod(offered)
    this.authMethodUsed = method
    if (job.showUsername) this.rec.line('info', `authenticating as ${job.auth.user} with ${method}`)
    const auth =
      method === 'XOAUTH2'
        ? { user: job.auth.user, method, oauth2: new XOAuth2({ user: job.auth.user, accessToken: job.auth.secret }) }
        : { method, credentials: { user: job.auth.user, pass: job.auth.secret } }
    this.command = `AUTH ${method}`
    await this.step<void>((cb) => conn.login(auth as unknown as SMTPConnection.AuthenticationCredentials, (err) => cb(err ?? null)))
  }

  private chooseAuthMethod(offered: string[]): string {
    const asked = this.job.auth!.method
    if (asked !== 'auto') {
      const want = asked.toUpperCase()
      if (!offered.includes(want)) fail('AUTH_UNSUPPORTED', `You chose AUTH ${want}, but the server offers ${offered.join(' ') || 'no mechanisms'} on this connection.`)
      return want
    }
    // On an encrypted channel PLAIN costs one round trip; in plaintext CRAM-MD5 at least hides the password.
    const order = this.secured ? ['PLAIN', 'LOGIN', 'CRAM-MD5'] : ['CRAM-MD5', 'PLAIN', 'LOGIN']
    const pick = order.find((m) => offered.includes(m))
    if (pick) return pick
    if (offered.includes('XOAUTH2')) fail('AUTH_UNSUPPORTED', "The server offers only XOAUTH2: choose auth 'xoauth2' and give an OAuth2 access token as the secret.")
    fail('AUTH_UNSUPPORTED', `The server offers AUTH ${offered.join(' ')}, none of which Mailprobe supports (PLAIN, LOGIN, CRAM-MD5, XOAUTH2).`)
  }

  /** MAIL FROM (and RCPT TO) without DATA, then RSET: tests the envelope and delivers nothing. */
  private async envelopeOnly(stop: 'mail' | 'rcpt'): Promise<void> {
    const envelope = envelopeOf(this.job.message!)
    const utf8 = this.checkSmtpUtf8(envelope) ? ' SMTPUTF8' : ''
    this.command = 'MAIL FROM'
    const mail = await this.step<string>((cb) => sendEnvelopeCommand(this.conn!, `MAIL FROM:<${envelope.from}>${utf8}`, cb))
    if (!mail.startsWith('2')) throw Object.assign(new Error('sender rejected'), { code: 'EENVELOPE', command: 'MAIL FROM', response: mail })
    if (stop === 'rcpt') {
      for (const to of envelope.to) {
        this.command = 'RCPT TO'
        const rcpt = await this.step<string>((cb) => sendEnvelopeCommand(this.conn!, `RCPT TO:<${to}>`, cb))
        if (rcpt.startsWith('2')) this.result.accepted.push(to)
        else this.result.rejected.push(to)
      }
      if (!this.result.accepted.length) {
        const last = this.rec.lines.filter((l) => l.dir === 's').pop()?.text
        throw Object.assign(new Error('all recipients were rejected'), { code: 'EENVELOPE', command: 'RCPT TO', response: last })
      }
      if (this.result.rejected.length) this.warn(`Rejected recipients: ${this.result.rejected.join(', ')}.`)
    }
    this.command = 'RSET'
    await this.step<boolean>((cb) => this.conn!.reset((err, ok) => cb(err ?? null, ok)))
    this.result.response = mail
  }

  private async send(message: BuiltMessage): Promise<void> {
    // nodemailer adds SMTPUTF8 to MAIL FROM by itself when the server offers it; this stops the send when it does not.
    this.checkSmtpUtf8(message.envelope)
    this.command = 'MAIL FROM'
    const info = await this.step<SMTPConnection.SentMessageInfo>((cb) => this.conn!.send(message.envelope, message.raw, (err, i) => cb(err ?? null, i)))
    this.result.messageId = message.messageId
    this.result.response = info.response
    this.result.accepted = info.accepted.map(String)
    this.result.rejected = info.rejected.map(String)
    if (info.rejected.length) this.warn(`The message was accepted for some recipients only; rejected: ${info.rejected.join(', ')}.`)
  }

  private async quitAndFinish(): Promise<SmtpResult> {
    const conn = this.conn
    if (conn && !conn.destroyed) {
      this.command = 'QUIT'
      const ended = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, QUIT_GRACE_MS)
        conn.once('end', () => {
          clearTimeout(timer)
          resolve()
        })
      })
      conn.quit()
      await ended
    }
    return this.finishOk()
  }

  private finishOk(): SmtpResult {
    if (this.job.stopAfter === 'connect') this.rec.line('info', 'stopping after connect: closing without a word')
    return this.build(null)
  }

  // ── plumbing ──────────────────────────────────────────────────────────────

  private onClient(text: string): void {
    this.armReplyTimer()
    const t = this.rec.now()
    this.tracker.client(t, text)
    this.rec.line('c', this.masker.client(text), { t })
  }

  private onServer(reply: string): void {
    const t = this.rec.now()
    const lines = reply.split('\n')
    const code = Number(/^\d{3}/.exec(lines[0] ?? '')?.[0] ?? 0)
    this.heard = true
    if (code === 220 && this.command === 'CONN' && this.rec.lines.filter((l) => l.dir === 'c').pop()?.text === 'STARTTLS') this.upgrading = true
    // After 354 we are the ones sending (the body): the wait for the next reply starts when it is sent.
    // During the STARTTLS handshake nodemailer's own upgrade timeout (greetingMs) rules.
    if (code === 354 || this.upgrading) this.disarmReplyTimer()
    else this.armReplyTimer()
    const answered = this.tracker.server(t, code)
    this.masker.server(code)
    for (const line of lines) {
      const plain = code === 334 ? explainChallenge(line) : null
      this.rec.line('s', plain ? `${line}   (${plain})` : line, { t })
    }
    if (code === 250 && answered === 'ehlo') {
      if (this.secured) this.caps.after = parseEhlo(reply)
      else this.caps.before = parseEhlo(reply)
    } else if (code === 250 && answered === 'ehlo2') this.caps.after = parseEhlo(reply)
    // nodemailer reads any line as a reply (a garbage "reply" to EHLO just sends it on to HELO): not us.
    if (!lines.every((l) => /^\d{3}([ -]|$)/.test(l)) && !this.violation) {
      this.violation = {
        code: 'PROTOCOL_ERROR',
        message: `The server sent something that is not an SMTP reply: "${(lines.find((l) => !/^\d{3}([ -]|$)/.test(l)) ?? '').slice(0, 80)}".`,
      }
      this.conn?.close()
    }
  }

  private onStartTlsDone(): void {
    this.upgrading = false
    this.armReplyTimer()
    const socket = (this.conn as unknown as { _socket: tls.TLSSocket })._socket
    this.secure = socket
    this.tracker.upgraded(this.rec.now(), handshakeRoundTrips(socket))
    this.onSecured(socket)
    // Still inside nodemailer's secureConnect callback: destroying now means not one byte (not even EHLO) crosses an untrusted channel.
    if (this.tlsError) socket.destroy()
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
    this.rec.line('info', `internationalised address${intl.length > 1 ? 'es' : ''} ${list}: MAIL FROM carries SMTPUTF8, which the server offers`)
    return true
  }

  private currentCaps(): string[] | null {
    return this.secured ? this.caps.after : this.caps.before
  }

  private warn(text: string): void {
    this.warnings.push(text)
    this.rec.line('info', `warning: ${text}`)
  }

  /** Waits for one nodemailer step, failing on its error, on the connection ending, or on cancel. */
  private step<T>(start: (cb: (err: Error | null, value?: T) => void) => void): Promise<T> {
    const conn = this.conn!
    return new Promise<T>((resolve, reject) => {
      let done = false
      const finish = (err: unknown, value?: T) => {
        if (done) return
        done = true
        this.onStall = null
        this.disarmReplyTimer()
        conn.off('error', onError)
        conn.off('end', onEnd)
        this.signal?.removeEventListener('abort', onAbort)
        if (err) reject(err)
        else resolve(value as T)
      }
      const onError = (err: Error) => finish(err)
      const onEnd = () => {
        const decided = this.tlsError ?? this.violation
        finish(decided ? new EngineError(decided) : Object.assign(new Error('Connection closed unexpectedly'), { code: 'ECONNECTION' }))
      }
      const onAbort = () => {
        finish(abortError())
        conn.close()
      }
      conn.once('error', onError)
      conn.once('end', onEnd)
      this.onStall = () => {
        finish(Object.assign(new Error(`No complete reply within ${this.timeouts.socketMs} ms`), { code: 'ETIMEDOUT', timeoutType: 'SOCKET_TIMEOUT' }))
        conn.close()
      }
      this.armReplyTimer()
      if (this.signal?.aborted) return onAbort()
      this.signal?.addEventListener('abort', onAbort, { once: true })
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
    if (!this.onStall || !this.heard) return
    this.replyTimer = setTimeout(this.onStall, this.timeouts.socketMs)
  }

  private disarmReplyTimer(): void {
    if (this.replyTimer) clearTimeout(this.replyTimer)
    this.replyTimer = null
  }

  /** The classified error for a failed step: an error we decided ourselves wins over what nodemailer saw. */
  private classify(err: unknown): ClassifiedError {
    const decided = this.tlsError ?? this.violation
    if (decided) return decided
    const error = classifySmtpError(err, this.errorContext())
    if (error.code === 'CONNECTION_LOST' && this.upgrading)
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
      command: this.command,
      // A kept session was greeted long ago, in an earlier run's transcript.
      greeted: this.kept || this.rec.lines.some((l) => l.dir === 's'),
    }
  }

  private teardown(): void {
    this.disarmReplyTimer()
    this.tracker.flush()
    if (this.conn && !this.conn.destroyed) this.conn.close()
    this.secure?.destroy()
    this.raw?.destroy()
  }

  private build(error: ClassifiedError | null): SmtpResult {
    this.tracker.flush()
    const totalMs = this.rec.now()
    const phases = this.rec.phases
    const authList = authMechanisms(this.caps.after ?? this.caps.before)
    if (error?.reply === undefined && error) {
      const lastServer = parseReply(this.rec.lines.filter((l) => l.dir === 's').pop()?.text)
      if (lastServer && ['AUTH_FAILED', 'SENDER_REJECTED', 'RECIPIENT_REJECTED', 'MESSAGE_REJECTED'].includes(error.code)) error.reply = lastServer
    }
    return {
      ok: error === null,
      kind: 'smtp',
      error: error ? { ...error, message: this.rec.redactor.redact(error.message), ...(error.detail ? { detail: this.rec.redactor.redact(error.detail) } : {}) } : null,
      warnings: this.warnings,
      target: { host: this.job.host, port: this.job.port, security: this.job.security, address: this.address },
      phases,
      totalMs,
      roundTrips: phases.reduce((n, p) => n + p.roundTrips, 0),
      tls: this.tls,
      capabilities: this.caps,
      authMechanisms: authList,
      authMethodUsed: this.authMethodUsed,
      bytes: { sent: (this.raw?.bytesWritten ?? 0) - this.bytesBase.sent, received: (this.raw?.bytesRead ?? 0) - this.bytesBase.received },
      transcript: this.rec.lines,
      result: this.result,
    }
  }
}

/** Reads the attachments (once, size-capped) and builds the message. */
async function compose(message: SmtpMessage): Promise<BuiltMessage> {
  return buildMessage(message, await loadAttachments(message.attachments, MAX_SMTP_ATTACHMENT_BYTES))
}
