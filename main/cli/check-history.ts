// `mailprobe check --every`: each round kept in History, in the app's History store (the CLI's data
// folder, history/), as the app keeps a check file's run: a ChecksResult with its progress lines.
import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import type { ChecksResult } from '../../preload/contract'
import { HistoryStore } from '../core/history/store'
import { summarize } from '../core/history/summary'
import { runChecksJob, type RunChecks } from '../core/runs/checks-job'
import { defaultDataDir } from './data-dir'

/** Where the rounds are kept: the History folder of the CLI's data folder (history/, as the app's). */
export function checkHistoryDir(env: NodeJS.ProcessEnv): string {
  return join(defaultDataDir(env), 'history')
}

export interface CheckRounds {
  /** Why History could not be opened (the rounds then run without being kept), or null. */
  problem: string | null
  /**
   * Runs one round as the app runs a check file (the file read again, so an edit is picked up) and
   * records it. Resolves with the result (its report null when the file could not be run) and
   * whether it reached History.
   */
  round(opts: { path: string; only: string[]; env: NodeJS.ProcessEnv; signal: AbortSignal; run: RunChecks }): Promise<{ result: ChecksResult; kept: Error | null }>
  close(): Promise<void>
}

export async function openCheckRounds(env: NodeJS.ProcessEnv): Promise<CheckRounds> {
  const dir = checkHistoryDir(env)
  let store: HistoryStore | null = null
  let problem: string | null = null
  try {
    store = await HistoryStore.open({ dir })
  } catch (err) {
    problem = `History in ${dir} cannot be opened (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): the rounds are not kept`
  }
  return {
    problem,
    async round({ path, only, env: runEnv, signal, run }) {
      const jobId = randomUUID()
      const startedAt = new Date().toISOString()
      const result = await runChecksJob({ path, ...(only.length && { only }) }, { jobId, sink: { emit: () => {} }, signal }, runEnv, run)
      // A round Ctrl-C cut short is not a round: nothing to keep.
      if (signal.aborted || !store) return { result, kept: null }
      const summary = summarize(randomUUID(), { jobId, kind: 'checks', action: 'checks', profileId: null, profileName: null, startedAt }, result)
      try {
        await store.record(summary, result)
        return { result, kept: null }
      } catch (err) {
        return { result, kept: err instanceof Error ? err : new Error(String(err)) }
      }
    },
    close: async () => {
      await store?.flush()
    },
  }
}
