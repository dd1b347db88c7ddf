// One engine job from the command line, the way send, verify, probe and api all run theirs: the
// files it needs checked first, then the transcript live (or, with --json, nothing until the one
// JSON object; with -q, nothing until the verdict line), a countdown on a terminal's stderr while a
// delivery watch waits, Ctrl-C to cancel, the summary, and the exit status the result calls for
// (130 when Ctrl-C cancelled it, as shells expect).
import { accessSync, constants } from 'node:fs'
import type { ClassifiedError, JobEvent } from '../../preload/contract'
import type { EventSink } from '../core/transcript/event-sink'
import { UsageError, type Command, type Verbosity } from './args'
import { cancelOnInterrupt, INTERRUPTED, type InterruptIO } from './interrupt'
import { firstLine, formatJson, paint, PrintingSink, quoteInput, sanitize, SGR, useColor, type Style } from './print'

export interface JobIO extends InterruptIO {
  stdout: { write(text: string): unknown; isTTY?: boolean }
  stderr: { write(text: string): unknown; isTTY?: boolean }
  env: NodeJS.ProcessEnv
}

/** Files the run must be able to read (--ca, --attach …), checked before connecting: one it cannot read is bad usage. */
export function requireReadable(files: readonly { option: string; path: string }[], command: Command): void {
  for (const f of files) {
    try {
      accessSync(f.path, constants.R_OK)
    } catch (err) {
      throw new UsageError(`cannot read ${f.option} file ${quoteInput(f.path, 200)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, command)
    }
  }
}

/** Things to tell the user before the run (options it ignores …), on stderr; -q leaves them out. */
export function writeNotes(io: Pick<JobIO, 'stderr'>, command: Command, notes: readonly string[], verbosity: Verbosity): void {
  if (verbosity === 'quiet') return
  for (const note of notes) io.stderr.write(`mailprobe ${command}: note: ${note}\n`)
}

export interface Job<R> {
  command: Command
  json: boolean
  /** -q: only the verdict line; -v: the transcript's detail lines too. --json ignores it. */
  verbosity: Verbosity
  /** Loads the engine and runs the job with this sink (none with --json or -q) and Ctrl-C's signal. */
  start(opts: { sink: EventSink | undefined; signal: AbortSignal }): Promise<R>
  /** The human output after the transcript. */
  summary(result: R, style: Style): string
  /** The verdict (`OK — …` or `FAILED CODE — …`): all that -q prints. Only its first line is printed. */
  verdict(result: R, style: Style): string
  /** The live output, when the transcript as it happens is not it (domain: a line per check as it finishes). */
  printer?(write: (text: string) => void, style: Style): EventSink
  /** Whether the run failed, when `ok` alone does not say (domain: a check that fails). */
  failed?(result: R): boolean
}

/** Returns the exit status: 0 the test succeeded, 1 it ran and failed, 130 Ctrl-C cancelled it. Input the engine refused throws UsageError (2). */
export async function runJob<R extends { ok: boolean; error: ClassifiedError | null }>(io: JobIO, job: Job<R>): Promise<number> {
  const color = useColor(io.stdout, io.env)
  const live = !job.json && job.verbosity !== 'quiet'
  // The countdown of a delivery watch: on a terminal only (with --json too), never with -q.
  const countdown = job.verbosity !== 'quiet' && io.stderr.isTTY ? new Countdown(io.stderr, { color: useColor(io.stderr, io.env) }) : null
  const write = (text: string) => {
    countdown?.clear()
    io.stdout.write(text)
  }
  const printer = live ? (job.printer?.(write, { color }) ?? new PrintingSink(write, { color }, { details: job.verbosity === 'verbose' })) : undefined
  const sink: EventSink | undefined = countdown ? { emit: (event: JobEvent) => (event.type === 'transcript' && event.progress ? countdown.show(event.text) : printer?.emit(event)) } : printer
  const interrupt = cancelOnInterrupt(io, () => {
    countdown?.clear()
    io.stderr.write('\nmailprobe: cancelling (press Ctrl-C again to quit at once)\n')
  })
  let result: R
  try {
    result = await job.start({ sink, signal: interrupt.signal })
  } finally {
    interrupt.dispose()
    countdown?.clear()
  }
  if (job.json) io.stdout.write(formatJson(result, Boolean(io.stdout.isTTY)))
  // Input the engine refused is bad usage too (exit 2); with --json the result above still went out.
  if (result.error?.code === 'INVALID_INPUT') throw new UsageError(result.error.message, job.command)
  if (!job.json) io.stdout.write(job.verbosity === 'quiet' ? `${firstLine(job.verdict(result, { color }))}\n` : job.summary(result, { color }))
  if (interrupt.signal.aborted) return INTERRUPTED
  return (job.failed ? job.failed(result) : !result.ok) ? 1 : 0
}

/** One line on a terminal's stderr that each tick rewrites ("waiting for the message: 97 s left"), cleared before anything else is printed. */
class Countdown {
  private drawn = false

  constructor(
    private readonly out: { write(text: string): unknown },
    private readonly style: Style,
  ) {}

  show(text: string): void {
    this.out.write(`\r\x1b[K${paint(`imap == ${sanitize(text)} (Ctrl-C cancels)`, SGR.dim, this.style)}`)
    this.drawn = true
  }

  clear(): void {
    if (!this.drawn) return
    this.out.write('\r\x1b[K')
    this.drawn = false
  }
}
