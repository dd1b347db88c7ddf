// What every command that connects shares, parsed in-process: the network flags (--proxy,
// --proxy-password-env, --ipv4 / --ipv6, --local-address), -v / -q, -V, and how the user's input is
// echoed in messages (sanitized and cut, the same way everywhere).
import { describe, expect, it } from 'vitest'
import { apiJobSchema, domainJobSchema, networkSchema, parseProxyUrl, probeJobSchema, smtpJobSchema, type NetworkOptionsInput } from '../../../preload/contract'
import { parseApiArgs } from '../../../main/cli/api'
import { parseCli, PROXY_PASSWORD_IN_ARGV, UsageError, withSecret, type Verbosity } from '../../../main/cli/args'
import { parseCompareArgs } from '../../../main/cli/compare'
import { parseDomainArgs } from '../../../main/cli/domain'
import { parseProbeArgs } from '../../../main/cli/probe'
import { parseSandboxArgs } from '../../../main/cli/sandbox'
import { readEnvSecret, withProxyPassword } from '../../../main/cli/secrets'

/** What each command's parser makes of its network and output flags. */
interface Parsed {
  network: NetworkOptionsInput | undefined
  proxyPasswordEnv: string | null
  verbosity: Verbosity
  /** The engine input with the network section, as its schema checks it. */
  valid(): boolean
}

const COMMANDS: Record<string, (extra: string[]) => Parsed> = {
  send: (extra) => {
    const r = parseCli(['send', '--host', 'smtp.example.com', '--from', 'a@example.com', '--to', 'b@example.net', ...extra], { token: 't' })
    if (r.action !== 'run') throw new Error('not a run')
    return { network: r.job.network, proxyPasswordEnv: r.proxyPasswordEnv, verbosity: r.verbosity, valid: () => smtpJobSchema.safeParse(withSecret(r, null)).success }
  },
  verify: (extra) => {
    const r = parseCli(['verify', '--host', 'smtp.example.com', ...extra])
    if (r.action !== 'run') throw new Error('not a run')
    return { network: r.job.network, proxyPasswordEnv: r.proxyPasswordEnv, verbosity: r.verbosity, valid: () => smtpJobSchema.safeParse(withSecret(r, null)).success }
  },
  api: (extra) => {
    const r = parseApiArgs(['--provider', 'brevo', '--key-env', 'K', '--verify', ...extra])
    if (r.action !== 'run') throw new Error('not a run')
    return { network: r.job.network, proxyPasswordEnv: r.proxyPasswordEnv, verbosity: r.verbosity, valid: () => apiJobSchema.safeParse({ ...r.job, credentials: { key: 'k' } }).success }
  },
  probe: (extra) => {
    const r = parseProbeArgs(['smtp.example.com', ...extra])
    if (r.action !== 'run') throw new Error('not a run')
    return { network: r.job.network, proxyPasswordEnv: r.proxyPasswordEnv, verbosity: r.verbosity, valid: () => probeJobSchema.safeParse(r.job).success }
  },
  domain: (extra) => {
    const r = parseDomainArgs(['example.com', ...extra])
    if (r.action !== 'run') throw new Error('not a run')
    return { network: r.job.network, proxyPasswordEnv: r.proxyPasswordEnv, verbosity: r.verbosity, valid: () => domainJobSchema.safeParse(r.job).success }
  },
  compare: (extra) => {
    const r = parseCompareArgs(['--profiles', 'p.json', '--profile', 'a', '--profile', 'b', ...extra], { token: 't' })
    if (r.action !== 'run') throw new Error('not a run')
    return { network: r.network ?? undefined, proxyPasswordEnv: r.proxyPasswordEnv, verbosity: r.verbosity, valid: () => networkSchema.safeParse(r.network ?? {}).success }
  },
}

/** The UsageError (exit status 2) that `fn` throws; fails when it throws none. */
function usageError(fn: () => unknown): UsageError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError)
    expect((err as UsageError).exitCode).toBe(2)
    return err as UsageError
  }
  throw new Error('no usage error')
}

const PROXY_PW = 'Proxy-canary-pw-5d1c'

