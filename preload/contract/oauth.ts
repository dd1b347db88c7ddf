import * as z from 'zod'
import type { ErrorCode } from './errors'

/*
 * OAuth2 sign-ins (Microsoft 365, Google, any OAuth2/OpenID Connect issuer), as far as they may
 * cross IPC, be printed by `mailprobe oauth list` or be saved outside the secret store: what a
 * profile or the CLI asks for (OAuthConfig) and what a finished sign-in may show (SignInSummary).
 * Tokens, client secrets, PKCE verifiers and device codes never appear in these shapes.
 */

export const OAUTH_PROVIDERS = ['microsoft', 'google', 'generic'] as const
export const OAuthProviderSchema = z.enum(OAUTH_PROVIDERS)
export type OAuthProvider = z.infer<typeof OAuthProviderSchema>

/** browser: authorization code + PKCE with a loopback redirect; device: RFC 8628; client-credentials: app-only. */
export const OAUTH_FLOWS = ['browser', 'device', 'client-credentials'] as const
export const OAuthFlowSchema = z.enum(OAUTH_FLOWS)
export type OAuthFlow = z.infer<typeof OAuthFlowSchema>

/** An https URL, or http on the loopback interface (a local issuer such as the sandbox's). */
export function oauthUrlProblem(value: string): string | null {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'is not a URL'
  }
  if (url.username || url.password) return 'may not contain a user name or password'
  if (url.protocol === 'https:') return null
  if (url.protocol === 'http:' && isLoopbackHostname(url.hostname)) return null
  return url.protocol === 'http:' ? 'must use https:// (plain http is allowed only for 127.0.0.1, ::1 and localhost)' : 'must be an https:// URL'
}

/** 127.0.0.0/8, ::1 and localhost: where an http:// issuer is acceptable (nothing leaves the machine). */
export function isLoopbackHostname(hostname: string): boolean {
  const h = hostname.toLowerCase()
  return h === 'localhost' || h === '[::1]' || h === '::1' || /^127(?:\.\d{1,3}){3}$/.test(h)
}

const oauthUrlSchema = (what: string) =>
  z
    .string()
    .trim()
    .max(2048, `${what} is longer than 2048 characters`)
    .check((ctx) => {
      const problem = oauthUrlProblem(ctx.value)
      if (problem) ctx.issues.push({ code: 'custom', message: `${what} ${problem}`, input: ctx.value })
    })

/** A Microsoft Entra tenant: its id (a GUID), one of its domains, or organizations / common / consumers. */
export const tenantSchema = z
  .string()
  .trim()
  .min(1, 'tenant is empty')
  .max(128, 'tenant is longer than 128 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9.-]*$/, 'tenant must be a tenant id (GUID), a domain such as contoso.onmicrosoft.com, organizations or common')

/** One scope token (RFC 6749 §3.3: printable ASCII without space, " and \). */
export const scopeSchema = z
  .string()
  .min(1, 'a scope is empty')
  .max(512, 'a scope is longer than 512 characters')
  .regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'a scope may not contain spaces, quotes or backslashes (give each scope on its own)')

/** Delegated Microsoft sign-ins: SMTP AUTH needs SMTP.Send, and offline_access brings a refresh token. */
export const MICROSOFT_DELEGATED_SCOPES = ['https://outlook.office.com/SMTP.Send', 'offline_access', 'openid', 'email'] as const
/** App-only Microsoft tokens (client credentials): the application permission SMTP.SendAsApp comes through `.default`. */
export const MICROSOFT_APP_SCOPES = ['https://outlook.office365.com/.default'] as const
export const GOOGLE_SCOPES = ['https://mail.google.com/', 'openid', 'email'] as const

/** The scopes a flow asks for when the config names none (a generic issuer has none: its scopes must be given). */
export function defaultScopes(provider: OAuthProvider, flow: OAuthFlow): string[] {
  if (provider === 'microsoft') return flow === 'client-credentials' ? [...MICROSOFT_APP_SCOPES] : [...MICROSOFT_DELEGATED_SCOPES]
  if (provider === 'google') return [...GOOGLE_SCOPES]
  return []
}

export const clientIdSchema = z
  .string()
  .trim()
  .min(1, 'client id is empty')
  .max(256, 'client id is longer than 256 characters')
  .regex(/^[\x21-\x7E]+$/, 'client id may contain only printable characters without spaces')

/** Endpoints given one by one (a generic issuer without a discovery document). */
export const oauthEndpointsSchema = z
  .object({
    authorization: oauthUrlSchema('authorization endpoint').optional(),
    token: oauthUrlSchema('token endpoint'),
    device: oauthUrlSchema('device authorization endpoint').optional(),
  })
  .strict()
export type OAuthEndpoints = z.infer<typeof oauthEndpointsSchema>

