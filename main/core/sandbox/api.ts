/**
 * The sandbox's HTTPS endpoint on 127.0.0.1: speaks enough of three providers' send APIs for a
 * real client (Mailprobe's API engine, a provider SDK pointed at it) to send and check its key:
 *
 *  Mailgun   POST /v3/{domain}/messages  multipart/form-data, Basic api:KEY
 *            → 200 {"id":"<…@domain>","message":"Queued. Thank you."}; bad key 401 text/plain "Forbidden"
 *            GET  /v3/domains/{domain}   (the key check)
 *  SendGrid  POST /v3/mail/send          JSON, Bearer KEY
 *            → 202, empty body, X-Message-Id (200 with sandbox_mode); bad key 401 {"errors":[…]}
 *            GET  /v3/scopes
 *  Postmark  POST /email                 JSON, X-Postmark-Server-Token: KEY (or POSTMARK_API_TEST)
 *            → 200 {"To","SubmittedAt","MessageID","ErrorCode":0,"Message":"OK"}; bad token 401 {"ErrorCode":10,…}
 *            GET  /server
 *
 * Each accepted message goes to the Inbox under the id the response gives (Mailgun's id,
 * SendGrid's X-Message-Id, Postmark's MessageID), as a MIME message built from the request's
 * fields. Think time, when set, delays the answer to a send. Requests of the wrong shape get the
 * provider's documented validation error.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import https from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type net from 'node:net'
import type { InboxChannel } from '../../../preload/contract'
import { buildMessage, type MessageAttachment, type MessageFields } from '../message/mime'
import { listenOn } from '../net/serve'
import type { KeyAndCert } from './certs'
import type { Inbox } from './inbox'

/** Largest request body accepted (413 beyond). */
export const MAX_API_BODY = 30 * 1024 * 1024
export const POSTMARK_TEST_TOKEN = 'POSTMARK_API_TEST'

export interface ApiServerOptions {
  certs: KeyAndCert
  inbox: Inbox
  key: string
  thinkMs: () => number
}

export interface ApiServer {
  port: number
  /** TCP connections accepted so far. */
  readonly connections: number
  /** HTTP requests answered so far. */
  readonly requests: number
  close(): Promise<void>
}

type Reply = { status: number; headers?: Record<string, string>; body?: string }

const json = (status: number, value: unknown, headers: Record<string, string> = {}): Reply => ({
  status,
  headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
  body: JSON.stringify(value),
})

/** A message as the providers' fields describe it, before it becomes MIME. */
type Fields = MessageFields & { attachments: MessageAttachment[] }

/** "a@x, Name <b@y>" → ['a@x', 'b@y'] */
function addresses(list: string[]): string[] {
  return list
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => /<([^>]+)>/.exec(s)?.[1] ?? s)
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)
const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {})
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])

