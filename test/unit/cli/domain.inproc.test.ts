// `mailprobe domain` in-process: what the command line becomes (and the engine's schema accepts),
// the usage errors (exit status 2), and the text report made from results.
import { stripVTControlCharacters } from 'node:util'
import { describe, expect, it } from 'vitest'
import { parseCli, UsageError } from '../../../main/cli/args'
import { DOMAIN_HELP, DOMAIN_LIMITS, DOMAIN_PROVIDER_NAMES, parseDnsServer, parseDomainArgs, PROVIDER_ALIASES, runDomainCommand, type DomainIO } from '../../../main/cli/domain'
import { dnssecWords, formatCheckLine, formatDomainSummary, formatDomainTable, formatDomainVerdict, recordValue } from '../../../main/core/report/domain'
import {
  DOMAIN_CHECK_IDS,
  DOMAIN_DEFAULT_TIMEOUT_MS,
  DOMAIN_PROVIDERS,
  DomainResultSchema,
  dnsServerSchema,
  domainJobSchema,
  type DomainCheck,
  type DomainResult,
  type DomainStatus,
} from '../../../preload/contract'
import { parserHarness } from '../../fixtures/cli-parse'

const { run, usageError } = parserHarness(parseDomainArgs, 'domain')

describe('parseDomainArgs', () => {
  it('keeps its copies of the contract values equal to the contract', () => {
    expect([...DOMAIN_PROVIDER_NAMES]).toEqual([...DOMAIN_PROVIDERS])
    expect(DOMAIN_LIMITS.timeoutDefault).toBe(DOMAIN_DEFAULT_TIMEOUT_MS)
    const valid = (job: object) => domainJobSchema.safeParse({ domain: 'example.com', ...job }).success
    const list = (n: number, f: (i: number) => string) => Array.from({ length: n }, (_, i) => f(i))
    expect(valid({ dkimSelectors: list(DOMAIN_LIMITS.dkimSelectors, (i) => `s${i}`) })).toBe(true)
    expect(valid({ dkimSelectors: list(DOMAIN_LIMITS.dkimSelectors + 1, (i) => `s${i}`) })).toBe(false)
    expect(valid({ sendingIps: list(DOMAIN_LIMITS.sendingIps, (i) => `192.0.2.${i}`) })).toBe(true)
    expect(valid({ sendingIps: list(DOMAIN_LIMITS.sendingIps + 1, (i) => `192.0.2.${i}`) })).toBe(false)
    expect(valid({ dnsServers: list(DOMAIN_LIMITS.dnsServers, (i) => `192.0.2.${i}`) })).toBe(true)
    expect(valid({ dnsServers: list(DOMAIN_LIMITS.dnsServers + 1, (i) => `192.0.2.${i}`) })).toBe(false)
    expect(valid({ timeoutMs: DOMAIN_LIMITS.timeoutMin })).toBe(true)
    expect(valid({ timeoutMs: DOMAIN_LIMITS.timeoutMin - 1 })).toBe(false)
    expect(valid({ timeoutMs: DOMAIN_LIMITS.timeoutMax })).toBe(true)
    expect(valid({ timeoutMs: DOMAIN_LIMITS.timeoutMax + 1 })).toBe(false)
    for (const provider of Object.values(PROVIDER_ALIASES)) expect(DOMAIN_PROVIDERS).toContain(provider)
  })

  it('is a command of its own, with help', () => {
    expect(parseCli(['domain', 'example.com'])).toEqual({ action: 'module', command: 'domain', argv: ['example.com'] })
    expect(parseCli(['help', 'domain'])).toEqual({ action: 'module', command: 'domain', argv: ['--help'] })
    expect(parseDomainArgs(['--help'])).toEqual({ action: 'help', topic: 'domain' })
    expect(parseDomainArgs(['example.com', '--provider', 'nope', '-h'])).toEqual({ action: 'help', topic: 'domain' })
  })

  it('takes a domain and leaves the rest to the engine’s defaults', () => {
    expect(parseDomainArgs(['example.com'])).toEqual({ action: 'run', command: 'domain', json: false, verbosity: 'normal', job: { domain: 'example.com' }, proxyPasswordEnv: null, files: [] })
  })

  it('takes every option, and what it builds is valid engine input', () => {
    const req = run(
      ...['example.com', '--provider', 'sendgrid', '--dkim-selector', 's1', '--dkim-selector', 'mail.2024,s1', '--sending-ip', '192.0.2.10', '--sending-ip', '2001:db8::25'],
      ...['--dns-server', '127.0.0.1:5353', '--dns-server', '[::1]:53', '--timeout', '2000', '--mx-port', '2525', '--ca', '/tmp/ca.pem', '--ipv4', '--json', '-v'],
    )
    expect(req).toEqual({
      action: 'run',
      command: 'domain',
      json: true,
      verbosity: 'verbose',
      job: {
        domain: 'example.com',
        provider: 'sendgrid',
        dkimSelectors: ['s1', 'mail.2024'],
        sendingIps: ['192.0.2.10', '2001:db8::25'],
        dnsServers: ['127.0.0.1:5353', '[::1]:53'],
        timeoutMs: 2000,
        mxPort: 2525,
        tls: { caFile: '/tmp/ca.pem', insecure: false },
        network: { family: 'ipv4' },
      },
      proxyPasswordEnv: null,
      files: [{ option: '--ca', path: '/tmp/ca.pem' }],
    })
    expect(domainJobSchema.safeParse(req.job).success).toBe(true)
    const relay = run('example.com', '--relay', 'smtp.relay.example.net', '--no-probe', '-q')
    expect(relay.job).toEqual({ domain: 'example.com', relay: 'smtp.relay.example.net', probeMx: false })
    expect(relay.verbosity).toBe('quiet')
    expect(domainJobSchema.safeParse(relay.job).success).toBe(true)
  })

  it('takes the providers by name, in any case, and a few other names people use', () => {
    for (const p of DOMAIN_PROVIDERS) expect(run('example.com', '--provider', p).job.provider).toBe(p)
    expect(run('example.com', '--provider', 'M365').job.provider).toBe('microsoft365')
    expect(run('example.com', '--provider', 'office365').job.provider).toBe('microsoft365')
    expect(run('example.com', '--provider', 'google').job.provider).toBe('google-workspace')
    expect(run('example.com', '--provider', 'gmail').job.provider).toBe('google-workspace')
    expect(run('example.com', '--provider', 'amazon-ses').job.provider).toBe('ses')
  })

  it('takes a resolver as an IP address with an optional port, as the contract does', () => {
    for (const s of ['192.0.2.53', '192.0.2.53:5353', '2001:db8::53', '::1', '[2001:db8::53]', '[2001:db8::53]:53']) {
      expect(parseDnsServer(s)).toBe(s)
      expect(dnsServerSchema.safeParse(s).success).toBe(true)
    }
  })

  it('refuses bad usage with a sentence that says what to do', () => {
    expect(usageError().message).toMatch(/a domain is required: mailprobe domain DOMAIN/)
    expect(usageError('a.example', 'b.example').message).toMatch(/one domain at a time/)
    expect(usageError('me@example.com').message).toMatch(/not an address.*mailprobe domain 'example\.com'/)
    expect(usageError('https://example.com/x').message).toMatch(/not a URL: try mailprobe domain 'example\.com'/)
    expect(usageError('localhost').message).toMatch(/a domain name such as example\.com \(got 'localhost'\)/)
    expect(usageError('192.0.2.1').message).toMatch(/a domain name such as example\.com/)
    expect(usageError('--', '-x.example').message).toMatch(/not a domain name/)
    // The provider: unknown, or together with a relay.
    const unknown = usageError('example.com', '--provider', 'sendgird')
    expect(unknown.message).toMatch(/--provider must be one of mailgun, sendgrid, .*google-workspace \(got 'sendgird'\); for another relay, name it with --relay HOST/)
    expect(usageError('example.com', '--provider', 'sendgrid', '--relay', 'smtp.example.net').message).toMatch(/a provider \(--provider\) or a relay \(--relay\), not both/)
    expect(usageError('example.com', '--relay', ' ').message).toMatch(/--relay needs a host name/)
    expect(usageError('example.com', '--relay', 'me@smtp.example.net').message).toMatch(/--relay takes the relay's host name/)
    // Addresses and resolvers.
    expect(usageError('example.com', '--sending-ip', '192.0.2.300').message).toMatch(/--sending-ip takes an IPv4 or IPv6 address.*'192\.0\.2\.300'/)
    expect(usageError('example.com', '--sending-ip', 'mail.example.com').message).toMatch(/--sending-ip takes an IPv4 or IPv6 address/)
    expect(usageError('example.com', '--dns-server', 'dns.google').message).toMatch(/--dns-server takes a resolver's IP address.*a name cannot be used.*'dns\.google'/)
    expect(usageError('example.com', '--dns-server', '192.0.2.53:0').message).toMatch(/the port is 1 to 65535/)
    expect(usageError('example.com', '--dns-server', '192.0.2.53:70000').message).toMatch(/the port is 1 to 65535/)
    expect(usageError('example.com', '--dns-server', '192.0.2').message).toMatch(/--dns-server takes a resolver's IP address/)
    expect(usageError('example.com', '--dns-server', '2001:db8::53:53:x').message).toMatch(/--dns-server takes/)
    expect(usageError('example.com', '--dns-server', '[192.0.2.53]:53').message).toMatch(/--dns-server takes/)
    expect(usageError('example.com', '--dns-server', '1.1.1.1,2.2.2.2,3.3.3.3,4.4.4.4,5.5.5.5').message).toMatch(/--dns-server takes at most 4 resolvers \(got 5\)/)
    expect(usageError('example.com', '--dkim-selector', 'bad selector').message).toMatch(/--dkim-selector takes a selector.*'bad selector'/)
    expect(usageError('example.com', '--dkim-selector', `${'a'.repeat(64)}`).message).toMatch(/--dkim-selector takes a selector/)
    expect(usageError('example.com', '--timeout', '50').message).toMatch(/--timeout takes milliseconds from 100 to 60000/)
    expect(usageError('example.com', '--timeout', '1e4').message).toMatch(/from 100 to 60000/)
    expect(usageError('example.com', '--mx-port', '0').message).toMatch(/--mx-port must be a number from 1 to 65535/)
    expect(usageError('example.com', '--bogus').message).toMatch(/unknown option '--bogus'/)
    expect(usageError('example.com', '--provder', 'ses').message).toMatch(/did you mean --provider\?/)
    expect(usageError('example.com', '-v', '-q').message).toMatch(/one of -v \(--verbose\) and -q \(--quiet\)/)
    expect(usageError('example.com', '--ipv4', '--ipv6').message).toMatch(/one of --ipv4 and --ipv6/)
  })

  it('repeats a pasted escape sequence as text, never interpreting it', () => {
    const err = usageError('example.com', '--provider', '\x1b[2Jx')
    expect(err.message).toContain("'\\x1b[2Jx'")
    expect(err.message).not.toContain('\x1b')
  })
})

class Out {
  text = ''
  isTTY = false
  write(s: string): boolean {
    this.text += s
    return true
  }
}

function fakeIO(env: NodeJS.ProcessEnv = {}): { io: DomainIO; stdout: Out } {
  const stdout = new Out()
  const signals = { on: () => signals, off: () => signals } as unknown as DomainIO['signals']
  return { io: { stdout, stderr: new Out(), env, signals }, stdout }
}

describe('runDomainCommand before the run', () => {
  it('prints help that names every option', async () => {
    const { io, stdout } = fakeIO()
    expect(await runDomainCommand({ action: 'help', topic: 'domain' }, io)).toBe(0)
    expect(stdout.text).toBe(DOMAIN_HELP)
    expect(DOMAIN_HELP).toMatch(/^Usage: mailprobe domain DOMAIN \[--provider P \| --relay HOST\]/)
    for (const opt of ['--provider', '--relay', '--dkim-selector', '--sending-ip', '--dns-server', '--timeout', '--no-probe', '--mx-port', '--ca', '--json', '--proxy', '-v, --verbose', '-q, --quiet'])
      expect(DOMAIN_HELP).toContain(opt)
    for (const p of DOMAIN_PROVIDERS) expect(DOMAIN_HELP).toContain(p)
    for (const id of DOMAIN_CHECK_IDS) expect(DOMAIN_HELP).toContain(id)
  })

  it('an unreadable --ca file or an unset proxy password variable is bad usage, said before anything runs', async () => {
    const { io, stdout } = fakeIO()
    const ca = run('example.com', '--ca', '/nonexistent/mailprobe-ca.pem')
    await expect(runDomainCommand(ca, io)).rejects.toThrow(/cannot read --ca file '\/nonexistent\/mailprobe-ca\.pem' \(ENOENT\)/)
    const proxy = run('example.com', '--proxy', 'socks5://me@127.0.0.1:1080', '--proxy-password-env', 'MAILPROBE_TEST_UNSET')
    await expect(runDomainCommand(proxy, io)).rejects.toBeInstanceOf(UsageError)
    expect(stdout.text).toBe('')
  })
})

const check = (id: DomainCheck['id'], status: DomainStatus, detail: string, extra: Partial<DomainCheck> = {}): DomainCheck => ({
  id,
  status,
  title: id.toUpperCase(),
  detail,
  records: [],
  items: [],
  durationMs: 12.4,
  queries: 2,
  ...extra,
})

const DKIM_KEY = `v=DKIM1; k=rsa; p=${'A'.repeat(392)}`

/** A whole result, as the contract's schema makes it. */
function result(overrides: Partial<DomainResult> = {}): DomainResult {
  return DomainResultSchema.parse({
    ok: false,
    kind: 'domain',
    domain: 'example.com',
    provider: 'sendgrid',
    error: null,
    warnings: [],
    phases: [],
    totalMs: 411.6,
    roundTrips: 0,
    transcript: [],
    dnssec: false,
    // Out of order, as they finish.
    checks: [
      check('dmarc', 'fail', 'No DMARC record: publish one at _dmarc.example.com.', {
        title: 'DMARC',
        items: [{ label: 'p', status: 'fail', detail: 'missing' }],
        records: [],
      }),
      check('spf', 'pass', 'SPF covers sendgrid.net.', { title: 'SPF', records: [{ type: 'TXT', name: 'example.com', value: 'v=spf1 include:sendgrid.net -all' }] }),
      check('mx', 'warn', 'One MX host offers no STARTTLS.'),
      check('bimi', 'info', 'No BIMI record (optional).'),
    ],
    publish: [
      { type: 'TXT', name: '_dmarc.example.com', value: 'v=DMARC1; p=none; rua=mailto:dmarc@example.com' },
      { type: 'CNAME', name: 's1._domainkey.example.com', value: 's1.domainkey.u1.wl.sendgrid.net' },
      { type: 'TXT', name: 'sel._domainkey.example.com', value: DKIM_KEY },
    ],
    ...overrides,
  })
}

describe('the domain report', () => {
  const plain = { color: false }

  it('a check as it finishes: status, id and the sentence, on one line', () => {
    expect(formatCheckLine(check('spf', 'pass', 'SPF covers sendgrid.net.'), plain)).toBe('  PASS  spf          SPF covers sendgrid.net.')
    expect(formatCheckLine(check('bulk-sender', 'fail', 'x\x1b[2Jy'), plain)).toBe('  FAIL  bulk-sender  x\\x1b[2Jy')
    const coloured = formatCheckLine(check('dmarc', 'warn', 'p=none'), { color: true })
    expect(coloured).toContain('\x1b[33mWARN\x1b[0m')
    expect(stripVTControlCharacters(coloured)).toBe('  WARN  dmarc        p=none')
  })

  it('a TXT record to publish is quoted and split into strings of 255, ready to paste', () => {
    expect(recordValue({ type: 'TXT', name: 'x', value: 'v=spf1 -all' })).toBe('"v=spf1 -all"')
    expect(recordValue({ type: 'TXT', name: 'x', value: 'say "hi" \\ there' })).toBe('"say \\"hi\\" \\\\ there"')
    const long = recordValue({ type: 'TXT', name: 'x', value: DKIM_KEY })
    expect(long).toBe(`"${DKIM_KEY.slice(0, 255)}" "${DKIM_KEY.slice(255)}"`)
    expect(recordValue({ type: 'CNAME', name: 'x', value: 's1.domainkey.u1.wl.sendgrid.net' })).toBe('s1.domainkey.u1.wl.sendgrid.net')
  })

  it('the table lists every check in the contract’s order, says which did not finish, and -v adds items, records and figures', () => {
    const r = result()
    const table = formatDomainTable(r, plain).split('\n')
    expect(table.map((l) => l.trim().split(/\s+/)[1])).toEqual([...DOMAIN_CHECK_IDS])
    expect(table[0]).toMatch(/^ {2}WARN {2}mx {11}MX {5}One MX host offers no STARTTLS\.$/)
    expect(table.find((l) => l.includes(' dane '))).toMatch(/^ {2}---- {2}dane .*did not finish$/)
    const verbose = formatDomainTable(r, plain, { details: true })
    expect(verbose).toContain('FAIL  p: missing')
    expect(verbose).toMatch(/TXT {2}example\.com {2}"v=spf1 include:sendgrid\.net -all"/)
    expect(verbose).toContain('12 ms, 2 DNS questions')
    // A blank line between checks, the first row first.
    expect(verbose.split('\n')[0]).toMatch(/^ {2}WARN {2}mx /)
    expect(verbose.split('\n').filter((l) => l === '')).toHaveLength(DOMAIN_CHECK_IDS.length - 1)
    expect(formatDomainTable(r, plain)).not.toContain('DNS questions')
  })

  it('the summary: heading, table, records to publish, DNSSEC said plainly, verdict last', () => {
    const text = formatDomainSummary(result({ warnings: ['the resolver at 127.0.0.1 is slow'] }), plain)
    expect(text).toContain('Domain readiness of example.com through sendgrid\n')
    expect(text).toContain('Records to publish (add them to the zone of example.com):\n')
    expect(text).toContain('  TXT    _dmarc.example.com          "v=DMARC1; p=none; rua=mailto:dmarc@example.com"\n')
    expect(text).toContain('  CNAME  s1._domainkey.example.com   s1.domainkey.u1.wl.sendgrid.net\n')
    expect(text).toContain(dnssecWords(false))
    expect(text).toContain('warning: the resolver at 127.0.0.1 is slow')
    expect(text.trimEnd().split('\n').at(-1)).toBe('FAIL — example.com: 1 fail, 1 warn, 1 pass, 1 info · 412 ms')
    expect(formatDomainSummary(result({ provider: 'relay:smtp.relay.example.net', publish: [] }), plain)).toMatch(/through the relay smtp\.relay\.example\.net\n[\s\S]*DNSSEC/)
    expect(formatDomainSummary(result({ publish: [] }), plain)).not.toContain('Records to publish')
  })

  it('DNSSEC in words: validated, not validated, not asked', () => {
    expect(dnssecWords(true)).toMatch(/^DNSSEC: validated/)
    expect(dnssecWords(false)).toMatch(/^DNSSEC: not validated .*no AD bit/)
    expect(dnssecWords(null)).toMatch(/^DNSSEC: unknown/)
  })

  it('the verdict: the worst status and the counts, or the run’s own failure', () => {
    const pass = result({ checks: [check('spf', 'pass', 'ok'), check('bimi', 'info', 'none')] })
    expect(formatDomainVerdict(pass, plain)).toBe('PASS — example.com: 0 fail, 0 warn, 1 pass, 1 info · 412 ms')
    const warn = result({ checks: [check('spf', 'pass', 'ok'), check('dmarc', 'warn', 'p=none')] })
    expect(formatDomainVerdict(warn, plain)).toBe('WARN — example.com: 0 fail, 1 warn, 1 pass · 412 ms')
    expect(formatDomainVerdict(warn, { color: true }).startsWith('\x1b[33m\x1b[1mWARN')).toBe(true)
    const cancelled = result({ checks: [check('spf', 'pass', 'ok')], error: { code: 'CANCELLED', message: 'Cancelled after 1 of 11 checks.' } })
    expect(formatDomainVerdict(cancelled, plain)).toBe('FAILED CANCELLED — Cancelled after 1 of 11 checks.')
  })
})
