import { API_PROVIDER_NAMES, API_REGIONS, type ApiProvider, type Profile } from '@contract'

export interface ProviderInfo {
  label: string
  /** Two letters and a colour for the sidebar glyph. */
  glyph: string
  color: string
  /** What "Send in sandbox mode" does for this provider, and what it costs. null: no such mode. */
  sandbox: string | null
  /** The key check is not available. */
  noVerify?: string
  keyLabel: string
  /** The non-secret half of a key pair (profile.keyId), where the provider has one. */
  keyIdLabel?: string
  needsDomain?: boolean
  sessionToken?: boolean
}

export const PROVIDERS: Record<ApiProvider, ProviderInfo> = {
  mailgun: {
    label: API_PROVIDER_NAMES.mailgun,
    glyph: 'Mg',
    color: '#c02126',
    sandbox: 'Test mode (o:testmode=yes): Mailgun accepts the message and delivers nothing — but test-mode messages are billed like real ones.',
    keyLabel: 'API key',
    needsDomain: true,
  },
  sendgrid: {
    label: API_PROVIDER_NAMES.sendgrid,
    glyph: 'SG',
    color: '#1a82e2',
    sandbox: 'Sandbox mode: SendGrid validates the request and answers 200; nothing is delivered and no credits are used.',
    keyLabel: 'API key',
  },
  postmark: {
    label: API_PROVIDER_NAMES.postmark,
    glyph: 'Pm',
    color: '#d6a300',
    sandbox: 'No sandbox flag: only the POSTMARK_API_TEST token or bounce-testing.postmarkapp.com recipients are accepted. Sandbox servers deliver nothing but count toward your monthly volume.',
    keyLabel: 'Server token',
  },
  ses: {
    label: API_PROVIDER_NAMES.ses,
    glyph: 'SES',
    color: '#dd7a00',
    sandbox: 'No dry-run flag: sandbox mode sends only to the mailbox simulator (success@simulator.amazonses.com, bounce@…, complaint@…).',
    keyLabel: 'Secret access key',
    keyIdLabel: 'Access key id',
    sessionToken: true,
  },
  resend: {
    label: API_PROVIDER_NAMES.resend,
    glyph: 'Rs',
    color: '#555',
    sandbox: 'No sandbox flag: sandbox mode sends only to Resend’s test recipients (delivered@resend.dev, bounced@resend.dev, complained@resend.dev).',
    keyLabel: 'API key',
  },
  mailjet: {
    label: API_PROVIDER_NAMES.mailjet,
    glyph: 'Mj',
    color: '#9585f4',
    sandbox: 'SandboxMode: Mailjet validates the message fully and delivers nothing (the answer has no message id).',
    keyLabel: 'Secret key',
    keyIdLabel: 'API key (public)',
  },
  sparkpost: {
    label: API_PROVIDER_NAMES.sparkpost,
    glyph: 'SP',
    color: '#fa6423',
    sandbox: 'options.sandbox: only 5 sandbox messages per account lifetime, and the sender must be a sparkpostbox.com address.',
    keyLabel: 'API key',
  },
  brevo: {
    label: API_PROVIDER_NAMES.brevo,
    glyph: 'Bv',
    color: '#0b996e',
    sandbox: 'X-Sib-Sandbox: drop — Brevo answers 201 with a message id, sends nothing and writes no logs.',
    keyLabel: 'API key',
  },
  generic: {
    label: 'Generic HTTP',
    glyph: '{}',
    color: '#6b7280',
    sandbox: null,
    noVerify: 'The generic provider has no key check: send to a test endpoint instead.',
    keyLabel: 'API key / token',
  },
}

export const providerOptions = (Object.keys(PROVIDERS) as ApiProvider[]).map((value) => ({ value, label: PROVIDERS[value].label }))

export const regionOptions = (provider: ApiProvider): string[] | null => (API_REGIONS[provider] ? [...API_REGIONS[provider]!] : null)

const SMTP_GLYPHS: [RegExp, string, string][] = [
  [/sandbox|localhost|127\.0\.0\.1|::1/i, 'Sb', '#0f9d8a'],
  [/gmail|google/i, 'G', '#ea4335'],
  [/office365|outlook|microsoft|m365/i, 'MS', '#0078d4'],
  [/mailgun/i, 'Mg', '#c02126'],
  [/sendgrid/i, 'SG', '#1a82e2'],
  [/postmark/i, 'Pm', '#d6a300'],
  [/amazonaws|\bses\b|ses-/i, 'SES', '#dd7a00'],
  [/resend/i, 'Rs', '#555'],
  [/mailjet/i, 'Mj', '#9585f4'],
  [/sparkpost/i, 'SP', '#fa6423'],
  [/brevo|sendinblue/i, 'Bv', '#0b996e'],
]

/** The sidebar glyph: the provider's, else one recognised from the preset or host, else the host's initial. */
export function glyphFor(profile: Pick<Profile, 'kind' | 'name'> & { provider?: ApiProvider; host?: string; preset?: string }): { text: string; color: string } {
  if (profile.kind === 'api' && profile.provider) return { text: PROVIDERS[profile.provider].glyph, color: PROVIDERS[profile.provider].color }
  const hay = `${profile.preset ?? ''} ${profile.host ?? ''} ${profile.name}`
  for (const [re, text, color] of SMTP_GLYPHS) if (re.test(hay)) return { text, color }
  const initial =
    (profile.host ?? profile.name)
      .replace(/^(smtp|mail)\./i, '')
      .charAt(0)
      .toUpperCase() || '?'
  return { text: initial, color: '#64748b' }
}

/** host:port for SMTP, the provider (and region) for API profiles. */
export function targetLabel(p: Profile): string {
  if (p.kind === 'smtp') return `${p.host}:${p.port}`
  const base = p.baseUrl ? p.baseUrl.replace(/^https?:\/\//, '') : PROVIDERS[p.provider].label.toLowerCase()
  return p.region ? `${base} · ${p.region}` : base
}
