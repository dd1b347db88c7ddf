// TLSA questions, which node:dns cannot ask: a dns-packet query over node:dgram (TCP when the
// answer is truncated), recursion desired and the AD bit set, to learn whether the resolver
// validated the answer with DNSSEC (RFC 6840 §5.7). The domain run's DNS layer (dns.ts) asks through
// this, with its servers, cache and counting.
import dgram from 'node:dgram'
import net from 'node:net'
import { randomInt } from 'node:crypto'
import * as dnsPacket from 'dns-packet'
import { abortError } from '../errors'

export interface Tlsa {
  usage: number
  selector: number
  matchingType: number
  /** The certificate association data, hex. */
  data: string
}

/** One TLSA question's answer: the rcode, whether the resolver vouched for it (AD), and the TLSA records. */
export interface TlsaAnswer {
  rcode: string
  authenticated: boolean
  records: Tlsa[]
}

/** `IP`, `IP:PORT`, `[v6]:PORT` or a bare IPv6 address (as the job and node:dns write servers). */
export function parseServer(server: string): { address: string; port: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(server)
  if (v6) return { address: v6[1]!, port: Number(v6[2] ?? 53) }
  const v4 = /^([\d.]+)(?::(\d+))?$/.exec(server)
  if (v4) return { address: v4[1]!, port: Number(v4[2] ?? 53) }
  return { address: server, port: 53 }
}

/**
 * Asks `server` for the TLSA records of `name`, recursion desired and AD set; over TCP when the UDP
 * answer comes back truncated. Rejects on timeout (`ETIMEOUT`), on a socket error, or when cancelled.
 */
export async function queryTlsa(server: { address: string; port: number }, name: string, timeoutMs: number, signal?: AbortSignal): Promise<TlsaAnswer> {
  const id = randomInt(0, 65_536)
  const query: dnsPacket.Packet = {
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.AUTHENTIC_DATA,
    questions: [{ type: 'TLSA', name, class: 'IN' }],
  }
  let reply = await exchange(server, query, timeoutMs, signal, 'udp')
  if (reply.flag_tc) reply = await exchange(server, query, timeoutMs, signal, 'tcp')
  const records = (reply.answers ?? []).flatMap((a): Tlsa[] =>
    a.type === 'TLSA' ? [{ usage: a.data.usage, selector: a.data.selector, matchingType: a.data.matchingType, data: a.data.certificate.toString('hex') }] : [],
  )
  return { rcode: (reply as { rcode?: string }).rcode ?? 'NOERROR', authenticated: reply.flag_ad, records }
}

function exchange(server: { address: string; port: number }, query: dnsPacket.Packet, timeoutMs: number, signal: AbortSignal | undefined, over: 'udp' | 'tcp'): Promise<dnsPacket.DecodedPacket> {
  return new Promise((resolve, reject) => {
    let settled = false
    let close = () => {}
    const done = (err: Error | null, packet?: dnsPacket.DecodedPacket) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      close()
      if (err) reject(err)
      else resolve(packet!)
    }
    const accept = (buf: Buffer, decode: (b: Buffer) => dnsPacket.DecodedPacket) => {
      let packet: dnsPacket.DecodedPacket
      try {
        packet = decode(buf)
      } catch {
        return // not a DNS message: keep waiting for ours
      }
      if (packet.id === query.id && packet.type === 'response') done(null, packet)
    }
    const timer = setTimeout(() => done(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEOUT' })), timeoutMs)
    const onAbort = () => done(abortError())
    if (signal?.aborted) return onAbort()
    signal?.addEventListener('abort', onAbort, { once: true })
    if (over === 'udp') {
      const socket = dgram.createSocket(net.isIPv6(server.address) ? 'udp6' : 'udp4')
      close = () => socket.close()
      socket.on('error', (err) => done(err))
      socket.on('message', (buf, from) => {
        if (from.port === server.port) accept(buf, (b) => dnsPacket.decode(b))
      })
      socket.send(dnsPacket.encode(query), server.port, server.address)
    } else {
      const socket = net.connect({ host: server.address, port: server.port })
      close = () => socket.destroy()
      let buffered = Buffer.alloc(0)
      socket.on('error', (err) => done(err))
      socket.on('connect', () => socket.write(dnsPacket.streamEncode(query)))
      socket.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk])
        if (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) accept(buffered, (b) => dnsPacket.streamDecode(b) as dnsPacket.DecodedPacket)
      })
      socket.on('close', () => done(new Error('the resolver closed the TCP connection')))
    }
  })
}
