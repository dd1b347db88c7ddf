// Client credentials (app-only) against the local issuer: with a client secret (HTTP Basic or in
// the body, as the discovery document says) and with Microsoft's certificate assertion, checked
// the way Entra ID checks it (signature by the certificate's key, x5t, audience = token endpoint).
import { createPublicKey } from 'node:crypto'
import { importJWK, jwtVerify, exportJWK } from 'jose'
import { generate } from 'selfsigned'
import { afterEach, describe, expect, it } from 'vitest'
import { certificateThumbprints, signIn, summarize } from '../../../main/core/oauth'
import { Redactor } from '../../../main/core/transcript/redact'
import { expectNoLeaks } from '../../fixtures/secret-scan'
import { startOAuthIssuer, type OAuthIssuer } from '../../fixtures/oauth-issuer'
import { failure } from './helpers'

const SECRET = 'cs-canary~9f2.Zq_client-secret'
const issuers: OAuthIssuer[] = []
afterEach(async () => {
  await Promise.all(issuers.splice(0).map((i) => i.close()))
})

async function issuerWith(opts: Parameters<typeof startOAuthIssuer>[0] = {}): Promise<OAuthIssuer> {
  const issuer = await startOAuthIssuer(opts)
  issuers.push(issuer)
  return issuer
}

describe('client credentials', () => {
  it('authenticates with HTTP Basic when the server does not list client_secret_post', async () => {
    const issuer = await issuerWith()
    const lines: string[] = []
    const redactor = new Redactor([])
    const made = await signIn(
      { provider: 'generic', issuer: issuer.url, clientId: 'app-1', flow: 'client-credentials', scopes: ['mail.send'] },
      { name: 'robot', clientSecret: SECRET, log: (l) => lines.push(l), redactor },
    )
    const req = issuer.tokenRequests.find((r) => r.grantType === 'client_credentials')!
    // RFC 6749 §2.3.1: id and secret form-encoded, then joined with ':' and base64-encoded.
    const [id, secret] = Buffer.from(req.authorization!.replace(/^Basic /, ''), 'base64')
      .toString('utf8')
      .split(':')
      .map((part) => new URLSearchParams(`x=${part}`).get('x'))
    expect([id, secret]).toEqual(['app-1', SECRET])
    expect(req.form.get('client_secret')).toBeNull()
    expect(req.form.get('scope')).toBe('mail.send')
    expect(made.scopes).toEqual(['mail.send'])
    expect(made.account).toBeNull()
    expect(made.secrets.clientSecret).toBe(SECRET)
    expect(made.secrets.refreshToken).toBeUndefined()
    expect(summarize(made).renewable).toBe(true)
    expect(redactor.redact(made.secrets.accessToken)).toBe('[redacted]')
    expectNoLeaks(lines.join('\n') + JSON.stringify(summarize(made)), [{ value: SECRET }, { value: made.secrets.accessToken }])
  })

  it('sends the secret in the body when the server lists client_secret_post', async () => {
    const issuer = await issuerWith({ authMethods: ['client_secret_post', 'client_secret_basic'] })
    await signIn({ provider: 'generic', issuer: issuer.url, clientId: 'app-1', flow: 'client-credentials', scopes: ['mail.send'] }, { name: 'robot', clientSecret: SECRET })
    const req = issuer.tokenRequests.find((r) => r.grantType === 'client_credentials')!
    expect(req.authorization).toBeNull()
    expect(req.form.get('client_secret')).toBe(SECRET)
  })

  it('signs a Microsoft certificate assertion: x5t of the certificate, audience the token endpoint', async () => {
    const tenant = 'contoso.example'
    const issuer = await issuerWith({ pathPrefix: `/${tenant}/v2.0` })
    const pair = await generate([{ name: 'commonName', value: 'mailprobe-test-app' }], { keyType: 'rsa', keySize: 2048, algorithm: 'sha256' })
    const made = await signIn(
      { provider: 'microsoft', tenant, clientId: '11111111-2222-3333-4444-555555555555', flow: 'client-credentials' },
      { name: 'm365-app', clientCertificate: { certificatePem: pair.cert, privateKeyPem: pair.private }, planOptions: { microsoftLogin: issuer.origin } },
    )
    expect(made.issuer).toBe(`${issuer.origin}/${tenant}/v2.0`)
    expect(made.scopes).toEqual(['https://outlook.office365.com/.default'])
    expect(made.secrets.clientCertificate?.certificatePem).toBe(pair.cert)

    const req = issuer.tokenRequests.find((r) => r.grantType === 'client_credentials')!
    expect(req.form.get('scope')).toBe('https://outlook.office365.com/.default')
    expect(req.form.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
    const publicJwk = await exportJWK(createPublicKey(pair.cert))
    const { payload, protectedHeader } = await jwtVerify(req.form.get('client_assertion')!, await importJWK(publicJwk, 'RS256'))
    expect(protectedHeader.alg).toBe('RS256')
    expect(protectedHeader.x5t).toBe(certificateThumbprints(pair.cert).x5t)
    expect(payload).toMatchObject({ iss: '11111111-2222-3333-4444-555555555555', sub: '11111111-2222-3333-4444-555555555555', aud: `${issuer.url}/token` })
    expect(req.form.get('client_secret')).toBeNull()
  })

  it('needs the client’s own credentials, and an app signs in to one tenant', async () => {
    const noSecret = await failure(signIn({ provider: 'generic', issuer: 'https://issuer.example.test', clientId: 'a', flow: 'client-credentials', scopes: ['s'] }, { name: 'x' }))
    expect(noSecret.info).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('needs the client secret') })
    const shared = await failure(signIn({ provider: 'microsoft', clientId: 'a', flow: 'client-credentials' }, { name: 'x', clientSecret: SECRET }))
    expect(shared.info.code).toBe('INVALID_INPUT')
    expect(shared.info.message).toContain('give the tenant id or domain')
    expectNoLeaks(shared.info.message, [{ value: SECRET }])
  })

  it('words the server’s refusal with its error and description, without the secret', async () => {
    const issuer = await issuerWith()
    issuer.mock.service.once('beforeResponse', (res: { statusCode: number; body: unknown }) => {
      res.statusCode = 401
      res.body = { error: 'invalid_client', error_description: `AADSTS7000215: Invalid client secret provided (${SECRET}).` }
    })
    const err = await failure(signIn({ provider: 'generic', issuer: issuer.url, clientId: 'app-1', flow: 'client-credentials', scopes: ['s'] }, { name: 'robot', clientSecret: SECRET }))
    expect(err.info.code).toBe('OAUTH_FAILED')
    expect(err.info.message).toContain('did not accept the client (invalid_client: AADSTS7000215: Invalid client secret provided ([redacted]).)')
    expect(err.info.message).toContain('Check the client id, and the client secret or certificate.')
    expectNoLeaks(JSON.stringify(err.info), [{ value: SECRET }])
  })
})
