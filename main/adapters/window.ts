import { app, BrowserWindow } from 'electron'
import { appPaths, mainWindowWebPreferences, type AppOrigin } from './window-config'

/** Creates the main window, shown only once it has painted (no white flash). */
export function createMainWindow(origin: AppOrigin): BrowserWindow {
  const paths = appPaths(__dirname)
  const win = new BrowserWindow({
    width: 1200,
    height: 800,
    minWidth: 760,
    minHeight: 520,
    show: false,
    title: 'Mailprobe',
    autoHideMenuBar: true,
    webPreferences: mainWindowWebPreferences(paths.preload),
  })
  win.once('ready-to-show', () => win.show())

  if (!app.isPackaged && origin.devServerUrl) void win.loadURL(origin.devServerUrl)
  else void win.loadFile(paths.rendererHtml)
  return win
}
