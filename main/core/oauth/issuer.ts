import { createHash, createPrivateKey, X509Certificate } from 'node:crypto'
import type { ClientAuth, Configuration, CustomFetch, ServerMetadata } from 'openid-client'
import { isLoopbackHostname } from '../../../preload/contract'
import { EngineError } from '../errors'
import type { IssuerPlan } from './providers'

/*
 * openid-client is ESM only, and the browser host (out/web/server.cjs) is CommonJS with its
 * packages left external: it is loaded here with import() when a sign-in starts, never when a
 * module that mentions OAuth is loaded. Every protocol step is openid-client's; this file only
 * chooses how the client authenticates and lets plain http through for loopback issuers alone.
 */

export type OpenIdClient = typeof import('openid-client')

let loading: Promise<OpenIdClient> | null = null

/** openid-client, loaded once, on first use. */
export function loadOpenIdClient(): Promise<OpenIdClient> {
  loading ??= import('openid-client')
  return loading
}

/** A certificate credential (Microsoft Entra "certificates & secrets"): the PEM certificate registered with the app, and its private key. */
export interface ClientCertificate {
  certificatePem: string
  /** PKCS#8, PKCS#1 (RSA) or SEC1 (EC) PEM. */
  privateKeyPem: string
}

/** The client's own credentials, when it has any (a confidential client, or Google's desktop clients, which come with a secret). */
export interface ClientCredentials {
  clientSecret?: string
  clientCertificate?: ClientCertificate
}

export interface IssuerConnection {
  oidc: OpenIdClient
  config: Configuration
}

/** Per-request timeout for every call to the issuer (openid-client's default too). */
export const REQUEST_TIMEOUT_S = 30

function invalid(message: string): never {
  throw new EngineError({ code: 'INVALID_INPUT', message })
}

/** True when every URL is http(s) on the loopback interface with plain http: the only place openid-client may skip TLS. */
function allLoopbackHttp(urls: readonly string[]): boolean {
  return urls.some((u) => new URL(u).protocol === 'http:') && urls.every((u) => isLoopbackHostname(new URL(u).hostname))
}

/** The server's endpoints that are plain http away from loopback (a discovery document may name any). */
function insecureEndpoints(meta: Readonly<ServerMetadata>): string[] {
  const urls = [meta.authorization_endpoint, meta.token_endpoint, meta.device_authorization_endpoint].filter((u): u is string => typeof u === 'string')
  return urls.filter((u) => {
    const url = new URL(u)
    return url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHostname(url.hostname))
  })
}

/**
 * Connects to the issuer: discovery (OpenID Connect, then RFC 8414 for a generic issuer without an
 * OpenID document) or the endpoints given by hand, with the client's authentication. Every request
 * it makes later is cut short when `signal` aborts.
 */
export async function connectIssuer(plan: IssuerPlan, creds: ClientCredentials, signal?: AbortSignal): Promise<IssuerConnection> {
  const oidc = await loadOpenIdClient()
  const issuerUrls = [plan.issuer, ...Object.values(plan.endpoints ?? {}).filter((u): u is string => typeof u === 'string')]
  const insecure = allLoopbackHttp(issuerUrls)
  const customFetch = abortableFetch(signal)
  const execute = insecure ? [oidc.allowInsecureRequests] : []

  let config: Configuration
  if (plan.endpoints) {
    const server: ServerMetadata = {
      issuer: plan.issuer,
      token_endpoint: plan.endpoints.token,
      ...(plan.endpoints.authorization ? { authorization_endpoint: plan.endpoints.authorization } : {}),
      ...(plan.endpoints.device ? { device_authorization_endpoint: plan.endpoints.device } : {}),
    }
    config = new oidc.Configuration(server, plan.clientId, undefined, await clientAuth(oidc, plan, creds, server))
    for (const ext of execute) ext(config)
  } else {
    const discover = (algorithm: 'oidc' | 'oauth2', auth?: ClientAuth) =>
      oidc.discovery(new URL(plan.issuer), plan.clientId, undefined, auth, { algorithm, execute, timeout: REQUEST_TIMEOUT_S, [oidc.customFetch]: customFetch })
    if (plan.provider !== 'generic') {
      // The presets' authentication does not depend on the metadata. Entra ID's multi-tenant
      // issuer check ({tenantid} in the discovered issuer) lives on what discovery() returns.
      config = await discover('oidc', await clientAuth(oidc, plan, creds, null))
    } else {
      let found: Configuration
      try {
        found = await discover('oidc')
      } catch (err) {
        // A plain OAuth2 server publishes RFC 8414 metadata instead of an OpenID document.
        if (!isNotFound(err)) throw err
        found = await discover('oauth2')
      }
      // Again with the client's authentication, which depends on what the server supports.
      const meta = found.serverMetadata()
      config = new oidc.Configuration(meta, plan.clientId, undefined, await clientAuth(oidc, plan, creds, meta))
      for (const ext of execute) ext(config)
    }
  }
  config.timeout = REQUEST_TIMEOUT_S
  config[oidc.customFetch] = customFetch

  const bad = insecureEndpoints(config.serverMetadata())
  if (bad.length) invalid(`The sign-in server names an endpoint over plain http (${bad[0]}); only https is used away from this computer.`)
  return { oidc, config }
}

