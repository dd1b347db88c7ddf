import type { TokenEndpointResponse, TokenEndpointResponseHelpers } from 'openid-client'
import { oauthConfigSchema, signInNameSchema, type OAuthConfig } from '../../../preload/contract'
import { plural } from '../../../preload/contract/wording'
import { EngineError } from '../errors'
import { Redactor } from '../transcript/redact'
import { describeIssues } from '../validation'
import { classifyOAuthError, oauthStep, type ClassifyContext, type OAuthStage } from './classify'
import { connectIssuer, type ClientCertificate, type ClientCredentials, type IssuerConnection } from './issuer'
import { CALLBACK_PATH, startLoopbackReceiver } from './loopback'
import { planSignIn, type IssuerPlan, type PlanOptions } from './providers'
import type { SignIn } from './sign-in'

/*
 * The three ways to sign in — the browser (authorization code + PKCE, loopback redirect), a device
 * code (RFC 8628) and client credentials — each ending in a SignIn. Every protocol step is
 * openid-client's; this file waits, cancels, times out, keeps secrets out of what it says, and
 * words the outcome. Every failure is thrown as an EngineError with a classified, redacted error.
 */

/** When the clock is read: a fixed time, or a function (tests pass their own). Default Date.now. */
export type Now = number | Date | (() => number)

export function readClock(now: Now | undefined): number {
  if (now === undefined) return Date.now()
  if (typeof now === 'function') return now()
  return typeof now === 'number' ? now : now.getTime()
}

/** "45 seconds", "1 minute", "15 minutes". */
export function durationText(ms: number): string {
  const seconds = Math.max(1, Math.round(ms / 1000))
  return seconds < 90 ? plural(seconds, 'second') : plural(Math.round(seconds / 60), 'minute')
}

/** ISO time without milliseconds, as lines and summaries show it. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

export interface SignInCommonOptions {
  /** What the sign-in is saved as: the CLI's --name, or the app's profile id. */
  name: string
  /** Cancels whatever the sign-in is waiting for (CANCELLED). */
  signal?: AbortSignal
  /** Info lines for the transcript or the terminal (already redacted; never a secret). */
  log?: (line: string) => void
  /** The job's redactor: the sign-in adds every secret it handles to it (PKCE verifier, device code, tokens). */
  redactor?: Redactor
  /** The client secret (client credentials; also clients that must present one, like Google's desktop clients). */
  clientSecret?: string
  /** A certificate credential instead of a secret (client credentials; Microsoft). */
  clientCertificate?: ClientCertificate
  now?: Now
  /** Points the Microsoft preset elsewhere (tests). */
  planOptions?: PlanOptions
}

export interface BrowserSignInOptions extends SignInCommonOptions {
  /** Opens the sign-in page: the app passes shell.openExternal, the CLI prints the address. */
  openBrowser: (url: string) => unknown
  /** How long to wait for the browser to come back (default 5 minutes). */
  timeoutMs?: number
}

/** What a person needs to finish a device sign-in on another screen. */
export interface DeviceCode {
  userCode: string
  verificationUri: string
  /** The address with the code in it, when the server gives one (for a QR code or a click). */
  verificationUriComplete: string | null
  /** When the code stops working (ISO 8601). */
  expiresAt: string
  /** Seconds between polls the server asked for. */
  intervalSeconds: number
}

export interface DeviceSignInOptions extends SignInCommonOptions {
  /** Called once the code is known: the app shows it large with a countdown, the CLI prints it. */
  onCode: (code: DeviceCode) => void
}

export type SignInOptions = SignInCommonOptions & {
  openBrowser?: BrowserSignInOptions['openBrowser']
  timeoutMs?: number
  onCode?: DeviceSignInOptions['onCode']
}

export const BROWSER_TIMEOUT_MS = 5 * 60_000

type Tokens = TokenEndpointResponse & TokenEndpointResponseHelpers

/** What every flow starts with: the checked config, its plan, the redactor and the voice. */
interface Start {
  config: OAuthConfig
  plan: IssuerPlan
  creds: ClientCredentials
  redactor: Redactor
  log: (line: string) => void
  ctx: (stage: OAuthStage) => ClassifyContext
}

function invalid(message: string): never {
  throw new EngineError({ code: 'INVALID_INPUT', message })
}

