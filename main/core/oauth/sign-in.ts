import * as z from 'zod'
import { oauthConfigSchema, signInNameSchema, type OAuthConfig, type SignInSummary } from '../../../preload/contract'

/*
 * A finished sign-in as Mailprobe keeps it: what was asked for (the config), what came back that
 * may be shown (account, scopes, expiry) and the secrets (tokens, and the client's own secret or
 * certificate key when it has one: a refresh or a new client-credentials grant needs them). Only
 * the secret stores hold a whole SignIn; everything else sees a SignInSummary.
 */

const secretText = z.string().min(1).max(65_536)

export const signInSecretsSchema = z
  .object({
    accessToken: secretText,
    refreshToken: secretText.optional(),
    /** The client secret: client credentials, and clients that must present one (Google's desktop clients). */
    clientSecret: secretText.optional(),
    /** Microsoft's certificate credential for client credentials. */
    clientCertificate: z.object({ certificatePem: secretText, privateKeyPem: secretText }).strict().optional(),
  })
  .strict()
export type SignInSecrets = z.infer<typeof signInSecretsSchema>

const isoTime = z.string().max(40)

export const signInSchema = z
  .object({
    name: signInNameSchema,
    config: oauthConfigSchema,
    /** The issuer (authority) the tokens came from. */
    issuer: z.string().max(2048),
    account: z.string().max(512).nullable(),
    scopes: z.array(z.string().max(512)).max(64),
    expiresAt: isoTime.nullable(),
    signedInAt: isoTime,
    refreshedAt: isoTime.nullable(),
    secrets: signInSecretsSchema,
  })
  .strict()
export type SignIn = z.infer<typeof signInSchema>

/** True when a new access token can be had without the user. */
export function isRenewable(s: Pick<SignIn, 'config' | 'secrets'>): boolean {
  if (s.config.flow === 'client-credentials') return Boolean(s.secrets.clientSecret || s.secrets.clientCertificate)
  return Boolean(s.secrets.refreshToken)
}

/** What may be shown of a sign-in: everything but its secrets. */
export function summarize(s: SignIn): SignInSummary {
  return {
    name: s.name,
    provider: s.config.provider,
    flow: s.config.flow,
    tenant: s.config.provider === 'microsoft' ? (s.config.tenant ?? 'organizations') : null,
    issuer: s.issuer,
    clientId: s.config.clientId,
    account: s.account,
    scopes: [...s.scopes],
    expiresAt: s.expiresAt,
    signedInAt: s.signedInAt,
    refreshedAt: s.refreshedAt,
    renewable: isRenewable(s),
  }
}

/** Every secret a sign-in holds, for a job's redactor. */
export function secretsOfSignIn(s: Pick<SignIn, 'secrets'>): string[] {
  const { accessToken, refreshToken, clientSecret, clientCertificate } = s.secrets
  return [accessToken, refreshToken, clientSecret, clientCertificate?.privateKeyPem].filter((v): v is string => typeof v === 'string' && v.length > 0)
}

/** The config a sign-in was made with (for a fresh sign-in with the same settings). */
export function configOf(s: SignIn): OAuthConfig {
  return structuredClone(s.config)
}
