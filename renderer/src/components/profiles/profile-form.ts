import {
  API_REGIONS,
  addressSchema,
  defaultScopes,
  oauthProfileProblem,
  apiProfileFieldsSchema,
  baseUrlSchema,
  profileNetworkSchema,
  proxyPasswordInputSchema,
  proxyPasswordProblem,
  smtpProfileFieldsSchema,
  type AddressFamily,
  type ApiProvider,
  type OAuthConfig,
  type OAuthFlow,
  type OAuthPreset,
  type OAuthProvider,
  type Profile,
  type ProfileNetwork,
  type ProfileSecretInput,
  type SaveProfileInput,
  type SmtpSecurity,
} from '@contract'
import type { ProfilePrefill } from '@renderer/stores/ui'
import {
  applyDelivery,
  blankDelivery,
  deliveryErrors,
  deliveryFieldOf,
  dkimFromForm,
  dkimKeyInput,
  mailboxFromForm,
  mailboxPasswordInput,
  noDeliveryDrafts,
  type DeliveryDrafts,
  type DeliveryField,
  type DeliveryFields,
} from './delivery-form'
import { PROVIDERS } from './providers'

export type AuthChoice = 'none' | 'auto' | 'plain' | 'login' | 'cram-md5' | 'xoauth2' | 'oauthbearer'
/** The mechanisms that carry a signed-in profile's token. */
export type OAuthMechanism = 'auto' | 'xoauth2' | 'oauthbearer'

/** What the editor edits: every field as a string or number the inputs bind to (the mailbox and DKIM ones in DeliveryFields). No secret here. */
export interface ProfileForm extends DeliveryFields {
  kind: 'smtp' | 'api'
  name: string
  // SMTP
  host: string
  port: number | null
  security: SmtpSecurity
  authMethod: AuthChoice
  username: string
  ehloName: string
  caFile: string
  servername: string
  insecure: boolean
  timeoutMs: number | null
  // SMTP with OAuth2: the token comes from a sign-in (authMethod is then the mechanism that carries it)
  oauth: boolean
  oauthProvider: OAuthProvider
  oauthTenant: string
  oauthIssuer: string
  oauthClientId: string
  oauthFlow: OAuthFlow
  /** Space-separated; empty: the provider's defaults. */
  oauthScopes: string
  // API
  provider: ApiProvider
  region: string
  baseUrl: string
  domain: string
  keyId: string
  sandbox: boolean
  // Both
  from: string
  to: string
  preset: string
  // Network
  family: AddressFamily
  localAddress: string
  proxyUrl: string
}

export type FormField = keyof ProfileForm | 'secret' | 'secondary' | 'proxyPassword' | DeliveryField
export type FormErrors = Partial<Record<FormField, string>>

/** The write-only secret: keep what main has, replace it, or clear it. */
export interface SecretDraft {
  mode: 'keep' | 'replace' | 'clear'
  primary: string
  secondary: string
  sessionToken: string
}

/** The write-only proxy password, kept apart from the login secret: a profile may have either. */
export interface ProxySecretDraft {
  mode: 'keep' | 'replace' | 'clear'
  password: string
}

export const blankForm = (kind: 'smtp' | 'api' = 'smtp'): ProfileForm => ({
  kind,
  name: '',
  host: '',
  port: 587,
  security: 'starttls',
  authMethod: 'auto',
  username: '',
  ehloName: '',
  caFile: '',
  servername: '',
  insecure: false,
  timeoutMs: null,
  oauth: false,
  oauthProvider: 'microsoft',
  oauthTenant: '',
  oauthIssuer: '',
  oauthClientId: '',
  oauthFlow: 'browser',
  oauthScopes: '',
  provider: 'sendgrid',
  region: '',
  baseUrl: '',
  domain: '',
  keyId: '',
  sandbox: false,
  from: '',
  to: '',
  preset: '',
  family: 'auto',
  localAddress: '',
  proxyUrl: '',
  ...blankDelivery(),
})

