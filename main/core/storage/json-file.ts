import { readFile, rename, stat } from 'node:fs/promises'
import { basename } from 'node:path'
import type { z } from 'zod'
import type { StorageIssue } from '../../../preload/contract'
import { describeIssues, describeJsonError } from '../validation'
import { removeStaleTempFiles, writeFileAtomic } from './atomic'

/*
 * A versioned JSON file: `{ "format": "mailprobe-profiles", "version": 1, "data": … }`.
 *
 * - Writes are atomic (writeFileAtomic) and serialised per file: a queue runs one write at a time,
 *   and saves that arrive while one is running are coalesced into the next (the newest state wins;
 *   every caller's promise settles when a write containing its state is on disk).
 * - Reads check the format name, the version and the data's schema. A file that cannot be read,
 *   parsed or validated is moved aside (`<name>.corrupt-<timestamp>`) and reported as a
 *   StorageIssue; the caller starts empty. Nothing is silently dropped or overwritten.
 */

export interface VersionedFileOptions<T> {
  path: string
  /** The `format` tag, e.g. 'mailprobe-profiles'. */
  format: string
  /** Current version; files with another version are migrated (when `migrate` can) or kept aside. */
  version: number
  /** Validates `data`. */
  schema: z.ZodType<T>
  /** What the file holds, for people: "profiles", "saved secrets", "history index". */
  label: string
  /** Turns the `data` of an older version into the current shape; return undefined when it cannot. */
  migrate?: (fromVersion: number, data: unknown) => unknown
  /** What happens after a damaged file is set aside, said to the user (default: "Mailprobe started without them"). */
  consequence?: string
  /** Indent the JSON (default true: people may read these files); false for large machine-only files. */
  pretty?: boolean
  now?: () => Date
}

export interface LoadResult<T> {
  /** null when the file does not exist yet, or could not be used (then `issue` says why). */
  data: T | null
  issue: StorageIssue | null
}

/** `2026-11-28T10-15-00-123Z`: an ISO time usable in a file name on every platform. */
export function fileStamp(date: Date): string {
  return date.toISOString().replace(/[:.]/g, '-')
}

/**
 * Why a file is not JSON, said to a person: a file of zero bytes or of binary garbage (what a lost
 * write can leave) in plain words; otherwise the parser's reason without quoting the text
 * (describeJsonError: a quote could carry what the file holds into the interface or a log).
 */
function whyNotJson(text: string, err: unknown): string {
  if (!text.trim()) return 'is empty'
  if (text.includes('\u0000')) return 'is not valid JSON (it holds binary data, not text)'
  return `is not valid JSON (${describeJsonError(err)})`
}

export class VersionedJsonFile<T> {
  readonly path: string
  private tail: Promise<void> = Promise.resolve()
  private queued: { produce: () => T; promise: Promise<void> } | null = null

  constructor(private readonly opts: VersionedFileOptions<T>) {
    this.path = opts.path
  }

  private now(): Date {
    return this.opts.now?.() ?? new Date()
  }

  /** Reads and validates the file. Removes temp files a crashed writer left behind. */
  async load(): Promise<LoadResult<T>> {
    const { label, format, version } = this.opts
    await removeStaleTempFiles(this.path)
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'ENOENT') return { data: null, issue: null }
      return { data: null, issue: await this.setAside(`The ${label} file could not be read (${code ?? String(err)})`) }
    }
    let doc: unknown
    try {
      doc = JSON.parse(text)
    } catch (err) {
      return { data: null, issue: await this.setAside(`The ${label} file ${whyNotJson(text, err)}`) }
    }
    const head = doc as { format?: unknown; version?: unknown; data?: unknown } | null
    if (!head || typeof head !== 'object' || Array.isArray(head) || head.format !== format) {
      return { data: null, issue: await this.setAside(`The ${label} file is not a Mailprobe ${label} file (format is not '${format}')`) }
    }
    if (typeof head.version !== 'number' || !Number.isInteger(head.version)) {
      return { data: null, issue: await this.setAside(`The ${label} file has no version number`) }
    }
    let data: unknown = head.data
    if (head.version > version) {
      return {
        data: null,
        issue: await this.setAside(`The ${label} file was written by a newer Mailprobe (format version ${head.version}; this one reads up to ${version})`),
      }
    }
    if (head.version < version) {
      data = this.opts.migrate?.(head.version, data)
      if (data === undefined) return { data: null, issue: await this.setAside(`The ${label} file has format version ${head.version}, which this Mailprobe cannot convert`) }
    }
    const parsed = this.opts.schema.safeParse(data)
    if (!parsed.success) {
      return { data: null, issue: await this.setAside(`The ${label} file does not have the expected shape (${describeIssues(parsed.error.issues)})`) }
    }
    return { data: parsed.data, issue: null }
  }

  /**
   * Moves the file aside (so it is kept, and the next save cannot overwrite it) and describes
   * that as a StorageIssue: "<why>; it was kept as <file> and Mailprobe started with no <label>."
   */
  async setAside(why: string, consequence = this.opts.consequence ?? 'Mailprobe started without them'): Promise<StorageIssue> {
    const movedTo = await this.moveAside()
    const kept = movedTo ? `it was kept as ${basename(movedTo)}` : 'it could not be moved aside either, so the next save will replace it'
    return { file: this.path, movedTo, message: `${why}; ${kept}. ${consequence}.` }
  }

  private async moveAside(): Promise<string | null> {
    const base = `${this.path}.corrupt-${fileStamp(this.now())}`
    for (let n = 0; n < 100; n++) {
      const target = n === 0 ? base : `${base}-${n}`
      try {
        await stat(target)
        continue // taken (two moves in the same millisecond)
      } catch {
        // free
      }
      try {
        await rename(this.path, target)
        return target
      } catch {
        return null
      }
    }
    return null
  }

  /** Saves `data` (validated first: writing a file we could not read back would be a bug). */
  save(data: T): Promise<void> {
    return this.saveLatest(() => data)
  }

  /**
   * Queues a write of whatever `produce` returns when the write starts. Saves that arrive while
   * a write runs coalesce into one next write with the newest state.
   */
  saveLatest(produce: () => T): Promise<void> {
    if (this.queued) {
      this.queued.produce = produce
      return this.queued.promise
    }
    const slot: { produce: () => T; promise: Promise<void> } = { produce, promise: Promise.resolve() }
    slot.promise = this.tail.then(() => {
      this.queued = null
      return this.write(slot.produce())
    })
    this.queued = slot
    this.tail = slot.promise.catch(() => {})
    return slot.promise
  }

  /** Resolves when every queued write has finished (successfully or not). */
  flush(): Promise<void> {
    return this.tail
  }

  private async write(data: T): Promise<void> {
    const check = this.opts.schema.safeParse(data)
    if (!check.success) throw new Error(`Refusing to write invalid ${this.opts.label}: ${describeIssues(check.error.issues)}`)
    const doc = { format: this.opts.format, version: this.opts.version, savedAt: this.now().toISOString(), data }
    await writeFileAtomic(this.path, `${JSON.stringify(doc, null, this.opts.pretty === false ? undefined : 1)}\n`)
  }
}
