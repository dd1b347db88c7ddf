import type { Direction, NetPhaseName } from '../../../preload/contract'
import type { JobRecorder } from '../transcript/recorder'

/**
 * Where the dial step writes: the job's clock, transcript lines and phases. Each engine adapts its
 * own recorder (the SMTP phase tracker, a probe port's log, the HTTP exchange's recorder).
 */
export interface NetLog {
  now(): number
  /** `detail` lines (each address tried, certificate names and chain) are shown with --verbose; `t` dates a line written later. */
  line(dir: Direction, text: string, opts?: LineOptions): void
  phase(name: NetPhaseName, startMs: number, endMs: number, roundTrips: number): void
}

export interface LineOptions {
  detail?: boolean
  t?: number
}

/** A NetLog straight onto a job's recorder. */
export function recorderLog(rec: JobRecorder): NetLog {
  return {
    now: () => rec.now(),
    line: (dir, text, opts) => rec.line(dir, text, opts),
    phase: (name, startMs, endMs, roundTrips) => rec.phase({ name, startMs: round(startMs), durationMs: round(endMs - startMs), roundTrips }),
  }
}

export const round = (ms: number) => Math.round(Math.max(0, ms) * 1000) / 1000

/**
 * A NetLog that holds what it is told until `replay` (or drops it): for a connection that may lose a
 * race (the probe's and auto's second, TLS-first connection), whose lines and phases count only if it wins.
 */
export class HeldLog implements NetLog {
  private held: (() => void)[] = []

  constructor(private readonly to: NetLog) {}

  now(): number {
    return this.to.now()
  }

  line(dir: Direction, text: string, opts: LineOptions = {}): void {
    const t = opts.t ?? this.now()
    this.held.push(() => this.to.line(dir, text, { ...opts, t }))
  }

  phase(name: NetPhaseName, startMs: number, endMs: number, roundTrips: number): void {
    this.held.push(() => this.to.phase(name, startMs, endMs, roundTrips))
  }

  replay(): void {
    for (const write of this.held) write()
    this.held = []
  }
}
