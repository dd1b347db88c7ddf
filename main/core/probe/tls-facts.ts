import tls from 'node:tls'
import type { ProbeTls } from '../../../preload/contract'
import { chainOf, daysUntil, tlsInfo, verificationError } from '../net/tls'
import type { PortLog } from './port-log'

/** Everything a finished handshake tells about the server's certificate and our verdict on it (the dial step wrote its lines). */
export function probeTls(socket: tls.TLSSocket, o: { mode: ProbeTls['mode']; servername: string; insecure: boolean; handshakeMs: number; now?: number }): ProbeTls {
  const info = tlsInfo(socket, o.insecure)
  const leaf = socket.getPeerCertificate(true)
  const hasLeaf = !!leaf && Object.keys(leaf).length > 0
  return {
    ...info,
    mode: o.mode,
    handshakeMs: round(o.handshakeMs),
    chain: hasLeaf ? chainOf(leaf) : [],
    verification: verificationError(socket, o.servername),
    servername: o.servername,
    hostnameMatch: hasLeaf && tls.checkServerIdentity(o.servername, leaf) === undefined,
    daysUntilExpiry: info.validTo ? daysUntil(info.validTo, o.now ?? Date.now()) : null,
  }
}

/** A certificate that fails is noted, and the probe goes on: it sends no credentials and no mail. */
export function noteCertificateCheck(log: PortLog, t: ProbeTls): void {
  if (t.verification) log.line('info', `certificate check: ${t.verification.code}: ${t.verification.message} The probe goes on (it sends no credentials and no mail) to list what the server offers.`)
}

const round = (ms: number) => Math.round(ms * 1000) / 1000
