// One HTTPS request with a phase for every step: our own DNS (timed even for names), TCP and TLS
// (verified before a single byte of HTTP is written), then node:http on that socket: send (request
// written), wait (time to first byte), download. A cold run opens a fresh connection and closes it;
// with an ApiKeepAlive the connection is kept and the next run reuses it (one round trip).
import { createHash } from 'node:crypto'
import http from 'node:http'
import type tls from 'node:tls'
import type { ApiPhaseName, NetworkOptions, TlsInfo, TlsOptions } from '../../../preload/contract'
import { abortError, EngineError, fail } from '../errors'
import { dial, DialError } from '../net/dial'
import { recorderLog } from '../net/log'
import { buildTlsOptions } from '../net/tls'
import type { JobRecorder } from '../transcript/recorder'
import { displayHeaderValue, isTextual, showBody } from './display'
import type { ApiKeepAlive, KeptConnection } from './keep-alive'
import type { BuiltRequest } from './types'

/** The most of a response body Mailprobe keeps in memory; beyond it reading stops and the connection is closed. */
export const MAX_BODY_KEPT = 10 * 1024 * 1024

export const USER_AGENT = 'Mailprobe (mail-submission tester)'

export interface ExchangeOptions {
  rec: JobRecorder<ApiPhaseName>
  tls: TlsOptions
  network: NetworkOptions
  timeouts: { connectMs: number; socketMs: number }
  signal?: AbortSignal
  keepAlive?: ApiKeepAlive
  warn: (text: string) => void
}

export interface ExchangeResponse {
  status: number
  statusText: string
  headers: Record<string, string>
  /** The kept body (at most MAX_BODY_KEPT bytes). */
  body: Buffer
  /** Body bytes received (more than body.length when it overflowed). */
  bodyBytes: number
  overflow: boolean
}

export class HttpExchange {
  tls: TlsInfo | null = null
  address: string | null = null
  /** The HTTP status once the response head arrived (kept even if the body then fails). */
  status: number | null = null
  bytes = { sent: 0, received: 0 }
  reused = false
  private conn: KeptConnection | null = null
  private counters = { written: 0, read: 0 }
  private reusable = false

  constructor(private readonly o: ExchangeOptions) {}

  async send(req: BuiltRequest): Promise<ExchangeResponse> {
    const { url } = req
    const secure = url.protocol === 'https:'
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1')
    const port = Number(url.port) || (secure ? 443 : 80)
    // Read the CA file before touching the network: a bad path is the user's to fix, not a TLS failure.
    const tlsOptions = secure ? await buildTlsOptions(hostname, this.o.tls) : null
    const key = connectionKey(url, this.o.tls, this.o.network)
    try {
      if (this.o.signal?.aborted) throw abortError()
      this.conn = this.o.keepAlive?.take(key) ?? null
      if (this.conn) {
        this.reused = true
        this.tls = this.conn.tls
        this.address = this.conn.address
        this.o.rec.line('info', `reusing the kept-alive connection to ${this.address}:${port} (request ${this.conn.requests + 1} on it): no DNS, TCP or TLS this time`)
      } else {
        this.conn = await this.connect(key, hostname, port, tlsOptions)
      }
      this.counters = { written: this.conn.raw.bytesWritten, read: this.conn.raw.bytesRead }
      return await this.exchange(req)
    } finally {
      this.finish()
    }
  }

  private async connect(key: string, hostname: string, port: number, tlsOptions: tls.ConnectionOptions | null): Promise<KeptConnection> {
    const { rec, signal } = this.o
    const dialed = await dial({
      host: hostname,
      port,
      network: this.o.network,
      timeoutMs: this.o.timeouts.connectMs,
      signal,
      log: recorderLog(rec),
      tls: tlsOptions && {
        options: { ...tlsOptions, ALPNProtocols: ['http/1.1'] },
        name: this.o.tls.servername ?? hostname,
        insecure: this.o.tls.insecure,
        verify: 'enforce',
        intro: `starting TLS with ${tlsOptions.servername ?? hostname} (ALPN http/1.1)`,
      },
    }).catch((err: unknown) => {
      // A refused certificate is still shown in the result.
      if (err instanceof DialError) {
        this.tls = err.found.tls ?? null
        this.bytes = err.found.bytes ?? this.bytes
      }
      throw httpTlsError(err, port)
    })
    this.address = dialed.address
    this.tls = dialed.tls
    if (dialed.verdict)
      this.o.warn(`The certificate would have failed verification (${dialed.verdict.code}), but verification is off: the credentials went to a server whose identity was not checked.`)
    return { key, raw: dialed.raw, socket: dialed.socket, tls: dialed.tls, address: dialed.address, requests: 0 }
  }