/**
 * What a profile (or `mailprobe oauth login`) asks for. Microsoft takes a tenant (default
 * `organizations`); Google takes nothing more; generic takes an issuer URL (discovery), explicit
 * endpoints, or both (then the issuer names who signs the tokens). `scopes` replaces the
 * preset's scopes when given; a generic issuer needs them.
 */
export const oauthConfigSchema = z
  .object({
    provider: OAuthProviderSchema,
    tenant: tenantSchema.optional(),
    issuer: oauthUrlSchema('issuer').optional(),
    endpoints: oauthEndpointsSchema.optional(),
    clientId: clientIdSchema,
    flow: OAuthFlowSchema,
    scopes: z.array(scopeSchema).max(32, 'at most 32 scopes').optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message })
    if (c.provider !== 'microsoft' && c.tenant !== undefined) issue('tenant', 'a tenant is given only for Microsoft')
    if (c.provider !== 'generic' && c.issuer !== undefined) issue('issuer', 'an issuer URL is given only for a generic provider (the presets know theirs)')
    if (c.provider !== 'generic' && c.endpoints !== undefined) issue('endpoints', 'endpoints are given only for a generic provider (the presets know theirs)')
    if (c.provider === 'generic' && c.issuer === undefined && c.endpoints === undefined) {
      issue('issuer', 'a generic provider needs an issuer URL (for discovery) or its endpoints')
    }
  })
export type OAuthConfig = z.infer<typeof oauthConfigSchema>
export type OAuthConfigInput = z.input<typeof oauthConfigSchema>

/** The name a sign-in is kept under: the CLI's `--name`, or the app's profile id. */
export const signInNameSchema = z
  .string()
  .trim()
  .min(1, 'a sign-in needs a name')
  .max(64, 'a sign-in name is at most 64 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]*$/, 'a sign-in name may contain letters, digits, . _ @ and - (and starts with a letter or digit)')

/** What the interface and `mailprobe oauth list` may show about a saved sign-in: never a token. */
export const SignInSummarySchema = z
  .object({
    name: signInNameSchema,
    provider: OAuthProviderSchema,
    flow: OAuthFlowSchema,
    /** Microsoft's tenant as configured (organizations, a GUID or a domain); null for others. */
    tenant: z.string().max(128).nullable(),
    /** The issuer (authority) the tokens come from. */
    issuer: z.string().max(2048),
    clientId: z.string().max(256),
    /** Who signed in (the id token's email, preferred_username or upn, or the access token's); null when the server did not say (app-only tokens). */
    account: z.string().max(512).nullable(),
    /** The scopes the server granted (those asked for, when it did not say). */
    scopes: z.array(z.string().max(512)).max(64),
    /** When the access token expires (ISO 8601); null when the server did not say. */
    expiresAt: z.string().max(40).nullable(),
    /** When the sign-in was made, and when its token was last renewed (ISO 8601). */
    signedInAt: z.string().max(40),
    refreshedAt: z.string().max(40).nullable(),
    /** True when a new access token can be had without the user: a refresh token, or the client's own credentials. */
    renewable: z.boolean(),
  })
  .strict()
export type SignInSummary = z.infer<typeof SignInSummarySchema>

/**
 * What a profile preset knows of its OAuth2 sign-in: the provider (and Microsoft's tenant), the
 * usual flow and the scopes SMTP needs. The client id is the user's own app registration.
 */
export const oauthPresetSchema = z
  .object({
    provider: OAuthProviderSchema,
    tenant: tenantSchema.optional(),
    flow: OAuthFlowSchema,
    scopes: z.array(scopeSchema).max(32).optional(),
  })
  .strict()
export type OAuthPreset = z.infer<typeof oauthPresetSchema>

/** A device code as the interface shows it (the user code is meant to be read out; the device code itself never leaves main). */
export interface DeviceCodePrompt {
  userCode: string
  verificationUri: string
  /** The address with the code in it, when the server gives one. */
  verificationUriComplete: string | null
  /** When the code stops working (ISO 8601). */
  expiresAt: string
  intervalSeconds: number
}

/**
 * A profile's sign-in as it runs (main → renderer, `events.signInEvents`), under the jobId that
 * oauthSignIn answered (cancelJob stops it):
 *  - line: an info line (already redacted; never a token, verifier or device code);
 *  - device: the code to enter and where, with its expiry (device flow);
 *  - browser: the sign-in page's address; `opened` when main opened it in the system browser,
 *    else the page opens it itself (the browser build has no shell) or offers it to copy;
 *  - done: how it ended, with what may be shown of the new sign-in.
 */
export type SignInEvent =
  | { type: 'line'; jobId: string; profileId: string; t: number; text: string }
  | { type: 'device'; jobId: string; profileId: string; code: DeviceCodePrompt }
  | { type: 'browser'; jobId: string; profileId: string; url: string; opened: boolean }
  | { type: 'done'; jobId: string; profileId: string; ok: true; signIn: SignInSummary }
  | { type: 'done'; jobId: string; profileId: string; ok: false; error: { code: ErrorCode; message: string } }
