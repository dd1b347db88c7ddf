// The dial step on its own: address family, source address, each attempt in the transcript, and
// TLS judged before the caller writes a byte.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { NetworkOptions } from '../../../preload/contract'
import { dial, DialError } from '../../../main/core/net/dial'
import { recorderLog } from '../../../main/core/net/log'
import { ArraySink } from '../../../main/core/transcript/event-sink'
import { JobRecorder } from '../../../main/core/transcript/recorder'
import { getTestCerts, serverCert } from '../../fixtures/certs'
import { plainPeer, tlsNotSmtp, type RawPeer } from '../../fixtures/raw-peers'

let plain: RawPeer
let secure: RawPeer
let ca = ''
beforeAll(async () => {
  ca = (await getTestCerts()).ca.cert
  plain = await plainPeer((s) => s.end('220 hello\r\n'))
  secure = await tlsNotSmtp(await serverCert('good'))
})
afterAll(async () => {
  await Promise.all([plain.close(), secure.close()])
})

function recorder() {
  const rec = new JobRecorder('dial-test', new ArraySink())
  return { rec, log: recorderLog(rec), text: () => rec.lines.map((l) => `${l.dir} ${l.text}${l.detail ? ' (detail)' : ''}`).join('\n') }
}

const network = (n: Partial<NetworkOptions> = {}): NetworkOptions => ({ family: 'auto', ...n })

describe('dial', () => {
  it('connects, with its connect phase and line, and leaves the socket unread', async () => {
    const { rec, log, text } = recorder()
    const d = await dial({ host: '127.0.0.1', port: plain.port, network: network(), timeoutMs: 2000, log })
    expect(d.address).toBe('127.0.0.1')
    expect(rec.phases.map((p) => p.name)).toEqual(['connect'])
    expect(text()).toMatch(/^info connected to 127\.0\.0\.1:\d+ \(IPv4\) in [\d.]+ ms$/)
    const first = await new Promise<string>((resolve) => d.socket.once('data', (b: Buffer) => resolve(b.toString())))
    expect(first).toBe('220 hello\r\n')
    d.raw.destroy()
  })

  it('binds to the source address asked for', async () => {
    const { log } = recorder()
    const d = await dial({ host: '127.0.0.1', port: plain.port, network: network({ localAddress: '127.0.0.1' }), timeoutMs: 2000, log })
    expect(d.raw.localAddress).toBe('127.0.0.1')
    d.raw.destroy()
  })

  it('a source address that is not this machine’s, or of the wrong family, is INVALID_INPUT with a sentence', async () => {
    const { log } = recorder()
    // 192.0.2.1 (TEST-NET-1) is never a local address: binding fails before any packet is sent.
    await expect(dial({ host: '127.0.0.1', port: plain.port, network: network({ localAddress: '192.0.2.1' }), timeoutMs: 2000, log })).rejects.toMatchObject({
      info: { code: 'INVALID_INPUT', message: expect.stringMatching(/Cannot connect from 192\.0\.2\.1: it is not an address of this machine/) },
    })
    await expect(dial({ host: '127.0.0.1', port: plain.port, network: network({ localAddress: '::1' }), timeoutMs: 2000, log })).rejects.toMatchObject({
      info: { code: 'INVALID_INPUT', message: expect.stringMatching(/is IPv6, but the server has no IPv6 address/) },
    })
    await expect(dial({ host: '127.0.0.1', port: plain.port, network: network({ family: 'ipv6' }), timeoutMs: 2000, log })).rejects.toMatchObject({
      info: { code: 'INVALID_INPUT', message: expect.stringMatching(/IPv4 address but IPv6 was requested/) },
    })
  })

  it('a name: its dns phase and addresses, and each address tried when there is a choice', async () => {
    const { rec, log, text } = recorder()
    const lookup = async () => ({
      addresses: [
        { address: '127.0.0.1', family: 4 as const },
        { address: '127.0.0.1', family: 4 as const },
      ],
      looked: true,
    })
    const d = await dial({ host: 'mail.example.test', port: plain.port, network: network(), timeoutMs: 2000, log, lookup })
    expect(rec.phases.map((p) => p.name)).toEqual(['dns', 'connect'])
    expect(text()).toMatch(/info resolved mail\.example\.test → 127\.0\.0\.1 \(A\), 127\.0\.0\.1 \(A\) in [\d.]+ ms/)
    expect(text()).toContain('info trying 127.0.0.1 (IPv4) (detail)')
    d.raw.destroy()
  })

  it('TLS: the handshake as its phase, the certificate described, names and chain as details', async () => {
    const { rec, log, text } = recorder()
    const tls = { options: { ca: [ca] }, name: 'localhost', insecure: false, verify: 'enforce' as const, intro: 'starting TLS' }
    const d = await dial({ host: '127.0.0.1', port: secure.port, network: network(), timeoutMs: 2000, log, tls })
    expect(rec.phases.map((p) => p.name)).toEqual(['connect', 'tls'])
    expect(d.tls).toMatchObject({ authorized: true })
    expect(text()).toMatch(/tls TLSv1\.3 \S+ · CN=localhost · issuer .* · verified\n/)
    expect(text()).toMatch(/tls certificate names: localhost, 127\.0\.0\.1 · valid \S+ → \S+ \(\d+ days left\) \(detail\)/)
    d.raw.destroy()
  })

  it('an untrusted certificate fails the dial with the certificate, before the caller can write a byte', async () => {
    const { log, text } = recorder()
    const tls = { options: {}, name: 'localhost', insecure: false, verify: 'enforce' as const, intro: 'starting TLS' }
    const err = await dial({ host: '127.0.0.1', port: secure.port, network: network(), timeoutMs: 2000, log, tls }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DialError)
    expect((err as DialError).info.code).toBe('CERT_UNTRUSTED')
    expect((err as DialError).found.tls).toMatchObject({ authorized: false })
    expect((err as DialError).found.bytes!.sent).toBeGreaterThan(0) // the ClientHello
    expect(text()).toContain('certificate not trusted: closing without sending anything')
  })
})
