/**
 * The sandbox's OAuth2 issuer (main/core/sandbox/oauth-issuer.ts) and its SMTP listeners' bearer
 * logins, against the real sandbox on 127.0.0.1: the core's browser and device sign-ins and a
 * refresh work with it, the tokens it issues pass XOAUTH2 and OAUTHBEARER on both TLS ports, and
 * what it must refuse it refuses (a wrong PKCE verifier, a redirect off loopback, an unknown
 * client, a token it did not sign, a token of another user) — with the error challenge each
 * mechanism defines.
 */
import { readFileSync } from 'node:fs'
import { mkdtempSync, rmSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { OAuthConfig, SmtpJobInput, SmtpResult } from '../../../preload/contract'
import { refreshIfNeeded, signIn, type SignIn } from '../../../main/core/oauth'
import { SANDBOX_OAUTH_ACCOUNT, SANDBOX_OAUTH_CLIENT_ID, SANDBOX_OAUTH_SCOPES, startSandbox, type SandboxHandle } from '../../../main/core/sandbox'
import { runSmtp } from '../../../main/core/smtp'
import { makeTokenIssuer } from '../../fixtures/bearer-tokens'
import { followAuthorization, httpGet } from '../../fixtures/oauth-issuer'
import { expectNoLeaks } from '../../fixtures/secret-scan'

let sb: SandboxHandle
let dir = ''

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mailprobe-sandbox-oauth-'))
  sb = await startSandbox({ dataDir: dir })
})
afterAll(async () => {
  await sb.close()
  rmSync(dir, { recursive: true, force: true })
})

const config = (flow: 'browser' | 'device'): OAuthConfig => ({ provider: 'generic', issuer: sb.oauth.url, clientId: SANDBOX_OAUTH_CLIENT_ID, flow, scopes: [...SANDBOX_OAUTH_SCOPES] })

/** A person signs in through the browser: the test follows the authorize redirect to the loopback callback. */
async function browserSignIn(): Promise<SignIn> {
  let open!: (url: string) => void
  const opened = new Promise<string>((r) => (open = r))
  const running = signIn(config('browser'), { name: 'sandbox', openBrowser: (u) => open(u) })
  const page = await followAuthorization(await opened)
  expect(page.status).toBe(200)
  return running
}

const verifyJob = (port: 'starttls' | 'tls', auth: SmtpJobInput['auth']): SmtpJobInput => ({
  host: sb.host,
  port: sb.smtp[port],
  security: port,
  tls: { caFile: sb.caFile },
  auth,
  stopAfter: 'auth',
})

/** Every line a result's transcript has, as one text. */
const transcript = (r: SmtpResult) => r.transcript.map((l) => `${l.dir} ${l.text}`).join('\n')

