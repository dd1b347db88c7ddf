// The provider facts are data the spf, dkim and alignment checks rely on: each provider has them all,
// and the DKIM CNAME patterns accept the targets the providers document and nothing else.
import { describe, expect, it } from 'vitest'
import { DOMAIN_PROVIDERS } from '../../../preload/contract'
import { dashed, PROVIDERS } from '../../../main/core/domain/providers'

describe('every provider', () => {
  it.each(DOMAIN_PROVIDERS.map((p) => [p]))('%s has a label, an https documentation page, its SPF facts and DKIM facts', (p) => {
    const f = PROVIDERS[p]
    expect(f.label).toMatch(/\S/)
    expect(new URL(f.docs).protocol).toBe('https:')
    expect(f.spf.include === null || /^[a-z0-9_.-]+\.[a-z]+$/.test(f.spf.include)).toBe(true)
    expect(['txt', 'cname']).toContain(f.dkim.kind)
    expect(f.dkim.hint).toMatch(/\S/)
    // A CNAME provider says where its CNAMEs point; a TXT one has nothing to point at.
    expect(typeof f.dkim.target === 'function').toBe(f.dkim.kind === 'cname')
    const mailFrom = f.spf.mailFrom
    if (mailFrom !== 'root' && mailFrom.place === 'fixed') {
      // A Return-Path the provider names can be checked and, when missing, written out.
      expect(mailFrom.expect?.cname ?? mailFrom.expect?.spfInclude).toBeTruthy()
      expect(mailFrom.records?.length).toBeGreaterThan(0)
    }
  })
})

describe('DKIM CNAME targets', () => {
  it('Microsoft 365: the tenant onmicrosoft.com form and the 2025 dkim.mail.microsoft form, for this domain only', () => {
    const target = PROVIDERS.microsoft365.dkim.target!
    expect(dashed('mail.example.co.uk')).toBe('mail-example-co-uk')
    expect(target('selector1', 'example.com').test('selector1-example-com._domainkey.contoso.onmicrosoft.com')).toBe(true)
    expect(target('selector2', 'example.com').test('selector2-example-com._domainkey.contoso.n-v2.dkim.mail.microsoft')).toBe(true)
    expect(target('selector1', 'example.com').test('selector1-other-com._domainkey.contoso.onmicrosoft.com')).toBe(false)
    expect(target('selector1', 'example.com').test('selector2-example-com._domainkey.contoso.onmicrosoft.com')).toBe(false)
  })

  it('SendGrid: s1/s2.domainkey.uNNNN.wlNNN.sendgrid.net', () => {
    const target = PROVIDERS.sendgrid.dkim.target!
    expect(target('s1', 'example.com').test('s1.domainkey.u2744887.wl138.sendgrid.net')).toBe(true)
    expect(target('s2', 'example.com').test('s1.domainkey.u2744887.wl138.sendgrid.net')).toBe(false)
    expect(target('s1', 'example.com').test('s1.domainkey.u2744887.wl138.sendgrid.net.evil.test')).toBe(false)
  })

  it('Amazon SES: TOKEN.dkim.amazonses.com for the same token', () => {
    const target = PROVIDERS.ses.dkim.target!
    expect(target('abc123', 'example.com').test('abc123.dkim.amazonses.com')).toBe(true)
    expect(target('abc123', 'example.com').test('xyz789.dkim.amazonses.com')).toBe(false)
  })
})

describe('where the Return-Path is', () => {
  it('the From domain for Microsoft 365 and Google; a named subdomain for Resend, Postmark and SparkPost; chosen per account for SendGrid and SES; the provider for Mailjet and Brevo', () => {
    const place = (p: (typeof DOMAIN_PROVIDERS)[number]) => {
      const m = PROVIDERS[p].spf.mailFrom
      return m === 'root' ? 'root' : `${m.place} ${m.subdomain}`
    }
    expect(DOMAIN_PROVIDERS.map((p) => [p, place(p)])).toEqual([
      ['mailgun', 'fixed mg'],
      ['sendgrid', 'chosen em1234'],
      ['postmark', 'fixed pm-bounces'],
      ['ses', 'chosen mail'],
      ['resend', 'fixed send'],
      ['mailjet', 'provider bnc3.mailjet.com'],
      ['sparkpost', 'fixed bounce'],
      ['brevo', 'provider sender-sib.com'],
      ['microsoft365', 'root'],
      ['google-workspace', 'root'],
    ])
  })
})
