import { app, BrowserWindow } from 'electron'
import { installSecurity } from './adapters/security'
import { createElectronServices } from './adapters/services'
import { installAppMenu } from './adapters/menu'
import { createMainWindow, focusWindow } from './adapters/window'
import { appPaths, resolveAppOrigin } from './adapters/window-config'
import { registerIpc } from './ipc'

// Sandbox every renderer, including any a dependency might create; must precede 'ready'.
app.enableSandbox()

if (!app.requestSingleInstanceLock()) {
  app.quit()
} else {
  let mainWindow: BrowserWindow | null = null

  // A second launch focuses the window that is already open.
  app.on('second-instance', () => focusWindow(mainWindow))

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })

  void app.whenReady().then(async () => {
    const origin = resolveAppOrigin({
      isPackaged: app.isPackaged,
      devServerUrl: process.env['ELECTRON_RENDERER_URL'],
      rendererHtml: appPaths(__dirname).rendererHtml,
    })
    installSecurity(origin)
    installAppMenu()
    // Stores (profiles, secrets, history, settings) and the sandbox open once, before any window can ask for them.
    const services = await createElectronServices()
    registerIpc(origin, services)
    // On quit: stop the sandbox and let pending writes land first, then quit for real.
    let closed = false
    app.on('will-quit', (event) => {
      if (closed) return
      event.preventDefault()
      closed = true
      void services
        .close()
        .catch((err: unknown) => console.error('mailprobe: could not close cleanly:', err))
        .finally(() => app.quit())
    })
    // Opening reads the saved window placement first; one window at a time, even on a double dock click.
    let opening: Promise<BrowserWindow> | null = null
    const openMainWindow = () =>
      (opening ??= createMainWindow(origin)
        .then((win) => (mainWindow = win))
        .finally(() => (opening = null)))
    await openMainWindow()

    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) void openMainWindow()
    })
  })
}
