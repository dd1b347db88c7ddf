import type { OAuthConfig, OAuthFlow, OAuthProvider, SignInSummary } from '@contract'

/*
 * How an OAuth2 sign-in is worded in the profile card and the sign-in dialog: who signs people in,
 * the flow, the time a code or a token has left.
 */

export const PROVIDER_LABELS: Record<OAuthProvider, string> = { microsoft: 'Microsoft', google: 'Google', generic: 'OAuth2 / OpenID Connect' }
export const FLOW_LABELS: Record<OAuthFlow, string> = { browser: 'Browser', device: 'Device code', 'client-credentials': 'Client credentials (app-only)' }

/** Who signs people in: "Microsoft (organizations)", "Google", or the issuer's host. */
export function issuerLabel(config: Pick<OAuthConfig, 'provider' | 'tenant' | 'issuer'>): string {
  if (config.provider === 'microsoft') return `Microsoft (${config.tenant ?? 'organizations'})`
  if (config.provider === 'google') return 'Google'
  try {
    return config.issuer ? new URL(config.issuer).host : 'the sign-in server'
  } catch {
    return config.issuer ?? 'the sign-in server'
  }
}

/** "9:42", "0:05": minutes and seconds left (0:00 once passed). */
export function countdown(msLeft: number): string {
  const s = Math.max(0, Math.ceil(msLeft / 1000))
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
}

/** "52 min", "3 h 10 min", "less than a minute". */
export function durationWords(ms: number): string {
  const min = Math.floor(Math.abs(ms) / 60_000)
  if (min < 1) return 'less than a minute'
  if (min < 60) return `${min} min`
  const h = Math.floor(min / 60)
  return min % 60 ? `${h} h ${min % 60} min` : `${h} h`
}

/** "14:32" local time, with the date when it is not today. */
export function clockTime(iso: string, now: number): string {
  const d = new Date(iso)
  const time = d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' })
  return new Date(now).toDateString() === d.toDateString() ? time : `${d.toLocaleDateString('en-CA')} ${time}`
}

/** The token's state in one line: "valid until 14:32 (52 min left)", "expired 3 min ago — renewed before the next run". */
export function tokenState(s: Pick<SignInSummary, 'expiresAt' | 'renewable'>, now: number): { text: string; tone: 'ok' | 'warn' | 'error' } {
  if (!s.expiresAt) return { text: 'no expiry given by the server', tone: 'ok' }
  const left = Date.parse(s.expiresAt) - now
  if (left > 5 * 60_000) return { text: `valid until ${clockTime(s.expiresAt, now)} (${durationWords(left)} left)`, tone: 'ok' }
  if (left > 0) return { text: `expires in ${durationWords(left)}${s.renewable ? ' — renewed before the next run' : ''}`, tone: 'warn' }
  return { text: `expired ${durationWords(left)} ago${s.renewable ? ' — renewed before the next run' : ' — sign in again'}`, tone: s.renewable ? 'warn' : 'error' }
}
