import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { oauthUrlProblem } from '../../preload/contract/oauth'

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
  nodeIntegrationInWorker: false,
  webviewTag: false,
  spellcheck: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
} as const

/** The main window's preferences: the secure defaults, our preload, and no DevTools in packaged builds. */
export function mainWindowWebPreferences(preload: string, opts: { isPackaged?: boolean } = {}) {
  return { ...secureWebPreferences, preload, devTools: !opts.isPackaged }
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

/** The longest link handed to the system browser (the IPC contract's limit too). */
export const MAX_EXTERNAL_URL_LENGTH = 2048

/**
 * The one https-only check for everything that leaves the app (window.open, the Help menu, the
 * openExternal operation): an https: URL with a host and without embedded credentials.
 */
export function isSafeExternalUrl(url: string | null | undefined): boolean {
  if (typeof url !== 'string' || url.length > MAX_EXTERNAL_URL_LENGTH) return false
  const u = parse(url)
  return !!u && u.protocol === 'https:' && !u.username && !u.password && u.hostname.length > 0
}

/**
 * An OAuth2 sign-in page may also be a local issuer's (the sandbox's, on 127.0.0.1 over plain
 * http): an https URL, or http on the loopback interface, without credentials — what the contract
 * accepts as an issuer (oauthUrlProblem), within the external-link length.
 */
export function isSignInPageUrl(url: string | null | undefined): boolean {
  return typeof url === 'string' && url.length <= MAX_EXTERNAL_URL_LENGTH && oauthUrlProblem(url) === null
}

/** What happens to a navigation (will-navigate, will-frame-navigate, will-redirect): only the app's own page may load. */
export function shouldBlockNavigation(url: string | null | undefined, origin: AppOrigin): boolean {
  return !isAppUrl(url, origin)
}

/**
 * What happens to window.open / target=_blank: never a new Electron window; a safe https link goes
 * to the system browser instead, anything else is dropped.
 */
export function windowOpenDecision(url: string | null | undefined): { action: 'deny'; openExternally: boolean } {
  return { action: 'deny', openExternally: isSafeExternalUrl(url) }
}

/** Where the Help menu sends people (must pass isSafeExternalUrl; build/electron-builder.yml's homepage matches). */
export const PROJECT_DOCS_URL = 'https://github.com/mailprobe/mailprobe#readme'
