// OAuth2 in the app: the oauthSignIn / oauthSignOut operations (through the handlers table, as a
// window or the web bridge calls them) and the runner's use of a profile's sign-in — against a
// local issuer (test/fixtures/oauth-issuer.ts) and an SMTP server that checks the bearer token's
// signature against that issuer's published keys.
import { createRemoteJWKSet, jwtVerify } from 'jose'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { events, type OperationName, type OperationOutputs, type Profile, type SignInEvent, type SmtpResult, type CompareResult } from '../../../preload/contract'
import type { AppServices } from '../../../main/core/services'
import { createClient, type Client } from '../../../main/ipc/handlers'
import { removeCaFile, writeCaFile } from '../../fixtures/certs'
import { followAuthorization, startOAuthIssuer, TEST_ACCOUNT, type OAuthIssuer } from '../../fixtures/oauth-issuer'
import { expectNoLeaks, type Secret } from '../../fixtures/secret-scan'
import { startSmtpPeer, type SmtpPeer } from '../../fixtures/smtp-peers'
import { removeTempDirs, testServices, WaitingSink } from '../ipc/helpers'

type TokenResponse = { statusCode: number; body: Record<string, unknown> }
type TokenRequest = { body: Record<string, unknown> }

let caFile = ''
let issuer: OAuthIssuer
let peer: SmtpPeer
/** Every token the SMTP server was given, and whether it passed. */
const presented: { token: string; user: string; ok: boolean }[] = []

beforeAll(async () => {
  caFile = await writeCaFile()
  issuer = await startOAuthIssuer()
  const keys = createRemoteJWKSet(new URL(`${issuer.url}/jwks`))
  peer = await startSmtpPeer({
    mode: 'tls',
    authMethods: ['XOAUTH2'],
    // The server's own check: the issuer's signature, the issuer, the expiry, and the user the token names.
    verifyToken: async (token, user) => {
      const ok = await jwtVerify(token, keys, { issuer: issuer.url }).then(
        ({ payload }) => payload.email === user,
        () => false,
      )
      presented.push({ token, user, ok })
      return ok
    },
  })
})
afterAll(async () => {
  await Promise.all([issuer?.close(), peer?.close()])
  removeCaFile(caFile)
})
afterEach(removeTempDirs)

interface Harness {
  services: AppServices
  client: Client
  sink: WaitingSink
  pushed: SignInEvent[]
  /** Sign-in pages handed to the "system browser". */
  opened: string[]
  call<K extends OperationName>(name: K, payload: unknown): Promise<OperationOutputs[K]>
  refusal(name: OperationName, payload: unknown): Promise<{ code: string; message: string }>
  /** Resolves with the sign-in's `done` event. */
  done(jobId: string): Promise<Extract<SignInEvent, { type: 'done' }>>
  /** Resolves with the first event of that type. */
  next<T extends SignInEvent['type']>(type: T): Promise<Extract<SignInEvent, { type: T }>>
}

/**
 * App services and one caller. `browser`: what the system browser does with a sign-in page —
 * 'follow' (the person signs in at once), 'none' (nobody does), or null: no shell (the browser build).
 */
async function harness(browser: 'follow' | 'none' | null = 'follow'): Promise<Harness> {
  const opened: string[] = []
  const openSignInPage =
    browser === null
      ? undefined
      : async (url: string) => {
          opened.push(url)
          if (browser === 'follow') void followAuthorization(url)
          return true
        }
  const { services } = await testServices(openSignInPage ? { openSignInPage } : {})
  const sink = new WaitingSink()
  const pushed: SignInEvent[] = []
  const waiters: (() => void)[] = []
  const client = createClient(sink, services, (channel, payload) => {
    if (channel !== events.signInEvents) return
    pushed.push(payload as SignInEvent)
    for (const w of waiters.splice(0)) w()
  })
  const until = <T>(find: () => T | undefined): Promise<T> =>
    new Promise((resolve) => {
      const check = () => {
        const found = find()
        if (found !== undefined) resolve(found)
        else waiters.push(check)
      }
      check()
    })
  const call = async <K extends OperationName>(name: K, payload: unknown): Promise<OperationOutputs[K]> => {
    const env = await client.dispatch(name, payload)
    if (!env.ok) throw new Error(`${name} refused: ${env.error.code} ${env.error.message}`)
    return env.value
  }
  return {
    services,
    client,
    sink,
    pushed,
    opened,
    call,
    async refusal(name, payload) {
      const env = await client.dispatch(name, payload)
      expect(env.ok, `${name} should be refused`).toBe(false)
      return env.ok ? { code: '', message: '' } : env.error
    },
    done: (jobId) => until(() => pushed.find((e): e is Extract<SignInEvent, { type: 'done' }> => e.type === 'done' && e.jobId === jobId)),
    next: (type) => until(() => pushed.find((e): e is Extract<SignInEvent, { type: typeof type }> => e.type === type)),
  }
}

