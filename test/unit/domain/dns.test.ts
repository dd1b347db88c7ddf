// The domain run's DNS layer against the authoritative test server on loopback: answers as data,
// TXT strings joined, one question per name for the whole run, counted per check, failures
// classified, PTR through the arpa name, mailauth's resolver shape, cancellation.
import dns2 from 'dns2'
import dgram from 'node:dgram'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { arpaName, DnsSession } from '../../../main/core/domain/dns'
import { startDnsServer, type DnsServer } from '../../fixtures/dns-server'

let server: DnsServer

beforeAll(async () => {
  server = await startDnsServer({
    'example.test': { TXT: ['v=spf1 -all', ['v=DMARC1; ', 'p=none']], MX: [{ priority: 10, exchange: 'mx.example.test' }] },
    'mx.example.test': { A: ['127.0.0.1'], AAAA: ['::1'] },
    'long.example.test': { TXT: [`v=DKIM1; k=rsa; p=${'A'.repeat(600)}`] },
    ...Object.fromEntries(['k1', 'k2', 'k3', 'k4'].map((k) => [`${k}.long.example.test`, { TXT: [`v=DKIM1; k=rsa; p=${k}${'B'.repeat(600)}`] }])),
    'alias.example.test': { CNAME: 'mx.example.test' },
    'loop1.example.test': { CNAME: 'loop2.example.test' },
    'loop2.example.test': { CNAME: 'loop1.example.test' },
    'slow.example.test': { behaviour: 'timeout' },
    'broken.example.test': { behaviour: 'servfail' },
    'closed.example.test': { behaviour: 'refused' },
    'a.deep.example.test': { A: ['192.0.2.1'] },
    '1.0.0.127.in-addr.arpa': { PTR: ['mx.example.test'] },
    '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa': { PTR: ['mx.example.test'] },
    'null.test': { MX: [{ priority: 0, exchange: '.' }] },
    '_25._tcp.mx.example.test': { TLSA: [{ usage: 3, selector: 1, matchingType: 1, data: 'ab'.repeat(32) }] },
  })
})

afterAll(async () => {
  await server?.close()
})

const session = (timeoutMs = 2000, signal?: AbortSignal) => new DnsSession({ servers: [server.server], timeoutMs, signal })

describe('answers', () => {
  it('joins the character-strings of each TXT record, one string per record', async () => {
    const dns = session().view()
    expect(await dns.txt('example.test')).toEqual({ ok: true, records: ['v=spf1 -all', 'v=DMARC1; p=none'] })
    // 600 bytes are three strings on the wire, and too big for UDP: the resolver asks again over TCP.
    const long = await dns.txt('long.example.test')
    expect(long.ok && long.records).toEqual([`v=DKIM1; k=rsa; p=${'A'.repeat(600)}`])
  })

  it('several answers too big for UDP at once: the resolver pipelines them on one TCP connection, each answered', async () => {
    const dns = session().view()
    const keys = await Promise.all(['k1', 'k2', 'k3', 'k4'].map((k) => dns.txt(`${k}.long.example.test`)))
    expect(keys.map((a) => a.ok && a.records[0]!.slice(16, 20))).toEqual(['p=k1', 'p=k2', 'p=k3', 'p=k4'])
  })

  it('gives MX, A, AAAA and CNAME answers as node:dns shapes them, and a null MX as an empty exchange', async () => {
    const dns = session().view()
    expect(await dns.mx('example.test')).toEqual({ ok: true, records: [{ exchange: 'mx.example.test', priority: 10 }] })
    expect(await dns.a('mx.example.test')).toEqual({ ok: true, records: ['127.0.0.1'] })
    expect(await dns.aaaa('mx.example.test')).toEqual({ ok: true, records: ['::1'] })
    expect(await dns.cname('alias.example.test')).toEqual({ ok: true, records: ['mx.example.test'] })
    expect(await dns.a('alias.example.test')).toEqual({ ok: true, records: ['127.0.0.1'] })
    expect(await dns.mx('null.test')).toEqual({ ok: true, records: [{ exchange: '', priority: 0 }] })
  })

  it('asks PTR questions for the arpa name of IPv4 and IPv6 addresses', async () => {
    const dns = session().view()
    expect(await dns.ptr('127.0.0.1')).toEqual({ ok: true, records: ['mx.example.test'] })
    expect(await dns.ptr('::1')).toEqual({ ok: true, records: ['mx.example.test'] })
    expect(server.asked).toContain('1.0.0.127.in-addr.arpa PTR')
    expect(arpaName('2001:db8::567:89ab')).toBe('b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa')
    expect(arpaName('::ffff:192.0.2.1')).toBe('1.0.2.0.0.0.0.c.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa')
    expect(arpaName('example.test')).toBeNull()
  })
})

