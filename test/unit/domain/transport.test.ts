// The receiving side's transport security, through the whole domain run: MTA-STS (the TXT record,
// the policy from a local HTTPS server that answers as mta-sts.DOMAIN, its mode and mx lines against
// the MX hosts), TLS-RPT, and DANE (TLSA from the authoritative test server, which never sets the AD
// bit, and through a stand-in validating resolver in front of it that does).
import dgram from 'node:dgram'
import https from 'node:https'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseServer, queryTlsa } from '../../../main/core/domain/tlsa-query'
import { validReportUri } from '../../../main/core/domain/checks/tls-rpt'
import { getTestCerts, leafFor, serverCert } from '../../fixtures/certs'
import { startDnsServer, type DnsServer, type ZoneData } from '../../fixtures/dns-server'
import { checkOf, PROVIDER_SIDE, run } from './readiness'

const STS_DOMAINS = ['good', 'mismatch', 'testing', 'missing', 'redirect', 'short', 'invalid', 'untrusted', 'nohost', 'none', 'twice'].map((d) => `${d}.test`)

/** What mta-sts.DOMAIN serves at /.well-known/mta-sts.txt: a status, and the body or a Location. */
const POLICIES: Record<string, { status: number; body?: string; location?: string }> = {
  'good.test': { status: 200, body: 'version: STSv1\r\nmode: enforce\r\nmx: mx.shared.test\r\nmax_age: 604800\r\n' },
  'mismatch.test': { status: 200, body: 'version: STSv1\nmode: enforce\nmx: mail.elsewhere.test\nmax_age: 604800\n' },
  'testing.test': { status: 200, body: 'version: STSv1\nmode: testing\nmx: *.shared.test\nmax_age: 86400\n' },
  'missing.test': { status: 404, body: 'not here' },
  'redirect.test': { status: 301, location: 'https://www.redirect.test/mta-sts.txt' },
  'short.test': { status: 200, body: 'version: STSv1\nmode: enforce\nmx: mx.shared.test\nmax_age: 3600\n' },
  'invalid.test': { status: 200, body: 'version: STSv2\nmode: enforce\nmx: mx.shared.test\nmax_age: 604800\n' },
  'untrusted.test': { status: 200, body: 'version: STSv1\nmode: enforce\nmx: mx.shared.test\nmax_age: 604800\n' },
}

let dns: DnsServer
let policyServer: https.Server
let untrustedServer: https.Server
let validating: { server: string; close(): Promise<void> }
let caPem: string
const port = (s: https.Server) => (s.address() as AddressInfo).port

function servePolicies(cert: { key: string; cert: string }): Promise<https.Server> {
  const server = https.createServer({ ...cert }, (req, res) => {
    const domain = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^mta-sts\./, '')
    const policy = POLICIES[domain]
    if (!policy || req.url !== '/.well-known/mta-sts.txt') {
      res.writeHead(404).end()
      return
    }
    res.writeHead(policy.status, { 'content-type': 'text/plain', ...(policy.location ? { location: policy.location } : {}) }).end(policy.body ?? '')
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

/**
 * A stand-in validating resolver: relays each UDP question to the authoritative test server and
 * sets the AD bit on the answer, as a DNSSEC-validating resolver does for a signed zone.
 */
async function startValidatingResolver(upstream: string): Promise<{ server: string; close(): Promise<void> }> {
  const { address, port: upstreamPort } = parseServer(upstream)
  const socket = dgram.createSocket('udp4')
  socket.on('message', (query, client) => {
    const relay = dgram.createSocket('udp4')
    relay.on('message', (answer) => {
      answer[3]! |= 0x20 // AD
      socket.send(answer, client.port, client.address)
      relay.close()
    })
    relay.send(query, upstreamPort, address)
  })
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve))
  return { server: `127.0.0.1:${socket.address().port}`, close: () => new Promise((resolve) => socket.close(() => resolve())) }
}