function begin(input: OAuthConfig, opts: SignInCommonOptions): Start {
  const redactor = opts.redactor ?? new Redactor([])
  redactor.add(opts.clientSecret, opts.clientCertificate?.privateKeyPem)
  const parsed = oauthConfigSchema.safeParse(input)
  if (!parsed.success) invalid(redactor.redact(`The sign-in settings are not valid: ${describeIssues(parsed.error.issues)}`))
  const name = signInNameSchema.safeParse(opts.name)
  if (!name.success) invalid(`The sign-in name is not valid: ${describeIssues(name.error.issues)}`)
  const config = parsed.data
  const creds: ClientCredentials = {}
  if (opts.clientSecret) creds.clientSecret = opts.clientSecret
  if (opts.clientCertificate) creds.clientCertificate = opts.clientCertificate
  const plan = planSignIn(config, { clientSecret: Boolean(creds.clientSecret), clientCertificate: Boolean(creds.clientCertificate) }, opts.planOptions)
  const log = (line: string) => opts.log?.(redactor.redact(line))
  const ctx = (stage: OAuthStage): ClassifyContext => ({ stage, issuer: plan.issuer, name: opts.name, signal: opts.signal, redactor })
  if (opts.signal?.aborted) throw new EngineError({ code: 'CANCELLED', message: 'You cancelled the sign-in.' })
  return { config, plan, creds, redactor, log, ctx }
}

function connect(start: Start, signal: AbortSignal | undefined): Promise<IssuerConnection> {
  start.log(`OAuth2: ${start.plan.endpoints ? 'using the endpoints given for' : 'discovering'} ${start.plan.issuer}`)
  return oauthStep(start.ctx('discovery'), () => connectIssuer(start.plan, start.creds, signal))
}

/**
 * Waits for `promise`, or rejects when `signal` aborts (CANCELLED) or `timeoutMs` passes
 * (`onTimeout`). openid-client looks at its signal only between polls, so the wait itself ends here.
 */
function waitFor<T>(promise: Promise<T>, signal: AbortSignal | undefined, timeoutMs: number, onTimeout: () => EngineError): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const settle = (fn: () => void) => {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      fn()
    }
    const onAbort = () => settle(() => reject(new EngineError({ code: 'CANCELLED', message: 'You cancelled the sign-in.' })))
    const timer = setTimeout(() => settle(() => reject(onTimeout())), Math.max(0, timeoutMs))
    if (signal?.aborted) return onAbort()
    signal?.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => settle(() => resolve(value)),
      (err: unknown) => settle(() => reject(err)),
    )
  })
}

/** Claims of a JWT, unverified (only to name the account); null when the token is not a JWT. */
async function jwtClaims(token: string): Promise<Record<string, unknown> | null> {
  if (token.split('.').length !== 3) return null
  try {
    const { decodeJwt } = await import('jose')
    return decodeJwt(token)
  } catch {
    return null
  }
}

function firstString(claims: Record<string, unknown> | null | undefined, keys: readonly string[]): string | null {
  for (const k of keys) {
    const v = claims?.[k]
    if (typeof v === 'string' && v.trim()) return v.trim().slice(0, 512)
  }
  return null
}

/** Who signed in: the id token's email, preferred_username or upn (checked by openid-client), else the access token's. */
async function accountOf(tokens: Tokens, plan: IssuerPlan): Promise<string | null> {
  const fromId = firstString(tokens.claims() as Record<string, unknown> | undefined, ['email', 'preferred_username', 'upn'])
  if (fromId) return fromId
  const access = await jwtClaims(tokens.access_token)
  return firstString(access, plan.provider === 'microsoft' ? ['upn', 'unique_name', 'preferred_username', 'email', 'sub'] : ['email', 'preferred_username', 'upn', 'unique_name'])
}

/** When the access token expires: expires_in from now, else the JWT's exp, else unknown. */
async function expiryOf(tokens: Tokens, now: number): Promise<number | null> {
  if (typeof tokens.expires_in === 'number') return now + tokens.expires_in * 1000
  const exp = (await jwtClaims(tokens.access_token))?.exp
  return typeof exp === 'number' ? exp * 1000 : null
}

