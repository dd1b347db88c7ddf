// SMTP with OAuth2 access tokens: XOAUTH2 and OAUTHBEARER (RFC 7628) against peers that verify a
// JWT signed by a key pair made in the test, the error challenge decoded and the exchange finished,
// the local look inside a JWT before connecting, and the Microsoft 365 and Google replies with their
// codes and sentences. Every run is scanned for its token or password (secret-scan.ts).
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ERROR_CODES, SmtpResultSchema, type SmtpJobInput, type SmtpResult } from '../../../preload/contract'
import { runSmtp } from '../../../main/core/smtp'
import { initialResponse, type BearerMechanism } from '../../../main/core/smtp/bearer-auth'
import { inspectAccessToken } from '../../../main/core/smtp/token-check'
import { ArraySink } from '../../../main/core/transcript/event-sink'
import { makeTokenIssuer, type TokenIssuer } from '../../fixtures/bearer-tokens'
import { getTestCerts, serverCert, type KeyAndCert } from '../../fixtures/certs'
import { authPeer, type AuthAnswer } from '../../fixtures/raw-peers'
import { expectNoLeaks, findSecretLeaks } from '../../fixtures/secret-scan'
import { startSmtpPeer, type SmtpPeerOptions } from '../../fixtures/smtp-peers'

const USER = 'mailbox-canary@contoso.test'
const PASSWORD = 'Basic-canary-pw-4e1d!'
/** Google's and RFC 7628's error challenges. */
const GOOGLE_CHALLENGE = { status: '400', schemes: 'Bearer', scope: 'https://mail.google.com/' }
const RFC7628_CHALLENGE = { status: 'invalid_token', scope: 'example_scope', 'openid-configuration': 'https://issuer.mailprobe.test/.well-known/openid-configuration' }
/** A Google access token is opaque: nothing to read in it. */
const OPAQUE = 'ya29.a0AfB_canary-opaque-token-7c21'

let ca = ''
let cert: KeyAndCert
let issuer: TokenIssuer
let microsoft: TokenIssuer
const peers: { close(): Promise<void> }[] = []

beforeAll(async () => {
  ca = (await getTestCerts()).ca.cert
  cert = await serverCert('good')
  issuer = await makeTokenIssuer()
  microsoft = await makeTokenIssuer({ issuer: 'https://login.microsoftonline.com/72f988bf-0000-4000-8000-2d7cd011db47/v2.0', audience: 'https://outlook.office.com' })
})
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()))
})

async function keep<P extends { close(): Promise<void> }>(p: Promise<P>): Promise<P> {
  const peer = await p
  peers.push(peer)
  return peer
}

/** smtp-server over implicit TLS, XOAUTH2 checked by the test issuer (signature, issuer, audience, expiry). */
const jwtPeer = (extra: SmtpPeerOptions = {}) => keep(startSmtpPeer({ mode: 'tls', authMethods: ['XOAUTH2'], verifyToken: async (token) => (await issuer.verify(token)).ok, ...extra }))

/** A scripted peer; by default it accepts a token the test issuer signed and refuses others with RFC 7628's challenge. */
const scripted = (mechanisms: string[], answer?: (a: { mechanism: string; user: string; secret: string }) => AuthAnswer | Promise<AuthAnswer>) =>
  keep(
    authPeer({
      mechanisms,
      tls: cert,
      answer:
        answer ?? (async (a) => ((await issuer.verify(a.secret)).ok && a.user === USER ? { accept: true } : { challenge: RFC7628_CHALLENGE, reply: ['535 5.7.8 Authentication credentials invalid'] })),
    }),
  )

const job = (port: number, auth: NonNullable<SmtpJobInput['auth']>): SmtpJobInput => ({
  host: '127.0.0.1',
  port,
  security: 'tls',
  tls: { caPem: ca, servername: 'localhost' },
  auth,
  stopAfter: 'auth',
})