beforeAll(async () => {
  caPem = (await getTestCerts()).ca.cert
  policyServer = await servePolicies(await leafFor(...STS_DOMAINS.map((d) => `mta-sts.${d}`)))
  untrustedServer = await servePolicies(await serverCert('self-signed'))
  const zone: ZoneData = { ...PROVIDER_SIDE }
  for (const d of STS_DOMAINS) {
    zone[d] = { MX: [{ priority: 10, exchange: 'mx.shared.test' }], TXT: ['v=spf1 -all'] }
    if (d !== 'none.test') zone[`_mta-sts.${d}`] = { TXT: ['v=STSv1; id=20240101T000000'] }
    if (d !== 'nohost.test') zone[`mta-sts.${d}`] = { A: ['127.0.0.1'] }
  }
  zone['_mta-sts.twice.test'] = { TXT: ['v=STSv1; id=1', 'v=STSv1; id=2'] }
  Object.assign(zone, {
    '_smtp._tls.good.test': { TXT: ['v=TLSRPTv1; rua=mailto:tls-reports@good.test,https://reports.good.test/v1/tlsrpt'] },
    '_smtp._tls.mismatch.test': { TXT: ['v=TLSRPTv1; rua=ftp://reports.mismatch.test/'] },
    '_smtp._tls.twice.test': { TXT: ['v=TLSRPTv1; rua=mailto:a@twice.test', 'v=TLSRPTv1; rua=mailto:b@twice.test'] },
    'dane.test': { MX: [{ priority: 10, exchange: 'mx.dane.test' }] },
    'mx.dane.test': { A: ['127.0.0.1'] },
    '_25._tcp.mx.dane.test': { TLSA: [{ usage: 3, selector: 1, matchingType: 1, data: 'ab'.repeat(32) }] },
    'half.test': {
      MX: [
        { priority: 10, exchange: 'mx.dane.test' },
        { priority: 20, exchange: 'mx.shared.test' },
      ],
    },
    'pkix.test': { MX: [{ priority: 10, exchange: 'mx.pkix.test' }] },
    'mx.pkix.test': { A: ['127.0.0.1'] },
    '_25._tcp.mx.pkix.test': { TLSA: [{ usage: 1, selector: 0, matchingType: 1, data: 'cd'.repeat(32) }] },
  })
  dns = await startDnsServer(zone)
  validating = await startValidatingResolver(dns.server)
})

afterAll(async () => {
  await Promise.all([dns?.close(), validating?.close(), ...[policyServer, untrustedServer].map((s) => s && new Promise((resolve) => s.close(resolve)))])
})

const sts = async (domain: string, server = policyServer) => checkOf(await run(dns.server, { domain, mtaStsPort: port(server), tls: { caPem } }), 'mta-sts')

