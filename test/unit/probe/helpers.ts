/** Shared by the probe tests: fact builders for the pure functions, and real HTTP/HTTPS peers. */
import http from 'node:http'
import https from 'node:https'
import type net from 'node:net'
import type { ProbePort, ProbeTls } from '../../../preload/contract'
import type { KeyAndCert } from '../../fixtures/certs'
import type { PortFacts } from '../../../main/core/probe/diagnose'

export function tlsFacts(over: Partial<ProbeTls> = {}): ProbeTls {
  return {
    protocol: 'TLSv1.3',
    cipher: 'TLS_AES_256_GCM_SHA384',
    authorized: true,
    authorizationError: null,
    insecure: false,
    sessionReused: false,
    subject: 'CN=smtp.example.com',
    issuer: 'CN=Example CA',
    sans: ['smtp.example.com'],
    validFrom: '2025-01-01T00:00:00.000Z',
    validTo: '2026-01-01T00:00:00.000Z',
    fingerprint256: 'AA:BB',
    mode: 'starttls',
    handshakeMs: 3,
    chain: [],
    verification: null,
    servername: 'smtp.example.com',
    hostnameMatch: true,
    daysUntilExpiry: 90,
    ...over,
  }
}

/** A port that answered nothing special; override what the case needs. */
export function facts(over: Partial<PortFacts> = {}): PortFacts {
  return {
    host: 'smtp.example.com',
    port: 587,
    state: 'open',
    speaks: 'smtp',
    other: null,
    firstBytes: null,
    address: '192.0.2.10',
    connectMs: 10,
    bannerMs: 12,
    banner: 'smtp.example.com ESMTP',
    bannerCode: 220,
    starttls: false,
    tls: null,
    capabilities: { before: null, after: null },
    auth: { before: null, after: null },
    extensions: null,
    security: null,
    usable: false,
    error: null,
    totalMs: 30,
    ...over,
  }
}

/** Implicit TLS submission that works: TLS first, AUTH inside. */
export const implicitOk = (port = 465, over: Partial<PortFacts> = {}): PortFacts =>
  facts({
    port,
    speaks: 'tls',
    tls: tlsFacts({ mode: 'implicit' }),
    capabilities: { before: null, after: ['PIPELINING', 'AUTH PLAIN LOGIN'] },
    auth: { before: null, after: ['PLAIN', 'LOGIN'] },
    ...over,
  })

/** STARTTLS submission that works, AUTH only after TLS. */
export const starttlsOk = (port = 587, over: Partial<PortFacts> = {}): PortFacts =>
  facts({
    port,
    starttls: true,
    tls: tlsFacts(),
    capabilities: { before: ['PIPELINING', 'STARTTLS'], after: ['PIPELINING', 'AUTH PLAIN LOGIN'] },
    auth: { before: [], after: ['PLAIN', 'LOGIN'] },
    ...over,
  })

export const plainOnly = (port = 25, over: Partial<PortFacts> = {}): PortFacts =>
  facts({ port, capabilities: { before: ['PIPELINING', '8BITMIME'], after: null }, auth: { before: [], after: null }, ...over })

export const unanswered = (port: number, state: ProbePort['state']): PortFacts =>
  facts({ port, state, speaks: null, bannerCode: null, banner: null, connectMs: state === 'silent' ? 1 : null, bannerMs: null })

export interface WebPeer {
  port: number
  /** Sockets currently open on the server side. */
  readonly open: number
  close(): Promise<void>
}

async function serve(server: http.Server): Promise<WebPeer> {
  const sockets = new Set<net.Socket>()
  server.on('connection', (s: net.Socket) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  server.on('tlsClientError', () => {})
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  return {
    port,
    get open() {
      return sockets.size
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const s of sockets) s.destroy()
      }),
  }
}

/** A real node:http server: silent until a request; anything else (a TLS ClientHello, an EHLO) gets a 400. */
export function startHttp(): Promise<WebPeer> {
  return serve(http.createServer((_req, res) => res.end('hello\n')))
}

/** A real node:https server: completes TLS, then waits for an HTTP request. */
export function startHttps(cert: KeyAndCert): Promise<WebPeer> {
  return serve(https.createServer({ key: cert.key, cert: cert.cert }, (_req, res) => res.end('hello\n')))
}

/** TCP sockets (client and server side) this process holds right now. */
export function tcpSockets(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length
}