/** Runs the engine; the result must parse, and neither it nor any event may carry the secret, in any encoding. */
async function run(input: SmtpJobInput): Promise<SmtpResult> {
  const sink = new ArraySink()
  const result = SmtpResultSchema.parse(await runSmtp(input, { sink }))
  const secrets = input.auth ? [{ value: input.auth.secret, user: input.auth.user }] : []
  expectNoLeaks(JSON.stringify(sink.events), secrets, 'events')
  expectNoLeaks(JSON.stringify(result), secrets, 'result')
  return result
}

const lines = (r: SmtpResult, dir: string) => r.transcript.filter((l) => l.dir === dir).map((l) => l.text)
const authLines = (r: SmtpResult) => lines(r, 'c').filter((l) => l.startsWith('AUTH'))

describe('XOAUTH2 against a server that verifies the JWT (smtp-server)', () => {
  it('a token signed by the issuer: authenticated in one round trip, the token redacted, what the JWT says in an info line', async () => {
    const p = await jwtPeer()
    const token = await issuer.issue({ sub: USER })
    const r = await run(job(p.port, { method: 'xoauth2', user: USER, secret: token }))
    expect(r.ok, JSON.stringify(r.error)).toBe(true)
    expect(r.authMethodUsed).toBe('XOAUTH2')
    expect(authLines(r)).toEqual(['AUTH XOAUTH2 [redacted]'])
    expect(r.phases.find((ph) => ph.name === 'auth')).toMatchObject({ roundTrips: 1 })
    expect(p.auths).toEqual([expect.objectContaining({ method: 'XOAUTH2', username: USER, ok: true })])
    expect(lines(r, 'info')).toContainEqual(expect.stringMatching(/^the access token is a JWT .*for https:\/\/smtp\.mailprobe\.test; expires in (59 min|1 h)$/))
    expect(r.warnings).toEqual([])
  })

  it('a forged token: the 334 challenge decoded, an empty line ends the exchange, the final 535 is the error; no second try', async () => {
    const p = await jwtPeer({ tokenChallenge: GOOGLE_CHALLENGE })
    const forger = await makeTokenIssuer()
    const token = await issuer.issue({ sub: USER }, { signedBy: forger })
    const r = await run(job(p.port, { method: 'xoauth2', user: USER, secret: token }))
    expect(r.error).toMatchObject({ code: 'AUTH_FAILED', reply: { code: 535, text: 'Error: Username and Password not accepted' } })
    expect(r.error!.message).toContain('Its error challenge said: status 400, schemes Bearer, scope https://mail.google.com/.')
    expect(r.error!.message).toMatch(/asks for a token with the scope https:\/\/mail\.google\.com\/\.$/)
    const wire = r.transcript.filter((l) => l.dir === 'c' || l.dir === 's').map((l) => `${l.dir} ${l.text}`)
    const at = wire.indexOf('c AUTH XOAUTH2 [redacted]')
    expect(wire.slice(at, at + 4)).toEqual([
      'c AUTH XOAUTH2 [redacted]',
      `s 334 ${Buffer.from(JSON.stringify(GOOGLE_CHALLENGE)).toString('base64')}   (status 400, schemes Bearer, scope https://mail.google.com/)`,
      'c    (an empty line: ends the refused XOAUTH2 exchange)',
      's 535 Error: Username and Password not accepted',
    ])
    // nodemailer's own XOAUTH2 would have sent the token again; one attempt reached the server, in two round trips.
    expect(p.auths).toHaveLength(1)
    expect(r.phases.find((ph) => ph.name === 'auth')).toMatchObject({ roundTrips: 2 })
    expect(authLines(r)).toHaveLength(1)
  })

  it("auto with a token takes the server's token mechanism, even where it also offers passwords", async () => {
    const p = await jwtPeer({ authMethods: ['PLAIN', 'LOGIN', 'XOAUTH2'] })
    const r = await run(job(p.port, { method: 'auto', user: USER, secret: await issuer.issue(), secretKind: 'token' }))
    expect(r.ok, JSON.stringify(r.error)).toBe(true)
    expect(r.authMethodUsed).toBe('XOAUTH2')
  })
})