describe('MTA-STS', () => {
  it('an enforced policy that lists every MX host passes, fetched from mta-sts.DOMAIN over verified HTTPS', async () => {
    const check = await sts('good.test')
    expect(check.status).toBe('pass')
    expect(check.detail).toBe('MTA-STS enforces TLS for mail to good.test: the policy lists its MX host.')
    expect(check.records).toContainEqual({ type: 'TXT', name: '_mta-sts.good.test', value: 'v=STSv1; id=20240101T000000' })
    expect(check.records).toContainEqual({ type: 'POLICY', name: 'https://mta-sts.good.test/.well-known/mta-sts.txt', value: POLICIES['good.test']!.body!.trim() })
    expect(check.items).toContainEqual({ label: 'mx.shared.test', status: 'pass', detail: 'matches mx: mx.shared.test' })
  })

  it('an enforced policy whose mx lines miss an MX host fails, and says which', async () => {
    const check = await sts('mismatch.test')
    expect(check.status).toBe('fail')
    expect(check.detail).toBe("The MTA-STS policy (mode enforce) does not list mx.shared.test, so senders that honour it refuse to deliver there: add it to the policy's mx lines.")
    expect(check.items).toContainEqual({ label: 'mx.shared.test', status: 'fail', detail: 'matched by no mx line (mail.elsewhere.test)' })
  })

  it('testing mode warns (a wildcard mx line matches)', async () => {
    const check = await sts('testing.test')
    expect(check.status).toBe('warn')
    expect(check.detail).toBe('The MTA-STS policy is in testing mode: senders only report TLS failures (see TLS-RPT); switch to mode: enforce once the reports are clean.')
    expect(check.items).toContainEqual({ label: 'mx.shared.test', status: 'pass', detail: 'matches mx: *.shared.test' })
  })

  it('a missing policy file warns: senders ignore the policy', async () => {
    const check = await sts('missing.test')
    expect(check.status).toBe('warn')
    expect(check.detail).toBe('missing.test announces MTA-STS, but https://mta-sts.missing.test/.well-known/mta-sts.txt answers 404 Not Found: senders cannot fetch the policy, so they ignore it.')
  })

  it('a redirect is not followed (RFC 8461)', async () => {
    const check = await sts('redirect.test')
    expect(check.status).toBe('warn')
    expect(check.detail).toBe(
      'redirect.test announces MTA-STS, but https://mta-sts.redirect.test/.well-known/mta-sts.txt answers 301 with a redirect to https://www.redirect.test/mta-sts.txt, which RFC 8461 forbids senders to follow: senders cannot fetch the policy, so they ignore it.',
    )
  })

  it('a certificate no trusted CA signed is refused, as senders refuse it', async () => {
    const check = await sts('untrusted.test', untrustedServer)
    expect(check.status).toBe('warn')
    expect(check.detail).toBe(
      'untrusted.test announces MTA-STS, but https://mta-sts.untrusted.test/.well-known/mta-sts.txt has a certificate senders refuse (no trusted CA signed it): senders cannot fetch the policy, so they ignore it.',
    )
  })

  it('a policy host that does not resolve', async () => {
    const check = await sts('nohost.test')
    expect(check.detail).toBe('nohost.test announces MTA-STS, but mta-sts.nohost.test does not resolve: senders cannot fetch the policy, so they ignore it.')
  })

  it('an invalid policy (mailauth rejects its version) and a short max_age', async () => {
    const invalid = await sts('invalid.test')
    expect(invalid.status).toBe('warn')
    expect(invalid.detail).toMatch(/^The MTA-STS policy at https:\/\/mta-sts\.invalid\.test\/\.well-known\/mta-sts\.txt is not valid \(invalid version\), so senders ignore it/)
    const short = await sts('short.test')
    expect(short.status).toBe('warn')
    expect(short.detail).toBe('MTA-STS enforces TLS for mail to short.test, but max_age is only 3600 s: raise it to weeks (604800 s or more) so senders keep the policy.')
  })

  it('no record is information; two records make senders ignore MTA-STS', async () => {
    const none = await sts('none.test')
    expect(none.status).toBe('info')
    expect(none.detail).toBe(
      'none.test publishes no MTA-STS policy (_mta-sts.none.test), so senders fall back to opportunistic TLS, which an attacker on the path can strip: publish one to require TLS.',
    )
    const twice = await sts('twice.test')
    expect(twice.status).toBe('warn')
    expect(twice.detail).toBe('_mta-sts.twice.test has 2 MTA-STS records, so senders ignore MTA-STS altogether (RFC 8461 §3.1): keep one.')
  })
})

describe('TLS-RPT', () => {
  it('passes with mailto: and https: destinations', async () => {
    const check = checkOf(await run(dns.server, { domain: 'good.test' }), 'tls-rpt')
    expect(check.status).toBe('pass')
    expect(check.detail).toBe('Senders report TLS delivery failures for good.test to mailto:tls-reports@good.test and https://reports.good.test/v1/tlsrpt.')
  })

  it('is information when absent, with the record to publish in the sentence', async () => {
    const check = checkOf(await run(dns.server, { domain: 'none.test' }), 'tls-rpt')
    expect(check.status).toBe('info')
    expect(check.detail).toBe(
      'none.test publishes no TLS-RPT record, so nobody tells you when senders fail to deliver to it over TLS: publish TXT _smtp._tls.none.test "v=TLSRPTv1; rua=mailto:tls-reports@none.test".',
    )
  })

  it('warns about a destination senders skip, and about two records', async () => {
    const bad = checkOf(await run(dns.server, { domain: 'mismatch.test' }), 'tls-rpt')
    expect(bad.status).toBe('warn')
    expect(bad.detail).toBe('_smtp._tls.mismatch.test sends reports to ftp://reports.mismatch.test/, which is neither a mailto: address nor an https: URL: senders skip it.')
    const twice = checkOf(await run(dns.server, { domain: 'twice.test' }), 'tls-rpt')
    expect(twice.detail).toBe('_smtp._tls.twice.test has 2 TLS-RPT records, so senders use none of them (RFC 8460 §3): keep one.')
  })

  it('accepts only mailto: addresses and https: URLs', () => {
    expect(validReportUri('mailto:tls@example.test')).toBe(true)
    expect(validReportUri('https://example.test/report')).toBe(true)
    expect(validReportUri('http://example.test/report')).toBe(false)
    expect(validReportUri('mailto:nobody')).toBe(false)
  })
})

