import type { JobEvent } from '../../../preload/contract'
import type { EventSink } from './event-sink'

/**
 * Collects events and hands them on in batches, so a chatty job does not flood IPC with one
 * message per line. A result event flushes at once: the end of a job is never delayed.
 */
export class BatchingSink implements EventSink {
  private pending: JobEvent[] = []
  private timer: NodeJS.Timeout | null = null

  constructor(
    private readonly deliver: (batch: JobEvent[]) => void,
    private readonly intervalMs = 50,
  ) {}

  emit(event: JobEvent): void {
    this.pending.push(event)
    if (event.type === 'result') return this.flush()
    if (!this.timer) this.timer = setTimeout(() => this.flush(), this.intervalMs)
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = null
    if (!this.pending.length) return
    const batch = this.pending
    this.pending = []
    this.deliver(batch)
  }
}
