// Per provider, against the fixture that checks requests as each provider documents them:
// success, sandbox, bad key, validation error and the verify-key action.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { ApiProvider, ErrorCode } from '../../../preload/contract'
import { MAILGUN_DOMAIN, PROVIDER_KEYS, REJECTED_RECIPIENT, startProviderServer, type ProviderServer } from '../../fixtures/provider-server'
import { badFor, jobFor, MESSAGE, run, trustFixture } from './helpers'

type P = Exclude<ApiProvider, 'generic'>

interface Case {
  successStatus: number
  messageId: string | null
  badKey: { status: number; code: ErrorCode; said: RegExp }
  validation: { status: number; code: ErrorCode; said: RegExp }
  /** For providers without a switch: a recipient the sandbox accepts. */
  testRecipient?: string
  sandbox?: { status: number; messageId: string | null; warning?: RegExp }
}

const CASES: Record<P, Case> = {
  mailgun: {
    successStatus: 200,
    messageId: `<20250101120000.1.FIXTURE@${MAILGUN_DOMAIN}>`,
    badKey: { status: 401, code: 'HTTP_AUTH_FAILED', said: /^Forbidden$/ },
    validation: { status: 400, code: 'HTTP_REJECTED', said: /not a valid address/ },
    sandbox: { status: 200, messageId: `<20250101120000.1.FIXTURE@${MAILGUN_DOMAIN}>`, warning: /still charged/ },
  },
  sendgrid: {
    successStatus: 202,
    messageId: 'fixtureSGid_Ab12Cd34Ef56',
    badKey: { status: 401, code: 'HTTP_AUTH_FAILED', said: /authorization grant is invalid/ },
    validation: { status: 400, code: 'HTTP_REJECTED', said: /Does not contain a valid address\. \(personalizations\.0\.to\.0\.email\)/ },
    sandbox: { status: 200, messageId: null },
  },
  postmark: {
    successStatus: 200,
    messageId: 'b7bc2f4a-e38e-4336-af7d-e6c392c2f817',
    badKey: { status: 401, code: 'HTTP_AUTH_FAILED', said: /ErrorCode 10: The Server Token/ },
    validation: { status: 422, code: 'HTTP_REJECTED', said: /ErrorCode 300: Invalid 'To' address/ },
    testRecipient: 'hardbounce@bounce-testing.postmarkapp.com',
  },
  ses: {
    successStatus: 200,
    messageId: '0101018c1d2e3f4a-fixture-5b6c7d8e-000000',
    badKey: { status: 403, code: 'HTTP_AUTH_FAILED', said: /^UnrecognizedClientException: / },
    validation: { status: 400, code: 'HTTP_REJECTED', said: /^MessageRejected: Email address is not verified/ },
    testRecipient: 'success@simulator.amazonses.com',
  },
  resend: {
    successStatus: 200,
    messageId: '49a3999c-0ce1-4ea6-ab68-afcd6dc2e794',
    badKey: { status: 403, code: 'HTTP_AUTH_FAILED', said: /^invalid_api_key: API key is invalid/ },
    validation: { status: 422, code: 'HTTP_REJECTED', said: /^validation_error: Invalid `to` field/ },
    testRecipient: 'delivered+unit@resend.dev',
  },
  mailjet: {
    successStatus: 200,
    messageId: '1ab23cd4-e567-8901-2345-6789f0a1b2c0',
    badKey: { status: 401, code: 'HTTP_AUTH_FAILED', said: /API key authentication\/authorization failure/ },
    validation: { status: 400, code: 'HTTP_REJECTED', said: /mj-0013 "reject@example\.test" is an invalid email address\. \(To\[0\]\.Email\)/ },
    sandbox: { status: 200, messageId: null },
  },
  sparkpost: {
    successStatus: 200,
    messageId: '47960765679942446',
    badKey: { status: 401, code: 'HTTP_AUTH_FAILED', said: /Unauthorized/ },
    validation: { status: 422, code: 'HTTP_REJECTED', said: /Invalid recipient: Recipient address .* is not valid \(code 1902\)/ },
    sandbox: { status: 200, messageId: '47960765679942446', warning: /only 5 sandbox messages/ },
  },
  brevo: {
    successStatus: 201,
    messageId: '<202501151201.12345678901@smtp-relay.mailin.fr>',
    badKey: { status: 401, code: 'HTTP_AUTH_FAILED', said: /^unauthorized: Key not found$/ },
    validation: { status: 400, code: 'HTTP_REJECTED', said: /^invalid_parameter: email is not valid in to$/ },
    sandbox: { status: 201, messageId: '<202501151201.12345678901@smtp-relay.mailin.fr>' },
  },
}

