import { z } from 'zod'
import { PresetSchema, type ApiProvider, type OAuthPreset, type Preset } from '../../../preload/contract'

/*
 * Starting points for new profiles. Hosts, ports, usernames and notes follow the providers' own
 * documentation (see /work/shared/reference/providers-and-nodemailer.md §1–2). A preset never
 * carries a secret; the user adds the password or key in the profile editor. The OAuth2 presets
 * carry their provider (and tenant, flow, scopes); the client id is the user's app registration.
 */

type PresetInput = z.input<typeof PresetSchema>

/** Amazon SES regions offered as presets (any region can be typed in a profile). */
export const SES_PRESET_REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-2'] as const

const smtp = (
  id: string,
  group: string,
  label: string,
  fields: { host: string; port: number; security: 'starttls' | 'tls'; username?: string; authMethod?: 'auto' | 'plain' | 'login' | 'xoauth2' },
  note: string,
  oauth?: OAuthPreset,
): PresetInput => ({
  id,
  group,
  label,
  note,
  profile: { kind: 'smtp', name: label, preset: id, authMethod: 'auto', ...fields },
  ...(oauth ? { oauth } : {}),
})

/** Sign in with Microsoft (work or school accounts: `organizations`; personal accounts: `consumers`); the browser flow by default. */
const MICROSOFT_OAUTH = (tenant: string): OAuthPreset => ({ provider: 'microsoft', tenant, flow: 'browser' })
/** Sign in with Google: the browser flow only (its device flow does not allow the https://mail.google.com/ scope). */
const GOOGLE_OAUTH: OAuthPreset = { provider: 'google', flow: 'browser' }

const api = (id: string, group: string, label: string, fields: { provider: Exclude<ApiProvider, 'generic'>; region?: string }, note: string): PresetInput => ({
  id,
  group,
  label,
  note,
  profile: { kind: 'api', name: label, preset: id, ...fields },
})