const SCOPES = ['openid', 'email', 'offline_access']

function oauthProfile(name: string, flow: 'browser' | 'device' | 'client-credentials' = 'browser', more: Record<string, unknown> = {}) {
  return {
    kind: 'smtp',
    name,
    host: '127.0.0.1',
    port: peer.port,
    security: 'tls',
    authMethod: 'xoauth2',
    tls: { caFile },
    defaults: { from: TEST_ACCOUNT, to: ['rcpt@example.test'] },
    oauth: { provider: 'generic', issuer: issuer.url, clientId: 'mailprobe-test', flow, scopes: SCOPES },
    ...more,
  }
}

/** The next token answer for this grant lives `seconds` only. */
function shortLived(grant: string, seconds: number): void {
  const hook = (res: TokenResponse, req: TokenRequest) => {
    if (req.body.grant_type !== grant) return
    res.body.expires_in = seconds
    issuer.mock.service.off('beforeResponse', hook)
  }
  issuer.mock.service.on('beforeResponse', hook)
}

/** Saves an OAuth2 profile and signs it in through the browser; returns it as listed afterwards. */
async function signedIn(h: Harness, name: string, more: Record<string, unknown> = {}): Promise<Profile> {
  const p = await h.call('saveProfile', { profile: oauthProfile(name, 'browser', more) })
  const { jobId } = await h.call('oauthSignIn', { profileId: p.id })
  const done = await h.done(jobId)
  expect(done, JSON.stringify(done)).toMatchObject({ ok: true })
  return h.services.profiles.get(p.id)!
}

/** The secrets of every sign-in saved in this app (tokens, client secrets). */
async function savedSecrets(services: AppServices): Promise<Secret[]> {
  const out: Secret[] = []
  for (const id of services.secrets.idsWith('oauth')) {
    const s = (await services.secrets.getSignIn(id))!.secrets
    for (const v of [s.accessToken, s.refreshToken, s.clientSecret]) if (v) out.push({ value: v, user: TEST_ACCOUNT })
  }
  return out
}