export const DEFAULT_PORT: Record<SmtpSecurity, number> = { starttls: 587, tls: 465, none: 25, auto: 587 }

/** A form for an existing profile, a preset's profile, or a prefill (probe recommendation). */
export function formFrom(source: Profile | ProfilePrefill | null | undefined): ProfileForm {
  const f = blankForm(source?.kind ?? 'smtp')
  if (!source) return f
  const s = source as Partial<Profile> & Record<string, unknown>
  f.name = s.name ?? ''
  f.preset = (s.preset as string | undefined) ?? ''
  const d = s.defaults
  f.from = d?.from ?? ''
  f.to = (d?.to ?? []).join(', ')
  f.caFile = s.tls?.caFile ?? ''
  f.servername = s.tls?.servername ?? ''
  f.insecure = s.tls?.insecure ?? false
  f.timeoutMs = (s.timeoutMs as number | undefined) ?? null
  const n = s.network as Partial<ProfileNetwork> | undefined
  f.family = n?.family ?? 'auto'
  f.localAddress = n?.localAddress ?? ''
  f.proxyUrl = n?.proxy?.url ?? ''
  applyDelivery(f, s as Parameters<typeof applyDelivery>[1])
  if (s.kind === 'api') {
    f.provider = (s.provider as ApiProvider | undefined) ?? 'sendgrid'
    f.region = (s.region as string | undefined) ?? ''
    f.baseUrl = (s.baseUrl as string | undefined) ?? ''
    f.domain = (s.domain as string | undefined) ?? ''
    f.keyId = (s.keyId as string | undefined) ?? ''
    f.sandbox = (s.sandbox as boolean | undefined) ?? false
  } else {
    f.host = (s.host as string | undefined) ?? ''
    f.port = (s.port as number | undefined) ?? 587
    f.security = (s.security as SmtpSecurity | undefined) ?? 'starttls'
    f.authMethod = (s.authMethod as AuthChoice | undefined) ?? 'auto'
    f.username = (s.username as string | undefined) ?? ''
    f.ehloName = (s.ehloName as string | undefined) ?? ''
    const oauth = s.oauth as OAuthConfig | undefined
    if (oauth) applyOAuth(f, oauth)
  }
  return f
}

/** The OAuth2 settings of a profile, or a preset's (then without a client id: the user's own), into the form. */
export function applyOAuth(f: ProfileForm, o: OAuthConfig | OAuthPreset): void {
  f.oauth = true
  f.oauthProvider = o.provider
  f.oauthTenant = o.tenant ?? ''
  f.oauthIssuer = 'issuer' in o ? (o.issuer ?? '') : ''
  f.oauthClientId = 'clientId' in o ? o.clientId : ''
  f.oauthFlow = o.flow
  f.oauthScopes = (o.scopes?.length ? o.scopes : defaultScopes(o.provider, o.flow)).join(' ')
  if (!(['auto', 'xoauth2', 'oauthbearer'] as string[]).includes(f.authMethod)) f.authMethod = 'auto'
}

/** The scopes typed (space- or comma-separated). */
export function scopesOf(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean)
}

/** The form's OAuth2 settings as the profile keeps them: the scopes only when they differ from the provider's defaults. */
export function oauthFromForm(f: ProfileForm): OAuthConfig {
  const scopes = scopesOf(f.oauthScopes)
  const defaults = defaultScopes(f.oauthProvider, f.oauthFlow)
  const same = scopes.length === defaults.length && scopes.every((x, i) => x === defaults[i])
  return {
    provider: f.oauthProvider,
    clientId: f.oauthClientId.trim(),
    flow: f.oauthFlow,
    ...(f.oauthProvider === 'microsoft' && f.oauthTenant.trim() ? { tenant: f.oauthTenant.trim() } : {}),
    ...(f.oauthProvider === 'generic' && f.oauthIssuer.trim() ? { issuer: f.oauthIssuer.trim() } : {}),
    ...(scopes.length && !same ? { scopes } : {}),
  }
}

