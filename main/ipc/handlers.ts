import type { z } from 'zod'
import { operations, type Envelope, type OperationName, type OperationOutputs } from '../../preload/contract'
import { JobManager } from '../core/jobs/job-manager'
import { runSmtp } from '../core/smtp'
import type { EventSink } from '../core/transcript/event-sink'
import { describeIssues } from '../core/validation'

/*
 * The dispatch table: operation name → handler taking validated input. No Electron here, so the
 * IPC registration and the WebSocket bridge used by browser tests serve the very same table.
 */

export type OperationInput<K extends OperationName> = z.output<(typeof operations)[K]['input']>

export type Handlers = {
  [K in OperationName]: (input: OperationInput<K>) => OperationOutputs[K] | Promise<OperationOutputs[K]>
}

/** The core entry points the handlers call; tests and bridges may substitute them. */
export interface CoreDeps {
  runSmtp: typeof runSmtp
}

const defaultCore: CoreDeps = { runSmtp }

export const operationNames = Object.keys(operations) as OperationName[]

export function createHandlers(jobs: JobManager, core: CoreDeps = defaultCore): Handlers {
  return {
    runSmtp: (input) => jobs.start(({ jobId, signal, sink }) => core.runSmtp(input, { jobId, signal, sink })),
    cancelJob: ({ jobId }) => ({ cancelled: jobs.cancel(jobId) }),
  }
}

/** Validates `payload` with the operation's schema and runs its handler; always answers an envelope. */
export async function dispatch<K extends OperationName>(
  handlers: Handlers,
  name: K,
  payload: unknown,
): Promise<Envelope<OperationOutputs[K]>> {
  const parsed = operations[name].input.safeParse(payload)
  if (!parsed.success) {
    return { ok: false, error: { code: 'INVALID_INPUT', message: `The ${name} request was refused — ${describeIssues(parsed.error.issues)}.` } }
  }
  try {
    const handler = handlers[name] as (input: unknown) => OperationOutputs[K] | Promise<OperationOutputs[K]>
    return { ok: true, value: await handler(parsed.data) }
  } catch (err) {
    // Handlers should not throw; if one does, the caller still gets an envelope, not a bare rejection.
    return { ok: false, error: { code: 'INTERNAL', message: `Mailprobe failed unexpectedly: ${err instanceof Error ? err.message : String(err)}` } }
  }
}

/** One caller (a window, a WebSocket connection): its own jobs, whose events go to its own sink. */
export interface Client {
  dispatch<K extends OperationName>(name: K, payload: unknown): Promise<Envelope<OperationOutputs[K]>>
  /** Cancels the caller's running jobs (its window closed or its socket dropped). */
  dispose(): void
}

export function createClient(sink: EventSink, core: CoreDeps = defaultCore): Client {
  const jobs = new JobManager(sink)
  const handlers = createHandlers(jobs, core)
  return {
    dispatch: (name, payload) => dispatch(handlers, name, payload),
    dispose: () => jobs.cancelAll(),
  }
}
