import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { inboxIdOf, profilesExportSchema, SandboxStatusSchema, type ApiJobInput, type SmtpJobInput } from '../../../preload/contract'
import { runApi } from '../../../main/core/http'
import { ReplyReader } from '../../../main/core/net/reply-reader'
import { CERT_FILES, loadOrCreateCerts, sandboxStatus, startSandbox, type SandboxHandle } from '../../../main/core/sandbox'
import { runSmtp } from '../../../main/core/smtp'
import { WarmSmtpSession } from '../../../main/core/smtp/warm'

const message = { from: 'sender@example.test', to: ['rcpt@example.test'], subject: 'sandbox test', text: 'hello sandbox' }

let sb: SandboxHandle
const tmpDirs: string[] = []
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'mailprobe-sandbox-test-'))
  tmpDirs.push(d)
  return d
}

beforeAll(async () => {
  sb = await startSandbox({ dataDir: tmp() })
})
afterAll(async () => {
  await sb.close()
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true })
})
afterEach(() => {
  sb.setRtt(0)
  sb.setThink(0)
})

const smtpJob = (over: Partial<SmtpJobInput> = {}): SmtpJobInput => ({
  host: sb.host,
  port: sb.smtp.starttls,
  security: 'starttls',
  tls: { caFile: sb.caFile },
  auth: { user: sb.user, secret: sb.password },
  message,
  ...over,
})
const apiJob = (provider: 'mailgun' | 'sendgrid' | 'postmark', over: Partial<ApiJobInput> = {}): ApiJobInput => ({
  provider,
  baseUrl: sb.api.url,
  domain: provider === 'mailgun' ? sb.api.domain : undefined,
  credentials: { key: sb.api.key },
  tls: { caFile: sb.caFile },
  message,
  ...over,
})

/** A raw SMTP conversation: the greeting, then each command's reply. */
async function converse(port: number, commands: string[]): Promise<{ code: number; lines: string[] }[]> {
  const socket = net.connect({ host: '127.0.0.1', port })
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  const reader = new ReplyReader(socket)
  try {
    const replies = [await reader.next(5000)]
    for (const c of commands) {
      socket.write(`${c}\r\n`)
      replies.push(await reader.next(5000))
    }
    return replies
  } finally {
    reader.detach()
    socket.destroy()
  }
}

describe('sandbox SMTP', () => {
  it('STARTTLS port: no AUTH and no MAIL before TLS; the greeting is immediate', async () => {
    const [greeting, ehlo, auth, mail] = await converse(sb.smtp.starttls, [
      'EHLO client.test',
      `AUTH PLAIN ${Buffer.from(`\0${sb.user}\0${sb.password}`).toString('base64')}`,
      'MAIL FROM:<a@example.test>',
    ])
    expect(greeting!.code).toBe(220)
    expect(ehlo!.code).toBe(250)
    expect(ehlo!.lines).toContain('STARTTLS')
    expect(ehlo!.lines.some((l) => l.startsWith('AUTH'))).toBe(false)
    expect(auth!.code).toBeGreaterThanOrEqual(500)
    expect(mail!.code).toBe(530)
    expect(mail!.lines.join(' ')).toMatch(/STARTTLS/)
  })

  it('an engine that will not use TLS cannot authenticate on the submission port', async () => {
    const r = await runSmtp(smtpJob({ security: 'none' }))
    expect(r.ok).toBe(false)
    expect(r.error?.code).toBe('AUTH_UNSUPPORTED')
  })

  it.each(['plain', 'login', 'cram-md5'] as const)('STARTTLS port: AUTH %s after TLS, then the message is accepted', async (method) => {
    const r = await runSmtp(smtpJob({ auth: { method, user: sb.user, secret: sb.password } }))
    expect(r.error).toBeNull()
    expect(r.ok).toBe(true)
    expect(r.authMethodUsed).toBe(method.toUpperCase())
    expect(r.capabilities.after?.find((c) => c.startsWith('AUTH'))).toBe('AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2 OAUTHBEARER')
    expect(r.tls?.authorized).toBe(true)
    const id = inboxIdOf(r)
    expect(id).toMatch(/^[0-9A-F]{10}$/)
    const got = sb.inbox.get(id!)
    expect(got?.channel).toBe('starttls')
    expect(got?.user).toBe(sb.user)
    expect(got?.secure).toBe(true)
    expect(got?.envelope).toEqual({ mailFrom: 'sender@example.test', rcptTo: ['rcpt@example.test'] })
    expect(got?.messageId).toBe(r.result.messageId)
  })

  it('refuses a wrong password with 535', async () => {
    const r = await runSmtp(smtpJob({ auth: { user: sb.user, secret: 'not-the-password' } }))
    expect(r.error?.code).toBe('AUTH_FAILED')
    expect(r.error?.reply?.code).toBe(535)
  })

  it('implicit-TLS port: TLS from the first byte, AUTH required', async () => {
    const ok = await runSmtp(smtpJob({ port: sb.smtp.tls, security: 'tls' }))
    expect(ok.ok).toBe(true)
    expect(ok.phases[1]?.name).toBe('tls')
    expect(sb.inbox.get(inboxIdOf(ok)!)?.channel).toBe('tls')
    const anonymous = await runSmtp(smtpJob({ port: sb.smtp.tls, security: 'tls', auth: undefined }))
    expect(anonymous.ok).toBe(false)
    expect(anonymous.error?.code).toBe('SENDER_REJECTED')
    expect(anonymous.error?.reply?.code).toBe(530)
  })

  it('plain port: no TLS and no AUTH, accepts the message', async () => {
    const r = await runSmtp(smtpJob({ port: sb.smtp.plain, security: 'none', auth: undefined }))
    expect(r.ok).toBe(true)
    expect(r.tls).toBeNull()
    expect(r.capabilities.before).not.toContain('STARTTLS')
    expect(r.capabilities.before?.some((c) => c.startsWith('AUTH'))).toBe(false)
    const got = sb.inbox.get(inboxIdOf(r)!)
    expect(got?.channel).toBe('plain')
    expect(got?.secure).toBe(false)
    expect(got?.subject).toBe('sandbox test')
    expect(got?.raw).toContain('hello sandbox')
  })
})