describe('OAUTHBEARER (RFC 7628)', () => {
  it('sends the GS2 header with the user, host and port, and is accepted', async () => {
    const p = await scripted(['OAUTHBEARER'])
    const token = await issuer.issue()
    const r = await run(job(p.port, { method: 'oauthbearer', user: USER, secret: token }))
    expect(r.ok, JSON.stringify(r.error)).toBe(true)
    expect(r.authMethodUsed).toBe('OAUTHBEARER')
    expect(authLines(r)).toEqual(['AUTH OAUTHBEARER [redacted]'])
    expect(p.attempts.map((a) => a.attempt)).toEqual([{ mechanism: 'OAUTHBEARER', user: USER, secret: token, host: '127.0.0.1', port: String(p.port) }])
  })

  it('a refused token: the JSON challenge decoded, ^A (AQ==) ends the exchange, the final 5xx is the error', async () => {
    const p = await scripted(['OAUTHBEARER'])
    const forger = await makeTokenIssuer()
    const r = await run(job(p.port, { method: 'oauthbearer', user: USER, secret: await issuer.issue({}, { signedBy: forger }) }))
    expect(r.error).toMatchObject({ code: 'AUTH_FAILED', reply: { code: 535, text: '5.7.8 Authentication credentials invalid' } })
    expect(r.error!.message).toMatch(
      /^The server rejected the OAuth2 access token \(535 5\.7\.8 Authentication credentials invalid\)\. Its error challenge said: status invalid_token, scope example_scope, openid-configuration https:\/\/issuer/,
    )
    // What the client sent after the 334: RFC 7628's single ^A, base64 in SMTP.
    expect(p.attempts.map((a) => a.afterChallenge)).toEqual([['AQ==']])
    expect(lines(r, 's')).toContain(
      `334 ${Buffer.from(JSON.stringify(RFC7628_CHALLENGE)).toString('base64')}   (status invalid_token, scope example_scope, openid-configuration https://issuer.mailprobe.test/.well-known/openid-configuration)`,
    )
    expect(lines(r, 'c')).toContain('AQ==   (^A: ends the refused OAUTHBEARER exchange, RFC 7628)')
  })

  it('auto with a token prefers OAUTHBEARER when both are offered, and takes XOAUTH2 where it is the only one (Microsoft)', async () => {
    const both = await scripted(['XOAUTH2', 'OAUTHBEARER'])
    const token = await issuer.issue()
    const r1 = await run(job(both.port, { method: 'auto', user: USER, secret: token, secretKind: 'token' }))
    expect([r1.ok, r1.authMethodUsed]).toEqual([true, 'OAUTHBEARER'])
    const xoauth2Only = await scripted(['LOGIN', 'XOAUTH2'])
    const r2 = await run(job(xoauth2Only.port, { method: 'auto', user: USER, secret: token, secretKind: 'token' }))
    expect([r2.ok, r2.authMethodUsed]).toEqual([true, 'XOAUTH2'])
    expect(xoauth2Only.attempts.map((a) => a.attempt)).toEqual([{ mechanism: 'XOAUTH2', user: USER, secret: token }])
  })

  it('a token where the server takes only passwords, and a password where it takes only tokens: AUTH_UNSUPPORTED, nothing sent', async () => {
    const passwords = await scripted(['PLAIN', 'LOGIN'])
    const r1 = await run(job(passwords.port, { method: 'auto', user: USER, secret: OPAQUE, secretKind: 'token' }))
    expect(r1.error).toMatchObject({ code: 'AUTH_UNSUPPORTED' })
    expect(r1.error!.message).toMatch(/You gave an OAuth2 access token, but the server offers AUTH PLAIN LOGIN .*neither XOAUTH2 nor OAUTHBEARER/)
    const tokens = await scripted(['XOAUTH2', 'OAUTHBEARER'])
    const r2 = await run(job(tokens.port, { method: 'auto', user: USER, secret: PASSWORD }))
    expect(r2.error).toMatchObject({ code: 'AUTH_UNSUPPORTED' })
    expect(r2.error!.message).toMatch(/only OAuth2 logins \(OAUTHBEARER XOAUTH2\).*auth 'oauthbearer' or 'xoauth2'.*--token-env VAR/)
    expect([...passwords.attempts, ...tokens.attempts]).toEqual([])
  })

  it('refuses before connecting a token with a control character, a token given to PLAIN, and says so without echoing it', async () => {
    for (const auth of [
      { method: 'xoauth2' as const, user: USER, secret: `${OPAQUE}\x01user=someone-else` },
      { method: 'plain' as const, user: USER, secret: OPAQUE, secretKind: 'token' as const },
      { method: 'oauthbearer' as const, user: `${USER}\x01`, secret: OPAQUE },
    ]) {
      const r = await run(job(1, auth))
      expect(r.error?.code).toBe('INVALID_INPUT')
      expect(r.transcript.some((l) => l.dir === 'c')).toBe(false)
    }
  })
})