function isNotFound(err: unknown): boolean {
  const cause = (err as { cause?: unknown } | null)?.cause
  return (err as { code?: string } | null)?.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' && cause instanceof Response && cause.status === 404
}

/** fetch, with the sign-in's cancel signal added to openid-client's own timeout signal. */
function abortableFetch(signal: AbortSignal | undefined): CustomFetch {
  return (url, options) => {
    const signals = [options.signal, signal].filter((s): s is AbortSignal => s !== undefined)
    return fetch(url, { ...(options as RequestInit), signal: signals.length > 1 ? AbortSignal.any(signals) : signals[0] })
  }
}

/**
 * How the client proves who it is: a certificate assertion (private_key_jwt), a client secret
 * (in the body when the server supports it, else HTTP Basic), or nothing (a public client with PKCE).
 */
async function clientAuth(oidc: OpenIdClient, plan: IssuerPlan, creds: ClientCredentials, meta: Readonly<ServerMetadata> | null): Promise<ClientAuth> {
  if (creds.clientCertificate) return certificateAuth(oidc, plan, creds.clientCertificate)
  if (creds.clientSecret) {
    // Microsoft and Google take the secret in the body; a generic server in the body when it says
    // so, else with HTTP Basic (which RFC 6749 requires every server to accept).
    const methods = meta?.token_endpoint_auth_methods_supported
    const post = plan.provider !== 'generic' || (methods?.includes('client_secret_post') ?? false)
    return post ? oidc.ClientSecretPost(creds.clientSecret) : oidc.ClientSecretBasic(creds.clientSecret)
  }
  return oidc.None()
}

/** The certificate's SHA-1 and SHA-256 thumbprints, base64url: the `x5t` and `x5t#S256` headers. */
export function certificateThumbprints(certificatePem: string): { x5t: string; x5tS256: string } {
  let der: Buffer
  try {
    der = new X509Certificate(certificatePem).raw
  } catch {
    invalid('The client certificate is not a PEM certificate (-----BEGIN CERTIFICATE-----).')
  }
  return { x5t: createHash('sha1').update(der).digest('base64url'), x5tS256: createHash('sha256').update(der).digest('base64url') }
}

/** private_key_jwt, signed with the certificate's key and naming the certificate by its thumbprints. */
async function certificateAuth(oidc: OpenIdClient, plan: IssuerPlan, cert: ClientCertificate): Promise<ClientAuth> {
  const { x5t, x5tS256 } = certificateThumbprints(cert.certificatePem)
  let pkcs8: string
  let type: string | undefined
  try {
    const key = createPrivateKey(cert.privateKeyPem)
    type = key.asymmetricKeyType
    pkcs8 = key.export({ type: 'pkcs8', format: 'pem' }).toString()
  } catch {
    invalid('The client certificate’s private key could not be read (a PEM private key without a passphrase is needed).')
  }
  const alg = type === 'rsa' ? 'RS256' : type === 'ec' ? 'ES256' : invalid('The client certificate’s key must be RSA (or EC P-256).')
  const { importPKCS8 } = await import('jose')
  const key = await importPKCS8(pkcs8, alg)
  return (as, client, body, headers) =>
    oidc.PrivateKeyJwt(
      { key },
      {
        [oidc.modifyAssertion]: (header, payload) => {
          header.x5t = x5t
          header['x5t#S256'] = x5tS256
          // Entra ID wants the token endpoint as the assertion's audience (others take the issuer).
          if (plan.microsoftAssertion && as.token_endpoint) payload.aud = as.token_endpoint
        },
      },
    )(as, client, body, headers)
}
