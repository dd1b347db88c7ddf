import { join } from 'node:path'
import { screen, type BrowserWindow } from 'electron'
import { userDataDir } from './paths'
import { MAIN_WINDOW_SIZES, restoreWindowState, type WindowSizes, type WindowState } from './window-bounds'
import { createWindowStateSaver, readWindowState, WINDOW_STATE_FILE, windowStateStore, type WindowStateStore } from './window-state-file'

/*
 * Electron glue for remembering the main window's size, position and maximized state. The
 * decisions live in window-bounds.ts (placement) and window-state-file.ts (file, debounce).
 */

/** Quiet time after the last move/resize event before the state is written. */
export const SAVE_DEBOUNCE_MS = 500

/** userData/window-state.json, beside profiles and history. */
export function windowStatePath(userData: string = userDataDir()): string {
  return join(userData, WINDOW_STATE_FILE)
}

/** The saved placement fitted to the displays present now. Call after app 'ready' (screen needs it). */
export async function loadWindowState(store: WindowStateStore, sizes: WindowSizes = MAIN_WINDOW_SIZES): Promise<WindowState> {
  const { state, problem } = await readWindowState(store)
  if (problem) console.warn(`[mailprobe] ${problem}`)
  const workAreas = screen.getAllDisplays().map((d) => d.workArea)
  return restoreWindowState(state, workAreas, screen.getPrimaryDisplay().workArea, sizes)
}

/** What to save for a window right now; null while full screen (the state from before is kept). */
function snapshot(win: BrowserWindow): WindowState | null {
  if (win.isDestroyed() || win.isFullScreen()) return null
  const maximized = win.isMaximized()
  // Maximized or minimized, getBounds() is not the size to come back to (Windows even reports -32000 when minimized).
  const bounds = maximized || win.isMinimized() ? win.getNormalBounds() : win.getBounds()
  return { bounds, maximized }
}

/**
 * Saves the window's placement as it changes: moves and resizes after SAVE_DEBOUNCE_MS of quiet,
 * maximize/unmaximize at once, and a last save on close (atomic, so at worst the previous state
 * survives if the app quits mid-write). Returns an undo.
 */
export function trackWindowState(win: BrowserWindow, store: WindowStateStore, debounceMs: number = SAVE_DEBOUNCE_MS): () => void {
  const saver = createWindowStateSaver({
    store,
    debounceMs,
    snapshot: () => snapshot(win),
    onError: (err) => console.warn(`[mailprobe] could not save the window state to ${store.path}: ${(err as Error).message}`),
  })
  const later = () => saver.schedule()
  const now = () => void saver.flush()
  win.on('resize', later)
  win.on('move', later)
  win.on('maximize', now)
  win.on('unmaximize', now)
  win.on('close', now)
  return () => {
    saver.cancel()
    if (win.isDestroyed()) return
    win.removeListener('resize', later)
    win.removeListener('move', later)
    win.removeListener('maximize', now)
    win.removeListener('unmaximize', now)
    win.removeListener('close', now)
  }
}

export { windowStateStore }
