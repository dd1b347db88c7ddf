/**
 * A warm SMTP session: connect, TLS and AUTH once, then many transactions on the same
 * authenticated connection — what a pooled client does, measured with the engine's own
 * machinery (our socket, nodemailer's SMTPConnection, the phase tracker), so every transaction
 * reports its own phases, round trips and bytes. nodemailer's SMTPPool would hide the connection.
 *
 *   const { result, session } = await WarmSmtpSession.open(input, { sink })   // stops after AUTH, keeps it open
 *   if (session) {
 *     const r1 = await session.send(message, { jobId, sink })   // MAIL/RCPT/DATA + body: 2 round trips pipelined
 *     const r2 = await session.noop()                          // 1 round trip: a warm "verify"
 *     await session.close()                                    // QUIT
 *   }
 *
 * Like runSmtp, nothing here throws: every failure is a result with a classified error. After a
 * failed transaction or a lost connection `session.open` is false; open a new one.
 */
import { randomUUID } from 'node:crypto'
import { smtpJobSchema, smtpMessageSchema, type JobDelivery, type SmtpJob, type SmtpResult, type SmtpPhaseName } from '../../../preload/contract'
import { settleSmtpWatch, tagMessage, watchBeforeSend } from '../delivery/tag'
import { nullSink, type JobOptions } from '../transcript/event-sink'
import { JobRecorder } from '../transcript/recorder'
import type { Redactor } from '../transcript/redact'
import { describeIssues } from '../validation'
import { invalidResult, jobRedactor, redactorFor } from './index'
import { SmtpSession } from './session'

export interface WarmSmtpOpen {
  /** The opening run (connect … AUTH): its phases are what each cold run would pay on top. */
  result: SmtpResult
  /** The open session, or null when opening failed (see result.error). */
  session: WarmSmtpSession | null
}

export class WarmSmtpSession {
  private busy = false

  private constructor(
    private readonly inner: SmtpSession,
    private readonly job: SmtpJob,
    private readonly redactor: Redactor,
  ) {}

  /**
   * Runs `input` (an SMTP job, validated like runSmtp's) up to AUTH and keeps the session open.
   * Its `stopAfter`, `message` and `delivery` are ignored: messages (and their watch) come with each `send`.
   */
  static async open(input: unknown, opts: JobOptions = {}): Promise<WarmSmtpOpen> {
    const jobId = opts.jobId ?? randomUUID()
    const sink = opts.sink ?? nullSink
    const raw = input && typeof input === 'object' ? { ...(input as Record<string, unknown>), stopAfter: 'auth', message: undefined, delivery: undefined } : input
    const parsed = smtpJobSchema.safeParse(raw)
    if (!parsed.success) {
      const rec = new JobRecorder<SmtpPhaseName>(jobId, sink, redactorFor(input))
      const message = describeIssues(parsed.error.issues)
      rec.line('err', `INVALID_INPUT: ${message}`)
      return { result: rec.finish(invalidResult(input, message, rec)), session: null }
    }
    const job = parsed.data
    const redactor = jobRedactor(job)
    const rec = new JobRecorder<SmtpPhaseName>(jobId, sink, redactor)
    const inner = new SmtpSession(job, rec, opts.signal, true)
    const result = rec.finish(await inner.run())
    return { result, session: result.ok && inner.open ? new WarmSmtpSession(inner, job, redactor) : null }
  }

  /** The connection is up and the session can take another transaction. */
  get open(): boolean {
    return this.inner.open
  }

  /**
   * One message (SMTP message fields, validated like a job's `message`) on the open session. With
   * `delivery` (a job's, validated) the message gets its token and the mailbox is then watched, as
   * runSmtp does after a send; the session is free for the next transaction meanwhile.
   */
  send(message: unknown, opts: JobOptions & { delivery?: JobDelivery } = {}): Promise<SmtpResult> {
    return this.transaction('send', message, opts)
  }

  /** One NOOP on the open session: the warm counterpart of a verify. */
  noop(opts: JobOptions = {}): Promise<SmtpResult> {
    return this.transaction('noop', null, opts)
  }

  /** QUIT (briefly awaited) and close. Idempotent. */
  close(): Promise<void> {
    return this.inner.close()
  }

  private async transaction(kind: 'send' | 'noop', message: unknown, opts: JobOptions & { delivery?: JobDelivery }): Promise<SmtpResult> {
    // A watched send's transcript hides the mailbox's login too, as runSmtp's does.
    const redactor = opts.delivery ? jobRedactor({ ...this.job, delivery: opts.delivery }) : this.redactor
    const rec = new JobRecorder<SmtpPhaseName>(opts.jobId ?? randomUUID(), opts.sink ?? nullSink, redactor)
    const refuse = (text: string) => {
      rec.line('err', `INVALID_INPUT: ${text}`)
      return rec.finish(invalidResult(this.job, text, rec))
    }
    let parsed = null
    if (kind === 'send') {
      const m = smtpMessageSchema.safeParse(message)
      if (!m.success) return refuse(`message: ${describeIssues(m.error.issues)}`)
      if (m.data.to.length + m.data.cc.length + m.data.bcc.length === 0) return refuse('message.to: at least one recipient (to, cc or bcc) is required')
      parsed = m.data
    }
    if (this.busy) return refuse('this session is busy with another transaction; one at a time')
    // The parsed message is this transaction's own copy: its token goes on it alone.
    const token = opts.delivery && parsed ? tagMessage(parsed, opts.delivery.token) : null
    // A warm transaction's message is not DKIM-signed: no signer to check on arrival.
    const watch = opts.delivery && token ? watchBeforeSend({ delivery: opts.delivery, network: this.job.network }, token, rec, opts) : null
    this.busy = true
    let result: SmtpResult
    try {
      result = await this.inner.transaction(kind, parsed, rec, opts.signal)
    } catch (err) {
      await watch?.abandon().catch(() => undefined)
      throw err
    } finally {
      this.busy = false
    }
    result = await settleSmtpWatch(watch, result)
    return rec.finish(result)
  }
}
