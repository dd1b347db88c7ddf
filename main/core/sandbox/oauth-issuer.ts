/**
 * The sandbox's OAuth2 / OpenID Connect issuer, on 127.0.0.1: enough of one for a person to try
 * the whole sign-in and an XOAUTH2 / OAUTHBEARER login offline, and for the tests to have a real
 * peer. It knows one client (SANDBOX_OAUTH_CLIENT_ID, public: no secret, PKCE required) and one
 * user, whom it signs in at once — no password, no consent page.
 *
 *   GET  /.well-known/openid-configuration   discovery
 *   GET  /jwks                                the public signing key
 *   GET  /authorize                           authorization code (S256 PKCE), redirected to a loopback redirect_uri
 *   POST /token                               authorization_code (PKCE checked), refresh_token, device_code
 *   POST /device_authorization                RFC 8628: a device code and a user code
 *   GET  /device[?user_code=…]                where the user code is entered (and approved)
 *
 * Tokens are JWTs signed ES256 with a key made at start (jose); the SMTP listeners check them with
 * verify() against the published key set. Everything lives in memory and dies with the sandbox.
 * Built only from shipped code (jose, node:http): the sandbox runs inside the app.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { JWK, JWTPayload } from 'jose'
import { listenOn } from '../net/serve'

/** The sandbox's one OAuth2 client: public (no secret), as a desktop app is. */
export const SANDBOX_OAUTH_CLIENT_ID = 'mailprobe-sandbox'
/** Who the sandbox signs in (the SMTP user of its OAuth2 profile). */
export const SANDBOX_OAUTH_ACCOUNT = 'sandbox-user@sandbox.mailprobe.test'
/** The scope its SMTP listeners want in a token (as Exchange wants SMTP.Send). */
export const SANDBOX_OAUTH_SMTP_SCOPE = 'smtp.send'
/** What the sandbox's OAuth2 profile asks for: who signed in, a refresh token, and SMTP. */
export const SANDBOX_OAUTH_SCOPES = ['openid', 'email', 'offline_access', SANDBOX_OAUTH_SMTP_SCOPE] as const
/** The audience of its access tokens: the sandbox's SMTP listeners. */
export const SANDBOX_OAUTH_AUDIENCE = 'smtp.sandbox.mailprobe.test'

const SUPPORTED_SCOPES = new Set<string>(SANDBOX_OAUTH_SCOPES)
const ACCESS_TOKEN_SECONDS = 3600
const CODE_SECONDS = 60
const DEVICE_SECONDS = 600
const DEVICE_INTERVAL_SECONDS = 1
/** Grants kept at once (the oldest go first): a sandbox left running must not grow without bound. */
const MAX_GRANTS = 500
const MAX_BODY = 64 * 1024
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code'
/** Letters a person reads without confusing them (no vowels, so no words; no 0/O, 1/I). */
const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ'

export interface SandboxIssuer {
  /** http://127.0.0.1:PORT — the issuer identifier and the base of every endpoint. */
  readonly url: string
  readonly port: number
  /**
   * The check an SMTP server makes of a bearer token: the signature against this issuer's key
   * set, the issuer, the audience, the expiry, the SMTP scope, and that it was issued to `user`.
   */
  verify(token: string, user: string): Promise<{ ok: true; claims: JWTPayload } | { ok: false; reason: string }>
  /** Requests answered so far, by path (for tests and the curious). */
  readonly requests: Readonly<Record<string, number>>
  close(): Promise<void>
}

interface CodeGrant {
  clientId: string
  redirectUri: string
  challenge: string
  scope: string
  expires: number
}

interface DeviceGrant {
  clientId: string
  userCode: string
  scope: string
  expires: number
  approved: boolean
}

type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unsupported_grant_type' | 'invalid_scope' | 'authorization_pending' | 'expired_token'

class OAuthRefusal extends Error {
  constructor(
    readonly error: OAuthErrorCode,
    description: string,
  ) {
    super(description)
  }
}

/** A bounded map: the oldest entry goes when it is full. */
class Grants<T> extends Map<string, T> {
  override set(key: string, value: T): this {
    if (!this.has(key) && this.size >= MAX_GRANTS) this.delete(this.keys().next().value!)
    return super.set(key, value)
  }
}

const random = (bytes = 32) => randomBytes(bytes).toString('base64url')

function userCode(): string {
  const bytes = randomBytes(8)
  const letters = [...bytes].map((b) => USER_CODE_ALPHABET[b % USER_CODE_ALPHABET.length])
  return `${letters.slice(0, 4).join('')}-${letters.slice(4).join('')}`
}