/** The SignIn for a token response; `previous` is the sign-in a refresh renews. */
export async function signInFromTokens(tokens: Tokens, base: { name: string; config: OAuthConfig; plan: IssuerPlan; creds: ClientCredentials; now: number; previous?: SignIn }): Promise<SignIn> {
  const { previous, plan, now } = base
  const expires = await expiryOf(tokens, now)
  const granted = typeof tokens.scope === 'string' && tokens.scope.trim() ? tokens.scope.trim().split(/\s+/) : (previous?.scopes ?? plan.scopes)
  const refreshToken = tokens.refresh_token ?? previous?.secrets.refreshToken
  return {
    name: base.name,
    config: base.config,
    issuer: plan.issuer,
    account: (await accountOf(tokens, plan)) ?? previous?.account ?? null,
    scopes: granted.slice(0, 64),
    expiresAt: expires === null ? null : isoSeconds(expires),
    signedInAt: previous?.signedInAt ?? isoSeconds(now),
    refreshedAt: previous ? isoSeconds(now) : null,
    secrets: {
      accessToken: tokens.access_token,
      ...(refreshToken ? { refreshToken } : {}),
      ...(base.creds.clientSecret ? { clientSecret: base.creds.clientSecret } : {}),
      ...(base.creds.clientCertificate ? { clientCertificate: base.creds.clientCertificate } : {}),
    },
  }
}

function registerTokens(redactor: Redactor, tokens: Tokens): void {
  redactor.add(tokens.access_token, tokens.refresh_token, tokens.id_token)
}

/** "Signed in as … (scopes …); the token is valid until …" */
function signedInLine(s: SignIn): string {
  const who = s.account ? ` as ${s.account}` : ''
  const until = s.expiresAt ? `; the access token is valid until ${s.expiresAt}` : ''
  return `OAuth2: signed in${who} with ${s.issuer} (scopes: ${s.scopes.join(' ') || 'none named'})${until}${s.secrets.refreshToken ? ', and can be renewed' : ''}.`
}

/**
 * Runs a flow with a redactor of its own when the caller gave none, and turns anything unexpected
 * into a classified EngineError: callers only ever catch EngineError.
 */
async function guarded<O extends SignInCommonOptions, T>(opts: O, run: (opts: O & { redactor: Redactor }) => Promise<T>): Promise<T> {
  const redactor = opts.redactor ?? new Redactor([])
  try {
    return await run({ ...opts, redactor })
  } catch (err) {
    if (err instanceof EngineError) throw err
    throw new EngineError(classifyOAuthError(err, { stage: 'token', issuer: 'the sign-in server', signal: opts.signal, redactor }))
  }
}

/** Authorization code + PKCE through the system browser and a loopback redirect. */
export function signInWithBrowser(input: OAuthConfig, opts: BrowserSignInOptions): Promise<SignIn> {
  return guarded(opts, (o) => browserFlow(input, o))
}

async function browserFlow(input: OAuthConfig, opts: BrowserSignInOptions): Promise<SignIn> {
  const start = begin(input, opts)
  const { plan, redactor, log } = start
  const { oidc, config } = await connect(start, opts.signal)
  if (!config.serverMetadata().authorization_endpoint) invalid(`${plan.issuer} has no authorization endpoint, so the browser flow cannot be used: try --flow device.`)
  const receiver = await startLoopbackReceiver()
  try {
    const verifier = oidc.randomPKCECodeVerifier()
    redactor.add(verifier)
    const state = oidc.randomState()
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: receiver.redirectUri,
      scope: plan.scopes.join(' '),
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      ...plan.authorizationParams,
    })
    const timeoutMs = opts.timeoutMs ?? BROWSER_TIMEOUT_MS
    // Entra ID matches loopback redirect URIs without their port: the app registers http://127.0.0.1/callback.
    const register = plan.provider === 'microsoft' ? ` (the app registration needs the redirect URI http://127.0.0.1${CALLBACK_PATH})` : ''
    log(`OAuth2: waiting up to ${durationText(timeoutMs)} for the sign-in in the browser; it comes back to ${receiver.redirectUri}${register}`)
    try {
      await opts.openBrowser(url.href)
    } catch (err) {
      log(`OAuth2: the browser could not be opened (${err instanceof Error ? err.message : String(err)}); open this address by hand: ${url.href}`)
    }
    const callback = await waitFor(
      receiver.callback,
      opts.signal,
      timeoutMs,
      () =>
        new EngineError({
          code: 'OAUTH_EXPIRED',
          message: `The sign-in in the browser was not finished within ${durationText(timeoutMs)}. Run it again and finish it in the browser tab that opens.`,
        }),
    )
    redactor.add(callback.searchParams.get('code'))
    const tokens = await oauthStep(start.ctx('token'), () => oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state }))
    registerTokens(redactor, tokens)
    const made = await signInFromTokens(tokens, { name: opts.name, config: start.config, plan, creds: start.creds, now: readClock(opts.now) })
    receiver.finish({ ok: true })
    log(signedInLine(made))
    return made
  } catch (err) {
    const info = err instanceof EngineError ? err.info : classifyOAuthError(err, start.ctx('token'))
    receiver.finish({ ok: false, message: info.message })
    throw new EngineError(info)
  } finally {
    await receiver.close()
  }
}

