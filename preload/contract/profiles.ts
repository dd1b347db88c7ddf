import * as z from 'zod'
import { deliveryRequestSchema, dkimSigningSchema, isLoopbackHost } from './delivery'
import { addressSchema, hostSchema, portSchema, singleLineSchema, timeoutSchema, tlsOptionsSchema } from './fields'
import { API_PROVIDERS } from './http'
import { networkSchema, proxySchema } from './network'
import { oauthConfigSchema, oauthPresetSchema, SignInSummarySchema, type OAuthConfig } from './oauth'
import { parseProxyUrl } from './proxy-url'
import { SMTP_AUTH_METHODS, SMTP_SECURITY } from './smtp'

/** Profiles file format version; bump with a migration when the shape changes. */
export const PROFILES_VERSION = 1

const idSchema = z.string().min(1).max(64)
const nameSchema = singleLineSchema('name', 80).pipe(z.string().trim().min(1, 'a profile needs a name'))

/** Default envelope a profile fills the composer with. */
export const profileDefaultsSchema = z
  .object({
    from: addressSchema.optional(),
    to: z.array(addressSchema).max(50).default([]),
    cc: z.array(addressSchema).max(50).default([]),
    bcc: z.array(addressSchema).max(50).default([]),
  })
  .strict()

const profileTlsSchema = tlsOptionsSchema.omit({ caPem: true })

/**
 * A profile's Network section: the jobs' network section without the proxy's password. That
 * password is a secret: it travels inward only (saveProfile's `proxyPassword`), is kept in the
 * secret store and is added to the job's `network.proxy` at run time. Profiles saved before this
 * section existed load with the default (auto, direct).
 */
export const profileNetworkSchema = networkSchema.safeExtend({ proxy: proxySchema.omit({ password: true }).optional() })
export type ProfileNetwork = z.output<typeof profileNetworkSchema>
const defaultNetwork = () => ({ family: 'auto' as const })

const delivery = deliveryRequestSchema.shape
/** A profile's mailbox timeout: absent, the watch's default (DEFAULT_DELIVERY_TIMEOUT_MS). */
const mailboxTimeoutSchema = delivery.timeoutMs.unwrap().optional()

/** How a profile's IMAP mailbox logs in: its own saved password, or the access token of the profile's OAuth2 sign-in. */
export const MAILBOX_LOGINS = ['password', 'sign-in'] as const
export type MailboxLogin = (typeof MAILBOX_LOGINS)[number]

/** The embedded sandbox's inbox (for the sandbox's profiles: delivery proof offline). */
export const profileSandboxMailboxSchema = z.object({ kind: z.literal('sandbox'), timeoutMs: mailboxTimeoutSchema }).strict()

/**
 * An IMAP mailbox to watch after a send: the job's deliveryRequest without its secret (a saved
 * password, kept in the secret store like the proxy password, or with login 'sign-in' the
 * profile's own OAuth2 token: Gmail and Microsoft 365 take the same token for SMTP and IMAP when
 * its scopes allow it) and without its network (the profile's own).
 */
export const profileImapMailboxSchema = z
  .object({
    kind: z.literal('imap'),
    host: delivery.host,
    port: delivery.port,
    security: delivery.security,
    user: delivery.user,
    login: z.enum(MAILBOX_LOGINS).default('password'),
    folders: delivery.folders,
    timeoutMs: mailboxTimeoutSchema,
    method: delivery.method,
    deleteAfter: delivery.deleteAfter,
    tls: profileTlsSchema.default({ insecure: false }),
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.security === 'none' && !isLoopbackHost(m.host))
      ctx.addIssue({ code: 'custom', path: ['security'], message: 'a mailbox is read without TLS only on this machine (localhost, 127.0.0.1, ::1): use tls or starttls' })
  })

/** The mailbox a profile's sends are watched in (delivery proof): the sandbox's inbox, or an IMAP mailbox. */
export const profileMailboxSchema = z.discriminatedUnion('kind', [profileSandboxMailboxSchema, profileImapMailboxSchema])
export type ProfileMailbox = z.output<typeof profileMailboxSchema>
export type ProfileImapMailbox = z.output<typeof profileImapMailboxSchema>

/** DKIM signing of an SMTP profile's test messages: the private key comes from `keyFile` (read when a run starts) or, without one, from the secret store. */
export const profileDkimSchema = z
  .object({
    domain: dkimSigningSchema.shape.domain,
    selector: dkimSigningSchema.shape.selector,
    keyFile: singleLineSchema('DKIM key file path', 4096).pipe(z.string().min(1, 'the DKIM key file path is empty')).optional(),
  })
  .strict()