function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`
}

export async function startApiServer(o: ApiServerOptions): Promise<ApiServer> {
  const sockets = new Set<net.Socket>()
  const timers = new Set<NodeJS.Timeout>()
  let connections = 0
  let requests = 0
  let seq = 0
  let closing = false

  const server = https.createServer({ key: o.certs.key, cert: o.certs.cert }, (req, res) => {
    const chunks: Buffer[] = []
    let size = 0
    let tooBig = false
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > MAX_API_BODY) tooBig = true
      else chunks.push(c)
    })
    req.on('end', () => {
      void handle(req, res, Buffer.concat(chunks), tooBig).catch((err: unknown) => {
        answer(res, json(500, { message: `sandbox error: ${err instanceof Error ? err.message : String(err)}` }))
      })
    })
    req.on('error', () => res.destroy())
  })
  // Warm (keep-alive) runs may sit idle between runs of other profiles: keep idle connections a while, as providers do.
  server.keepAliveTimeout = 65_000
  server.headersTimeout = 70_000
  server.on('connection', (s: net.Socket) => {
    connections++
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  // A client that resets mid-handshake is not the sandbox's problem.
  server.on('tlsClientError', () => {})
  server.on('clientError', (_err, socket) => socket.destroy())

  function answer(res: ServerResponse, reply: Reply): void {
    if (res.destroyed || res.headersSent) return
    requests++
    res.writeHead(reply.status, reply.headers ?? {})
    res.end(reply.body ?? '')
  }

  /** Answers after the think time (sends only). */
  function later(res: ServerResponse, reply: Reply): void {
    const think = o.thinkMs()
    if (think <= 0) return answer(res, reply)
    const t = setTimeout(() => {
      timers.delete(t)
      answer(res, reply)
    }, think)
    timers.add(t)
  }

  async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer, tooBig: boolean): Promise<void> {
    if (closing) return void res.destroy()
    const url = new URL(req.url ?? '/', 'https://sandbox.invalid')
    const path = url.pathname
    const method = req.method ?? ''
    const header = (name: string) => {
      const v = req.headers[name]
      return Array.isArray(v) ? v.join(', ') : (v ?? '')
    }
    if (tooBig) return answer(res, json(413, { message: `Request body larger than ${MAX_API_BODY} bytes` }))
    let m: RegExpExecArray | null
    if ((m = /^\/v3\/([^/]+)\/messages$/.exec(path)) && method === 'POST') return mailgunSend(res, header, body, decodeURIComponent(m[1]!))
    if ((m = /^\/v3\/domains\/([^/]+)$/.exec(path)) && method === 'GET') {
      if (!mailgunAuthorized(header)) return answer(res, mailgunForbidden())
      return answer(res, json(200, { domain: { name: decodeURIComponent(m[1]!), state: 'active', type: 'custom', is_disabled: false }, receiving_dns_records: [], sending_dns_records: [] }))
    }
    if (path === '/v3/mail/send' && method === 'POST') return sendgridSend(res, header, body)
    if (path === '/v3/scopes' && method === 'GET') {
      if (header('authorization') !== `Bearer ${o.key}`) return answer(res, sendgridBadKey())
      return answer(res, json(200, { scopes: ['mail.send', 'user.profile.read'] }))
    }
    if (path === '/email' && method === 'POST') return postmarkSend(res, header, body)
    if (path === '/server' && method === 'GET') {
      if (header('x-postmark-server-token') !== o.key) return answer(res, postmarkBadToken())
      return answer(res, json(200, { ID: 1, Name: 'Mailprobe sandbox (local)', Color: 'blue', DeliveryType: 'Live', SmtpApiActivated: true }))
    }
    return answer(
      res,
      json(404, {
        message: `The Mailprobe sandbox has no endpoint ${method} ${path}. It speaks Mailgun (POST /v3/{domain}/messages), SendGrid (POST /v3/mail/send) and Postmark (POST /email).`,
      }),
    )
  }

  async function accept(channel: InboxChannel, id: string, f: Fields, testMode: boolean): Promise<void> {
    const { raw } = await buildMessage(f, f.attachments)
    o.inbox.add({
      id,
      via: 'api',
      channel,
      envelope: { mailFrom: addresses([f.from])[0] ?? f.from, rcptTo: addresses([...f.to, ...f.cc, ...f.bcc]) },
      raw,
      secure: true,
      user: null,
      testMode,
    })
  }

  // ── Mailgun ──────────────────────────────────────────────────────────────

  const mailgunForbidden = (): Reply => ({ status: 401, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'Forbidden' })
  const mailgunAuthorized = (header: (n: string) => string) => {
    const b = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header('authorization'))
    return b !== null && Buffer.from(b[1]!, 'base64').toString('utf8') === `api:${o.key}`
  }

  async function mailgunSend(res: ServerResponse, header: (n: string) => string, body: Buffer, domain: string): Promise<void> {
    if (!mailgunAuthorized(header)) return answer(res, mailgunForbidden())
    const ct = header('content-type')
    const fields: Record<string, string[]> = {}
    const attachments: MessageAttachment[] = []
    try {
      if (!/^multipart\/form-data|^application\/x-www-form-urlencoded/i.test(ct)) throw new Error('unsupported content type')
      const fd = await new Request('https://sandbox.invalid/', { method: 'POST', headers: { 'content-type': ct }, body }).formData()
      for (const [k, v] of fd.entries()) {
        if (typeof v === 'string') (fields[k] ??= []).push(v)
        else if (k === 'attachment' || k === 'inline') attachments.push({ filename: v.name, content: Buffer.from(await v.arrayBuffer()), contentType: v.type || undefined })
      }
    } catch {
      return later(res, json(400, { message: 'Bad request: the body must be multipart/form-data (or x-www-form-urlencoded) form fields' }))
    }
    const one = (k: string) => fields[k]?.[0]
    if (!one('from')) return later(res, json(400, { message: 'from parameter is missing' }))
    if (!fields.to?.length) return later(res, json(400, { message: 'to parameter is missing' }))
    if (one('text') === undefined && one('html') === undefined && one('template') === undefined)
      return later(res, json(400, { message: "Need at least one of 'text', 'html' or 'template' parameters specified" }))
    const id = `<${stamp(new Date())}.${(++seq).toString(16).toUpperCase()}${randomBytes(4).toString('hex').toUpperCase()}@${domain}>`
    const testMode = ['yes', 'true'].includes((one('o:testmode') ?? '').toLowerCase())
    await accept(
      'mailgun',
      id,
      {
        from: one('from')!,
        to: fields.to,
        cc: fields.cc ?? [],
        bcc: fields.bcc ?? [],
        subject: one('subject') ?? '',
        text: one('text'),
        html: one('html'),
        headers: Object.entries(fields)
          .filter(([k]) => k.startsWith('h:'))
          .flatMap(([k, vs]) => vs.map((value) => ({ name: k.slice(2), value }))),
        attachments,
        messageId: id,
      },
      testMode,
    )
    later(res, json(200, { id, message: 'Queued. Thank you.' }))
  }

  // ── SendGrid ─────────────────────────────────────────────────────────────

  const sendgridBadKey = () => json(401, { errors: [{ message: 'The provided authorization grant is invalid, expired, or revoked', field: null, help: null }] })
  const sendgridError = (message: string, field: string | null) => json(400, { errors: [{ message, field, help: null }] })

  async function sendgridSend(res: ServerResponse, header: (n: string) => string, body: Buffer): Promise<void> {
    if (header('authorization') !== `Bearer ${o.key}`) return answer(res, sendgridBadKey())
    let b: Record<string, unknown>
    try {
      b = obj(JSON.parse(body.toString('utf8')))
    } catch {
      return later(res, sendgridError('Bad Request', null))
    }
    const pers = arr(b.personalizations).map(obj)
    const emails = (v: unknown) =>
      arr(v)
        .map((e) => str(obj(e).email))
        .filter((e): e is string => e !== undefined)
    if (!pers.length) return later(res, sendgridError('The personalizations field is required and must have at least one personalization.', 'personalizations'))
    const to = pers.flatMap((p) => emails(p.to))
    if (!to.length)
      return later(res, sendgridError('The to array is required for all personalization objects, and must have at least one email object with a valid email address.', 'personalizations.0.to'))
    const from = str(obj(b.from).email)
    if (!from)
      return later(res, sendgridError('The from object must be provided for every email send. It is an object that requires the email parameter, but may also contain a name parameter.', 'from'))
    const content = arr(b.content).map(obj)
    const subject = str(b.subject) ?? str(pers[0]?.subject)
    if (subject === undefined && !b.template_id)
      return later(
        res,
        sendgridError('The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.', 'subject'),
      )
    if (!content.length && !b.template_id)
      return later(res, sendgridError('Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block.', 'content'))
    const sandbox = obj(obj(b.mail_settings).sandbox_mode).enable
    if (sandbox !== undefined && typeof sandbox !== 'boolean') return later(res, sendgridError('The sandbox_mode enable value must be a boolean.', 'mail_settings.sandbox_mode.enable'))
    const id = `${(++seq).toString(36)}${randomBytes(12).toString('base64url')}`.slice(0, 22)
    const hdrs = obj(b.headers)
    await accept(
      'sendgrid',
      id,
      {
        from,
        to,
        cc: pers.flatMap((p) => emails(p.cc)),
        bcc: pers.flatMap((p) => emails(p.bcc)),
        subject: subject ?? '',
        text: str(content.find((c) => c.type === 'text/plain')?.value),
        html: str(content.find((c) => c.type === 'text/html')?.value),
        headers: Object.entries(hdrs).flatMap(([name, value]) => (typeof value === 'string' ? [{ name, value }] : [])),
        attachments: arr(b.attachments)
          .map(obj)
          .map((a) => ({ filename: str(a.filename) ?? 'attachment', content: Buffer.from(str(a.content) ?? '', 'base64'), contentType: str(a.type) })),
      },
      sandbox === true,
    )
    // SendGrid answers 202 Accepted with an empty body (200 in sandbox mode); the id is in a header.
    later(res, { status: sandbox === true ? 200 : 202, headers: { 'X-Message-Id': id }, body: '' })
  }

  // ── Postmark ─────────────────────────────────────────────────────────────

  const postmarkBadToken = () =>
    json(401, { ErrorCode: 10, Message: 'The Server Token you provided in the X-Postmark-Server-Token request header was invalid. Please verify that you are using a valid token.' })

  async function postmarkSend(res: ServerResponse, header: (n: string) => string, body: Buffer): Promise<void> {
    const token = header('x-postmark-server-token')
    if (token !== o.key && token !== POSTMARK_TEST_TOKEN) return answer(res, postmarkBadToken())
    let b: Record<string, unknown>
    try {
      b = obj(JSON.parse(body.toString('utf8')))
    } catch {
      return later(res, json(400, { ErrorCode: 402, Message: 'Received invalid JSON input.' }))
    }
    const from = str(b.From)
    const to = str(b.To)
    if (!from) return later(res, json(422, { ErrorCode: 300, Message: "Invalid 'From' address: ''." }))
    if (!to) return later(res, json(422, { ErrorCode: 300, Message: 'Zero recipients specified' }))
    if (str(b.TextBody) === undefined && str(b.HtmlBody) === undefined) return later(res, json(422, { ErrorCode: 300, Message: 'Provide either email TextBody or HtmlBody or both.' }))
    const id = randomUUID()
    await accept(
      'postmark',
      id,
      {
        from,
        to: [to],
        cc: str(b.Cc) ? [str(b.Cc)!] : [],
        bcc: str(b.Bcc) ? [str(b.Bcc)!] : [],
        subject: str(b.Subject) ?? '',
        text: str(b.TextBody),
        html: str(b.HtmlBody),
        headers: arr(b.Headers)
          .map(obj)
          .flatMap((h) => (str(h.Name) && str(h.Value) !== undefined ? [{ name: str(h.Name)!, value: str(h.Value)! }] : [])),
        attachments: arr(b.Attachments)
          .map(obj)
          .map((a) => ({ filename: str(a.Name) ?? 'attachment', content: Buffer.from(str(a.Content) ?? '', 'base64'), contentType: str(a.ContentType) })),
      },
      token === POSTMARK_TEST_TOKEN,
    )
    later(res, json(200, { To: to, SubmittedAt: new Date().toISOString(), MessageID: id, ErrorCode: 0, Message: 'OK' }))
  }

  const port = await listenOn(server, 'sandbox API')
  server.on('error', () => {})

  let closed: Promise<void> | undefined
  return {
    port,
    get connections() {
      return connections
    },
    get requests() {
      return requests
    },
    close() {
      if (!closed) {
        closing = true
        for (const t of timers) clearTimeout(t)
        timers.clear()
        closed = new Promise<void>((resolve) => server.close(() => resolve()))
        server.closeAllConnections()
        for (const s of sockets) s.destroy()
      }
      return closed
    },
  }
}
