// The built `mailprobe domain` as a child process against an authoritative DNS server on loopback
// (test/fixtures/dns-server.ts) and a local SMTP peer as the MX host (--mx-port): a healthy zone
// exits 0, a broken one 1; the text streams a line per check, then the table and the verdict;
// --json is exactly one object; -q one line; Ctrl-C exits 130 with what finished.
import { generateKeyPairSync } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DOMAIN_CHECK_IDS, type DomainResult } from '../../../preload/contract'
import { removeCaFile, writeCaFile } from '../../fixtures/certs'
import { runCli, startCli } from '../../fixtures/cli'
import { startDnsServer, type DnsServer, type ZoneData } from '../../fixtures/dns-server'
import { startSmtpPeer, type SmtpPeer } from '../../fixtures/smtp-peers'

const GOOD = 'good.mailprobe.test'
const BROKEN = 'broken.mailprobe.test'
const SLOW = 'slow.mailprobe.test'

/** A DKIM public key record (RSA 2048) as a domain publishes it. */
function dkimRecord(): string {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  return `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`
}

/**
 * The MX host is `localhost`: the test certificate is for it, and this server answers its A and PTR
 * (the checks ask DNS, never /etc/hosts), so forward and reverse agree.
 */
function zone(): ZoneData {
  const key = dkimRecord()
  return {
    localhost: { A: ['127.0.0.1'] },
    '1.0.0.127.in-addr.arpa': { PTR: ['localhost'] },
    // Well configured: one SPF record covering the sending address, a 2048-bit DKIM key, DMARC at reject with reports.
    [GOOD]: { MX: [{ priority: 10, exchange: 'localhost' }], TXT: ['v=spf1 ip4:127.0.0.1 -all'] },
    [`s1._domainkey.${GOOD}`]: { TXT: [key] },
    [`_dmarc.${GOOD}`]: { TXT: [`v=DMARC1; p=reject; rua=mailto:dmarc@${GOOD}`] },
    [`_smtp._tls.${GOOD}`]: { TXT: [`v=TLSRPTv1; rua=mailto:tlsrpt@${GOOD}`] },
    // Broken: two SPF records, one of them +all; no DMARC record.
    [BROKEN]: { MX: [{ priority: 10, exchange: 'localhost' }], TXT: ['v=spf1 +all', 'v=spf1 ip4:127.0.0.1 -all'] },
    [`s1._domainkey.${BROKEN}`]: { TXT: [key] },
    // A DMARC question that is never answered: the run is still going when Ctrl-C comes.
    [SLOW]: { MX: [{ priority: 10, exchange: 'localhost' }], TXT: ['v=spf1 ip4:127.0.0.1 -all'] },
    [`_dmarc.${SLOW}`]: { behaviour: 'timeout' },
  }
}

let dns: DnsServer
let peer: SmtpPeer
let caFile = ''
beforeAll(async () => {
  ;[dns, peer, caFile] = await Promise.all([startDnsServer(zone()), startSmtpPeer({ mode: 'starttls', auth: 'disabled' }), writeCaFile()])
}, 60_000)
afterAll(async () => {
  await Promise.all([dns?.close(), peer?.close()])
  if (caFile) removeCaFile(caFile)
})

/** The command line of a run against the test DNS server and the SMTP peer. */
const args = (domain: string, ...extra: string[]) => [
  'domain',
  domain,
  '--dns-server',
  dns.server,
  '--mx-port',
  String(peer.port),
  '--ca',
  caFile,
  '--dkim-selector',
  's1',
  '--sending-ip',
  '127.0.0.1',
  ...extra,
]

const CHECK_LINE = /^ {2}(PASS|WARN|FAIL|INFO) {2}([a-z-]+) +\S/

