// One engine job from the command line, the way send, verify, probe and api all run theirs: the
// files it needs checked first, then the transcript live (or, with --json, nothing until the one
// JSON object), Ctrl-C to cancel, the summary, and the exit status the result calls for.
import { accessSync, constants } from 'node:fs'
import type { ClassifiedError } from '../../preload/contract'
import type { EventSink } from '../core/transcript/event-sink'
import { UsageError, type Command } from './args'
import { cancelOnInterrupt, type InterruptIO } from './interrupt'
import { formatJson, PrintingSink, useColor, type Style } from './print'

export interface JobIO extends InterruptIO {
  stdout: { write(text: string): unknown; isTTY?: boolean }
  stderr: { write(text: string): unknown }
  env: NodeJS.ProcessEnv
}

/** Files the run must be able to read (--ca, --attach …), checked before connecting: one it cannot read is bad usage. */
export function requireReadable(files: readonly { option: string; path: string }[], command: Command): void {
  for (const f of files) {
    try {
      accessSync(f.path, constants.R_OK)
    } catch (err) {
      throw new UsageError(`cannot read ${f.option} file '${f.path}' (${(err as NodeJS.ErrnoException).code ?? 'error'})`, command)
    }
  }
}

export interface Job<R> {
  command: Command
  json: boolean
  /** Loads the engine and runs the job with this sink (none with --json) and Ctrl-C's signal. */
  start(opts: { sink: EventSink | undefined; signal: AbortSignal }): Promise<R>
  /** The human output after the transcript. */
  summary(result: R, style: Style): string
}

/** Returns the exit status: 0 the test succeeded, 1 it ran and failed. Input the engine refused throws UsageError (2). */
export async function runJob<R extends { ok: boolean; error: ClassifiedError | null }>(io: JobIO, job: Job<R>): Promise<number> {
  const color = useColor(io.stdout, io.env)
  const sink = job.json ? undefined : new PrintingSink((text) => io.stdout.write(text), { color })
  const interrupt = cancelOnInterrupt(io, () => io.stderr.write('\nmailprobe: cancelling (press Ctrl-C again to quit at once)\n'))
  let result: R
  try {
    result = await job.start({ sink, signal: interrupt.signal })
  } finally {
    interrupt.dispose()
  }
  if (job.json) io.stdout.write(formatJson(result, Boolean(io.stdout.isTTY)))
  // Input the engine refused is bad usage too (exit 2); with --json the result above still went out.
  if (result.error?.code === 'INVALID_INPUT') throw new UsageError(result.error.message, job.command)
  if (!job.json) io.stdout.write(job.summary(result, { color }))
  return result.ok ? 0 : 1
}