let server: ProviderServer

beforeAll(async () => {
  server = await startProviderServer()
})
afterAll(async () => {
  await server.close()
})
afterEach(() => {
  // Every request the engine made was shaped as the provider documents it.
  expect(server.problems).toEqual([])
  server.behave(null)
  server.setDelay(0)
})

describe.each(Object.keys(CASES) as P[])('%s', (p) => {
  const c = CASES[p]

  it('sends: documented success status and the message id', async () => {
    const before = server.requests.length
    const { result } = await run(await jobFor(server, p))
    expect(result.error).toBeNull()
    expect(result).toMatchObject({ ok: true, kind: 'api', provider: p, action: 'send' })
    expect(result.result.status).toBe(c.successStatus)
    expect(result.result.messageId).toBe(c.messageId)
    expect(server.requests.length).toBe(before + 1)
    expect(server.requests.at(-1)!.provider).toBe(p)
    expect(server.requests.at(-1)!.sandbox).toBe(false)
  })

  it('refuses a bad key with the provider’s own error text', async () => {
    const { result } = await run({ ...(await jobFor(server, p)), ...badFor(p) })
    expect(result.ok).toBe(false)
    expect(result.error!.code).toBe(c.badKey.code)
    expect(result.result.status).toBe(c.badKey.status)
    expect(result.error!.reply!.code).toBe(c.badKey.status)
    expect(result.error!.reply!.text).toMatch(c.badKey.said)
    expect(result.error!.message).toMatch(/refused the credentials/)
  })

  it('reports a validation error as HTTP_REJECTED with the provider’s message', async () => {
    const { result } = await run(await jobFor(server, p, { message: { ...MESSAGE, to: [REJECTED_RECIPIENT] } }))
    expect(result.ok).toBe(false)
    expect(result.error!.code).toBe(c.validation.code)
    expect(result.result.status).toBe(c.validation.status)
    expect(result.error!.reply!.text).toMatch(c.validation.said)
    expect(result.error!.message).toContain(result.error!.reply!.text)
  })

  if (c.sandbox) {
    const sb = c.sandbox
    it('sandbox: sets the documented switch and reads the documented answer', async () => {
      const { result } = await run(await jobFor(server, p, { sandbox: true }))
      expect(result.error).toBeNull()
      expect(result.result.status).toBe(sb.status)
      expect(result.result.messageId).toBe(sb.messageId)
      expect(server.requests.at(-1)!.sandbox).toBe(true)
      if (sb.warning) expect(result.warnings.join(' ')).toMatch(sb.warning)
      expect(result.transcript.some((l) => l.dir === 'info' && l.text.startsWith('sandbox: '))).toBe(true)
    })
  } else {
    it('sandbox: no switch exists, so a real recipient is refused before anything is sent', async () => {
      const before = server.requests.length
      const { result } = await run(await jobFor(server, p, { sandbox: true }))
      expect(result.ok).toBe(false)
      expect(result.error!.code).toBe('INVALID_INPUT')
      expect(result.error!.message).toMatch(/has no sandbox switch/)
      expect(result.error!.message).toContain(c.testRecipient!.replace(/^.*@/, '').split('.')[0])
      expect(server.requests.length).toBe(before)
      expect(result.phases).toEqual([])
    })
    it('sandbox: the provider’s test recipients are accepted instead', async () => {
      const { result } = await run(await jobFor(server, p, { sandbox: true, message: { ...MESSAGE, to: [c.testRecipient!] } }))
      expect(result.error).toBeNull()
      expect(result.result.messageId).toBe(c.messageId)
      expect(result.transcript.some((l) => /has no sandbox switch; every recipient is one of its test addresses/.test(l.text))).toBe(true)
    })
  }

  it('verify: checks the key with a documented GET and sends nothing', async () => {
    const { result } = await run(await jobFor(server, p, { action: 'verify', message: undefined }))
    expect(result.error).toBeNull()
    expect(result.ok).toBe(true)
    expect(result.action).toBe('verify')
    expect(result.target.method).toBe('GET')
    const req = server.requests.at(-1)!
    expect(req.method).toBe('GET')
    expect(req.body.length).toBe(0)
    const bad = await run({ ...(await jobFor(server, p, { action: 'verify', message: undefined })), ...badFor(p) })
    expect(bad.result.error!.code).toBe('HTTP_AUTH_FAILED')
  })
})

