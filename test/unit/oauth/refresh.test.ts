// Renewing before a run: a token with under five minutes left is refreshed (and the transcript
// says so without the token), a fresh one is left alone, a refused refresh token asks for a new
// sign-in, and app-only sign-ins are renewed with the client's own credentials.
import { afterEach, describe, expect, it } from 'vitest'
import type { OAuthConfig } from '../../../preload/contract'
import { freshSignIn, MemorySignInStore, refreshIfNeeded, signIn, type SignIn } from '../../../main/core/oauth'
import { Redactor } from '../../../main/core/transcript/redact'
import { expectNoLeaks } from '../../fixtures/secret-scan'
import { followAuthorization, startOAuthIssuer, TEST_ACCOUNT, type OAuthIssuer } from '../../fixtures/oauth-issuer'
import { failure } from './helpers'

const issuers: OAuthIssuer[] = []
afterEach(async () => {
  await Promise.all(issuers.splice(0).map((i) => i.close()))
})

async function issuerWith(opts: Parameters<typeof startOAuthIssuer>[0] = {}): Promise<OAuthIssuer> {
  const issuer = await startOAuthIssuer(opts)
  issuers.push(issuer)
  return issuer
}

type TokenResponse = { statusCode: number; body: Record<string, unknown> }
type TokenRequest = { body: Record<string, unknown> }

/** The next token answer for this grant lives `seconds` only. */
function shortLived(issuer: OAuthIssuer, grant: string, seconds: number): void {
  const hook = (res: TokenResponse, req: TokenRequest) => {
    if (req.body.grant_type !== grant) return
    res.body.expires_in = seconds
    issuer.mock.service.off('beforeResponse', hook)
  }
  issuer.mock.service.on('beforeResponse', hook)
}

/** A person signs in through the browser (the test follows the redirect). */
async function browserSignIn(issuer: OAuthIssuer, name = 'work'): Promise<SignIn> {
  const config: OAuthConfig = { provider: 'generic', issuer: issuer.url, clientId: 'mailprobe-test', flow: 'browser', scopes: ['openid', 'email', 'offline_access'] }
  let open!: (url: string) => void
  const opened = new Promise<string>((r) => (open = r))
  const running = signIn(config, { name, openBrowser: (u) => open(u) })
  await followAuthorization(await opened)
  return running
}

