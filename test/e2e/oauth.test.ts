/**
 * OAuth2 in Chromium against `npm run web`'s host and its embedded sandbox, nothing else: the
 * ready-made "Sandbox — OAuth2" profile signs in through the browser (the page opens the sandbox
 * issuer's authorize URL in a new tab, the issuer sends it back to the loopback callback, the
 * profile shows the account), then a verify with XOAUTH2 succeeds; the same profile switched to the
 * device flow shows the code large, with a copy button that has the focus and a live countdown,
 * and signs in once the code is entered on the issuer's page. No token reaches the page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page, WebSocket as PwWebSocket } from 'playwright-core'
import { SANDBOX_OAUTH_ACCOUNT, SANDBOX_OAUTH_SCOPES } from '../../main/core/sandbox/oauth-issuer'
import { SANDBOX_OAUTH_PROFILE_NAME } from '../../main/core/sandbox/profiles'
import { launchChromium, openApp, shoot, startWebHost, type WebHost } from './harness'
import { byTestId, MailprobePage } from './pages'

/** What these tests read in the page (the Node test's types have no DOM). */
interface Browserish {
  document: { activeElement: { getAttribute(name: string): string | null } | null }
  navigator: { clipboard: { readText(): Promise<string> } }
  getComputedStyle(el: unknown): { fontSize: string }
}

/** A JWT (the sandbox's access and id tokens are): never in what the page is sent or shows. */
const JWT = /eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}/

