import { vi } from 'vitest'
import type { Envelope, JobEventBatch, MailprobeApi, OperationOutputs } from '@contract'

/** A MailprobeApi that records calls and lets a test push job event batches, as main would. */
export function createFakeApi() {
  const listeners = new Set<(batch: JobEventBatch) => void>()
  let next = 1
  const runSmtp = vi.fn(
    async (_input: Parameters<MailprobeApi['runSmtp']>[0]): Promise<Envelope<OperationOutputs['runSmtp']>> => ({
      ok: true,
      value: { jobId: `job-${next++}` },
    }),
  )
  const cancelJob = vi.fn(
    async (_input: Parameters<MailprobeApi['cancelJob']>[0]): Promise<Envelope<OperationOutputs['cancelJob']>> => ({
      ok: true,
      value: { cancelled: true },
    }),
  )
  const api: MailprobeApi = {
    runSmtp,
    cancelJob,
    onJobEvents(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
  return {
    api,
    runSmtp,
    cancelJob,
    listeners,
    push(batch: JobEventBatch): void {
      for (const l of listeners) l(batch)
    },
  }
}

export type FakeApi = ReturnType<typeof createFakeApi>
