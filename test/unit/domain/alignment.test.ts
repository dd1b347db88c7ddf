// Alignment for the chosen provider, through the whole domain run against the authoritative test
// server: a well-configured zone for each provider preset aligns and leaves nothing to publish; the
// broken ones say what is missing and write out the records to publish.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DOMAIN_PROVIDERS } from '../../../preload/contract'
import { hasInclude, withMechanisms } from '../../../main/core/domain/spf-record'
import { startDnsServer, type DnsServer } from '../../fixtures/dns-server'
import { checkOf, DKIM_KEY, healthyDomain, healthyZone, NAMED_SELECTORS, PROVIDER_SIDE, run } from './readiness'

describe('SPF records written out', () => {
  it('finds an include among the terms, whatever its case or a + qualifier', () => {
    expect(hasInclude('v=spf1 include:_spf.google.com ~all', '_spf.google.com')).toBe(true)
    expect(hasInclude('v=spf1 +include:MAILGUN.org -all', 'mailgun.org')).toBe(true)
    expect(hasInclude('v=spf1 include:mailgun.org.evil.test -all', 'mailgun.org')).toBe(false)
    expect(hasInclude('v=spf1 -all', 'mailgun.org')).toBe(false)
  })

  it('adds the include before all (keeping -all), before a redirect, or writes a new record with ~all', () => {
    expect(withMechanisms(null, ['include:amazonses.com'])).toBe('v=spf1 include:amazonses.com ~all')
    expect(withMechanisms('v=spf1 ip4:192.0.2.1 -all', ['include:mailgun.org'])).toBe('v=spf1 ip4:192.0.2.1 include:mailgun.org -all')
    expect(withMechanisms('v=spf1 mx redirect=_spf.example.test', ['include:mailgun.org'])).toBe('v=spf1 mx include:mailgun.org redirect=_spf.example.test')
    expect(withMechanisms('v=spf1 mx', ['include:mailgun.org'])).toBe('v=spf1 mx include:mailgun.org ~all')
  })
})

let dns: DnsServer

beforeAll(async () => {
  const zones = Object.assign({}, PROVIDER_SIDE, ...DOMAIN_PROVIDERS.map(healthyZone))
  const d = (name: string) => `${name}.test`
  dns = await startDnsServer({
    ...zones,
    // Resend without its send subdomain (DKIM in place).
    [d('resend-nosend')]: { TXT: ['v=spf1 -all'] },
    [`_dmarc.${d('resend-nosend')}`]: { TXT: ['v=DMARC1; p=none'] },
    [`resend._domainkey.${d('resend-nosend')}`]: { TXT: [DKIM_KEY] },
    // Resend complete, but DMARC strict on SPF (aspf=s): the send subdomain does not align, DKIM does.
    [d('resend-strict')]: { TXT: ['v=spf1 -all'] },
    [`_dmarc.${d('resend-strict')}`]: { TXT: ['v=DMARC1; p=none; aspf=s'] },
    [`send.${d('resend-strict')}`]: { TXT: ['v=spf1 include:amazonses.com ~all'] },
    [`resend._domainkey.${d('resend-strict')}`]: { TXT: [DKIM_KEY] },
    // Microsoft 365 with only selector1 published (the new DKIM format), and no DMARC record.
    [d('m365-half')]: { TXT: ['v=spf1 include:spf.protection.outlook.com -all'] },
    [`selector1._domainkey.${d('m365-half')}`]: { CNAME: 'selector1-m365-half-test._domainkey.contoso.r-v1.dkim.mail.microsoft' },
    'selector1-m365-half-test._domainkey.contoso.r-v1.dkim.mail.microsoft': { TXT: [DKIM_KEY] },
    // Google Workspace with neither the include nor the key.
    [d('google-bare')]: { TXT: ['v=spf1 ip4:192.0.2.10 -all'] },
    [`_dmarc.${d('google-bare')}`]: { TXT: ['v=DMARC1; p=none'] },
    // Postmark whose Return-Path CNAME points elsewhere.
    [d('postmark-wrong')]: { TXT: ['v=spf1 -all'] },
    [`_dmarc.${d('postmark-wrong')}`]: { TXT: ['v=DMARC1; p=none'] },
    [`pm-bounces.${d('postmark-wrong')}`]: { CNAME: 'bounces.elsewhere.test' },
    'bounces.elsewhere.test': { A: ['192.0.2.20'] },
    // Mailgun on the mg subdomain (the From domain's root has no include).
    [d('mailgun-mg')]: { TXT: ['v=spf1 -all'] },
    [`_dmarc.${d('mailgun-mg')}`]: { TXT: ['v=DMARC1; p=none'] },
    [`mg.${d('mailgun-mg')}`]: { TXT: ['v=spf1 include:mailgun.org ~all'] },
    [`k1._domainkey.${d('mailgun-mg')}`]: { TXT: [DKIM_KEY] },
    // A domain whose DMARC record is inherited from its organisational domain.
    [d('parent')]: { TXT: ['v=spf1 -all'] },
    [`_dmarc.${d('parent')}`]: { TXT: ['v=DMARC1; p=quarantine; adkim=s'] },
    [`news.${d('parent')}`]: { TXT: ['v=spf1 include:spf.mailjet.com ~all'] },
    [`mailjet._domainkey.news.${d('parent')}`]: { TXT: [DKIM_KEY] },
    // A relay covered by the domain's SPF.
    [d('relayed')]: { TXT: ['v=spf1 ip4:127.0.0.1 -all'] },
    [`_dmarc.${d('relayed')}`]: { TXT: ['v=DMARC1; p=none'] },
    [`mail._domainkey.${d('relayed')}`]: { TXT: [DKIM_KEY] },
    'relay.shared.test': { A: ['127.0.0.1'] },
  })
})

