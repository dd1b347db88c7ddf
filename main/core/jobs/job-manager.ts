import { randomUUID } from 'node:crypto'
import type { EventSink } from '../transcript/event-sink'

export interface JobContext {
  jobId: string
  signal: AbortSignal
  sink: EventSink
}

/**
 * Starts jobs and answers at once with their id; each job reports through the sink and ends with
 * its result event. Cancel aborts the job's signal; the job ends itself with CANCELLED.
 */
export class JobManager {
  private readonly running = new Map<string, AbortController>()

  constructor(private readonly sink: EventSink) {}

  start(run: (ctx: JobContext) => Promise<unknown>): { jobId: string } {
    const jobId = randomUUID()
    const controller = new AbortController()
    this.running.set(jobId, controller)
    // Engines never reject (every failure is a result), but a bug must not become an unhandled rejection.
    run({ jobId, signal: controller.signal, sink: this.sink })
      .catch((err: unknown) => {
        this.sink.emit({
          type: 'result',
          jobId,
          seq: Number.MAX_SAFE_INTEGER,
          result: { ok: false, error: { code: 'INTERNAL', message: `Mailprobe failed unexpectedly: ${String(err)}` } },
        })
      })
      .finally(() => this.running.delete(jobId))
    return { jobId }
  }

  cancel(jobId: string): boolean {
    const c = this.running.get(jobId)
    if (!c) return false
    c.abort()
    return true
  }

  cancelAll(): void {
    for (const c of this.running.values()) c.abort()
  }

  get size(): number {
    return this.running.size
  }
}
