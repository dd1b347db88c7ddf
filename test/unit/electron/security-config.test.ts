import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import {
  appPaths,
  isAllowedSender,
  isAppUrl,
  isSafeExternalUrl,
  isSignInPageUrl,
  mainWindowWebPreferences,
  PROJECT_DOCS_URL,
  resolveAppOrigin,
  secureWebPreferences,
  shouldBlockNavigation,
  windowOpenDecision,
  type AppOrigin,
} from '../../../main/adapters/window-config'

const root = join(__dirname, '../../..')
const rendererHtml = join(root, 'out/renderer/index.html')
const packaged: AppOrigin = resolveAppOrigin({ isPackaged: true, devServerUrl: 'http://localhost:5173', rendererHtml })
const dev: AppOrigin = resolveAppOrigin({ isPackaged: false, devServerUrl: 'http://localhost:5173/', rendererHtml })
const ownPage = pathToFileURL(rendererHtml).href

describe('web preferences (security checklist 2–4, 6, 8, 9, 11)', () => {
  it('isolates, sandboxes and strips Node from every window', () => {
    expect(secureWebPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
    })
  })

  it('keeps the secure defaults in the main window, adds the preload, and drops DevTools when packaged', () => {
    const prefs = mainWindowWebPreferences('/app/out/preload/index.cjs', { isPackaged: true })
    expect(prefs).toMatchObject({ ...secureWebPreferences, preload: '/app/out/preload/index.cjs', devTools: false })
    expect(mainWindowWebPreferences('/p', { isPackaged: false }).devTools).toBe(true)
    expect(prefs).not.toHaveProperty('enableBlinkFeatures')
  })

  it('loads the sandbox-compatible CommonJS preload and the built renderer', () => {
    expect(appPaths('/app/out/main')).toEqual({ preload: '/app/out/preload/index.cjs', rendererHtml: '/app/out/renderer/index.html' })
  })
})

describe('renderer CSP (checklist 7)', () => {
  const html = readFileSync(join(root, 'renderer/index.html'), 'utf8')
  const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/i.exec(html)
  const directives = new Map(
    (meta?.[1] ?? '')
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name as string, values]),
  )

  it('is set as a meta tag (file:// has no headers)', () => {
    expect(meta).not.toBeNull()
  })

  it('allows scripts from the app only: no eval, no inline script, no remote code', () => {
    expect(directives.get('script-src')).toEqual(["'self'"])
    expect(directives.get('default-src')).toEqual(["'self'"])
    for (const values of directives.values()) {
      expect(values).not.toContain("'unsafe-eval'")
      expect(values).not.toContain("'wasm-unsafe-eval'")
      expect(values).not.toContain('*')
      expect(values.some((v) => /^https?:/.test(v))).toBe(false)
    }
  })

  it('forbids plugins, foreign frames, form posts and base-URI tricks', () => {
    expect(directives.get('object-src')).toEqual(["'none'"])
    expect(directives.get('base-uri')).toEqual(["'none'"])
    // Only the composer's own sandboxed srcdoc preview: nothing from another origin.
    expect(directives.get('frame-src')).toEqual(["'self'"])
    expect(directives.get('form-action')).toEqual(["'none'"])
  })

  it('allows unsafe-inline for styles only (naive-ui injects <style>)', () => {
    for (const [name, values] of directives) if (name !== 'style-src') expect(values).not.toContain("'unsafe-inline'")
  })
})

describe('IPC sender check (checklist 17)', () => {
  it('answers the app page only', () => {
    expect(isAllowedSender(ownPage, packaged)).toBe(true)
    expect(isAllowedSender(`${ownPage}#/history`, packaged)).toBe(true)
  })

  it('refuses other files, other origins, missing frames and junk', () => {
    for (const url of [
      pathToFileURL(join(root, 'out/renderer/evil.html')).href,
      pathToFileURL('/etc/passwd').href,
      'https://example.com/',
      'http://localhost:5173/', // the dev server is trusted only when unpackaged
      'about:blank',
      'data:text/html,<script>1</script>',
      'not a url',
      '',
      null,
      undefined,
    ]) {
      expect(isAllowedSender(url, packaged), String(url)).toBe(false)
    }
  })

  it('trusts the dev server by origin when unpackaged, never by prefix', () => {
    expect(isAllowedSender('http://localhost:5173/index.html', dev)).toBe(true)
    expect(isAllowedSender('http://localhost:5173.evil.com/', dev)).toBe(false)
    expect(isAllowedSender('http://localhost:5174/', dev)).toBe(false)
    expect(isAllowedSender('https://localhost:5173/', dev)).toBe(false)
  })

  it('never takes the dev server from the environment in a packaged app', () => {
    expect(packaged.devServerUrl).toBeNull()
    expect(dev.devServerUrl).toBe('http://localhost:5173/')
  })
})

describe('navigation and new windows (checklist 13–15)', () => {
  it('allows navigation to the app page only', () => {
    expect(shouldBlockNavigation(ownPage, packaged)).toBe(false)
    expect(shouldBlockNavigation('https://example.com/', packaged)).toBe(true)
    expect(shouldBlockNavigation(pathToFileURL('/tmp/x.html').href, packaged)).toBe(true)
    expect(shouldBlockNavigation('javascript:alert(1)', packaged)).toBe(true)
    expect(shouldBlockNavigation(undefined, packaged)).toBe(true)
    expect(isAppUrl('http://localhost:5173/#/compose', dev)).toBe(true)
  })

  it('never opens an Electron window; only a safe https link goes to the browser', () => {
    expect(windowOpenDecision('https://docs.example.com/smtp')).toEqual({ action: 'deny', openExternally: true })
    for (const url of ['http://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'mailto:a@b.c', 'https://user:pw@example.com/', '']) {
      expect(windowOpenDecision(url), url).toEqual({ action: 'deny', openExternally: false })
    }
  })

  it('has one https-only check for every external link', () => {
    expect(isSafeExternalUrl('https://example.com/path?q=1')).toBe(true)
    expect(isSafeExternalUrl('HTTPS://EXAMPLE.COM/')).toBe(true)
    expect(isSafeExternalUrl('https://example.com/' + 'a'.repeat(3000))).toBe(false)
    expect(isSafeExternalUrl('https://:pw@example.com/')).toBe(false)
    expect(isSafeExternalUrl(' http://example.com')).toBe(false)
    expect(isSafeExternalUrl(null)).toBe(false)
    expect(isSafeExternalUrl(PROJECT_DOCS_URL)).toBe(true)
  })

  it('opens an OAuth2 sign-in page when it is https, or http on the loopback interface (the sandbox issuer), and nothing else', () => {
    for (const url of [
      'https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize?client_id=x',
      'http://127.0.0.1:40080/authorize?code_challenge=abc',
      'http://localhost:8080/device',
      'http://[::1]:9/x',
    ]) {
      expect(isSignInPageUrl(url), url).toBe(true)
    }
    for (const url of [
      'http://example.com/authorize',
      'http://10.0.0.1/authorize',
      'https://user:pw@login.example.com/',
      'javascript:alert(1)',
      'file:///etc/passwd',
      `https://login.example.com/${'a'.repeat(3000)}`,
      '',
      null,
    ]) {
      expect(isSignInPageUrl(url), String(url)).toBe(false)
    }
    // The window-open handler stays https-only: a loopback page goes out only through the sign-in operation.
    expect(windowOpenDecision('http://127.0.0.1:40080/authorize')).toEqual({ action: 'deny', openExternally: false })
  })
})