describe('DANE', () => {
  it('TLSA from a resolver that does not set the AD bit: found, but said to be not validated', async () => {
    const result = await run(dns.server, { domain: 'dane.test' })
    const check = checkOf(result, 'dane')
    expect(check.status).toBe('warn')
    expect(check.detail).toBe(
      'TLSA records were found for mx.dane.test, but the resolver did not validate them (not validated by DNSSEC: no AD bit): without DNSSEC, TLSA records are meaningless and DANE senders ignore them; sign the zone, or ask a validating resolver.',
    )
    expect(check.records).toEqual([{ type: 'TLSA', name: '_25._tcp.mx.dane.test', value: `3 1 1 ${'ab'.repeat(32)}` }])
    expect(result.dnssec).toBe(false)
  })

  it('TLSA through a validating resolver (AD set): passes, and the result says DNSSEC vouched', async () => {
    const result = await runDomainVia(validating.server, 'dane.test')
    const check = checkOf(result, 'dane')
    expect(check.status).toBe('pass')
    expect(check.detail).toBe('The MX host publishes TLSA records validated by DNSSEC: DANE senders will require TLS with the certificates they name.')
    expect(check.items).toEqual([{ label: 'mx.dane.test', status: 'pass', detail: '1 TLSA record, validated by DNSSEC' }])
    expect(result.dnssec).toBe(true)
  })

  it('an MX host without TLSA beside one with, and a PKIX usage SMTP does not use', async () => {
    const half = checkOf(await runDomainVia(validating.server, 'half.test'), 'dane')
    expect(half.status).toBe('warn')
    expect(half.detail).toBe('TLSA records for mx.dane.test are validated by DNSSEC, but mx.shared.test has none, so mail to it is not DANE-protected: publish TLSA there too.')
    const pkix = checkOf(await runDomainVia(validating.server, 'pkix.test'), 'dane')
    expect(pkix.status).toBe('warn')
    expect(pkix.items[0]!.detail).toBe('1 TLSA record, validated by DNSSEC; usage 1 (PKIX) is not used by SMTP senders (RFC 7672): use 2 or 3')
  })

  it('no TLSA at all is information', async () => {
    const check = checkOf(await run(dns.server, { domain: 'good.test' }), 'dane')
    expect(check.status).toBe('info')
    expect(check.detail).toBe("No MX host of good.test publishes TLSA records (_25._tcp.HOST), so DANE is not in use; it needs the MX hosts' zones signed with DNSSEC.")
  })

  it('asks over dgram with the AD bit and reads the answer; a silent server times out', async () => {
    const answer = await queryTlsa(parseServer(dns.server), '_25._tcp.mx.dane.test', 2000)
    expect(answer).toEqual({ rcode: 'NOERROR', authenticated: false, records: [{ usage: 3, selector: 1, matchingType: 1, data: 'ab'.repeat(32) }] })
    expect(dns.asked).toContain('_25._tcp.mx.dane.test TLSA')
    const silent = dgram.createSocket('udp4')
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve))
    await expect(queryTlsa({ address: '127.0.0.1', port: silent.address().port }, '_25._tcp.mx.dane.test', 200)).rejects.toMatchObject({ code: 'ETIMEOUT' })
    silent.close()
  })

  it('reads the server forms the job and node:dns use', () => {
    expect(parseServer('192.0.2.53')).toEqual({ address: '192.0.2.53', port: 53 })
    expect(parseServer('127.0.0.1:5353')).toEqual({ address: '127.0.0.1', port: 5353 })
    expect(parseServer('[2001:db8::53]:5300')).toEqual({ address: '2001:db8::53', port: 5300 })
    expect(parseServer('2001:db8::53')).toEqual({ address: '2001:db8::53', port: 53 })
  })
})

/** A run that asks the stand-in validating resolver (every check's questions go through it). */
function runDomainVia(server: string, domain: string) {
  return run(server, { domain })
}
