// AUTH with an OAuth2 access token: XOAUTH2 (Google's and Microsoft's) and OAUTHBEARER (RFC 7628),
// both run through nodemailer's public custom-auth handlers (SMTPConnection's `customAuth`), which
// send each line through nodemailer (its transcript, timeouts and reply parsing) and log the AUTH
// line with its credential masked. nodemailer's own XOAUTH2 answers a refusal by sending the same
// token a second time; one attempt is what a test should make.
import type SMTPConnection from 'nodemailer/lib/smtp-connection'

export type BearerMechanism = 'XOAUTH2' | 'OAUTHBEARER'
/** Under auth auto with a token: the standard mechanism first, then the one Google and Microsoft documented first. */
export const BEARER_MECHANISMS: readonly BearerMechanism[] = ['OAUTHBEARER', 'XOAUTH2']

export const isBearerMechanism = (m: string): m is BearerMechanism => (BEARER_MECHANISMS as readonly string[]).includes(m)

const CTRL_A = '\x01'

/**
 * The initial client response (base64) that carries the token: XOAUTH2 `user=U^Aauth=Bearer T^A^A`;
 * OAUTHBEARER the GS2 header `n,a=U,` then `host=H^Aport=P^Aauth=Bearer T^A^A` (RFC 7628 §3.1).
 */
export function initialResponse(mech: BearerMechanism, o: { user: string; token: string; host: string; port: number }): string {
  const text =
    mech === 'XOAUTH2'
      ? `user=${o.user}${CTRL_A}auth=Bearer ${o.token}${CTRL_A}${CTRL_A}`
      : `n,a=${saslName(o.user)},${CTRL_A}host=${o.host}${CTRL_A}port=${o.port}${CTRL_A}auth=Bearer ${o.token}${CTRL_A}${CTRL_A}`
  return Buffer.from(text, 'utf8').toString('base64')
}

/** RFC 5801's saslname: ',' and '=' escaped. */
function saslName(user: string): string {
  return user.replace(/=/g, '=3D').replace(/,/g, '=2C')
}

/**
 * What the client answers to the server's error challenge (a 334 with a JSON status) to end the
 * exchange, after which the server sends its final failure: XOAUTH2 an empty line; OAUTHBEARER a
 * single ^A (RFC 7628 §3.2.3), base64 in SMTP: "AQ==". Neither carries anything secret.
 */
export const CLOSING_RESPONSE: Record<BearerMechanism, { line: string; shown: string }> = {
  XOAUTH2: { line: '', shown: '   (an empty line: ends the refused XOAUTH2 exchange)' },
  OAUTHBEARER: { line: 'AQ==', shown: 'AQ==   (^A: ends the refused OAUTHBEARER exchange, RFC 7628)' },
}

/** The server's error challenge, decoded: the JSON object when it is one (status, schemes, scope …). */
export type ErrorChallenge = Record<string, unknown>

/** Decodes the base64 text of a 334 error challenge; null when it is not a JSON object. */
export function readErrorChallenge(text: string): ErrorChallenge | null {
  const b64 = text.trim()
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return null
  try {
    const value: unknown = JSON.parse(Buffer.from(b64, 'base64').toString('utf8'))
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as ErrorChallenge) : null
  } catch {
    return null
  }
}

/** The token was refused: nodemailer adds the final reply (response) and the command, classify words it. */
export class BearerRefused extends Error {
  constructor(readonly challenge: ErrorChallenge | null) {
    super('The server refused the access token')
    this.name = 'BearerRefused'
  }
}

export interface BearerHooks {
  host: string
  port: number
  /** Called just before the closing response goes out, with the text the transcript should show for it. */
  closing(shown: string): void
}

/**
 * The custom-auth handler for `mech`: the AUTH line with the initial response (one round trip when
 * the token is accepted); on a 334 error challenge, the closing response, then the final reply.
 * The token is the `pass` of the auth object handed to login().
 */
export function bearerHandler(mech: BearerMechanism, hooks: BearerHooks): SMTPConnection.CustomAuthenticationHandlers[string] {
  return async (ctx) => {
    const { user, pass: token } = ctx.auth.credentials
    const first = await ctx.sendCommand(`AUTH ${mech} ${initialResponse(mech, { user, token, host: hooks.host, port: hooks.port })}`)
    if (first.status === 235) return
    if (first.status !== 334) throw new BearerRefused(null)
    const challenge = readErrorChallenge(first.text)
    const closing = CLOSING_RESPONSE[mech]
    hooks.closing(closing.shown)
    const last = await ctx.sendCommand(closing.line)
    // RFC 7628 has the server fail after the closing response; a server that says 235 instead let us in.
    if (last.status === 235) return
    throw new BearerRefused(challenge)
  }
}
