// Runs one send/verify request: reads the secret, starts the engine (loaded only now: it pulls in
// nodemailer and zod), streams the transcript, prints the summary or the JSON, and picks the exit status.
import { accessSync, constants } from 'node:fs'
import type { SmtpResult } from '../../preload/contract'
import { UsageError, withSecret, type RunRequest } from './args'
import { formatJson, formatSummary, PrintingSink, useColor } from './print'
import { readSecret } from './secrets'
import { cancelOnInterrupt } from './interrupt'

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
  for (const f of req.files) {
    try {
      accessSync(f.path, constants.R_OK)
    } catch (err) {
      throw new UsageError(`cannot read ${f.option} file '${f.path}' (${(err as NodeJS.ErrnoException).code ?? 'error'})`, command)
    }
  }
  const secret = req.secretSource ? await readSecret(req.secretSource, io, command) : null
  const input = withSecret(req, secret)

  const color = useColor(io.stdout, io.env)
  const sink = req.json ? undefined : new PrintingSink((text) => io.stdout.write(text), { color })
  const interrupt = cancelOnInterrupt(io, () => io.stderr.write('\nmailprobe: cancelling (press Ctrl-C again to quit at once)\n'))
  let result: SmtpResult
  try {
    const { runSmtp } = await import('../core/smtp/index')
    result = await runSmtp(input, { sink, signal: interrupt.signal })
  } catch (err) {
    // The engine promises never to throw; if it does anyway, still answer in the promised shape.
    result = internalFailure(req, err, secret)
  } finally {
    interrupt.dispose()
  }

  if (req.json) io.stdout.write(formatJson(result, Boolean(io.stdout.isTTY)))
  // Input the engine refused is bad usage too (exit 2); with --json the result above still went out.
  if (result.error?.code === 'INVALID_INPUT') throw new UsageError(result.error.message, command)
  if (!req.json) io.stdout.write(formatSummary(result, req.job.stopAfter ?? 'send', { color }))
  return result.ok ? 0 : 1
}

function internalFailure(req: RunRequest, err: unknown, secret: string | null): SmtpResult {
  let message = `Mailprobe failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`
  if (secret) message = message.split(secret).join('[redacted]')
  return {
    ok: false,
    kind: 'smtp',
    error: { code: 'INTERNAL', message },
    warnings: [],
    phases: [],
    totalMs: 0,
    roundTrips: 0,
    transcript: [],
    target: { host: req.job.host, port: req.job.port ?? 587, security: req.job.security ?? 'auto', address: null },
    tls: null,
    capabilities: { before: null, after: null },
    authMechanisms: [],
    authMethodUsed: null,
    bytes: { sent: 0, received: 0 },
    result: { messageId: null, response: null, accepted: [], rejected: [], messageSize: null },
  }
}