const opt = (s: string) => (s.trim() ? s.trim() : undefined)
const list = (s: string) =>
  s
    .split(/[,;\s]+/)
    .map((a) => a.trim())
    .filter(Boolean)

/** The Network section as the profile stores it (no password: that is a secret). */
export function networkFromForm(f: ProfileForm): ProfileNetwork {
  return { family: f.family, ...(opt(f.localAddress) ? { localAddress: f.localAddress.trim() } : {}), ...(opt(f.proxyUrl) ? { proxy: { url: f.proxyUrl.trim() } } : {}) }
}

/** Whether the form's Network section differs from the default (direct, any address family): then it opens expanded. */
export function hasNetworkSettings(f: ProfileForm): boolean {
  return f.family !== 'auto' || Boolean(opt(f.localAddress)) || Boolean(opt(f.proxyUrl))
}

/** The profile fields saveProfile takes (before the schema's defaults). */
export function profileFromForm(f: ProfileForm): SaveProfileInput['profile'] {
  const tls = { insecure: f.insecure, ...(opt(f.caFile) ? { caFile: f.caFile.trim() } : {}), ...(opt(f.servername) ? { servername: f.servername.trim() } : {}) }
  const defaults = { ...(opt(f.from) ? { from: f.from.trim() } : {}), to: list(f.to), cc: [], bcc: [] }
  const mailbox = mailboxFromForm(f)
  const dkim = dkimFromForm(f)
  const common = {
    name: f.name,
    tls,
    defaults,
    network: networkFromForm(f),
    ...(mailbox ? { mailbox } : {}),
    ...(f.timeoutMs ? { timeoutMs: f.timeoutMs } : {}),
    ...(opt(f.preset) ? { preset: f.preset.trim() } : {}),
  }
  if (f.kind === 'smtp') {
    return {
      kind: 'smtp',
      ...common,
      host: f.host.trim(),
      port: f.port ?? Number.NaN,
      security: f.security,
      authMethod: f.authMethod,
      ...(f.authMethod !== 'none' && opt(f.username) ? { username: f.username.trim() } : {}),
      ...(opt(f.ehloName) ? { ehloName: f.ehloName.trim() } : {}),
      ...(f.oauth ? { oauth: oauthFromForm(f) } : {}),
      ...(dkim ? { dkim } : {}),
    }
  }
  return {
    kind: 'api',
    ...common,
    provider: f.provider,
    sandbox: f.sandbox,
    ...(opt(f.region) ? { region: f.region.trim() } : {}),
    ...(opt(f.baseUrl) ? { baseUrl: f.baseUrl.trim() } : {}),
    ...(opt(f.domain) ? { domain: f.domain.trim() } : {}),
    ...(opt(f.keyId) ? { keyId: f.keyId.trim() } : {}),
  }
}

const OAUTH_FIELDS: Record<string, FormField> = {
  provider: 'oauthProvider',
  tenant: 'oauthTenant',
  issuer: 'oauthIssuer',
  endpoints: 'oauthIssuer',
  clientId: 'oauthClientId',
  flow: 'oauthFlow',
  scopes: 'oauthScopes',
}

function fieldOf(path: readonly PropertyKey[]): FormField | null {
  const [a, b] = path
  if (a === 'oauth') return OAUTH_FIELDS[String(b)] ?? 'oauthClientId'
  if (a === 'tls') return b === 'caFile' ? 'caFile' : b === 'servername' ? 'servername' : 'insecure'
  if (a === 'network') return networkFieldOf(path.slice(1))
  if (a === 'mailbox' || a === 'dkim') return deliveryFieldOf(path)
  if (a === 'defaults') return b === 'from' ? 'from' : 'to'
  if (typeof a === 'string' && a in blankForm()) return a as FormField
  return null
}

