/**
 * The sandbox's HTTPS endpoint on 127.0.0.1: speaks enough of three providers' send APIs for a
 * real client (Mailprobe's API engine, a provider SDK pointed at it) to send and check its key.
 * This module listens, reads requests (up to MAX_API_BODY), routes them to the provider modules
 * beside it (mailgun.ts, sendgrid.ts, postmark.ts: each knows its provider's documented request
 * shapes and answers) and sends their answers.
 *
 * Each accepted message goes to the Inbox under the id the answer gives, as a MIME message built
 * from the request's fields. Think time, when set, delays the answer to a send.
 */
import https from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type net from 'node:net'
import { buildMessage } from '../../message/mime'
import { listenOn } from '../../net/serve'
import type { KeyAndCert } from '../certs'
import type { Inbox } from '../inbox'
import { json, type ApiContext, type Endpoint, type Reply } from './common'
import { mailgun } from './mailgun'
import { postmark } from './postmark'
import { sendgrid } from './sendgrid'

/** Largest request body accepted (413 beyond). */
export const MAX_API_BODY = 30 * 1024 * 1024

const PROVIDERS = [mailgun, sendgrid, postmark]

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

interface Route extends Endpoint {
  pattern: RegExp
  params: string[]
}

/** "/v3/{domain}/messages" → /^\/v3\/([^/]+)\/messages$/ with params ['domain']. */
function route(endpoint: Endpoint): Route {
  const params: string[] = []
  const source = endpoint.path
    .split(/(\{\w+\})/)
    .map((part) => {
      const name = /^\{(\w+)\}$/.exec(part)?.[1]
      if (name === undefined) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
      params.push(name)
      return '([^/]+)'
    })
    .join('')
  return { ...endpoint, pattern: new RegExp(`^${source}$`), params }
}

const ROUTES = PROVIDERS.flatMap((p) => [p.send, p.verify]).map(route)

const sends = PROVIDERS.map((p) => `${p.label} (${p.send.method} ${p.send.path})`)
const NOT_FOUND_HINT = `It speaks ${sends.slice(0, -1).join(', ')} and ${sends.at(-1)}.`

/** "a@x, Name <b@y>" → ['a@x', 'b@y'] */
function addresses(list: string[]): string[] {
  return list
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => /<([^>]+)>/.exec(s)?.[1] ?? s)
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

  const ctx: ApiContext = {
    key: o.key,
    nextSeq: () => ++seq,
    async accept(channel, id, f, testMode) {
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
    },
  }

  function answer(res: ServerResponse, reply: Reply): void {
    if (res.destroyed || res.headersSent) return
    requests++
    res.writeHead(reply.status, reply.headers ?? {})
    res.end(reply.body ?? '')
  }

  /** Answers now, or after the think time when the reply asks for it (sends). */
  function reply(res: ServerResponse, r: Reply): void {
    const think = r.afterThink ? o.thinkMs() : 0
    if (think <= 0) return answer(res, r)
    const t = setTimeout(() => {
      timers.delete(t)
      answer(res, r)
    }, think)
    timers.add(t)
  }

  async function handle(req: IncomingMessage, res: ServerResponse, body: Buffer, tooBig: boolean): Promise<void> {
    if (closing) return void res.destroy()
    const path = new URL(req.url ?? '/', 'https://sandbox.invalid').pathname
    const method = req.method ?? ''
    if (tooBig) return answer(res, json(413, { message: `Request body larger than ${MAX_API_BODY} bytes` }))
    for (const r of ROUTES) {
      const m = r.method === method ? r.pattern.exec(path) : null
      if (!m) continue
      const params = Object.fromEntries(r.params.map((name, i) => [name, decodeURIComponent(m[i + 1]!)]))
      const header = (name: string) => {
        const v = req.headers[name]
        return Array.isArray(v) ? v.join(', ') : (v ?? '')
      }
      return reply(res, await r.handle({ params, header, body }, ctx))
    }
    return answer(res, json(404, { message: `The Mailprobe sandbox has no endpoint ${method} ${path}. ${NOT_FOUND_HINT}` }))
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
