import type net from 'node:net'
import type { TlsInfo } from '../../../preload/contract'

/** An open connection a warm run may reuse: the TCP socket (for byte counts) and what speaks HTTP on it. */
export interface KeptConnection {
  /** Origin plus the TLS settings it was verified under: reuse only for the same ones. */
  key: string
  raw: net.Socket
  socket: net.Socket
  tls: TlsInfo | null
  address: string | null
  /** Requests already answered on this connection. */
  requests: number
}

/**
 * Holds at most one idle keep-alive connection across runs (what the latency lab calls warm).
 * Pass the same object to consecutive `runApi` calls; `close()` when done. While idle the socket
 * does not keep the process alive, and a server that closes it is noticed (the next run connects afresh).
 */
export class ApiKeepAlive {
  private idle: KeptConnection | null = null
  private closed = false

  /** Takes the idle connection if it matches `key` and is still open; the caller owns it until `keep`. */
  take(key: string): KeptConnection | null {
    const conn = this.idle
    if (!conn) return null
    this.idle = null
    conn.socket.off('close', this.onIdleClose)
    if (conn.key !== key || conn.socket.destroyed || conn.raw.destroyed || !conn.socket.writable || conn.socket.readableEnded) {
      conn.socket.destroy()
      conn.raw.destroy()
      return null
    }
    conn.raw.ref()
    return conn
  }

  /** Parks a connection whose response ended cleanly with keep-alive. */
  keep(conn: KeptConnection): void {
    if (this.closed) {
      conn.socket.destroy()
      conn.raw.destroy()
      return
    }
    if (this.idle && this.idle !== conn) this.dispose(this.idle)
    this.idle = conn
    conn.raw.unref()
    conn.socket.once('close', this.onIdleClose)
  }

  /** True when an idle connection is parked. */
  get hasIdle(): boolean {
    return this.idle !== null
  }

  close(): void {
    this.closed = true
    if (this.idle) this.dispose(this.idle)
    this.idle = null
  }

  private dispose(conn: KeptConnection): void {
    conn.socket.off('close', this.onIdleClose)
    conn.socket.destroy()
    conn.raw.destroy()
  }

  private onIdleClose = () => {
    if (this.idle) this.dispose(this.idle)
    this.idle = null
  }
}

export function createKeepAlive(): ApiKeepAlive {
  return new ApiKeepAlive()
}