function networkFieldOf(path: readonly PropertyKey[]): FormField {
  const [a] = path
  return a === 'localAddress' ? 'localAddress' : a === 'proxy' ? 'proxyUrl' : 'family'
}

/**
 * The Network section's messages as the user types (the contract's own sentences): the address
 * family against the source address, and the proxy URL (parseProxyUrl's message, e.g. for a
 * password inside the URL).
 */
export function networkErrors(f: ProfileForm): Partial<Record<'family' | 'localAddress' | 'proxyUrl', string>> {
  const parsed = profileNetworkSchema.safeParse(networkFromForm(f))
  const out: Partial<Record<'family' | 'localAddress' | 'proxyUrl', string>> = {}
  if (parsed.success) return out
  for (const issue of parsed.error.issues) {
    const key = networkFieldOf(issue.path) as 'family' | 'localAddress' | 'proxyUrl'
    out[key] ??= issue.code === 'unrecognized_keys' ? 'the proxy takes a URL only' : issue.message
  }
  return out
}

/** What the proxy password field sends: a new password, null to clear the saved one, undefined to leave it (without a proxy, main forgets it anyway). */
export function proxyPasswordInput(f: ProfileForm, d: ProxySecretDraft): string | null | undefined {
  if (d.mode === 'clear') return null
  if (d.mode === 'keep' || !d.password || !opt(f.proxyUrl)) return undefined
  return d.password
}

/** The proxy password's message, or null. `saved`: main holds one. */
export function proxyPasswordError(f: ProfileForm, d: ProxySecretDraft, saved: boolean): string | null {
  const network = networkFromForm(f)
  // Without a proxy the field is not shown, and main forgets a saved password when the profile is saved.
  if (!network.proxy) return null
  if (d.mode === 'replace' && d.password) {
    const valid = proxyPasswordInputSchema.safeParse(d.password)
    if (!valid.success) return valid.error.issues[0]?.message ?? 'not a usable password'
    return proxyPasswordProblem(network)
  }
  if (d.mode === 'replace' && saved) return 'type the new proxy password, or keep the saved one'
  if (d.mode === 'keep' && saved) return proxyPasswordProblem(network)
  return null
}

/** Saving needs the secret too: what the write-only field will send (undefined keeps main's). */
export function secretInput(kind: 'smtp' | 'api', provider: ApiProvider, s: SecretDraft): ProfileSecretInput | null | undefined {
  if (s.mode === 'clear') return null
  if (s.mode === 'keep' || !s.primary) return undefined
  const out: ProfileSecretInput = { primary: s.primary }
  if (kind === 'api' && PROVIDERS[provider].sessionToken && s.sessionToken) out.sessionToken = s.sessionToken
  return out
}

/**
 * Validates with the contract's schemas plus what each provider needs, and names the field each
 * message belongs to. `hasSecret`: main already holds one; `proxy` and `delivery`: the other
 * write-only secrets' drafts, and whether main holds each.
 */
