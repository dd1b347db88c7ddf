import { app, session, shell, type Session, type WebContents } from 'electron'
import { isAppUrl, isSafeExternalUrl, type AppOrigin } from './window-config'

/**
 * Locks every web contents down (Electron security checklist items 5, 12–15): no navigation away
 * from the app, no new windows, no webviews, no permissions. Call once, before the first window.
 */
export function installSecurity(origin: AppOrigin): void {
  denyPermissions(session.defaultSession)
  app.on('web-contents-created', (_event, contents) => harden(contents, origin))
}

function harden(contents: WebContents, origin: AppOrigin): void {
  contents.on('will-navigate', (event) => {
    if (!isAppUrl(event.url, origin)) event.preventDefault()
  })
  contents.on('will-frame-navigate', (event) => {
    if (!isAppUrl(event.url, origin)) event.preventDefault()
  })
  contents.on('will-redirect', (event) => {
    if (!isAppUrl(event.url, origin)) event.preventDefault()
  })
  contents.setWindowOpenHandler(({ url }) => {
    // The only way out of the app: an https link, handed to the user's browser.
    if (isSafeExternalUrl(url)) void shell.openExternal(url)
    return { action: 'deny' }
  })
  contents.on('will-attach-webview', (event) => event.preventDefault())
}

function denyPermissions(ses: Session): void {
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  ses.setPermissionCheckHandler(() => false)
}
