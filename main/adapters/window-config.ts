import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

/*
 * Electron-free window and origin policy, so tests can check it without launching Electron.
 * window.ts, security.ts and ipc/register.ts apply it.
 */

/** Where the renderer is allowed to come from: the built index.html, or the dev server when unpackaged. */
export interface AppOrigin {
  /** file: URL of the built renderer's index.html. */
  rendererFileUrl: string
  /** electron-vite's dev server URL; null in packaged (and preview) builds. */
  devServerUrl: string | null
}

/** Build outputs relative to out/main (where the bundled main script runs). */
export function appPaths(mainDir: string): { preload: string; rendererHtml: string } {
  return {
    preload: join(mainDir, '../preload/index.cjs'),
    rendererHtml: join(mainDir, '../renderer/index.html'),
  }
}

/** The dev server is trusted only when not packaged: a packaged app must never load code from an env variable. */
export function resolveAppOrigin(opts: { isPackaged: boolean; devServerUrl?: string | undefined; rendererHtml: string }): AppOrigin {
  const dev = !opts.isPackaged && opts.devServerUrl ? opts.devServerUrl : null
  return { rendererFileUrl: pathToFileURL(opts.rendererHtml).href, devServerUrl: dev }
}

/** Secure defaults for every window (the Electron security checklist, items 2–4 and 11). */
export const secureWebPreferences = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInSubFrames: false,
  webviewTag: false,
  spellcheck: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
} as const

export function mainWindowWebPreferences(preload: string) {
  return { ...secureWebPreferences, preload }
}

function parse(url: string | null | undefined): URL | null {
  if (!url) return null
  try {
    return new URL(url)
  } catch {
    return null
  }
}

/**
 * True when `url` is the app's own page. Compares parsed origins (never string prefixes); a file:
 * URL must be exactly the renderer's index.html, since every file: URL shares the opaque origin.
 */
export function isAppUrl(url: string | null | undefined, origin: AppOrigin): boolean {
  const u = parse(url)
  if (!u) return false
  if (u.protocol === 'file:') {
    const own = new URL(origin.rendererFileUrl)
    return u.host === own.host && decodeURIComponent(u.pathname) === decodeURIComponent(own.pathname)
  }
  const dev = parse(origin.devServerUrl)
  return !!dev && (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === dev.origin
}

/** IPC is answered only for frames showing the app itself (checklist item 17). */
export const isAllowedSender = isAppUrl

/** Links leave the app only as https: URLs without embedded credentials, opened in the user's browser. */
export function isSafeExternalUrl(url: string): boolean {
  const u = parse(url)
  return !!u && u.protocol === 'https:' && !u.username && !u.password && u.hostname.length > 0
}
