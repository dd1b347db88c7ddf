import type { MenuItemConstructorOptions } from 'electron'

/*
 * The application menu as plain data (Electron-free apart from a type), so tests can check it
 * without launching Electron. menu.ts turns it into the real menu.
 */

export interface AppMenuOptions {
  platform: NodeJS.Platform
  /** Packaged builds get no DevTools toggle and no reload. */
  isPackaged: boolean
  appName: string
  /** The project docs (https; the caller passes PROJECT_DOCS_URL). */
  docsUrl: string
  /** Opens a link in the system browser (external.ts's openExternalHttps, which re-checks https). */
  openExternal: (url: string) => void
}

/** The usual roles: appMenu (macOS), File, Edit, View, Window, Help with a link to the docs. */
export function buildAppMenuTemplate(opts: AppMenuOptions): MenuItemConstructorOptions[] {
  const mac = opts.platform === 'darwin'
  // role 'viewMenu' includes Reload and Toggle Developer Tools: development only.
  const view: MenuItemConstructorOptions = opts.isPackaged
    ? {
        label: 'View',
        submenu: [{ role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }],
      }
    : { role: 'viewMenu' }
  return [
    ...(mac ? [{ role: 'appMenu' } satisfies MenuItemConstructorOptions] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    view,
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [{ label: `${opts.appName} Documentation`, click: () => opts.openExternal(opts.docsUrl) }],
    },
  ]
}