describe.each(Object.entries(COMMANDS))('%s: network flags', (_name, parse) => {
  it('leaves the network section to the engine (or the profile) when no flag is given', () => {
    const r = parse([])
    expect(r.network).toBeUndefined()
    expect(r.proxyPasswordEnv).toBeNull()
  })

  it('builds the network section the contract accepts from every flag', () => {
    const r = parse(['--proxy', 'socks5://me@127.0.0.1:1080', '--proxy-password-env', 'PROXY_PW', '--ipv6', '--local-address', '::1'])
    expect(r.network).toEqual({ family: 'ipv6', localAddress: '::1', proxy: { url: 'socks5://me@127.0.0.1:1080' } })
    expect(r.proxyPasswordEnv).toBe('PROXY_PW')
    expect(r.valid()).toBe(true)
    expect(parse(['--ipv4']).network).toEqual({ family: 'ipv4' })
    expect(parse(['--local-address', '192.0.2.10']).network).toEqual({ localAddress: '192.0.2.10' })
    for (const url of ['socks5h://127.0.0.1:1080', 'socks4://127.0.0.1', 'http://proxy.example.com:3128']) {
      const p = parse(['--proxy', url])
      expect(p.network).toEqual({ proxy: { url } })
      expect(p.valid()).toBe(true)
    }
  })

  it('refuses a password in the proxy URL with the contract’s sentence, never echoing it', () => {
    const err = usageError(() => parse(['--proxy', `socks5://me:${PROXY_PW}@127.0.0.1:1080`]))
    const expected = parseProxyUrl(`socks5://me:${PROXY_PW}@127.0.0.1:1080`)
    expect('problem' in expected && err.message).toBe(`--proxy: ${'problem' in expected ? expected.problem : ''}`)
    expect(err.message).not.toContain(PROXY_PW)
  })

  it('refuses a proxy password on the command line under any name', () => {
    for (const flag of [['--proxy-password', PROXY_PW], [`--proxy-password=${PROXY_PW}`], ['--proxy-pass', PROXY_PW], [`--proxy-secret=${PROXY_PW}`], ['--proxy-password-stdin']]) {
      const err = usageError(() => parse(['--proxy', 'socks5://me@127.0.0.1:1080', ...flag]))
      expect(err.message).toBe(PROXY_PASSWORD_IN_ARGV)
      expect(err.message).not.toContain(PROXY_PW)
    }
  })

  it('says what is wrong with the other network flags', () => {
    expect(usageError(() => parse(['--proxy', 'socks5://127.0.0.1:1080', '--proxy-password-env', 'P'])).message).toMatch(/needs a user name in the proxy URL/)
    expect(usageError(() => parse(['--proxy-password-env', 'P'])).message).toMatch(/--proxy-password-env needs --proxy URL/)
    const named = usageError(() => parse(['--proxy', 'socks5://me@127.0.0.1:1080', '--proxy-password-env', PROXY_PW]))
    expect(named.message).toMatch(/NAME of an environment variable/)
    expect(named.message).not.toContain(PROXY_PW)
    expect(usageError(() => parse(['--proxy', 'ftp://127.0.0.1'])).message).toMatch(/^--proxy: proxy scheme 'ftp' is not supported/)
    expect(usageError(() => parse(['--proxy', '127.0.0.1:1080'])).message).toMatch(/^--proxy: the proxy must be a URL/)
    expect(usageError(() => parse(['--ipv4', '--ipv6'])).message).toMatch(/one of --ipv4 and --ipv6/)
    expect(usageError(() => parse(['--local-address', 'eth0'])).message).toMatch(/--local-address takes an IPv4 or IPv6 address .*\(got 'eth0'\)/)
    expect(usageError(() => parse(['--ipv4', '--local-address', '::1'])).message).toMatch(/IPv6 address, but --ipv4/)
    expect(usageError(() => parse(['--ipv6', '--local-address', '127.0.0.1'])).message).toMatch(/IPv4 address, but --ipv6/)
  })
})

describe.each(Object.entries(COMMANDS))('%s: -v and -q', (_name, parse) => {
  it('sets how much is printed; never both', () => {
    expect(parse([]).verbosity).toBe('normal')
    expect(parse(['-v']).verbosity).toBe('verbose')
    expect(parse(['--verbose']).verbosity).toBe('verbose')
    expect(parse(['-q']).verbosity).toBe('quiet')
    expect(parse(['--quiet', '--json']).verbosity).toBe('quiet')
    expect(usageError(() => parse(['-v', '-q'])).message).toMatch(/one of -v \(--verbose\) and -q \(--quiet\)/)
    expect(usageError(() => parse(['-vq'])).message).toMatch(/one of -v/)
  })
})

