// Runs one send/verify request: reads the secret (or, with --oauth, the saved sign-in's access token,
// renewed first when needed) and, for --await-inbox and --dkim-*, the mailbox's secret and the DKIM
// key (inbox-run.ts), starts the engine (loaded only now: it pulls in nodemailer and zod), streams
// the transcript, prints the summary or the JSON, and picks the exit status.
import type { ClassifiedError, SmtpJobInput, SmtpResult } from '../../preload/contract'
import { internalError } from '../core/errors'
import { smtpFailure, type SmtpFailureTarget } from '../core/smtp/result'
import type { EventSink, JobOptions } from '../core/transcript/event-sink'
import { withSecret, type RunRequest } from './args'
import { requireReadable, runJob, writeNotes } from './job'
import { formatSummary, formatVerdict } from './print'
import { readSecret, withProxyPassword } from './secrets'

export interface RunIO {
  stdout: NodeJS.WriteStream
  stderr: NodeJS.WriteStream
  stdin: NodeJS.ReadStream
  env: NodeJS.ProcessEnv
  /** Where SIGINT is heard; the process in real use. */
  signals: Pick<NodeJS.Process, 'on' | 'off'>
  /** Working directory for a relative $MAILPROBE_DATA_DIR (default process.cwd()). */
  cwd?: string
}

/** Returns the exit status: 0 the test succeeded, 1 it ran and failed, 130 Ctrl-C cancelled it; bad usage throws UsageError (2). */
export async function runCommand(req: RunRequest, io: RunIO): Promise<number> {
  const { command } = req
  writeNotes(io, command, req.notes, req.verbosity)
  requireReadable(req.files, command)
  // The proxy password, the mailbox's and the DKIM key first: an unset variable is said before a password prompt, not after.
  const network = withProxyPassword(req.job.network, req.proxyPasswordEnv, io.env, command)
  // Only for --await-inbox and --dkim-* (bin/mailprobe.cjs runs those sends from the full bundle: the send/verify one leaves them out).
  const extras = req.inbox || req.dkim ? await import('./inbox-run') : null
  const inboxPassword = req.inbox && extras ? extras.readInboxPassword(req.inbox, io.env, command) : null
  const dkim = req.dkim && extras ? extras.readDkimKey(req.dkim, io.env, command) : null
  const secret = req.secretSource ? await readSecret(req.secretSource, io, command) : null
  const input: SmtpJobInput = { ...withSecret(req, secret), ...(network && { network }), ...(dkim && { dkim }) }

  const send = async (job: SmtpJobInput, opts: JobOptions): Promise<SmtpResult> => {
    if (req.oauth) {
      // Only for --oauth (bin/mailprobe.cjs runs those sends from the full bundle: the send/verify one leaves OAuth2 out).
      const { runWithSignIn } = await import('./oauth-run')
      return runWithSignIn(req.oauth, job, targetOf(req), io, opts)
    }
    const { runSmtp } = await import('../core/smtp/index')
    return runSmtp(job, opts)
  }
  return runJob(io, {
    command,
    json: req.json,
    verbosity: req.verbosity,
    start: async (opts) => {
      try {
        if (req.inbox && extras) {
          const { withInbox, failSmtpJob } = extras
          const fail = (error: ClassifiedError, preface: string[], jobId: string, sink: EventSink) => failSmtpJob(jobId, sink, error, targetOf(req), preface)
          return await withInbox(req.inbox, inboxPassword, io, opts, (delivery, preface) => send({ ...input, delivery }, { ...opts, preface }), fail)
        }
        return await send(input, opts)
      } catch (err) {
        // The engine promises never to throw; if it does anyway, still answer in the promised shape.
        return internalFailure(req, err, [secret, inboxPassword, dkim?.privateKey])
      }
    },
    summary: (result, style) => formatSummary(result, req.job.stopAfter ?? 'send', style, { details: req.verbosity === 'verbose' }),
    verdict: (result, style) => formatVerdict(result, req.job.stopAfter ?? 'send', style),
  })
}

/** Where a run that failed before its session was headed. */
function targetOf(req: RunRequest): SmtpFailureTarget {
  return { host: req.job.host, port: req.job.port ?? 587, security: req.job.security ?? 'auto' }
}

function internalFailure(req: RunRequest, err: unknown, secrets: (string | null | undefined)[]): SmtpResult {
  const error = internalError(err)
  for (const secret of secrets) if (secret) error.message = error.message.split(secret).join('[redacted]')
  return smtpFailure(error, targetOf(req))
}
