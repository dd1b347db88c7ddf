import { app, BrowserWindow } from 'electron'
import { installSecurity } from './adapters/security'
import { createMainWindow } from './adapters/window'
import { appPaths, resolveAppOrigin } from './adapters/window-config'
import { registerIpc } from './ipc'

// Sandbox every renderer, including any a dependency might create; must precede 'ready'.
app.enableSandbox()

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  let mainWindow: BrowserWindow | null = null

  app.on('second-instance', () => {
    if (!mainWindow || mainWindow.isDestroyed()) return
    if (mainWindow.isMinimized()) mainWindow.restore()
    mainWindow.focus()
  })

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })

  void app.whenReady().then(() => {
    const origin = resolveAppOrigin({
      isPackaged: app.isPackaged,
      devServerUrl: process.env['ELECTRON_RENDERER_URL'],
      rendererHtml: appPaths(__dirname).rendererHtml,
    })
    installSecurity(origin)
    registerIpc(origin)
    mainWindow = createMainWindow(origin)

    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) mainWindow = createMainWindow(origin)
    })
  })
}
