// nodemailer and smtp-server are used beyond their public API in one adapter module each. When a new
// version drops one of those members, this says which, in words, before anything subtler breaks.
import { describe, expect, it } from 'vitest'
import { checkSmtpServerInternals } from '../../../main/core/sandbox/smtp-server-adapter'
import { checkNodemailerInternals } from '../../../main/core/smtp/nodemailer-adapter'
import pkg from '../../../package.json'

describe('private members of the SMTP libraries', () => {
  it('nodemailer still has what main/core/smtp/nodemailer-adapter.ts relies on', async () => {
    expect(await checkNodemailerInternals(), 'nodemailer changed under the adapter: update main/core/smtp/nodemailer-adapter.ts').toEqual([])
  })

  it('smtp-server still has what main/core/sandbox/smtp-server-adapter.ts relies on', () => {
    expect(checkSmtpServerInternals(), 'smtp-server changed under the adapter: update main/core/sandbox/smtp-server-adapter.ts').toEqual([])
  })

  it('both are pinned to exact versions, so an upgrade is a decision', () => {
    expect(pkg.dependencies.nodemailer).toMatch(/^\d+\.\d+\.\d+$/)
    expect(pkg.dependencies['smtp-server']).toMatch(/^\d+\.\d+\.\d+$/)
  })
})