describe('provider specifics', () => {
  it('verify paths are the documented ones', async () => {
    const paths: Record<P, string> = {
      mailgun: `/v3/domains/${MAILGUN_DOMAIN}`,
      sendgrid: '/v3/scopes',
      postmark: '/server',
      ses: '/v2/email/account',
      resend: '/domains',
      mailjet: '/v3/REST/apikey',
      sparkpost: '/api/v1/account',
      brevo: '/v3/account',
    }
    for (const p of Object.keys(paths) as P[]) {
      await run(await jobFor(server, p, { action: 'verify', message: undefined }))
      expect(server.requests.at(-1)!.path, p).toBe(paths[p])
    }
  })

  it('send paths are the documented ones, appended to the base URL', async () => {
    const paths: Record<P, string> = {
      mailgun: `/v3/${MAILGUN_DOMAIN}/messages`,
      sendgrid: '/v3/mail/send',
      postmark: '/email',
      ses: '/v2/email/outbound-emails',
      resend: '/emails',
      mailjet: '/v3.1/send',
      sparkpost: '/api/v1/transmissions',
      brevo: '/v3/smtp/email',
    }
    for (const p of Object.keys(paths) as P[]) {
      const { result } = await run(await jobFor(server, p))
      expect(server.requests.at(-1)!.path, p).toBe(paths[p])
      expect(result.target.url).toBe(`${server.origin}${paths[p]}`)
    }
  })

  it('auth header forms: Basic api:KEY, Bearer, token header, SigV4, bare SparkPost key, api-key', async () => {
    const seen: Partial<Record<P, string>> = {}
    for (const p of Object.keys(CASES) as P[]) {
      await run(await jobFor(server, p))
      const h = server.requests.at(-1)!.headers
      seen[p] = String(h.authorization ?? h['x-postmark-server-token'] ?? h['api-key'])
    }
    expect(seen.mailgun).toBe(`Basic ${Buffer.from(`api:${PROVIDER_KEYS.mailgun}`).toString('base64')}`)
    expect(seen.sendgrid).toBe(`Bearer ${PROVIDER_KEYS.sendgrid}`)
    expect(seen.resend).toBe(`Bearer ${PROVIDER_KEYS.resend}`)
    expect(seen.postmark).toBe(PROVIDER_KEYS.postmark)
    expect(seen.ses).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAFIXTURESES7EXAMPLE\/\d{8}\/us-east-1\/ses\/aws4_request, SignedHeaders=[a-z0-9;-]+, Signature=[0-9a-f]{64}$/)
    expect(seen.mailjet).toBe(`Basic ${Buffer.from(`${PROVIDER_KEYS.mailjet.key}:${PROVIDER_KEYS.mailjet.secret}`).toString('base64')}`)
    expect(seen.sparkpost).toBe(PROVIDER_KEYS.sparkpost)
    expect(seen.brevo).toBe(PROVIDER_KEYS.brevo)
  })

  it('Mailgun sends multipart/form-data with repeated to fields and h: headers', async () => {
    const { result } = await run(
      await jobFor(server, 'mailgun', { message: { ...MESSAGE, to: ['a@example.test', 'b@example.test'], cc: ['c@example.test'], headers: [{ name: 'X-Test', value: '1' }], html: '<p>hi</p>' } }),
    )
    expect(result.ok).toBe(true)
    const form = server.requests.at(-1)!.form!
    expect(form.to).toEqual(['a@example.test', 'b@example.test'])
    expect(form.cc).toEqual(['c@example.test'])
    expect(form['h:X-Test']).toEqual(['1'])
    expect(form.html).toEqual(['<p>hi</p>'])
    expect(String(server.requests.at(-1)!.headers['content-type'])).toMatch(/^multipart\/form-data; boundary=/)
  })

  it('Mailgun 401 “Forbidden” in text/plain is not taken for JSON, and the region hint is given', async () => {
    const { result } = await run({ ...(await jobFor(server, 'mailgun')), ...badFor('mailgun') })
    expect(result.error!.reply).toEqual({ code: 401, text: 'Forbidden' })
    expect(result.error!.message).toMatch(/other region/)
    expect(result.error!.message).not.toMatch(/not JSON/)
  })

  it('SendGrid sandbox_mode.enable is a real boolean and the answer is 200 instead of 202', async () => {
    await run(await jobFor(server, 'sendgrid', { sandbox: true }))
    const body = server.requests.at(-1)!.json as { mail_settings: { sandbox_mode: { enable: unknown } } }
    expect(body.mail_settings.sandbox_mode.enable).toBe(true)
  })

  it('Mailjet SandboxMode sits at the root of the payload', async () => {
    await run(await jobFor(server, 'mailjet', { sandbox: true }))
    const body = server.requests.at(-1)!.json as { SandboxMode: boolean; Messages: Record<string, unknown>[] }
    expect(body.SandboxMode).toBe(true)
    expect(body.Messages[0]).not.toHaveProperty('SandboxMode')
  })

  it('Brevo X-Sib-Sandbox: drop goes inside the JSON body headers, not the HTTP headers', async () => {
    await run(await jobFor(server, 'brevo', { sandbox: true }))
    const req = server.requests.at(-1)!
    expect((req.json as { headers: Record<string, string> }).headers['X-Sib-Sandbox']).toBe('drop')
    expect(req.headers['x-sib-sandbox']).toBeUndefined()
  })

  it('SparkPost sandbox is options.sandbox and warns about the sparkpostbox.com sender', async () => {
    const { result } = await run(await jobFor(server, 'sparkpost', { sandbox: true }))
    expect((server.requests.at(-1)!.json as { options: { sandbox: boolean } }).options.sandbox).toBe(true)
    expect(result.warnings.join(' ')).toMatch(/sparkpostbox\.com/)
  })

  it('Postmark POSTMARK_API_TEST counts as a sandbox, with a warning that the real token was not checked', async () => {
    const { result } = await run(await jobFor(server, 'postmark', { sandbox: true, credentials: { key: 'POSTMARK_API_TEST' } }))
    expect(result.ok).toBe(true)
    expect(result.warnings.join(' ')).toMatch(/validated the payload only/)
  })

  it('Resend: a sending-only key passes verify (401 restricted_api_key proves the key exists)', async () => {
    const { result } = await run(await jobFor(server, 'resend', { action: 'verify', message: undefined, credentials: { key: PROVIDER_KEYS.resendRestricted } }))
    expect(result.ok).toBe(true)
    expect(result.result.status).toBe(401)
    expect(result.transcript.some((l) => /restricted_api_key: the key exists/.test(l.text))).toBe(true)
  })

  it('SES verify reports the account sandbox as a warning', async () => {
    const { result } = await run(await jobFor(server, 'ses', { action: 'verify', message: undefined }))
    expect(result.ok).toBe(true)
    expect(result.warnings.join(' ')).toMatch(/SES account is in the sandbox/)
  })

  it('SES temporary credentials: the session token is sent as X-Amz-Security-Token and signed', async () => {
    const { result } = await run(
      await jobFor(server, 'ses', {
        credentials: { key: PROVIDER_KEYS.ses.accessKeyId, secret: PROVIDER_KEYS.ses.secretAccessKey, sessionToken: PROVIDER_KEYS.ses.sessionToken },
      }),
    )
    expect(result.error).toBeNull()
    const h = server.requests.at(-1)!.headers
    expect(h['x-amz-security-token']).toBe(PROVIDER_KEYS.ses.sessionToken)
    expect(String(h.authorization)).toMatch(/SignedHeaders=[^,]*x-amz-security-token/)
  })

  it('SES error type comes from x-amzn-ErrorType; a wrong secret is a signature mismatch', async () => {
    const { result } = await run(await jobFor(server, 'ses', { credentials: { key: PROVIDER_KEYS.ses.accessKeyId, secret: 'wrongSecretKey0123456789abcdefghijkl' } }))
    expect(result.error!.code).toBe('HTTP_AUTH_FAILED')
    expect(result.error!.reply!.text).toMatch(/^InvalidSignatureException: /)
    expect(result.error!.message).toMatch(/clock/)
  })

  it('regions pick the documented hosts (checked through the target URL only: nothing leaves loopback)', async () => {
    // An invalid base URL would be refused; without one the regional default host is used. We
    // check it without sending by letting an invalid attachment stop the run after the URL is known.
    const cases: [Partial<import('../../../preload/contract').ApiJobInput>, string][] = [
      [{ provider: 'mailgun', region: 'eu', domain: MAILGUN_DOMAIN, credentials: { key: 'k-123' } }, 'https://api.eu.mailgun.net'],
      [{ provider: 'mailgun', domain: MAILGUN_DOMAIN, credentials: { key: 'k-123' } }, 'https://api.mailgun.net'],
      [{ provider: 'sendgrid', region: 'eu', credentials: { key: 'k-123' } }, 'https://api.eu.sendgrid.com'],
      [{ provider: 'sparkpost', region: 'eu', credentials: { key: 'k-123' } }, 'https://api.eu.sparkpost.com'],
      [{ provider: 'ses', region: 'eu-west-2', credentials: { key: 'k-123', secret: 's-123' } }, 'https://email.eu-west-2.amazonaws.com'],
      [{ provider: 'ses', credentials: { key: 'k-123', secret: 's-123' } }, 'https://email.us-east-1.amazonaws.com'],
    ]
    const { PROVIDERS } = await import('../../../main/core/http/providers')
    const { apiJobSchema } = await import('../../../preload/contract')
    for (const [input, origin] of cases) {
      const job = apiJobSchema.parse({ ...input, message: MESSAGE })
      expect(PROVIDERS[job.provider].defaultOrigin(job)).toBe(origin)
    }
  })
})

