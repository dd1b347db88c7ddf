import { app, session, type Session, type WebContents } from 'electron'
import { openExternalHttps } from './external'
import { shouldBlockNavigation, windowOpenDecision, type AppOrigin } from './window-config'

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
    if (shouldBlockNavigation(event.url, origin)) event.preventDefault()
  })
  contents.on('will-frame-navigate', (event) => {
    if (shouldBlockNavigation(event.url, origin)) event.preventDefault()
  })
  contents.on('will-redirect', (event) => {
    if (shouldBlockNavigation(event.url, origin)) event.preventDefault()
  })
  contents.setWindowOpenHandler(({ url }) => {
    // The only way out of the app: an https link (isSafeExternalUrl), handed to the user's browser.
    const decision = windowOpenDecision(url)
    if (decision.openExternally) void openExternalHttps(url)
    return { action: decision.action }
  })
  contents.on('will-attach-webview', (event) => event.preventDefault())
}

function denyPermissions(ses: Session): void {
  ses.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  ses.setPermissionCheckHandler(() => false)
}
