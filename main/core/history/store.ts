import { readdir, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import {
  HISTORY_KINDS,
  HISTORY_LIMIT,
  HistorySummarySchema,
  SMTP_STAGES,
  type AnyJobResult,
  type HistoryEntry,
  type HistoryQuery,
  type HistorySummary,
  type SmtpStage,
  type StorageIssue,
} from '../../../preload/contract'
import { removeStaleTempFilesIn, VersionedJsonFile } from '../storage'
import { exportEntry } from './export'

/*
 * History in `<dir>`: `index.json` holds the summaries (newest first), `runs/<id>.json` one run
 * each (summary + full result with its transcript), so recording a run writes one small file and
 * the index, never the 500 transcripts. Bounded: beyond `limit` runs the oldest go, files and all.
 *
 * A run is visible to list() and get() as soon as record() is called (before it is on disk), so a
 * caller that sees a job's result event can ask for it at once.
 */

export const HISTORY_INDEX_FILE = 'index.json'
export const HISTORY_RUNS_DIR = 'runs'
const HISTORY_VERSION = 1

/** Run ids name files: nothing but letters, digits and hyphens. */
const SAFE_ID = /^[A-Za-z0-9-]{1,64}$/

const indexSchema = z.object({ entries: z.array(HistorySummarySchema) }).strict()
type IndexData = z.infer<typeof indexSchema>

/** Results are checked loosely (their exact shape belongs to the engines): kind, ok, transcript. Unknown fields are kept. */
const resultSchema = z.looseObject({
  kind: z.enum(HISTORY_KINDS),
  ok: z.boolean(),
  transcript: z.array(z.looseObject({ t: z.number(), dir: z.string(), text: z.string() })),
  phases: z.array(z.unknown()),
})
const runSchema = z
  .object({
    entry: HistorySummarySchema.extend({ result: resultSchema }),
    stopAfter: z.enum(SMTP_STAGES).optional(),
  })
  .strict()
type RunData = { entry: HistoryEntry; stopAfter?: SmtpStage }

export interface HistoryStoreOptions {
  /** The history folder (userData/history). */
  dir: string
  /** Runs kept (default HISTORY_LIMIT, 500). */
  limit?: number
  now?: () => Date
}

function newestFirst(a: HistorySummary, b: HistorySummary): number {
  return a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0
}

export class HistoryStore {
  private readonly index: VersionedJsonFile<IndexData>
  private entries: HistorySummary[] = []
  private readonly ids = new Set<string>()
  /** Runs recorded but not yet on disk. */
  private readonly pending = new Map<string, RunData>()
  /** Writes of run files in flight, by id. */
  private readonly writing = new Map<string, Promise<void>>()
  private readonly inFlight = new Set<Promise<unknown>>()
  readonly issues: StorageIssue[] = []
  readonly limit: number

  private constructor(private readonly opts: HistoryStoreOptions) {
    this.limit = opts.limit ?? HISTORY_LIMIT
    this.index = new VersionedJsonFile({
      path: join(opts.dir, HISTORY_INDEX_FILE),
      format: 'mailprobe-history',
      version: HISTORY_VERSION,
      schema: indexSchema,
      label: 'history index',
      consequence: 'The list of runs was rebuilt from the saved runs',
      now: opts.now,
    })
  }

  private get runsDir(): string {
    return join(this.opts.dir, HISTORY_RUNS_DIR)
  }

  private runFile(id: string): VersionedJsonFile<RunData> {
    return new VersionedJsonFile<RunData>({
      path: join(this.runsDir, `${id}.json`),
      format: 'mailprobe-run',
      version: HISTORY_VERSION,
      schema: runSchema as unknown as z.ZodType<RunData>,
      label: 'history run',
      consequence: 'That run was left out of History',
      pretty: false,
      now: this.opts.now,
    })
  }

  /**
   * Loads the index and reconciles it with the run files: runs whose file is gone are dropped,
   * run files the index does not list (a crash between the two writes) are added back. A damaged
   * index is kept aside, reported, and rebuilt from the run files.
   */
  static async open(opts: HistoryStoreOptions): Promise<HistoryStore> {
    const store = new HistoryStore(opts)
    const { data, issue } = await store.index.load()
    if (issue) store.issues.push(issue)
    // A run file's write cut short by a crash leaves its temp file in runs/; no run file is loaded at
    // start (only those missing from the index), so the index's clean-up would never reach them.
    await removeStaleTempFilesIn(store.runsDir, (name) => name.endsWith('.json') && SAFE_ID.test(name.slice(0, -'.json'.length)))
    let files: string[] = []
    try {
      files = (await readdir(store.runsDir)).filter((n) => n.endsWith('.json'))
    } catch {
      // No runs folder yet.
    }
    const onDisk = new Set(files.map((n) => n.slice(0, -'.json'.length)).filter((id) => SAFE_ID.test(id)))
    const listed = (data?.entries ?? []).filter((e) => SAFE_ID.test(e.id) && onDisk.has(e.id))
    let changed = listed.length !== (data?.entries.length ?? 0)
    const known = new Set(listed.map((e) => e.id))
    for (const id of onDisk) {
      if (known.has(id)) continue
      const run = await store.runFile(id).load()
      if (run.issue) store.issues.push(run.issue)
      if (run.data) {
        const { result: _r, ...summary } = run.data.entry
        listed.push({ ...summary, id })
        known.add(id)
        changed = true
      }
    }
    listed.sort(newestFirst)
    store.entries = listed
    for (const e of listed) store.ids.add(e.id)
    const pruned = store.prune()
    if (changed || pruned.length || issue) {
      // Best effort: if the disk refuses now, the next recorded run writes the index again.
      await store.saveIndex().catch(() => {})
      await Promise.all(pruned.map((id) => store.removeRunFile(id)))
    }
    return store
  }

  get size(): number {
    return this.entries.length
  }

  /**
   * Records a finished run: visible at once, on disk when the promise resolves (run file first,
   * then the index, so a crash in between loses nothing: the next start adds the run back).
   */
  record(summary: HistorySummary, result: AnyJobResult, extra: { stopAfter?: SmtpStage } = {}): Promise<void> {
    if (!SAFE_ID.test(summary.id)) return Promise.reject(new Error(`history: unusable run id ${JSON.stringify(summary.id)}`))
    if (this.ids.has(summary.id)) return Promise.reject(new Error(`history: run ${summary.id} is already recorded`))
    const data: RunData = { entry: { ...summary, result }, ...(extra.stopAfter ? { stopAfter: extra.stopAfter } : {}) }
    this.insert(summary)
    this.pending.set(summary.id, data)
    const pruned = this.prune()
    const id = summary.id
    const write = (async () => {
      try {
        await this.runFile(id).save(data)
      } finally {
        this.pending.delete(id)
      }
    })()
    this.writing.set(
      id,
      write.catch(() => {}),
    )
    const done = (async () => {
      try {
        await write
      } catch (err) {
        // Not on disk, so not in History either: the index must not point at a missing file.
        this.remove([id])
        throw err
      } finally {
        this.writing.delete(id)
        // Deleted or pruned while it was being written.
        if (!this.ids.has(id)) await this.unlinkRun(id)
      }
      await this.saveIndex()
      await Promise.all(pruned.map((p) => this.removeRunFile(p)))
    })()
    return this.track(done)
  }

  /** Newest first; `query` matches (case-insensitively, every word) profile name, target, summary, error code, action and kind. */
  list(query: HistoryQuery = {}): { entries: HistorySummary[]; total: number } {
    const words = (query.query ?? '').toLowerCase().split(/\s+/).filter(Boolean)
    const matches = words.length
      ? this.entries.filter((e) => {
          const hay = [e.profileName ?? '', e.target, e.summary, e.errorCode ?? '', e.action, e.kind].join('\n').toLowerCase()
          return words.every((w) => hay.includes(w))
        })
      : this.entries
    const offset = query.offset ?? 0
    const limit = query.limit ?? 100
    return { entries: matches.slice(offset, offset + limit).map((e) => ({ ...e })), total: matches.length }
  }

  /** The run with its full result, or null. A damaged run file is kept aside, reported, and dropped from the list. */
  async get(id: string): Promise<HistoryEntry | null> {
    return (await this.load(id))?.entry ?? null
  }

  /** The run as .txt (the CLI's transcript and verdict) or .json (the whole entry); null when there is no such run. */
  async exportTranscript(id: string, format: 'txt' | 'json'): Promise<{ suggestedName: string; content: string } | null> {
    const run = await this.load(id)
    return run ? exportEntry(run.entry, format, run.stopAfter) : null
  }

  /** Deletes runs (and their files); returns how many existed. */
  async delete(ids: readonly string[]): Promise<number> {
    const removed = this.remove(ids)
    if (!removed.length) return 0
    const done = (async () => {
      await this.saveIndex()
      await Promise.all(removed.map((id) => this.removeRunFile(id)))
    })()
    await this.track(done)
    return removed.length
  }

  /** Resolves when everything recorded or deleted so far is on disk. */
  async flush(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight])
    await this.index.flush()
  }

  private async load(id: string): Promise<RunData | null> {
    const pending = this.pending.get(id)
    if (pending) return structuredClone(pending)
    if (!this.ids.has(id)) return null
    const { data, issue } = await this.runFile(id).load()
    if (data) return data
    if (issue) this.issues.push(issue)
    // Gone or damaged: it cannot be shown, so it leaves the list too.
    if (this.remove([id]).length) await this.track(this.saveIndex())
    return null
  }

  private insert(summary: HistorySummary): void {
    let at = 0
    while (at < this.entries.length && newestFirst(this.entries[at]!, summary) <= 0) at++
    this.entries.splice(at, 0, { ...summary })
    this.ids.add(summary.id)
  }

  /** Drops the oldest entries beyond the limit from the list; returns their ids (their files go next). */
  private prune(): string[] {
    if (this.entries.length <= this.limit) return []
    const gone = this.entries.splice(this.limit).map((e) => e.id)
    for (const id of gone) {
      this.ids.delete(id)
      this.pending.delete(id)
    }
    return gone
  }

  private remove(ids: readonly string[]): string[] {
    const wanted = new Set(ids.filter((id) => this.ids.has(id)))
    if (!wanted.size) return []
    this.entries = this.entries.filter((e) => !wanted.has(e.id))
    for (const id of wanted) {
      this.ids.delete(id)
      this.pending.delete(id)
    }
    return [...wanted]
  }

  private saveIndex(): Promise<void> {
    return this.index.saveLatest(() => ({ entries: this.entries }))
  }

  /** Removes a run's file once any write of it has finished. */
  private async removeRunFile(id: string): Promise<void> {
    await this.writing.get(id)
    await this.unlinkRun(id)
  }

  private async unlinkRun(id: string): Promise<void> {
    try {
      await unlink(join(this.runsDir, `${id}.json`))
    } catch {
      // Already gone.
    }
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p)
    void p.finally(() => this.inFlight.delete(p)).catch(() => {})
    return p
  }
}
