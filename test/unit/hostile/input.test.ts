import { mkdir, open, rm, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { domainToASCII } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hostSchema, type ApiResult, type SmtpJobInput, type SmtpResult } from '../../../preload/contract'
import { runApi } from '../../../main/core/http'
import { MAX_SMTP_ATTACHMENT_BYTES } from '../../../main/core/message/attachments'
import { runProbe } from '../../../main/core/probe'
import { runSmtp } from '../../../main/core/smtp'
import { startProviderServer, type ProviderServer } from '../../fixtures/provider-server'
import { startSmtpPeer, type SmtpPeer, type SmtpPeerOptions } from '../../fixtures/smtp-peers'
import { jobFor } from '../http/helpers'

/*
 * Bad input from a user, a file or the renderer: refused with INVALID_INPUT (naming the field)
 * before a single byte goes out, or, for what only the server can decide (SMTPUTF8), a clear
 * error before MAIL FROM.
 */

const MESSAGE = { from: 'sender@example.test', to: ['rcpt@example.test'], subject: 'input test', text: 'hello' }

let dir = ''
let plain: SmtpPeer
let api: ProviderServer
const peers: { close(): Promise<void> }[] = []

beforeAll(async () => {
  dir = join(tmpdir(), `mailprobe-input-${process.pid}-${Date.now()}`)
  await mkdir(dir, { recursive: true })
  plain = await peer({ mode: 'plain', auth: 'disabled' })
  api = await startProviderServer()
  peers.push(api)
})
afterAll(async () => {
  await Promise.all(peers.map((p) => p.close()))
  await rm(dir, { recursive: true, force: true })
})

async function peer(options: SmtpPeerOptions): Promise<SmtpPeer> {
  const p = await startSmtpPeer(options)
  peers.push(p)
  return p
}

const smtp = (input: unknown): Promise<SmtpResult> => runSmtp(input)
const wire = (r: SmtpResult) =>
  r.transcript
    .filter((l) => l.dir === 'c' || l.dir === 's')
    .map((l) => `${l.dir} ${l.text}`)
    .join('\n')

describe('line breaks and NUL in message fields: INVALID_INPUT, nothing sent', () => {
  const breaks: [string, string][] = [
    ['CRLF', '\r\n'],
    ['LF', '\n'],
    ['CR', '\r'],
    ['NUL', '\0'],
  ]
  const fields: [string, (bad: string) => Record<string, unknown>, RegExp][] = [
    ['from', (b) => ({ from: `a@example.test${b}RCPT TO:<victim@example.test>` }), /message\.from: /],
    ['to', (b) => ({ to: [`b@example.test${b}X: y`] }), /message\.to\[0\]: /],
    ['cc', (b) => ({ cc: [`c@example.test${b}X: y`] }), /message\.cc\[0\]: /],
    ['bcc', (b) => ({ bcc: [`d@example.test${b}X: y`] }), /message\.bcc\[0\]: /],
    ['subject', (b) => ({ subject: `hi${b}Bcc: victim@example.test` }), /message\.subject: subject contains a line break/],
    ['header name', (b) => ({ headers: [{ name: `X-A${b}Bcc`, value: 'v' }] }), /message\.headers\[0\]\.name: /],
    ['header value', (b) => ({ headers: [{ name: 'X-A', value: `v${b}Bcc: victim@example.test` }] }), /message\.headers\[0\]\.value: header value contains a line break/],
  ]
  const cases = fields.flatMap(([field, make, named]) => breaks.map(([label, b]) => [`${label} in ${field}`, make(b), named] as const))

  it.each(cases)('SMTP: %s', async (_what, extra, named) => {
    const before = plain.connections
    const r = await smtp({ host: '127.0.0.1', port: plain.port, security: 'none', message: { ...MESSAGE, ...extra } })
    expect(r.error?.code).toBe('INVALID_INPUT')
    expect(r.error?.message).toMatch(named)
    expect(plain.connections).toBe(before)
    expect(wire(r)).toBe('')
  })

  it.each(cases)('HTTPS API: %s', async (_what, extra, named) => {
    const before = api.requests.length
    const { message, ...job } = await jobFor(api, 'postmark')
    const r: ApiResult = await runApi({ ...job, message: { ...message, ...extra } })
    expect(r.error?.code).toBe('INVALID_INPUT')
    expect(r.error?.message).toMatch(named)
    expect(api.requests.length).toBe(before)
    expect(r.phases).toEqual([])
  })
})

