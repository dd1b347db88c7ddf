// The built `mailprobe` bundle as a child process, for what needs no server: usage errors,
// help and version. (Runs against local servers are in the other *.child.test.ts files.)
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CLI, ROOT } from '../../fixtures/cli'

const SECRET = 'Hunter2-do-not-print'

function mailprobe(args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string } = {}) {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, NO_COLOR: '1', ...opts.env }
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, env, input: opts.input ?? '', encoding: 'utf8', timeout: 15_000 })
  if (r.error) throw r.error
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('mailprobe (built)', () => {
  it('prints the usage and exits 2 without a command', () => {
    const r = mailprobe([])
    expect(r.status).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/no command given/)
    expect(r.stderr).toMatch(/Usage:\n {2}mailprobe send/)
  })

  it('prints the package version', () => {
    const { version } = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { version: string }
    const r = mailprobe(['--version'])
    expect(r.status).toBe(0)
    expect(r.stdout).toBe(`${version}\n`)
    expect(r.stderr).toBe('')
  })

  it('prints help with exit 0', () => {
    for (const args of [['--help'], ['send', '--help'], ['verify', '--help'], ['help', 'verify']]) {
      const r = mailprobe(args)
      expect(r.status).toBe(0)
      expect(r.stderr).toBe('')
    }
    const verify = mailprobe(['verify', '--help'])
    expect(verify.stdout).toMatch(/^Usage: mailprobe verify --host H/)
    expect(verify.stdout).toMatch(/--password-env VAR/)
    const send = mailprobe(['send', '--help'])
    for (const option of [
      '--stop-after',
      '--attach',
      '--header',
      '--ca',
      '--insecure',
      '--servername',
      '--ehlo',
      '--timeout',
      '--json',
      '--show-username',
      '--await-inbox',
      '--inbox-password-env',
      '--inbox-oauth',
      '--dkim-key-file',
    ])
      expect(send.stdout).toContain(option)
  })

  it('lists domain in the usage, and its help names every option', () => {
    expect(mailprobe(['--help']).stdout).toMatch(/\n {2}mailprobe domain DOMAIN \[--provider P \| --relay HOST\]/)
    for (const args of [
      ['domain', '--help'],
      ['help', 'domain'],
    ]) {
      const r = mailprobe(args)
      expect(r.status).toBe(0)
      expect(r.stderr).toBe('')
      expect(r.stdout).toMatch(/^Usage: mailprobe domain DOMAIN/)
      for (const option of ['--provider', '--relay', '--dkim-selector', '--sending-ip', '--dns-server', '--timeout', '--no-probe', '--mx-port', '--json', '--quiet']) expect(r.stdout).toContain(option)
    }
  })

  it('domain: bad usage exits 2 with one line and a hint, before any DNS question', () => {
    for (const [args, message] of [
      [['domain'], /a domain is required/],
      [['domain', 'example.com', '--provider', 'nope'], /--provider must be one of .*\(got 'nope'\)/],
      [['domain', 'example.com', '--provider', 'sendgrid', '--relay', 'smtp.example.net'], /not both/],
      [['domain', 'example.com', '--sending-ip', '999.1.1.1'], /--sending-ip takes an IPv4 or IPv6 address/],
      [['domain', 'example.com', '--dns-server', 'resolver.example'], /--dns-server takes a resolver's IP address/],
      [['domain', 'example.com', '--dns-server', '127.0.0.1:99999', '--json'], /the port is 1 to 65535/],
    ] as const) {
      const r = mailprobe([...args])
      expect(r.status).toBe(2)
      expect(r.stdout).toBe('')
      const lines = r.stderr.trimEnd().split('\n')
      expect(lines).toHaveLength(2)
      expect(lines[0]).toMatch(/^mailprobe domain: /)
      expect(lines[0]).toMatch(message)
      expect(lines[1]).toBe("Run 'mailprobe domain --help' for usage.")
    }
  })

  it('lists check in the usage, and its help names every option', () => {
    expect(mailprobe(['--help']).stdout).toMatch(/\n {2}mailprobe check {2}\[FILE\] \[--junit FILE\] \[--every 5m\]/)
    for (const args of [
      ['check', '--help'],
      ['help', 'check'],
    ]) {
      const r = mailprobe(args)
      expect(r.status).toBe(0)
      expect(r.stderr).toBe('')
      expect(r.stdout).toMatch(/^Usage: mailprobe check \[FILE\]/)
      for (const option of ['--only', '--concurrency', '--json', '--junit', '--every', '--metrics-port', 'GITHUB_ACTIONS']) expect(r.stdout).toContain(option)
    }
  })

  it('check: bad usage exits 2 with one line and a hint, before any file is read', () => {
    for (const [args, message] of [
      [['check', 'a.yaml', 'b.yaml'], /one check file at a time/],
      [['check', '--concurrency', '0'], /--concurrency takes a number from 1 to 16/],
      [['check', '--every', '10'], /--every takes a duration such as 30s/],
      [['check', '--every', '100ms'], /--every is at least 1s/],
      [['check', '--metrics-port', '9464'], /--metrics-port needs --every/],
      [['check', 'no-such-file.yaml', '--json'], /no such check file: 'no-such-file\.yaml'/],
    ] as const) {
      const r = mailprobe([...args])
      expect(r.status).toBe(2)
      expect(r.stdout).toBe('')
      const lines = r.stderr.trimEnd().split('\n')
      expect(lines).toHaveLength(2)
      expect(lines[0]).toMatch(/^mailprobe check: /)
      expect(lines[0]).toMatch(message)
      expect(lines[1]).toBe("Run 'mailprobe check --help' for usage.")
    }
  })

  it('refuses a password on the command line with exit 2 and never prints it', () => {
    for (const args of [
      ['send', '--password', SECRET],
      ['send', '--host', 'h', '--user', 'me', `--pass=${SECRET}`, '--json'],
      ['verify', '--host', 'h', '--user', 'me', '--password-stdin', SECRET],
    ]) {
      const r = mailprobe(args)
      expect(r.status).toBe(2)
      expect(r.stdout).toBe('')
      expect(r.stderr).toMatch(/--password-env/)
      expect(r.stderr).toMatch(/--password-stdin/)
      expect(r.stderr).toMatch(/Run 'mailprobe (send |verify )?--help' for usage\./)
      expect(r.stderr).not.toContain(SECRET)
    }
  })

  it('wants --from for send, with a hint to --help', () => {
    const r = mailprobe(['send', '--host', 'h'])
    expect(r.status).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe("mailprobe send: --from ADDR is required (the envelope sender)\nRun 'mailprobe send --help' for usage.\n")
  })

  it('exits 2 for unknown options, bad values and unknown commands', () => {
    for (const args of [
      ['send', '--host', 'h', '--from', 'a@b.c', '--to', 'x@y.z', '--port', '99999'],
      ['send', '--host', 'h', '--from', 'a@b.c', '--to', 'x@y.z', '--security', 'ssl'],
      ['verify', '--host', 'h', '--bogus'],
      ['probe'],
    ]) {
      const r = mailprobe(args)
      expect(r.status).toBe(2)
      expect(r.stdout).toBe('')
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(2)
    }
  })

  it('exits 2 when --password-env names an unset variable, or stdin is empty', () => {
    const env = mailprobe(['verify', '--host', '127.0.0.1', '--user', 'me', '--password-env', 'MAILPROBE_TEST_UNSET'])
    expect(env.status).toBe(2)
    expect(env.stderr).toMatch(/not set or is empty/)
    const stdin = mailprobe(['verify', '--host', '127.0.0.1', '--user', 'me', '--password-stdin'], { input: '' })
    expect(stdin.status).toBe(2)
    expect(stdin.stderr).toMatch(/standard input was empty/)
  })

  it('exits 2 when the engine finds the input invalid', () => {
    const r = mailprobe(['send', '--host', '127.0.0.1', '--from', 'not-an-address', '--to', 'x@y.z', '--json'])
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/^mailprobe send: .*from/)
    // --json still answers with the one result object.
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, kind: 'smtp', error: { code: 'INVALID_INPUT' } })
  })
})
