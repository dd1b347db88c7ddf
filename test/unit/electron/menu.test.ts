import { describe, expect, it, vi } from 'vitest'
import { buildAppMenuTemplate, type AppMenuOptions } from '../../../main/adapters/menu-template'
import { isSafeExternalUrl, PROJECT_DOCS_URL } from '../../../main/adapters/window-config'

/** Electron's MenuItemConstructorOptions, without importing electron in a Node test. */
type MenuItemConstructorOptions = ReturnType<typeof buildAppMenuTemplate>[number]

function options(over: Partial<AppMenuOptions> = {}): AppMenuOptions {
  return { platform: 'linux', isPackaged: true, appName: 'Mailprobe', docsUrl: PROJECT_DOCS_URL, openExternal: vi.fn(), ...over }
}

/** Every item, submenus included. */
function flatten(items: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return items.flatMap((item) => [item, ...(Array.isArray(item.submenu) ? flatten(item.submenu as MenuItemConstructorOptions[]) : [])])
}

describe('application menu', () => {
  it('has the usual menus, with the app menu first on macOS only', () => {
    expect(buildAppMenuTemplate(options({ platform: 'darwin' }))[0]?.role).toBe('appMenu')
    const linux = buildAppMenuTemplate(options())
    expect(linux.map((m) => m.role ?? m.label)).toEqual(['fileMenu', 'editMenu', 'View', 'windowMenu', 'help'])
  })

  it('has no DevTools toggle or reload in packaged builds', () => {
    for (const platform of ['darwin', 'linux', 'win32'] as const) {
      const roles = flatten(buildAppMenuTemplate(options({ platform }))).map((m) => m.role)
      expect(roles).not.toContain('toggleDevTools')
      expect(roles).not.toContain('viewMenu') // the stock View menu includes the DevTools toggle
      expect(roles).not.toContain('reload')
      expect(roles).not.toContain('forceReload')
      expect(roles).toEqual(expect.arrayContaining(['zoomIn', 'zoomOut', 'resetZoom', 'togglefullscreen']))
    }
  })

  it('keeps the stock View menu (with DevTools) in development', () => {
    expect(flatten(buildAppMenuTemplate(options({ isPackaged: false }))).map((m) => m.role)).toContain('viewMenu')
  })

  it('opens the https docs link in the system browser from Help', () => {
    const openExternal = vi.fn()
    const help = buildAppMenuTemplate(options({ openExternal })).find((m) => m.role === 'help')
    const item = (help?.submenu as MenuItemConstructorOptions[])[0]
    expect(item?.label).toBe('Mailprobe Documentation')
    ;(item?.click as () => void)()
    expect(openExternal).toHaveBeenCalledWith(PROJECT_DOCS_URL)
    expect(isSafeExternalUrl(PROJECT_DOCS_URL)).toBe(true)
  })
})