describe('ports and host names', () => {
  const badPorts: unknown[] = [0, -1, 65536, 70000, 25.5, '25', Number.NaN, Number.POSITIVE_INFINITY, null]
  it.each(badPorts.map((p) => [String(p), p]))('port %s: INVALID_INPUT for SMTP and the probe', async (_label, port) => {
    const s = await smtp({ host: '127.0.0.1', port, security: 'none' })
    expect(s.error?.code).toBe('INVALID_INPUT')
    expect(s.error?.message).toMatch(/^port: /)
    const p = await runProbe({ host: '127.0.0.1', ports: [port], timeoutMs: 500 })
    expect(p.error?.code).toBe('INVALID_INPUT')
    expect(p.error?.message).toMatch(/ports\[0\]: /)
  })

  it('a base URL with a bad port: INVALID_INPUT, no request', async () => {
    const before = api.requests.length
    const r = await runApi({ ...(await jobFor(api, 'sendgrid')), baseUrl: 'https://127.0.0.1:70000' })
    expect(r.error?.code).toBe('INVALID_INPUT')
    expect(r.error?.message).toMatch(/baseUrl/)
    expect(api.requests.length).toBe(before)
  })

  const badHosts: [string, RegExp][] = [
    ['', /host is required/],
    ['   ', /host is required/],
    ['smtp.example.com:587', /give the port in its own field/],
    ['smtps://smtp.example.com', /not a URL/],
    ['smtp example.com', /may not contain spaces/],
    ['user@smtp.example.com', /may not contain spaces, slashes or @/],
    ['smtp..example.com', /empty part/],
    ['.example.com', /empty part/],
    ['-smtp.example.com', /not at the start or end of a part/],
    ['smtp-.example.com', /not at the start or end of a part/],
    ['smtp!.example.com', /only letters, digits, dots and hyphens/],
    [`${'a'.repeat(64)}.example.com`, /at most 63 characters/],
    [`${'a.'.repeat(127)}com`, /longer than 253 characters/],
    ['256.0.0.1', /not an IPv4 address/],
    ['10.0.0', /not an IPv4 address/],
    ['[::1', /needs both \[ and \]/],
    ['[mail.example.com]', /is not an IP address in brackets/],
    ['[300.1.1.1]', /is not an IP address in brackets/],
    ['smtp.example.com\r\nMAIL FROM:<x@y>', /may not contain spaces/],
  ]
  it.each(badHosts)('host %j: INVALID_INPUT (%s) for SMTP and the probe', async (host, why) => {
    const s = await smtp({ host, port: 25 })
    expect(s.error?.code).toBe('INVALID_INPUT')
    expect(s.error?.message).toMatch(why)
    const p = await runProbe({ host, ports: [25], timeoutMs: 500 })
    expect(p.error?.code).toBe('INVALID_INPUT')
    expect(p.error?.message).toMatch(why)
  })

  it.each([
    ['smtp.example.com', 'smtp.example.com'],
    ['  smtp.example.com  ', 'smtp.example.com'],
    ['smtp.example.com.', 'smtp.example.com.'],
    ['_submission.example.com', '_submission.example.com'],
    ['127.0.0.1', '127.0.0.1'],
    ['::1', '::1'],
    ['[::1]', '[::1]'],
    ['[192.0.2.1]', '[192.0.2.1]'],
    ['fe80::1%eth0', 'fe80::1%eth0'],
    // International names go out in their ASCII form: what DNS and certificates use.
    ['smtp.bücher.example', 'smtp.xn--bcher-kva.example'],
    ['邮件.例子.广告', domainToASCII('邮件.例子.广告')],
  ])('host %j is accepted as %j', (host, ascii) => {
    expect(hostSchema.parse(host)).toBe(ascii)
  })
})