export type ProfileDkim = z.output<typeof profileDkimSchema>

export const smtpProfileFieldsSchema = z
  .object({
    kind: z.literal('smtp'),
    name: nameSchema,
    host: hostSchema,
    port: portSchema,
    security: z.enum(SMTP_SECURITY),
    /** 'none' = no AUTH; otherwise the mechanism (or auto). With `oauth`: auto, xoauth2 or oauthbearer. */
    authMethod: z.enum(['none', ...SMTP_AUTH_METHODS]).default('auto'),
    /** The SMTP user; with `oauth` it may be left out (the signed-in account is used). */
    username: singleLineSchema('username', 1024).optional(),
    /**
     * OAuth2: the token comes from a sign-in (main/core/oauth) instead of a saved secret. The
     * profile's saved secret, if any, is then the app's client secret (client credentials, or a
     * client that must present one); the sign-in itself is kept in the secret store.
     */
    oauth: oauthConfigSchema.optional(),
    ehloName: hostSchema.optional(),
    tls: profileTlsSchema.default({ insecure: false }),
    timeoutMs: timeoutSchema.optional(),
    defaults: profileDefaultsSchema.default({ to: [], cc: [], bcc: [] }),
    network: profileNetworkSchema.default(defaultNetwork),
    /** Watch this mailbox after a send (delivery proof); the composer may turn the wait off for one run. */
    mailbox: profileMailboxSchema.optional(),
    /** Sign the test messages with DKIM. */
    dkim: profileDkimSchema.optional(),
    /** Preset this profile was made from (for its glyph and notes). */
    preset: singleLineSchema('preset', 64).optional(),
  })
  .strict()

export const apiProfileFieldsSchema = z
  .object({
    kind: z.literal('api'),
    name: nameSchema,
    provider: z.enum(API_PROVIDERS),
    region: singleLineSchema('region', 32).optional(),
    baseUrl: singleLineSchema('base URL', 2048).optional(),
    domain: hostSchema.optional(),
    /** Non-secret half of a key pair where a provider has one (SES access key id, Mailjet API key). */
    keyId: singleLineSchema('key id', 256).optional(),
    sandbox: z.boolean().default(false),
    tls: profileTlsSchema.default({ insecure: false }),
    timeoutMs: timeoutSchema.optional(),
    defaults: profileDefaultsSchema.default({ to: [], cc: [], bcc: [] }),
    network: profileNetworkSchema.default(defaultNetwork),
    /** Watch this mailbox after a send (delivery proof); a sandbox-mode send delivers nothing, so it is not watched. */
    mailbox: profileMailboxSchema.optional(),
    preset: singleLineSchema('preset', 64).optional(),
  })
  .strict()

/** A secret as the renderer may send it: write-only. `null` clears it; absent leaves it as it is. */
export const profileSecretInputSchema = z
  .object({
    /** SMTP password or OAuth2 access token; API key. */
    primary: z.string().min(1).max(65_536),
    /** Mailjet secret key, SES secret access key. */
    secondary: z.string().min(1).max(65_536).optional(),
    /** SES session token. */
    sessionToken: z.string().min(1).max(65_536).optional(),
  })
  .strict()
export type ProfileSecretInput = z.infer<typeof profileSecretInputSchema>

/** The proxy user's password as the renderer may send it: write-only, like the profile's other secrets. */
export const proxyPasswordInputSchema = proxySchema.shape.password.unwrap()

/** The IMAP mailbox's password as the renderer may send it: write-only, like the profile's other secrets. */
export const mailboxPasswordInputSchema = delivery.secret
/** A pasted DKIM private key (PEM) as the renderer may send it: write-only. */
export const dkimKeyInputSchema = dkimSigningSchema.shape.privateKey

/**
 * What is saved in the secret store, as flags (never the secrets): `hasSecret` a login secret
 * (password, token, key); `hasProxySecret` a proxy password; `hasMailboxSecret` the IMAP
 * mailbox's password; `hasDkimKey` a pasted DKIM private key.
 */
const meta = {
  id: idSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  hasSecret: z.boolean(),
  hasProxySecret: z.boolean(),
  hasMailboxSecret: z.boolean(),
  hasDkimKey: z.boolean(),
}

/**
 * An OAuth2 profile (one with `oauth`) also says what may be shown of its sign-in: who signed in,
 * the scopes granted and when the token expires (null: not signed in). Never a token.
 */
