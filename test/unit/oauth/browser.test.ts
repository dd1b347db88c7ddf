// The browser flow (authorization code + PKCE, loopback redirect) against a local issuer: the
// test plays the browser with node:http, following the authorize redirect to our callback.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { OAuthConfig } from '../../../preload/contract'
import { signIn, summarize, type SignIn } from '../../../main/core/oauth'
import { Redactor } from '../../../main/core/transcript/redact'
import { expectNoLeaks } from '../../fixtures/secret-scan'
import { followAuthorization, httpGet, startOAuthIssuer, TEST_ACCOUNT, type OAuthIssuer } from '../../fixtures/oauth-issuer'
import { failure } from './helpers'

let issuer: OAuthIssuer
beforeEach(async () => {
  issuer = await startOAuthIssuer()
})
afterEach(async () => {
  await issuer.close()
})

const config = (): OAuthConfig => ({ provider: 'generic', issuer: issuer.url, clientId: 'mailprobe-test', flow: 'browser', scopes: ['openid', 'email', 'offline_access', 'mail.send'] })

/** Resolves with the URL the flow asked to open. */
function browser(): { openBrowser: (url: string) => void; opened: Promise<string> } {
  let resolve!: (url: string) => void
  const opened = new Promise<string>((r) => (resolve = r))
  return { openBrowser: (url) => resolve(url), opened }
}