const RAW: PresetInput[] = [
  // Mailgun: per-domain SMTP credentials; the API key goes with the sending domain, in its region.
  smtp(
    'mailgun-us-smtp',
    'Mailgun',
    'Mailgun (US) SMTP',
    { host: 'smtp.mailgun.org', port: 587, security: 'starttls' },
    'Username and password are the domain’s SMTP credentials (e.g. postmaster@your-domain). Ports 25, 587 and 2525 use STARTTLS; 465 is implicit TLS.',
  ),
  smtp(
    'mailgun-eu-smtp',
    'Mailgun',
    'Mailgun (EU) SMTP',
    { host: 'smtp.eu.mailgun.org', port: 587, security: 'starttls' },
    'For domains created in the EU region. Username and password are the domain’s SMTP credentials.',
  ),
  api(
    'mailgun-us-api',
    'Mailgun',
    'Mailgun (US) API',
    { provider: 'mailgun', region: 'us' },
    'Needs the sending domain and an API key. Mailgun test mode is still billed. An EU domain called on the US host answers 401.',
  ),
  api('mailgun-eu-api', 'Mailgun', 'Mailgun (EU) API', { provider: 'mailgun', region: 'eu' }, 'For domains created in the EU region (api.eu.mailgun.net). Mailgun test mode is still billed.'),

  // SendGrid: SMTP user is the literal string "apikey".
  smtp(
    'sendgrid-smtp',
    'SendGrid',
    'SendGrid SMTP',
    { host: 'smtp.sendgrid.net', port: 587, security: 'starttls', username: 'apikey' },
    'The username is the literal word "apikey"; the password is an API key. Port 465 is implicit TLS.',
  ),
  api('sendgrid-api', 'SendGrid', 'SendGrid API', { provider: 'sendgrid', region: 'global' }, 'Sandbox mode validates the request without delivering (200 instead of 202) and uses no credits.'),
  api('sendgrid-eu-api', 'SendGrid', 'SendGrid (EU) API', { provider: 'sendgrid', region: 'eu' }, 'For EU data-residency subusers (api.eu.sendgrid.com); their keys work only against the EU host.'),

  // Postmark: no implicit-TLS port; the server token is both username and password.
  smtp(
    'postmark-smtp',
    'Postmark',
    'Postmark SMTP',
    { host: 'smtp.postmarkapp.com', port: 587, security: 'starttls' },
    'Postmark has no implicit-TLS port: use STARTTLS on 587 (or 25, 2525). The server token is both the username and the password.',
  ),
  api(
    'postmark-api',
    'Postmark',
    'Postmark API',
    { provider: 'postmark' },
    'Uses the server token. Verify checks the token without sending; Postmark has no sandbox flag (sandbox servers still count toward volume).',
  ),

  // Amazon SES by region.
  ...SES_PRESET_REGIONS.flatMap((region) => [
    smtp(
      `ses-${region}-smtp`,
      'Amazon SES',
      `Amazon SES SMTP (${region})`,
      { host: `email-smtp.${region}.amazonaws.com`, port: 587, security: 'starttls' },
      'The username is the SMTP access key id; the SMTP password is derived from the secret key and is specific to the region (it is not the IAM secret). Port 465 is implicit TLS.',
    ),
    api(
      `ses-${region}-api`,
      'Amazon SES',
      `Amazon SES API (${region})`,
      { provider: 'ses', region },
      'Needs an access key id and secret access key (and a session token for temporary credentials). SES has no dry run: new accounts are in the SES sandbox and may send only to verified addresses and the mailbox simulator.',
    ),
  ]),

  // Resend.
  smtp(
    'resend-smtp',
    'Resend',
    'Resend SMTP',
    { host: 'smtp.resend.com', port: 465, security: 'tls', username: 'resend' },
    'The username is "resend"; the password is an API key. 465 and 2465 are implicit TLS; 25, 587 and 2587 use STARTTLS.',
  ),
  api('resend-api', 'Resend', 'Resend API', { provider: 'resend' }, 'No sandbox flag: test with delivered@resend.dev. A sending-only key cannot be checked with Verify beyond proving it exists.'),

  // Mailjet: the API key pair is also the SMTP login.
  smtp('mailjet-smtp', 'Mailjet', 'Mailjet SMTP', { host: 'in-v3.mailjet.com', port: 587, security: 'starttls' }, 'The username is the API key and the password is the secret key.'),
  api('mailjet-api', 'Mailjet', 'Mailjet API', { provider: 'mailjet' }, 'Needs the API key and the secret key. Sandbox mode validates fully without delivering.'),

  // SparkPost.
  smtp(
    'sparkpost-us-smtp',
    'SparkPost',
    'SparkPost (US) SMTP',
    { host: 'smtp.sparkpostmail.com', port: 587, security: 'starttls', username: 'SMTP_Injection', authMethod: 'login' },
    'The username is "SMTP_Injection"; the password is an API key with the "Send via SMTP" permission. Ports 587 and 2525, STARTTLS.',
  ),
  smtp(
    'sparkpost-eu-smtp',
    'SparkPost',
    'SparkPost (EU) SMTP',
    { host: 'smtp.eu.sparkpostmail.com', port: 587, security: 'starttls', username: 'SMTP_Injection', authMethod: 'login' },
    'For EU accounts. The username is "SMTP_Injection"; the password is an API key with the "Send via SMTP" permission.',
  ),
  api(
    'sparkpost-us-api',
    'SparkPost',
    'SparkPost (US) API',
    { provider: 'sparkpost', region: 'us' },
    'Sandbox sends are limited to 5 messages over the lifetime of the account, and sink domains still count as usage.',
  ),
  api(
    'sparkpost-eu-api',
    'SparkPost',
    'SparkPost (EU) API',
    { provider: 'sparkpost', region: 'eu' },
    'For EU accounts (api.eu.sparkpost.com). Sandbox sends are limited to 5 messages over the lifetime of the account.',
  ),

  // Brevo: the SMTP relay takes an SMTP key, not the API key.
  smtp(
    'brevo-smtp',
    'Brevo',
    'Brevo SMTP',
    { host: 'smtp-relay.brevo.com', port: 587, security: 'starttls' },
    'Use an SMTP key, not the API key; the username is the SMTP login shown in the Brevo dashboard. Port 465 is implicit TLS.',
  ),
  api('brevo-api', 'Brevo', 'Brevo API', { provider: 'brevo' }, 'Sandbox mode (X-Sib-Sandbox: drop) returns a message id but sends nothing and writes no logs.'),

  // Gmail / Google Workspace: OAuth2 or an app password (plain account passwords ended in 2022 for
  // consumer accounts and in May 2025 for Workspace). Google offers XOAUTH2 and OAUTHBEARER.
  smtp(
    'gmail-xoauth2',
    'Gmail / Google Workspace',
    'Gmail / Workspace (587, OAuth2)',
    { host: 'smtp.gmail.com', port: 587, security: 'starttls', authMethod: 'xoauth2' },
    'OAuth 2.0 with the scope https://mail.google.com/: sign in with Google (your OAuth client id; Google desktop clients come with a client secret). STARTTLS on 587.',
    GOOGLE_OAUTH,
  ),
  smtp(
    'gmail-465-xoauth2',
    'Gmail / Google Workspace',
    'Gmail / Workspace (465, OAuth2)',
    { host: 'smtp.gmail.com', port: 465, security: 'tls', authMethod: 'xoauth2' },
    'OAuth 2.0 with the scope https://mail.google.com/ over implicit TLS on 465: sign in with Google (your OAuth client id).',
    GOOGLE_OAUTH,
  ),
  smtp(
    'gmail-465',
    'Gmail / Google Workspace',
    'Gmail / Workspace (465, app password)',
    { host: 'smtp.gmail.com', port: 465, security: 'tls' },
    'The username is the full address; the password is an app password (Google offers app passwords only with 2-Step Verification turned on; the account password is refused).',
  ),
  smtp(
    'gmail-587',
    'Gmail / Google Workspace',
    'Gmail / Workspace (587, app password)',
    { host: 'smtp.gmail.com', port: 587, security: 'starttls' },
    'STARTTLS on 587. The username is the full address; the password is an app password (it needs 2-Step Verification).',
  ),

  // Microsoft 365: OAuth2 first; basic authentication for SMTP AUTH is turned off by default for
  // existing tenants at the end of December 2026 (then 550 5.7.30), and new tenants get OAuth only.
  smtp(
    'm365-xoauth2',
    'Microsoft 365',
    'Microsoft 365 (OAuth2)',
    { host: 'smtp.office365.com', port: 587, security: 'starttls', authMethod: 'xoauth2' },
    'OAuth 2.0, STARTTLS on 587: sign in with Microsoft (your app registration’s client id, redirect URI http://127.0.0.1/callback) for the scope https://outlook.office.com/SMTP.Send, or use client credentials (https://outlook.office365.com/.default, SMTP.SendAsApp) for an app. SMTP AUTH must be enabled for the mailbox.',
    MICROSOFT_OAUTH('organizations'),
  ),
  smtp(
    'm365-smtp',
    'Microsoft 365',
    'Microsoft 365 (password)',
    { host: 'smtp.office365.com', port: 587, security: 'starttls' },
    'STARTTLS on 587 with a password (basic authentication), which Microsoft turns off by default at the end of December 2026: move to OAuth 2.0. SMTP AUTH must be enabled for the mailbox (many tenants turn it off).',
  ),

  // Outlook.com: personal Microsoft accounts (outlook.com, hotmail.com, live.com).
  smtp(
    'outlook-xoauth2',
    'Outlook.com',
    'Outlook.com (OAuth2)',
    { host: 'smtp-mail.outlook.com', port: 587, security: 'starttls', authMethod: 'xoauth2' },
    'Personal Microsoft accounts (outlook.com, hotmail.com, live.com), STARTTLS on 587, OAuth 2.0: sign in with Microsoft (your app registration’s client id) for the scope https://outlook.office.com/SMTP.Send.',
    MICROSOFT_OAUTH('consumers'),
  ),
]

/** Every preset, validated with the contract's schema (a bad preset fails at start-up and in the tests). */
export const PRESETS: readonly Preset[] = Object.freeze(z.array(PresetSchema).parse(RAW))

export function listPresets(): Preset[] {
  return structuredClone(PRESETS as Preset[])
}
