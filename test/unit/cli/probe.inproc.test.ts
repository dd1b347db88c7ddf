import { stripVTControlCharacters } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formatLine } from '../../../main/cli/print'
import {
  DEFAULT_PROBE_PORTS,
  formatProbeSummary,
  formatProbeTable,
  MAX_PROBE_PORTS,
  parseProbeArgs,
  PROBE_HELP,
  PROBE_TIMEOUT_RANGE,
  runProbeCommand,
  tlsCell,
  type ProbeIO,
} from '../../../main/cli/probe'
import { UsageError } from '../../../main/cli/args'
import { PROBE_DEFAULT_PORTS, PROBE_MAX_PORTS, probeJobSchema, type ProbeResult } from '../../../preload/contract'
import { removeCaFile, writeCaFile } from '../../fixtures/certs'
import { closedPort, neverGreets, type RawPeer } from '../../fixtures/raw-peers'
import { startSmtpPeer, type SmtpPeer } from '../../fixtures/smtp-peers'
import { implicitOk, plainOnly, starttlsOk, tlsFacts, unanswered } from '../probe/helpers'
import { parserHarness } from '../../fixtures/cli-parse'

const { run, usageError } = parserHarness(parseProbeArgs)

describe('parseProbeArgs', () => {
  it('keeps its copies of the contract values equal to the contract', () => {
    expect([...DEFAULT_PROBE_PORTS]).toEqual([...PROBE_DEFAULT_PORTS])
    expect(MAX_PROBE_PORTS).toBe(PROBE_MAX_PORTS)
    expect(probeJobSchema.safeParse({ host: 'h', timeoutMs: PROBE_TIMEOUT_RANGE.min - 1 }).success).toBe(false)
    expect(probeJobSchema.safeParse({ host: 'h', timeoutMs: PROBE_TIMEOUT_RANGE.max }).success).toBe(true)
  })

  it('takes a host and the defaults', () => {
    expect(parseProbeArgs(['smtp.example.com'])).toEqual({ action: 'run', command: 'probe', json: false, verbosity: 'normal', job: { host: 'smtp.example.com' }, proxyPasswordEnv: null, files: [] })
  })

  it('takes every option, and what it builds is valid engine input', () => {
    const req = run('example.com', '--ports', '465, 587,2525', '--timeout', '3000', '--ipv6', '--ca', '/tmp/ca.pem', '--servername', 'mail.example.com', '--insecure', '--mx', '--json')
    expect(req).toEqual({
      action: 'run',
      command: 'probe',
      json: true,
      verbosity: 'normal',
      job: { host: 'example.com', ports: [465, 587, 2525], timeoutMs: 3000, network: { family: 'ipv6' }, mx: true, tls: { caFile: '/tmp/ca.pem', servername: 'mail.example.com', insecure: true } },
      proxyPasswordEnv: null,
      files: [{ option: '--ca', path: '/tmp/ca.pem' }],
    })
    expect(probeJobSchema.safeParse(req.job).success).toBe(true)
    expect(run('h', '--ipv4').job.network?.family).toBe('ipv4')
    expect(run('--ports=25', 'h').job.ports).toEqual([25])
  })

  it('answers help wherever it appears (before --)', () => {
    expect(parseProbeArgs(['--help'])).toEqual({ action: 'help', topic: 'probe' })
    expect(parseProbeArgs(['h', '-h'])).toEqual({ action: 'help', topic: 'probe' })
    expect(usageError('--', '--help').message).toMatch(/'--help' is not a host name/)
  })

  it('refuses bad usage with a sentence that says what to do', () => {
    expect(usageError().message).toMatch(/a host is required: mailprobe probe HOST/)
    expect(usageError('a.example', 'b.example').message).toMatch(/one host at a time/)
    expect(usageError('me@example.com').message).toMatch(/not an address.*mailprobe probe 'example\.com' --mx/)
    expect(usageError('h', '--ipv4', '--ipv6').message).toMatch(/one of --ipv4 and --ipv6/)
    expect(usageError('h', '--ports', '25,x').message).toMatch(/port numbers from 1 to 65535.*'x'/)
    expect(usageError('h', '--ports', '0').message).toMatch(/from 1 to 65535/)
    expect(usageError('h', '--ports', '70000').message).toMatch(/from 1 to 65535/)
    expect(usageError('h', '--ports', '25,25').message).toMatch(/lists 25 twice/)
    expect(usageError('h', '--ports', ',').message).toMatch(/at least one port/)
    expect(usageError('h', '--ports', Array.from({ length: 21 }, (_, i) => i + 1).join(',')).message).toMatch(/at most 20 ports/)
    expect(usageError('h', '--timeout', '50').message).toMatch(/from 100 to 60000/)
    expect(usageError('h', '--timeout', '1e4').message).toMatch(/from 100 to 60000/)
    expect(usageError('h', '--servername', ' ').message).toMatch(/--servername needs a name/)
    expect(usageError('h', '--bogus').message).toMatch(/unknown option '--bogus'/)
    expect(usageError('h', '--ports').message).toMatch(/ports/)
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

function fakeIO(onWrite?: (text: string) => void) {
  const stdout = new Out()
  const stderr = new Out()
  const handlers = new Map<string, () => void>()
  if (onWrite) {
    const write = stdout.write.bind(stdout)
    stdout.write = (s: string) => {
      const r = write(s)
      onWrite(s)
      return r
    }
  }
  const signals = {
    on: (name: string, h: () => void) => handlers.set(name, h),
    off: (name: string) => handlers.delete(name),
  } as unknown as ProbeIO['signals']
  return { io: { stdout, stderr, env: {}, signals } satisfies ProbeIO, stdout, stderr, handlers }
}

describe('runProbeCommand', () => {
  let starttls: SmtpPeer, implicit: SmtpPeer, plain: SmtpPeer, silent: RawPeer
  let refused: { port: number }
  let caFile: string
  beforeAll(async () => {
    starttls = await startSmtpPeer({ mode: 'starttls', hideAuthBeforeTls: true })
    implicit = await startSmtpPeer({ mode: 'tls' })
    plain = await startSmtpPeer({ mode: 'plain', auth: 'disabled' })
    silent = await neverGreets()
    refused = await closedPort()
    caFile = await writeCaFile()
  })
  afterAll(async () => {
    await Promise.all([starttls.close(), implicit.close(), plain.close(), silent.close()])
    removeCaFile(caFile)
  })

  it('prints help', async () => {
    const { io, stdout } = fakeIO()
    expect(await runProbeCommand({ action: 'help', topic: 'probe' }, io)).toBe(0)
    expect(stdout.text).toBe(PROBE_HELP)
    expect(PROBE_HELP).toMatch(/mailprobe probe HOST/)
    for (const opt of ['--ports', '--timeout', '--ipv4', '--ipv6', '--ca', '--insecure', '--servername', '--mx', '--json']) expect(PROBE_HELP).toContain(opt)
  })

  it('prints a live transcript prefixed with ports, then the table and the recommendation; exit 0 with a usable path', async () => {
    const { io, stdout, handlers } = fakeIO()
    const req = run('127.0.0.1', '--ports', `${starttls.port},${implicit.port},${refused.port}`, '--timeout', '1000', '--ca', caFile)
    expect(await runProbeCommand(req, io)).toBe(0)
    expect(handlers.size).toBe(0) // the SIGINT handler is removed again
    const out = stdout.text
    expect(out).toMatch(new RegExp(`ms {2}\\s*${starttls.port} -> STARTTLS`))
    expect(out).toMatch(new RegExp(`ms {2}\\s*${refused.port} \\*\\* CONNECT_REFUSED`))
    expect(out).toMatch(/\n {2}port +state +speaks +TLS +AUTH before → after +connect ms +banner ms +diagnosis\n/)
    const row = (port: number) => out.split('\n').find((l) => l.trimStart().startsWith(`${port} `))!
    expect(row(starttls.port)).toMatch(/open +smtp +STARTTLS TLSv1\.\d verified +none → PLAIN LOGIN .*Submission with STARTTLS; AUTH PLAIN LOGIN offered only after TLS\.$/)
    expect(row(implicit.port)).toMatch(/open +tls +implicit TLSv1\.\d verified +- → PLAIN LOGIN .*Speaks TLS first/)
    expect(row(refused.port)).toMatch(/refused +- +- +- +- +- +Refused: nothing listens/)
    expect(out).toContain(`Recommendation: port ${implicit.port} with implicit TLS — Use port ${implicit.port} with implicit TLS`)
    expect(out).toMatch(/\nOK — usable submission paths on \d+, \d+ · [\d.]+ ms\n$/)
    expect(out).toContain('127.0.0.1 → 127.0.0.1 (A)')
  })

  it('--json prints exactly one JSON object; exit 1 without a usable path', async () => {
    const { io, stdout } = fakeIO()
    const code = await runProbeCommand(run('127.0.0.1', '--ports', `${plain.port},${silent.port}`, '--timeout', '300', '--json'), io)
    expect(code).toBe(1)
    const parsed = JSON.parse(stdout.text) as ProbeResult
    expect(stdout.text.trim().split('\n')).toHaveLength(1)
    expect(parsed).toMatchObject({ ok: false, kind: 'probe', host: '127.0.0.1', recommendation: { port: null } })
    expect(parsed.ports.map((p) => [p.port, p.state, p.speaks])).toEqual([
      [plain.port, 'open', 'smtp'],
      [silent.port, 'silent', null],
    ])
    for (const key of ['ok', 'kind', 'host', 'addresses', 'ports', 'recommendation']) expect(parsed).toHaveProperty(key)
    for (const key of ['port', 'state', 'speaks', 'connectMs', 'bannerMs', 'banner', 'starttls', 'tls', 'capabilities', 'auth', 'diagnosis']) expect(parsed.ports[0]).toHaveProperty(key)
  })

  it('refuses an unreadable CA file before connecting, and input the engine refuses, as bad usage', async () => {
    const { io, stdout } = fakeIO()
    await expect(runProbeCommand(run('127.0.0.1', '--ca', '/nonexistent/ca.pem'), io)).rejects.toThrow(/cannot read --ca file '\/nonexistent\/ca\.pem' \(ENOENT\)/)
    expect(stdout.text).toBe('')
    await expect(runProbeCommand(run('bad_host!'), io)).rejects.toBeInstanceOf(UsageError)
  })

  it('cancels on SIGINT: every connection closed, the result printed, exit 130', async () => {
    let interrupted = false
    const { io, stdout, stderr, handlers } = fakeIO((text) => {
      if (!interrupted && text.includes('connected to')) {
        interrupted = true
        handlers.get('SIGINT')!()
      }
    })
    const code = await runProbeCommand(run('127.0.0.1', '--ports', String(silent.port), '--timeout', '60000'), io)
    expect(code).toBe(130)
    expect(stderr.text).toMatch(/cancelling/)
    expect(stdout.text).toMatch(/\nFAILED CANCELLED — .*\n$/)
  })
})

describe('human output', () => {
  const style = { color: false }
  it('prefixes transcript lines with their port', () => {
    expect(formatLine({ t: 1.5, dir: 'c', text: 'EHLO [127.0.0.1]', port: 587 }, style)).toBe('    1.5 ms    587 -> EHLO [127.0.0.1]')
    expect(formatLine({ t: 1.5, dir: 'c', text: 'EHLO x' }, style)).toBe('    1.5 ms  -> EHLO x')
  })

  it('shows the TLS column by mode, protocol and verdict', () => {
    expect(tlsCell({ ...starttlsOk(), diagnosis: '' })).toBe('STARTTLS TLSv1.3 verified')
    expect(tlsCell({ ...implicitOk(465, { tls: tlsFacts({ mode: 'implicit', protocol: 'TLSv1.2', verification: { code: 'CERT_EXPIRED', message: '' } }) }), diagnosis: '' })).toBe(
      'implicit TLSv1.2 CERT_EXPIRED',
    )
    expect(tlsCell({ ...plainOnly(25, { starttls: true }), diagnosis: '' })).toBe('STARTTLS failed')
    expect(tlsCell({ ...plainOnly(), diagnosis: '' })).toBe('-')
  })

  it('lays out the table with a host column in domain mode, and escapes server text', () => {
    const ports = [
      { ...unanswered(25, 'timeout'), host: 'mx1.example.com', diagnosis: 'No answer.' },
      { ...plainOnly(25, { host: 'mx2.example.com', other: null }), diagnosis: 'Plain\x1b[31m.' },
    ]
    const table = formatProbeTable({ ports, mode: 'mx' }, style)
    const lines = table.split('\n')
    expect(lines[0]).toMatch(/^ {2}host +port +state/)
    expect(lines[1]).toMatch(/^ {2}mx1\.example\.com +25 +timeout +- +- +- +- +- +No answer\.$/)
    expect(lines[2]).toContain('Plain\\x1b[31m.')
    expect(lines[2]).toMatch(/none → -/)
    const coloured = formatProbeTable({ ports, mode: 'mx' }, { color: true })
    expect(stripVTControlCharacters(coloured)).toBe(table)
  })

  it('summarises MX hosts with their addresses, the recommendation, warnings and the verdict', () => {
    const r: ProbeResult = {
      ok: false,
      kind: 'probe',
      mode: 'mx',
      host: 'example.com',
      addresses: [],
      timeoutMs: 5000,
      ports: [{ ...unanswered(25, 'timeout'), host: 'mx.example.com', diagnosis: 'No answer.' }],
      mx: {
        domain: 'example.com',
        implicit: false,
        nullMx: false,
        hosts: [
          {
            exchange: 'mx.example.com',
            priority: 10,
            addresses: [
              { address: '192.0.2.1', family: 4 },
              { address: '2001:db8::1', family: 6 },
            ],
            error: null,
          },
        ],
      },
      recommendation: { port: null, host: null, security: null, reason: 'No MX host accepts SMTP from here.' },
      error: null,
      warnings: ['something to know'],
      phases: [],
      totalMs: 5012.3,
      roundTrips: 0,
      transcript: [],
    }
    const text = formatProbeSummary(r, style)
    expect(text).toContain('  MX of example.com:\n     10 mx.example.com → 192.0.2.1 (A), 2001:db8::1 (AAAA)')
    expect(text).toContain('No recommendation — No MX host accepts SMTP from here.')
    expect(text).toContain('warning: something to know')
    expect(text).toMatch(/FAILED — no usable relay path · 5012\.3 ms\n$/)
  })
})
