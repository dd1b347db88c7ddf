import type { ClassifiedError } from '../../../preload/contract'
import { EngineError, internalError } from '../errors'
import type { Redactor } from '../transcript/redact'

/*
 * openid-client's failures as Mailprobe's classified errors: a stable code and a sentence a
 * person can act on, with the server's own `error` and `error_description` quoted. Every sentence
 * passes through the sign-in's redactor (a server may echo what it was sent).
 */

/** Which step failed: it changes what the same OAuth error means (invalid_grant on a refresh: sign in again). */
export type OAuthStage = 'discovery' | 'authorization' | 'token' | 'device' | 'refresh' | 'client-credentials'

export interface ClassifyContext {
  stage: OAuthStage
  /** The issuer, as people should recognise it. */
  issuer: string
  /** The sign-in's name (a refresh says which one must be made again). */
  name?: string
  /** The sign-in's cancel signal: a failure after it aborted is the cancellation. */
  signal?: AbortSignal
  redactor?: Redactor
}

interface OAuthErrorFields {
  error?: unknown
  error_description?: unknown
  status?: unknown
  code?: unknown
  cause?: unknown
  message?: unknown
}

/** "invalid_grant: AADSTS70000: …" — the server's own words. */
function serverSaid(e: OAuthErrorFields): string {
  const error = typeof e.error === 'string' ? e.error : 'error'
  const desc = typeof e.error_description === 'string' ? e.error_description.trim().replace(/\s+/g, ' ') : ''
  return desc ? `${error}: ${desc.length > 400 ? `${desc.slice(0, 400)}…` : desc}` : error
}

/** Node's fetch failures (TypeError "fetch failed") by the cause's code. */
const NETWORK: Record<string, { code: ClassifiedError['code']; why: string }> = {
  ENOTFOUND: { code: 'DNS_FAILED', why: 'its host name did not resolve' },
  EAI_AGAIN: { code: 'DNS_FAILED', why: 'its host name could not be resolved (DNS did not answer)' },
  ECONNREFUSED: { code: 'CONNECT_REFUSED', why: 'the connection was refused' },
  ETIMEDOUT: { code: 'CONNECT_TIMEOUT', why: 'the connection timed out' },
  UND_ERR_CONNECT_TIMEOUT: { code: 'CONNECT_TIMEOUT', why: 'the connection timed out' },
  ECONNRESET: { code: 'CONNECTION_LOST', why: 'the connection was reset' },
  UND_ERR_SOCKET: { code: 'CONNECTION_LOST', why: 'the connection closed unexpectedly' },
  CERT_HAS_EXPIRED: { code: 'CERT_EXPIRED', why: 'its certificate has expired' },
  ERR_TLS_CERT_ALTNAME_INVALID: { code: 'CERT_HOSTNAME_MISMATCH', why: 'its certificate is not for that host name' },
  DEPTH_ZERO_SELF_SIGNED_CERT: { code: 'CERT_UNTRUSTED', why: 'its certificate is self-signed' },
  SELF_SIGNED_CERT_IN_CHAIN: { code: 'CERT_UNTRUSTED', why: 'its certificate is signed by an untrusted CA' },
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: { code: 'CERT_UNTRUSTED', why: 'its certificate could not be verified' },
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: { code: 'CERT_UNTRUSTED', why: 'its certificate is signed by an untrusted CA' },
}

function networkCause(err: unknown): { code: ClassifiedError['code']; why: string } | null {
  let e: unknown = err
  for (let depth = 0; depth < 4 && e; depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && NETWORK[code]) return NETWORK[code]
    e = (e as { cause?: unknown }).cause
  }
  return null
}

/** The sentence for an OAuth error the server answered (token, device or authorization endpoint). */
function oauthRefusal(e: OAuthErrorFields, ctx: ClassifyContext): ClassifiedError {
  const said = serverSaid(e)
  const who = ctx.issuer
  const status = typeof e.status === 'number' ? `HTTP ${e.status}` : undefined
  const detail = status ? { detail: `${status} from ${who}` } : {}
  switch (e.error) {
    case 'invalid_grant':
    case 'invalid_token':
    case 'interaction_required':
    case 'consent_required':
    case 'login_required':
      if (ctx.stage === 'refresh') {
        return {
          code: 'OAUTH_SIGN_IN_AGAIN',
          message: `The sign-in${ctx.name ? ` “${ctx.name}”` : ''} can no longer be renewed: ${who} refused its refresh token (${said}). Sign in again.`,
          ...detail,
        }
      }
      return { code: 'OAUTH_FAILED', message: `${who} refused the sign-in (${said}). Run the sign-in again.`, ...detail }
    case 'expired_token':
      return { code: 'OAUTH_EXPIRED', message: `The device code expired before the sign-in was finished (${said}). Run the sign-in again and enter the new code in time.`, ...detail }
    case 'access_denied':
      return {
        code: 'OAUTH_FAILED',
        message: `The sign-in was declined (${said}). Sign in again and accept the permissions asked for, or ask an administrator to grant consent for the app.`,
        ...detail,
      }
    case 'invalid_client':
      // AADSTS7000218: a device or browser sign-in without a secret, while the app is not a public client.
      if (typeof e.error_description === 'string' && e.error_description.includes('AADSTS7000218')) {
        return {
          code: 'OAUTH_FAILED',
          message: `${who} wants a client secret from this app (${said}). For a person signing in, turn on “Allow public client flows” under Authentication in the app registration.`,
          ...detail,
        }
      }
      return { code: 'OAUTH_FAILED', message: `${who} did not accept the client (${said}). Check the client id, and the client secret or certificate.`, ...detail }
    case 'unauthorized_client':
      return {
        code: 'OAUTH_FAILED',
        message: `The app may not use this flow (${said}). Allow it in the app registration (for Microsoft’s device flow: Authentication → “Allow public client flows”).`,
        ...detail,
      }
    case 'invalid_scope':
      return {
        code: 'OAUTH_FAILED',
        message: `${who} refused the scopes asked for (${said}). Check the scopes: Microsoft takes https://outlook.office.com/SMTP.Send for a person and https://outlook.office365.com/.default for an app; Google takes https://mail.google.com/.`,
        ...detail,
      }
    case 'invalid_request':
      return { code: 'OAUTH_FAILED', message: `${who} refused the request (${said}). Check the client id, the redirect address registered for the app and the flow.`, ...detail }
    default:
      if (ctx.stage === 'refresh' && typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
        return {
          code: 'OAUTH_SIGN_IN_AGAIN',
          message: `The sign-in${ctx.name ? ` “${ctx.name}”` : ''} could not be renewed: ${who} answered ${said}. Sign in again.`,
          ...detail,
        }
      }
      return { code: 'OAUTH_FAILED', message: `${who} refused the request (${said}).`, ...detail }
  }
}

