// A sign-in's secrets reach the job's redactor: those a job is given (secretsOf) and those learned
// while it runs (Redactor.add), in every encoding the redactor knows.
import { describe, expect, it } from 'vitest'
import { secretsOfSignIn } from '../../../main/core/oauth'
import { Redactor, secretsOf } from '../../../main/core/transcript/redact'
import { expectNoLeaks } from '../../fixtures/secret-scan'

describe('OAuth2 secrets and the redactor', () => {
  it('secretsOf finds a job’s OAuth2 tokens, client secret and certificate key', () => {
    const oauth = { accessToken: 'at-1234', refreshToken: 'rt-5678', clientSecret: 'cs-9012', clientCertificate: { certificatePem: 'public', privateKeyPem: 'pk-3456' } }
    expect(secretsOf({ oauth }).sort()).toEqual(['at-1234', 'cs-9012', 'pk-3456', 'rt-5678'])
    expect(secretsOfSignIn({ secrets: oauth }).sort()).toEqual(['at-1234', 'cs-9012', 'pk-3456', 'rt-5678'])
  })

  it('redacts a secret added while the job runs, plain and encoded, from then on', () => {
    const r = new Redactor(['password-1'])
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl'
    expect(r.redact(`Bearer ${token}`)).toBe(`Bearer ${token}`)
    r.add(token, undefined, null, 'ab')
    expect(r.redact(`Bearer ${token}`)).toBe('Bearer [redacted]')
    const xoauth2 = r.redact(Buffer.from(`user=a\x01auth=Bearer ${token}\x01\x01`).toString('base64'))
    expect(xoauth2).toContain('[redacted]')
    expectNoLeaks(xoauth2 + r.redact(encodeURIComponent(`x ${token}`)), [{ value: token, user: 'a' }])
    expect(r.redact('password-1 ab')).toBe('[redacted] ab')
  })
})
