// No key or secret anywhere in events or results — plain, base64, hex or URL-encoded — whatever
// happens: success, refusal, a server that echoes the key back, invalid input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ApiProvider } from '../../../preload/contract'
import { createKeepAlive } from '../../../main/core/http'
import { PROVIDER_KEYS, REJECTED_RECIPIENT, startProviderServer, type ProviderServer } from '../../fixtures/provider-server'
import { expectNoLeaks, findSecretLeaks } from '../../fixtures/secret-scan'
import { ALL_SECRETS, badFor, jobFor, MESSAGE, run, trustFixture, validFor } from './helpers'

type P = Exclude<ApiProvider, 'generic'>
const PROVIDERS: P[] = ['mailgun', 'sendgrid', 'postmark', 'ses', 'resend', 'mailjet', 'sparkpost', 'brevo']

let server: ProviderServer
beforeAll(async () => {
  server = await startProviderServer()
})
afterAll(async () => {
  await server.close()
})

const scan = (what: string, value: unknown) => expectNoLeaks(JSON.stringify(value), ALL_SECRETS, what)

describe('redaction', () => {
  it('the scanner itself finds a planted key in every encoding (so a clean scan means something)', () => {
    const k = PROVIDER_KEYS.brevo
    for (const planted of [k, Buffer.from(k).toString('base64'), Buffer.from(`api:${k}`).toString('base64'), Buffer.from(k).toString('hex'), encodeURIComponent(k)])
      expect(findSecretLeaks(`x ${planted} y`, ALL_SECRETS).length).toBeGreaterThan(0)
  })

  it.each(PROVIDERS)('%s: success, sandbox, bad key, validation error and verify leak nothing', async (p) => {
    const jobs = [
      await jobFor(server, p),
      await jobFor(server, p, { message: { ...MESSAGE, to: [REJECTED_RECIPIENT] } }),
      { ...(await jobFor(server, p)), ...badFor(p) },
      await jobFor(server, p, { action: 'verify', message: undefined }),
      await jobFor(server, p, { sandbox: true }),
    ]
    if (p === 'ses')
      jobs.push(
        await jobFor(server, p, {
          credentials: { key: PROVIDER_KEYS.ses.accessKeyId, secret: PROVIDER_KEYS.ses.secretAccessKey, sessionToken: PROVIDER_KEYS.ses.sessionToken },
        }),
      )
    for (const job of jobs) {
      const { result, events } = await run(job)
      scan(`${p} events`, events)
      scan(`${p} result`, result)
    }
  })

  it('a server that echoes the key back (plain, base64, hex, URL-encoded) in headers and body', async () => {
    for (const p of PROVIDERS) {
      const creds = validFor(p).credentials
      const secrets = [creds.key, creds.secret].filter((s): s is string => !!s)
      const echo = secrets.flatMap((s) => [s, Buffer.from(s).toString('base64'), Buffer.from(s).toString('hex'), encodeURIComponent(s), Buffer.from(`api:${s}`).toString('base64')])
      server.behave({ kind: 'status', status: 400, headers: { 'X-Echo': echo.join(' ') }, body: JSON.stringify({ message: `you sent ${echo.join(', ')}`, errors: [{ message: echo.join(' ') }] }) })
      try {
        const { result, events } = await run(await jobFor(server, p))
        expect(result.error!.code).toBe('HTTP_REJECTED')
        scan(`${p} echo events`, events)
        scan(`${p} echo result`, result)
        expect(JSON.stringify(result)).toContain('[redacted]')
      } finally {
        server.behave(null)
      }
    }
  })

  it('redirects and warm connections leak nothing either', async () => {
    server.behave({ kind: 'redirect', location: `https://elsewhere.example.invalid/?key=${encodeURIComponent(PROVIDER_KEYS.sendgrid)}` })
    try {
      const { result, events } = await run(await jobFor(server, 'sendgrid'))
      scan('redirect', [result, events])
    } finally {
      server.behave(null)
    }
    const keepAlive = createKeepAlive()
    try {
      for (let i = 0; i < 2; i++) {
        const { result, events } = await run(await jobFor(server, 'mailjet'), { keepAlive })
        scan('warm', [result, events])
      }
    } finally {
      keepAlive.close()
    }
  })

  it('invalid input carrying the secrets echoes none of them', async () => {
    for (const input of [
      { provider: 'ses', credentials: { key: PROVIDER_KEYS.ses.accessKeyId, secret: PROVIDER_KEYS.ses.secretAccessKey }, region: PROVIDER_KEYS.ses.secretAccessKey },
      { provider: 'brevo', credentials: { key: PROVIDER_KEYS.brevo }, baseUrl: `https://${PROVIDER_KEYS.brevo}@127.0.0.1:1` },
      { provider: 'brevo', credentials: { key: PROVIDER_KEYS.brevo }, message: { from: PROVIDER_KEYS.brevo, to: ['x@example.test'], text: 'x' } },
      {
        provider: 'generic',
        credentials: { key: PROVIDER_KEYS.generic },
        generic: { url: `https://127.0.0.1:1/${PROVIDER_KEYS.generic}`, bodyTemplate: `{"k":"{{${'nope'}}}","v":"${PROVIDER_KEYS.generic}"}` },
        message: MESSAGE,
      },
    ]) {
      const { result, events } = await run(input)
      expect(result.error!.code).toBe('INVALID_INPUT')
      scan('invalid input', [result, events])
    }
  })

  it('generic: {{key}} in headers and body is shown as [redacted]', async () => {
    const { result, events } = await run({
      provider: 'generic',
      credentials: { key: PROVIDER_KEYS.generic, secret: 'generic-secret-part-0123' },
      tls: await trustFixture(),
      generic: { url: `${server.origin}/hook`, headers: [{ name: 'X-Custom', value: 'key={{key}}' }], bodyTemplate: '{"api_key":"{{key}}","pw":"{{secret}}","to":"{{to}}"}' },
      message: MESSAGE,
    })
    expect(result.error).toBeNull()
    expectNoLeaks(JSON.stringify([result, events]), [...ALL_SECRETS, { value: 'generic-secret-part-0123' }], 'generic')
    expect(result.transcript.some((l) => l.text === '{"api_key":"[redacted]","pw":"[redacted]","to":"rcpt@example.test"}')).toBe(true)
  })
})
