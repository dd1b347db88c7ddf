/**
 * A TCP proxy that simulates a network path with a one-way delay D in each direction, so the
 * embedded sandbox can show what round trips cost (pure Node, no Electron).
 *
 * Model:
 *  - On accepting a client, wait D before connecting upstream: the handshake's final ACK still has
 *    to reach the server. A server-speaks-first greeting therefore reaches the client 2D after its
 *    connect, as on a real network.
 *  - Every chunk, in either direction, is delivered D after it arrived, in order: a per-direction
 *    FIFO queue; a chunk that arrived at x leaves at max(x + D, the previous chunk's departure,
 *    upstream connected). Chunks are never merged or reordered. Changing D affects chunks that
 *    arrive afterwards only (it never reorders queued ones).
 *  - FIN travels like data: a half-close is passed on after the data before it has been delivered.
 *  - An error (reset, refused) on one side drops what was queued towards that side and resets the
 *    other side after the data queued towards it has been delivered (the RST travels D as well).
 *    A refused upstream therefore shows up as a reset of an accepted connection, not as ECONNREFUSED.
 *  - close() destroys every socket at once, cancels every timer and closes the listener.
 */
import net from 'node:net'
import { performance } from 'node:perf_hooks'
import { listenOn } from '../net/serve'

export interface DelayProxyOptions {
  targetHost: string
  targetPort: number
  /** One-way delay in ms (round trip = 2 × delayMs). */
  delayMs: number
  /** Default '127.0.0.1'. */
  listenHost?: string
  /** Default 0 (an ephemeral port). */
  listenPort?: number
}

export interface DelayProxy {
  readonly host: string
  readonly port: number
  /** Current one-way delay in ms. */
  readonly delayMs: number
  /** Proxied connections not yet fully closed. */
  readonly activeConnections: number
  /** Change the one-way delay for data arriving from now on and for new connections. */
  setDelay(ms: number): void
  /** Destroy all connections and stop listening. Idempotent. */
  close(): Promise<void>
}

type Item = { due: number; kind: 'data'; chunk: Buffer } | { due: number; kind: 'end' } | { due: number; kind: 'reset' }

function checkDelay(ms: number): number {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`delay must be a finite number >= 0, got ${ms}`)
  return ms
}

function reset(socket: net.Socket): void {
  if (socket.destroyed) return
  try {
    socket.resetAndDestroy()
  } catch {
    socket.destroy()
  }
}

/** One direction: data read from `src` is written to `out` (once attached) D ms after it arrived. */
class DelayLine {
  private readonly queue: Item[] = []
  /** Cancels the pending wake-up (a timer, or an immediate for the last millisecond). */
  private timer: (() => void) | undefined
  private out: net.Socket | undefined
  private finished = false
  private waitingForDrain = false

  constructor(
    private readonly src: net.Socket,
    private readonly delay: () => number,
  ) {}

  push(item: { kind: 'data'; chunk: Buffer } | { kind: 'end' } | { kind: 'reset' }): void {
    if (this.finished) return
    this.queue.push({ ...item, due: performance.now() + this.delay() })
    this.pump()
  }

  attach(out: net.Socket): void {
    this.out = out
    this.pump()
  }

  /** Drop everything queued and deliver nothing more. */
  stop(): void {
    this.finished = true
    this.queue.length = 0
    this.timer?.()
    this.timer = undefined
  }

  private pump(): void {
    const out = this.out
    if (!out || this.timer || this.finished) return
    while (this.queue.length > 0 && !this.finished) {
      const head = this.queue[0]!
      const wait = head.due - performance.now()
      if (wait > 0) {
        // A timer fires up to a millisecond or more late, which would skew the simulated latency the
        // benchmarks measure: sleep until ~1 ms before the due time, then poll with setImmediate
        // (which still lets I/O run) until it is reached. pump() re-checks and re-arms.
        const wake = () => {
          this.timer = undefined
          this.pump()
        }
        if (wait > 2) {
          const t = setTimeout(wake, Math.floor(wait) - 1)
          this.timer = () => clearTimeout(t)
        } else {
          const i = setImmediate(wake)
          this.timer = () => clearImmediate(i)
        }
        return
      }
      this.queue.shift()
      this.deliver(out, head)
    }
  }

  private deliver(out: net.Socket, item: Item): void {
    if (out.destroyed) {
      this.stop()
      // Data for a peer that is gone: the sender gets a reset, as TCP would answer it.
      if (item.kind === 'data') reset(this.src)
      return
    }
    switch (item.kind) {
      case 'data':
        if (!out.write(item.chunk) && !this.waitingForDrain) {
          // Flow control: stop reading until the far side catches up (like a full TCP window).
          this.waitingForDrain = true
          this.src.pause()
          out.once('drain', () => {
            this.waitingForDrain = false
            if (!this.src.destroyed) this.src.resume()
          })
        }
        break
      case 'end':
        this.finished = true
        out.end()
        break
      case 'reset':
        this.finished = true
        reset(out)
        break
    }
  }
}

