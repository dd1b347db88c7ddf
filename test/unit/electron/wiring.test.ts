import { EventEmitter } from 'node:events'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { beforeEach, describe, expect, it, vi } from 'vitest'

/*
 * The Electron adapters wired to a stand-in `electron` module (the real binary cannot run here):
 * proves that what security-config.test.ts checks as pure decisions is actually installed —
 * permissions denied, navigation / window.open / webviews refused on every web contents, every
 * IPC channel checking its sender, the main window built with the secure preferences, and
 * renderer sandboxing switched on at start-up.
 */

const fake = vi.hoisted(() => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- vi.hoisted runs before imports
  const { EventEmitter: Emitter } = require('node:events') as typeof import('node:events')
  const state = {
    app: Object.assign(new Emitter(), {
      isPackaged: true,
      enableSandbox: vi.fn(),
      requestSingleInstanceLock: vi.fn(() => true),
      whenReady: vi.fn(() => new Promise<void>(() => {})), // never ready: only module start-up runs
      quit: vi.fn(),
      getPath: vi.fn(() => '/nonexistent'),
    }),
    permissionRequest: null as null | ((contents: unknown, permission: string, cb: (ok: boolean) => void, details?: unknown) => void),
    permissionCheck: null as null | ((...args: unknown[]) => boolean),
    handlers: new Map<string, (event: unknown, payload: unknown) => unknown>(),
    opened: [] as string[],
    windows: [] as { options: Record<string, unknown> }[],
  }
  return state
})

vi.mock('electron', async () => {
  const { EventEmitter } = await import('node:events')
  class BrowserWindow extends EventEmitter {
    static getAllWindows = () => []
    options: Record<string, unknown>
    constructor(options: Record<string, unknown>) {
      super()
      this.options = options
      fake.windows.push(this)
    }
    loadFile = vi.fn(async () => {})
    loadURL = vi.fn(async () => {})
    isMaximized = () => false
    isMinimized = () => false
    isFullScreen = () => false
    isDestroyed = () => false
    getNormalBounds = () => ({ x: 0, y: 0, width: 1200, height: 800 })
    getBounds = () => ({ x: 0, y: 0, width: 1200, height: 800 })
  }
  return {
    app: fake.app,
    session: {
      defaultSession: {
        setPermissionRequestHandler: (h: typeof fake.permissionRequest) => (fake.permissionRequest = h),
        setPermissionCheckHandler: (h: typeof fake.permissionCheck) => (fake.permissionCheck = h),
      },
    },
    shell: { openExternal: vi.fn(async (url: string) => void fake.opened.push(url)) },
    ipcMain: {
      handle: (channel: string, fn: (event: unknown, payload: unknown) => unknown) => fake.handlers.set(channel, fn),
      removeHandler: (channel: string) => fake.handlers.delete(channel),
    },
    screen: { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }], getPrimaryDisplay: () => ({ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }) },
    BrowserWindow,
  }
})

const { installSecurity } = await import('../../../main/adapters/security')
const { registerIpc } = await import('../../../main/ipc/register')
const { createMainWindow } = await import('../../../main/adapters/window')
const { resolveAppOrigin } = await import('../../../main/adapters/window-config')
const { operations } = await import('../../../preload/contract')
const { windowStateStore } = await import('../../../main/adapters/window-state')
const { tempDir, testServices } = await import('../ipc/helpers')

const rendererHtml = join(__dirname, '../../../out/renderer/index.html')
const origin = resolveAppOrigin({ isPackaged: true, rendererHtml })
const appPage = pathToFileURL(rendererHtml).href

/** A web contents as Electron hands it to 'web-contents-created'. */
class FakeContents extends EventEmitter {
  id = 1
  windowOpen: ((d: { url: string }) => { action: string }) | null = null
  sent: [string, unknown][] = []
  setWindowOpenHandler(h: (d: { url: string }) => { action: string }) {
    this.windowOpen = h
  }
  isDestroyed = () => false
  send(channel: string, payload: unknown) {
    this.sent.push([channel, payload])
  }
  /** Emits `name` with an event whose preventDefault is recorded; true when it was prevented. */
  fire(name: string, url?: string): boolean {
    let prevented = false
    this.emit(name, { url, preventDefault: () => (prevented = true) })
    return prevented
  }
}

