import type { SandboxInboxSource } from '../delivery/sandbox-inbox'
import type { JobEvent } from '../../../preload/contract'

/** Where a job's events go: IPC batches, the CLI printer, the WebSocket bridge or an array in tests. */
export interface EventSink {
  emit(event: JobEvent): void
}

/** What every engine entry point (runSmtp, runApi, runProbe) takes besides its input: the job's id, where its events go, and its cancel signal. */
export interface JobOptions {
  jobId?: string
  sink?: EventSink
  signal?: AbortSignal
  /** Info lines from before the job, its transcript's first lines (e.g. the renewal of an OAuth2 sign-in; never a secret). */
  preface?: readonly string[]
  /** The sandbox's inbox, for a job whose delivery watch names it (given by the runner that hosts the sandbox). */
  sandboxInbox?: SandboxInboxSource
}

export class ArraySink implements EventSink {
  readonly events: JobEvent[] = []
  emit(event: JobEvent): void {
    this.events.push(event)
  }
}

/** Fans one job's events out to several sinks (e.g. the IPC batcher and the history writer). */
export class TeeSink implements EventSink {
  constructor(private readonly sinks: EventSink[]) {}
  emit(event: JobEvent): void {
    for (const s of this.sinks) s.emit(event)
  }
}

export const nullSink: EventSink = { emit() {} }
