import { describe, expect, it } from 'vitest'
import { apiJobSchema, PresetSchema, saveProfileSchema, type Preset } from '../../../preload/contract'
import { listPresets, PRESETS, SES_PRESET_REGIONS } from '../../../main/core/profiles/presets'

const byId = (id: string): Preset => {
  const p = PRESETS.find((x) => x.id === id)
  if (!p) throw new Error(`no preset ${id}`)
  return p
}
const smtp = (id: string) => {
  const p = byId(id).profile
  if (p.kind !== 'smtp') throw new Error(`${id} is not SMTP`)
  return p
}
const api = (id: string) => {
  const p = byId(id).profile
  if (p.kind !== 'api') throw new Error(`${id} is not API`)
  return p
}

describe('presets', () => {
  it('are valid presets and valid profiles, with unique ids, each with a note', () => {
    for (const preset of PRESETS) {
      expect(PresetSchema.safeParse(preset).success, preset.id).toBe(true)
      expect(saveProfileSchema.safeParse({ profile: preset.profile }).success, preset.id).toBe(true)
      expect(preset.note, preset.id).toBeTruthy()
      expect(preset.profile.preset).toBe(preset.id)
    }
    expect(new Set(PRESETS.map((p) => p.id)).size).toBe(PRESETS.length)
  })

  it('cover every provider, with SMTP and API variants where the provider has both', () => {
    const groups = new Map<string, Set<string>>()
    for (const p of PRESETS) groups.set(p.group, (groups.get(p.group) ?? new Set()).add(p.profile.kind))
    for (const g of ['Mailgun', 'SendGrid', 'Postmark', 'Amazon SES', 'Resend', 'Mailjet', 'SparkPost', 'Brevo']) expect([...groups.get(g)!].sort(), g).toEqual(['api', 'smtp'])
    for (const g of ['Gmail / Google Workspace', 'Microsoft 365', 'Outlook.com']) expect([...groups.get(g)!], g).toEqual(['smtp'])
  })

  it('carry the documented hosts, ports, modes and usernames', () => {
    expect(smtp('mailgun-us-smtp')).toMatchObject({ host: 'smtp.mailgun.org', port: 587, security: 'starttls' })
    expect(smtp('mailgun-eu-smtp')).toMatchObject({ host: 'smtp.eu.mailgun.org' })
    expect([api('mailgun-us-api').region, api('mailgun-eu-api').region]).toEqual(['us', 'eu'])
    expect(byId('mailgun-us-api').note).toMatch(/test mode is still billed/)
    expect(smtp('sendgrid-smtp')).toMatchObject({ host: 'smtp.sendgrid.net', username: 'apikey' })
    expect([api('sendgrid-api').region, api('sendgrid-eu-api').region]).toEqual(['global', 'eu'])
    expect(smtp('postmark-smtp')).toMatchObject({ host: 'smtp.postmarkapp.com', port: 587, security: 'starttls' })
    expect(PRESETS.filter((p) => p.group === 'Postmark' && p.profile.kind === 'smtp' && p.profile.security === 'tls')).toEqual([])
    expect(byId('postmark-smtp').note).toMatch(/no implicit-TLS port/)
    for (const region of SES_PRESET_REGIONS) {
      expect(smtp(`ses-${region}-smtp`).host).toBe(`email-smtp.${region}.amazonaws.com`)
      expect(api(`ses-${region}-api`)).toMatchObject({ provider: 'ses', region })
    }
    expect(SES_PRESET_REGIONS).toEqual(expect.arrayContaining(['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-2']))
    expect(smtp('resend-smtp')).toMatchObject({ host: 'smtp.resend.com', port: 465, security: 'tls', username: 'resend' })
    expect(smtp('mailjet-smtp').host).toBe('in-v3.mailjet.com')
    expect(smtp('sparkpost-us-smtp')).toMatchObject({ host: 'smtp.sparkpostmail.com', username: 'SMTP_Injection', authMethod: 'login' })
    expect(smtp('sparkpost-eu-smtp').host).toBe('smtp.eu.sparkpostmail.com')
    expect([api('sparkpost-us-api').region, api('sparkpost-eu-api').region]).toEqual(['us', 'eu'])
    expect(smtp('brevo-smtp').host).toBe('smtp-relay.brevo.com')
    expect(byId('brevo-smtp').note).toMatch(/SMTP key, not the API key/)
    expect(smtp('gmail-465')).toMatchObject({ host: 'smtp.gmail.com', port: 465, security: 'tls', authMethod: 'auto' })
    expect(smtp('gmail-587')).toMatchObject({ host: 'smtp.gmail.com', port: 587, security: 'starttls', authMethod: 'auto' })
    expect(byId('gmail-465').note).toMatch(/app password/)
    expect(smtp('m365-smtp')).toMatchObject({ host: 'smtp.office365.com', port: 587, security: 'starttls' })
  })

  it('offer OAuth2 (XOAUTH2) for Microsoft 365, Outlook.com and Gmail on both of its ports, with the scope to ask for', () => {
    expect(smtp('m365-xoauth2')).toMatchObject({ host: 'smtp.office365.com', port: 587, security: 'starttls', authMethod: 'xoauth2' })
    expect(byId('m365-xoauth2').note).toMatch(/https:\/\/outlook\.office\.com\/SMTP\.Send/)
    expect(smtp('outlook-xoauth2')).toMatchObject({ host: 'smtp-mail.outlook.com', port: 587, security: 'starttls', authMethod: 'xoauth2' })
    expect(smtp('gmail-xoauth2')).toMatchObject({ host: 'smtp.gmail.com', port: 587, security: 'starttls', authMethod: 'xoauth2' })
    expect(smtp('gmail-465-xoauth2')).toMatchObject({ host: 'smtp.gmail.com', port: 465, security: 'tls', authMethod: 'xoauth2' })
    for (const id of ['gmail-xoauth2', 'gmail-465-xoauth2']) expect(byId(id).note).toMatch(/https:\/\/mail\.google\.com\//)
    // Microsoft's OAuth2 preset comes before its password one in the list (and so in the editor's picker).
    const ids = PRESETS.map((p) => p.id)
    expect(ids.indexOf('m365-xoauth2')).toBeLessThan(ids.indexOf('m365-smtp'))
  })

  it('the OAuth2 presets carry their provider (and Microsoft its tenant) but no client id: with the user’s, they make a profile that can sign in', () => {
    expect(byId('m365-xoauth2').oauth).toEqual({ provider: 'microsoft', tenant: 'organizations', flow: 'browser' })
    expect(byId('outlook-xoauth2').oauth).toEqual({ provider: 'microsoft', tenant: 'consumers', flow: 'browser' })
    for (const id of ['gmail-xoauth2', 'gmail-465-xoauth2']) expect(byId(id).oauth).toEqual({ provider: 'google', flow: 'browser' })
    // Only those: a password preset has no sign-in.
    expect(PRESETS.filter((p) => p.oauth).map((p) => p.id)).toEqual(['gmail-xoauth2', 'gmail-465-xoauth2', 'm365-xoauth2', 'outlook-xoauth2'])
    for (const p of PRESETS.filter((x) => x.oauth)) {
      const profile = { ...p.profile, oauth: { ...p.oauth!, clientId: '00000000-1111-2222-3333-444444444444' } }
      expect(saveProfileSchema.safeParse({ profile }).success, p.id).toBe(true)
      expect(saveProfileSchema.safeParse({ profile: { ...profile, authMethod: 'plain' } }).success, `${p.id} with PLAIN`).toBe(false)
    }
  })

  it('API presets make valid engine jobs once a key (and a domain for Mailgun) is added', () => {
    for (const p of PRESETS) {
      if (p.profile.kind !== 'api') continue
      const pair = p.profile.provider === 'ses' || p.profile.provider === 'mailjet'
      const job = {
        provider: p.profile.provider,
        action: 'verify',
        region: p.profile.region,
        domain: p.profile.provider === 'mailgun' ? 'mg.example.test' : undefined,
        credentials: { key: 'k', ...(pair ? { secret: 's' } : {}) },
      }
      expect(apiJobSchema.safeParse(job).success, p.id).toBe(true)
    }
  })

  it('listPresets hands out copies', () => {
    const a = listPresets()
    a[0]!.label = 'changed'
    expect(listPresets()[0]!.label).not.toBe('changed')
  })
})