describe('installSecurity: what every web contents gets', () => {
  let contents: FakeContents
  beforeEach(() => {
    fake.app.removeAllListeners('web-contents-created')
    installSecurity(origin)
    contents = new FakeContents()
    fake.app.emit('web-contents-created', {}, contents)
  })

  it('denies every permission request and check', () => {
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal', 'fullscreen', 'hid', 'serial']) {
      const cb = vi.fn()
      fake.permissionRequest!(contents, permission, cb)
      expect(cb, permission).toHaveBeenCalledWith(false)
      expect(fake.permissionCheck!(contents, permission, 'file://', {}), permission).toBe(false)
    }
  })

  it('refuses navigation, frame navigation and redirects away from the app page', () => {
    for (const event of ['will-navigate', 'will-frame-navigate', 'will-redirect']) {
      expect(contents.fire(event, 'https://evil.example/'), event).toBe(true)
      expect(contents.fire(event, 'file:///etc/passwd'), event).toBe(true)
      expect(contents.fire(event, `${appPage}#/history`), event).toBe(false)
    }
  })

  it('never opens a window; an https link goes to the browser, nothing else does', async () => {
    expect(contents.windowOpen!({ url: 'https://docs.example.com/x' })).toEqual({ action: 'deny' })
    expect(contents.windowOpen!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' })
    expect(contents.windowOpen!({ url: 'javascript:alert(1)' })).toEqual({ action: 'deny' })
    await vi.waitFor(() => expect(fake.opened).toEqual(['https://docs.example.com/x']))
  })

  it('refuses to attach a webview', () => {
    expect(contents.fire('will-attach-webview')).toBe(true)
  })
})

describe('registerIpc: every channel checks its sender', () => {
  it('registers each contract operation, answers the app page and refuses any other frame', async () => {
    const { services } = await testServices()
    const undo = registerIpc(origin, services)
    try {
      const channels = Object.values(operations).map((o) => o.channel)
      expect([...fake.handlers.keys()].sort()).toEqual([...channels].sort())
      const sender = new FakeContents()
      const from = (url: string | undefined) => ({ sender, senderFrame: url === undefined ? null : { url } })
      const list = fake.handlers.get(operations.listProfiles.channel)!
      expect(await list(from(appPage), {})).toMatchObject({ ok: true })
      for (const url of ['https://evil.example/', pathToFileURL('/tmp/evil.html').href, 'about:blank', undefined]) {
        for (const channel of channels) {
          expect(() => fake.handlers.get(channel)!(from(url), {}), `${channel} from ${url}`).toThrow(/did not come from the Mailprobe window/)
        }
      }
    } finally {
      undo()
    }
    expect(fake.handlers.size).toBe(0)
  })
})

describe('the main window and start-up', () => {
  it('is built with isolation, the sandbox, no Node, no webview tag and the preload', async () => {
    await createMainWindow(origin, { stateStore: windowStateStore(join(await tempDir(), 'window-state.json')) })
    const prefs = fake.windows.at(-1)!.options['webPreferences'] as Record<string, unknown>
    expect(prefs).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      devTools: false,
    })
    expect(String(prefs['preload'])).toMatch(/preload[/\\]index\.cjs$/)
  })

  it('main/index.ts sandboxes every renderer before anything else happens', async () => {
    await import('../../../main/index')
    expect(fake.app.enableSandbox).toHaveBeenCalledTimes(1)
    expect(fake.app.enableSandbox.mock.invocationCallOrder[0]!).toBeLessThan(fake.app.requestSingleInstanceLock.mock.invocationCallOrder[0]!)
  })
})
