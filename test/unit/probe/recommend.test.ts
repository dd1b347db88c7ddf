import { describe, expect, it } from 'vitest'
import { isUsable, recommend, securityOf, workingPath } from '../../../main/core/probe/recommend'
import { facts, implicitOk, plainOnly, starttlsOk, tlsFacts, unanswered } from './helpers'

const host = { mode: 'host', insecure: false } as const
const expiredTls = (mode: 'implicit' | 'starttls') => tlsFacts({ mode, daysUntilExpiry: -3, verification: { code: 'CERT_EXPIRED', message: 'expired' } })

describe('paths and usability', () => {
  it('knows how each port is secured and whether that worked', () => {
    expect(securityOf(implicitOk())).toBe('tls')
    expect(securityOf(starttlsOk())).toBe('starttls')
    expect(securityOf(plainOnly())).toBe('none')
    expect(securityOf(unanswered(25, 'timeout'))).toBeNull()
    expect(workingPath(implicitOk())).toBe('tls')
    expect(workingPath(starttlsOk())).toBe('starttls')
    expect(workingPath(plainOnly())).toBe('none')
    // STARTTLS offered but the upgrade failed: no working path.
    expect(workingPath(facts({ starttls: true, capabilities: { before: ['STARTTLS'], after: null } }))).toBeNull()
    expect(workingPath(facts({ bannerCode: 554, capabilities: { before: [], after: null } }))).toBeNull()
  })

  it('for submission, needs TLS and a certificate that verifies (unless verification is off)', () => {
    expect(isUsable(implicitOk(), host)).toBe(true)
    expect(isUsable(plainOnly(), host)).toBe(false)
    const expired = starttlsOk(587, { tls: expiredTls('starttls') })
    expect(isUsable(expired, host)).toBe(false)
    expect(isUsable(expired, { mode: 'host', insecure: true })).toBe(true)
    // For relay to an MX host, any SMTP that greets will do.
    expect(isUsable(plainOnly(), { mode: 'mx', insecure: false })).toBe(true)
    expect(isUsable(expired, { mode: 'mx', insecure: false })).toBe(true)
  })
})

describe('recommend (submission, RFC 8314)', () => {
  const standard = [unanswered(25, 'timeout'), implicitOk(465), starttlsOk(587), starttlsOk(2525)]

  it('prefers implicit TLS on 465', () => {
    const r = recommend(standard, host)
    expect(r).toMatchObject({ port: 465, security: 'tls', host: 'smtp.example.com' })
    expect(r.reason).toMatch(/^Use port 465 with implicit TLS: RFC 8314 prefers implicit TLS for submission/)
    expect(r.reason).toContain('It offers AUTH PLAIN LOGIN.')
  })

  it('falls back to 587 with STARTTLS, then to 2525', () => {
    expect(recommend([unanswered(465, 'refused'), starttlsOk(587), starttlsOk(2525)], host)).toMatchObject({ port: 587, security: 'starttls' })
    expect(recommend([unanswered(465, 'refused'), unanswered(587, 'timeout'), starttlsOk(2525)], host).reason).toMatch(/provider-specific fallback/)
    expect(recommend([starttlsOk(25), starttlsOk(2525)], host)).toMatchObject({ port: 2525 })
    expect(recommend([starttlsOk(25)], host).reason).toMatch(/meant for relay between servers/)
  })

  it('prefers a port that offers AUTH over a better-ranked one that does not', () => {
    const noAuth = implicitOk(465, { capabilities: { before: null, after: ['PIPELINING'] }, auth: { before: null, after: [] } })
    expect(recommend([noAuth, starttlsOk(587)], host).port).toBe(587)
    const only = recommend([noAuth], host)
    expect(only.port).toBe(465)
    expect(only.reason).toMatch(/offers no AUTH, so it works only if the server relays mail for your address/)
  })

  it('does not recommend a port whose certificate fails without saying so', () => {
    const r = recommend([implicitOk(465, { tls: expiredTls('implicit') }), starttlsOk(587)], host)
    expect(r.port).toBe(587)
    expect(r.reason).toMatch(/Port 465 also speaks implicit TLS, but its certificate fails verification \(CERT_EXPIRED\), so it is not recommended\./)
  })

  it('with verification off, recommends it and says so', () => {
    const r = recommend([implicitOk(465, { tls: expiredTls('implicit') })], { mode: 'host', insecure: true })
    expect(r.port).toBe(465)
    expect(r.reason).toMatch(/certificate fails verification \(CERT_EXPIRED\); you turned verification off/)
  })

  it('says why nothing fits', () => {
    expect(recommend([implicitOk(465, { tls: expiredTls('implicit') }), starttlsOk(587, { tls: expiredTls('starttls') })], host)).toMatchObject({
      port: null,
      security: null,
      reason: expect.stringMatching(/^No port offers a trustworthy TLS path: 465 \(CERT_EXPIRED\), 587 \(CERT_EXPIRED\) present certificates that fail/),
    })
    expect(recommend([plainOnly(25), unanswered(587, 'refused')], host).reason).toMatch(/^Only plaintext SMTP without STARTTLS answers \(port 25\)/)
    expect(recommend([facts({ bannerCode: 554 })], host).reason).toMatch(/turns this client away \(554 on port 587\)/)
    expect(recommend([unanswered(25, 'timeout'), unanswered(465, 'refused'), unanswered(587, 'silent')], host).reason).toBe(
      'No port answered with SMTP (25 timeout, 465 refused, 587 silent): check the host name, or whether your network blocks outbound mail ports.',
    )
    expect(recommend([], host).port).toBeNull()
  })
})

describe('recommend (relay to MX hosts)', () => {
  const mx = { mode: 'mx', insecure: false } as const
  it('picks the most preferred MX host that answers, in the given order', () => {
    const r = recommend(
      [unanswered(25, 'timeout'), starttlsOk(25, { host: 'mx2.example.com' }), plainOnly(25, { host: 'mx3.example.com' })].map((p, i) => (i === 0 ? { ...p, host: 'mx1.example.com' } : p)),
      mx,
    )
    expect(r).toMatchObject({ host: 'mx2.example.com', port: 25, security: 'starttls' })
    expect(r.reason).toMatch(/^Deliver to mx2\.example\.com on port 25 with STARTTLS \(the most preferred MX host that answers\)\. Not answering: mx1\.example\.com:25 timeout\./)
  })

  it('mentions plaintext relay and opportunistic TLS with a bad certificate', () => {
    expect(recommend([plainOnly(25, { host: 'mx.example.com' })], mx).reason).toMatch(/travels unencrypted/)
    expect(recommend([starttlsOk(25, { host: 'mx.example.com', tls: expiredTls('starttls') })], mx).reason).toMatch(/opportunistic TLS/)
  })

  it('says when no MX host accepts SMTP', () => {
    expect(recommend([{ ...unanswered(25, 'timeout'), host: 'mx.example.com' }], mx).reason).toMatch(
      /^No MX host accepts SMTP from here \(mx\.example\.com:25 timeout\)\. Outbound port 25 is often blocked/,
    )
  })
})
