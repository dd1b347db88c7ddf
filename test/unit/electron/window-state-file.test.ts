import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { WindowState } from '../../../main/adapters/window-bounds'
import {
  createWindowStateSaver,
  readWindowState,
  WINDOW_STATE_FILE,
  WINDOW_STATE_FORMAT,
  WINDOW_STATE_VERSION,
  windowStateStore,
  type WindowStateStore,
} from '../../../main/adapters/window-state-file'

let dir: string
let file: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mailprobe-window-state-'))
  file = join(dir, WINDOW_STATE_FILE)
})
afterEach(async () => {
  vi.useRealTimers()
  await rm(dir, { recursive: true, force: true })
})

const state: WindowState = { bounds: { x: 40, y: 60, width: 1100, height: 720 }, maximized: true }

describe('window-state file', () => {
  it('reports nothing saved (and no problem) before the first run', async () => {
    expect(await readWindowState(windowStateStore(file))).toEqual({ state: null, problem: null })
  })

  it('round-trips through versioned JSON, written atomically (no temp files left)', async () => {
    await windowStateStore(file).save(state)
    expect(await readWindowState(windowStateStore(file))).toEqual({ state, problem: null })
    const doc = JSON.parse(await readFile(file, 'utf8'))
    expect(doc).toMatchObject({ format: WINDOW_STATE_FORMAT, version: WINDOW_STATE_VERSION, data: state })
    expect(await readdir(dir)).toEqual([WINDOW_STATE_FILE])
  })

  it('keeps a corrupt file aside and opens with defaults', async () => {
    await writeFile(file, '{"format":"mailprobe-window-state","version":1,"data":{"bou')
    const loaded = await readWindowState(windowStateStore(file))
    expect(loaded.state).toBeNull()
    expect(loaded.problem).toMatch(/not valid JSON/)
    expect(loaded.problem).toMatch(/default place/)
    const names = await readdir(dir)
    expect(names).toHaveLength(1)
    expect(names[0]).toMatch(/^window-state\.json\.corrupt-/)
    // The next save starts a fresh file and leaves the kept one alone.
    await windowStateStore(file).save(state)
    expect((await readdir(dir)).sort()).toEqual([WINDOW_STATE_FILE, names[0]].sort())
  })

  it('treats a file of the wrong shape as corrupt', async () => {
    await writeFile(file, JSON.stringify({ format: WINDOW_STATE_FORMAT, version: 1, data: { bounds: { x: 'left' }, maximized: 'yes' } }))
    const loaded = await readWindowState(windowStateStore(file))
    expect(loaded.state).toBeNull()
    expect(loaded.problem).toMatch(/expected shape/)
  })

  it('refuses absurd numbers', async () => {
    await writeFile(file, JSON.stringify({ format: WINDOW_STATE_FORMAT, version: 1, data: { bounds: { x: 0, y: 0, width: -5, height: 1e12 }, maximized: false } }))
    expect((await readWindowState(windowStateStore(file))).state).toBeNull()
  })

  it('does not read a file written by a newer version', async () => {
    await writeFile(file, JSON.stringify({ format: WINDOW_STATE_FORMAT, version: 99, data: state }))
    const loaded = await readWindowState(windowStateStore(file))
    expect(loaded.state).toBeNull()
    expect(loaded.problem).toMatch(/newer Mailprobe/)
  })
})

describe('createWindowStateSaver', () => {
  function fakeStore() {
    const saved: WindowState[] = []
    const store = { path: file, save: vi.fn(async (s: WindowState) => void saved.push(s)) } as unknown as WindowStateStore
    return { store, saved }
  }

  it('debounces bursts of moves into one write of the latest state', async () => {
    vi.useFakeTimers()
    const { store, saved } = fakeStore()
    let current: WindowState = state
    const saver = createWindowStateSaver({ store, debounceMs: 500, snapshot: () => current })
    for (let i = 0; i < 10; i++) {
      current = { bounds: { ...state.bounds, x: i }, maximized: false }
      saver.schedule()
      await vi.advanceTimersByTimeAsync(100)
    }
    expect(saved).toHaveLength(0)
    await vi.advanceTimersByTimeAsync(500)
    expect(saved).toEqual([{ bounds: { ...state.bounds, x: 9 }, maximized: false }])
  })

  it('writes at once on flush, skips unchanged states and full screen (null snapshots)', async () => {
    const { store, saved } = fakeStore()
    let current: WindowState | null = state
    const saver = createWindowStateSaver({ store, debounceMs: 500, snapshot: () => current })
    await saver.flush()
    await saver.flush()
    expect(saved).toEqual([state])
    current = null
    await saver.flush()
    expect(saved).toHaveLength(1)
  })

  it('reports write errors instead of throwing, and tries again next time', async () => {
    const onError = vi.fn()
    const save = vi.fn().mockRejectedValueOnce(new Error('EROFS: read-only file system')).mockResolvedValue(undefined)
    const store = { path: file, save } as unknown as WindowStateStore
    const saver = createWindowStateSaver({ store, debounceMs: 500, snapshot: () => state, onError })
    await saver.flush()
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ message: expect.stringMatching(/EROFS/) }))
    await saver.flush()
    expect(save).toHaveBeenCalledTimes(2)
  })

  it('saves through the real store to disk', async () => {
    const saver = createWindowStateSaver({ store: windowStateStore(file), debounceMs: 500, snapshot: () => state })
    await saver.flush()
    expect((await readWindowState(windowStateStore(file))).state).toEqual(state)
  })
})
