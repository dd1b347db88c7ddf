// SigV4 for SES, checked against AWS's published example (IAM ListUsers, 2015-08-30) — both the
// client's signer (aws4) and the fixture's independent verifier (node:crypto) must reproduce it.
import { createHash } from 'node:crypto'
import aws4 from 'aws4'
import { describe, expect, it } from 'vitest'
import { signV4 } from '../../../main/core/http'
import { amzDate, amznErrorType } from '../../../main/core/http/providers/ses'
import { verifySigV4 } from '../../fixtures/provider-server'

const EXAMPLE = {
  method: 'GET',
  host: 'iam.amazonaws.com',
  path: '/?Action=ListUsers&Version=2010-05-08',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8', 'X-Amz-Date': '20150830T123600Z' },
  service: 'iam',
  region: 'us-east-1',
}
const CREDS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' }
const CANONICAL_HASH = 'f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59'
const SIGNATURE = '5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7'

describe('AWS Signature Version 4', () => {
  it('reproduces the canonical request hash of AWS’s example', () => {
    const signer = new aws4.RequestSigner({ ...EXAMPLE, headers: { ...EXAMPLE.headers } }, CREDS)
    const canonical = signer.canonicalString()
    expect(createHash('sha256').update(canonical).digest('hex')).toBe(CANONICAL_HASH)
  })

  it('signV4 (via aws4) produces AWS’s published signature and Authorization header', () => {
    const headers = signV4(EXAMPLE, CREDS)
    expect(headers.Authorization).toBe(`AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=${SIGNATURE}`)
    expect(headers['X-Amz-Date']).toBe('20150830T123600Z')
    expect(headers.Host).toBe('iam.amazonaws.com')
  })

  it('the fixture’s independent verifier accepts the example and computes the same hash', () => {
    const check = verifySigV4(
      {
        method: 'GET',
        path: EXAMPLE.path,
        headers: {
          host: 'iam.amazonaws.com',
          'content-type': EXAMPLE.headers['Content-Type'],
          'x-amz-date': '20150830T123600Z',
          authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=${SIGNATURE}`,
        },
        body: '',
      },
      CREDS,
      { region: 'us-east-1', service: 'iam' },
    )
    expect(check).toMatchObject({ ok: true, canonicalRequestHash: CANONICAL_HASH })
  })

  it('SES requests: signed with service ses and the region; the verifier catches a changed body or secret', () => {
    const body = Buffer.from(JSON.stringify({ FromEmailAddress: 'a@example.test' }))
    const now = new Date('2025-01-02T03:04:05.678Z')
    const creds = { accessKeyId: 'AKIAEXAMPLE123', secretAccessKey: 'secret/Example+Key0123456789', sessionToken: 'session+token/123==' }
    const headers = signV4(
      { method: 'POST', host: '127.0.0.1:4443', path: '/v2/email/outbound-emails', headers: { 'Content-Type': 'application/json' }, body, service: 'ses', region: 'eu-west-1' },
      creds,
      now,
    )
    expect(headers['X-Amz-Date']).toBe('20250102T030405Z')
    expect(headers['X-Amz-Security-Token']).toBe(creds.sessionToken)
    expect(headers.Authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE123\/20250102\/eu-west-1\/ses\/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
    )
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]))
    const req = { method: 'POST', path: '/v2/email/outbound-emails', headers: lower, body }
    expect(verifySigV4(req, creds, { region: 'eu-west-1', service: 'ses' }).ok).toBe(true)
    expect(verifySigV4({ ...req, body: Buffer.from('{}') }, creds, { region: 'eu-west-1', service: 'ses' }).type).toBe('InvalidSignatureException')
    expect(verifySigV4(req, { ...creds, secretAccessKey: 'other' }, { region: 'eu-west-1', service: 'ses' }).type).toBe('InvalidSignatureException')
    expect(verifySigV4(req, creds, { region: 'us-east-1', service: 'ses' }).ok).toBe(false)
  })

  it('helpers: X-Amz-Date format and the x-amzn-ErrorType namespace is stripped', () => {
    expect(amzDate(new Date('2015-08-30T12:36:00.000Z'))).toBe('20150830T123600Z')
    expect(amznErrorType({ 'x-amzn-errortype': 'MessageRejected:http://internal.amazon.com/coral/com.amazonaws.sesv2/' })).toBe('MessageRejected')
    expect(amznErrorType({})).toBeNull()
  })
})
