// A saved profile whose mailbox is an IMAP server, run the way the app runs it (saveProfile, then
// runProfile): the mailbox password saved apart from the login secret reaches the watch and nothing
// else. Against the real thing: Postfix takes the message, Dovecot files it and serves IMAP.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { OperationName, OperationOutputs, SaveProfileInput, SmtpResult } from '../../../preload/contract'
import { createClient } from '../../../main/ipc/handlers'
import { startMailServers, type MailServers, type MailUser } from '../../fixtures/mail-servers'
import { expectNoLeaks } from '../../fixtures/secret-scan'
import { readTree, removeTempDirs, testServices, WaitingSink } from '../ipc/helpers'

let mail: MailServers
let alice: MailUser
let bob: MailUser

beforeAll(async () => {
  mail = await startMailServers()
  ;[alice, bob] = mail.users as [MailUser, MailUser]
}, 60_000)
afterAll(async () => {
  await mail?.close()
})
afterEach(removeTempDirs)

async function harness() {
  const { services, dataDir } = await testServices()
  const sink = new WaitingSink()
  const client = createClient(sink, services)
  const call = async <K extends OperationName>(name: K, payload: unknown): Promise<OperationOutputs[K]> => {
    const env = await client.dispatch(name, payload)
    if (!env.ok) throw new Error(`${name} refused: ${env.error.code} ${env.error.message}`)
    return env.value
  }
  const run = async (payload: unknown) => sink.result<SmtpResult>((await call('runProfile', payload)).jobId)
  return { services, dataDir, sink, call, run }
}

/** Sends through Postfix to `to`; watches alice's mailbox over implicit TLS, trusting the test CA by file. */
function profile(to: MailUser, timeoutMs = 15_000): SaveProfileInput['profile'] {
  return {
    kind: 'smtp',
    name: 'Postfix to Dovecot',
    host: mail.smtp.host,
    port: mail.smtp.port,
    security: 'none',
    authMethod: 'none',
    defaults: { from: 'sender@mailprobe.test', to: [to.address] },
    mailbox: { kind: 'imap', host: '127.0.0.1', port: mail.imap.tls.port, security: 'tls', user: alice.user, timeoutMs, tls: { caFile: mail.imap.tls.caFile, servername: mail.imap.tls.servername } },
  }
}

// A receiver that judged the message would add this; with it the watch reads the verdicts instead of
// checking them itself over DNS (these tests talk to nothing but loopback).
const judged = { name: 'Authentication-Results', value: 'mx.mailprobe.test; spf=pass smtp.mailfrom=mailprobe.test; dkim=none; dmarc=pass header.from=mailprobe.test' }
const message = (subject: string) => ({ to: [], cc: [], bcc: [], subject, text: 'hello', attachments: [], headers: [judged] })

describe('a profile that watches an IMAP mailbox', () => {
  it('logs in with the saved mailbox password and sees the message arrive; the password goes nowhere else', async () => {
    const h = await harness()
    const saved = await h.call('saveProfile', { profile: profile(alice), mailboxPassword: alice.password })
    expect(saved).toMatchObject({ hasSecret: false, hasMailboxSecret: true })
    const result = await h.run({ profileId: saved.id, action: 'send', message: message('to alice, watched') })
    expect(result.error).toBeNull()
    expect(result.delivery).toMatchObject({
      ok: true,
      folder: 'INBOX',
      junk: false,
      mailbox: { kind: 'imap', host: '127.0.0.1', port: mail.imap.tls.port, security: 'tls' },
      authResults: { source: 'receiver', spf: 'pass' },
    })
    expect(result.delivery!.hops.some((hop) => /LMTP/i.test(hop.with ?? ''))).toBe(true)
    await h.services.flush()
    const secrets = [{ value: alice.password, user: alice.user }]
    expectNoLeaks(JSON.stringify(h.sink.events), secrets, 'job events')
    for (const f of await readTree(h.dataDir)) if (!f.path.endsWith('secrets.json')) expectNoLeaks(f.text, secrets, f.path)
  })

  it('a message that goes elsewhere: DELIVERY_TIMEOUT naming the folders it watched', async () => {
    const h = await harness()
    const saved = await h.call('saveProfile', { profile: profile(bob, 1500), mailboxPassword: alice.password })
    const result = await h.run({ profileId: saved.id, action: 'send', message: message('to bob, not watched') })
    expect(result.result.response).toMatch(/^250 /)
    expect(result.error?.code).toBe('DELIVERY_TIMEOUT')
    expect(result.delivery!.watched.map((w) => w.folder)).toEqual(['INBOX', 'Junk'])
  })

  it('a wrong saved password: IMAP_AUTH_FAILED after the send; Wait for delivery off sends without logging in', async () => {
    const h = await harness()
    const wrong = `wrong-${alice.password}`
    const saved = await h.call('saveProfile', { profile: profile(alice), mailboxPassword: wrong })
    const result = await h.run({ profileId: saved.id, action: 'send', message: message('wrong mailbox password') })
    expect(result.error?.code).toBe('IMAP_AUTH_FAILED')
    expect(result.result.response).toMatch(/^250 /)
    expect(JSON.stringify(h.sink.events)).not.toContain(wrong)
    const unwatched = await h.run({ profileId: saved.id, action: 'send', message: message('not waiting'), awaitInbox: false })
    expect(unwatched.ok).toBe(true)
    expect(unwatched.delivery).toBeUndefined()
  })

  it('no saved mailbox password: the run ends before sending, saying where to add it', async () => {
    const h = await harness()
    const saved = await h.call('saveProfile', { profile: profile(alice) })
    const result = await h.run({ profileId: saved.id, action: 'send', message: message('never sent') })
    expect(result.error).toEqual({ code: 'INVALID_INPUT', message: 'No mailbox password saved for profile "Postfix to Dovecot": add it in the profile editor, or turn off Wait for delivery.' })
    expect(mail.messages(alice.address).some((m) => m.raw.includes('never sent'))).toBe(false)
  })
})
