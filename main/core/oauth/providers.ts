import { defaultScopes, type OAuthConfig, type OAuthEndpoints, type OAuthFlow, type OAuthProvider } from '../../../preload/contract'
import { EngineError } from '../errors'

/*
 * The presets: where each provider signs people in, and which scopes submission over SMTP needs.
 * Pure data and checks (no network, no openid-client), so the interface and the CLI can explain a
 * configuration before anything is started.
 */

export const MICROSOFT_LOGIN = 'https://login.microsoftonline.com'
export const MICROSOFT_DEFAULT_TENANT = 'organizations'
// The scopes submission needs are the contract's (the profile editor shows them as the defaults).
export { MICROSOFT_DELEGATED_SCOPES, MICROSOFT_APP_SCOPES, GOOGLE_SCOPES, defaultScopes } from '../../../preload/contract'

export const GOOGLE_ISSUER = 'https://accounts.google.com'

/** Tenants that name no single organisation: fine for people signing in, not for an app acting alone. */
const SHARED_TENANTS = new Set(['organizations', 'common', 'consumers'])

/** What a sign-in needs to know about its issuer, resolved from a config. */
export interface IssuerPlan {
  provider: OAuthProvider
  flow: OAuthFlow
  clientId: string
  /** Microsoft's tenant; null for the others. */
  tenant: string | null
  /** The issuer (authority) identifier: discovered from, and checked against, its metadata. */
  issuer: string
  /** Endpoints given by hand (generic without discovery); null: discover them from the issuer. */
  endpoints: OAuthEndpoints | null
  /** The scopes to ask for. */
  scopes: string[]
  /** Extra authorization-request parameters the provider needs (Google: offline access). */
  authorizationParams: Record<string, string>
  /** Whether a refresh asks for the scopes again (Microsoft's v2.0 endpoint wants them). */
  refreshWithScopes: boolean
  /** Microsoft's client assertion: `aud` is the token endpoint, the certificate goes by its thumbprint. */
  microsoftAssertion: boolean
}

/** Options the tests (and a sovereign cloud, one day) use to point the Microsoft preset elsewhere. */
export interface PlanOptions {
  /** Default https://login.microsoftonline.com. */
  microsoftLogin?: string
}

function invalid(message: string): never {
  throw new EngineError({ code: 'INVALID_INPUT', message })
}

/**
 * Resolves a (schema-valid) config into what the flows need, or refuses it with INVALID_INPUT and
 * a sentence saying what to change. `secrets` says which client credentials the caller has.
 */
export function planSignIn(config: OAuthConfig, secrets: { clientSecret?: boolean; clientCertificate?: boolean } = {}, opts: PlanOptions = {}): IssuerPlan {
  const { provider, flow, clientId } = config
  const scopes = config.scopes?.length ? [...config.scopes] : defaultScopes(provider, flow)
  const base = { provider, flow, clientId, scopes, authorizationParams: {} as Record<string, string>, refreshWithScopes: false, microsoftAssertion: false }
  if (flow === 'client-credentials' && !secrets.clientSecret && !secrets.clientCertificate) {
    invalid(
      provider === 'microsoft'
        ? 'The client-credentials flow needs the app’s client secret or its certificate (and private key).'
        : 'The client-credentials flow needs the client secret (give it with --client-secret-env VAR).',
    )
  }
  if (secrets.clientCertificate && flow !== 'client-credentials') invalid('A client certificate is used only with the client-credentials flow.')

  if (provider === 'microsoft') {
    const tenant = config.tenant ?? MICROSOFT_DEFAULT_TENANT
    if (flow === 'client-credentials' && SHARED_TENANTS.has(tenant.toLowerCase())) {
      invalid(`An app signs in to one tenant: give the tenant id or domain (e.g. contoso.onmicrosoft.com) instead of “${tenant}” for the client-credentials flow.`)
    }
    if (flow === 'client-credentials' && scopes.some((s) => /\/SMTP\.Send(AsApp)?$/i.test(s))) {
      invalid('App-only tokens take the scope https://outlook.office365.com/.default (the app’s SMTP.SendAsApp permission comes with it); SMTP.Send and SMTP.SendAsApp are not scopes to ask for here.')
    }
    const login = (opts.microsoftLogin ?? MICROSOFT_LOGIN).replace(/\/+$/, '')
    return {
      ...base,
      tenant,
      issuer: `${login}/${tenant}/v2.0`,
      endpoints: null,
      authorizationParams: { prompt: 'select_account' },
      refreshWithScopes: true,
      microsoftAssertion: true,
    }
  }

  if (provider === 'google') {
    if (flow === 'device') {
      invalid('Google’s device flow does not allow the https://mail.google.com/ scope that SMTP needs: use the browser flow (--flow browser).')
    }
    if (flow === 'client-credentials') {
      invalid('Google has no client-credentials flow for Gmail: use the browser flow (a service account with domain-wide delegation is not supported here).')
    }
    // offline: a refresh token; consent: Google sends a refresh token only when consent is shown.
    return { ...base, tenant: null, issuer: GOOGLE_ISSUER, endpoints: null, authorizationParams: { access_type: 'offline', prompt: 'consent' } }
  }

  if (!scopes.length) invalid('Give the scopes the mail server needs (--scope S, once per scope): a generic issuer has no default scopes.')
  const endpoints = config.endpoints ?? null
  if (endpoints) {
    if (flow === 'browser' && !endpoints.authorization) invalid('The browser flow needs the authorization endpoint (or an issuer URL to discover it).')
    if (flow === 'device' && !endpoints.device) invalid('The device flow needs the device authorization endpoint (or an issuer URL to discover it).')
  }
  const issuer = config.issuer ?? (endpoints ? new URL(endpoints.token).origin : invalid('A generic provider needs an issuer URL or its endpoints.'))
  return { ...base, tenant: null, issuer, endpoints }
}

/** The provider's name as people know it. */
export function providerLabel(provider: OAuthProvider): string {
  return provider === 'microsoft' ? 'Microsoft' : provider === 'google' ? 'Google' : 'the sign-in server'
}
