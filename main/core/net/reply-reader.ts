import type net from 'node:net'
import { abortError, EngineError } from '../errors'

export interface SmtpReply {
  code: number
  lines: string[]
}

/** A reply longer than this is hostile or broken; we stop buffering and fail. */
export const MAX_REPLY_BYTES = 64 * 1024
export const MAX_REPLY_LINES = 200

/**
 * Reads SMTP replies from a raw socket for the parts Mailprobe speaks itself (the greeting-only
 * stage and the port probe). Bounded in bytes and lines; every wait has a timeout and a signal.
 */
export class ReplyReader {
  private buffer = ''
  private lines: string[] = []
  private replies: SmtpReply[] = []
  private waiter: { resolve: (r: SmtpReply) => void; reject: (e: unknown) => void } | null = null
  private failure: unknown = null
  private closed = false
  /** Called with each complete reply line as it arrives (for the transcript). */
  onLine?: (line: string) => void

  constructor(private readonly socket: net.Socket) {
    socket.on('data', this.onData)
    socket.once('close', this.onClose)
    socket.on('error', this.onError)
  }

  detach(): void {
    this.socket.off('data', this.onData)
    this.socket.off('close', this.onClose)
    this.socket.off('error', this.onError)
  }

  /** Waits for the next complete reply. */
  next(timeoutMs: number, signal?: AbortSignal, what = 'a reply'): Promise<SmtpReply> {
    const queued = this.replies.shift()
    if (queued) return Promise.resolve(queued)
    if (this.failure) return Promise.reject(this.failure)
    if (this.closed) return Promise.reject(lost('The server closed the connection before sending ' + what + '.'))
    return new Promise((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        this.waiter = null
      }
      const onAbort = () => {
        finish()
        reject(abortError())
      }
      const timer = setTimeout(() => {
        finish()
        reject(Object.assign(new Error(`no ${what} within ${timeoutMs} ms`), { code: 'REPLY_TIMEOUT' }))
      }, timeoutMs)
      this.waiter = {
        resolve: (r) => {
          finish()
          resolve(r)
        },
        reject: (e) => {
          finish()
          reject(e)
        },
      }
      if (signal?.aborted) onAbort()
      else signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  /** Bytes received so far that did not form a complete reply (used to sniff non-SMTP services). */
  get pendingText(): string {
    return this.buffer
  }

  private onData = (chunk: Buffer) => {
    if (this.failure) return
    this.buffer += chunk.toString('latin1')
    if (this.buffer.length > MAX_REPLY_BYTES) return this.fail(protocol(`The server sent more than ${MAX_REPLY_BYTES} bytes without completing a reply.`))
    let nl: number
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).replace(/\r$/, '')
      this.buffer = this.buffer.slice(nl + 1)
      this.onLine?.(line)
      const m = /^(\d{3})([ -]|$)(.*)$/.exec(line)
      if (!m) return this.fail(protocol(`The server sent something that is not an SMTP reply: "${line.slice(0, 80)}".`))
      this.lines.push(m[3] ?? '')
      if (this.lines.length > MAX_REPLY_LINES) return this.fail(protocol(`The server sent a reply of more than ${MAX_REPLY_LINES} lines.`))
      if (m[2] !== '-') {
        const reply = { code: Number(m[1]), lines: this.lines }
        this.lines = []
        if (this.waiter) this.waiter.resolve(reply)
        else this.replies.push(reply)
      }
    }
  }

  private onClose = () => {
    this.closed = true
    this.waiter?.reject(lost('The server closed the connection.'))
  }

  private onError = (err: Error) => this.fail(lost(`The connection failed: ${err.message}.`))

  private fail(err: unknown) {
    // The first failure is the cause: a later socket error must not replace a protocol error.
    if (this.failure) return
    this.failure = err
    this.waiter?.reject(err)
  }
}

const protocol = (message: string) => new EngineError({ code: 'PROTOCOL_ERROR', message })
const lost = (message: string) => new EngineError({ code: 'CONNECTION_LOST', message })