describe('a JWT is read before connecting (no signature check): audience, permission, expiry', () => {
  const warningsOf = async (claims: Record<string, unknown>, mechanisms = ['XOAUTH2']) => {
    const p = await scripted(mechanisms, () => ({ reply: ['535 5.7.3 Authentication unsuccessful [SN4PR0501CA0049.namprd05.prod.outlook.com]'] }))
    const r = await run(job(p.port, { method: 'xoauth2', user: USER, secret: await microsoft.issue(claims) }))
    // Each warning is in the result and in an info line, and both come before the connection.
    const connected = r.transcript.findIndex((l) => /connected to/.test(l.text))
    for (const w of r.warnings) expect(r.transcript.findIndex((l) => l.dir === 'info' && l.text === `warning: ${w}`)).toBeLessThan(connected)
    expect(connected).toBeGreaterThan(0)
    return r
  }

  it('a Microsoft Graph token: the wrong audience, with the scopes to ask for instead', async () => {
    const r = await warningsOf({ aud: 'https://graph.microsoft.com', scp: 'SMTP.Send Mail.Read' })
    expect(r.warnings).toHaveLength(1)
    expect(r.warnings[0]).toMatch(
      /^The access token is for Microsoft Graph \(aud https:\/\/graph\.microsoft\.com\), which Exchange Online's SMTP refuses: ask for the scope https:\/\/outlook\.office\.com\/SMTP\.Send .*https:\/\/outlook\.office365\.com\/\.default/,
    )
  })

  it('delegated without SMTP.Send, app-only without SMTP.SendAsApp, and expired: one warning each, with the fix', async () => {
    const delegated = await warningsOf({ scp: 'Mail.Read offline_access' })
    expect(delegated.warnings).toEqual([
      expect.stringMatching(/^The access token's scopes \(Mail\.Read offline_access\) lack SMTP\.Send.*delegated permission SMTP\.Send.*https:\/\/outlook\.office\.com\/SMTP\.Send/),
    ])
    const appOnly = await warningsOf({ aud: 'https://outlook.office365.com', roles: ['Mail.Send'] })
    expect(appOnly.warnings).toEqual([expect.stringMatching(/^The app-only access token's roles \(Mail\.Send\) lack SMTP\.SendAsApp.*admin consent.*https:\/\/outlook\.office365\.com\/\.default/)])
    const now = Math.floor(Date.now() / 1000)
    const expired = await warningsOf({ scp: 'SMTP.Send', iat: now - 7200, exp: now - 600 })
    expect(expired.warnings).toEqual([expect.stringMatching(/^The access token expired at \d{4}-\d\d-\d\dT[\d:.]+Z \((9|10) min ago\).*refresh it or sign in again/)])
    expect(lines(expired, 'info')).toContainEqual(expect.stringMatching(/JWT .*for https:\/\/outlook\.office\.com; scopes SMTP\.Send; expired (9|10) min ago/))
  })

  it("Microsoft's rules apply to a token Microsoft issued or one sent to Microsoft's servers; elsewhere only the expiry counts", async () => {
    const other = await makeTokenIssuer({ issuer: 'https://idp.example.test/', audience: 'api://mail-relay' })
    const token = await other.issue({ scp: 'relay.send' })
    for (const host of ['smtp.office365.com', 'smtp-mail.outlook.com', 'SMTP.Office365.com.'])
      expect(inspectAccessToken(token, { host })?.warnings, host).toEqual([expect.stringMatching(/^The access token's audience \(api:\/\/mail-relay\) is not Exchange Online/)])
    expect(inspectAccessToken(token, { host: 'mail.example.test' })).toEqual({ summary: expect.stringMatching(/for api:\/\/mail-relay; scopes relay\.send; expires in/), warnings: [] })
    const expiredAt = Date.now() + 3 * 86_400_000
    expect(inspectAccessToken(token, { host: 'mail.example.test', now: expiredAt })?.warnings).toEqual([expect.stringMatching(/^The access token expired at .* \(3 days ago\)/)])
    for (const opaque of [OPAQUE, 'not.a.jwt', 'eyJhbGciOiJub25lIn0.bm90IGpzb24.']) expect(inspectAccessToken(opaque, { host: 'smtp.office365.com' }), opaque).toBeNull()
  })

  it('a good Microsoft token draws no warning; an opaque token (Google) is not mentioned at all', async () => {
    const good = await warningsOf({ scp: 'SMTP.Send offline_access openid' })
    expect(good.warnings).toEqual([])
    const appOnly = await warningsOf({ aud: 'https://outlook.office365.com', roles: ['SMTP.SendAsApp'] })
    expect(appOnly.warnings).toEqual([])
    const p = await scripted(['XOAUTH2'], () => ({ accept: true }))
    const opaque = await run(job(p.port, { method: 'xoauth2', user: USER, secret: OPAQUE }))
    expect(opaque.ok).toBe(true)
    expect(opaque.warnings).toEqual([])
    expect(lines(opaque, 'info').filter((l) => /token/i.test(l))).toEqual([])
  })
})

describe('Microsoft 365 and Google replies: their own code and a sentence with the fix', () => {
  const refusedWith = async (reply: string[], auth: NonNullable<SmtpJobInput['auth']>, mechanisms = ['LOGIN', 'PLAIN', 'XOAUTH2'], challenge?: Record<string, unknown>) => {
    const p = await scripted(mechanisms, () => ({ reply, ...(challenge && { challenge }) }))
    const r = await run(job(p.port, auth))
    return { r, p }
  }
  const password = { method: 'login' as const, user: USER, secret: PASSWORD }
  const token = { method: 'xoauth2' as const, user: USER, secret: OPAQUE }

  it('550 5.7.30 (basic authentication off) → AUTH_BASIC_DISABLED: use OAuth2', async () => {
    const { r } = await refusedWith(['550 5.7.30 Basic authentication is not supported for Client Submission'], password)
    expect(r.error).toMatchObject({ code: 'AUTH_BASIC_DISABLED', reply: { code: 550, text: '5.7.30 Basic authentication is not supported for Client Submission' } })
    expect(r.error!.message).toMatch(/no longer accepts a password.*Use OAuth2: choose XOAUTH2 .*--auth xoauth2 --token-env VAR/)
  })

  it('535 5.7.139 … SmtpClientAuthentication is disabled for the Tenant / for the mailbox → AUTH_SMTP_DISABLED: how to turn it on', async () => {
    const tenant = await refusedWith(
      [
        '535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information. [MN2PR05CA0054.namprd05.prod.outlook.com]',
      ],
      password,
    )
    expect(tenant.r.error).toMatchObject({ code: 'AUTH_SMTP_DISABLED', reply: { code: 535 } })
    expect(tenant.r.error!.message).toMatch(/turned off for the whole tenant/)
    const mailbox = await refusedWith(
      ['535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information.'],
      token,
    )
    expect(mailbox.r.error).toMatchObject({ code: 'AUTH_SMTP_DISABLED', reply: { code: 535 } })
    for (const m of [tenant.r.error!.message, mailbox.r.error!.message]) {
      expect(m).toContain('Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled $false')
      expect(m).toContain('Set-TransportConfig -SmtpClientAuthenticationDisabled $false')
      expect(m).toContain('https://aka.ms/smtp_auth_disabled')
    }
    expect(mailbox.r.error!.message).toMatch(/turned off for this mailbox/)
  })

  it('535 5.7.3 after an OAuth2 login → AUTH_APP_NOT_PERMITTED (service principal, mailbox permission); after a password, AUTH_FAILED', async () => {
    const reply = ['535 5.7.3 Authentication unsuccessful [SN4PR0501CA0049.namprd05.prod.outlook.com]']
    const oauth = await refusedWith(reply, token)
    expect(oauth.r.error).toMatchObject({ code: 'AUTH_APP_NOT_PERMITTED', reply: { code: 535 } })
    expect(oauth.r.error!.message).toMatch(/New-ServicePrincipal -AppId <client id> -ObjectId <object id of the Enterprise Application, not of the App Registration>/)
    expect(oauth.r.error!.message).toMatch(/Add-MailboxPermission -Identity <mailbox> .*-AccessRights FullAccess.*15–30 minutes/)
    const basic = await refusedWith(reply, password)
    expect(basic.r.error).toMatchObject({ code: 'AUTH_FAILED', reply: { code: 535 } })
  })

  it("Google's 534-5.7.9 (two lines) → AUTH_APP_PASSWORD_REQUIRED: an app password, or OAuth2", async () => {
    const { r } = await refusedWith(
      [
        '534-5.7.9 Application-specific password required. For more information, go to',
        '534 5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor d9443c01a7336-2a1c3b4f5sm123456ad.12 - gsmtp',
      ],
      { method: 'plain', user: USER, secret: PASSWORD },
    )
    expect(r.error).toMatchObject({ code: 'AUTH_APP_PASSWORD_REQUIRED', reply: { code: 534 } })
    expect(r.error!.reply!.text).toContain('?p=InvalidSecondFactor')
    expect(r.error!.message).toMatch(
      /^Google wants an app password here \(534 5\.7\.9 Application-specific password required.*2-Step Verification.*app password.*OAuth2: XOAUTH2 .*https:\/\/mail\.google\.com\//,
    )
  })

  it("Google's 535-5.7.8 BadCredentials → AUTH_FAILED in Google's words; after a refused token, the challenge and the scope", async () => {
    const bad = [
      '535-5.7.8 Username and Password not accepted. For more information, go to',
      '535 5.7.8  https://support.google.com/mail/?p=BadCredentials 41be03b00d2f7-b8a4b1c2d3sm9876543a12.34 - gsmtp',
    ]
    const basic = await refusedWith(bad, password)
    expect(basic.r.error).toMatchObject({ code: 'AUTH_FAILED', reply: { code: 535 } })
    expect(basic.r.error!.message).toMatch(/^Google did not accept the username and password \(535 5\.7\.8 Username and Password not accepted\..*BadCredentials.*\)\. .*full address.*app password/)
    const oauth = await refusedWith(bad, token, ['XOAUTH2', 'OAUTHBEARER'], GOOGLE_CHALLENGE)
    expect(oauth.r.error).toMatchObject({ code: 'AUTH_FAILED', reply: { code: 535 } })
    expect(oauth.r.error!.message).toMatch(
      /^The server rejected the OAuth2 access token \(535 5\.7\.8 Username and Password not accepted.*Its error challenge said: status 400, schemes Bearer, scope https:\/\/mail\.google\.com\/\./,
    )
    expect(oauth.p.attempts.map((a) => a.afterChallenge)).toEqual([['']])
  })
})

describe('the leak checks', () => {
  it('find the token inside either SASL framing (the positive control for every run above)', async () => {
    for (const token of [OPAQUE, await issuer.issue()])
      for (const mech of ['XOAUTH2', 'OAUTHBEARER'] as BearerMechanism[]) {
        const line = `AUTH ${mech} ${initialResponse(mech, { user: USER, token, host: 'smtp.example.test', port: 587 })}`
        expect(findSecretLeaks(line, [{ value: token, user: USER }]), mech).not.toEqual([])
      }
  })
})

describe('error codes', () => {
  it("every code of the contract's closed list is in the README's table", () => {
    const readme = readFileSync(resolve(__dirname, '../../../README.md'), 'utf8')
    const table = readme.slice(readme.indexOf('### Error codes'))
    for (const code of ERROR_CODES) expect(table, code).toMatch(new RegExp(`^\\| \`${code}\` +\\|`, 'm'))
  })
})
