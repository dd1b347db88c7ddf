// What each sending provider asks of the From domain's DNS, as its own documentation says: the SPF
// include, where the Return-Path (the SPF identity DMARC aligns) lives, and the DKIM selectors and
// the shape of their records. Data only: the checks (spf, dkim, alignment) decide with it.
//
// The shape the checks rely on (the dkim check reads `dkim`; spf and alignment read `spf`):
//
//   dkim: {
//     selectors: string[]            the selectors the provider always uses; [] when they vary per
//                                    account (then the person names theirs as a DKIM selector)
//     kind: 'txt' | 'cname'          the record the provider asks for at SELECTOR._domainkey.DOMAIN
//     target?: (selector, domain) => RegExp
//                                    for 'cname': what the CNAME must point to (account parts, such
//                                    as a tenant or a user id, matched by pattern)
//   }
//   spf: {
//     include: string | null         the include: the provider's SPF asks for (null: none needed)
//     mailFrom: 'root' | { subdomain, how, ... }
//                                    where the Return-Path is: 'root' = the From domain itself (so
//                                    the include goes in the From domain's SPF record), or an
//                                    object (see ReturnPath) naming the subdomain and how it is set up
//   }
//
// Sources (read in 2026; each fact below is marked with the number of its source):
//  [1] Mailgun, Domain verification: documentation.mailgun.com/docs/mailgun/user-manual/domains/domains-verify
//  [2] Twilio SendGrid, Domain authentication API overview: twilio.com/docs/sendgrid/api-reference/domain-authentication
//  [3] Postmark, custom Return-Path domains: postmarkapp.com/blog/introducing-full-dmarc-support-with-custom;
//      DKIM as a TXT record under a dated selector (Postmark's Sender Signatures → DNS Settings)
//  [4] Amazon SES developer guide: docs.aws.amazon.com/ses/latest/dg/send-email-authentication-dkim-easy.html and
//      send-email-authentication-spf.html; API reference VerifyDomainDkim and SetIdentityMailFromDomain
//  [5] Resend knowledge base: resend.com/docs/knowledge-base/how-do-i-avoid-conflicting-with-my-mx-records (the send
//      subdomain's MX is the Return-Path), its DNS guides, and its Domain Connect template (resend.com.mail)
//  [6] Mailjet, Authenticating domains with SPF & DKIM: documentation.mailjet.com/hc/en-us/articles/360042412734;
//      Mailjet blog "DMARCbis is dead" (its default bounce domain bnc3.mailjet.com)
//  [7] SparkPost, Sending domains API and Custom bounce domain: developers.sparkpost.com/api/sending-domains,
//      sparkpost.com/docs/tech-resources/custom-bounce-domain
//  [8] Brevo, Domain authentication and validation: developers.brevo.com/docs/domain-authentication-and-verification
//  [9] Microsoft, Set up DKIM (Defender for Office 365): learn.microsoft.com/defender-office-365/email-authentication-dkim-configure,
//      and its SPF page: learn.microsoft.com/defender-office-365/email-authentication-spf-configure
// [10] Google Workspace Admin Help: SPF support.google.com/a/answer/10684623, DKIM support.google.com/a/answer/174126
import type { DomainProvider } from '../../../preload/contract'

/** A record the provider asks for, its name relative to the From domain ('' = the domain itself). */
export interface ProviderRecord {
  type: 'TXT' | 'CNAME' | 'MX'
  name: string
  value: string
}

/**
 * Where the Return-Path is when it is not the From domain itself.
 * - `fixed`: a subdomain the provider names (checkable: `expect` says what it must hold).
 * - `chosen`: a subdomain the account chooses (its name cannot be found from DNS; `subdomain` is an example).
 * - `provider`: the provider's own bounce domain (`subdomain` is that absolute name): SPF passes for
 *   the provider but never aligns with the From domain, so DMARC rests on DKIM.
 */
