// buildProfileJob for a profile with a mailbox (delivery proof) or DKIM signing: which runs watch
// and sign, how the profile's mailbox becomes the job's delivery (the sandbox's inbox, or IMAP with
// the saved password or the sign-in's token), and the sentences for what is missing.
import { generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { apiJobSchema, smtpJobSchema, type Profile, type ProfileMailbox } from '../../../preload/contract'
import { buildProfileJob, type BuiltJob } from '../../../main/core/runs'

const DKIM_KEY = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
const message = { to: [], cc: [], bcc: [], subject: 'delivery', text: 'hi', attachments: [], headers: [] }
const meta = { id: 'p', createdAt: '', updatedAt: '', hasSecret: true, hasProxySecret: false, hasMailboxSecret: false, hasDkimKey: false }
const defaults = { from: 'me@example.com', to: ['you@example.com'], cc: [], bcc: [] }
const imap: ProfileMailbox = {
  kind: 'imap',
  host: 'imap.example.com',
  security: 'starttls',
  user: 'you@example.com',
  login: 'password',
  folders: ['INBOX', 'Spam'],
  timeoutMs: 30_000,
  method: 'poll',
  deleteAfter: true,
  tls: { insecure: false, caFile: '/ca/imap.pem', servername: 'mail.example.com' },
}

type Smtp = Extract<Profile, { kind: 'smtp' }>
type Api = Extract<Profile, { kind: 'api' }>
const smtp = (over: Partial<Smtp> = {}): Smtp => ({
  ...meta,
  kind: 'smtp',
  name: 'Relay',
  host: 'smtp.example.com',
  port: 587,
  security: 'starttls',
  authMethod: 'auto',
  username: 'me',
  tls: { insecure: false },
  defaults,
  network: { family: 'auto' },
  ...over,
})
const api = (over: Partial<Api> = {}): Api => ({
  ...meta,
  kind: 'api',
  name: 'Mailgun',
  provider: 'mailgun',
  domain: 'mg.example.com',
  sandbox: false,
  tls: { insecure: false },
  defaults,
  network: { family: 'auto' },
  ...over,
})
const secret = { primary: 'login-pw' }

function inputOf(built: BuiltJob) {
  if (!('input' in built)) throw new Error(`expected a job, got: ${'problem' in built ? built.problem : '?'}`)
  return built.input
}
function smtpInputOf(built: BuiltJob) {
  if (built.kind !== 'smtp' || !('input' in built)) throw new Error('expected an SMTP job')
  return built.input
}

describe('buildProfileJob: the profile’s mailbox', () => {
  it('a send from a profile with the sandbox’s inbox watches it (with its timeout when it has one); an API send too', () => {
    const input = inputOf(buildProfileJob(smtp({ mailbox: { kind: 'sandbox' } }), 'send', { message, secret }))
    expect(input.delivery).toEqual({ inbox: 'sandbox' })
    expect(smtpJobSchema.parse(input).delivery).toEqual({ inbox: 'sandbox', timeoutMs: 120_000 })
    expect(inputOf(buildProfileJob(smtp({ mailbox: { kind: 'sandbox', timeoutMs: 5000 } }), 'send', { message, secret })).delivery).toEqual({ inbox: 'sandbox', timeoutMs: 5000 })
    const viaApi = inputOf(buildProfileJob(api({ mailbox: { kind: 'sandbox' } }), 'api-send', { message, secret }))
    expect(viaApi.delivery).toEqual({ inbox: 'sandbox' })
    expect(apiJobSchema.safeParse(viaApi).success).toBe(true)
  })

  it('watches only a send that delivers, and not when the run turns the wait off', () => {
    const p = smtp({ mailbox: { kind: 'sandbox' } })
    expect(inputOf(buildProfileJob(p, 'send', { message, secret, awaitInbox: false }))).not.toHaveProperty('delivery')
    expect(inputOf(buildProfileJob(p, 'verify', { secret }))).not.toHaveProperty('delivery')
    expect(inputOf(buildProfileJob(p, 'envelope', { message, secret }))).not.toHaveProperty('delivery')
    const a = api({ mailbox: { kind: 'sandbox' } })
    expect(inputOf(buildProfileJob(a, 'api-sandbox', { message, secret }))).not.toHaveProperty('delivery')
    expect(inputOf(buildProfileJob(a, 'api-verify', { secret }))).not.toHaveProperty('delivery')
    // A profile that sends in sandbox mode by default delivers nothing: there is nothing to watch for.
    const sandboxFirst = inputOf(buildProfileJob({ ...a, sandbox: true }, 'api-send', { message, secret }))
    expect(sandboxFirst).toMatchObject({ sandbox: true })
    expect(sandboxFirst).not.toHaveProperty('delivery')
    // No mailbox: no watch, whatever the run asks.
    expect(inputOf(buildProfileJob(smtp(), 'send', { message, secret, awaitInbox: true }))).not.toHaveProperty('delivery')
  })

  it('an IMAP mailbox becomes the delivery request: its saved password, its own TLS, the profile’s network', () => {
    const network = { family: 'ipv4' as const, proxy: { url: 'socks5://me@127.0.0.1:1080' } }
    const built = buildProfileJob(smtp({ mailbox: imap, network }), 'send', { message, secret, mailboxPassword: 'mbx-pw', proxyPassword: 'proxy-pw' })
    const input = inputOf(built)
    expect(input.delivery).toEqual({
      host: 'imap.example.com',
      security: 'starttls',
      user: 'you@example.com',
      secret: 'mbx-pw',
      secretKind: 'password',
      folders: ['INBOX', 'Spam'],
      timeoutMs: 30_000,
      method: 'poll',
      deleteAfter: true,
      tls: { insecure: false, caFile: '/ca/imap.pem', servername: 'mail.example.com' },
      network: { family: 'ipv4', proxy: { url: 'socks5://me@127.0.0.1:1080', password: 'proxy-pw' } },
    })
    expect(smtpJobSchema.safeParse(input).success).toBe(true)
    // The port when the mailbox names one; the engine's default (993 / 143) when not.
    expect(inputOf(buildProfileJob(api({ mailbox: { ...imap, port: 1993 } }), 'api-send', { message, secret, mailboxPassword: 'mbx-pw' })).delivery).toMatchObject({ port: 1993 })
  })

  it('without the mailbox password: a sentence that says where to add it, or how to send without waiting', () => {
    expect(buildProfileJob(smtp({ mailbox: imap }), 'send', { message, secret })).toEqual({
      kind: 'smtp',
      problem: 'No mailbox password saved for profile "Relay": add it in the profile editor, or turn off Wait for delivery.',
    })
    expect(buildProfileJob(api({ mailbox: imap }), 'api-send', { message, secret, mailboxPassword: null })).toEqual({
      kind: 'api',
      problem: 'No mailbox password saved for profile "Mailgun": add it in the profile editor, or turn off Wait for delivery.',
    })
    // Not needed when the run does not wait.
    expect(buildProfileJob(smtp({ mailbox: imap }), 'send', { message, secret, awaitInbox: false })).not.toHaveProperty('problem')
  })

  it('login "sign-in": the access token of the profile’s own OAuth2 sign-in, as a token', () => {
    const oauth = { provider: 'google' as const, clientId: 'c', flow: 'browser' as const }
    const p = smtp({ authMethod: 'xoauth2', oauth, mailbox: { ...imap, login: 'sign-in' }, hasSecret: false })
    const input = smtpInputOf(buildProfileJob(p, 'send', { message, token: { accessToken: 'ya29.token', account: 'me@gmail.com' } }))
    expect(input.auth).toMatchObject({ secret: 'ya29.token', secretKind: 'token' })
    expect(input.delivery).toMatchObject({ user: 'you@example.com', secret: 'ya29.token', secretKind: 'token' })
    expect(buildProfileJob(p, 'send', { message })).toMatchObject({ problem: expect.stringMatching(/^Sign in first/) })
    // A profile without OAuth2 has no sign-in to lend (the contract refuses to save one; a hand-edited file may still hold it).
    expect(buildProfileJob(api({ mailbox: { ...imap, login: 'sign-in' } }), 'api-send', { message, secret })).toEqual({
      kind: 'api',
      problem: `The mailbox of "Mailgun" logs in with the profile's sign-in, but the profile does not use OAuth2: give the mailbox a password in the profile editor.`,
    })
  })
})

describe('buildProfileJob: DKIM signing', () => {
  const dkim = { domain: 'example.com', selector: 's1' }

  it('an SMTP send signs with the key; verify and envelope send nothing to sign', () => {
    const p = smtp({ dkim })
    const input = smtpInputOf(buildProfileJob(p, 'send', { message, secret, dkimKey: DKIM_KEY }))
    expect(input.dkim).toEqual({ domain: 'example.com', selector: 's1', privateKey: DKIM_KEY })
    expect(smtpJobSchema.safeParse(input).success).toBe(true)
    expect(inputOf(buildProfileJob(p, 'verify', { secret, dkimKey: DKIM_KEY }))).not.toHaveProperty('dkim')
    expect(inputOf(buildProfileJob(p, 'envelope', { message, secret, dkimKey: DKIM_KEY }))).not.toHaveProperty('dkim')
    // Signing does not depend on waiting for delivery.
    expect(smtpInputOf(buildProfileJob(p, 'send', { message, secret, dkimKey: DKIM_KEY, awaitInbox: false })).dkim).toBeDefined()
  })

  it('says what is missing: a saved key, or a key file that holds one (never quoting what it holds)', () => {
    expect(buildProfileJob(smtp({ dkim }), 'send', { message, secret })).toEqual({
      kind: 'smtp',
      problem: 'No DKIM key saved for profile "Relay": paste it or name a key file in the profile editor.',
    })
    const fromFile = smtp({ dkim: { ...dkim, keyFile: '/keys/dkim.pem' } })
    expect(buildProfileJob(fromFile, 'send', { message, secret, dkimKey: '' })).toEqual({
      kind: 'smtp',
      problem: 'The DKIM key file /keys/dkim.pem of profile "Relay" is empty: put the PEM private key in it.',
    })
    const notAKey = 'not-a-key-canary-91c2'
    const built = buildProfileJob(fromFile, 'send', { message, secret, dkimKey: notAKey })
    expect(built).toEqual({
      kind: 'smtp',
      problem: 'The DKIM key file /keys/dkim.pem of profile "Relay" holds no PEM private key (-----BEGIN PRIVATE KEY-----): give the key DKIM signs with.',
    })
    expect(JSON.stringify(built)).not.toContain(notAKey)
  })
})