describe('refreshIfNeeded', () => {
  it('renews a token with under five minutes left, says so in an info line, then leaves the fresh one alone', async () => {
    const issuer = await issuerWith()
    shortLived(issuer, 'authorization_code', 120)
    const first = await browserSignIn(issuer)
    expect(Date.parse(first.expiresAt!) - Date.now()).toBeLessThan(5 * 60_000)

    const lines: string[] = []
    const redactor = new Redactor([])
    const { signIn: renewed, refreshed } = await refreshIfNeeded(first, { log: (l) => lines.push(l), redactor })
    expect(refreshed).toBe(true)
    const req = issuer.tokenRequests.filter((r) => r.grantType === 'refresh_token')
    expect(req).toHaveLength(1)
    expect(req[0]!.form.get('refresh_token')).toBe(first.secrets.refreshToken)
    expect(req[0]!.form.get('scope')).toBeNull()
    expect(renewed.secrets.accessToken).not.toBe(first.secrets.accessToken)
    expect(renewed.secrets.refreshToken).not.toBe(first.secrets.refreshToken) // the mock rotates them
    expect(Date.parse(renewed.expiresAt!) - Date.now()).toBeGreaterThan(55 * 60_000)
    expect(renewed).toMatchObject({ name: 'work', account: TEST_ACCOUNT, signedInAt: first.signedInAt, scopes: ['openid', 'email', 'offline_access'] })
    expect(renewed.refreshedAt).not.toBeNull()

    expect(lines).toHaveLength(2)
    expect(lines[0]).toMatch(/^OAuth2: the access token of “work” \(johndoe@example\.test\) expires in 2 minutes; asking http:\/\/127\.0\.0\.1:\d+ for a new one \(refresh token\)$/)
    expect(lines[1]).toMatch(/^OAuth2: renewed the access token of “work” \(johndoe@example\.test\); it is valid until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\.$/)
    const all = [first.secrets.accessToken, first.secrets.refreshToken!, renewed.secrets.accessToken, renewed.secrets.refreshToken!]
    expectNoLeaks(
      lines.join('\n'),
      all.map((value) => ({ value })),
    )
    for (const s of all) expect(redactor.redact(s)).toBe('[redacted]')

    const again = await refreshIfNeeded(renewed, { log: (l) => lines.push(l) })
    expect(again).toEqual({ signIn: renewed, refreshed: false })
    expect(issuer.tokenRequests.filter((r) => r.grantType === 'refresh_token')).toHaveLength(1)
    expect(lines).toHaveLength(2)
  })

  it('asks to sign in again when the server refuses the refresh token', async () => {
    const issuer = await issuerWith()
    const first = await browserSignIn(issuer)
    issuer.mock.service.once('beforeResponse', (res: TokenResponse) => {
      res.statusCode = 400
      res.body = { error: 'invalid_grant', error_description: 'AADSTS700082: The refresh token has expired due to inactivity.' }
    })
    const later = Date.parse(first.expiresAt!) + 60_000
    const err = await failure(refreshIfNeeded(first, { now: later }))
    expect(err.info.code).toBe('OAUTH_SIGN_IN_AGAIN')
    expect(err.info.message).toBe(
      `The sign-in “work” can no longer be renewed: ${issuer.url} refused its refresh token (invalid_grant: AADSTS700082: The refresh token has expired due to inactivity.). Sign in again.`,
    )
    expectNoLeaks(JSON.stringify(err.info), [{ value: first.secrets.refreshToken! }, { value: first.secrets.accessToken }])
  })

  it('asks to sign in again when an expired token has no refresh token, and uses one that still works', async () => {
    const issuer = await issuerWith()
    const first = await browserSignIn(issuer)
    const { refreshToken: _dropped, ...secrets } = first.secrets
    const withoutRefresh: SignIn = { ...first, secrets }
    const expiry = Date.parse(first.expiresAt!)
    const lines: string[] = []
    expect(await refreshIfNeeded(withoutRefresh, { now: expiry - 60_000, log: (l) => lines.push(l) })).toEqual({ signIn: withoutRefresh, refreshed: false })
    expect(lines[0]).toContain('cannot be renewed (the server gave no refresh token); it is used as it is')
    const err = await failure(refreshIfNeeded(withoutRefresh, { now: expiry + 1000 }))
    expect(err.info.code).toBe('OAUTH_SIGN_IN_AGAIN')
    expect(err.info.message).toContain('cannot be renewed without you')
    expect(issuer.tokenRequests.filter((r) => r.grantType === 'refresh_token')).toHaveLength(0)
  })

  it('renews an app-only token with the client secret again', async () => {
    const issuer = await issuerWith()
    shortLived(issuer, 'client_credentials', 60)
    const secret = 'app-secret-canary-7781'
    const first = await signIn({ provider: 'generic', issuer: issuer.url, clientId: 'app-1', flow: 'client-credentials', scopes: ['mail.send'] }, { name: 'robot', clientSecret: secret })
    const lines: string[] = []
    const { signIn: renewed, refreshed } = await refreshIfNeeded(first, { log: (l) => lines.push(l) })
    expect(refreshed).toBe(true)
    expect(issuer.tokenRequests.filter((r) => r.grantType === 'client_credentials')).toHaveLength(2)
    expect(renewed.secrets.clientSecret).toBe(secret)
    expect(lines[0]).toContain('(client credentials)')
    expectNoLeaks(lines.join('\n'), [{ value: secret }])
  })

  it('asks Microsoft again for the scopes of a device sign-in, and freshSignIn saves the renewed one', async () => {
    const issuer = await issuerWith({ pathPrefix: '/organizations/v2.0' })
    let approve!: () => void
    const shown = new Promise<void>((r) => (approve = r))
    const running = signIn({ provider: 'microsoft', clientId: 'ms-client', flow: 'device' }, { name: 'm365', onCode: () => approve(), planOptions: { microsoftLogin: issuer.origin } })
    await shown
    issuer.approve()
    const first = await running
    expect(first.scopes).toEqual(['https://outlook.office.com/SMTP.Send', 'offline_access', 'openid', 'email'])
    expect(first.account).toBe(TEST_ACCOUNT)

    const store = new MemorySignInStore()
    await store.save(first)
    const later = Date.parse(first.expiresAt!) - 60_000
    const used = await freshSignIn(store, 'm365', { now: later, planOptions: { microsoftLogin: issuer.origin } })
    const req = issuer.tokenRequests.find((r) => r.grantType === 'refresh_token')!
    expect(req.form.get('scope')).toBe('https://outlook.office.com/SMTP.Send offline_access openid email')
    expect(used.secrets.accessToken).not.toBe(first.secrets.accessToken)
    expect((await store.get('m365'))?.secrets.accessToken).toBe(used.secrets.accessToken)

    const missing = await failure(freshSignIn(store, 'nobody'))
    expect(missing.info).toMatchObject({ code: 'INVALID_INPUT', message: 'There is no saved sign-in named “nobody”: sign in first.' })
  })
})
