// imapflow speaks IMAP over the connection our one dial step opened (family, proxy, TCP, TLS judged,
// each step in the transcript), through imapflow's public `transport` option: connect() hands over
// the socket already open, and upgrade() runs STARTTLS's handshake with the certificate judged as
// every other connection's is, before imapflow writes a byte over it.
import type net from 'node:net'
import tls from 'node:tls'
import type { ImapTransport, ImapTransportSocket } from 'imapflow'
import { EngineError } from '../errors'
import type { NetLog } from '../net/log'
import { handshakeRoundTrips, reportTls } from '../net/tls'

export interface StartTlsCheck {
  options: tls.ConnectionOptions
  /** The name the certificate must match. */
  name: string
  insecure: boolean
  log: NetLog
  /** A certificate that would fail verification while verification is off. */
  onUnverified?: (code: string) => void
}

/**
 * A transport whose connect() returns `socket` (dialed, and for implicit TLS already secured and
 * judged) and whose upgrade() starts TLS on it after STARTTLS. A refused certificate destroys the
 * TLS socket with the classified error, which imapflow reports as the upgrade's failure.
 */
export function dialedTransport(socket: ImapTransportSocket, startTls: StartTlsCheck): ImapTransport {
  return {
    connect(_options, onConnect) {
      // Already connected: imapflow attaches its handlers first, then hears that the connection is up.
      setImmediate(onConnect)
      return socket
    },
    upgrade(plain, _options, onSecure) {
      const { log } = startTls
      const t0 = log.now()
      log.line('tls', 'starting TLS (STARTTLS)')
      // Trust is judged below, after the handshake, so that a refused certificate can still be shown.
      const secure = tls.connect({ ...startTls.options, socket: plain as unknown as net.Socket, host: startTls.name, rejectUnauthorized: false })
      secure.once('secureConnect', () => {
        log.phase('tls', t0, log.now(), handshakeRoundTrips(secure))
        const { verdict } = reportTls(secure, { name: startTls.name, insecure: startTls.insecure }, log)
        if (verdict && !startTls.insecure) {
          log.line('tls', 'certificate not trusted: closing without sending anything (the credentials never left this machine)')
          secure.destroy(new EngineError(verdict))
          return
        }
        if (verdict) startTls.onUnverified?.(verdict.code)
        onSecure()
      })
      return secure
    },
  }
}