describe('the sandbox issuer', () => {
  it('publishes its discovery document and key, and signs a person in through the browser (PKCE) with a refresh token', async () => {
    const doc = JSON.parse((await httpGet(`${sb.oauth.url}/.well-known/openid-configuration`)).body) as Record<string, unknown>
    expect(doc).toMatchObject({
      issuer: sb.oauth.url,
      authorization_endpoint: `${sb.oauth.url}/authorize`,
      token_endpoint: `${sb.oauth.url}/token`,
      device_authorization_endpoint: `${sb.oauth.url}/device_authorization`,
      code_challenge_methods_supported: ['S256'],
    })
    const jwks = JSON.parse((await httpGet(`${sb.oauth.url}/jwks`)).body) as { keys: { kty: string; kid: string; d?: string }[] }
    expect(jwks.keys).toHaveLength(1)
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' })
    expect(jwks.keys[0]!.d).toBeUndefined() // the public half only

    const made = await browserSignIn()
    expect(made).toMatchObject({ account: SANDBOX_OAUTH_ACCOUNT, scopes: [...SANDBOX_OAUTH_SCOPES], issuer: sb.oauth.url })
    expect(made.secrets.refreshToken).toBeTruthy()
    expect(Date.parse(made.expiresAt!) - Date.now()).toBeGreaterThan(55 * 60_000)
    expect(await sb.oauth.verify(made.secrets.accessToken, SANDBOX_OAUTH_ACCOUNT)).toMatchObject({ ok: true })

    // A refresh gives a new access token for the same account.
    const { signIn: renewed, refreshed } = await refreshIfNeeded(made, { marginMs: 2 * 3600_000 })
    expect(refreshed).toBe(true)
    expect(renewed.secrets.accessToken).not.toBe(made.secrets.accessToken)
    expect(await sb.oauth.verify(renewed.secrets.accessToken, SANDBOX_OAUTH_ACCOUNT)).toMatchObject({ ok: true })
  })

  it('signs in with a device code once the code is entered on its page', async () => {
    let codeShown!: (c: { userCode: string; verificationUri: string; verificationUriComplete: string | null }) => void
    const shown = new Promise<Parameters<typeof codeShown>[0]>((r) => (codeShown = r))
    const running = signIn(config('device'), { name: 'sandbox-device', onCode: (c) => codeShown(c) })
    const code = await shown
    expect(code.userCode).toMatch(/^[B-Z]{4}-[B-Z]{4}$/)
    expect(code.verificationUri).toBe(`${sb.oauth.url}/device`)
    // The page asks for the code; a wrong one is refused; the right one signs in.
    expect((await httpGet(code.verificationUri)).body).toMatch(/Enter the code/)
    expect((await httpGet(`${code.verificationUri}?user_code=BBBB-CCCC`)).status).toBe(400)
    const approved = await httpGet(`${code.verificationUri}?user_code=${code.userCode.toLowerCase()}`)
    expect(approved.status).toBe(200)
    expect(approved.body).toMatch(/Signed in/)
    const made = await running
    expect(made.account).toBe(SANDBOX_OAUTH_ACCOUNT)
    expect(await sb.oauth.verify(made.secrets.accessToken, SANDBOX_OAUTH_ACCOUNT)).toMatchObject({ ok: true })
  })

  it('refuses a wrong PKCE verifier, a redirect off loopback and an unknown client', async () => {
    const authorize = (params: Record<string, string>) => httpGet(`${sb.oauth.url}/authorize?${new URLSearchParams({ response_type: 'code', client_id: SANDBOX_OAUTH_CLIENT_ID, ...params })}`)
    const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM' // S256 of RFC 7636's example verifier
    const ok = await authorize({ redirect_uri: 'http://127.0.0.1:9/callback', code_challenge: challenge, code_challenge_method: 'S256', state: 's1', scope: 'openid email smtp.send' })
    expect(ok.status).toBe(302)
    const back = new URL(ok.location!)
    expect([back.origin, back.pathname, back.searchParams.get('state'), back.searchParams.get('iss')]).toEqual(['http://127.0.0.1:9', '/callback', 's1', sb.oauth.url])
    const code = back.searchParams.get('code')!
    const token = (verifier: string) =>
      fetch(`${sb.oauth.url}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:9/callback', client_id: SANDBOX_OAUTH_CLIENT_ID, code_verifier: verifier }),
      })
    const wrong = await token('not-the-verifier-not-the-verifier-not-the-verifier')
    expect(wrong.status).toBe(400)
    expect(await wrong.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/PKCE/) })
    // The code was used up by that attempt, as RFC 6749 wants.
    expect((await token('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).status).toBe(400)

    const offLoopback = await authorize({ redirect_uri: 'https://attacker.example/callback', code_challenge: challenge, code_challenge_method: 'S256' })
    expect([offLoopback.status, offLoopback.location]).toEqual([400, null])
    expect(offLoopback.body).toMatch(/loopback/)
    const noPkce = await authorize({ redirect_uri: 'http://127.0.0.1:9/callback' })
    expect(new URL(noPkce.location!).searchParams.get('error')).toBe('invalid_request')
    const stranger = await httpGet(`${sb.oauth.url}/authorize?${new URLSearchParams({ response_type: 'code', client_id: 'someone-else', redirect_uri: 'http://127.0.0.1:9/cb' })}`)
    expect([stranger.status, stranger.location]).toEqual([400, null])
  })

  it('is built from shipped code: its modules import node: builtins and dependencies only, never a devDependency', () => {
    const pkg = JSON.parse(readFileSync(resolve(__dirname, '../../../package.json'), 'utf8')) as { dependencies: Record<string, string> }
    const builtins = new Set(builtinModules)
    for (const file of ['oauth-issuer.ts', 'smtp.ts', 'smtp-server-adapter.ts', 'index.ts']) {
      const source = readFileSync(resolve(__dirname, '../../../main/core/sandbox', file), 'utf8')
      const specifiers = [...source.matchAll(/(?:from|import\()\s*'([^']+)'/g)].map((m) => m[1]!).filter((s) => !s.startsWith('.'))
      for (const s of specifiers) {
        const name = s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!
        expect(s.startsWith('node:') || builtins.has(name) || name in pkg.dependencies, `${file} imports ${s}`).toBe(true)
      }
    }
  })
})

describe('the sandbox SMTP listeners with OAuth2 tokens', () => {
  it('take the issuer’s token with XOAUTH2 and OAUTHBEARER on the STARTTLS and implicit-TLS ports; the token never shows', async () => {
    const made = await browserSignIn()
    const token = made.secrets.accessToken
    for (const port of ['starttls', 'tls'] as const) {
      for (const method of ['xoauth2', 'oauthbearer'] as const) {
        const r = await runSmtp(verifyJob(port, { method, user: SANDBOX_OAUTH_ACCOUNT, secret: token }))
        expect(r.ok, `${port} ${method}: ${r.error?.message}`).toBe(true)
        expect(r.authMethodUsed).toBe(method.toUpperCase())
        expect(r.capabilities.after?.find((c) => c.startsWith('AUTH'))).toBe('AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2 OAUTHBEARER')
        expectNoLeaks(JSON.stringify(r), [{ value: token, user: SANDBOX_OAUTH_ACCOUNT }], `${port} ${method} result`)
      }
    }
    // auto with a token: OAUTHBEARER, the standard one, first.
    const auto = await runSmtp(verifyJob('starttls', { method: 'auto', user: SANDBOX_OAUTH_ACCOUNT, secret: token, secretKind: 'token' }))
    expect([auto.ok, auto.authMethodUsed]).toEqual([true, 'OAUTHBEARER'])
    // And a whole message, delivered to the Inbox as the signed-in user.
    const sent = await runSmtp({
      ...verifyJob('starttls', { method: 'xoauth2', user: SANDBOX_OAUTH_ACCOUNT, secret: token }),
      stopAfter: 'send',
      message: { from: SANDBOX_OAUTH_ACCOUNT, to: ['inbox@sandbox.mailprobe.test'], subject: 'oauth sandbox', text: 'hi' },
    })
    expect(sent.ok, sent.error?.message).toBe(true)
    expect(sb.inbox.list()[0]).toMatchObject({ user: SANDBOX_OAUTH_ACCOUNT, subject: 'oauth sandbox' })
  })

  it('refuse a token it did not sign, and its token for another user, with each mechanism’s error challenge (decoded in the transcript)', async () => {
    const made = await browserSignIn()
    const forger = await makeTokenIssuer({ issuer: sb.oauth.url, audience: 'smtp.sandbox.mailprobe.test' })
    const forged = await forger.issue({ email: SANDBOX_OAUTH_ACCOUNT, scope: 'smtp.send' })
    const cases = [
      { method: 'xoauth2' as const, user: SANDBOX_OAUTH_ACCOUNT, secret: forged, challenge: /status 401, schemes bearer, scope smtp\.send/ },
      {
        method: 'oauthbearer' as const,
        user: SANDBOX_OAUTH_ACCOUNT,
        secret: forged,
        challenge: /status invalid_token, scope smtp\.send, openid-configuration http:\/\/127\.0\.0\.1:\d+\/\.well-known\/openid-configuration/,
      },
      { method: 'xoauth2' as const, user: 'someone-else@sandbox.mailprobe.test', secret: made.secrets.accessToken, challenge: /status 401/ },
      { method: 'oauthbearer' as const, user: 'someone-else@sandbox.mailprobe.test', secret: made.secrets.accessToken, challenge: /status invalid_token/ },
    ]
    for (const c of cases) {
      const r = await runSmtp(verifyJob('tls', { method: c.method, user: c.user, secret: c.secret }))
      expect(r.ok).toBe(false)
      expect(r.error?.code, `${c.method} ${c.user}`).toBe('AUTH_FAILED')
      expect(r.error?.reply?.code).toBe(535)
      expect(transcript(r)).toMatch(c.challenge)
      expectNoLeaks(JSON.stringify(r), [{ value: c.secret, user: c.user }], `${c.method} refusal`)
    }
    // A password is still a password: the demo user's works, a token is no password.
    expect((await runSmtp(verifyJob('tls', { method: 'plain', user: sb.user, secret: sb.password }))).ok).toBe(true)
  })
})