describe('mailprobe domain (built)', () => {
  it('a healthy zone: a line per check as it finishes, the table in order, the verdict; exit 0', async () => {
    const r = await runCli(args(GOOD))
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const lines = r.stdout.split('\n')
    const heading = lines.indexOf(`Domain readiness of ${GOOD}`)
    expect(heading).toBeGreaterThan(0)
    // Streamed: every check once, before the table.
    const streamed = lines.slice(0, heading).flatMap((l) => CHECK_LINE.exec(l)?.[2] ?? [])
    expect([...streamed].sort()).toEqual([...DOMAIN_CHECK_IDS].sort())
    // The table: every check in the contract's order.
    const table = lines.slice(heading + 1, heading + 1 + DOMAIN_CHECK_IDS.length)
    expect(table.map((l) => CHECK_LINE.exec(l)?.[2])).toEqual([...DOMAIN_CHECK_IDS])
    expect(table.join('\n')).not.toMatch(/^ {2}FAIL/m)
    expect(r.stdout).toMatch(/\nDNSSEC: (validated|not validated|unknown)/)
    expect(lines.filter(Boolean).at(-1)).toMatch(new RegExp(`^(PASS|WARN) — ${GOOD.replace(/\./g, '\\.')}: 0 fail, \\d+ warn, \\d+ pass(, \\d+ info)? · \\d+ ms$`))
  })

  it('--json: exactly one object, the result as the contract has it; -q: the verdict line only', async () => {
    const [json, quiet, unprobed] = await Promise.all([runCli(args(GOOD, '--json')), runCli(args(GOOD, '-q')), runCli(args(GOOD, '--json', '--no-probe'))])
    expect(json.status).toBe(0)
    expect(json.stderr).toBe('')
    // One line (stdout is a pipe), one object.
    expect(json.stdout.endsWith('}\n')).toBe(true)
    expect(json.stdout.trimEnd().split('\n')).toHaveLength(1)
    const result = JSON.parse(json.stdout) as DomainResult
    expect(result).toMatchObject({ ok: true, kind: 'domain', domain: GOOD, provider: null, error: null })
    expect(result.checks.map((c) => c.id)).toEqual([...DOMAIN_CHECK_IDS])
    for (const c of result.checks) {
      expect(Object.keys(c)).toEqual(expect.arrayContaining(['id', 'status', 'title', 'detail', 'records']))
      expect(c.status).not.toBe('fail')
    }
    expect(result.checks.find((c) => c.id === 'spf')?.records).toContainEqual({ type: 'TXT', name: GOOD, value: 'v=spf1 ip4:127.0.0.1 -all' })
    // The MX host was probed on --mx-port (the local SMTP peer), and not with --no-probe.
    const probed = (r: DomainResult) => r.checks.find((c) => c.id === 'mx')?.items.filter((i) => i.label.endsWith(`port ${peer.port}`)) ?? []
    expect(probed(result)).toEqual([expect.objectContaining({ status: 'pass', detail: expect.stringMatching(/STARTTLS/) as unknown })])
    expect(unprobed.status).toBe(0)
    expect(probed(JSON.parse(unprobed.stdout) as DomainResult)).toEqual([])
    expect(Array.isArray(result.publish)).toBe(true)
    expect(typeof result.totalMs).toBe('number')

    expect(quiet.status).toBe(0)
    expect(quiet.stderr).toBe('')
    expect(quiet.stdout).toMatch(new RegExp(`^(PASS|WARN) — ${GOOD.replace(/\./g, '\\.')}: 0 fail, \\d+ warn, \\d+ pass(, \\d+ info)? · \\d+ ms\\n$`))
  })

  it('a broken zone: the failing checks say why, the records to publish follow; exit 1 in every output mode', async () => {
    const [text, json, quiet] = await Promise.all([runCli(args(BROKEN)), runCli(args(BROKEN, '--json')), runCli(args(BROKEN, '-q'))])
    for (const r of [text, json, quiet]) expect(r.status).toBe(1)
    const result = JSON.parse(json.stdout) as DomainResult
    expect(result).toMatchObject({ ok: false, kind: 'domain', domain: BROKEN, error: null })
    const status = Object.fromEntries(result.checks.map((c) => [c.id, c.status]))
    expect(status.spf).toBe('fail')
    expect(status.dmarc).toBe('fail')
    // The text: the same failures, in the table and streamed, and the DMARC record to publish.
    expect(text.stdout).toMatch(/^ {2}FAIL {2}spf {10}/m)
    expect(text.stdout).toMatch(/^ {2}FAIL {2}dmarc {8}/m)
    expect(text.stdout).toMatch(new RegExp(`^ {2}TXT +_dmarc\\.${BROKEN.replace(/\./g, '\\.')} +"v=DMARC1; `, 'm'))
    expect(quiet.stdout).toMatch(new RegExp(`^FAIL — ${BROKEN.replace(/\./g, '\\.')}: [1-9]\\d* fail, `))
    expect(quiet.stdout.split('\n')).toEqual([expect.any(String), ''])
  })

  it('Ctrl-C: the checks that finished and the verdict CANCELLED are printed; exit 130', async () => {
    const cli = startCli(args(SLOW, '--timeout', '30000'))
    await cli.waitFor('stdout', CHECK_LINE)
    cli.kill('SIGINT')
    const r = await cli.done
    expect(r.status).toBe(130)
    expect(r.stderr).toMatch(/cancelling/)
    expect(r.stdout).toMatch(/^FAILED CANCELLED — /m)
    // The DMARC question never got an answer: that check did not finish.
    expect(r.stdout).toMatch(/^ {2}---- {2}dmarc +did not finish$/m)
  })
})