export const SmtpProfileSchema = smtpProfileFieldsSchema.extend({ ...meta, signIn: SignInSummarySchema.nullable().optional() })
export const ApiProfileSchema = apiProfileFieldsSchema.extend(meta)
export const ProfileSchema = z.discriminatedUnion('kind', [SmtpProfileSchema, ApiProfileSchema])
export type SmtpProfile = z.infer<typeof SmtpProfileSchema>
export type ApiProfile = z.infer<typeof ApiProfileSchema>
export type Profile = z.infer<typeof ProfileSchema>
/** A profile's own settings, as saveProfile takes them back (no id, times or secret flags). */
export type ProfileFields = z.output<typeof smtpProfileFieldsSchema> | z.output<typeof apiProfileFieldsSchema>

/** The settings of a profile without its id, times and secret flags (to save it again, or to export it). */
export function profileFieldsOf(p: Profile): ProfileFields {
  const { id: _i, createdAt: _c, updatedAt: _u, hasSecret: _s, hasProxySecret: _p, hasMailboxSecret: _m, hasDkimKey: _d, ...fields } = p
  if (fields.kind === 'smtp') delete (fields as { signIn?: unknown }).signIn
  return fields
}

/** The SASL mechanisms that carry a signed-in profile's token. */
export const OAUTH_PROFILE_AUTH_METHODS = ['auto', 'xoauth2', 'oauthbearer'] as const

/** Why these SMTP settings cannot use an OAuth2 sign-in, or null. */
export function oauthProfileProblem(p: { authMethod?: string; oauth?: OAuthConfig }): string | null {
  if (!p.oauth) return null
  const method = p.authMethod ?? 'auto'
  if (!(OAUTH_PROFILE_AUTH_METHODS as readonly string[]).includes(method))
    return `an OAuth2 sign-in gives an access token, which goes with AUTH XOAUTH2, OAUTHBEARER or auto, not ${method === 'none' ? 'no AUTH' : method.toUpperCase()}`
  return null
}

/** Why a proxy password cannot be saved with these settings, or null (it goes with a proxy URL that names the user). */
export function proxyPasswordProblem(network: { proxy?: { url: string } } | undefined): string | null {
  if (!network?.proxy) return 'a proxy password needs a proxy URL'
  const target = parseProxyUrl(network.proxy.url)
  if ('problem' in target) return null // the URL's own message says what is wrong
  if (!target.user) return `the proxy password goes with a user name: give the URL as ${target.protocol}://user@host:port`
  if (target.protocol === 'socks4') return 'SOCKS4 proxies take a user name only, no password: clear the password, or use socks5://'
  return null
}

type MailboxSettings = { kind: 'smtp' | 'api'; oauth?: unknown; mailbox?: { kind: 'sandbox' } | { kind: 'imap'; login?: MailboxLogin } }

/** Why these settings' mailbox cannot log in as it says, or null ('sign-in' takes the token of the profile's own OAuth2 sign-in). */
export function mailboxLoginProblem(p: MailboxSettings): string | null {
  if (p.mailbox?.kind !== 'imap' || p.mailbox.login !== 'sign-in' || (p.kind === 'smtp' && p.oauth)) return null
  return "the mailbox can log in with the profile's sign-in only when the profile signs in with OAuth2: use a password"
}

/** Whether these settings keep a mailbox password: an IMAP mailbox that logs in with one. */
export const mailboxTakesPassword = (p: MailboxSettings): boolean => p.mailbox?.kind === 'imap' && (p.mailbox.login ?? 'password') === 'password'

/** Whether these settings keep a pasted DKIM key: DKIM signing without a key file. */
export const dkimTakesKey = (p: { kind: 'smtp' | 'api'; dkim?: { keyFile?: string } }): boolean => p.kind === 'smtp' && p.dkim !== undefined && !p.dkim.keyFile

