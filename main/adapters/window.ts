import { app, BrowserWindow } from 'electron'
import { MAIN_WINDOW_SIZES } from './window-bounds'
import { appPaths, mainWindowWebPreferences, type AppOrigin } from './window-config'
import { loadWindowState, trackWindowState, windowStatePath, windowStateStore } from './window-state'
import type { WindowStateStore } from './window-state-file'

export interface MainWindowOptions {
  /** Where the window's size and position are remembered; userData/window-state.json by default. */
  stateStore?: WindowStateStore
}

/**
 * Creates the main window where it was last time (fitted to the displays present now), shown only
 * once it has painted (no white flash), and keeps its placement saved as it moves. Call after 'ready'.
 */
export async function createMainWindow(origin: AppOrigin, opts: MainWindowOptions = {}): Promise<BrowserWindow> {
  const paths = appPaths(__dirname)
  const store = opts.stateStore ?? windowStateStore(windowStatePath())
  const state = await loadWindowState(store)
  const win = new BrowserWindow({
    ...state.bounds,
    minWidth: MAIN_WINDOW_SIZES.minWidth,
    minHeight: MAIN_WINDOW_SIZES.minHeight,
    show: false,
    title: 'Mailprobe',
    autoHideMenuBar: true,
    webPreferences: mainWindowWebPreferences(paths.preload, { isPackaged: app.isPackaged }),
  })
  trackWindowState(win, store)
  win.once('ready-to-show', () => {
    if (state.maximized) win.maximize()
    win.show()
  })

  if (!app.isPackaged && origin.devServerUrl) void win.loadURL(origin.devServerUrl)
  else void win.loadFile(paths.rendererHtml)
  return win
}

/** Brings a window to the front (a second launch of the app lands here, via 'second-instance'). */
export function focusWindow(win: BrowserWindow | null | undefined): void {
  if (!win || win.isDestroyed()) return
  if (win.isMinimized()) win.restore()
  if (!win.isVisible()) win.show()
  win.focus()
}