/** openid-client's own errors (ClientError and friends), by their code. */
function clientFailure(e: OAuthErrorFields, ctx: ClassifyContext): ClassifiedError {
  const code = typeof e.code === 'string' ? e.code : ''
  const cause = e.cause as (OAuthErrorFields & { status?: number; attribute?: unknown; expected?: unknown; body?: { issuer?: unknown } }) | undefined
  const causeMessage = typeof cause?.message === 'string' ? cause.message : ''
  const who = ctx.issuer
  if (code === 'OAUTH_INVALID_RESPONSE' && causeMessage.includes('"state"')) {
    return {
      code: 'OAUTH_FAILED',
      message:
        'The answer that reached Mailprobe’s sign-in page did not carry this sign-in’s state (it may come from an older sign-in, or from another program), so it was refused and no token was asked for. Run the sign-in again.',
    }
  }
  if (code === 'OAUTH_RESPONSE_IS_NOT_CONFORM') {
    const status = cause instanceof Response ? cause.status : undefined
    if (ctx.stage === 'discovery') {
      return {
        code: 'OAUTH_FAILED',
        message: `${who} has no discovery document (${status ? `HTTP ${status}` : 'unexpected answer'} for its /.well-known/openid-configuration): check the ${ctx.issuer.includes('login.microsoftonline.com') ? 'tenant' : 'issuer URL'}, or give the endpoints.`,
      }
    }
    return { code: 'OAUTH_FAILED', message: `${who} answered with an unexpected HTTP status${status ? ` (${status})` : ''}.` }
  }
  if (code === 'OAUTH_RESPONSE_IS_NOT_JSON') return { code: 'OAUTH_FAILED', message: `${who} did not answer with JSON: check the issuer URL or the endpoints.` }
  if (code === 'OAUTH_JSON_ATTRIBUTE_COMPARISON' && cause?.attribute === 'issuer') {
    const named = typeof cause.body?.issuer === 'string' ? ` (${cause.body.issuer})` : ''
    return { code: 'OAUTH_FAILED', message: `The discovery document at ${who} names another issuer${named}: give the issuer URL exactly as the server names itself.` }
  }
  if (code === 'OAUTH_TIMEOUT') return { code: 'OAUTH_FAILED', message: `${who} did not answer in time.` }
  if (code === 'OAUTH_HTTP_REQUEST_FORBIDDEN') return { code: 'INVALID_INPUT', message: `${who} must be reached over https (plain http is allowed only on 127.0.0.1).` }
  if (code.startsWith('OAUTH_JWT')) {
    return { code: 'OAUTH_FAILED', message: `The id token from ${who} did not pass its checks (${String(e.message)}${causeMessage ? `: ${causeMessage}` : ''}).` }
  }
  return { code: 'OAUTH_FAILED', message: `The sign-in with ${who} failed: ${String(e.message)}${causeMessage ? ` (${causeMessage})` : ''}.` }
}

function classifyRaw(err: unknown, ctx: ClassifyContext): ClassifiedError {
  if (ctx.signal?.aborted) return { code: 'CANCELLED', message: ctx.stage === 'refresh' ? 'You cancelled the renewal of the sign-in.' : 'You cancelled the sign-in.' }
  if (err instanceof EngineError) return err.info
  const e = (err ?? {}) as OAuthErrorFields & { name?: unknown }
  // ResponseBodyError (an error answer from an endpoint) and AuthorizationResponseError (the redirect carried one).
  if ((e.name === 'ResponseBodyError' || e.name === 'AuthorizationResponseError') && typeof e.error === 'string') return oauthRefusal(e, ctx)
  const net = networkCause(err)
  if (net) return { code: net.code, message: `Mailprobe could not reach ${ctx.issuer}: ${net.why}.` }
  if (e.name === 'ClientError') return clientFailure(e, ctx)
  if (e.name === 'OperationProcessingError' || e.name === 'TypeError') return clientFailure(e, ctx)
  return internalError(err)
}

/** The classified error for a failed OAuth step, redacted. */
export function classifyOAuthError(err: unknown, ctx: ClassifyContext): ClassifiedError {
  const info = classifyRaw(err, ctx)
  const r = ctx.redactor
  if (!r) return info
  return { ...info, message: r.redact(info.message), ...(info.detail ? { detail: r.redact(info.detail) } : {}) }
}

/** Runs one OAuth step; anything it throws becomes an EngineError with a classified, redacted error. */
export async function oauthStep<T>(ctx: ClassifyContext, step: () => Promise<T>): Promise<T> {
  try {
    return await step()
  } catch (err) {
    throw new EngineError(classifyOAuthError(err, ctx))
  }
}
