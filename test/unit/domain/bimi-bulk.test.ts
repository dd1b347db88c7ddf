// BIMI (informational) and the bulk-sender checklist, through the whole domain run against the
// authoritative test server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startDnsServer, type DnsServer } from '../../fixtures/dns-server'
import { checkOf, healthyZone, PROVIDER_SIDE, run } from './readiness'

const bimi = (l: string | null, a: string | null) => ['v=BIMI1', ...(l !== null ? [`l=${l}`] : []), ...(a !== null ? [`a=${a}`] : [])].join('; ')
const LOGO = 'https://brand.test/logo.svg'
const VMC = 'https://brand.test/vmc.pem'

let dns: DnsServer

beforeAll(async () => {
  dns = await startDnsServer({
    ...PROVIDER_SIDE,
    ...healthyZone('google-workspace'),
    'brand.test': { TXT: ['v=spf1 -all'] },
    '_dmarc.brand.test': { TXT: ['v=DMARC1; p=quarantine'] },
    'default._bimi.brand.test': { TXT: [bimi(LOGO, VMC)] },
    'lax.test': { TXT: ['v=spf1 -all'] },
    '_dmarc.lax.test': { TXT: ['v=DMARC1; p=none'] },
    'default._bimi.lax.test': { TXT: [bimi(LOGO, VMC)] },
    'logo-only.test': { TXT: ['v=spf1 -all'] },
    '_dmarc.logo-only.test': { TXT: ['v=DMARC1; p=reject'] },
    'default._bimi.logo-only.test': { TXT: [bimi(LOGO, null)] },
    'declined.test': { TXT: ['v=spf1 -all'] },
    'default._bimi.declined.test': { TXT: ['v=BIMI1; l=;'] },
    // Google Workspace's include, but neither its DKIM key nor a DMARC record.
    'bulk-bad.test': { TXT: ['v=spf1 include:_spf.google.com ~all'], MX: [{ priority: 10, exchange: 'mx.shared.test' }] },
  })
})

afterAll(async () => {
  await dns?.close()
})

describe('BIMI', () => {
  it('a logo and its mark certificate with DMARC enforced: set up', async () => {
    const check = checkOf(await run(dns.server, { domain: 'brand.test' }), 'bimi')
    expect(check.status).toBe('pass')
    expect(check.detail).toBe('BIMI is set up for brand.test: a logo and its mark certificate, with DMARC at p=quarantine.')
    expect(check.records).toEqual([{ type: 'TXT', name: 'default._bimi.brand.test', value: bimi(LOGO, VMC) }])
    expect(check.items).toContainEqual({ label: 'Logo (l=)', status: 'pass', detail: LOGO })
  })

  it('with DMARC at p=none the logo is not shown', async () => {
    const check = checkOf(await run(dns.server, { domain: 'lax.test' }), 'bimi')
    expect(check.status).toBe('warn')
    expect(check.detail).toBe('default._bimi.lax.test is set, but DMARC is at p=none: mailbox providers show BIMI logos only with p=quarantine or p=reject on all mail.')
  })

  it('without a= it is incomplete, as mailauth checks it', async () => {
    const check = checkOf(await run(dns.server, { domain: 'logo-only.test' }), 'bimi')
    expect(check.status).toBe('warn')
    expect(check.detail).toBe(
      'default._bimi.logo-only.test is incomplete (Missing required tag: a), so no logo is shown: give l= (an https URL of an SVG logo) and a= (an https URL of its mark certificate).',
    )
    expect(check.items).toContainEqual({ label: 'Mark certificate (a=)', status: 'warn', detail: 'missing: Gmail and Apple Mail show logos only with a VMC or CMC' })
  })

  it('absent, or declined, it is information', async () => {
    const absent = checkOf(await run(dns.server, { domain: 'bulk-bad.test' }), 'bimi')
    expect(absent.status).toBe('info')
    expect(absent.detail).toBe('bulk-bad.test publishes no BIMI record (optional): with DMARC at quarantine or reject, one shows your logo beside your mail in Gmail, Yahoo and Apple Mail.')
    const declined = checkOf(await run(dns.server, { domain: 'declined.test' }), 'bimi')
    expect(declined).toMatchObject({ status: 'info', detail: 'default._bimi.declined.test declines BIMI (an empty l=): no logo is shown for declined.test.' })
  })
})

describe('bulk-sender requirements', () => {
  it('a well-configured Google Workspace domain ticks every item DNS can show; the rest are said to be not checkable', async () => {
    const check = checkOf(await run(dns.server, { domain: 'google-workspace.test', provider: 'google-workspace' }), 'bulk-sender')
    expect(check.status).toBe('pass')
    expect(check.detail).toBe('google-workspace.test meets what Gmail, Yahoo and Microsoft check in DNS for bulk senders; one-click unsubscribe, TLS and a spam rate under 0.3 % are yours to keep.')
    expect(check.items.map((i) => [i.label, i.status])).toEqual([
      ['SPF', 'pass'],
      ['DKIM', 'pass'],
      ['DMARC (at least p=none)', 'pass'],
      ['Alignment (SPF or DKIM with the From domain)', 'pass'],
      ['Forward and reverse DNS of the sending IPs', 'info'],
      ['TLS for sending', 'info'],
      ['One-click unsubscribe (RFC 8058) for marketing mail', 'info'],
      ['Spam rate under 0.3 %', 'info'],
    ])
    for (const i of check.items.slice(4)) expect(i.detail).toMatch(/^not checkable from DNS: /)
  })

  it('no DKIM key and no DMARC record: rejected or junked, and says what to fix', async () => {
    const check = checkOf(await run(dns.server, { domain: 'bulk-bad.test', provider: 'google-workspace' }), 'bulk-sender')
    expect(check.status).toBe('fail')
    expect(check.detail).toBe('Gmail, Yahoo and Microsoft would reject or junk bulk mail from bulk-bad.test: fix DKIM and DMARC (see each check).')
    expect(check.items.find((i) => i.label === 'DMARC (at least p=none)')).toEqual({
      label: 'DMARC (at least p=none)',
      status: 'fail',
      detail: 'bulk-bad.test has no DMARC record (publish at least v=DMARC1; p=none)',
    })
    expect(check.items.find((i) => i.label === 'Alignment (SPF or DKIM with the From domain)')?.status).toBe('warn')
  })

  it("the sending IPs' reverse DNS is ticked from the ptr check when they are given", async () => {
    const check = checkOf(await run(dns.server, { domain: 'google-workspace.test', provider: 'google-workspace', sendingIps: ['127.0.0.1'] }), 'bulk-sender')
    expect(check.items.find((i) => i.label === 'Forward and reverse DNS of the sending IPs')).toMatchObject({ status: 'pass', detail: '127.0.0.1 (sending IP): forward-confirmed reverse DNS' })
  })
})
