import { app, Menu } from 'electron'
import { buildAppMenuTemplate } from './menu-template'
import { openExternalHttps } from './external'
import { PROJECT_DOCS_URL } from './window-config'

/** Sets the application menu (usual roles; no DevTools when packaged). Call once after 'ready'. */
export function installAppMenu(): void {
  const template = buildAppMenuTemplate({
    platform: process.platform,
    isPackaged: app.isPackaged,
    appName: 'Mailprobe',
    docsUrl: PROJECT_DOCS_URL,
    openExternal: (url) => void openExternalHttps(url),
  })
  Menu.setApplicationMenu(Menu.buildFromTemplate(template))
}