export function validateForm(
  f: ProfileForm,
  secret: SecretDraft,
  hasSecret: boolean,
  proxy: { draft: ProxySecretDraft; saved: boolean } = { draft: { mode: 'replace', password: '' }, saved: false },
  delivery: DeliveryDrafts = noDeliveryDrafts(),
): { ok: true; input: Omit<SaveProfileInput, 'id'> } | { ok: false; errors: FormErrors; other: string[] } {
  const errors: FormErrors = {}
  const other: string[] = []
  const profile = profileFromForm(f)
  const schema = f.kind === 'smtp' ? smtpProfileFieldsSchema : apiProfileFieldsSchema
  const parsed = schema.safeParse(profile)
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = fieldOf(issue.path)
      if (key) errors[key] ??= issue.message
      else other.push(issue.message)
    }
  }
  // Defaults are lists typed as text: name the bad address.
  const badTo = list(f.to).find((a) => !addressSchema.safeParse(a).success)
  if (badTo) errors.to = `“${badTo}” does not look like name@domain`
  if (f.port === null && f.kind === 'smtp') errors.port = 'port is required'

  if (f.kind === 'api') {
    const info = PROVIDERS[f.provider]
    const regions = API_REGIONS[f.provider]
    if (info.needsDomain && !f.domain.trim()) errors.domain ??= `${info.label} needs the sending domain`
    if (f.region.trim()) {
      if (regions && !regions.includes(f.region.trim())) errors.region = `${info.label} regions are ${regions.join(' and ')}`
      else if (f.provider === 'ses' && !/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/.test(f.region.trim())) errors.region = 'an AWS region looks like us-east-1 or eu-west-2'
      else if (!regions && f.provider !== 'ses') errors.region = `${info.label} has no regions; use the base URL to change the host`
    }
    if (f.baseUrl.trim()) {
      const url = baseUrlSchema.safeParse(f.baseUrl)
      if (!url.success) errors.baseUrl = url.error.issues[0]?.message ?? 'not a base URL'
    }
    if (info.keyIdLabel && !f.keyId.trim()) errors.keyId = `${info.label} needs its ${info.keyIdLabel}`
    if (f.provider === 'generic') other.push('The generic endpoint (URL, method, body template) is set up from the command line for now; this profile keeps its key.')
  }
  if (f.kind === 'smtp' && f.authMethod !== 'none' && !f.oauth && !f.username.trim()) errors.username = 'a username is required for AUTH (or choose “none”)'
  if (f.kind === 'smtp' && f.oauth) {
    const problem = oauthProfileProblem({ authMethod: f.authMethod, oauth: oauthFromForm(f) })
    if (problem) errors.authMethod = problem
    if (f.oauthProvider === 'generic' && !scopesOf(f.oauthScopes).length) errors.oauthScopes ??= 'give the scopes the mail server wants (a generic issuer has no defaults)'
    if (f.oauthFlow === 'client-credentials' && !hasSecret && !(secret.mode === 'replace' && secret.primary)) errors.secret ??= 'client credentials need the app’s client secret'
    if (f.oauthProvider === 'google' && f.oauthFlow !== 'browser') errors.oauthFlow ??= 'Google allows the https://mail.google.com/ scope in the browser flow only'
  }

  if (secret.mode === 'replace' && !secret.primary && hasSecret) errors.secret = 'type the new secret, or keep the saved one'
  if (secret.mode === 'replace' && /[\r\n]/.test(secret.primary)) errors.secret = 'the secret contains a line break'
  const proxyProblem = proxyPasswordError(f, proxy.draft, proxy.saved)
  if (proxyProblem) errors.proxyPassword = proxyProblem
  for (const [key, message] of Object.entries(deliveryErrors(f, { kind: f.kind, oauth: f.kind === 'smtp' && f.oauth }, delivery))) errors[key as DeliveryField] ??= message

  // The generic note is advice, not a blocker.
  const blocking = other.filter((m) => !m.startsWith('The generic endpoint'))
  if (Object.keys(errors).length || blocking.length) return { ok: false, errors, other: blocking }
  const proxyPassword = proxyPasswordInput(f, proxy.draft)
  const mailboxPassword = mailboxPasswordInput(f, delivery.mailbox.draft)
  const dkimKey = dkimKeyInput(f, f.kind, delivery.dkim.draft)
  return {
    ok: true,
    input: {
      profile,
      secret: secretInput(f.kind, f.provider, secret),
      ...(proxyPassword !== undefined ? { proxyPassword } : {}),
      ...(mailboxPassword !== undefined ? { mailboxPassword } : {}),
      ...(dkimKey !== undefined ? { dkimKey } : {}),
    },
  }
}

/** A name for a profile made from a probe's recommendation. */
export function probeProfileName(host: string, port: number): string {
  return `${host} ${port}`.slice(0, 80)
}
