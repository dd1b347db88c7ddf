import { randomBytes, timingSafeEqual } from 'node:crypto'
import { createReadStream, readFileSync, statSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { extname, resolve, sep } from 'node:path'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import { events, isOperationName, operationFailure, unknownOperation, type Envelope, type JobEvent, type OperationName, type PushChannel } from '../../preload/contract'
import { internalError } from '../core/errors'
import { BatchingSink } from '../core/transcript/batching-sink'
import type { EventSink } from '../core/transcript/event-sink'

/*
 * The browser host behind `npm run web`: the built renderer and a WebSocket bridge on one
 * loopback origin, so the renderer's own CSP (`connect-src 'self'`) admits the socket. The bridge
 * runs the same dispatch table as Electron's IPC; each socket is one client with its own jobs.
 * Pushes: {event: 'job:events', batch} for job events, {event: 'sandbox:events' | 'oauth:events', payload} for the sandbox's and a sign-in's.
 *
 * Access needs the random token printed with the URL: in the query (`?token=`), or in the
 * HttpOnly, SameSite=Strict cookie set from it. Requests must name a loopback host (no DNS
 * rebinding) and the socket's Origin must be the page's own.
 */

/** The only address the host listens on: the bridge runs network jobs and reads files for whoever holds the token. */
export const LOOPBACK = '127.0.0.1'
export const BRIDGE_PATH = '/bridge'
/** How often job events are pushed to a page; the same cadence as Electron's IPC. */
const BATCH_MS = 50
/** The largest request the contract admits is a 10 MB body (+ HTML); leave room for JSON escaping. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024

/** One caller's view of the handlers: its own jobs and event sink (main/ipc/handlers.ts's Client). */
export interface BridgeClient {
  dispatch(name: OperationName, payload: unknown): Promise<Envelope<unknown>>
  /** The caller went away: cancel its running jobs. */
  dispose(): void
}

export interface WebServerOptions {
  /** Folder with the built renderer (index.html and assets/). */
  rendererDir: string
  /** 0 = an ephemeral port. */
  port: number
  /** Must be 127.0.0.1 when given. */
  host?: string
  /** Makes the client behind one socket; its job events go to `sink`, other push events (the sandbox's) to `push`. */
  createClient(sink: EventSink, push: (channel: PushChannel, payload: unknown) => void): BridgeClient
  /** Fixed token (tests); a fresh random one otherwise. */
  token?: string
}

export interface WebServer {
  readonly port: number
  readonly origin: string
  readonly token: string
  /** The page URL with the token, as printed for the user. */
  readonly url: string
  /** Open bridge sockets. */
  readonly connections: number
  /** Closes every socket (cancelling their jobs) and stops listening. Idempotent. */
  close(): Promise<void>
}

export class WebServerError extends Error {}

/** A URL-safe random token (256 bits). */
export function newToken(): string {
  return randomBytes(32).toString('base64url')
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
}

/**
 * The policy the renderer declares in its <meta> tag, sent as a header too. The header adds only
 * what a meta tag cannot carry: frame-ancestors (no other page may frame the app).
 */
export function cspFromIndexHtml(html: string): string {
  const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/i.exec(html)
  if (!meta?.[1]) throw new WebServerError('The built index.html declares no Content-Security-Policy; refusing to serve it without one.')
  const policy = meta[1].trim().replace(/;\s*$/, '')
  return /frame-ancestors/.test(policy) ? policy : `${policy}; frame-ancestors 'none'`
}

function sameToken(given: string | undefined | null, token: string): boolean {
  if (!given) return false
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return null
}

/** `127.0.0.1:5178`, `localhost:5178`, `[::1]:5178` — any port, since an SSH tunnel may forward another one. */
function isLoopbackHost(host: string | undefined): host is string {
  return !!host && /^(127\.0\.0\.1|localhost|\[::1\]):\d{1,5}$/i.test(host)
}

function refuseUpgrade(socket: Socket, status: number, reason: string): void {
  const body = `${reason}\n`
  socket.end(
    `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : status === 404 ? 'Not Found' : 'Bad Request'}\r\n` +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  )
}

type Incoming = { id: number | string; op: string; input?: unknown }

function parseMessage(data: RawData): Incoming | null {
  let msg: unknown
  try {
    msg = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8'))
  } catch {
    return null
  }
  if (typeof msg !== 'object' || msg === null) return null
  const { id, op, input } = msg as Record<string, unknown>
  const idOk = (typeof id === 'number' && Number.isSafeInteger(id)) || (typeof id === 'string' && id.length > 0 && id.length <= 64)
  if (!idOk || typeof op !== 'string') return null
  return { id: id as number | string, op, input }
}

/** Starts the host; resolves once it listens. Refuses any address but 127.0.0.1. */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  if (options.host !== undefined && options.host !== LOOPBACK) {
    throw new WebServerError(
      `The web host listens on ${LOOPBACK} only (asked for ${options.host}): anyone who reaches it can run network jobs from this machine. To use it from elsewhere, forward the port over SSH (ssh -L 5178:${LOOPBACK}:5178 host).`,
    )
  }
  if (!Number.isInteger(options.port) || options.port < 0 || options.port > 65535) throw new WebServerError(`Invalid port ${options.port}.`)

  const root = resolve(options.rendererDir)
  let indexHtml: string
  try {
    indexHtml = readFileSync(resolve(root, 'index.html'), 'utf8')
  } catch {
    throw new WebServerError(`No built interface in ${root} (index.html is missing). Run \`npm run build\` first.`)
  }
  const csp = cspFromIndexHtml(indexHtml)
  const token = options.token ?? newToken()
  // Known once listening; cookies are not port-scoped, so one name per port keeps two hosts apart.
  let cookieName = ''

  const securityHeaders = (res: ServerResponse): void => {
    res.setHeader('Content-Security-Policy', csp)
    res.setHeader('X-Content-Type-Options', 'nosniff')
    res.setHeader('Referrer-Policy', 'no-referrer')
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin')
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin')
    res.setHeader('X-Frame-Options', 'DENY')
    res.setHeader('Cache-Control', 'no-store')
  }

  const plain = (res: ServerResponse, status: number, text: string): void => {
    securityHeaders(res)
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) })
    res.end(text)
  }

  const authorised = (req: IncomingMessage, url: URL): boolean => sameToken(url.searchParams.get('token'), token) || sameToken(cookieValue(req.headers.cookie, cookieName), token)

  const serveStatic = (req: IncomingMessage, res: ServerResponse): void => {
    if (!isLoopbackHost(req.headers.host)) return plain(res, 421, 'Mailprobe answers only to 127.0.0.1.\n')
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD')
      return plain(res, 405, 'Method not allowed.\n')
    }
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`)
    if (!authorised(req, url)) {
      return plain(res, 401, 'Mailprobe needs its access token: open the URL that `npm run web` printed (it ends in ?token=…).\n')
    }
    let path: string
    try {
      path = decodeURIComponent(url.pathname)
    } catch {
      return plain(res, 400, 'Bad path.\n')
    }
    if (path.includes('\0')) return plain(res, 400, 'Bad path.\n')
    if (path === '/' || path === '') path = '/index.html'
    const file = resolve(root, `.${path}`)
    if (!file.startsWith(root + sep)) return plain(res, 404, 'Not found.\n')
    let size: number
    try {
      const st = statSync(file)
      if (!st.isFile()) return plain(res, 404, 'Not found.\n')
      size = st.size
    } catch {
      return plain(res, 404, 'Not found.\n')
    }
    securityHeaders(res)
    if (url.searchParams.has('token')) {
      // The page strips the token from its address; the cookie keeps the tab working across reloads.
      res.setHeader('Set-Cookie', `${cookieName}=${token}; Path=/; HttpOnly; SameSite=Strict`)
    }
    res.writeHead(200, { 'Content-Type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream', 'Content-Length': size })
    if (req.method === 'HEAD') return void res.end()
    const stream = createReadStream(file)
    stream.on('error', () => res.destroy())
    stream.pipe(res)
  }

  const http = createServer(serveStatic)
  http.on('clientError', (_err, socket) => socket.destroy())
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES })
  const clients = new Map<WebSocket, { client: BridgeClient; sink: BatchingSink }>()

  http.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    const host = req.headers.host
    if (!isLoopbackHost(host)) return refuseUpgrade(socket, 403, 'Mailprobe answers only to 127.0.0.1.')
    const url = new URL(req.url ?? '/', `http://${host}`)
    if (url.pathname !== BRIDGE_PATH) return refuseUpgrade(socket, 404, 'No such endpoint.')
    if (!authorised(req, url)) return refuseUpgrade(socket, 401, 'Missing or wrong access token.')
    // A page from any other origin (even one that learned the token) must not drive the bridge.
    if (req.headers.origin !== `http://${host}`) return refuseUpgrade(socket, 403, 'Cross-origin connections are refused.')
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws))
  })

  const accept = (ws: WebSocket): void => {
    const sink = new BatchingSink((batch: JobEvent[]) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ event: events.jobEvents, batch }))
    }, BATCH_MS)
    // Other pushes (a sandbox Inbox message, its status) go out one by one, after any job events already batched.
    const client = options.createClient(sink, (channel, payload) => {
      if (ws.readyState !== ws.OPEN) return
      sink.flush()
      ws.send(JSON.stringify({ event: channel, payload }))
    })
    clients.set(ws, { client, sink })

    const reply = (id: number | string | null, envelope: Envelope<unknown>): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id, envelope }))
    }

    ws.on('message', (data: RawData, isBinary: boolean) => {
      const msg = isBinary ? null : parseMessage(data)
      if (!msg) return reply(null, operationFailure('BAD_MESSAGE', 'The bridge expects JSON messages {id, op, input}.'))
      if (!isOperationName(msg.op)) return reply(msg.id, unknownOperation(msg.op))
      client.dispatch(msg.op, msg.input).then(
        (envelope) => reply(msg.id, envelope),
        (err: unknown) => reply(msg.id, operationFailure('INTERNAL', internalError(err).message)),
      )
    })
    ws.on('error', () => ws.terminate())
    ws.on('close', () => {
      clients.delete(ws)
      // Nobody is watching this page's jobs any more.
      client.dispose()
    })
  }

  await new Promise<void>((resolveListen, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      reject(err.code === 'EADDRINUSE' ? new WebServerError(`Port ${options.port} on ${LOOPBACK} is in use. Pick another with --port (0 = any free port).`) : err)
    }
    http.once('error', onError)
    http.listen(options.port, LOOPBACK, () => {
      http.off('error', onError)
      resolveListen()
    })
  })
  const port = (http.address() as AddressInfo).port
  cookieName = `mailprobe_token_${port}`
  const origin = `http://${LOOPBACK}:${port}`

  let closing: Promise<void> | null = null
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((done) => {
      for (const [ws, { client, sink }] of clients) {
        sink.flush()
        client.dispose()
        ws.close(1001, 'Mailprobe web host stopped')
      }
      wss.close()
      http.close(() => done())
      http.closeIdleConnections()
      // Sockets that do not finish their close handshake promptly are cut.
      const cut = setTimeout(() => {
        for (const ws of wss.clients) ws.terminate()
        http.closeAllConnections()
      }, 500)
      cut.unref()
    })
    return closing
  }

  return {
    port,
    origin,
    token,
    url: `${origin}/?token=${token}`,
    get connections() {
      return clients.size
    },
    close,
  }
}