describe('OAuth2 with the sandbox issuer', () => {
  let host: WebHost
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let app: MailprobePage
  let problems: () => string[]
  const frames: string[] = []

  beforeAll(async () => {
    ;[host, browser] = await Promise.all([startWebHost(), launchChromium()])
    ;({ page, context, problems } = await openApp(browser, host))
    page.on('websocket', (ws: PwWebSocket) => ws.on('framereceived', (f) => frames.push(String(f.payload))))
    // The socket opened before the listener above: reload so every frame is seen.
    await page.reload()
    app = new MailprobePage(page)
    await app.profile(SANDBOX_OAUTH_PROFILE_NAME).waitFor()
  })
  afterAll(async () => {
    await context?.close()
    await browser?.close()
    await host?.stop()
  })

  it('browser sign-in end to end: a new tab to the issuer, the loopback callback, the account on the profile; then a verify with XOAUTH2', async () => {
    await app.tab('compose')
    await app.selectProfile(SANDBOX_OAUTH_PROFILE_NAME)
    const panel = app.id('signin-panel')
    expect(await panel.getAttribute('data-state')).toBe('signed-out')
    expect(await panel.textContent()).toMatch(/OAuth2 · 127\.0\.0\.1:\d+ · Browser.*Not signed in/)

    // Not signed in yet: the run says what to do, and goes nowhere.
    const first = await app.runAndWait('action-verify')
    expect(first).toMatchObject({ ok: false, code: 'INVALID_INPUT', message: expect.stringMatching(/^Sign in first: "Sandbox — OAuth2" uses OAuth2/) })

    // Sign in: the page opens the issuer's authorize URL in a new tab (the browser build has no shell).
    const requested: string[] = []
    context.on('request', (r) => requested.push(r.url()))
    const [tab] = await Promise.all([context.waitForEvent('page'), app.id('signin-button').click()])
    await tab.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\/callback\?/, { timeout: 30_000 })
    const callback = new URL(tab.url())
    expect(callback.searchParams.get('code')).toBeTruthy()
    expect(callback.searchParams.get('iss')).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    await tab.locator('h1').filter({ hasText: 'Signed in' }).waitFor()
    expect(await tab.locator('body').textContent()).toMatch(/You can close this tab/)
    await tab.close()
    // The tab went to the issuer's authorize endpoint (PKCE, S256), which sent it back to the loopback callback.
    const authorize = requested.map((u) => new URL(u)).find((u) => u.pathname === '/authorize')!
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256')
    expect(authorize.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/)

    // The dialog says who signed in, and what happened on the way.
    const dialog = app.id('signin-dialog')
    await app.id('signin-done').waitFor()
    expect(await app.id('signin-done').textContent()).toContain(SANDBOX_OAUTH_ACCOUNT)
    const lines = await byTestId(dialog, 'signin-lines').textContent()
    expect(lines).toMatch(/OAuth2: waiting up to 5 minutes for the sign-in in the browser/)
    expect(lines).toMatch(/OAuth2: signed in as sandbox-user@sandbox\.mailprobe\.test/)
    await app.id('signin-close').click()
    await dialog.waitFor({ state: 'hidden' })

    // The profile shows the account, the scopes granted and the token's expiry.
    await page.locator('[data-testid="signin-panel"][data-state="signed-in"]').waitFor()
    expect(await app.id('signin-account').textContent()).toContain(SANDBOX_OAUTH_ACCOUNT)
    expect((await app.id('signin-scopes').locator('.n-tag').allTextContents()).map((t) => t.trim())).toEqual([...SANDBOX_OAUTH_SCOPES])
    expect(await app.id('signin-expiry').textContent()).toMatch(/^Token valid until \d\d:\d\d \((59 min|1 h) left\)$/)

    // A verify with XOAUTH2 now succeeds; the token is a redaction pill in the transcript.
    const verdict = await app.runAndWait('action-verify')
    expect(verdict, JSON.stringify(verdict)).toMatchObject({ ok: true, code: null })
    expect(verdict.message).toBe('Authenticated with XOAUTH2 over TLSv1.3; nothing sent')
    const client = await app.transcript.fullTexts('c')
    expect(client).toContain('AUTH XOAUTH2 [redacted]')
    // The sidebar's dot follows History: the failed "Sign in first" run is followed by this one.
    await app.profile(SANDBOX_OAUTH_PROFILE_NAME).locator('[data-last="ok"]').waitFor()
    await shoot(page, 'oauth-verified')

    // No token in anything the page was sent, nor on the page.
    expect(frames.length).toBeGreaterThan(10)
    expect(frames.filter((f) => JWT.test(f))).toEqual([])
    expect(JWT.test((await page.content()) ?? '')).toBe(false)
    expect(problems()).toEqual([])
  })

  it('device sign-in: the code shown large, its copy button focused, a live countdown; entered on the issuer’s page, it signs in', async () => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: host.origin })
    // Switch the profile to the device flow (another flow: the earlier sign-in is dropped).
    await app.id('signin-panel').waitFor()
    await page.getByRole('complementary', { name: 'Actions' }).getByRole('button', { name: 'Edit profile', exact: true }).click()
    await app.editor.root.waitFor()
    await byTestId(app.editor.root, 'editor-oauth-flow').getByText('Device code', { exact: true }).click()
    await shoot(page, 'oauth-editor')
    await app.editor.save()
    await page.locator('[data-testid="signin-panel"][data-state="signed-out"]').waitFor()
    expect(await app.id('signin-panel').textContent()).toMatch(/Device code/)

    await app.id('signin-button').click()
    const code = app.id('signin-user-code')
    await code.waitFor()
    const userCode = (await code.textContent())!.trim()
    expect(userCode).toMatch(/^[B-Z]{4}-[B-Z]{4}$/)
    expect(await code.evaluate((el) => (globalThis as unknown as Browserish).getComputedStyle(el).fontSize)).toBe('34px')
    // The copy button takes the focus: Enter copies the code.
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as Browserish).document.activeElement?.getAttribute('data-testid'))).toBe('signin-copy-code')
    await page.keyboard.press('Enter')
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as Browserish).navigator.clipboard.readText())).toBe(userCode)
    // The countdown runs (10 minutes for the sandbox's codes).
    const countdown = app.id('signin-countdown')
    const firstReading = (await countdown.textContent())!
    expect(firstReading).toMatch(/^Expires in (10:00|9:5\d)$/)
    await expect.poll(() => countdown.textContent(), { timeout: 5_000 }).not.toBe(firstReading)
    await shoot(page, 'oauth-device-code')

    // Entered on the issuer's page (another device, here another tab).
    const uri = (await app.id('signin-device-uri').textContent())!.trim()
    expect(uri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/device$/)
    const other = await context.newPage()
    await other.goto(uri)
    await other.locator('input[name="user_code"]').fill(userCode)
    await other.getByRole('button', { name: 'Sign in' }).click()
    await other.locator('h1').filter({ hasText: 'Signed in' }).waitFor()
    await other.close()

    await app.id('signin-done').waitFor({ timeout: 30_000 })
    await page.keyboard.press('Escape')
    await app.id('signin-dialog').waitFor({ state: 'hidden' })
    await page.locator('[data-testid="signin-panel"][data-state="signed-in"]').waitFor()
    expect(await app.id('signin-account').textContent()).toContain(SANDBOX_OAUTH_ACCOUNT)
    const verdict = await app.runAndWait('action-verify')
    expect(verdict, JSON.stringify(verdict)).toMatchObject({ ok: true })

    // Sign out forgets the tokens: the next run asks for a sign-in again.
    await app.id('signout-button').click()
    await app.id('confirm-ok').click()
    await page.locator('[data-testid="signin-panel"][data-state="signed-out"]').waitFor()
    expect(await app.runAndWait('action-verify')).toMatchObject({ ok: false, code: 'INVALID_INPUT' })
    expect(frames.filter((f) => JWT.test(f))).toEqual([])
    expect(problems()).toEqual([])
  })
})