describe('-V and -v at the top level', () => {
  it('-V and --version print the version; -v is --verbose, which belongs to a command', () => {
    expect(parseCli(['-V'])).toEqual({ action: 'version' })
    expect(parseCli(['--version'])).toEqual({ action: 'version' })
    expect(usageError(() => parseCli(['-v'])).message).toMatch(/-v goes after a command .*the version is -V or --version/)
    expect(usageError(() => parseCli(['--quiet'])).message).toMatch(/--quiet goes after a command/)
  })
})

describe('the proxy password, read when the run starts', () => {
  const network = { proxy: { url: 'socks5://me@127.0.0.1:1080' } }

  it('comes from the variable --proxy-password-env names', () => {
    expect(withProxyPassword(network, 'PROXY_PW', { PROXY_PW }, 'send')).toEqual({ proxy: { url: 'socks5://me@127.0.0.1:1080', password: PROXY_PW } })
    expect(withProxyPassword(network, null, { PROXY_PW }, 'send')).toBe(network)
    expect(withProxyPassword(undefined, null, {}, 'send')).toBeUndefined()
  })

  it('an unset or empty variable is bad usage, said without the variable’s name', () => {
    for (const env of [{}, { MAYBE_A_PASSWORD: '' }]) {
      const err = usageError(() => withProxyPassword(network, 'MAYBE_A_PASSWORD', env, 'probe'))
      expect(err.message).toBe('--proxy-password-env: the environment variable it names is not set or is empty (export it first, then pass its name)')
      expect(err.command).toBe('probe')
    }
    expect(() => readEnvSecret('--key-env', 'K', { K: 'v' })).not.toThrow()
  })
})

describe('echoing the user’s input', () => {
  // An escape sequence that would clear the screen, then more text than any message should repeat.
  const NASTY = `\x1b[2J${'x'.repeat(300)}`
  const cases: [string, () => unknown][] = [
    ['an unknown command', () => parseCli([NASTY])],
    ['a help topic', () => parseCli(['help', NASTY])],
    ['an option before the command', () => parseCli([`--${NASTY}`])],
    ['an unknown option', () => parseCli(['send', '--host', 'h', `--${NASTY}`])],
    ['a bad port', () => parseCli(['send', '--host', 'h', '--from', 'a@b.c', '--to', 'x@y.z', '--port', NASTY])],
    ['a bad choice', () => parseCli(['send', '--host', 'h', '--from', 'a@b.c', '--to', 'x@y.z', '--security', NASTY])],
    ['a bad timeout', () => parseCli(['send', '--host', 'h', '--from', 'a@b.c', '--to', 'x@y.z', '--timeout', NASTY])],
    ['a bad local address', () => parseCli(['verify', '--host', 'h', '--local-address', NASTY])],
    ['an unknown provider', () => parseApiArgs(['--provider', NASTY, '--key-env', 'K', '--verify'])],
    ['a bad region', () => parseApiArgs(['--provider', 'mailgun', '--key-env', 'K', '--domain', 'd', '--region', NASTY, '--verify'])],
    ['a bad probe port', () => parseProbeArgs(['h', '--ports', NASTY])],
    ['a host that looks like an option', () => parseProbeArgs(['--', `-${NASTY}`])],
    ['a bad lab mode', () => parseCompareArgs(['--profiles', 'p', '--profile', 'a', '--profile', 'b', '--mode', NASTY])],
    ['a bad run count', () => parseCompareArgs(['--profiles', 'p', '--profile', 'a', '--profile', 'b', '--runs', NASTY])],
    ['a stray sandbox word', () => parseSandboxArgs([NASTY])],
    ['an unknown domain provider', () => parseDomainArgs(['example.com', '--provider', NASTY])],
    ['a bad DNS server', () => parseDomainArgs(['example.com', '--dns-server', NASTY])],
    ['a bad sandbox RTT', () => parseSandboxArgs(['--rtt', NASTY])],
  ]
  it.each(cases)('%s: shown escaped and cut, in quotes', (_what, fn) => {
    const { message } = usageError(fn)
    expect(message).not.toContain('\x1b')
    expect(message).toMatch(/'-{0,2}\\x1b\[2Jx+…'/)
    expect(message.length).toBeLessThan(300)
  })
})
