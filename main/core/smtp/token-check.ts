// A look inside an OAuth2 access token before it is sent, when the token is a JWT (Microsoft's are;
// Google's are opaque and get no remarks). Decoded locally without a signature check: this only
// warns about what the server would refuse (the wrong audience, a missing SMTP permission, an
// expired token) and says how to fix it; the server decides. Nothing here repeats the token.
import { decodeJwt, type JWTPayload } from 'jose'

/** What a JWT access token says, in one line, and what is wrong with it for SMTP. */
export interface TokenReport {
  summary: string
  warnings: string[]
}

/** The audiences Exchange Online's SMTP takes: its resource URIs, and its application id as a v1 token may name it. */
const SMTP_AUDIENCES = ['https://outlook.office.com', 'https://outlook.office365.com', '00000002-0000-0ff1-ce00-000000000000']
/** Microsoft Graph, by URI and by application id: the token people get when a scope lacks the Exchange prefix. */
const GRAPH_AUDIENCES = ['https://graph.microsoft.com', '00000003-0000-0000-c000-000000000000']
/** Issuers of Microsoft Entra tokens (v2.0 and v1). */
const MICROSOFT_ISSUER = /^https:\/\/(login\.microsoftonline\.com|sts\.windows\.net)\//i
/** Microsoft's submission hosts: smtp.office365.com, smtp-legacy.office365.com, smtp-mail.outlook.com. */
const MICROSOFT_HOST = /(^|\.)(office365\.com|outlook\.com)\.?$/i

const DELEGATED_FIX = 'ask for the scope https://outlook.office.com/SMTP.Send (with offline_access) when a user signs in'
const APP_ONLY_FIX = 'https://outlook.office365.com/.default with client credentials (app-only)'

/**
 * The report on `token` for a session with `host`, or null when the token is not a JWT (nothing to
 * say). Microsoft's audience and permission rules apply to a token Microsoft issued, or one sent to
 * Microsoft's servers; the expiry applies to any JWT.
 */
export function inspectAccessToken(token: string, opts: { host: string; now?: number }): TokenReport | null {
  let claims: JWTPayload
  try {
    claims = decodeJwt(token)
  } catch {
    return null
  }
  const now = opts.now ?? Date.now()
  const audiences = (Array.isArray(claims.aud) ? claims.aud : typeof claims.aud === 'string' ? [claims.aud] : []).map((a) => a.replace(/\/+$/, ''))
  const scopes = typeof claims.scp === 'string' ? claims.scp.split(' ').filter(Boolean) : null
  const roles = Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : null
  const expiresAt = typeof claims.exp === 'number' ? claims.exp * 1000 : null

  const warnings: string[] = []
  const microsoft =
    (typeof claims.iss === 'string' && MICROSOFT_ISSUER.test(claims.iss)) || MICROSOFT_HOST.test(opts.host) || audiences.some((a) => [...SMTP_AUDIENCES, ...GRAPH_AUDIENCES].includes(a))
  if (microsoft) {
    const forSmtp = audiences.some((a) => SMTP_AUDIENCES.includes(a))
    if (!forSmtp) warnings.push(audienceWarning(audiences))
    // With the wrong audience the scopes are another API's: the audience's fix covers them.
    else if (roles && !scopes) {
      if (!roles.includes('SMTP.SendAsApp'))
        warnings.push(
          `The app-only access token's roles (${roles.join(' ') || 'none'}) lack SMTP.SendAsApp, so Exchange Online will refuse it: give the app registration the application permission SMTP.SendAsApp of Office 365 Exchange Online, grant admin consent, then get a new token for ${APP_ONLY_FIX}.`,
        )
    } else if (!scopes?.includes('SMTP.Send'))
      warnings.push(
        `The access token's scopes (${scopes ? scopes.join(' ') || 'none' : 'no scp claim'}) lack SMTP.Send, so Exchange Online will refuse it: give the app registration the delegated permission SMTP.Send of Office 365 Exchange Online and ${DELEGATED_FIX}, then sign in again.`,
      )
  }
  if (expiresAt !== null && expiresAt <= now)
    warnings.push(
      `The access token expired at ${new Date(expiresAt).toISOString()} (${span(now - expiresAt)} ago), so the server will refuse it: access tokens last about an hour; refresh it or sign in again.`,
    )

  const what = [
    audiences.length ? `for ${audiences.join(', ')}` : 'without an audience',
    scopes ? `scopes ${scopes.join(' ') || '(none)'}` : null,
    roles ? `roles ${roles.join(' ') || '(none)'}` : null,
    expiresAt === null ? 'no expiry' : expiresAt > now ? `expires in ${span(expiresAt - now)}` : `expired ${span(now - expiresAt)} ago`,
  ].filter(Boolean)
  return { summary: `the access token is a JWT (read here without checking its signature): ${what.join('; ')}`, warnings }
}

function audienceWarning(audiences: string[]): string {
  const fix = `${DELEGATED_FIX}, or ${APP_ONLY_FIX}`
  if (audiences.some((a) => GRAPH_AUDIENCES.includes(a)))
    return `The access token is for Microsoft Graph (aud ${audiences.join(', ')}), which Exchange Online's SMTP refuses: ${fix}. A bare scope such as SMTP.Send, without https://outlook.office.com/ in front, gets a Graph token.`
  return `The access token's audience (${audiences.join(', ') || 'none'}) is not Exchange Online, whose SMTP accepts only tokens for https://outlook.office.com or https://outlook.office365.com: ${fix}.`
}

/** A duration for people: "45 s", "12 min", "3 h 5 min", "2 days". */
function span(ms: number): string {
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s} s`
  const min = Math.round(s / 60)
  if (min < 60) return `${min} min`
  const h = Math.floor(min / 60)
  if (h < 48) return min % 60 ? `${h} h ${min % 60} min` : `${h} h`
  return `${Math.round(h / 24)} days`
}