describe('internationalised addresses (SMTPUTF8, RFC 6531)', () => {
  const intl = { ...MESSAGE, from: 'jörg@example.test', to: ['用户@example.test'], subject: 'grüße' }

  it('sent with SMTPUTF8 when the server offers it', async () => {
    const p = await peer({ mode: 'plain', auth: 'disabled' })
    const r = await smtp({ host: '127.0.0.1', port: p.port, security: 'none', message: intl })
    expect(r.ok, r.error?.message).toBe(true)
    expect(wire(r)).toMatch(/^c MAIL FROM:<jörg@example\.test> SMTPUTF8/m)
    expect(r.transcript.map((l) => l.text).join('\n')).toMatch(/MAIL FROM carries SMTPUTF8, which the server offers/)
    expect(p.received[0]!.envelope).toMatchObject({ mailFrom: 'jörg@example.test', rcptTo: ['用户@example.test'] })
    // Headers travel as UTF-8 (RFC 6532), not as encoded words that would break the address.
    expect(p.received[0]!.raw).toMatch(/^From: jörg@example\.test$/m)
  })

  it('the envelope test (stop after RCPT) also carries SMTPUTF8', async () => {
    const p = await peer({ mode: 'plain', auth: 'disabled' })
    const r = await smtp({ host: '127.0.0.1', port: p.port, security: 'none', message: intl, stopAfter: 'rcpt' })
    expect(r.ok, r.error?.message).toBe(true)
    expect(wire(r)).toMatch(/^c MAIL FROM:<jörg@example\.test> SMTPUTF8$/m)
    expect(wire(r)).toMatch(/^c RCPT TO:<用户@example\.test>$/m)
    expect(p.received).toHaveLength(0)
  })

  it.each([
    ['send', {}],
    ['envelope test', { stopAfter: 'rcpt' }],
  ] as const)('%s: SMTPUTF8_UNAVAILABLE naming the address when the server does not offer it; no MAIL FROM', async (_what, extra) => {
    const p = await peer({ mode: 'plain', auth: 'disabled', serverOptions: { hideSMTPUTF8: true } })
    const r = await smtp({ host: '127.0.0.1', port: p.port, security: 'none', message: intl, ...extra } as SmtpJobInput)
    expect(r.error?.code).toBe('SMTPUTF8_UNAVAILABLE')
    expect(r.error?.message).toMatch(/^jörg@example\.test, 用户@example\.test cannot be written in ASCII, and the server does not offer SMTPUTF8/)
    expect(r.error?.message).toMatch(/Nothing was sent/)
    expect(wire(r)).toMatch(/^c EHLO /m)
    expect(wire(r)).not.toMatch(/MAIL FROM/)
    expect(p.received).toHaveLength(0)
  })

  it('an international domain alone needs no SMTPUTF8: it goes as punycode', async () => {
    const p = await peer({ mode: 'plain', auth: 'disabled', serverOptions: { hideSMTPUTF8: true } })
    const r = await smtp({ host: '127.0.0.1', port: p.port, security: 'none', message: { ...MESSAGE, to: ['info@bücher.example'], bcc: ['audit@例子.广告'] } })
    expect(r.ok, r.error?.message).toBe(true)
    // What crossed the wire is ASCII (smtp-server turns punycode back into Unicode in its envelope).
    expect(wire(r)).toMatch(/^c MAIL FROM:<sender@example\.test>$/m)
    expect(wire(r)).toMatch(/^c RCPT TO:<info@xn--bcher-kva\.example>$/m)
    expect(wire(r)).toContain(`c RCPT TO:<audit@${domainToASCII('例子.广告')}>`)
    expect(p.received[0]!.envelope.rcptTo).toEqual(['info@bücher.example', 'audit@例子.广告'])
    expect(p.received[0]!.raw).not.toMatch(/audit@/) // Bcc stays out of the headers
  })
})

describe('attachments', () => {
  it('vanished between composing and sending: INVALID_INPUT naming it, nothing sent (SMTP and API)', async () => {
    const path = join(dir, 'report.pdf')
    await writeFile(path, 'chosen in the composer')
    await unlink(path) // …and then moved away before Send
    const before = { smtp: plain.connections, api: api.requests.length }
    const s = await smtp({ host: '127.0.0.1', port: plain.port, security: 'none', message: { ...MESSAGE, attachments: [{ path }] } })
    expect(s.error?.code).toBe('INVALID_INPUT')
    expect(s.error?.message).toBe(`The attachment ${path} cannot be read (missing, moved, or no permission). Nothing was sent.`)
    const a = await runApi({ ...(await jobFor(api, 'sendgrid')), message: { ...MESSAGE, attachments: [{ path }] } })
    expect(a.error?.code).toBe('INVALID_INPUT')
    expect(a.error?.message).toMatch(/report\.pdf cannot be read/)
    expect({ smtp: plain.connections, api: api.requests.length }).toEqual(before)
  })

  it('read once before connecting: removing the file during the session does not break the send', async () => {
    const slow = await peer({ mode: 'plain', auth: 'disabled', greetingDelayMs: 300 })
    const path = join(dir, 'invoice.txt')
    await writeFile(path, 'invoice body 4242')
    const running = smtp({ host: '127.0.0.1', port: slow.port, security: 'none', message: { ...MESSAGE, attachments: [{ path }] } })
    while (slow.connections === 0) await new Promise((r) => setTimeout(r, 5))
    await unlink(path)
    const r = await running
    expect(r.ok, r.error?.message).toBe(true)
    expect(slow.received[0]!.raw).toContain(Buffer.from('invoice body 4242').toString('base64'))
    expect(slow.received[0]!.raw).toMatch(/filename=invoice\.txt/)
  })

  it('a folder, or a file over the size limit, is refused before connecting', async () => {
    const before = plain.connections
    const folder = await smtp({ host: '127.0.0.1', port: plain.port, security: 'none', message: { ...MESSAGE, attachments: [{ path: dir }] } })
    expect(folder.error?.message).toMatch(/is not a regular file/)
    // A sparse file: its size is over the limit without writing 100 MiB.
    const huge = join(dir, 'huge.bin')
    const fh = await open(huge, 'w')
    await fh.truncate(MAX_SMTP_ATTACHMENT_BYTES + 1)
    await fh.close()
    const big = await smtp({ host: '127.0.0.1', port: plain.port, security: 'none', message: { ...MESSAGE, attachments: [{ path: huge }] } })
    expect(big.error?.code).toBe('INVALID_INPUT')
    expect(big.error?.message).toMatch(/Attachments are limited to 100 MiB in total/)
    expect(plain.connections).toBe(before)
  })
})