/** RFC 8628: the person enters a code on another device while this one polls. */
export function signInWithDeviceCode(input: OAuthConfig, opts: DeviceSignInOptions): Promise<SignIn> {
  return guarded(opts, (o) => deviceFlow(input, o))
}

async function deviceFlow(input: OAuthConfig, opts: DeviceSignInOptions): Promise<SignIn> {
  const start = begin(input, opts)
  const { plan, redactor, log } = start
  const { oidc, config } = await connect(start, opts.signal)
  if (!config.serverMetadata().device_authorization_endpoint) invalid(`${plan.issuer} offers no device sign-in (no device authorization endpoint): use --flow browser.`)
  const device = await oauthStep(start.ctx('device'), () => oidc.initiateDeviceAuthorization(config, { scope: plan.scopes.join(' ') }))
  redactor.add(device.device_code)
  const issuedAt = readClock(opts.now)
  const code: DeviceCode = {
    userCode: device.user_code,
    verificationUri: device.verification_uri,
    verificationUriComplete: device.verification_uri_complete ?? null,
    expiresAt: isoSeconds(issuedAt + device.expires_in * 1000),
    intervalSeconds: device.interval ?? 5,
  }
  log(`OAuth2: to sign in, open ${code.verificationUri} and enter the code ${code.userCode} (valid until ${code.expiresAt})`)
  opts.onCode(code)

  // openid-client polls (honouring interval and slow_down) until this signal aborts: on cancel, on
  // expiry, or when the wait below ends for any other reason.
  const stop = new AbortController()
  const pollSignal = opts.signal ? AbortSignal.any([opts.signal, stop.signal]) : stop.signal
  const poll = oauthStep(start.ctx('device'), () => oidc.pollDeviceAuthorizationGrant(config, device, undefined, { signal: pollSignal }))
  let tokens: Tokens
  try {
    tokens = await waitFor(
      poll,
      opts.signal,
      device.expires_in * 1000,
      () =>
        new EngineError({
          code: 'OAUTH_EXPIRED',
          message: `The code ${code.userCode} expired before the sign-in was finished (it was valid for ${durationText(device.expires_in * 1000)}). Run the sign-in again and enter the new code in time.`,
        }),
    )
  } finally {
    stop.abort()
  }
  registerTokens(redactor, tokens)
  const made = await signInFromTokens(tokens, { name: opts.name, config: start.config, plan, creds: start.creds, now: readClock(opts.now) })
  log(signedInLine(made))
  return made
}

/** App-only: the client's own secret or certificate buys the token; nobody signs in. */
export function signInWithClientCredentials(input: OAuthConfig, opts: SignInCommonOptions): Promise<SignIn> {
  return guarded(opts, (o) => clientCredentialsFlow(input, o))
}

async function clientCredentialsFlow(input: OAuthConfig, opts: SignInCommonOptions): Promise<SignIn> {
  const start = begin(input, opts)
  const { plan, redactor, log } = start
  const { oidc, config } = await connect(start, opts.signal)
  log(`OAuth2: asking ${config.serverMetadata().token_endpoint ?? plan.issuer} for an app-only token (with the client ${start.creds.clientCertificate ? 'certificate' : 'secret'})`)
  const tokens = await oauthStep(start.ctx('client-credentials'), () => oidc.clientCredentialsGrant(config, { scope: plan.scopes.join(' ') }))
  registerTokens(redactor, tokens)
  const made = await signInFromTokens(tokens, { name: opts.name, config: start.config, plan, creds: start.creds, now: readClock(opts.now) })
  log(signedInLine(made))
  return made
}

/** Runs the flow the config names. */
export async function signIn(config: OAuthConfig, opts: SignInOptions): Promise<SignIn> {
  switch (config.flow) {
    case 'browser':
      if (!opts.openBrowser) invalid('The browser flow needs a way to open the browser.')
      return signInWithBrowser(config, { ...opts, openBrowser: opts.openBrowser })
    case 'device':
      if (!opts.onCode) invalid('The device flow needs a way to show the code.')
      return signInWithDeviceCode(config, { ...opts, onCode: opts.onCode })
    case 'client-credentials':
      return signInWithClientCredentials(config, opts)
    default:
      return invalid(`Unknown flow “${String((config as { flow?: unknown }).flow)}”.`)
  }
}
