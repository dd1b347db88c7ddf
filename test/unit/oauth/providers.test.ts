// The presets and the config's schema: what each provider is asked for, and the settings refused
// before anything is started (with a sentence that says what to change).
import { describe, expect, it } from 'vitest'
import { oauthConfigSchema, SignInSummarySchema, type OAuthConfig } from '../../../preload/contract'
import { EngineError } from '../../../main/core/errors'
import { planSignIn } from '../../../main/core/oauth'

function refusal(config: OAuthConfig, secrets: Parameters<typeof planSignIn>[1] = {}): string {
  try {
    planSignIn(config, secrets)
  } catch (err) {
    expect(err).toBeInstanceOf(EngineError)
    expect((err as EngineError).info.code).toBe('INVALID_INPUT')
    return (err as EngineError).info.message
  }
  throw new Error('planSignIn accepted it')
}

describe('presets', () => {
  it('Microsoft: the organizations authority and SMTP.Send with offline access for a person, .default for an app', () => {
    const person = planSignIn({ provider: 'microsoft', clientId: 'c', flow: 'browser' })
    expect(person).toMatchObject({
      issuer: 'https://login.microsoftonline.com/organizations/v2.0',
      tenant: 'organizations',
      scopes: ['https://outlook.office.com/SMTP.Send', 'offline_access', 'openid', 'email'],
      authorizationParams: { prompt: 'select_account' },
      refreshWithScopes: true,
    })
    const app = planSignIn({ provider: 'microsoft', tenant: 'contoso.onmicrosoft.com', clientId: 'c', flow: 'client-credentials' }, { clientSecret: true })
    expect(app).toMatchObject({ issuer: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0', scopes: ['https://outlook.office365.com/.default'] })
  })

  it('Google: the mail scope with offline access through the browser', () => {
    expect(planSignIn({ provider: 'google', clientId: 'c', flow: 'browser' })).toMatchObject({
      issuer: 'https://accounts.google.com',
      scopes: ['https://mail.google.com/', 'openid', 'email'],
      authorizationParams: { access_type: 'offline', prompt: 'consent' },
    })
  })

  it('scopes given replace the preset’s', () => {
    expect(planSignIn({ provider: 'microsoft', clientId: 'c', flow: 'device', scopes: ['https://outlook.office.com/SMTP.Send'] }).scopes).toEqual(['https://outlook.office.com/SMTP.Send'])
  })

  it('refuses what cannot work, saying what to do instead', () => {
    expect(refusal({ provider: 'google', clientId: 'c', flow: 'device' })).toContain('Google’s device flow does not allow the https://mail.google.com/ scope')
    expect(refusal({ provider: 'google', clientId: 'c', flow: 'client-credentials' }, { clientSecret: true })).toContain('use the browser flow')
    expect(refusal({ provider: 'microsoft', tenant: 'common', clientId: 'c', flow: 'client-credentials' }, { clientSecret: true })).toContain('instead of “common”')
    expect(refusal({ provider: 'microsoft', tenant: 't.example', clientId: 'c', flow: 'client-credentials', scopes: ['https://outlook.office.com/SMTP.SendAsApp'] }, { clientSecret: true })).toContain(
      'https://outlook.office365.com/.default',
    )
    expect(refusal({ provider: 'generic', issuer: 'https://id.example.test', clientId: 'c', flow: 'browser' })).toContain('Give the scopes')
    expect(refusal({ provider: 'generic', endpoints: { token: 'https://id.example.test/token' }, clientId: 'c', flow: 'browser', scopes: ['s'] })).toContain('authorization endpoint')
    expect(refusal({ provider: 'microsoft', clientId: 'c', flow: 'browser' }, { clientCertificate: true })).toContain('only with the client-credentials flow')
  })
})

describe('oauthConfigSchema', () => {
  it('takes a generic issuer on https, or on http for loopback only', () => {
    expect(oauthConfigSchema.safeParse({ provider: 'generic', issuer: 'https://id.example.test', clientId: 'c', flow: 'device', scopes: ['a'] }).success).toBe(true)
    expect(oauthConfigSchema.safeParse({ provider: 'generic', issuer: 'http://127.0.0.1:8080', clientId: 'c', flow: 'device', scopes: ['a'] }).success).toBe(true)
    const plain = oauthConfigSchema.safeParse({ provider: 'generic', issuer: 'http://id.example.test', clientId: 'c', flow: 'device' })
    expect(plain.error?.issues[0]?.message).toBe('issuer must use https:// (plain http is allowed only for 127.0.0.1, ::1 and localhost)')
  })

  it('refuses unknown fields, settings for another provider, and scopes with spaces', () => {
    expect(oauthConfigSchema.safeParse({ provider: 'google', clientId: 'c', flow: 'browser', accessToken: 'x' }).success).toBe(false)
    expect(oauthConfigSchema.safeParse({ provider: 'google', tenant: 'x', clientId: 'c', flow: 'browser' }).error?.issues[0]?.message).toBe('a tenant is given only for Microsoft')
    expect(oauthConfigSchema.safeParse({ provider: 'generic', clientId: 'c', flow: 'browser' }).error?.issues[0]?.message).toContain('needs an issuer URL')
    expect(oauthConfigSchema.safeParse({ provider: 'microsoft', clientId: 'c', flow: 'browser', scopes: ['a b'] }).success).toBe(false)
    expect(oauthConfigSchema.safeParse({ provider: 'microsoft', clientId: 'c', flow: 'browser', scopes: Array.from({ length: 33 }, (_, i) => `s${i}`) }).success).toBe(false)
  })

  it('a summary has no place for a token', () => {
    const summary = {
      name: 'n',
      provider: 'google',
      flow: 'browser',
      tenant: null,
      issuer: 'https://accounts.google.com',
      clientId: 'c',
      account: null,
      scopes: [],
      expiresAt: null,
      signedInAt: '2026-01-01T00:00:00Z',
      refreshedAt: null,
      renewable: true,
    }
    expect(SignInSummarySchema.safeParse(summary).success).toBe(true)
    expect(SignInSummarySchema.safeParse({ ...summary, accessToken: 'x' }).success).toBe(false)
  })
})
