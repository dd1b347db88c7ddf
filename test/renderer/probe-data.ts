import type { ProbePort, ProbeResult } from '@contract'

const cert = {
  subject: 'CN=mx.example.com',
  issuer: 'CN=Test CA',
  sans: ['DNS:mx.example.com'],
  validFrom: '2025-01-01T00:00:00.000Z',
  validTo: '2026-01-01T00:00:00.000Z',
  fingerprint256: 'AA:BB',
  protocol: 'TLSv1.3',
  cipher: 'TLS_AES_256_GCM_SHA384',
  authorized: true,
  authorizationError: null,
  insecure: false,
  sessionReused: false,
}

export function probePort(over: Partial<ProbePort>): ProbePort {
  return {
    host: 'mx.example.com',
    port: 25,
    state: 'refused',
    speaks: null,
    other: null,
    firstBytes: null,
    address: '127.0.0.1',
    connectMs: 1.25,
    bannerMs: null,
    banner: null,
    bannerCode: null,
    starttls: false,
    tls: null,
    capabilities: { before: null, after: null },
    auth: { before: null, after: null },
    extensions: null,
    security: null,
    usable: false,
    diagnosis: 'Connection refused: nothing listens on this port.',
    error: null,
    totalMs: 2,
    ...over,
  }
}

/** 25 silent, 465 implicit TLS, 587 STARTTLS, 2525 refused. */
export function probeResult(over: Partial<ProbeResult> = {}): ProbeResult {
  const ports = [
    probePort({ port: 25, state: 'silent', connectMs: 3, diagnosis: 'TCP accepted but no greeting.' }),
    probePort({
      port: 465,
      state: 'open',
      speaks: 'tls',
      bannerMs: 41,
      banner: 'mx ready',
      bannerCode: 220,
      tls: { ...cert, mode: 'implicit', handshakeMs: 20, chain: [cert], verification: null, servername: 'mx.example.com', hostnameMatch: true, daysUntilExpiry: 30 },
      capabilities: { before: null, after: ['PIPELINING', 'AUTH PLAIN LOGIN'] },
      auth: { before: null, after: ['PLAIN', 'LOGIN'] },
      security: 'tls',
      usable: true,
      diagnosis: 'Implicit TLS from the first byte.',
    }),
    probePort({
      port: 587,
      state: 'open',
      speaks: 'smtp',
      bannerMs: 40,
      starttls: true,
      tls: { ...cert, mode: 'starttls', handshakeMs: 20, chain: [cert], verification: { code: 'CERT_UNTRUSTED', message: 'The certificate is not trusted.' }, servername: 'mx.example.com', hostnameMatch: true, daysUntilExpiry: -3 },
      capabilities: { before: ['PIPELINING', 'STARTTLS', 'SIZE 1000'], after: ['PIPELINING', 'SIZE 1000', 'AUTH PLAIN'] },
      auth: { before: [], after: ['PLAIN'] },
      security: 'starttls',
      usable: false,
      diagnosis: 'STARTTLS works but the certificate is not trusted.',
    }),
    probePort({ port: 2525 }),
  ]
  return {
    kind: 'probe',
    ok: true,
    error: null,
    warnings: [],
    phases: [],
    totalMs: 120,
    roundTrips: 8,
    transcript: [],
    mode: 'host',
    host: 'mx.example.com',
    addresses: [{ address: '127.0.0.1', family: 4 }],
    timeoutMs: 5000,
    ports,
    mx: null,
    recommendation: { port: 465, host: 'mx.example.com', security: 'tls', reason: 'RFC 8314 prefers implicit TLS for submission.' },
    ...over,
  }
}