/** Create (no id) or update (id) a profile; the secret travels only this way, and only inward. */
export const saveProfileSchema = z
  .object({
    id: idSchema.optional(),
    profile: z.discriminatedUnion('kind', [smtpProfileFieldsSchema, apiProfileFieldsSchema]),
    secret: profileSecretInputSchema.nullable().optional(),
    /** The proxy user's password: `null` clears it, absent leaves it as it is. Saving a profile without a proxy clears it too. */
    proxyPassword: proxyPasswordInputSchema.nullable().optional(),
    /** The IMAP mailbox's password: `null` clears it, absent leaves it. Saving a profile whose mailbox takes no password (none, the sandbox's, sign-in) clears it too. */
    mailboxPassword: mailboxPasswordInputSchema.nullable().optional(),
    /** The DKIM private key (PEM): `null` clears it, absent leaves it. Saving a profile without DKIM, or whose key comes from a file, clears it too. */
    dkimKey: dkimKeyInputSchema.nullable().optional(),
  })
  .strict()
  .superRefine((input, ctx) => {
    const profile = input.profile
    if (profile.kind === 'smtp') {
      const problem = oauthProfileProblem(profile)
      if (problem) ctx.addIssue({ code: 'custom', path: ['profile', 'authMethod'], message: problem })
    }
    const loginProblem = mailboxLoginProblem(profile)
    if (loginProblem) ctx.addIssue({ code: 'custom', path: ['profile', 'mailbox', 'login'], message: loginProblem })
    if (typeof input.mailboxPassword === 'string' && !mailboxTakesPassword(profile))
      ctx.addIssue({ code: 'custom', path: ['mailboxPassword'], message: 'a mailbox password goes with an IMAP mailbox that logs in with a password' })
    if (typeof input.dkimKey === 'string' && !dkimTakesKey(profile)) {
      const message =
        profile.kind === 'smtp' && profile.dkim
          ? 'the DKIM key comes from the key file: clear the file path to save a pasted key'
          : 'a DKIM key goes with DKIM signing (domain and selector) of an SMTP profile'
      ctx.addIssue({ code: 'custom', path: ['dkimKey'], message })
    }
    if (typeof input.proxyPassword !== 'string') return
    const problem = proxyPasswordProblem(profile.network)
    if (problem) ctx.addIssue({ code: 'custom', path: ['proxyPassword'], message: problem })
  })
export type SaveProfileInput = z.input<typeof saveProfileSchema>

const envNameSchema = singleLineSchema('env var', 128).optional()

/**
 * The export file: profiles without secrets (the sandbox CLI may add inline demo credentials).
 * For the CLI's compare, `*Env` name the environment variables that hold the secrets; a proxy
 * password, a mailbox password and a DKIM key are only ever named that way (`proxyPasswordEnv`,
 * `mailboxPasswordEnv`, `dkimKeyEnv`), never written inline.
 */
export const profilesExportSchema = z
  .object({
    format: z.literal('mailprobe-profiles'),
    version: z.literal(PROFILES_VERSION),
    exportedAt: z.string(),
    profiles: z.array(
      z.discriminatedUnion('kind', [
        smtpProfileFieldsSchema.extend({
          passwordEnv: envNameSchema,
          password: z.string().optional(),
          proxyPasswordEnv: envNameSchema,
          mailboxPasswordEnv: envNameSchema,
          dkimKeyEnv: envNameSchema,
        }),
        apiProfileFieldsSchema.extend({ keyEnv: envNameSchema, secretEnv: envNameSchema, key: z.string().optional(), proxyPasswordEnv: envNameSchema, mailboxPasswordEnv: envNameSchema }),
      ]),
    ),
  })
  .strict()
/** An export file as a writer puts it (defaults such as `network` may be left out; readers parse it). */
export type ProfilesExport = z.input<typeof profilesExportSchema>

/** How secrets are kept on this machine, as the interface must tell the user. */
export const KeyringStatusSchema = z.object({
  /** True when an OS keyring (Keychain, DPAPI, libsecret/kwallet) protects them. */
  protected: z.boolean(),
  backend: z.string(),
  /** A sentence for the sidebar ("Secrets are encrypted with the macOS Keychain", "…not protected by a keyring"). */
  note: z.string(),
})
export type KeyringStatus = z.infer<typeof KeyringStatusSchema>

/** A stored file that could not be read: kept aside, reported, never silently dropped. */
export const StorageIssueSchema = z.object({ file: z.string(), movedTo: z.string().nullable(), message: z.string() })
export type StorageIssue = z.infer<typeof StorageIssueSchema>

export interface ProfilesState {
  profiles: Profile[]
  keyring: KeyringStatus
  issues: StorageIssue[]
}

/** A starting point for a new profile (Gmail, Mailgun EU, SES in a region, ...). */
export const PresetSchema = z.object({
  id: z.string(),
  label: z.string(),
  group: z.string(),
  note: z.string().optional(),
  profile: z.discriminatedUnion('kind', [smtpProfileFieldsSchema, apiProfileFieldsSchema]),
  /** An OAuth2 preset's sign-in, without the client id (the user's own). */
  oauth: oauthPresetSchema.optional(),
})
export type Preset = z.infer<typeof PresetSchema>