describe('attachments', () => {
  let dir: string
  let file: string
  const content = Buffer.from('attachment-content-0123456789 '.repeat(20))
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'mailprobe-att-'))
    file = join(dir, 'report.txt')
    writeFileSync(file, content)
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it.each(Object.keys(CASES) as P[])('%s: sent in full, summarised by name and size in the transcript', async (p) => {
    const { result } = await run(await jobFor(server, p, { message: { ...MESSAGE, attachments: [{ path: file }] } }))
    expect(result.error).toBeNull()
    const req = server.requests.at(-1)!
    const b64 = content.toString('base64')
    const wire = req.body.toString('utf8')
    if (p === 'mailgun') expect(req.form!.attachment).toEqual([`report.txt (${content.length} bytes)`])
    else if (p === 'ses') expect(wire).toContain('"Raw":{"Data":"')
    else expect(wire).toContain(b64)
    const text = result.transcript.map((l) => l.text).join('\n')
    expect(text).not.toContain(b64.slice(0, 40))
    expect(text).toMatch(p === 'ses' ? /raw MIME message, \d+ bytes, with attachments report\.txt \(600 bytes\)/ : /report\.txt, 600 bytes, text\/plain; content not shown/)
  })

  it('a missing attachment fails before anything is sent', async () => {
    const before = server.requests.length
    const { result } = await run(await jobFor(server, 'sendgrid', { message: { ...MESSAGE, attachments: [{ path: join(dir, 'missing.pdf') }] } }))
    expect(result.error!.code).toBe('INVALID_INPUT')
    expect(server.requests.length).toBe(before)
  })
})