/** RFC 8252: a native app's redirect is http on the loopback interface (any port, any path). */
function isLoopbackRedirect(uri: string): boolean {
  try {
    const u = new URL(uri)
    return u.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(u.hostname) && !u.username && !u.password && !u.hash
  } catch {
    return false
  }
}

/** The scopes granted: those asked for that the sandbox knows (none asked: all of them). */
function grantedScopes(asked: string | null): string {
  const wanted = (asked ?? '').split(/\s+/).filter(Boolean)
  if (!wanted.length) return [...SUPPORTED_SCOPES].join(' ')
  const unknown = wanted.filter((s) => !SUPPORTED_SCOPES.has(s))
  if (unknown.length) throw new OAuthRefusal('invalid_scope', `The sandbox issuer does not know the scope ${unknown[0]}; it offers ${[...SUPPORTED_SCOPES].join(' ')}.`)
  return wanted.join(' ')
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

/** A page of the issuer: no script, nothing loaded from anywhere, a form that submits to itself. */
function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mailprobe sandbox — ${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1f2328}h1{font-size:1.4rem}.ok{color:#1a7f37}.bad{color:#cf222e}input{font:1.2rem ui-monospace,monospace;letter-spacing:.1em;padding:.3rem .5rem;text-transform:uppercase}button{font:inherit;padding:.35rem .9rem}small{opacity:.7}</style>
</head><body>${body}<p><small>The Mailprobe sandbox's sign-in server: local, for trying OAuth2 without an account. It signs in ${escapeHtml(SANDBOX_OAUTH_ACCOUNT)} without a password.</small></p></body></html>
`
}

const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text) }).end(text)
}

function sendPage(res: ServerResponse, status: number, title: string, body: string): void {
  const html = page(title, body)
  res.writeHead(status, { ...PAGE_HEADERS, 'Content-Length': Buffer.byteLength(html) }).end(html)
}

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY) {
        reject(new OAuthRefusal('invalid_request', 'The request body is too large.'))
        req.destroy()
      } else chunks.push(c)
    })
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))))
    req.on('error', reject)
  })
}

/** Starts the issuer on 127.0.0.1 and a port the system picks. */
export async function startSandboxIssuer(): Promise<SandboxIssuer> {
  // jose is ESM only: loaded when the sandbox starts, not when a module that mentions it is loaded.
  const jose = await import('jose')
  const { privateKey, publicKey } = await jose.generateKeyPair('ES256')
  const publicJwk: JWK = { ...(await jose.exportJWK(publicKey)), alg: 'ES256', use: 'sig' }
  publicJwk.kid = await jose.calculateJwkThumbprint(publicJwk)
  const keySet = jose.createLocalJWKSet({ keys: [publicJwk] })

  const codes = new Grants<CodeGrant>()
  const refreshTokens = new Grants<{ clientId: string; scope: string }>()
  const devices = new Grants<DeviceGrant>()
  const requests: Record<string, number> = {}
  let url = ''

  const sign = (claims: JWTPayload, audience: string) =>
    new jose.SignJWT(claims)
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: publicJwk.kid! })
      .setIssuer(url)
      .setAudience(audience)
      .setSubject('sandbox-user')
      .setIssuedAt()
      .setExpirationTime(`${ACCESS_TOKEN_SECONDS}s`)
      .setJti(randomUUID())
      .sign(privateKey)

  /** The token response for a grant (a new refresh token every time; the old one stays valid until it is pushed out). */
  const tokens = async (clientId: string, scope: string) => {
    const scopes = scope.split(' ')
    const body: Record<string, unknown> = {
      access_token: await sign({ client_id: clientId, scope, email: SANDBOX_OAUTH_ACCOUNT }, SANDBOX_OAUTH_AUDIENCE),
      token_type: 'Bearer',
      expires_in: ACCESS_TOKEN_SECONDS,
      scope,
    }
    if (scopes.includes('offline_access')) {
      const refreshToken = random()
      refreshTokens.set(refreshToken, { clientId, scope })
      body.refresh_token = refreshToken
    }
    if (scopes.includes('openid')) body.id_token = await sign({ email: SANDBOX_OAUTH_ACCOUNT, email_verified: true }, clientId)
    return body
  }

  const clientOf = (form: URLSearchParams, req: IncomingMessage): string => {
    // A public client names itself in the body; one sent with HTTP Basic (a secret the user typed) is taken by its id too.
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '')?.[1]
    const id = form.get('client_id') ?? (basic ? decodeURIComponent(Buffer.from(basic, 'base64').toString('utf8').split(':')[0] ?? '') : null)
    if (id !== SANDBOX_OAUTH_CLIENT_ID) throw new OAuthRefusal('invalid_client', `The sandbox issuer knows one client, ${SANDBOX_OAUTH_CLIENT_ID}${id ? `, not ${id}` : ''}.`)
    return id
  }

  const token = async (form: URLSearchParams, req: IncomingMessage): Promise<Record<string, unknown>> => {
    const clientId = clientOf(form, req)
    const grant = form.get('grant_type')
    if (grant === 'authorization_code') {
      const code = codes.get(form.get('code') ?? '')
      codes.delete(form.get('code') ?? '')
      if (!code || code.expires < Date.now() || code.clientId !== clientId) throw new OAuthRefusal('invalid_grant', 'The authorization code is unknown, used or expired.')
      if (form.get('redirect_uri') !== code.redirectUri) throw new OAuthRefusal('invalid_grant', 'redirect_uri differs from the one the code was issued for.')
      const verifier = form.get('code_verifier') ?? ''
      if (createHash('sha256').update(verifier).digest('base64url') !== code.challenge) throw new OAuthRefusal('invalid_grant', 'The PKCE code_verifier does not match the code_challenge.')
      return tokens(clientId, code.scope)
    }
    if (grant === 'refresh_token') {
      const saved = refreshTokens.get(form.get('refresh_token') ?? '')
      if (!saved || saved.clientId !== clientId) throw new OAuthRefusal('invalid_grant', 'The refresh token is unknown or was revoked (the sandbox forgets its grants when it stops).')
      return tokens(clientId, saved.scope)
    }
    if (grant === DEVICE_GRANT) {
      const deviceCode = form.get('device_code') ?? ''
      const device = devices.get(deviceCode)
      if (!device || device.clientId !== clientId) throw new OAuthRefusal('invalid_grant', 'The device code is unknown.')
      if (device.expires < Date.now()) {
        devices.delete(deviceCode)
        throw new OAuthRefusal('expired_token', 'The device code expired.')
      }
      if (!device.approved) throw new OAuthRefusal('authorization_pending', `Waiting for the code ${device.userCode} to be entered.`)
      devices.delete(deviceCode)
      return tokens(clientId, device.scope)
    }
    throw new OAuthRefusal('unsupported_grant_type', `The sandbox issuer takes authorization_code, refresh_token and ${DEVICE_GRANT}.`)
  }

  const authorize = (query: URLSearchParams, res: ServerResponse): void => {
    const clientId = query.get('client_id')
    const redirectUri = query.get('redirect_uri') ?? ''
    // Never redirect anywhere but a loopback address: a bad request is answered here.
    if (clientId !== SANDBOX_OAUTH_CLIENT_ID)
      return sendPage(res, 400, 'Unknown client', `<h1 class="bad">Unknown client</h1><p>The sandbox issuer knows one client, <code>${SANDBOX_OAUTH_CLIENT_ID}</code>.</p>`)
    if (!isLoopbackRedirect(redirectUri))
      return sendPage(res, 400, 'Bad redirect', '<h1 class="bad">Bad redirect</h1><p>The sandbox sends sign-ins back to a loopback address only (http://127.0.0.1:PORT/…).</p>')
    const back = new URL(redirectUri)
    const state = query.get('state')
    if (state !== null) back.searchParams.set('state', state)
    back.searchParams.set('iss', url)
    const refuse = (error: string, description: string) => {
      back.searchParams.set('error', error)
      back.searchParams.set('error_description', description)
      res.writeHead(302, { Location: back.href, 'Cache-Control': 'no-store' }).end()
    }
    if (query.get('response_type') !== 'code') return refuse('unsupported_response_type', 'The sandbox issuer answers response_type=code only.')
    const challenge = query.get('code_challenge')
    if (!challenge || query.get('code_challenge_method') !== 'S256') return refuse('invalid_request', 'PKCE with S256 is required (code_challenge and code_challenge_method=S256).')
    let scope: string
    try {
      scope = grantedScopes(query.get('scope'))
    } catch (err) {
      return refuse('invalid_scope', (err as Error).message)
    }
    const code = random()
    codes.set(code, { clientId, redirectUri, challenge, scope, expires: Date.now() + CODE_SECONDS * 1000 })
    back.searchParams.set('code', code)
    res.writeHead(302, { Location: back.href, 'Cache-Control': 'no-store' }).end()
  }

  const deviceAuthorization = (form: URLSearchParams, req: IncomingMessage): Record<string, unknown> => {
    const clientId = clientOf(form, req)
    const scope = grantedScopes(form.get('scope'))
    const deviceCode = random()
    const code = userCode()
    devices.set(deviceCode, { clientId, userCode: code, scope, expires: Date.now() + DEVICE_SECONDS * 1000, approved: false })
    return {
      device_code: deviceCode,
      user_code: code,
      verification_uri: `${url}/device`,
      verification_uri_complete: `${url}/device?user_code=${code}`,
      expires_in: DEVICE_SECONDS,
      interval: DEVICE_INTERVAL_SECONDS,
    }
  }

  /** The page where a user code is entered: a valid one is approved at once (the sandbox's user needs no password). */
  const devicePage = (query: URLSearchParams, res: ServerResponse): void => {
    const form = `<form method="get" action="/device"><p><label>Code <input name="user_code" autocomplete="off" spellcheck="false" maxlength="9" autofocus></label> <button type="submit">Sign in</button></p></form>`
    const given = (query.get('user_code') ?? '').trim().toUpperCase()
    if (!given) return sendPage(res, 200, 'Enter the code', `<h1>Enter the code Mailprobe shows</h1>${form}`)
    const grant = [...devices.values()].find((d) => d.userCode === given && d.expires >= Date.now())
    if (!grant) return sendPage(res, 400, 'Unknown code', `<h1 class="bad">That code is unknown or has expired</h1><p>Check the code Mailprobe shows, or start the sign-in again.</p>${form}`)
    grant.approved = true
    sendPage(
      res,
      200,
      'Signed in',
      `<h1 class="ok">Signed in</h1><p>${escapeHtml(SANDBOX_OAUTH_ACCOUNT)} is signed in on the device showing ${escapeHtml(given)}. You can close this tab and return to Mailprobe.</p>`,
    )
  }

  const discovery = () => ({
    issuer: url,
    authorization_endpoint: `${url}/authorize`,
    token_endpoint: `${url}/token`,
    device_authorization_endpoint: `${url}/device_authorization`,
    jwks_uri: `${url}/jwks`,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token', DEVICE_GRANT],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['ES256'],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['none', 'client_secret_post', 'client_secret_basic'],
    scopes_supported: [...SUPPORTED_SCOPES],
    claims_supported: ['sub', 'email', 'email_verified'],
    authorization_response_iss_parameter_supported: true,
  })

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { pathname, searchParams } = new URL(req.url ?? '/', url)
    requests[pathname] = (requests[pathname] ?? 0) + 1
    const method = req.method ?? 'GET'
    if (method === 'GET' && pathname === '/.well-known/openid-configuration') return sendJson(res, 200, discovery())
    if (method === 'GET' && pathname === '/jwks') return sendJson(res, 200, { keys: [publicJwk] })
    if (method === 'GET' && pathname === '/authorize') return authorize(searchParams, res)
    if (method === 'GET' && pathname === '/device') return devicePage(searchParams, res)
    if (method === 'POST' && (pathname === '/token' || pathname === '/device_authorization')) {
      try {
        const form = await readForm(req)
        return sendJson(res, 200, pathname === '/token' ? await token(form, req) : deviceAuthorization(form, req))
      } catch (err) {
        if (!(err instanceof OAuthRefusal)) throw err
        return sendJson(res, err.error === 'invalid_client' ? 401 : 400, { error: err.error, error_description: err.message })
      }
    }
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found\n')
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' })
      res.end('The sandbox issuer failed.\n')
    })
  })
  const port = await listenOn(server, 'sandbox OAuth2 issuer')
  url = `http://127.0.0.1:${port}`

  let closed: Promise<void> | undefined
  return {
    url,
    port,
    requests,
    async verify(accessToken, user) {
      try {
        const { payload } = await jose.jwtVerify(accessToken, keySet, { issuer: url, audience: SANDBOX_OAUTH_AUDIENCE, algorithms: ['ES256'] })
        const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : []
        if (!scopes.includes(SANDBOX_OAUTH_SMTP_SCOPE)) return { ok: false, reason: `the token lacks the scope ${SANDBOX_OAUTH_SMTP_SCOPE}` }
        if (typeof payload.email !== 'string' || payload.email.toLowerCase() !== user.toLowerCase()) return { ok: false, reason: `the token was issued to ${String(payload.email)}, not ${user}` }
        return { ok: true, claims: payload }
      } catch (err) {
        return { ok: false, reason: (err as { code?: string }).code ?? 'not a token of this issuer' }
      }
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      return closed
    },
  }
}