describe('sandbox HTTPS API', () => {
  it.each(['mailgun', 'sendgrid', 'postmark'] as const)('%s: the sandbox key sends, and the message id leads to the Inbox', async (provider) => {
    const r = await runApi(apiJob(provider))
    expect(r.error).toBeNull()
    expect(r.result.status).toBe(provider === 'sendgrid' ? 202 : 200)
    const id = inboxIdOf(r)
    expect(id).toBeTruthy()
    const got = sb.inbox.get(id!)
    expect(got?.via).toBe('api')
    expect(got?.channel).toBe(provider)
    expect(got?.envelope.rcptTo).toEqual(['rcpt@example.test'])
    expect(got?.subject).toBe('sandbox test')
    expect(got?.raw).toContain('hello sandbox')
    expect(got?.size).toBeGreaterThan(0)
  })

  it.each(['mailgun', 'sendgrid', 'postmark'] as const)('%s: the key check passes with the sandbox key', async (provider) => {
    const r = await runApi(apiJob(provider, { action: 'verify', message: undefined }))
    expect(r.error).toBeNull()
    expect(r.ok).toBe(true)
  })

  it('a wrong key gets each provider’s documented error', async () => {
    const wrong = { credentials: { key: 'wrong-key' } }
    const mg = await runApi(apiJob('mailgun', wrong))
    expect(mg.error?.code).toBe('HTTP_AUTH_FAILED')
    expect(mg.result).toMatchObject({ status: 401, body: 'Forbidden' })
    const sg = await runApi(apiJob('sendgrid', wrong))
    expect(sg.result.status).toBe(401)
    expect(JSON.parse(sg.result.body!)).toEqual({ errors: [{ message: 'The provided authorization grant is invalid, expired, or revoked', field: null, help: null }] })
    const pm = await runApi(apiJob('postmark', wrong))
    expect(pm.result.status).toBe(401)
    expect(JSON.parse(pm.result.body!)).toMatchObject({ ErrorCode: 10 })
    for (const provider of ['mailgun', 'sendgrid', 'postmark'] as const) {
      const v = await runApi(apiJob(provider, { ...wrong, action: 'verify', message: undefined }))
      expect(v.error?.code, provider).toBe('HTTP_AUTH_FAILED')
    }
  })

  it('SendGrid sandbox mode answers 200 and the message is marked as test mode', async () => {
    const r = await runApi(apiJob('sendgrid', { sandbox: true }))
    expect(r.result.status).toBe(200)
    expect(sb.inbox.get(inboxIdOf(r)!)?.testMode).toBe(true)
  })

  it('a request of the wrong shape gets the provider’s validation error', async () => {
    const res = await fetchSandbox('/email', {
      method: 'POST',
      headers: { 'X-Postmark-Server-Token': sb.api.key, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ From: 'a@example.test' }),
    })
    expect(res.status).toBe(422)
    expect(JSON.parse(res.body)).toMatchObject({ ErrorCode: 300 })
    const nf = await fetchSandbox('/nothing-here', { method: 'GET', headers: {} })
    expect(nf.status).toBe(404)
  })
})

