/**
 * Smoke: in Chromium, through the browser host and the real core, against a local smtp-server with
 * STARTTLS and AUTH — create a profile, verify it (certificate verified against the test CA, given
 * as the profile's CA file), and see the transcript; and a host that goes away fails loudly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { removeCaFile, writeCaFile } from '../fixtures/certs'
import { startSmtpPeer, type SmtpPeer } from '../fixtures/smtp-peers'
import { launchChromium, openApp, shoot, startWebHost, type WebHost } from './harness'
import { MailprobePage } from './pages'

const PASSWORD = 'e2e-Smoke-Pa55word!'

describe('smoke: a profile verified through the browser host', () => {
  let peer: SmtpPeer
  let caFile: string
  let host: WebHost
  let browser: Browser

  beforeAll(async () => {
    caFile = await writeCaFile()
    ;[peer, host, browser] = await Promise.all([startSmtpPeer({ mode: 'starttls', users: { alice: PASSWORD }, hideAuthBeforeTls: true }), startWebHost(), launchChromium()])
  })
  afterAll(async () => {
    await browser?.close()
    await host?.stop()
    await peer?.close()
    if (caFile) removeCaFile(caFile)
  })

  it('verifies credentials over STARTTLS: AUTH is [redacted], the server says 235', async () => {
    const { page, context, problems } = await openApp(browser, host)
    const app = new MailprobePage(page)
    await app.newSmtpProfile({ name: 'Smoke relay', host: '127.0.0.1', port: peer.port, security: 'STARTTLS', auth: 'PLAIN', username: 'alice', secret: PASSWORD, caFile })
    await app.tab('compose')
    const verdict = await app.runAndWait('action-verify')
    expect(verdict, JSON.stringify(verdict)).toMatchObject({ ok: true, code: null })
    expect(peer.auths).toEqual([{ method: 'PLAIN', username: 'alice', ok: true, secure: true }])

    const client = await app.transcript.fullTexts('c')
    expect(client).toContain('AUTH PLAIN [redacted]')
    await expect.poll(() => app.transcript.linesIn('c').filter({ hasText: 'AUTH PLAIN' }).locator('.pill').textContent()).toBe('redacted')
    const server = await app.transcript.fullTexts('s')
    expect(server.some((l) => l.startsWith('235'))).toBe(true)
    expect(await app.transcript.linesIn('tls').count()).toBeGreaterThan(0)

    // The password is nowhere in the page.
    const html = await page.content()
    expect(html).not.toContain(PASSWORD)
    expect(html).not.toContain(Buffer.from(`\0alice\0${PASSWORD}`).toString('base64'))
    await shoot(page, 'smoke-verify')
    expect(problems()).toEqual([])
    await context.close()
  })

  it('when the host goes away, the next run fails with a clear message instead of hanging', async () => {
    const own = await startWebHost()
    const { page, context } = await openApp(browser, own)
    const app = new MailprobePage(page)
    await app.newSmtpProfile({ name: 'Orphan', host: '127.0.0.1', port: peer.port, security: 'STARTTLS', auth: 'PLAIN', username: 'alice', secret: PASSWORD, caFile })
    await app.tab('compose')
    expect(await own.stop()).toBe(0)
    await app.id('action-verify').click()
    await expect.poll(() => app.id('compose-error').textContent()).toMatch(/connection to the Mailprobe web host was lost/)
    await context.close()
  })
})
