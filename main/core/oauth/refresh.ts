import { plural } from '../../../preload/contract/wording'
import { EngineError } from '../errors'
import { Redactor } from '../transcript/redact'
import { classifyOAuthError, oauthStep, type ClassifyContext } from './classify'
import { readClock, signInFromTokens, type Now } from './flows'
import { connectIssuer, type ClientCredentials } from './issuer'
import { planSignIn, type PlanOptions } from './providers'
import { isRenewable, secretsOfSignIn, type SignIn } from './sign-in'
import type { SignInStore } from './store'

/*
 * A run needs an access token that lasts: one with less than five minutes left is renewed first
 * (a refresh token, or the client's own credentials for an app-only sign-in), and the transcript
 * says so in an info line. A refresh token the server refuses means the person must sign in again.
 */

/** Renew when less than this is left. */
export const REFRESH_MARGIN_MS = 5 * 60_000

export interface RefreshOptions {
  now?: Now
  /** Info lines for the run's transcript (already redacted; never a token). */
  log?: (line: string) => void
  signal?: AbortSignal
  /** The run's redactor: the sign-in's secrets, old and new, are added to it. */
  redactor?: Redactor
  /** Renew when less than this is left (default 5 minutes). */
  marginMs?: number
  planOptions?: PlanOptions
}

function minutesText(ms: number): string {
  const min = Math.round(Math.abs(ms) / 60_000)
  if (min < 1) return 'less than a minute'
  return plural(min, 'minute')
}

/**
 * Returns the sign-in as it is when its access token has at least `marginMs` left (or no known
 * expiry), else a renewed one (`refreshed: true`; the caller saves it). Throws an EngineError:
 * OAUTH_SIGN_IN_AGAIN when it cannot be renewed, CANCELLED, or what reaching the issuer failed with.
 */
export async function refreshIfNeeded(signIn: SignIn, opts: RefreshOptions = {}): Promise<{ signIn: SignIn; refreshed: boolean }> {
  const redactor = opts.redactor ?? new Redactor([])
  redactor.add(...secretsOfSignIn(signIn))
  const log = (line: string) => opts.log?.(redactor.redact(line))
  const now = readClock(opts.now)
  if (signIn.expiresAt === null) return { signIn, refreshed: false }
  const left = Date.parse(signIn.expiresAt) - now
  if (left >= (opts.marginMs ?? REFRESH_MARGIN_MS)) return { signIn, refreshed: false }

  const which = `“${signIn.name}”${signIn.account ? ` (${signIn.account})` : ''}`
  const state = left > 0 ? `expires in ${minutesText(left)}` : `expired ${minutesText(left)} ago`
  if (!isRenewable(signIn)) {
    if (left > 0) {
      log(`OAuth2: the access token of ${which} ${state} and cannot be renewed (the server gave no refresh token); it is used as it is.`)
      return { signIn, refreshed: false }
    }
    throw new EngineError({
      code: 'OAUTH_SIGN_IN_AGAIN',
      message: `The sign-in ${which} expired at ${signIn.expiresAt} and cannot be renewed without you (the server gave no refresh token). Sign in again.`,
    })
  }

  const { config, secrets } = signIn
  const creds: ClientCredentials = {}
  if (secrets.clientSecret) creds.clientSecret = secrets.clientSecret
  if (secrets.clientCertificate) creds.clientCertificate = secrets.clientCertificate
  const ctx = (stage: ClassifyContext['stage']): ClassifyContext => ({ stage, issuer: signIn.issuer, name: signIn.name, signal: opts.signal, redactor })
  try {
    const plan = planSignIn(config, { clientSecret: Boolean(creds.clientSecret), clientCertificate: Boolean(creds.clientCertificate) }, opts.planOptions)
    const appOnly = config.flow === 'client-credentials'
    log(`OAuth2: the access token of ${which} ${state}; asking ${signIn.issuer} for a new one (${appOnly ? 'client credentials' : 'refresh token'})`)
    const { oidc, config: client } = await oauthStep(ctx('discovery'), () => connectIssuer(plan, creds, opts.signal))
    const tokens = appOnly
      ? await oauthStep(ctx('client-credentials'), () => oidc.clientCredentialsGrant(client, { scope: plan.scopes.join(' ') }))
      : await oauthStep(ctx('refresh'), () => oidc.refreshTokenGrant(client, secrets.refreshToken!, plan.refreshWithScopes ? { scope: plan.scopes.join(' ') } : undefined))
    redactor.add(tokens.access_token, tokens.refresh_token, tokens.id_token)
    const renewed = await signInFromTokens(tokens, { name: signIn.name, config, plan, creds, now: readClock(opts.now), previous: signIn })
    log(`OAuth2: renewed the access token of ${which}${renewed.expiresAt ? `; it is valid until ${renewed.expiresAt}` : ''}.`)
    return { signIn: renewed, refreshed: true }
  } catch (err) {
    if (err instanceof EngineError) throw err
    throw new EngineError(classifyOAuthError(err, ctx('refresh')))
  }
}

/**
 * What a run calls before it uses a saved sign-in: loads it, renews it when needed and saves the
 * renewed one. INVALID_INPUT when there is no sign-in of that name.
 */
export async function freshSignIn(store: SignInStore, name: string, opts: RefreshOptions = {}): Promise<SignIn> {
  const saved = await store.get(name)
  if (!saved) throw new EngineError({ code: 'INVALID_INPUT', message: `There is no saved sign-in named “${name}”: sign in first.` })
  const { signIn, refreshed } = await refreshIfNeeded(saved, opts)
  if (refreshed) await store.save(signIn)
  return signIn
}
