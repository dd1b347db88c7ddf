import { z } from 'zod'
import { VersionedJsonFile } from '../core/storage'
import type { WindowState } from './window-bounds'

/*
 * The window-state file: small versioned JSON in userData, written atomically and set aside when
 * corrupt, through core/storage's VersionedJsonFile (the same helper as profiles and history).
 * Electron-free, so it is tested under Node; window-state.ts is the Electron side.
 */

export const WINDOW_STATE_FILE = 'window-state.json'
export const WINDOW_STATE_FORMAT = 'mailprobe-window-state'
export const WINDOW_STATE_VERSION = 1

const coordinate = z.number().finite().min(-1_000_000).max(1_000_000)
const length = z.number().finite().positive().max(1_000_000)

export const windowStateSchema: z.ZodType<WindowState> = z.object({
  bounds: z.object({ x: coordinate, y: coordinate, width: length, height: length }),
  maximized: z.boolean(),
})

export type WindowStateStore = VersionedJsonFile<WindowState>

/** The store for one window-state file (normally userData/window-state.json). */
export function windowStateStore(path: string, now?: () => Date): WindowStateStore {
  return new VersionedJsonFile<WindowState>({
    path,
    format: WINDOW_STATE_FORMAT,
    version: WINDOW_STATE_VERSION,
    schema: windowStateSchema,
    label: 'window state',
    now,
  })
}

export interface WindowStateLoad {
  /** The saved state, or null: nothing saved yet, or nothing usable (then `problem` says why). */
  state: WindowState | null
  /** Set when a file existed but could not be used; it has been kept aside, never dropped. */
  problem: string | null
}

/** Reads the saved window state. Never throws: any failure gives `state: null` and a sentence. */
export async function readWindowState(store: WindowStateStore): Promise<WindowStateLoad> {
  try {
    const { data, issue } = await store.load()
    return { state: data, problem: issue ? `${issue.message} The window opens at its default place.` : null }
  } catch (err) {
    return { state: null, problem: `The window state could not be read (${(err as Error).message}). The window opens at its default place.` }
  }
}

export interface WindowStateSaver {
  /** Saves after `debounceMs` of quiet (moves and resizes arrive as bursts of events). */
  schedule(): void
  /** Saves now (maximize, unmaximize, close), dropping any pending timer. Resolves when written (or failed). */
  flush(): Promise<void>
  /** Drops a pending save. */
  cancel(): void
}

/**
 * Debounced saving of whatever `snapshot()` returns (null: nothing worth saving now, e.g. full
 * screen). A state identical to the last one written is not written again. Write errors go to
 * `onError`, never thrown: a read-only disk must not break moving a window.
 */
export function createWindowStateSaver(opts: { store: WindowStateStore; snapshot: () => WindowState | null; debounceMs: number; onError?: (err: unknown) => void }): WindowStateSaver {
  let timer: ReturnType<typeof setTimeout> | null = null
  let last: string | null = null

  const cancel = () => {
    if (timer) clearTimeout(timer)
    timer = null
  }
  const flush = async () => {
    cancel()
    const state = opts.snapshot()
    if (!state) return
    const { x, y, width, height } = state.bounds
    const copy: WindowState = { bounds: { x, y, width, height }, maximized: state.maximized }
    const key = JSON.stringify(copy)
    if (key === last) return
    last = key
    try {
      await opts.store.save(copy)
    } catch (err) {
      if (last === key) last = null // try again next time
      opts.onError?.(err)
    }
  }
  const schedule = () => {
    cancel()
    timer = setTimeout(() => void flush(), opts.debounceMs)
    // A pending save must not keep a plain Node process alive (tests); Electron's loop runs regardless.
    timer.unref?.()
  }
  return { schedule, flush, cancel }
}
