// The deliver kind (send + await the inbox) against the real thing: Postfix hands the message to
// Dovecot over LMTP, the watch reads it over IMAP. delivered, folder and withinS pass and fail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildCheckJob } from '../../../main/cli/check-jobs'
import { runChecks } from '../../../main/core/checks'
import type { CheckSpec } from '../../../preload/contract'
import { startDnsServer, type DnsServer } from '../../fixtures/dns-server'
import { SPAM_HEADER, startMailServers, type MailServers, type MailUser } from '../../fixtures/mail-servers'

let mail: MailServers
let dns: DnsServer
let alice: MailUser
let bob: MailUser

beforeAll(async () => {
  ;[mail, dns] = await Promise.all([startMailServers(), startDnsServer({})])
  ;[alice, bob] = mail.users as [MailUser, MailUser]
}, 60_000)

afterAll(async () => {
  await Promise.all([mail?.close(), dns?.close()])
})

const deliver = (to: MailUser, watched: MailUser, extra: Record<string, unknown> = {}) =>
  ({
    host: mail.smtp.host,
    port: mail.smtp.port,
    security: 'none',
    from: 'checks@mailprobe.test',
    to: [to.address],
    awaitInbox: mail.inboxUrl(watched),
    inboxPasswordEnv: 'INBOX_PW',
    inboxCa: mail.imap.tls.caFile,
    inboxDns: [dns.server],
    ...extra,
  }) as CheckSpec['deliver']

describe('runChecks: deliver', () => {
  it('delivered to the inbox within the time passes; junk, a too-short withinS and a message that never comes fail', async () => {
    const report = await runChecks(
      {
        checks: [
          { name: 'inbox', deliver: deliver(alice, alice), expect: { delivered: true, folder: 'inbox', withinS: 60 } },
          { name: 'junk', deliver: deliver(alice, alice, { header: [`${SPAM_HEADER}: yes`] }), expect: { delivered: true, folder: 'inbox' } },
          { name: 'too slow', deliver: deliver(alice, alice), expect: { withinS: 0.000001 } },
          { name: 'elsewhere', deliver: deliver(bob, alice, { inboxTimeout: 2 }), expect: { delivered: true } },
          { name: 'must not arrive', deliver: deliver(bob, alice, { inboxTimeout: 2 }), expect: { delivered: false } },
        ],
      },
      { buildJob: buildCheckJob, env: { INBOX_PW: alice.password }, concurrency: 2 },
    )
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]))
    expect(byName.inbox).toMatchObject({ status: 'pass', kind: 'deliver', failures: [] })
    expect(byName.inbox!.figure).toMatch(/to inbox/)
    expect(byName.junk!.status).toBe('fail')
    expect(byName.junk!.failures.map((f) => [f.assertion, f.actual])).toEqual([['folder', 'junk']])
    expect(byName['too slow']!.failures.map((f) => f.assertion)).toEqual(['withinS'])
    expect(byName.elsewhere).toMatchObject({ status: 'fail', error: { code: 'DELIVERY_TIMEOUT' } })
    expect(byName['must not arrive']!.status).toBe('pass')
    expect(report.ok).toBe(false)
    expect(JSON.stringify(report)).not.toContain(alice.password)
  })
})
