import type { Direction, DomainCheck, JobEvent, JobProgress, Phase, PhaseName, TranscriptLane, TranscriptLine } from '../../../preload/contract'
import { JobClock } from './clock'
import type { EventSink } from './event-sink'
import { Redactor } from './redact'

/** Lines kept in a result; the live stream still carries every line. Keeps memory bounded on hostile servers. */
export const MAX_RESULT_LINES = 20_000
/** A single transcript line is cut here (a hostile 1 MiB reply must not become a 1 MiB DOM node). */
export const MAX_LINE_CHARS = 4096

/** What a result takes from its recorder: the phases, the time so far, the round trips and the transcript (all empty without one). */
export function recordedSoFar<N extends PhaseName>(rec?: JobRecorder<N>): { phases: Phase<N>[]; totalMs: number; roundTrips: number; transcript: TranscriptLine[] } {
  const phases = rec?.phases ?? []
  return { phases, totalMs: rec?.now() ?? 0, roundTrips: phases.reduce((n, p) => n + p.roundTrips, 0), transcript: rec?.lines ?? [] }
}

/**
 * One job's voice: numbers events, stamps them with the job clock, redacts them and sends them
 * to the sink, and keeps what the result needs (the transcript and the phases, named as its job kind names them).
 */
export class JobRecorder<N extends PhaseName = PhaseName> {
  readonly clock = new JobClock()
  readonly lines: TranscriptLine[] = []
  readonly phases: Phase<N>[] = []
  private seq = 0
  private dropped = 0

  constructor(
    readonly jobId: string,
    private readonly sink: EventSink,
    readonly redactor: Redactor = new Redactor([]),
  ) {}

  now(): number {
    return this.clock.now()
  }

  /**
   * `lane` puts the line in a lane beside the main exchange (the delivery watch's IMAP); `progress`
   * rides on its event, and so does `check` (a domain check that just finished). A `transient` line
   * (a countdown's tick) is streamed but not kept in the result.
   */
  line(dir: Direction, text: string, opts: { t?: number; port?: number; detail?: boolean; lane?: TranscriptLane; progress?: JobProgress; transient?: boolean; check?: DomainCheck } = {}): void {
    let clean = this.redactor.redact(text)
    if (clean.length > MAX_LINE_CHARS) clean = `${clean.slice(0, MAX_LINE_CHARS)} … [${clean.length - MAX_LINE_CHARS} more characters]`
    const t = opts.t ?? this.now()
    const entry: TranscriptLine = { t, dir, text: clean }
    if (opts.port !== undefined) entry.port = opts.port
    if (opts.detail) entry.detail = true
    if (opts.lane) entry.lane = opts.lane
    if (!opts.transient) {
      if (this.lines.length < MAX_RESULT_LINES) this.lines.push(entry)
      else this.dropped++
    }
    this.emit({
      type: 'transcript',
      jobId: this.jobId,
      seq: 0,
      ...entry,
      ...(opts.progress && { progress: opts.progress }),
      ...(opts.transient && { transient: true as const }),
      ...(opts.check && { check: opts.check }),
    })
  }

  phase(phase: Phase<N>): void {
    this.phases.push(phase)
    this.emit({ type: 'phase', jobId: this.jobId, seq: 0, phase })
  }

  /** Lines that did not fit in the result (they were streamed, not kept). */
  get droppedLines(): number {
    return this.dropped
  }

  finish<R>(result: R): R {
    this.emit({ type: 'result', jobId: this.jobId, seq: 0, result })
    return result
  }

  private emit(event: JobEvent): void {
    event.seq = ++this.seq
    this.sink.emit(event)
  }
}
