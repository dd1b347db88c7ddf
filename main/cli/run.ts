// Runs one send/verify request: reads the secret, starts the engine (loaded only now: it pulls in
// nodemailer and zod), streams the transcript, prints the summary or the JSON, and picks the exit status.
import type { SmtpResult } from '../../preload/contract'
import { smtpFailure } from '../core/smtp/result'
import { withSecret, type RunRequest } from './args'
import { requireReadable, runJob } from './job'
import { formatSummary } from './print'
import { readSecret } from './secrets'

export interface RunIO {
  stdout: NodeJS.WriteStream
  stderr: NodeJS.WriteStream
  stdin: NodeJS.ReadStream
  env: NodeJS.ProcessEnv
  /** Where SIGINT is heard; the process in real use. */
  signals: Pick<NodeJS.Process, 'on' | 'off'>
}

/** Returns the exit status: 0 the test succeeded, 1 it ran and failed, 2 bad usage. */
export async function runCommand(req: RunRequest, io: RunIO): Promise<number> {
  const { command } = req
  for (const note of req.notes) io.stderr.write(`mailprobe ${command}: note: ${note}\n`)
  requireReadable(req.files, command)
  const secret = req.secretSource ? await readSecret(req.secretSource, io, command) : null
  const input = withSecret(req, secret)

  return runJob(io, {
    command,
    json: req.json,
    start: async (opts) => {
      try {
        const { runSmtp } = await import('../core/smtp/index')
        return await runSmtp(input, opts)
      } catch (err) {
        // The engine promises never to throw; if it does anyway, still answer in the promised shape.
        return internalFailure(req, err, secret)
      }
    },
    summary: (result, style) => formatSummary(result, req.job.stopAfter ?? 'send', style),
  })
}

function internalFailure(req: RunRequest, err: unknown, secret: string | null): SmtpResult {
  let message = `Mailprobe failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`
  if (secret) message = message.split(secret).join('[redacted]')
  return smtpFailure({ code: 'INTERNAL', message }, { host: req.job.host, port: req.job.port ?? 587, security: req.job.security ?? 'auto' })
}
