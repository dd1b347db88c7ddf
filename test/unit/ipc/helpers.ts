// Shared set-up for the data-layer tests: a temp dir per test, a sink that can wait for a job's
// result, and app services over a temp data folder with an in-memory cipher.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AnyJobResult, JobEvent } from '../../../preload/contract'
import { createMemoryCipher, type Cipher } from '../../../main/core/profiles/secrets'
import { openAppServices, type AppServices, type OpenServicesOptions } from '../../../main/core/services'
import type { EventSink } from '../../../main/core/transcript/event-sink'
import { buildCheckJob } from '../../../main/cli/check-jobs'

const dirs: string[] = []
const open: AppServices[] = []

/** A fresh directory under the OS temp dir; removed by `removeTempDirs()`. */
export async function tempDir(prefix = 'mailprobe-data-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  dirs.push(dir)
  return dir
}

/** Closes the services made by `testServices()` (their sandbox, their writes), then removes every temp dir. */
export async function removeTempDirs(): Promise<void> {
  await Promise.all(open.splice(0).map((s) => s.close()))
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })))
}

/** Collects events and resolves `result(jobId)` when that job's result event arrives. */
export class WaitingSink implements EventSink {
  readonly events: JobEvent[] = []
  private readonly results = new Map<string, unknown>()
  private readonly waiters = new Map<string, ((r: unknown) => void)[]>()
  /** Called with each result event before it is stored (e.g. to look at History at that moment). */
  onResult: ((event: JobEvent) => void) | null = null

  emit(event: JobEvent): void {
    this.events.push(event)
    if (event.type !== 'result') return
    this.onResult?.(event)
    this.results.set(event.jobId, event.result)
    for (const w of this.waiters.get(event.jobId) ?? []) w(event.result)
    this.waiters.delete(event.jobId)
  }

  result<R = AnyJobResult>(jobId: string): Promise<R> {
    if (this.results.has(jobId)) return Promise.resolve(this.results.get(jobId) as R)
    return new Promise((resolve) => {
      const list = this.waiters.get(jobId) ?? []
      list.push((r) => resolve(r as R))
      this.waiters.set(jobId, list)
    })
  }
}

/**
 * App services over a temp data folder; secrets encrypted with a per-test in-memory cipher.
 * Without the embedded sandbox unless asked (`sandbox: {}`): most tests are about other things.
 */
export async function testServices(overrides: Partial<OpenServicesOptions> = {}): Promise<{ services: AppServices; dataDir: string; cipher: Cipher }> {
  const dataDir = overrides.dataDir ?? (await tempDir())
  const cipher = overrides.cipher ?? createMemoryCipher()
  const services = await openAppServices({ dataDir, cipher, sandbox: false, buildCheckJob, ...overrides })
  open.push(services)
  return { services, dataDir, cipher }
}

/** Every file under `dir`, with its text (to scan what was written to disk). Flush the stores first. */
export async function readTree(dir: string): Promise<{ path: string; text: string }[]> {
  const out: { path: string; text: string }[] = []
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue
    const path = join(entry.parentPath, entry.name)
    out.push({ path, text: await readFile(path, 'utf8') })
  }
  return out
}
