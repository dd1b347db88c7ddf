import { randomBytes } from 'node:crypto'
import { mkdir, open, readdir, rename, unlink } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

/*
 * Crash-safe file replacement: the new content goes to a temporary file in the same directory
 * (same file system, so the rename is atomic), is flushed to disk, and only then renamed over the
 * old file. A reader — or the next start after a crash or power loss — sees either the old file
 * or the new one, never a mix. The directory is synced too, so the rename itself is durable.
 */

/** Suffix of our temporary files: `<name>.<pid>-<random>.tmp`. */
const TMP_SUFFIX = '.tmp'

function tempPathFor(path: string): string {
  return join(dirname(path), `${basename(path)}.${process.pid}-${randomBytes(6).toString('hex')}${TMP_SUFFIX}`)
}

/** Temp files this process is writing right now (never "stale"). */
const active = new Set<string>()

/** True when the process that made a temp file is gone: its file can only be a crash's leftover. */
function writerIsGone(name: string, full: string): boolean {
  const pid = Number(/\.(\d+)-[0-9a-f]{12}\.tmp$/.exec(name)?.[1])
  if (!Number.isSafeInteger(pid) || pid <= 0) return true
  if (pid === process.pid) return !active.has(full)
  try {
    process.kill(pid, 0)
    return false // alive (or a new process that reused the id: then the file stays a little longer)
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH'
  }
}

/** The file a temporary file of writeFileAtomic was for (`<target>.<pid>-<12 hex>.tmp`), or null when `name` is not one. */
function tempFileTarget(name: string): string | null {
  if (!name.endsWith(TMP_SUFFIX)) return null
  return /^(.+)\.\d+-[0-9a-f]{12}$/.exec(name.slice(0, -TMP_SUFFIX.length))?.[1] ?? null
}

/** True when `name` is a temporary file that writeFileAtomic made for `target` (left behind by a crash). */
export function isTempFileOf(name: string, target: string): boolean {
  return tempFileTarget(name) === basename(target)
}

/** Windows refuses a rename while another process (an antivirus, an indexer) holds the file: try again briefly. */
const RENAME_RETRIES = process.platform === 'win32' ? 5 : 0

async function renameWithRetry(from: string, to: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await rename(from, to)
      return
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (attempt >= RENAME_RETRIES || !(code === 'EPERM' || code === 'EACCES' || code === 'EBUSY')) throw err
      await new Promise((resolve) => setTimeout(resolve, 20 * 2 ** attempt))
    }
  }
}

/** Makes a rename durable: fsync on the directory. Not possible (nor needed) on Windows. */
async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return
  let handle
  try {
    handle = await open(dir, 'r')
    await handle.sync()
  } catch {
    // Some file systems refuse fsync on a directory; the rename has still happened.
  } finally {
    await handle?.close()
  }
}

/**
 * Replaces `path` with `content` atomically: temp file in the same directory + fsync + rename.
 * Creates the directory when needed. Files are private to the user (0600).
 */
export async function writeFileAtomic(path: string, content: string | Uint8Array): Promise<void> {
  const dir = dirname(path)
  await mkdir(dir, { recursive: true })
  const tmp = tempPathFor(path)
  active.add(tmp)
  try {
    await writeAndRename(tmp, path, content)
  } finally {
    active.delete(tmp)
  }
  await syncDirectory(dir)
}

async function writeAndRename(tmp: string, path: string, content: string | Uint8Array): Promise<void> {
  const handle = await open(tmp, 'wx', 0o600)
  try {
    try {
      await handle.writeFile(content)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await renameWithRetry(tmp, path)
  } catch (err) {
    await unlink(tmp).catch(() => {})
    throw err
  }
}

/**
 * Removes temporary files a crashed writer left next to `path` (those of a process that is gone;
 * a write in progress, here or in another live process, is left alone). Returns how many were removed.
 */
export function removeStaleTempFiles(path: string): Promise<number> {
  const target = basename(path)
  return removeStaleTempFilesIn(dirname(path), (name) => name === target)
}

/**
 * Removes, from `dir`, the temporary files a crashed writer left for any file whose name `isTarget`
 * accepts: for a folder of many files (History's runs/), where no single file is loaded at start.
 */
export async function removeStaleTempFilesIn(dir: string, isTarget: (name: string) => boolean): Promise<number> {
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return 0
  }
  let removed = 0
  for (const name of names) {
    const target = tempFileTarget(name)
    const full = join(dir, name)
    if (target === null || !isTarget(target) || !writerIsGone(name, full)) continue
    try {
      await unlink(full)
      removed++
    } catch {
      // Gone already, or not ours to remove: harmless either way.
    }
  }
  return removed
}
