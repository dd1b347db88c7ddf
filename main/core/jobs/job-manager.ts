import { randomUUID } from 'node:crypto'
import type { AnyJobResult, ClassifiedError } from '../../../preload/contract'
import { internalError } from '../errors'
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

  /**
   * Runs `run` as a job. Engines never reject (every failure is a result), but should one do so
   * anyway, the job still ends with a whole result of its kind: `crashed` builds it from the
   * INTERNAL error, with the same builder the engine uses for its own failures.
   */
  start<R extends AnyJobResult>(run: (ctx: JobContext) => Promise<R>, crashed: (error: ClassifiedError) => R): { jobId: string } {
    const jobId = randomUUID()
    const controller = new AbortController()
    this.running.set(jobId, controller)
    run({ jobId, signal: controller.signal, sink: this.sink })
      .catch((err: unknown) => {
        // After every event the job may have sent: the result is always last.
        this.sink.emit({ type: 'result', jobId, seq: Number.MAX_SAFE_INTEGER, result: crashed(internalError(err)) })
      })
      .catch(() => {
        // The sink itself failed (its caller is gone): nobody is left to tell.
      })
      .finally(() => this.running.delete(jobId))
    return { jobId }
  }

  /**
   * Runs a task that reports through a channel of its own (a profile's OAuth2 sign-in pushes its
   * progress): it gets an id and a signal like a job, so cancel() and cancelAll() stop it too.
   * `run` must not reject; if it does anyway, the rejection is dropped here.
   */
  startTask(run: (ctx: { jobId: string; signal: AbortSignal }) => Promise<void>): { jobId: string } {
    const jobId = randomUUID()
    const controller = new AbortController()
    this.running.set(jobId, controller)
    run({ jobId, signal: controller.signal })
      .catch(() => {})
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
