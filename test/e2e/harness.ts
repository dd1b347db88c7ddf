/**
 * End-to-end fixtures: the browser host (`out/web/server.cjs`, as `npm run web` runs it) in a child
 * process with a temporary data folder, and Debian's Chromium driven by playwright-core.
 *
 *   const host = await startWebHost({ caFile })   // trusts the test CA through NODE_EXTRA_CA_CERTS
 *   const browser = await launchChromium()
 *   const { page, problems } = await openApp(browser, host)
 *   ...
 *   await shoot(page, 'quick-verify')             // test/e2e/screenshots/quick-verify.png
 *   expect(problems()).toEqual([])                // no page errors, console errors, failed requests or CSP violations
 *
 * Nothing here downloads a browser or talks to anything but 127.0.0.1.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { inject } from 'vitest'

export const ROOT = resolve(__dirname, '../..')
/** This run's copy of `out/web/server.cjs` (global-setup.ts), beside its copy of `out/renderer`. */
export const SERVER_BUNDLE = join(inject('e2eBuild'), 'web/server.cjs')
export const SCREENSHOTS = join(__dirname, 'screenshots')
export const CHROMIUM = '/usr/bin/chromium'

export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run']

export interface WebHost {
  /** The printed page URL, with its token. */
  url: string
  /** http://127.0.0.1:PORT */
  origin: string
  port: number
  token: string
  dataDir: string
  /** Everything the host printed so far. */
  stdout(): string
  stderr(): string
  /** SIGTERM, then the exit code (and the data folder is removed unless `keepData`). */
  stop(opts?: { keepData?: boolean }): Promise<number | null>
  /** Resolves with the exit code when the process ends (for tests that stop it themselves). */
  exited: Promise<number | null>
  child: ChildProcess
}

export interface WebHostOptions {
  /** Reuse a data folder (e.g. to restart the host on the same profiles). */
  dataDir?: string
  /** A PEM file the host's core trusts in addition to the system roots (the test CA). */
  caFile?: string
  args?: string[]
}

export async function startWebHost(options: WebHostOptions = {}): Promise<WebHost> {
  if (!existsSync(SERVER_BUNDLE)) throw new Error(`${SERVER_BUNDLE} is missing: run npm run build`)
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'mailprobe-e2e-'))
  const env: NodeJS.ProcessEnv = { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' }
  if (options.caFile) env.NODE_EXTRA_CA_CERTS = options.caFile
  const child = spawn(process.execPath, [SERVER_BUNDLE, '--port', '0', '--data-dir', dataDir, ...(options.args ?? [])], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d))
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d))
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)))

  const url = await new Promise<string>((ready, fail) => {
    const check = (): void => {
      const m = /Mailprobe web: (http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]+)/.exec(out)
      if (m?.[1]) {
        child.stdout!.off('data', check)
        ready(m[1])
      }
    }
    child.stdout!.on('data', check)
    void exited.then((code) => fail(new Error(`the web host exited (${code}) before printing its URL:\n${out}${err}`)))
  })
  const parsed = new URL(url)
  let stopping: Promise<number | null> | null = null
  return {
    url,
    origin: parsed.origin,
    port: Number(parsed.port),
    token: parsed.searchParams.get('token')!,
    dataDir,
    stdout: () => out,
    stderr: () => err,
    exited,
    child,
    stop(opts = {}) {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
        const code = await exited
        if (!opts.keepData && !options.dataDir) rmSync(dataDir, { recursive: true, force: true })
        return code
      })()
      return stopping
    },
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS })
}

export interface OpenedApp {
  context: BrowserContext
  page: Page
  /** Page errors, console errors, failed requests and CSP violations seen so far. */
  problems(): string[]
  /** Every response the page has received so far, in order. */
  responses(): { url: string; status: number }[]
}

/**
 * A fresh browser context (no cookies, no sessionStorage) with the app opened from the host's
 * printed URL, waiting until the interface has rendered.
 */
export async function openApp(browser: Browser, host: WebHost, opts: { viewport?: { width: number; height: number }; colorScheme?: 'light' | 'dark' } = {}): Promise<OpenedApp> {
  const context = await browser.newContext({
    viewport: opts.viewport ?? { width: 1360, height: 860 },
    colorScheme: opts.colorScheme ?? 'light',
    acceptDownloads: true,
  })
  const page = await context.newPage()
  const problems: string[] = []
  const requested = new Set<string>()
  const responses: { url: string; status: number }[] = []
  page.on('request', (r) => requested.add(r.url()))
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() !== 'error') return
    if (!m.text().startsWith('Failed to load resource')) return void problems.push(`console.error: ${m.text().slice(0, 300)}`)
    // A failed request of the page's is reported below with its URL. One the browser makes by itself
    // (the favicon) raises no request event: this console line is all there is of it.
    const url = m.location().url
    if (!requested.has(url)) problems.push(`console.error: ${m.text().slice(0, 200)} ${url}`)
  })
  page.on('response', (r) => {
    responses.push({ url: r.url(), status: r.status() })
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`)
  })
  page.on('requestfailed', (r) => {
    const why = r.failure()?.errorText ?? ''
    // A reload or navigation cancels what is still loading: that is not a failure of the app.
    if (why !== 'net::ERR_ABORTED') problems.push(`request failed: ${r.url()} ${why}`)
  })
  await page.addInitScript(() => {
    type Violation = { violatedDirective: string; blockedURI: string }
    const doc = (globalThis as unknown as { document: { addEventListener(type: string, listener: (e: Violation) => void): void } }).document
    doc.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`))
  })
  await page.goto(host.url)
  await page.locator('#app > *').first().waitFor()
  return { context, page, problems: () => [...problems], responses: () => [...responses] }
}

/** Saves a full-window screenshot as test/e2e/screenshots/<name>.png. */
export async function shoot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  const path = join(SCREENSHOTS, `${name}.png`)
  await page.screenshot({ path, animations: 'disabled', caret: 'hide' })
  return path
}
