/**
 * The Domain tab in Chromium against `npm run web`'s host: a Mailgun profile fills in the domain and
 * the provider; Enter runs the checks against an authoritative DNS server on 127.0.0.1 (the form's
 * DNS server field); the checks fill their rows as they finish, a check opens to its findings, a
 * record to publish (the missing DMARC record) is copied; the profile then shows its domain's verdict, and History has the run.
 *
 * Nothing leaves 127.0.0.1: the zone's MX host is 127.0.0.1 (its port 25 is probed there), and no
 * name points anywhere else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { startDnsServer, type DnsServer } from '../fixtures/dns-server'
import { launchChromium, openApp, shoot, startWebHost, type WebHost } from './harness'
import { byTestId, MailprobePage } from './pages'

const ZONE = {
  'shop.example': { MX: [{ priority: 10, exchange: 'mx.shop.example' }], TXT: ['v=spf1 include:mailgun.org ~all'] },
  'mx.shop.example': { A: ['127.0.0.1'] },
  'mailgun.org': { TXT: ['v=spf1 ip4:198.51.100.0/24 -all'] },
}

describe('the Domain tab', () => {
  let host: WebHost
  let browser: Browser
  let dns: DnsServer

  beforeAll(async () => {
    ;[host, browser, dns] = await Promise.all([startWebHost(), launchChromium(), startDnsServer(ZONE)])
  })
  afterAll(async () => {
    await browser?.close()
    await host?.stop()
    await dns?.close()
  })

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`checks the domain of a profile, shows each check, the records to publish and the verdict (${colorScheme})`, async () => {
      const { page, context, problems } = await openApp(browser, host, { colorScheme })
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: host.origin })
      const app = new MailprobePage(page)
      const name = `Shop Mailgun ${colorScheme}`
      await app.newApiProfile({ name, provider: 'Mailgun', domain: 'shop.example' })
      await app.selectProfile(name)

      // Ctrl+2: the Domain tab, filled in from the profile.
      await page.keyboard.press('Control+2')
      const domainField = app.id('domain-name')
      await domainField.waitFor()
      expect(await domainField.inputValue()).toBe('shop.example')
      expect(await app.id('domain-sender').textContent()).toContain('Mailgun')
      expect(await app.id('domain-prefill').textContent()).toBe(`Filled in from “${name}”`)
      await app.id('domain-selectors').fill('k1')
      await app.id('domain-dns').fill(dns.server)

      // Enter in a field runs it (the form's submit).
      await domainField.press('Enter')
      const verdict = app.id('domain-verdict')
      await page.locator('[data-testid="domain-verdict"]:not([data-status="running"])').waitFor()
      const status = await verdict.getAttribute('data-status')
      expect(['pass', 'warn', 'fail', 'info']).toContain(status)
      expect(await verdict.textContent()).toMatch(/shop\.example via Mailgun: /)
      expect(await app.id('domain-total').textContent()).toMatch(/ms$/)
      expect(await app.id('domain-check').count()).toBe(11)
      // No DKIM key at k1: that check fails, and opens to its findings.
      const dkim = page.locator('[data-testid="domain-check"][data-check="dkim"]')
      expect(await dkim.getAttribute('data-status')).toBe('fail')
      await byTestId(dkim, 'domain-check-head').click()
      await byTestId(dkim, 'domain-check-body').waitFor()
      await shoot(page, `domain-${colorScheme}`)
      // The transcript below has every check's line.
      expect(await app.transcript.lines.count()).toBeGreaterThan(11)

      // No DMARC record: one is written out to publish, and its copy button copies its value.
      expect(await page.locator('[data-testid="domain-check"][data-check="dmarc"]').getAttribute('data-status')).toBe('fail')
      const dmarc = app.id('domain-publish-record').filter({ hasText: '_dmarc.shop.example' })
      const value = await byTestId(dmarc, 'domain-publish-value').textContent()
      expect(value).toMatch(/^v=DMARC1; p=/)
      await byTestId(dmarc, 'domain-publish-copy').click()
      await expect.poll(() => page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText())).toBe(value)
      await app.id('domain-publish').scrollIntoViewIfNeeded()
      await shoot(page, `domain-publish-${colorScheme}`)

      // The profile shows its domain's last verdict; History has the run.
      await page.keyboard.press('Control+3')
      const chip = app.id('profile-domain-chip')
      await expect.poll(() => chip.getAttribute('data-status')).toBe(status)
      await app.id('tab-history').click()
      await page.locator('[data-testid="history-item"]').filter({ hasText: 'shop.example via Mailgun' }).first().waitFor()
      expect(problems()).toEqual([])
      await context.close()
    })
  }
})