export interface ReturnPath {
  subdomain: string
  how: string
  place: 'fixed' | 'chosen' | 'provider'
  /** What the subdomain must hold (`fixed` only): a CNAME whose target matches, or an SPF TXT with the include. */
  expect?: { cname?: RegExp; spfInclude?: string }
  /** The records to publish when it is missing (`fixed` only; values fully known). */
  records?: ProviderRecord[]
  /** The From domain itself is also a valid Return-Path (the provider uses whichever domain was added to it). */
  orRoot?: boolean
}

export interface ProviderFacts {
  label: string
  /** The provider's page the sentences point to. */
  docs: string
  spf: { include: string | null; mailFrom: 'root' | ReturnPath }
  dkim: {
    selectors: string[]
    kind: 'txt' | 'cname'
    target?: (selector: string, domain: string) => RegExp
    /**
     * The record(s) to publish, as the provider presents them (a noun phrase the sentences use:
     * "publish HINT"; DOMAIN and DOMAIN-WITH-DASHES stand for the From domain).
     */
    hint: string
  }
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
/** `example.co.uk` → `example-co-uk`, as Microsoft 365 writes the domain into its DKIM CNAME targets [9]. */
export const dashed = (domain: string) => domain.toLowerCase().replace(/\./g, '-')

export const PROVIDERS: Record<DomainProvider, ProviderFacts> = {
  mailgun: {
    label: 'Mailgun',
    docs: 'https://documentation.mailgun.com/docs/mailgun/user-manual/domains/domains-verify',
    spf: {
      // [1]: TXT "v=spf1 include:mailgun.org ~all" on the domain added to Mailgun, which is also the
      // Return-Path domain (bounce+…@that domain); Mailgun suggests a subdomain such as mg.DOMAIN.
      include: 'mailgun.org',
      mailFrom: {
        subdomain: 'mg',
        place: 'fixed',
        orRoot: true,
        how: 'mg.DOMAIN (or DOMAIN itself: whichever domain you added to Mailgun) with include:mailgun.org in its SPF record',
        expect: { spfInclude: 'mailgun.org' },
        records: [{ type: 'TXT', name: 'mg', value: 'v=spf1 include:mailgun.org ~all' }],
      },
    },
    // [1]: a DKIM TXT record whose name Mailgun shows in the control panel (it varies per domain).
    dkim: { selectors: [], kind: 'txt', hint: "the DKIM TXT record Mailgun shows under the domain's DNS records" },
  },
  sendgrid: {
    label: 'SendGrid',
    docs: 'https://www.twilio.com/docs/sendgrid/ui/account-and-settings/how-to-set-up-domain-authentication',
    spf: {
      // [2]: with automated security, three CNAMEs: emNNNN.DOMAIN → uNNNN.wlNNN.sendgrid.net (the
      // Return-Path, whose SPF includes sendgrid.net) and s1/s2._domainkey; without it, TXT and MX
      // records on the same subdomain. The emNNNN label is assigned per account.
      include: 'sendgrid.net',
      mailFrom: {
        subdomain: 'em1234',
        place: 'chosen',
        how: 'a subdomain SendGrid assigns (emNNNN.DOMAIN, a CNAME to uNNNN.wlNNN.sendgrid.net, as its domain authentication shows)',
      },
    },
    dkim: {
      selectors: ['s1', 's2'],
      kind: 'cname',
      // [2]: s1._domainkey.DOMAIN → s1.domainkey.uNNNN.wlNNN.sendgrid.net (same for s2).
      target: (selector) => new RegExp(`^${escape(selector)}\\.domainkey\\.u\\d+\\.wl\\d+\\.sendgrid\\.net$`, 'i'),
      hint: "the CNAMEs s1._domainkey and s2._domainkey that SendGrid's domain authentication shows (to s1.domainkey.uNNNN.wlNNN.sendgrid.net and s2…)",
    },
  },
  postmark: {
    label: 'Postmark',
    docs: 'https://postmarkapp.com/blog/introducing-full-dmarc-support-with-custom',
    spf: {
      // [3]: no SPF include needed at the root: the custom Return-Path CNAME pm-bounces.DOMAIN →
      // pm.mtasv.net (Postmark's default name; another may be chosen) carries SPF alignment.
      include: null,
      mailFrom: {
        subdomain: 'pm-bounces',
        place: 'fixed',
        how: 'a custom Return-Path: pm-bounces.DOMAIN, a CNAME to pm.mtasv.net',
        expect: { cname: /^pm\.mtasv\.net$/i },
        records: [{ type: 'CNAME', name: 'pm-bounces', value: 'pm.mtasv.net' }],
      },
    },
    // [3]: one TXT key under a dated selector ending in "pm" (such as 20240101000000pm), shown in Postmark.
    dkim: { selectors: [], kind: 'txt', hint: "the DKIM TXT record Postmark shows under the domain's DNS settings (a dated selector ending in pm)" },
  },
  ses: {
    label: 'Amazon SES',
    docs: 'https://docs.aws.amazon.com/ses/latest/dg/send-email-authentication-dkim-easy.html',
    spf: {
      // [4]: by default the MAIL FROM is a subdomain of amazonses.com (SPF passes, never aligns); a
      // custom MAIL FROM is a subdomain of the identity chosen by the account, with an MX to
      // feedback-smtp.REGION.amazonses.com and TXT "v=spf1 include:amazonses.com ~all".
      include: 'amazonses.com',
      mailFrom: {
        subdomain: 'mail',
        place: 'chosen',
        how: 'a custom MAIL FROM subdomain you choose in SES (MX feedback-smtp.REGION.amazonses.com and TXT v=spf1 include:amazonses.com ~all)',
      },
    },
    dkim: {
      // [4]: Easy DKIM: three CNAMEs TOKEN._domainkey.DOMAIN → TOKEN.dkim.amazonses.com; the tokens
      // are per identity (the SES console or GetEmailIdentity shows them).
      selectors: [],
      kind: 'cname',
      target: (selector) => new RegExp(`^${escape(selector)}\\.dkim\\.amazonses\\.com$`, 'i'),
      hint: 'the three Easy DKIM CNAMEs the SES console shows (TOKEN._domainkey to TOKEN.dkim.amazonses.com)',
    },
  },
  resend: {
    label: 'Resend',
    docs: 'https://resend.com/docs/knowledge-base/how-do-i-avoid-conflicting-with-my-mx-records',
    spf: {
      // [5]: MX send.DOMAIN → feedback-smtp.REGION.amazonses.com and TXT send.DOMAIN "v=spf1
      // include:amazonses.com ~all": the send subdomain is the Return-Path.
      include: 'amazonses.com',
      mailFrom: {
        subdomain: 'send',
        place: 'fixed',
        how: 'the send subdomain: send.DOMAIN with TXT v=spf1 include:amazonses.com ~all and MX feedback-smtp.REGION.amazonses.com',
        expect: { spfInclude: 'amazonses.com' },
        records: [{ type: 'TXT', name: 'send', value: 'v=spf1 include:amazonses.com ~all' }],
      },
    },
    // [5]: TXT resend._domainkey.DOMAIN "p=…".
    dkim: { selectors: ['resend'], kind: 'txt', hint: 'the DKIM TXT record resend._domainkey that Resend shows' },
  },
  mailjet: {
    label: 'Mailjet',
    docs: 'https://documentation.mailjet.com/hc/en-us/articles/360042412734-Authenticating-Domains-with-SPF-DKIM',
    spf: {
      // [6]: TXT "v=spf1 include:spf.mailjet.com ~all" at the domain; the Return-Path stays on
      // Mailjet's bounce domain (bnc3.mailjet.com), so DMARC passes through DKIM.
      include: 'spf.mailjet.com',
      mailFrom: {
        subdomain: 'bnc3.mailjet.com',
        place: 'provider',
        how: 'its own bounce domain',
      },
    },
    // [6]: TXT mailjet._domainkey.DOMAIN.
    dkim: { selectors: ['mailjet'], kind: 'txt', hint: 'the DKIM TXT record mailjet._domainkey that Mailjet shows' },
  },
  sparkpost: {
    label: 'SparkPost',
    docs: 'https://www.sparkpost.com/docs/tech-resources/custom-bounce-domain/',
    spf: {
      // The SPF include is the one in the lead's notes (sparkpostmail.com); [7] itself aligns SPF
      // through a custom bounce domain: bounce.DOMAIN CNAME → sparkpostmail.com (the default
      // Return-Path is sparkpostmail.com; EU accounts point to eu.sparkpostmail.com).
      include: 'sparkpostmail.com',
      mailFrom: {
        subdomain: 'bounce',
        place: 'fixed',
        how: 'a custom bounce domain: bounce.DOMAIN, a CNAME to sparkpostmail.com (eu.sparkpostmail.com for SparkPost EU)',
        expect: { cname: /^(?:eu\.)?sparkpostmail\.com$/i },
        records: [{ type: 'CNAME', name: 'bounce', value: 'sparkpostmail.com' }],
      },
    },
    // [7]: a TXT key under a selector SparkPost generates per sending domain (scph followed by digits).
    dkim: { selectors: [], kind: 'txt', hint: 'the DKIM TXT record SparkPost shows for the sending domain (a selector such as scph0123)' },
  },
  brevo: {
    label: 'Brevo',
    docs: 'https://developers.brevo.com/docs/domain-authentication-and-verification',
    spf: {
      // The include is the one in the lead's notes (spf.brevo.com, formerly spf.sendinblue.com);
      // Brevo's own pages [8] now ask only for the brevo-code TXT, DKIM and DMARC: on shared IPs the
      // Return-Path is Brevo's domain (sender-sib.com, per a third-party guide: captaindns.com,
      // "Brevo technical guide", 2026), so DMARC passes through DKIM.
      include: 'spf.brevo.com',
      mailFrom: { subdomain: 'sender-sib.com', place: 'provider', how: 'its own bounce domain' },
    },
    // [8]: the domain API's example DKIM record is TXT mail._domainkey.DOMAIN; accounts set up later
    // may be given CNAMEs (brevo1/brevo2) instead, which Brevo shows: give that selector.
    dkim: { selectors: ['mail'], kind: 'txt', hint: 'the DKIM record Brevo shows when you authenticate the domain' },
  },
  microsoft365: {
    label: 'Microsoft 365',
    docs: 'https://learn.microsoft.com/defender-office-365/email-authentication-dkim-configure',
    // [9]: TXT "v=spf1 include:spf.protection.outlook.com -all" at the domain, which is the Return-Path.
    spf: { include: 'spf.protection.outlook.com', mailFrom: 'root' },
    dkim: {
      selectors: ['selector1', 'selector2'],
      kind: 'cname',
      // [9]: selector1._domainkey → selector1-DOMAIN-WITH-DASHES._domainkey.TENANT.onmicrosoft.com;
      // custom domains added since May 2025: …._domainkey.TENANT.X-v1.dkim.mail.microsoft (X a partition
      // letter Microsoft assigns; -v2 for selector2).
      target: (selector, domain) => new RegExp(`^${escape(selector)}-${escape(dashed(domain))}\\._domainkey\\.[a-z0-9-]+\\.(?:onmicrosoft\\.com|[a-z0-9]-v\\d+\\.dkim\\.mail\\.microsoft)$`, 'i'),
      hint: 'the CNAMEs selector1._domainkey and selector2._domainkey that the Defender portal shows (to selector1-DOMAIN-WITH-DASHES._domainkey.TENANT.onmicrosoft.com and selector2…)',
    },
  },
  'google-workspace': {
    label: 'Google Workspace',
    docs: 'https://support.google.com/a/answer/174126',
    // [10]: TXT "v=spf1 include:_spf.google.com ~all" at the domain; DKIM TXT google._domainkey (the
    // key generated in the Admin console).
    spf: { include: '_spf.google.com', mailFrom: 'root' },
    dkim: { selectors: ['google'], kind: 'txt', hint: 'the DKIM TXT record google._domainkey generated in the Google Admin console (Gmail, Authenticate email)' },
  },
}
