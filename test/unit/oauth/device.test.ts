// The device flow (RFC 8628) against the local issuer's device endpoint: the code reaches the
// caller, polling keeps to `interval` and backs off on `slow_down` (openid-client's waits, timed
// by the server's clock), an expired code and a refusal are clear errors, and cancel is prompt.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { OAuthConfig } from '../../../preload/contract'
import { signIn, type DeviceCode } from '../../../main/core/oauth'
import { Redactor } from '../../../main/core/transcript/redact'
import { expectNoLeaks } from '../../fixtures/secret-scan'
import { startOAuthIssuer, TEST_ACCOUNT, type OAuthIssuer } from '../../fixtures/oauth-issuer'
import { failure } from './helpers'

let issuer: OAuthIssuer
beforeEach(async () => {
  issuer = await startOAuthIssuer()
})
afterEach(async () => {
  await issuer.close()
})

const config = (): OAuthConfig => ({ provider: 'generic', issuer: issuer.url, clientId: 'mailprobe-device', flow: 'device', scopes: ['openid', 'email', 'offline_access'] })

function codeShown(): { onCode: (c: DeviceCode) => void; shown: Promise<DeviceCode> } {
  let resolve!: (c: DeviceCode) => void
  const shown = new Promise<DeviceCode>((r) => (resolve = r))
  return { onCode: (c) => resolve(c), shown }
}

describe('device sign-in', () => {
  it('shows the code, polls every interval until approved, and keeps the device code secret', async () => {
    issuer.device.interval = 0.2
    const c = codeShown()
    const lines: string[] = []
    const redactor = new Redactor([])
    const running = signIn(config(), { name: 'laptop', onCode: c.onCode, log: (l) => lines.push(l), redactor })
    const code = await c.shown
    expect(code.userCode).toMatch(/^[0-9A-F]{4}-[0-9A-F]{4}$/)
    expect(code.verificationUri).toBe(`${issuer.origin}/activate`)
    expect(code.verificationUriComplete).toContain(code.userCode)
    expect(code.intervalSeconds).toBe(0.2)
    expect(Date.parse(code.expiresAt) - Date.now()).toBeGreaterThan(590_000)

    await issuer.polls(3)
    issuer.approve(code.userCode)
    const made = await running
    expect(made.account).toBe(TEST_ACCOUNT)
    expect(made.config.flow).toBe('device')

    const polls = issuer.grants[0]!.polls
    expect(polls.at(-1)!.answer).toBe('tokens')
    expect(polls.slice(0, 3).every((p) => p.answer === 'authorization_pending')).toBe(true)
    // Never faster than the interval (1 ms of slack for the clocks' rounding).
    for (let i = 1; i < polls.length; i++) expect(polls[i]!.at - polls[i - 1]!.at).toBeGreaterThanOrEqual(199)

    const deviceCode = issuer.grants[0]!.deviceCode
    expect(redactor.redact(deviceCode)).toBe('[redacted]')
    expect(lines.join('\n')).toContain(`enter the code ${code.userCode}`)
    expectNoLeaks(lines.join('\n'), [{ value: deviceCode }, { value: made.secrets.accessToken }, { value: made.secrets.refreshToken! }])
  })

  it('backs off by five seconds after slow_down', async () => {
    issuer.device.interval = 0.1
    issuer.device.script = ['authorization_pending', 'slow_down']
    const c = codeShown()
    const running = signIn(config(), { name: 'laptop', onCode: c.onCode })
    await c.shown
    await issuer.polls(2)
    issuer.approve()
    await running
    const [first, second, third] = issuer.grants[0]!.polls
    expect([first!.answer, second!.answer, third!.answer]).toEqual(['authorization_pending', 'slow_down', 'tokens'])
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(99)
    // RFC 8628 §3.5: after slow_down the interval grows by 5 s, for this and every later poll.
    expect(third!.at - second!.at).toBeGreaterThanOrEqual(5099)
  })

  it('says so when the server answers that the code expired', async () => {
    issuer.device.script = ['authorization_pending', 'expired_token']
    const c = codeShown()
    const err = await failure(signIn(config(), { name: 'laptop', onCode: c.onCode }))
    expect(err.info.code).toBe('OAUTH_EXPIRED')
    expect(err.info.message).toContain('The device code expired before the sign-in was finished')
  })

  it('gives up by itself when the code runs out while nobody approves', async () => {
    issuer.device.expiresIn = 0.5
    issuer.device.enforceExpiry = false
    const c = codeShown()
    const err = await failure(signIn(config(), { name: 'laptop', onCode: c.onCode }))
    const code = await c.shown
    expect(err.info.code).toBe('OAUTH_EXPIRED')
    expect(err.info.message).toBe(`The code ${code.userCode} expired before the sign-in was finished (it was valid for 1 second). Run the sign-in again and enter the new code in time.`)
  })

  it('says the sign-in was declined on access_denied', async () => {
    issuer.device.script = ['access_denied']
    const err = await failure(signIn(config(), { name: 'laptop', onCode: () => {} }))
    expect(err.info.code).toBe('OAUTH_FAILED')
    expect(err.info.message).toContain('declined (access_denied: The user declined.)')
  })

  it('is cancelled at once while it waits between polls, even with a long interval', async () => {
    issuer.device.interval = 600
    const ctl = new AbortController()
    const c = codeShown()
    const failed = failure(signIn(config(), { name: 'laptop', onCode: c.onCode, signal: ctl.signal }))
    await c.shown
    ctl.abort()
    const err = await failed
    expect(err.info).toEqual({ code: 'CANCELLED', message: 'You cancelled the sign-in.' })
    expect(issuer.grants[0]!.polls).toHaveLength(0)
  })

  it('refuses Google’s device flow, which cannot carry the mail scope', async () => {
    const err = await failure(signIn({ provider: 'google', clientId: 'x.apps.googleusercontent.com', flow: 'device' }, { name: 'g', onCode: () => {} }))
    expect(err.info.code).toBe('INVALID_INPUT')
    expect(err.info.message).toContain('use the browser flow')
  })

  it('says when the issuer offers no device sign-in', async () => {
    const plain = await startOAuthIssuer({ noDevice: true })
    try {
      const err = await failure(signIn({ ...config(), issuer: plain.url }, { name: 'laptop', onCode: () => {} }))
      expect(err.info.code).toBe('INVALID_INPUT')
      expect(err.info.message).toContain('offers no device sign-in')
    } finally {
      await plain.close()
    }
  })
})
