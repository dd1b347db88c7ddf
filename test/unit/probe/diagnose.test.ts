import { describe, expect, it } from 'vitest'
import { diagnose, firstSentences } from '../../../main/core/probe/diagnose'
import { daysUntil } from '../../../main/core/net/tls'
import { facts, implicitOk, plainOnly, starttlsOk, tlsFacts, unanswered } from './helpers'

const sentences = (s: string) => s.split(/(?<=[.!?])\s+(?=[A-Z"'(])/).length

describe('diagnose', () => {
  it('says why a port did not answer', () => {
    expect(diagnose(unanswered(587, 'refused'))).toBe('Refused: nothing listens on port 587 (or a firewall rejects the connection).')
    expect(diagnose(unanswered(25, 'timeout'))).toBe('No answer: likely blocked by your network or provider (outbound port 25 often is).')
    expect(diagnose(unanswered(587, 'timeout'))).toMatch(/^No answer: likely blocked by a firewall/)
    expect(diagnose(unanswered(2525, 'silent'))).toBe('Accepts connections but never greets, in plaintext or over TLS (tarpit or wrong service?).')
    expect(diagnose({ ...unanswered(465, 'silent'), speaks: 'tls', tls: tlsFacts({ mode: 'implicit' }) })).toMatch(/^Completes a TLS handshake but never greets inside TLS/)
    expect(diagnose({ ...unanswered(25, 'error'), error: { code: 'CONNECTION_LOST', message: 'It closed. Then more. And more.' } })).toBe('It closed. Then more.')
    expect(diagnose({ ...starttlsOk(), error: { code: 'CANCELLED', message: 'x' } })).toBe('Cancelled before the probe of this port finished.')
  })

  it('describes submission with STARTTLS and where AUTH is offered', () => {
    expect(diagnose(starttlsOk())).toBe('Submission with STARTTLS; AUTH PLAIN LOGIN offered only after TLS.')
    expect(diagnose(starttlsOk(587, { auth: { before: ['LOGIN'], after: ['PLAIN', 'LOGIN'] } }))).toBe(
      'Submission with STARTTLS; AUTH PLAIN LOGIN offered, and AUTH LOGIN already before TLS (a client could send its password unencrypted).',
    )
    expect(diagnose(starttlsOk(25, { auth: { before: [], after: [] } }))).toBe('SMTP with STARTTLS; no AUTH offered (a relay or inbound MX, not submission).')
  })

  it('describes implicit TLS, and the classic mix-ups with their client settings', () => {
    expect(diagnose(implicitOk())).toBe('Speaks TLS first (implicit TLS, RFC 8314 submission); AUTH PLAIN LOGIN offered.')
    expect(diagnose(implicitOk(587))).toMatch(/^Speaks TLS first .*\. Clients set to STARTTLS \(secure: false\) .*"Greeting never received": use implicit TLS \(secure: true\)\.$/)
    expect(diagnose(starttlsOk(465))).toMatch(/Port 465 usually means implicit TLS, .*"wrong version number"; use STARTTLS \(secure: false\)\.$/)
  })

  it('describes plaintext-only SMTP, with or without AUTH', () => {
    expect(diagnose(plainOnly())).toBe('Plaintext SMTP only (no STARTTLS, no AUTH): a relay or inbound MX, not submission.')
    expect(diagnose(plainOnly(2525, { auth: { before: ['PLAIN'], after: null } }))).toMatch(/^Plaintext SMTP only \(no STARTTLS\); AUTH PLAIN is offered without encryption/)
  })

  it('puts a failing certificate second, by what is wrong with it', () => {
    const expired = starttlsOk(587, { tls: tlsFacts({ daysUntilExpiry: -35, verification: { code: 'CERT_EXPIRED', message: 'x' } }) })
    expect(diagnose(expired)).toBe('Submission with STARTTLS; AUTH PLAIN LOGIN offered only after TLS. Its certificate expired 35 days ago, so clients that verify (as they should) will refuse it.')
    const wrong = implicitOk(465, {
      tls: tlsFacts({ mode: 'implicit', sans: ['wrong.example'], servername: 'smtp.example.com', hostnameMatch: false, verification: { code: 'CERT_HOSTNAME_MISMATCH', message: 'x' } }),
    })
    expect(diagnose(wrong)).toMatch(/Its certificate is for wrong\.example, not smtp\.example\.com, so clients that verify/)
    const untrusted = implicitOk(465, { tls: tlsFacts({ mode: 'implicit', verification: { code: 'CERT_UNTRUSTED', message: 'x' } }) })
    expect(diagnose(untrusted)).toMatch(/not signed by a CA this machine trusts/)
    const soon = implicitOk(465, { tls: tlsFacts({ mode: 'implicit', daysUntilExpiry: 3 }) })
    expect(diagnose(soon)).toMatch(/Its certificate expires in 3 days\.$/)
  })

  it('names other services, in plaintext and inside TLS', () => {
    expect(diagnose(facts({ speaks: 'other', other: 'HTTP', bannerCode: null }))).toBe('Not a mail server: speaks HTTP.')
    expect(diagnose(facts({ speaks: 'other', other: null, bannerCode: null }))).toBe('Not a mail server: it answers with something other than an SMTP greeting.')
    expect(diagnose(facts({ speaks: 'other', other: 'HTTPS', bannerCode: null, tls: tlsFacts({ mode: 'implicit' }) }))).toBe('Speaks TLS, but the service inside is HTTPS, not SMTP.')
  })

  it('reports refusing greetings, unfinished greetings and failures after the greeting', () => {
    expect(diagnose(facts({ bannerCode: 554 }))).toBe('Greets with 554 instead of 220: the server turns this client away (a blocked address or a policy).')
    expect(diagnose(facts({ bannerCode: 421 }))).toMatch(/421 .*busy or rate-limited/)
    expect(diagnose(facts({ bannerCode: null }))).toMatch(/^Began an SMTP greeting but never finished it/)
    const failed = facts({
      starttls: true,
      capabilities: { before: ['STARTTLS'], after: null },
      auth: { before: [], after: null },
      error: { code: 'TLS_FAILED', message: 'The TLS handshake failed: alert 40. More detail.' },
    })
    expect(diagnose(failed)).toBe('Offers STARTTLS, but the upgrade failed. Then: The TLS handshake failed: alert 40.')
  })

  it('always answers one or two sentences ending in a full stop, never throws', () => {
    const states = ['open', 'refused', 'timeout', 'silent', 'error'] as const
    const speaks = ['smtp', 'tls', 'other', null] as const
    for (const state of states)
      for (const s of speaks)
        for (const base of [facts(), starttlsOk(), implicitOk(), plainOnly()])
          for (const bannerCode of [220, 554, null]) {
            const d = diagnose({ ...base, state, speaks: s, bannerCode, error: bannerCode === 554 ? { code: 'PROTOCOL_ERROR', message: 'Refused.' } : null })
            expect(d).toMatch(/[.?!)]$/)
            expect(sentences(d)).toBeLessThanOrEqual(2)
          }
  })
})

describe('helpers', () => {
  it('cuts messages into sentences without breaking addresses or abbreviations', () => {
    expect(firstSentences('No TCP answer from 127.0.0.1:25 within 5 s: filtered. Port 25 often is.', 1)).toBe('No TCP answer from 127.0.0.1:25 within 5 s: filtered.')
    expect(firstSentences('no full stop', 1)).toBe('no full stop.')
    expect(firstSentences('', 2)).toBe('Unknown error.')
  })

  it('counts whole days to expiry, and at least one day once expired', () => {
    const now = Date.parse('2025-06-01T00:00:00Z')
    expect(daysUntil('2025-06-14T23:00:00Z', now)).toBe(13)
    expect(daysUntil('2025-04-26T22:00:00Z', now)).toBe(-35)
    expect(daysUntil('2025-05-31T23:00:00Z', now)).toBe(-1)
    expect(daysUntil('not a date', now)).toBeNull()
  })
})