describe('oauthSignIn and oauthSignOut', () => {
  it('browser flow: the page goes to the system browser, the callback completes, and the profile shows who signed in — never a token', async () => {
    const h = await harness('follow')
    const p = await h.call('saveProfile', { profile: oauthProfile('Work mail') })
    expect(p).toMatchObject({ oauth: { flow: 'browser' }, signIn: null, hasSecret: false })
    const { jobId } = await h.call('oauthSignIn', { profileId: p.id })
    const done = await h.done(jobId)
    expect(done).toMatchObject({ type: 'done', jobId, profileId: p.id, ok: true, signIn: { account: TEST_ACCOUNT, scopes: SCOPES, provider: 'generic', flow: 'browser', renewable: true } })

    // The events, in order: what is happening, the page opened (by main), how it ended.
    const browser = h.pushed.find((e) => e.type === 'browser')!
    expect(browser).toMatchObject({ jobId, profileId: p.id, opened: true })
    expect(h.opened).toEqual([browser.type === 'browser' ? browser.url : ''])
    expect(new URL(h.opened[0]!).searchParams.get('code_challenge_method')).toBe('S256')
    expect(h.pushed.map((e) => e.type)).toEqual(['line', 'line', 'browser', 'line', 'done'])
    expect(h.pushed.filter((e) => e.type === 'line').map((e) => (e.type === 'line' ? e.text : ''))).toEqual([
      `OAuth2: discovering ${issuer.url}`,
      expect.stringMatching(/^OAuth2: waiting up to 5 minutes for the sign-in in the browser; it comes back to http:\/\/127\.0\.0\.1:\d+\/callback$/),
      expect.stringMatching(
        new RegExp(`^OAuth2: signed in as ${TEST_ACCOUNT} with ${issuer.url} \\(scopes: openid email offline_access\\); the access token is valid until .+, and can be renewed\\.$`),
      ),
    ])

    // Listed, the profile says who signed in, what was granted and until when.
    const { profiles } = await h.call('listProfiles', {})
    const listed = profiles.find((x) => x.id === p.id)!
    expect(listed).toMatchObject({ signIn: { account: TEST_ACCOUNT, scopes: SCOPES, expiresAt: expect.stringMatching(/Z$/), refreshedAt: null } })
    const secrets = await savedSecrets(h.services)
    expect(secrets.length).toBeGreaterThanOrEqual(2)
    expectNoLeaks(JSON.stringify([h.pushed, profiles]), secrets, 'sign-in events and profiles')

    // Sign out forgets the tokens; the profile stays, not signed in.
    const out = await h.call('oauthSignOut', { profileId: p.id })
    expect(out).toMatchObject({ signedOut: true, profile: { id: p.id, signIn: null } })
    expect(h.services.secrets.has(p.id, 'oauth')).toBe(false)
    expect((await h.call('oauthSignOut', { profileId: p.id })).signedOut).toBe(false)
  })

  it('without a shell (the browser build) the page is told to open the address itself', async () => {
    const h = await harness(null)
    const p = await h.call('saveProfile', { profile: oauthProfile('Web host') })
    const { jobId } = await h.call('oauthSignIn', { profileId: p.id })
    const browser = await h.next('browser')
    expect(browser).toMatchObject({ jobId, opened: false, url: expect.stringMatching(new RegExp(`^${issuer.url}/authorize\\?`)) })
    // The page's new tab follows it.
    await followAuthorization(browser.url)
    expect(await h.done(jobId)).toMatchObject({ ok: true, signIn: { account: TEST_ACCOUNT } })
  })

  it('device flow: the code and its expiry are pushed; the sign-in ends when the code is entered, or when cancelled', async () => {
    const h = await harness('none')
    const p = await h.call('saveProfile', { profile: oauthProfile('Device', 'device') })
    const first = await h.call('oauthSignIn', { profileId: p.id })
    const device = await h.next('device')
    expect(device).toMatchObject({ jobId: first.jobId, code: { userCode: expect.stringMatching(/^[0-9A-F]{4}-[0-9A-F]{4}$/), verificationUri: `${issuer.origin}/activate` } })
    expect(Date.parse(device.code.expiresAt) - Date.now()).toBeGreaterThan(9 * 60_000)
    issuer.approve(device.code.userCode)
    expect(await h.done(first.jobId)).toMatchObject({ ok: true, signIn: { account: TEST_ACCOUNT, flow: 'device' } })
    // The device code itself (what the app polls with) is never pushed.
    const grant = issuer.grants.find((g) => g.userCode === device.code.userCode)!
    expectNoLeaks(JSON.stringify(h.pushed), [{ value: grant.deviceCode }], 'device sign-in events')

    // Cancelled while waiting: CANCELLED, and the sign-in made before is kept.
    const second = await h.call('oauthSignIn', { profileId: p.id })
    await issuer.polls(issuer.grants.flatMap((g) => g.polls).length + 1)
    expect(await h.call('cancelJob', { jobId: second.jobId })).toEqual({ cancelled: true })
    expect(await h.done(second.jobId)).toMatchObject({ ok: false, error: { code: 'CANCELLED' } })
    expect(h.services.profiles.get(p.id)).toMatchObject({ signIn: { account: TEST_ACCOUNT } })
  })

  it('refuses a profile that is missing, uses no OAuth2, or lacks the client secret of client credentials', async () => {
    const h = await harness()
    expect((await h.refusal('oauthSignIn', { profileId: 'nope' })).code).toBe('NOT_FOUND')
    const plain = await h.call('saveProfile', { profile: { kind: 'smtp', name: 'Plain', host: '127.0.0.1', port: 25, security: 'none' } })
    expect(await h.refusal('oauthSignIn', { profileId: plain.id })).toEqual({
      code: 'INVALID_INPUT',
      message: '"Plain" does not use OAuth2: choose OAuth2 as its authentication in the profile editor first.',
    })
    const app = await h.call('saveProfile', { profile: oauthProfile('App only', 'client-credentials') })
    expect((await h.refusal('oauthSignIn', { profileId: app.id })).message).toMatch(/client credentials, which need the app's client secret/)
    expect((await h.refusal('oauthSignOut', { profileId: 'nope' })).code).toBe('NOT_FOUND')
    // An OAuth2 profile goes with a token mechanism only.
    expect((await h.refusal('saveProfile', { profile: oauthProfile('PLAIN?', 'browser', { authMethod: 'plain' }) })).message).toMatch(/goes with AUTH XOAUTH2, OAUTHBEARER or auto, not PLAIN/)
    expect(h.pushed).toEqual([])
  })

  it('a sign-in belongs to its settings: renaming keeps it, another client id signs out, a copy starts signed out', async () => {
    const h = await harness()
    const p = await signedIn(h, 'Settings')
    const fields = (x: Profile) => {
      const { id: _i, createdAt: _c, updatedAt: _u, hasSecret: _h, hasProxySecret: _p, hasMailboxSecret: _m, hasDkimKey: _d, signIn: _s, ...rest } = x as Profile & { signIn?: unknown }
      return rest
    }
    const signInOf = (x: Profile) => (x.kind === 'smtp' ? x.signIn : undefined)
    const renamed = await h.call('saveProfile', { id: p.id, profile: { ...fields(p), name: 'Settings (renamed)' } })
    expect(signInOf(renamed)).toMatchObject({ account: TEST_ACCOUNT })
    const copy = await h.call('duplicateProfile', { id: p.id })
    expect(signInOf(copy)).toBeNull()
    expect(signInOf(h.services.profiles.get(p.id)!)).toMatchObject({ account: TEST_ACCOUNT })
    const other = await h.call('saveProfile', { id: p.id, profile: { ...fields(renamed), oauth: { ...(renamed as { oauth: object }).oauth, clientId: 'another-app' } } })
    expect(signInOf(other)).toBeNull()
    expect(h.services.secrets.has(p.id, 'oauth')).toBe(false)
  })
})

describe('runs of an OAuth2 profile', () => {
  it('renews a token that is about to expire before the run, says so in an info line (never the token), and sends the new one', async () => {
    const h = await harness()
    shortLived('authorization_code', 120)
    const p = await signedIn(h, 'Short-lived')
    const before = (await h.services.secrets.getSignIn(p.id))!
    expect(Date.parse(before.expiresAt!) - Date.now()).toBeLessThan(5 * 60_000)

    const { jobId } = await h.call('runProfile', { profileId: p.id, action: 'verify' })
    const r = await h.sink.result<SmtpResult>(jobId)
    expect(r.ok, r.error?.message).toBe(true)
    expect(r.authMethodUsed).toBe('XOAUTH2')
    const after = (await h.services.secrets.getSignIn(p.id))!
    expect(after.secrets.accessToken).not.toBe(before.secrets.accessToken)
    // The server got the renewed token, for the signed-in account (the profile names no username).
    expect(presented.at(-1)).toEqual({ token: after.secrets.accessToken, user: TEST_ACCOUNT, ok: true })
    // The transcript opens with the renewal, in the profile's name.
    expect(r.transcript.slice(0, 2).map((l) => [l.dir, l.text])).toEqual([
      ['info', expect.stringMatching(new RegExp(`^OAuth2: the access token of “Short-lived” \\(${TEST_ACCOUNT}\\) expires in 2 minutes; asking ${issuer.url} for a new one \\(refresh token\\)$`))],
      ['info', expect.stringMatching(/^OAuth2: renewed the access token of “Short-lived” \(.+\); it is valid until \d{4}-.+Z\.$/)],
    ])
    // The profile shows the renewal; History keeps the lines; no token anywhere.
    expect(h.services.profiles.get(p.id)).toMatchObject({ signIn: { refreshedAt: expect.stringMatching(/Z$/), expiresAt: after.expiresAt } })
    await h.services.flush()
    const entry = (await h.call('listHistory', {})).entries.find((e) => e.jobId === jobId)!
    const stored = await h.call('getHistoryEntry', { id: entry.id })
    expect(stored!.result.transcript[0]!.text).toMatch(/^OAuth2: the access token of “Short-lived”/)
    const secrets = [...(await savedSecrets(h.services)), { value: before.secrets.accessToken, user: TEST_ACCOUNT }, { value: before.secrets.refreshToken! }]
    expectNoLeaks(JSON.stringify([r, h.sink.events, stored, await h.call('exportTranscript', { id: entry.id, format: 'json' })]), secrets, 'run, events and History')

    // A fresh token is used as it is: no renewal, no line.
    const again = await h.sink.result<SmtpResult>((await h.call('runProfile', { profileId: p.id, action: 'verify' })).jobId)
    expect(again.ok).toBe(true)
    expect(again.transcript.some((l) => l.text.startsWith('OAuth2:'))).toBe(false)
  })

  it('a Lab comparison renews a profile’s token first, and its transcript says so', async () => {
    const h = await harness()
    shortLived('authorization_code', 120)
    const p = await signedIn(h, 'Lab token')
    const q = await signedIn(h, 'Lab other')
    const { jobId } = await h.call('runCompare', { profileIds: [p.id, q.id], runs: 1, mode: 'cold', action: 'verify' })
    const r = await h.sink.result<CompareResult>(jobId)
    expect(r.ok, r.error?.message).toBe(true)
    expect(r.transcript[0]).toMatchObject({ dir: 'info', text: expect.stringMatching(/^OAuth2: the access token of “Lab token” .* expires in 2 minutes/) })
  })

  it('a refresh token the server refuses ends the run with OAUTH_SIGN_IN_AGAIN, before connecting', async () => {
    const h = await harness()
    shortLived('authorization_code', 60)
    const p = await signedIn(h, 'Revoked')
    issuer.mock.service.once('beforeResponse', (res: TokenResponse) => {
      res.statusCode = 400
      res.body = { error: 'invalid_grant', error_description: 'The refresh token was revoked.' }
    })
    const tried = presented.length
    const r = await h.sink.result<SmtpResult>((await h.call('runProfile', { profileId: p.id, action: 'verify' })).jobId)
    expect(r.ok).toBe(false)
    expect(r.error).toMatchObject({
      code: 'OAUTH_SIGN_IN_AGAIN',
      message: `The sign-in “Revoked” can no longer be renewed: ${issuer.url} refused its refresh token (invalid_grant: The refresh token was revoked.). Sign in again.`,
    })
    expect(r.transcript.map((l) => l.dir)).toEqual(['info', 'err'])
    expect(presented.length).toBe(tried) // the mail server was never asked
    expect(r.phases).toEqual([])
  })

  it('a profile that was never signed in: "Sign in first", and nothing is sent anywhere', async () => {
    const h = await harness()
    const p = await h.call('saveProfile', { profile: oauthProfile('Never signed in') })
    const tried = presented.length
    const r = await h.sink.result<SmtpResult>((await h.call('runProfile', { profileId: p.id, action: 'send', message: { subject: 's', text: 't' } })).jobId)
    expect(r.error).toEqual({ code: 'INVALID_INPUT', message: 'Sign in first: "Never signed in" uses OAuth2 and has no sign-in yet (Sign in, beside the profile).' })
    expect(presented.length).toBe(tried)
    // The lab says the same before it starts.
    const other = await signedIn(h, 'Signed in')
    const lab = await h.sink.result((await h.call('runCompare', { profileIds: [other.id, p.id], runs: 1, action: 'verify' })).jobId)
    expect(lab.error?.message).toMatch(/^Sign in first: "Never signed in"/)
  })
})