describe('browser sign-in (authorization code + PKCE)', () => {
  it('discovers the issuer, sends PKCE and state, and returns the tokens with who signed in', async () => {
    const b = browser()
    const lines: string[] = []
    const redactor = new Redactor([])
    const running = signIn(config(), { name: 'work', openBrowser: b.openBrowser, log: (l) => lines.push(l), redactor })
    const url = new URL(await b.opened)
    expect(url.origin + url.pathname).toBe(`${issuer.url}/authorize`)
    expect(url.searchParams.get('code_challenge_method')).toBe('S256')
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(url.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{20,}$/)
    expect(url.searchParams.get('scope')).toBe('openid email offline_access mail.send')
    const redirect = new URL(url.searchParams.get('redirect_uri')!)
    expect(redirect.hostname).toBe('127.0.0.1')
    expect(redirect.pathname).toBe('/callback')

    const page = await followAuthorization(url.href)
    expect(page.status).toBe(200)
    expect(page.body).toContain('You can close this tab')
    expect(page.body).not.toMatch(/<(script|link|img)|src=|https?:\/\/(?!127\.0\.0\.1)/i)

    const made: SignIn = await running
    expect(made.account).toBe(TEST_ACCOUNT)
    expect(made.scopes).toEqual(['openid', 'email', 'offline_access', 'mail.send'])
    expect(made.secrets.accessToken.split('.')).toHaveLength(3)
    expect(made.secrets.refreshToken).toBeTruthy()
    expect(Date.parse(made.expiresAt!) - Date.now()).toBeGreaterThan(55 * 60_000)
    expect(made.issuer).toBe(issuer.url)

    // The code went back with the verifier the challenge was made from (the mock checks S256).
    const exchange = issuer.tokenRequests.find((r) => r.grantType === 'authorization_code')!
    const verifier = exchange.form.get('code_verifier')!
    expect(verifier).toMatch(/^[A-Za-z0-9._~-]{43,128}$/)
    expect(exchange.form.get('redirect_uri')).toBe(redirect.href)

    // Every secret of the sign-in is known to the job's redactor; none is in what it said.
    const secrets = [made.secrets.accessToken, made.secrets.refreshToken!, verifier, exchange.form.get('code')!]
    for (const s of secrets) expect(redactor.redact(`x ${s} y`)).toBe('x [redacted] y')
    expect(lines.join('\n')).toContain(`signed in as ${TEST_ACCOUNT}`)
    const shown = JSON.stringify(summarize(made))
    expectNoLeaks(
      lines.join('\n') + shown,
      secrets.map((value) => ({ value })),
    )
    // The loopback server is gone once the sign-in is over.
    await expect(httpGet(redirect.href)).rejects.toMatchObject({ code: 'ECONNREFUSED' })
  })

  it('refuses an answer whose state does not match, and asks for no token', async () => {
    issuer.mock.service.once('beforeAuthorizeRedirect', (r: { url: URL }) => r.url.searchParams.set('state', 'forged-state-from-elsewhere'))
    const b = browser()
    const failed = failure(signIn(config(), { name: 'work', openBrowser: b.openBrowser }))
    const page = await followAuthorization(await b.opened)
    const err = await failed
    expect(err.info.code).toBe('OAUTH_FAILED')
    expect(err.info.message).toMatch(/did not carry this sign-in’s state.*Run the sign-in again/)
    expect(page.status).toBe(400)
    expect(page.body).toContain('did not carry this sign-in’s state')
    expect(issuer.tokenRequests.filter((r) => r.grantType === 'authorization_code')).toHaveLength(0)
  })

  it('says the sign-in was declined when the server sends access_denied back', async () => {
    issuer.mock.service.once('beforeAuthorizeRedirect', (r: { url: URL }) => {
      r.url.searchParams.delete('code')
      r.url.searchParams.set('error', 'access_denied')
      r.url.searchParams.set('error_description', 'The user declined to consent.')
    })
    const b = browser()
    const failed = failure(signIn(config(), { name: 'work', openBrowser: b.openBrowser }))
    const page = await followAuthorization(await b.opened)
    const err = await failed
    expect(err.info).toMatchObject({ code: 'OAUTH_FAILED' })
    expect(err.info.message).toContain('declined (access_denied: The user declined to consent.)')
    expect(page.status).toBe(400)
  })

  it('is cancelled while it waits for the browser, and closes its port', async () => {
    const b = browser()
    const ctl = new AbortController()
    const running = signIn(config(), { name: 'work', openBrowser: b.openBrowser, signal: ctl.signal })
    const redirect = new URL(await b.opened).searchParams.get('redirect_uri')!
    ctl.abort()
    const err = await failure(running)
    expect(err.info).toEqual({ code: 'CANCELLED', message: 'You cancelled the sign-in.' })
    await expect(httpGet(redirect)).rejects.toMatchObject({ code: 'ECONNREFUSED' })
  })

  it('gives up when the browser does not come back in time', async () => {
    const b = browser()
    const running = signIn(config(), { name: 'work', openBrowser: b.openBrowser, timeoutMs: 50 })
    await b.opened
    const err = await failure(running)
    expect(err.info.code).toBe('OAUTH_EXPIRED')
    expect(err.info.message).toMatch(/not finished within 1 second\. Run it again/)
  })

  it('keeps waiting, with the address in the transcript, when the browser cannot be opened', async () => {
    const lines: string[] = []
    let url = ''
    const running = signIn(config(), {
      name: 'work',
      log: (l) => lines.push(l),
      openBrowser: (u) => {
        url = u
        throw new Error('no desktop')
      },
    })
    await expect.poll(() => lines.some((l) => l.includes('open this address by hand'))).toBe(true)
    expect(lines.join('\n')).toContain(url)
    await followAuthorization(url)
    expect((await running).account).toBe(TEST_ACCOUNT)
  })

  it('says clearly when the issuer has no discovery document', async () => {
    const err = await failure(signIn({ ...config(), issuer: `${issuer.origin}/nowhere` }, { name: 'work', openBrowser: () => {} }))
    expect(err.info.code).toBe('OAUTH_FAILED')
    expect(err.info.message).toContain('has no discovery document')
  })

  it('says when the issuer cannot be reached', async () => {
    const closed = createServer()
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r))
    const port = (closed.address() as AddressInfo).port
    await new Promise((r) => closed.close(r))
    const err = await failure(signIn({ ...config(), issuer: `http://127.0.0.1:${port}` }, { name: 'work', openBrowser: () => {} }))
    expect(err.info).toEqual({ code: 'CONNECT_REFUSED', message: `Mailprobe could not reach http://127.0.0.1:${port}: the connection was refused.` })
  })

  it('refuses plain http away from loopback before any request', async () => {
    const err = await failure(signIn({ ...config(), issuer: 'http://issuer.example.test' }, { name: 'work', openBrowser: () => {} }))
    expect(err.info.code).toBe('INVALID_INPUT')
    expect(err.info.message).toContain('must use https://')
  })
})
