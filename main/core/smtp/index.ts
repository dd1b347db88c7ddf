import { randomUUID } from 'node:crypto'
import type { SmtpJob, SmtpPhaseName, SmtpResult } from '../../../preload/contract'
// The SMTP job's schema only: the contract's index would build every job kind's schemas at load (the CLI's start-up).
import { smtpJobSchema } from '../../../preload/contract/smtp'
import { internalError } from '../errors'
import { describeIssues } from '../validation'
import { nullSink, type JobOptions } from '../transcript/event-sink'
import { JobRecorder } from '../transcript/recorder'
import { hiddenNamesOf, Redactor, secretsOf } from '../transcript/redact'
import { settleSmtpWatch, tagMessage, watchBeforeSend } from '../delivery/tag'
import { smtpFailure } from './result'
import { SmtpSession } from './session'

/**
 * Runs one SMTP session described by `input` (validated with the contract's smtpJobSchema).
 * Never throws: every failure, invalid input included, is a result with a classified error.
 * Emits transcript, phase and finally one result event to `opts.sink`.
 */
export async function runSmtp(input: unknown, opts: JobOptions = {}): Promise<SmtpResult> {
  const jobId = opts.jobId ?? randomUUID()
  const sink = opts.sink ?? nullSink
  const parsed = smtpJobSchema.safeParse(input)
  if (!parsed.success) {
    const rec = new JobRecorder<SmtpPhaseName>(jobId, sink, redactorFor(input))
    for (const line of opts.preface ?? []) rec.line('info', line)
    const message = describeIssues(parsed.error.issues)
    rec.line('err', `INVALID_INPUT: ${message}`)
    return rec.finish(invalidResult(input, message, rec))
  }
  const job = parsed.data
  const rec = new JobRecorder<SmtpPhaseName>(jobId, sink, jobRedactor(job))
  for (const line of opts.preface ?? []) rec.line('info', line)
  // A watched send carries its token in a header of its own; the watch begins with the send.
  const token = job.delivery && job.message ? tagMessage(job.message, job.delivery.token) : null
  const watch = job.delivery && token ? watchBeforeSend({ ...job, delivery: job.delivery }, token, rec, opts) : null
  let result: SmtpResult
  try {
    result = await new SmtpSession(job, rec, opts.signal).run()
    result = await settleSmtpWatch(watch, result)
  } catch (err) {
    // The session classifies its own failures; this is the promise that runSmtp never throws, kept even for a bug.
    await watch?.abandon().catch(() => undefined)
    const error = internalError(err)
    error.message = rec.redactor.redact(error.message)
    rec.line('err', `${error.code}: ${error.message}`)
    result = smtpFailure(error, { host: job.host, port: job.port, security: job.security }, rec)
  }
  return rec.finish(result)
}

/** A valid job's redactor: the secret always, the username too unless the job asks to show it. */
export function jobRedactor(job: SmtpJob): Redactor {
  return new Redactor(secretsOf(job), hiddenNamesOf(job, job.showUsername))
}

/** Even rejected input may carry a secret: redact it from whatever we echo. */
export function redactorFor(input: unknown): Redactor {
  return new Redactor(secretsOf(input), hiddenNamesOf(input))
}

/** The result of a job that never started: its input did not validate (also used by warm sessions). */
export function invalidResult(input: unknown, message: string, rec: JobRecorder<SmtpPhaseName>): SmtpResult {
  const i = (input ?? {}) as { host?: unknown; port?: unknown }
  const target = { host: typeof i.host === 'string' ? i.host : '', port: typeof i.port === 'number' ? i.port : 0, security: 'auto' as const }
  return smtpFailure({ code: 'INVALID_INPUT', message: rec.redactor.redact(message) }, target, rec)
}