afterAll(async () => {
  await dns?.close()
})

describe('a well-configured domain for each provider preset', () => {
  it.each(DOMAIN_PROVIDERS.map((p) => [p]))('%s: its mail aligns, and nothing is left to publish', async (provider) => {
    const domain = healthyDomain(provider)
    const result = await run(dns.server, { domain, provider, dkimSelectors: NAMED_SELECTORS[provider] ?? [] })
    const alignment = checkOf(result, 'alignment')
    expect(alignment.status, alignment.detail).toBe('pass')
    expect(alignment.detail).toMatch(new RegExp(`aligns with ${domain.replace(/\./g, '\\.')} through (SPF and DKIM|DKIM): DMARC will pass\\.$`))
    expect(result.publish).toEqual([])
  })

  it('says which identities align: SPF through the Return-Path subdomain and DKIM for Resend; DKIM alone for Mailjet, whose Return-Path is its own', async () => {
    const resend = checkOf(await run(dns.server, { domain: 'resend.test', provider: 'resend' }), 'alignment')
    expect(resend.detail).toBe('Resend mail aligns with resend.test through SPF and DKIM: DMARC will pass.')
    expect(resend.items.find((i) => i.label === 'SPF (Return-Path)')?.detail).toBe('The Return-Path is send.resend.test, which aligns with resend.test (relaxed): SPF aligns.')
    const mailjet = checkOf(await run(dns.server, { domain: 'mailjet.test', provider: 'mailjet' }), 'alignment')
    expect(mailjet.detail).toBe('Mailjet mail aligns with mailjet.test through DKIM: DMARC will pass.')
    expect(mailjet.items.find((i) => i.label === 'SPF (Return-Path)')).toMatchObject({
      status: 'info',
      detail: "Mailjet's Return-Path is its own bounce domain (bnc3.mailjet.com): SPF passes for Mailjet but cannot align with mailjet.test, so DMARC rests on DKIM.",
    })
  })

  it("says SendGrid's Return-Path cannot be found from DNS, and aligns through DKIM", async () => {
    const check = checkOf(await run(dns.server, { domain: 'sendgrid.test', provider: 'sendgrid' }), 'alignment')
    expect(check.items.find((i) => i.label === 'SPF (Return-Path)')?.detail).toMatch(
      /^SendGrid's Return-Path is a subdomain SendGrid assigns \(emNNNN\.sendgrid\.test, .*\); its name cannot be found from DNS, so SPF alignment is not checked here\.$/,
    )
    expect(check.items.find((i) => i.label === 'DKIM (d=)')?.detail).toBe('SendGrid signs with d=sendgrid.test (selectors s1 and s2), which aligns with sendgrid.test.')
  })
})