describe('generic endpoint', () => {
  it('fills a JSON template (lists as arrays with {{to[]}}) and sends the key as Bearer', async () => {
    const template = JSON.stringify({ sender: '{{from}}', rcpt: '{{to[]}}', joined: '{{to}}', title: 'Re: {{subject}}', body: { plain: '{{text}}' } })
    const { result } = await run({
      provider: 'generic',
      credentials: { key: PROVIDER_KEYS.generic },
      tls: await trustFixture(),
      generic: { url: `${server.origin}/hook/send?x=1`, bodyTemplate: template },
      message: { ...MESSAGE, to: ['a@example.test', 'b@example.test'], subject: 'quote " and \\ backslash' },
    })
    expect(result.error).toBeNull()
    expect(result.result.messageId).toBe('gen-20250101-0001')
    const req = server.requests.at(-1)!
    expect(req.path).toBe('/hook/send?x=1')
    expect(req.json).toEqual({
      sender: MESSAGE.from,
      rcpt: ['a@example.test', 'b@example.test'],
      joined: 'a@example.test, b@example.test',
      title: 'Re: quote " and \\ backslash',
      body: { plain: MESSAGE.text },
    })
  })

  it('form bodies, a named key header and {{key}} in a header; base URL replaces scheme, host and port', async () => {
    const { result } = await run({
      provider: 'generic',
      credentials: { key: PROVIDER_KEYS.generic },
      tls: await trustFixture(),
      baseUrl: server.origin,
      generic: {
        url: 'https://hooks.example.invalid:8443/hook/form',
        method: 'PUT',
        auth: 'header',
        authHeader: 'X-Api-Key',
        headers: [{ name: 'X-Signature-Key', value: 'k={{key}}' }],
        bodyFormat: 'form',
        bodyTemplate: 'from={{from}}&to={{to[]}}&subject={{subject}}',
      },
      message: { ...MESSAGE, to: ['a@example.test', 'b@example.test'] },
    })
    expect(result.error).toBeNull()
    const req = server.requests.at(-1)!
    expect(req.method).toBe('PUT')
    expect(req.path).toBe('/hook/form')
    expect(req.headers['x-signature-key']).toBe(`k=${PROVIDER_KEYS.generic}`)
    expect(req.body.toString()).toBe('from=sender%40example.test&to=a%40example.test&to=b%40example.test&subject=Mailprobe+unit+test')
    expect(result.transcript.some((l) => l.text === 'X-Signature-Key: [redacted]')).toBe(true)
  })

  it('refuses unknown placeholders, verify and sandbox', async () => {
    const base = { provider: 'generic', credentials: { key: 'k-123' }, message: MESSAGE }
    for (const extra of [
      { generic: { url: `${server.origin}/hook`, bodyTemplate: '{"a":"{{nope}}"}' } },
      { generic: { url: `${server.origin}/hook` }, action: 'verify' },
      { generic: { url: `${server.origin}/hook` }, sandbox: true },
      { generic: { url: `${server.origin}/hook`, bodyTemplate: '{not json' } },
    ]) {
      const { result } = await run({ ...base, ...extra })
      expect(result.error!.code).toBe('INVALID_INPUT')
    }
  })
})
