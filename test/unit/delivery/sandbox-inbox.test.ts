// The sandbox's inbox as the watched mailbox (the sandbox profiles' delivery proof, offline): an SMTP
// send and a Mailgun-style API send to the embedded sandbox are seen there; a message that never
// comes times out with what arrived meanwhile; without the inbox at hand the watch says where it works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SmtpJobInput } from '../../../preload/contract'
import { runApi } from '../../../main/core/http'
import { startSandbox, type SandboxHandle } from '../../../main/core/sandbox'
import { runSmtp } from '../../../main/core/smtp'

let sb: SandboxHandle
beforeAll(async () => {
  sb = await startSandbox()
})
afterAll(async () => {
  await sb?.close()
})

function smtpJob(extra: Partial<SmtpJobInput> = {}): SmtpJobInput {
  return {
    host: sb.host,
    port: sb.smtp.starttls,
    security: 'starttls',
    tls: { caPem: sb.caPem },
    auth: { user: sb.user, secret: sb.password },
    message: { from: 'me@sandbox.mailprobe.test', to: ['you@sandbox.mailprobe.test'], subject: 'sandbox delivery', text: 'hello' },
    delivery: { inbox: 'sandbox', timeoutMs: 5000 },
    ...extra,
  }
}

describe('delivery proof in the sandbox’s inbox', () => {
  it('an SMTP send is seen in the sandbox’s inbox, labelled as such, with the delivery phase after acceptance', async () => {
    const r = await runSmtp(smtpJob(), { sandboxInbox: sb.inbox })
    expect(r.error).toBeNull()
    expect(r.delivery).toMatchObject({ ok: true, folder: 'Sandbox inbox', junk: false, mailbox: { kind: 'sandbox' }, authResults: null })
    expect(r.delivery!.headers).toMatch(/X-Mailprobe-Token: [0-9a-f]{12}/)
    expect(r.delivery!.acceptedToInboxMs).toBeGreaterThanOrEqual(0)
    // The sandbox writes the trace header a receiving MTA would: one hop, after STARTTLS and AUTH.
    expect(r.delivery!.hops).toEqual([expect.objectContaining({ from: expect.stringContaining('[127.0.0.1]'), by: 'sandbox.mailprobe.test', with: 'ESMTPSA', delayMs: null })])
    expect(r.phases.at(-1)).toMatchObject({ name: 'delivery', roundTrips: 0 })
    expect(r.transcript.some((l) => l.lane === 'imap' && /watching the sandbox’s inbox/.test(l.text))).toBe(true)
  })

  it('an API send to the sandbox is found by its token header', async () => {
    const r = await runApi(
      {
        provider: 'mailgun',
        baseUrl: sb.api.url,
        domain: sb.api.domain,
        credentials: { key: sb.api.key },
        tls: { caPem: sb.caPem },
        message: { from: 'me@sandbox.mailprobe.test', to: ['you@sandbox.mailprobe.test'], subject: 'api sandbox delivery', text: 'hello' },
        delivery: { inbox: 'sandbox', timeoutMs: 5000 },
      },
      { sandboxInbox: sb.inbox },
    )
    expect(r.error).toBeNull()
    expect(r.delivery).toMatchObject({ ok: true, folder: 'Sandbox inbox', mailbox: { kind: 'sandbox' } })
  })

  it('a token header the message already carries is the one watched for', async () => {
    const job = smtpJob({ delivery: { inbox: 'sandbox', timeoutMs: 2000, token: 'request-token' } })
    const r = await runSmtp({ ...job, message: { ...job.message!, headers: [{ name: 'X-Mailprobe-Token', value: 'header-token-1' }] } }, { sandboxInbox: sb.inbox })
    expect(r.delivery?.ok).toBe(true)
    expect(r.delivery!.headers).toContain('X-Mailprobe-Token: header-token-1')
  })

  it('a message that is not there in time: DELIVERY_TIMEOUT naming the sandbox’s inbox', async () => {
    // A view of the inbox that never shows the message (as if it were lost on the way): it counts as another one.
    const blind = { list: () => [], get: () => null, subscribe: (l: (m: { id: string }) => void) => sb.inbox.subscribe(l) }
    const r = await runSmtp(smtpJob({ delivery: { inbox: 'sandbox', timeoutMs: 600 } }), { sandboxInbox: blind })
    expect(r.ok).toBe(false)
    expect(r.error?.code).toBe('DELIVERY_TIMEOUT')
    expect(r.error!.message).toMatch(/not seen in Sandbox inbox within 0\.6 s \(1 other message arrived meanwhile/)
    expect(r.delivery).toMatchObject({ ok: false, watched: [{ folder: 'Sandbox inbox', arrived: 1 }] })
  })

  it('without the sandbox at hand (the CLI without `mailprobe sandbox`) the watch says where it works', async () => {
    const r = await runSmtp(smtpJob())
    expect(r.error?.code).toBe('INVALID_INPUT')
    expect(r.error!.message).toMatch(/only where the sandbox runs/)
  })
})