describe('failures become reasons', () => {
  it('classifies NXDOMAIN, NODATA, an empty non-terminal, SERVFAIL and REFUSED', async () => {
    const dns = session().view()
    expect(await dns.txt('nowhere.example.test')).toEqual({ ok: false, reason: 'nxdomain', message: 'nowhere.example.test does not exist' })
    expect(await dns.txt('mx.example.test')).toEqual({ ok: false, reason: 'nodata', message: 'mx.example.test has no TXT record' })
    expect(await dns.txt('deep.example.test')).toMatchObject({ ok: false, reason: 'nodata' })
    expect(await dns.txt('broken.example.test')).toEqual({ ok: false, reason: 'servfail', message: 'the resolver failed (SERVFAIL) for TXT broken.example.test' })
    expect(await dns.txt('closed.example.test')).toEqual({ ok: false, reason: 'refused', message: 'the resolver refused to answer for TXT closed.example.test' })
  })

  it('bounds each question by the timeout', async () => {
    const started = Date.now()
    expect(await session(300).view().txt('slow.example.test')).toEqual({ ok: false, reason: 'timeout', message: 'no answer for TXT slow.example.test within 300 ms' })
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('turns a CNAME loop into an answer without records', async () => {
    expect(await session().view().txt('loop1.example.test')).toMatchObject({ ok: false, reason: 'nodata' })
  })

  it('refuses a server node:dns cannot take', () => {
    expect(() => new DnsSession({ servers: ['1.2.3'], timeoutMs: 1000 })).toThrow()
  })
})

describe('one run, one question per name', () => {
  it('asks a name once for the whole run and counts it for the check that sent it', async () => {
    const s = session()
    const spf = s.view()
    const dmarc = s.view()
    const before = server.asked.filter((q) => q === 'example.test TXT').length
    const [a, b] = await Promise.all([spf.txt('example.test'), dmarc.txt('example.test')])
    expect(a).toEqual(b)
    await dmarc.txt('example.test')
    expect(server.asked.filter((q) => q === 'example.test TXT').length - before).toBe(1)
    expect(spf.asked + dmarc.asked).toBe(1)
    expect(s.sent).toBe(1)
  })

  it("serves mailauth's resolver from the same cache, with the errors it expects", async () => {
    const s = session()
    const view = s.view()
    await view.txt('example.test')
    const resolve = view.forMailauth()
    expect(await resolve('example.test', 'TXT')).toEqual([['v=spf1 -all'], ['v=DMARC1; ', 'p=none']])
    expect(view.asked).toBe(1)
    await expect(resolve('nowhere.example.test', 'TXT')).rejects.toMatchObject({ code: 'ENOTFOUND' })
    await expect(resolve('mx.example.test', 'TXT')).rejects.toMatchObject({ code: 'ENODATA' })
    await expect(resolve('broken.example.test', 'A')).rejects.toMatchObject({ code: 'ESERVFAIL' })
  })

  it('writes a line per question that went out, none for an answer from the cache', async () => {
    const lines: string[] = []
    const s = session()
    const view = s.view((t) => lines.push(t))
    await view.mx('example.test')
    await view.mx('example.test')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^dns: MX example\.test → 1 record \(\d+ ms\)$/)
  })
})

it('rejects pending and later questions with an abort error once cancelled', async () => {
  const controller = new AbortController()
  const view = session(5000, controller.signal).view()
  const pending = view.txt('slow.example.test')
  await server.waitFor('slow.example.test TXT')
  const started = Date.now()
  controller.abort()
  await expect(pending).rejects.toMatchObject({ code: 'ABORT_ERR' })
  expect(Date.now() - started).toBeLessThan(1000)
  await expect(view.a('mx.example.test')).rejects.toMatchObject({ code: 'ABORT_ERR' })
})

it('the test server answers TLSA questions (which node:dns on Node 20 cannot ask) with the raw record', async () => {
  const query = new dns2.Packet()
  query.header.id = 7
  query.questions.push({ name: '_25._tcp.mx.example.test', type: 52, class: 1 } as dns2.Packet.Question)
  const socket = dgram.createSocket('udp4')
  const reply = await new Promise<Buffer>((resolve) => {
    socket.once('message', resolve)
    socket.send(query.toBuffer(), server.port, '127.0.0.1')
  })
  socket.close()
  const answer = dns2.Packet.parse(reply).answers[0] as dns2.Packet.Resource & { data: Buffer }
  expect(answer.type).toBe(52)
  expect(answer.data.toString('hex')).toBe(`030101${'ab'.repeat(32)}`)
})
