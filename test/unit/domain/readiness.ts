// What the readiness-check tests share: the run (runDomain with every check), a DKIM key, the
// records the providers' own domains publish (their SPF includes, their DKIM key hosts), and a
// well-configured zone for each provider preset, as its documentation asks.
import { generateKeyPairSync } from 'node:crypto'
import type { DomainJobInput, DomainProvider, DomainResult } from '../../../preload/contract'
import { runDomain } from '../../../main/core/domain'
import type { ZoneData } from '../../fixtures/dns-server'

/** A run of every check against `server` (no port-25 probes: these tests are about DNS and HTTPS). */
export function run(server: string, job: Omit<DomainJobInput, 'dnsServers'>): Promise<DomainResult> {
  return runDomain({ probeMx: false, timeoutMs: 3000, ...job, dnsServers: [server] })
}

export function checkOf(result: DomainResult, id: DomainResult['checks'][number]['id']) {
  const check = result.checks.find((c) => c.id === id)
  if (!check) throw new Error(`no ${id} check in the result (${result.error?.message ?? 'no error'})`)
  return check
}

/** A 2048-bit RSA public key as a DKIM record's p= (generated once). */
export const DKIM_P = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'der' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } }).publicKey.toString(
  'base64',
)
export const DKIM_KEY = `v=DKIM1; k=rsa; p=${DKIM_P}`

/** The providers' own names that the zones point into: SPF records for the includes and CNAME targets, and the MX host all test domains share. */
export const PROVIDER_SIDE: ZoneData = {
  '_spf.google.com': { TXT: ['v=spf1 ip4:198.51.100.1 -all'] },
  'spf.protection.outlook.com': { TXT: ['v=spf1 ip4:198.51.100.2 -all'] },
  'mailgun.org': { TXT: ['v=spf1 ip4:198.51.100.3 -all'] },
  'sendgrid.net': { TXT: ['v=spf1 ip4:198.51.100.4 -all'] },
  'amazonses.com': { TXT: ['v=spf1 ip4:198.51.100.5 -all'] },
  'spf.mailjet.com': { TXT: ['v=spf1 ip4:198.51.100.6 -all'] },
  'sparkpostmail.com': { TXT: ['v=spf1 ip4:198.51.100.7 -all'] },
  'spf.brevo.com': { TXT: ['v=spf1 ip4:198.51.100.8 -all'] },
  'pm.mtasv.net': { TXT: ['v=spf1 ip4:198.51.100.9 -all'] },
  'u1234.wl123.sendgrid.net': { TXT: ['v=spf1 include:sendgrid.net -all'] },
  's1.domainkey.u1234.wl123.sendgrid.net': { TXT: [DKIM_KEY] },
  's2.domainkey.u1234.wl123.sendgrid.net': { TXT: [DKIM_KEY] },
  'feedback-smtp.us-east-1.amazonses.com': { A: ['198.51.100.10'] },
  'mx.shared.test': { A: ['127.0.0.1'] },
  '1.0.0.127.in-addr.arpa': { PTR: ['mx.shared.test'] },
}

/** Three Easy DKIM tokens of an SES identity. */
export const SES_TOKENS = ['abcdefghijklmnopqrstuvwxyz234567', 'bcdefghijklmnopqrstuvwxyz2345672', 'cdefghijklmnopqrstuvwxyz23456723']

/** Selectors a person names for the providers whose selectors differ per account. */
export const NAMED_SELECTORS: Partial<Record<DomainProvider, string[]>> = {
  mailgun: ['k1'],
  postmark: ['20240101000000pm'],
  sparkpost: ['scph0124'],
  ses: SES_TOKENS,
}

/** The domain a provider's well-configured zone is for. */
export const healthyDomain = (p: DomainProvider) => `${p}.test`

/** What a domain sending through `p` publishes when set up as `p` documents it, with DMARC at p=reject. */
export function healthyZone(p: DomainProvider): ZoneData {
  const d = healthyDomain(p)
  const base = (spf: string): ZoneData => ({
    [d]: { TXT: [spf], MX: [{ priority: 10, exchange: 'mx.shared.test' }] },
    [`_dmarc.${d}`]: { TXT: [`v=DMARC1; p=reject; rua=mailto:dmarc@${d}`] },
  })
  const key = (selector: string): ZoneData => ({ [`${selector}._domainkey.${d}`]: { TXT: [DKIM_KEY] } })
  switch (p) {
    case 'google-workspace':
      return { ...base('v=spf1 include:_spf.google.com ~all'), ...key('google') }
    case 'microsoft365': {
      const tenant = 'contoso'
      const target = (n: number) => `selector${n}-${d.replace(/\./g, '-')}._domainkey.${tenant}.onmicrosoft.com`
      return {
        ...base('v=spf1 include:spf.protection.outlook.com -all'),
        [`selector1._domainkey.${d}`]: { CNAME: target(1) },
        [`selector2._domainkey.${d}`]: { CNAME: target(2) },
        [target(1)]: { TXT: [DKIM_KEY] },
        [target(2)]: { TXT: [DKIM_KEY] },
      }
    }
    case 'mailgun':
      // The domain itself added to Mailgun: the include at its root, the key under the selector Mailgun gave.
      return { ...base('v=spf1 include:mailgun.org ~all'), ...key('k1') }
    case 'sendgrid':
      return {
        ...base('v=spf1 -all'),
        [`em1234.${d}`]: { CNAME: 'u1234.wl123.sendgrid.net' },
        [`s1._domainkey.${d}`]: { CNAME: 's1.domainkey.u1234.wl123.sendgrid.net' },
        [`s2._domainkey.${d}`]: { CNAME: 's2.domainkey.u1234.wl123.sendgrid.net' },
      }
    case 'postmark':
      return { ...base('v=spf1 -all'), [`pm-bounces.${d}`]: { CNAME: 'pm.mtasv.net' }, ...key('20240101000000pm') }
    case 'ses':
      return {
        ...base('v=spf1 -all'),
        [`mail.${d}`]: { MX: [{ priority: 10, exchange: 'feedback-smtp.us-east-1.amazonses.com' }], TXT: ['v=spf1 include:amazonses.com ~all'] },
        ...Object.fromEntries(
          SES_TOKENS.flatMap((t) => [
            [`${t}._domainkey.${d}`, { CNAME: `${t}.dkim.amazonses.com` }],
            [`${t}.dkim.amazonses.com`, { TXT: [DKIM_KEY] }],
          ]),
        ),
      }
    case 'resend':
      return {
        ...base('v=spf1 -all'),
        [`send.${d}`]: { MX: [{ priority: 10, exchange: 'feedback-smtp.us-east-1.amazonses.com' }], TXT: ['v=spf1 include:amazonses.com ~all'] },
        ...key('resend'),
      }
    case 'mailjet':
      return { ...base('v=spf1 include:spf.mailjet.com ~all'), ...key('mailjet') }
    case 'sparkpost':
      return { ...base('v=spf1 -all'), [`bounce.${d}`]: { CNAME: 'sparkpostmail.com' }, ...key('scph0124') }
    case 'brevo':
      return { ...base('v=spf1 include:spf.brevo.com ~all'), ...key('mail') }
  }
}
