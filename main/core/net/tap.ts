import type net from 'node:net'
import { Duplex } from 'node:stream'

/** How much of a peer's first answer is kept: enough to name the service that answered. */
export const CAPTURE_LIMIT = 4096

/**
 * A pass-through duplex over a socket that keeps the first bytes the peer sent. The TLS attempt
 * runs over it, so when a plaintext service answers our ClientHello ("HTTP/1.1 400 …", a late
 * "220 …") we can still say what it was. (A TLS socket built directly on a net.Socket takes over
 * its handle, and the socket's own 'data' events stop.)
 */
export class Tap extends Duplex {
  private readonly seen: Buffer[] = []
  private seenBytes = 0

  constructor(private readonly raw: net.Socket) {
    super()
    raw.on('data', this.onData)
    raw.once('end', this.onEnd)
    raw.once('close', this.onClose)
    // Failures surface as 'close' to whoever reads the tap; an 'error' must not crash the process.
    this.on('error', () => {})
  }

  /** What the peer sent, decoded as latin1, up to CAPTURE_LIMIT bytes. */
  get captured(): string {
    return Buffer.concat(this.seen).toString('latin1')
  }

  override _read(): void {
    this.raw.resume()
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.raw.destroyed) return callback()
    this.raw.write(chunk, (err) => callback(err ?? null))
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.raw.end()
    callback()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.raw.off('data', this.onData)
    this.raw.off('end', this.onEnd)
    this.raw.off('close', this.onClose)
    this.raw.destroy()
    callback(error)
  }

  private onData = (chunk: Buffer) => {
    if (this.seenBytes < CAPTURE_LIMIT) {
      const keep = chunk.subarray(0, CAPTURE_LIMIT - this.seenBytes)
      this.seen.push(keep)
      this.seenBytes += keep.length
    }
    if (!this.push(chunk)) this.raw.pause()
  }

  private onEnd = () => {
    this.push(null)
  }

  private onClose = () => {
    this.destroy()
  }
}
