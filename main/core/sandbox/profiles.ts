/**
 * The ready-made sandbox profiles. Three in the profiles export format (what `mailprobe sandbox
 * --profiles-out` writes and what the app imports on a fresh machine). Their demo credentials
 * are inline (`password`, `key`): they protect nothing. Their TLS settings trust the sandbox CA
 * file, and nothing else does. The app adds a fourth, "Sandbox — OAuth2" (sandboxOAuthProfile):
 * STARTTLS with XOAUTH2 and a token from the sandbox's issuer, which a person signs in for.
 */
import { PROFILES_VERSION, profilesExportSchema, smtpProfileFieldsSchema, type ProfileFields, type ProfilesExport, type SandboxInfo } from '../../../preload/contract'

export interface SandboxProfileNames {
  starttls: string
  tls: string
  api: string
}

/** Names used by the CLI (`--profile sandbox-api`). */
export const SANDBOX_PROFILE_NAMES: SandboxProfileNames = { starttls: 'sandbox-starttls', tls: 'sandbox-tls', api: 'sandbox-api' }
/** Names the app shows. */
export const SANDBOX_APP_PROFILE_NAMES: SandboxProfileNames = { starttls: 'Sandbox — STARTTLS', tls: 'Sandbox — implicit TLS', api: 'Sandbox — API (Mailgun-style)' }

/** The app's fourth sandbox profile: sign in with the sandbox's OAuth2 issuer, then send with XOAUTH2. */
export const SANDBOX_OAUTH_PROFILE_NAME = 'Sandbox — OAuth2'

/** Default envelope of the sandbox profiles (the sandbox accepts any address and delivers nowhere). */
export const SANDBOX_FROM = 'sender@sandbox.mailprobe.test'
export const SANDBOX_TO = 'inbox@sandbox.mailprobe.test'

/** Marks the profiles as the sandbox's (for the app's glyph, and to find them again when the ports change). */
export const SANDBOX_PRESET = 'sandbox'

export function sandboxProfilesExport(info: SandboxInfo, opts: { names?: SandboxProfileNames; now?: Date } = {}): ProfilesExport {
  const names = opts.names ?? SANDBOX_PROFILE_NAMES
  if (!info.caFile) throw new Error('the sandbox profiles need the sandbox CA in a file (start the sandbox with a data or certificate directory)')
  const tls = { caFile: info.caFile, insecure: false }
  const defaults = { from: SANDBOX_FROM, to: [SANDBOX_TO], cc: [], bcc: [] }
  const smtp = (name: string, port: number, security: 'starttls' | 'tls') => ({
    kind: 'smtp' as const,
    name,
    host: info.host,
    port,
    security,
    authMethod: 'auto' as const,
    username: info.user,
    password: info.password,
    tls,
    defaults,
    preset: SANDBOX_PRESET,
  })
  const doc: ProfilesExport = {
    format: 'mailprobe-profiles',
    version: PROFILES_VERSION,
    exportedAt: (opts.now ?? new Date()).toISOString(),
    profiles: [
      smtp(names.starttls, info.smtp.starttls, 'starttls'),
      smtp(names.tls, info.smtp.tls, 'tls'),
      {
        kind: 'api',
        name: names.api,
        provider: 'mailgun',
        baseUrl: info.api.url,
        domain: info.domain,
        sandbox: false,
        key: info.api.key,
        tls,
        defaults,
        preset: SANDBOX_PRESET,
      },
    ],
  }
  return profilesExportSchema.parse(doc)
}

/**
 * "Sandbox — OAuth2": the STARTTLS listener with AUTH XOAUTH2, its token from a sign-in with the
 * sandbox's issuer (the browser flow; the device flow works too), as the signed-in account.
 */
export function sandboxOAuthProfile(info: SandboxInfo, name = SANDBOX_OAUTH_PROFILE_NAME): Extract<ProfileFields, { kind: 'smtp' }> {
  if (!info.caFile) throw new Error('the sandbox profiles need the sandbox CA in a file (start the sandbox with a data or certificate directory)')
  return smtpProfileFieldsSchema.parse({
    kind: 'smtp',
    name,
    host: info.host,
    port: info.smtp.starttls,
    security: 'starttls',
    authMethod: 'xoauth2',
    username: info.oauth.account,
    oauth: { provider: 'generic', issuer: info.oauth.issuer, clientId: info.oauth.clientId, flow: 'browser', scopes: info.oauth.scopes },
    tls: { caFile: info.caFile, insecure: false },
    defaults: { from: info.oauth.account, to: [SANDBOX_TO], cc: [], bcc: [] },
    preset: SANDBOX_PRESET,
  })
}