class ProxiedConnection {
  private upstream: net.Socket | undefined
  private connectTimer: NodeJS.Timeout | undefined
  private readonly toUpstream: DelayLine
  private toClient: DelayLine | undefined
  private aborted = false
  private clientClosed = false
  private upstreamClosed = false

  constructor(
    private readonly client: net.Socket,
    private readonly target: { host: string; port: number },
    private readonly delay: () => number,
    private readonly track: (s: net.Socket) => void,
    private readonly onDone: () => void,
  ) {
    this.toUpstream = new DelayLine(client, delay)
    client.setNoDelay(true)
    client.on('data', (chunk: Buffer) => this.toUpstream.push({ kind: 'data', chunk }))
    client.on('end', () => this.toUpstream.push({ kind: 'end' }))
    client.on('error', () => this.onClientError())
    client.on('close', () => {
      this.clientClosed = true
      this.checkDone()
    })
    const d = delay()
    if (d > 0) {
      this.connectTimer = setTimeout(() => {
        this.connectTimer = undefined
        this.dial()
      }, d)
    } else {
      this.dial()
    }
  }

  private dial(): void {
    if (this.aborted) {
      this.toUpstream.stop()
      this.checkDone()
      return
    }
    // Dialled even if the client has already closed normally: its FIN is queued and the server
    // sees a connection that opens and closes, as it would on a real network.
    const upstream = net.connect({ host: this.target.host, port: this.target.port, allowHalfOpen: true })
    this.upstream = upstream
    this.track(upstream)
    upstream.setNoDelay(true)
    const toClient = new DelayLine(upstream, this.delay)
    toClient.attach(this.client)
    this.toClient = toClient
    upstream.on('data', (chunk: Buffer) => toClient.push({ kind: 'data', chunk }))
    upstream.on('end', () => toClient.push({ kind: 'end' }))
    upstream.on('error', () => this.onUpstreamError())
    upstream.on('close', () => {
      this.upstreamClosed = true
      this.toUpstream.stop()
      this.checkDone()
    })
    upstream.once('connect', () => this.toUpstream.attach(upstream))
  }

  private checkDone(): void {
    if (this.clientClosed && this.connectTimer === undefined && (this.upstream === undefined || this.upstreamClosed)) {
      this.toClient?.stop()
      this.toUpstream.stop()
      this.onDone()
    }
  }

  private onClientError(): void {
    if (this.aborted) return
    this.aborted = true
    this.toClient?.stop()
    if (this.connectTimer) {
      // Reset before the server even saw the connection: it never will.
      clearTimeout(this.connectTimer)
      this.connectTimer = undefined
      this.toUpstream.stop()
      return
    }
    // The reset travels to the server behind the data already on its way.
    this.toUpstream.push({ kind: 'reset' })
  }

  private onUpstreamError(): void {
    if (this.aborted) return
    this.aborted = true
    this.toUpstream.stop()
    this.toClient?.push({ kind: 'reset' })
  }

  destroy(): void {
    this.aborted = true
    if (this.connectTimer) clearTimeout(this.connectTimer)
    this.connectTimer = undefined
    this.toUpstream.stop()
    this.toClient?.stop()
    this.upstream?.destroy()
    this.client.destroy()
  }
}

export async function startDelayProxy(options: DelayProxyOptions): Promise<DelayProxy> {
  let delayMs = checkDelay(options.delayMs)
  const delay = (): number => delayMs
  const target = { host: options.targetHost, port: options.targetPort }
  const sockets = new Set<net.Socket>()
  const connections = new Set<ProxiedConnection>()
  let closing = false

  const track = (s: net.Socket): void => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  }
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    if (closing) {
      client.destroy()
      return
    }
    track(client)
    const conn: ProxiedConnection = new ProxiedConnection(client, target, delay, track, () => connections.delete(conn))
    connections.add(conn)
  })

  const listenHost = options.listenHost ?? '127.0.0.1'
  const port = await listenOn(server, 'delay proxy', options.listenPort ?? 0, listenHost)
  // A listener error after startup (rare: EMFILE on accept) must not crash the process.
  server.on('error', () => {})

  let closed: Promise<void> | undefined
  return {
    host: listenHost,
    port,
    get delayMs() {
      return delayMs
    },
    get activeConnections() {
      return connections.size
    },
    setDelay(ms: number) {
      delayMs = checkDelay(ms)
    },
    close() {
      if (!closed) {
        closing = true
        const waits: Array<Promise<void>> = [new Promise<void>((resolve) => server.close(() => resolve()))]
        for (const s of sockets) waits.push(new Promise<void>((resolve) => s.once('close', () => resolve())))
        for (const c of [...connections]) c.destroy()
        for (const s of sockets) s.destroy()
        connections.clear()
        closed = Promise.all(waits).then(() => undefined)
      }
      return closed
    },
  }
}