  private exchange(req: BuiltRequest): Promise<ExchangeResponse> {
    const { rec, signal } = this.o
    const conn = this.conn!
    const keepAlive = this.o.keepAlive !== undefined
    const path = `${req.url.pathname}${req.url.search}`
    const headers: Record<string, string> = {}
    const has = (name: string) => Object.keys(headers).some((h) => h.toLowerCase() === name)
    if (!Object.keys(req.headers).some((h) => h.toLowerCase() === 'host')) headers.Host = req.url.host
    Object.assign(headers, req.headers)
    if (!has('user-agent')) headers['User-Agent'] = USER_AGENT
    if (req.body && !has('content-length')) headers['Content-Length'] = String(req.body.length)
    headers.Connection = keepAlive ? 'keep-alive' : 'close'

    rec.line('c', `${req.method} ${path} HTTP/1.1`)
    for (const [name, value] of Object.entries(headers)) rec.line('c', `${name}: ${displayHeaderValue(name, value)}`)
    if (req.body) showBody(rec, 'c', req.display, Buffer.byteLength(req.display), 'request')

    return new Promise<ExchangeResponse>((resolve, reject) => {
      let settled = false
      const t0 = rec.now()
      let sentAt: number | null = null
      let headAt: number | null = null
      const chunks: Buffer[] = []
      let kept = 0
      let received = 0
      let creq: http.ClientRequest | undefined
      const { socketMs } = this.o.timeouts
      // Any byte of the answer seen yet (so a timeout can say "no answer" only when that is true).
      let heard = false
      const onHeard = () => (heard = true)
      let deadline: NodeJS.Timeout | undefined
      // Set once the head is in: writes what arrived of the body when the response then fails.
      let showPartial: (() => void) | null = null

      const done = (err: unknown, value?: ExchangeResponse) => {
        if (settled) return
        settled = true
        clearTimeout(deadline)
        conn.socket.off('data', onHeard)
        signal?.removeEventListener('abort', onAbort)
        if (err) {
          showPartial?.()
          creq?.destroy()
          reject(err)
        } else resolve(value!)
      }
      const onAbort = () => done(abortError())
      const noAnswer = () =>
        new EngineError({
          code: 'SOCKET_TIMEOUT',
          message: `No answer: nothing arrived for ${socketMs} ms (Mailprobe's idle timeout). The provider may be overloaded, or something in between is holding the connection.`,
        })
      // socketMs on the request (below) is an idle timeout: a server that trickles its answer (a
      // header line or a body byte now and then, or endless 1xx interim answers) resets it forever
      // and the run never ends. So the head must also be complete within socketMs of the request
      // being sent, and the body within socketMs of the head.
      const armDeadline = (stage: 'head' | 'body') => {
        clearTimeout(deadline)
        deadline = setTimeout(() => {
          if (!heard) return done(noAnswer())
          done(
            new EngineError({
              code: 'SOCKET_TIMEOUT',
              message:
                stage === 'head'
                  ? `The response head was still incomplete ${socketMs} ms after the request was sent: the server is trickling its answer (or sending only interim 1xx answers). Mailprobe stopped waiting.`
                  : `The response body was still incomplete ${socketMs} ms after the head arrived (${received} bytes so far): the server is trickling it. Mailprobe stopped waiting.`,
            }),
          )
        }, socketMs)
      }
      const markSent = (at: number) => {
        if (sentAt !== null) return
        sentAt = at
        rec.phase({ name: 'send', startMs: t0, durationMs: round(at - t0), roundTrips: 0 })
        armDeadline('head')
      }

      try {
        creq = http.request({ method: req.method, path, headers, setHost: false, createConnection: () => conn.socket })
      } catch (err) {
        return done(new EngineError({ code: 'INVALID_INPUT', message: `The request could not be built: ${(err as Error).message}. Nothing was sent.` }))
      }
      // Listen only once node:http has its own 'data' listener on the socket (it is attached before
      // 'socket' is emitted): an earlier listener would start the flow and could take bytes from it.
      creq.once('socket', () => {
        if (!settled) conn.socket.on('data', onHeard)
      })
      creq.on('finish', () => markSent(rec.now()))
      creq.setTimeout(socketMs, () =>
        done(
          heard
            ? new EngineError({
                code: 'SOCKET_TIMEOUT',
                message: `${headAt === null ? 'The response head stalled' : 'The response stalled'}: nothing arrived for ${socketMs} ms (Mailprobe's idle timeout). The provider may be overloaded, or something in between is holding the connection.`,
              })
            : noAnswer(),
        ),
      )
      creq.on('error', (err: NodeJS.ErrnoException) => done(requestError(err, this.reused, headAt !== null)))
      creq.on('response', (res) => {
        headAt = rec.now()
        markSent(headAt)
        armDeadline('body')
        rec.phase({ name: 'wait', startMs: sentAt!, durationMs: round(headAt - sentAt!), roundTrips: 1 })
        this.status = res.statusCode ?? 0
        rec.line('s', `HTTP/${res.httpVersion} ${res.statusCode} ${res.statusMessage ?? ''}`.trimEnd(), { t: headAt })
        for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) rec.line('s', `${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`, { t: headAt })
        // Writing those lines (redaction included) is our time, not the network's: keep it out of 'download'.
        const overhead = rec.now() - headAt
        const flat: Record<string, string> = {}
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v
        let overflow = false
        showPartial = () => {
          showPartial = null
          const type = flat['content-type']
          if (received > 0 && isTextual(type)) showBody(rec, 's', Buffer.concat(chunks).toString('utf8'), received, 'response')
          rec.line('info', `${received}${flat['content-length'] ? ` of ${flat['content-length']}` : ''} bytes of the response body arrived before it failed`)
        }
        const finishBody = () => {
          showPartial = null
          const endAt = rec.now()
          rec.phase({ name: 'download', startMs: headAt!, durationMs: round(endAt - headAt! - overhead), roundTrips: 0 })
          const body = Buffer.concat(chunks)
          const type = flat['content-type']
          if (received === 0) rec.line('info', 'no response body')
          else if (!isTextual(type)) rec.line('s', `[${received} bytes of ${type} not shown]`, { t: endAt })
          else showBody(rec, 's', body.toString('utf8'), received, 'response')
          if (overflow) rec.line('info', `stopped reading after ${MAX_BODY_KEPT} bytes (Mailprobe keeps at most ${MAX_BODY_KEPT / 1024 / 1024} MiB of a response) and closed the connection`)
          this.reusable = keepAlive && !overflow && res.complete && !/\bclose\b/i.test(flat.connection ?? '')
          done(null, { status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: flat, body, bodyBytes: received, overflow })
        }
        res.on('data', (chunk: Buffer) => {
          if (settled || overflow) return
          received += chunk.length
          const room = MAX_BODY_KEPT - kept
          if (chunk.length > room) {
            if (room > 0) chunks.push(chunk.subarray(0, room))
            kept = MAX_BODY_KEPT
            overflow = true
            // Never buffer without bound: stop here, drop the connection, report what we have.
            finishBody()
            creq?.destroy()
            return
          }
          chunks.push(chunk)
          kept += chunk.length
        })
        res.on('end', () => {
          if (!overflow) finishBody()
        })
        res.on('aborted', () => done(requestError(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }), this.reused, true)))
        res.on('error', (err: NodeJS.ErrnoException) => done(requestError(err, this.reused, true)))
      })
      if (signal?.aborted) return onAbort()
      signal?.addEventListener('abort', onAbort, { once: true })
      creq.end(req.body ?? undefined)
    })
  }

  private finish(): void {
    const conn = this.conn
    if (!conn) return
    this.bytes = { sent: conn.raw.bytesWritten - this.counters.written, received: conn.raw.bytesRead - this.counters.read }
    conn.requests++
    if (this.reusable && this.o.keepAlive) {
      conn.socket.setTimeout(0)
      this.o.keepAlive.keep(conn)
    } else {
      conn.socket.destroy()
      conn.raw.destroy()
    }
    this.conn = null
  }
}