/** A raw HTTPS request to the sandbox API (trusting its CA). */
async function fetchSandbox(path: string, init: { method: string; headers: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> {
  const https = await import('node:https')
  const url = new URL(path, sb.api.url)
  return new Promise((resolve, reject) => {
    const req = https.request({ host: url.hostname, port: url.port, path: url.pathname, method: init.method, headers: init.headers, ca: sb.caPem, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (d: string) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end(init.body)
  })
}

describe('sandbox Inbox', () => {
  it('keeps the last 200 messages and drops the oldest', async () => {
    const { session } = await WarmSmtpSession.open(smtpJob())
    expect(session).not.toBeNull()
    const ids: string[] = []
    try {
      for (let i = 0; i < 203; i++) {
        const r = await session!.send({ ...message, subject: `bulk ${i}` })
        expect(r.ok).toBe(true)
        ids.push(inboxIdOf(r)!)
      }
    } finally {
      await session!.close()
    }
    expect(sb.inbox.size).toBe(200)
    expect(sb.inbox.get(ids[0]!)).toBeNull()
    expect(sb.inbox.get(ids[2]!)).toBeNull()
    expect(sb.inbox.get(ids[3]!)?.subject).toBe('bulk 3')
    expect(sb.inbox.list(1)[0]?.id).toBe(ids[202])
    expect(new Set(ids).size).toBe(203)
  })

  it('tells subscribers about each message as it arrives', async () => {
    const seen: string[] = []
    const unsubscribe = sb.inbox.subscribe((m) => seen.push(m.id))
    const r = await runSmtp(smtpJob({ port: sb.smtp.plain, security: 'none', auth: undefined }))
    unsubscribe()
    expect(seen).toEqual([inboxIdOf(r)])
  })
})

describe('sandbox latency', () => {
  it('adds the simulated RTT to every round trip, in both directions', async () => {
    const rtt = 60
    sb.setRtt(rtt)
    expect(sb.rttMs).toBe(rtt)
    const r = await runSmtp(smtpJob())
    expect(r.ok).toBe(true)
    for (const name of ['banner', 'ehlo', 'starttls', 'ehlo2', 'auth', 'dataAck']) {
      const p = r.phases.find((x) => x.name === name)!
      expect(p.roundTrips, name).toBe(1)
      expect(p.durationMs, name).toBeGreaterThanOrEqual(rtt - 1)
    }
    // Every counted round trip but the TCP handshake (answered at the proxy) is delayed.
    expect(r.totalMs).toBeGreaterThanOrEqual((r.roundTrips - 1) * rtt)
    const api = await runApi(apiJob('postmark'))
    expect(api.phases.find((p) => p.name === 'wait')!.durationMs).toBeGreaterThanOrEqual(rtt - 1)
    expect(api.phases.find((p) => p.name === 'tls')!.durationMs).toBeGreaterThanOrEqual(rtt - 1)
    expect(() => sb.setRtt(501)).toThrow(RangeError)
  })

  it('think time delays the answer to DATA and to an API send', async () => {
    sb.setThink(80)
    const r = await runSmtp(smtpJob({ port: sb.smtp.plain, security: 'none', auth: undefined }))
    expect(r.phases.find((p) => p.name === 'dataAck')!.durationMs).toBeGreaterThanOrEqual(79)
    const api = await runApi(apiJob('mailgun'))
    expect(api.phases.find((p) => p.name === 'wait')!.durationMs).toBeGreaterThanOrEqual(79)
  })
})

describe('sandbox certificate', () => {
  it('is made on first start, kept in the data directory and reused on the next start', async () => {
    const dataDir = tmp()
    const first = await startSandbox({ dataDir })
    const ca = first.caPem
    expect(first.certs.origin).toBe('created')
    expect(first.caFile).toBe(join(dataDir, 'sandbox-tls', CERT_FILES.ca))
    expect(statSync(join(dataDir, 'sandbox-tls', CERT_FILES.caKey)).mode & 0o077).toBe(0)
    await first.close()
    const second = await startSandbox({ dataDir })
    try {
      expect(second.certs.origin).toBe('reused')
      expect(second.caPem).toBe(ca)
      // The profiles written by the first run still trust the second's certificate.
      const r = await runSmtp({ ...smtpJob(), port: second.smtp.tls, security: 'tls', tls: { caFile: first.caFile } })
      expect(r.ok).toBe(true)
    } finally {
      await second.close()
    }
  })

  it('re-issues an unreadable server certificate with the same CA, and replaces an unreadable CA', async () => {
    const dir = tmp()
    const made = await loadOrCreateCerts(dir)
    writeFileSync(join(dir, CERT_FILES.leaf), 'garbage')
    const leaf = await loadOrCreateCerts(dir)
    expect(leaf.origin).toBe('renewed-leaf')
    expect(leaf.ca.cert).toBe(made.ca.cert)
    expect(leaf.leaf.cert).not.toBe(made.leaf.cert)
    writeFileSync(join(dir, CERT_FILES.caKey), 'garbage')
    const again = await loadOrCreateCerts(dir)
    expect(again.origin).toBe('regenerated')
    expect(again.ca.cert).not.toBe(made.ca.cert)
    expect(again.reason).toMatch(/CA/)
  })

  it('renews certificates that are about to expire', async () => {
    const dir = tmp()
    const made = await loadOrCreateCerts(dir)
    const year = 365 * 24 * 3600 * 1000
    const later = await loadOrCreateCerts(dir, Date.now() + 2 * year)
    expect(later.origin).toBe('renewed-leaf')
    expect(later.ca.cert).toBe(made.ca.cert)
    const muchLater = await loadOrCreateCerts(dir, Date.now() + 6 * year)
    expect(muchLater.origin).toBe('regenerated')
  })
})

describe('sandbox status', () => {
  it('describes the running sandbox for the interface, or why it is not running', () => {
    const status = sandboxStatus(sb)
    expect(SandboxStatusSchema.parse(status)).toEqual(status)
    expect(status).toMatchObject({ running: true, problem: null, info: { smtp: sb.smtp, api: { url: sb.api.url, key: sb.api.key }, caFile: sb.caFile } })
    expect(status.inbox.kept).toBe(sb.inbox.size)
    expect(sandboxStatus(null, 'turned off in Settings')).toEqual({ running: false, problem: 'turned off in Settings', info: null, inbox: { kept: 0, received: 0 } })
  })
})

describe('sandbox profiles', () => {
  it('exports the three profiles with inline demo credentials and the CA file', () => {
    const doc = profilesExportSchema.parse(sb.profiles())
    expect(doc.profiles.map((p) => p.name)).toEqual(['sandbox-starttls', 'sandbox-tls', 'sandbox-api'])
    const [starttls, tls, api] = doc.profiles
    expect(starttls).toMatchObject({ kind: 'smtp', port: sb.smtp.starttls, security: 'starttls', username: sb.user, password: sb.password, tls: { caFile: sb.caFile } })
    expect(tls).toMatchObject({ kind: 'smtp', port: sb.smtp.tls, security: 'tls' })
    expect(api).toMatchObject({ kind: 'api', provider: 'mailgun', baseUrl: sb.api.url, key: sb.api.key, domain: sb.api.domain, tls: { caFile: sb.caFile } })
  })
})

describe('sandbox lifecycle', () => {
  it('fails clearly when a fixed port is taken, leaving nothing open', async () => {
    const blocker = net.createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as net.AddressInfo).port
    try {
      await expect(startSandbox({ ports: { api: port } })).rejects.toThrow(/in use/)
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()))
    }
  })

  it('close() leaves no sockets, servers or timers behind', async () => {
    const watched = (): Record<string, number> => {
      const counts: Record<string, number> = { TCPSocketWrap: 0, TCPServerWrap: 0, TLSWrap: 0, Timeout: 0 }
      for (const r of process.getActiveResourcesInfo()) if (r in counts) counts[r]!++
      return counts
    }
    const before = watched()
    const s = await startSandbox({ rttMs: 20, thinkMs: 10 })
    const r = await runSmtp({ ...smtpJob(), port: s.smtp.tls, security: 'tls', tls: { caPem: s.caPem } })
    expect(r.ok).toBe(true)
    // A session left open (warm) and an idle socket: close() must drop them.
    const { session } = await WarmSmtpSession.open({ ...smtpJob(), port: s.smtp.starttls, tls: { caPem: s.caPem } })
    const idle = net.connect({ host: '127.0.0.1', port: s.smtp.plain })
    idle.on('error', () => {})
    idle.resume()
    const idleClosed = new Promise<void>((resolve) => idle.once('close', () => resolve()))
    await s.close()
    await s.close()
    await session?.close()
    await idleClosed
    const after = watched()
    for (const kind of Object.keys(before)) expect(after[kind], kind).toBeLessThanOrEqual(before[kind]!)
  })
})