describe('what is missing, ready to publish', () => {
  it('Resend without its send subdomain: aligned through DKIM only, with the send record to publish', async () => {
    const result = await run(dns.server, { domain: 'resend-nosend.test', provider: 'resend' })
    const check = checkOf(result, 'alignment')
    expect(check.status).toBe('warn')
    expect(check.detail).toBe('Resend mail aligns with resend-nosend.test through DKIM; to complete the set-up, publish send.resend-nosend.test (below).')
    expect(check.items.find((i) => i.label === 'SPF (Return-Path)')).toMatchObject({ status: 'fail' })
    expect(result.publish).toContainEqual({ type: 'TXT', name: 'send.resend-nosend.test', value: 'v=spf1 include:amazonses.com ~all' })
  })

  it('aspf=s: the Return-Path subdomain does not align, DKIM carries DMARC', async () => {
    const check = checkOf(await run(dns.server, { domain: 'resend-strict.test', provider: 'resend' }), 'alignment')
    expect(check.status).toBe('pass')
    expect(check.detail).toBe('Resend mail aligns with resend-strict.test through DKIM: DMARC will pass.')
    expect(check.items.find((i) => i.label === 'SPF (Return-Path)')).toMatchObject({
      status: 'info',
      detail: "The Return-Path send.resend-strict.test is a subdomain, which does not align with resend-strict.test under the DMARC record's aspf=s (strict), so DMARC rests on DKIM.",
    })
    expect(check.items.find((i) => i.label === 'DMARC')?.detail).toBe('_dmarc.resend-strict.test sets DKIM alignment relaxed and SPF alignment strict (aspf=s).')
  })

  it("Microsoft 365 with one selector and no DMARC: selector2's CNAME written out from selector1's, DMARC asked for", async () => {
    const result = await run(dns.server, { domain: 'm365-half.test', provider: 'microsoft365' })
    const check = checkOf(result, 'alignment')
    expect(check.status).toBe('warn')
    expect(check.detail).toBe(
      'Microsoft 365 mail aligns with m365-half.test through SPF and DKIM, but m365-half.test has no DMARC record: publish selector2._domainkey.m365-half.test (below) and publish _dmarc.m365-half.test (below).',
    )
    expect(check.items.find((i) => i.label === 'DKIM (d=)')?.detail).toBe(
      'Microsoft 365 signs with d=m365-half.test (selector selector1), which aligns with m365-half.test; selector2._domainkey.m365-half.test has no key yet (the record to publish is below).',
    )
    expect(result.publish).toContainEqual({ type: 'CNAME', name: 'selector2._domainkey.m365-half.test', value: 'selector2-m365-half-test._domainkey.contoso.r-v2.dkim.mail.microsoft' })
    expect(result.publish.some((r) => r.name === '_dmarc.m365-half.test')).toBe(true)
  })

  it('Google Workspace with neither the include nor the key: DMARC would fail, and the SPF record with the include is to publish', async () => {
    const result = await run(dns.server, { domain: 'google-bare.test', provider: 'google-workspace' })
    const check = checkOf(result, 'alignment')
    expect(check.status).toBe('fail')
    expect(check.detail).toBe(
      "Google Workspace mail would fail DMARC: neither its Return-Path nor its DKIM signature aligns with google-bare.test; add include:_spf.google.com to google-bare.test's SPF record (below) and publish the DKIM TXT record google._domainkey generated in the Google Admin console (Gmail, Authenticate email).",
    )
    expect(result.publish).toContainEqual({ type: 'TXT', name: 'google-bare.test', value: 'v=spf1 ip4:192.0.2.10 include:_spf.google.com -all' })
  })

  it("Postmark whose pm-bounces CNAME points elsewhere: says where, and writes out Postmark's", async () => {
    const result = await run(dns.server, { domain: 'postmark-wrong.test', provider: 'postmark', dkimSelectors: ['20240101000000pm'] })
    const check = checkOf(result, 'alignment')
    expect(check.status).toBe('fail')
    expect(check.items.find((i) => i.label === 'SPF (Return-Path)')?.detail).toBe(
      "pm-bounces.postmark-wrong.test points to bounces.elsewhere.test, not where Postmark says, so Postmark's Return-Path stays on its own domain and SPF cannot align; Postmark expects a custom Return-Path: pm-bounces.postmark-wrong.test, a CNAME to pm.mtasv.net.",
    )
    expect(result.publish).toContainEqual({ type: 'CNAME', name: 'pm-bounces.postmark-wrong.test', value: 'pm.mtasv.net' })
  })

  it('Mailgun on its mg subdomain aligns through the subdomain', async () => {
    const check = checkOf(await run(dns.server, { domain: 'mailgun-mg.test', provider: 'mailgun', dkimSelectors: ['k1'] }), 'alignment')
    expect(check.status).toBe('pass')
    expect(check.items.find((i) => i.label === 'SPF (Return-Path)')?.detail).toBe('The Return-Path is mg.mailgun-mg.test, which aligns with mailgun-mg.test (relaxed): SPF aligns.')
  })

  it('a provider whose selector differs per account, none named: cannot be told from DNS, and says what to give', async () => {
    const check = checkOf(await run(dns.server, { domain: 'ses.test', provider: 'ses' }), 'alignment')
    expect(check.status).toBe('info')
    expect(check.detail).toBe("Whether Amazon SES mail aligns with ses.test cannot be told from DNS alone: give Amazon SES's DKIM selector.")
    expect(check.items.find((i) => i.label === 'DKIM (d=)')?.detail).toBe(
      "Amazon SES's DKIM selector differs per account: give it as a DKIM selector (the name of the three Easy DKIM CNAMEs the SES console shows (TOKEN._domainkey to TOKEN.dkim.amazonses.com)) to check DKIM alignment.",
    )
  })

  it('an inherited DMARC record: read from the organisational domain with its modes', async () => {
    const check = checkOf(await run(dns.server, { domain: 'news.parent.test', provider: 'mailjet' }), 'alignment')
    expect(check.status).toBe('pass')
    expect(check.items.find((i) => i.label === 'DMARC')?.detail).toBe('_dmarc.parent.test (inherited from the organisational domain) sets DKIM alignment strict (adkim=s) and SPF alignment relaxed.')
    expect(check.records).toContainEqual({ type: 'TXT', name: '_dmarc.parent.test', value: 'v=DMARC1; p=quarantine; adkim=s' })
  })
})

describe('without a provider', () => {
  it('a relay whose addresses the SPF record covers: SPF aligns for a Return-Path at the domain, DKIM for the named selector', async () => {
    const check = checkOf(await run(dns.server, { domain: 'relayed.test', relay: 'relay.shared.test', dkimSelectors: ['mail'] }), 'alignment')
    expect(check.title).toBe('Alignment (relay relay.shared.test)')
    expect(check.status).toBe('pass')
    expect(check.detail).toBe('Mail through relay.shared.test aligns with relayed.test through SPF and DKIM: DMARC will pass.')
  })

  it('neither provider nor relay: asks for one', async () => {
    const check = checkOf(await run(dns.server, { domain: 'relayed.test' }), 'alignment')
    expect(check.status).toBe('info')
    expect(check.detail).toBe('Choose the provider or relay you send through to check that its Return-Path and DKIM signature align with relayed.test.')
  })
})