/** The shared handshake errors speak of SMTP ports; say it the HTTPS way. */
function httpTlsError(err: unknown, port: number): unknown {
  if (!(err instanceof EngineError) || err.info.code !== 'TLS_FAILED') return err
  if (/plaintext, not TLS/.test(err.info.message))
    return new EngineError({
      ...err.info,
      message: `The server answered in plaintext, not TLS: the base URL’s port does not speak HTTPS (port ${port}). Check the base URL; use http:// only for a local plaintext proxy.`,
    })
  return err
}

/** Connections are reused only for the same origin, the same TLS trust settings and the same way there (proxy, family, source). */
function connectionKey(url: URL, t: TlsOptions, n: NetworkOptions): string {
  const pem = t.caPem ? createHash('sha256').update(t.caPem).digest('hex').slice(0, 16) : ''
  return [url.origin, t.servername ?? '', t.caFile ?? '', pem, t.insecure ? 'insecure' : 'verified', t.minVersion ?? '', n.family, n.localAddress ?? '', n.proxy?.url ?? ''].join('|')
}

function requestError(err: NodeJS.ErrnoException, reused: boolean, gotHead: boolean): unknown {
  if (err instanceof EngineError) return err
  const code = err.code ?? ''
  try {
    if (code.startsWith('HPE_')) fail('HTTP_BAD_RESPONSE', `The server's answer is not valid HTTP/1.1 (${code}): is the base URL pointing at an HTTPS API?`, { detail: code })
    if (gotHead) fail('CONNECTION_LOST', 'The connection closed in the middle of the response body.', { detail: code || err.message })
    if (reused)
      fail('CONNECTION_LOST', 'The server closed the kept-alive connection before answering; it may or may not have processed the request. Run again (a fresh connection will be opened).', {
        detail: code || err.message,
      })
    fail('CONNECTION_LOST', `The server closed the connection without answering (${err.message}).`, { detail: code || err.message })
  } catch (e) {
    return e
  }
}

const round = (n: number) => Math.round(Math.max(0, n) * 1000) / 1000
