/**
 * The user flows of the desktop interface, in Chromium against `npm run web`'s host with the real
 * core, a local smtp-server (STARTTLS + AUTH) and the local provider HTTPS server. TLS is verified
 * throughout: the profiles name the test CA as their CA file, and the host also trusts it
 * system-wide (NODE_EXTRA_CA_CERTS) because the Probe view has no CA file of its own.
 *
 * The tests run in order on one host (the export test exports the profiles the earlier ones made).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { removeCaFile, writeCaFile } from '../fixtures/certs'
import { MAILGUN_DOMAIN, PROVIDER_KEYS, startProviderServer, type ProviderServer } from '../fixtures/provider-server'
import { startSmtpPeer, type SmtpPeer } from '../fixtures/smtp-peers'
import { launchChromium, openApp, shoot, startWebHost, type WebHost } from './harness'
import { byTestId, MailprobePage } from './pages'

const PASSWORD = 'e2e-Flow-Pa55word!'
const FROM = 'tester@mailprobe.test'
const TO = 'rcpt@example.test'

describe('user flows in the browser host', () => {
  let peer: SmtpPeer
  let provider: ProviderServer
  let caFile: string
  let host: WebHost
  let browser: Browser

  beforeAll(async () => {
    caFile = await writeCaFile()
    ;[peer, provider, host, browser] = await Promise.all([
      startSmtpPeer({ mode: 'starttls', users: { alice: PASSWORD }, hideAuthBeforeTls: true }),
      startProviderServer(),
      startWebHost({ caFile }),
      launchChromium(),
    ])
  })
  afterAll(async () => {
    await browser?.close()
    await host?.stop()
    await Promise.all([peer?.close(), provider?.close()])
    if (caFile) removeCaFile(caFile)
  })

  it('SMTP: create a profile with a password → probe → verify → send → the run is in History after a reload', async () => {
    const { page, context, problems } = await openApp(browser, host)
    const app = new MailprobePage(page)
    await app.newSmtpProfile({ name: 'Local relay', host: '127.0.0.1', port: peer.port, security: 'STARTTLS', auth: 'PLAIN', username: 'alice', secret: PASSWORD, caFile })
    await shoot(page, 'profile-created')

    // Probe the peer's port only.
    const probed = await app.probe('127.0.0.1', [peer.port])
    expect(probed.ok, JSON.stringify(probed)).toBe(true)
    await app.probeRow(peer.port).waitFor()
    expect(await app.probeRow(peer.port).getAttribute('data-state')).toBeTruthy()
    await app.id('probe-recommendation').waitFor()
    expect(await app.id('probe-recommendation').textContent()).toMatch(new RegExp(String(peer.port)))
    expect(probed.message).toMatch(new RegExp(`use ${peer.port} with STARTTLS`))
    await shoot(page, 'probe')

    // Verify, then send, from the composer.
    await app.tab('compose')
    await app.selectProfile('Local relay')
    const verified = await app.runAndWait('action-verify')
    expect(verified, JSON.stringify(verified)).toMatchObject({ ok: true, code: null })
    expect(await app.transcript.fullTexts('c')).toContain('AUTH PLAIN [redacted]')
    expect((await app.transcript.fullTexts('s')).some((l) => l.startsWith('235'))).toBe(true)

    await app.compose({ from: FROM, to: [TO], text: 'Hello from the end-to-end test.' })
    const sent = await app.runAndWait('action-send')
    expect(sent, JSON.stringify(sent)).toMatchObject({ ok: true, code: null })
    expect(peer.received).toHaveLength(1)
    expect(peer.received[0]!.envelope).toMatchObject({ mailFrom: FROM, rcptTo: [TO] })
    expect(peer.received[0]!.raw).toContain('Hello from the end-to-end test.')
    const client = await app.transcript.fullTexts('c')
    const server = await app.transcript.fullTexts('s')
    expect(client).toContain('AUTH PLAIN [redacted]')
    expect(client.some((l) => l.startsWith('MAIL FROM:<tester@mailprobe.test>'))).toBe(true)
    // The final 250: the message was queued.
    expect(server.some((l) => /^250 .*queued as MPQ000001/.test(l))).toBe(true)
    expect(await page.content()).not.toContain(PASSWORD)
    await shoot(page, 'compose-sent')

    // After a reload (same tab: the token survives in sessionStorage), History has the runs.
    await page.reload()
    await app.profile('Local relay').waitFor()
    await app.tab('history')
    await expect.poll(() => app.historyItems.count()).toBeGreaterThanOrEqual(3)
    const newest = app.historyItems.first()
    expect(await newest.getAttribute('data-ok')).toBe('true')
    expect(await newest.textContent()).toMatch(/Local relay/)
    expect(await newest.textContent()).toMatch(/queued as MPQ000001/)
    await newest.click()
    await expect.poll(() => app.readVerdict()).toMatchObject({ ok: true })
    await expect.poll(async () => (await app.transcript.fullTexts('c')).includes('AUTH PLAIN [redacted]')).toBe(true)
    await shoot(page, 'history')
    expect(problems()).toEqual([])
    await context.close()
  })

  it('a wrong password shows AUTH_FAILED with its sentence', async () => {
    const { page, context, problems } = await openApp(browser, host)
    const app = new MailprobePage(page)
    await app.newSmtpProfile({ name: 'Wrong password', host: '127.0.0.1', port: peer.port, security: 'STARTTLS', auth: 'PLAIN', username: 'alice', secret: 'not-the-password', caFile })
    await app.tab('compose')
    const verdict = await app.runAndWait('action-verify')
    expect(verdict.ok).toBe(false)
    expect(verdict.code).toBe('AUTH_FAILED')
    // A sentence a person can act on, not just a code.
    expect(verdict.message).toMatch(/\w+ \w+ \w+/)
    expect(verdict.message.length).toBeGreaterThan(30)
    expect((await app.transcript.fullTexts('s')).some((l) => l.startsWith('535'))).toBe(true)
    expect(await app.transcript.fullTexts('c')).toContain('AUTH PLAIN [redacted]')
    await shoot(page, 'auth-failed')
    expect(problems()).toEqual([])
    await context.close()
  })

  it('an API profile sends to the local provider server', async () => {
    const { page, context, problems } = await openApp(browser, host)
    const app = new MailprobePage(page)
    await app.newApiProfile({ name: 'Mailgun local', provider: 'Mailgun', domain: MAILGUN_DOMAIN, baseUrl: provider.origin, secret: PROVIDER_KEYS.mailgun, caFile })
    await app.tab('compose')
    await app.compose({ from: FROM, to: [TO], text: 'Hello over HTTPS.' })
    const before = provider.requests.length
    const verdict = await app.runAndWait('action-api-send')
    expect(verdict, JSON.stringify(verdict)).toMatchObject({ ok: true, code: null })
    expect(provider.problems).toEqual([])
    expect(provider.requests.length).toBe(before + 1)
    const request = provider.requests.at(-1)!
    expect(request).toMatchObject({ provider: 'mailgun', method: 'POST', path: `/v3/${MAILGUN_DOMAIN}/messages`, status: 200 })
    expect(request.form?.to).toEqual([TO])
    // The key never reaches the page; the transcript shows where it was redacted.
    const html = await page.content()
    expect(html).not.toContain(PROVIDER_KEYS.mailgun)
    expect(html).not.toContain(Buffer.from(`api:${PROVIDER_KEYS.mailgun}`).toString('base64'))
    expect((await app.transcript.fullTexts()).some((l) => /authorization/i.test(l) && l.includes('[redacted]'))).toBe(true)
    await shoot(page, 'api-send')
    expect(problems()).toEqual([])
    await context.close()
  })

  it('the main screens in the dark theme (screenshots)', async () => {
    const { page, context, problems } = await openApp(browser, host, { colorScheme: 'dark' })
    const app = new MailprobePage(page)
    await app.selectProfile('Local relay')
    await app.tab('history')
    await expect.poll(() => app.historyItems.count()).toBeGreaterThanOrEqual(3)
    await app.historyItems.first().click()
    await expect.poll(() => app.readVerdict()).toMatchObject({ ok: true })
    await shoot(page, 'dark-history')
    await app.tab('compose')
    await app.selectProfile('Wrong password')
    await app.profile('Wrong password').hover()
    await byTestId(app.profile('Wrong password'), 'profile-edit').click()
    await app.editor.root.waitFor()
    // The saved secret is write-only: the editor says one is saved, and shows nothing of it.
    await app.id('secret-saved').waitFor()
    expect(await app.editor.root.locator('input[type="password"]').count()).toBe(0)
    await shoot(page, 'dark-editor')
    await app.id('editor-cancel').click()
    await app.editor.root.waitFor({ state: 'hidden' })
    expect(problems()).toEqual([])
    await context.close()
  })

  it('profiles export and import round-trip without secrets', async () => {
    const { page, context, problems } = await openApp(browser, host)
    const app = new MailprobePage(page)
    await app.profile('Local relay').waitFor()
    const exported = await app.exportProfiles()
    expect(exported.name).toMatch(/\.json$/)
    for (const secret of [PASSWORD, 'not-the-password', PROVIDER_KEYS.mailgun]) expect(exported.content).not.toContain(secret)
    const file = JSON.parse(exported.content) as { format: string; profiles: Array<Record<string, unknown>> }
    expect(file.format).toBe('mailprobe-profiles')
    const names = file.profiles.map((p) => p.name).sort()
    expect(names).toEqual(['Local relay', 'Mailgun local', 'Wrong password'])
    for (const p of file.profiles) {
      expect(p).not.toHaveProperty('password')
      expect(p).not.toHaveProperty('key')
      expect(p).not.toHaveProperty('secret')
    }
    await context.close()

    // A second host with an empty data folder (it has only the sandbox's ready-made profiles, which
    // "Export all" leaves out): import, then export again.
    const other = await startWebHost()
    try {
      const b = await openApp(browser, other)
      const appB = new MailprobePage(b.page)
      await appB.keyringStatus.waitFor() // the profile list has loaded
      expect(await appB.profile('Local relay').count()).toBe(0)
      const before = await appB.profileItems.count()
      await appB.importProfiles(exported.content)
      await expect.poll(() => appB.profileItems.count()).toBe(before + 3)
      for (const name of names) await appB.profile(name as string).waitFor()
      await appB.selectProfile('Local relay')
      await appB.tab('compose')
      // Secrets did not travel: the composer asks for one.
      await b.page.getByText('No secret saved').waitFor()
      await shoot(b.page, 'imported')
      const again = JSON.parse((await appB.exportProfiles()).content) as typeof file
      expect(again.profiles).toEqual(file.profiles)
      expect(b.problems()).toEqual([])
      await b.context.close()
    } finally {
      await other.stop()
    }
    expect(problems()).toEqual([])
  })
})
