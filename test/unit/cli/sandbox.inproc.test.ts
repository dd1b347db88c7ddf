// `mailprobe sandbox` in-process: argument parsing, and the command run with a fake signal source.
import { EventEmitter } from 'node:events'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { inboxIdOf, profilesExportSchema, SANDBOX_RTT_MAX_MS, SANDBOX_THINK_MAX_MS } from '../../../preload/contract'
import { UsageError } from '../../../main/cli/args'
import { defaultDataDir, parseSandboxArgs, runSandboxCommand, SANDBOX_HELP, SANDBOX_RTT_MAX, SANDBOX_THINK_MAX, type SandboxCliRequest } from '../../../main/cli/sandbox'
import { runSmtp } from '../../../main/core/smtp'

const dirs: string[] = []
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'mailprobe-sandbox-cli-'))
  dirs.push(d)
  return d
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const usageOf = (argv: string[]) => {
  try {
    parseSandboxArgs(argv)
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError)
    expect((err as UsageError).exitCode).toBe(2)
    return (err as UsageError).message
  }
  throw new Error(`no usage error for ${argv.join(' ')}`)
}

describe('mailprobe sandbox: arguments', () => {
  it('parses the options, with defaults', () => {
    expect(parseSandboxArgs([])).toEqual({ action: 'run', json: false, rttMs: 0, thinkMs: 0, profilesOut: null, dataDir: null, ports: null })
    expect(parseSandboxArgs(['sandbox', '--rtt', '40', '--think', '5', '--json', '--profiles-out', 'p.json', '--data-dir', 'd', '--ports', '2587,2465,0,2443'])).toEqual({
      action: 'run',
      json: true,
      rttMs: 40,
      thinkMs: 5,
      profilesOut: 'p.json',
      dataDir: 'd',
      ports: { starttls: 2587, tls: 2465, plain: 0, api: 2443 },
    })
    expect(parseSandboxArgs(['--rtt', '500', '--help'])).toEqual({ action: 'help' })
  })

  it('refuses bad usage with exit status 2', () => {
    expect(usageOf(['--rtt', '501'])).toMatch(/--rtt takes whole milliseconds from 0 to 500/)
    expect(usageOf(['--rtt', '-5'])).toMatch(/--rtt/)
    expect(usageOf(['--think', 'slow'])).toMatch(/--think/)
    expect(usageOf(['--ports', '1,2,3'])).toMatch(/four port numbers/)
    expect(usageOf(['--ports', '2525,2525,0,0'])).toMatch(/twice/)
    expect(usageOf(['--port', '1'])).toMatch(/unknown option '--port'/)
    expect(usageOf(['now'])).toMatch(/unexpected argument/)
    expect(usageOf(['--profiles-out', ' '])).toMatch(/needs a file name/)
  })

  it('keeps its limits equal to the contract’s', () => {
    expect(SANDBOX_RTT_MAX).toBe(SANDBOX_RTT_MAX_MS)
    expect(SANDBOX_THINK_MAX).toBe(SANDBOX_THINK_MAX_MS)
  })

  it('chooses a per-user data directory', () => {
    expect(defaultDataDir({ MAILPROBE_DATA_DIR: '/x' }, 'linux', '/home/u')).toBe('/x')
    expect(defaultDataDir({}, 'linux', '/home/u')).toBe('/home/u/.local/share/mailprobe')
    expect(defaultDataDir({ XDG_DATA_HOME: '/xdg' }, 'linux', '/home/u')).toBe('/xdg/mailprobe')
    expect(defaultDataDir({}, 'darwin', '/Users/u')).toBe('/Users/u/Library/Application Support/mailprobe')
  })
})

/** Runs the command in-process; resolves `ready` with the first stdout text, stops on `stop()`. */
function start(req: SandboxCliRequest, cwd: string) {
  const signals = new EventEmitter()
  let stdout = ''
  let stderr = ''
  const waiters: { re: RegExp; resolve: () => void }[] = []
  const check = () => {
    for (const w of [...waiters]) {
      if (!w.re.test(stdout)) continue
      waiters.splice(waiters.indexOf(w), 1)
      w.resolve()
    }
  }
  const io = {
    stdout: {
      write: (t: string) => {
        stdout += t
        check()
      },
    },
    stderr: { write: (t: string) => (stderr += t) },
    env: {},
    signals: signals as unknown as NodeJS.Process,
    cwd,
  }
  const done = runSandboxCommand(req, io)
  return {
    done,
    signals,
    get stdout() {
      return stdout
    },
    get stderr() {
      return stderr
    },
    /** Resolves once stdout matches (or the command ends). */
    waitFor: (re: RegExp) =>
      Promise.race([
        new Promise<void>((resolve) => {
          waiters.push({ re, resolve })
          check()
        }),
        done.then(() => undefined),
      ]),
  }
}

describe('mailprobe sandbox: running (in-process)', () => {
  it('--json: one JSON line with ports and demo credentials, a valid profiles file, a JSON line per message', async () => {
    const cwd = tmp()
    const run = start(parseSandboxArgs(['--json', '--profiles-out', 'profiles.json', '--data-dir', 'data', '--rtt', '0']), cwd)
    await run.waitFor(/\n/)
    const first = JSON.parse(run.stdout.split('\n')[0]!)
    expect(Object.keys(first)).toEqual(['smtp', 'api', 'user', 'password', 'ca'])
    expect(Object.keys(first.smtp)).toEqual(['starttls', 'tls', 'plain'])
    expect(Object.keys(first.api)).toEqual(['url', 'key'])
    expect(first.ca).toBe(join(cwd, 'data', 'sandbox-tls', 'ca.pem'))
    expect(existsSync(first.ca)).toBe(true)

    const doc = profilesExportSchema.parse(JSON.parse(readFileSync(join(cwd, 'profiles.json'), 'utf8')))
    expect(doc.profiles.map((p) => p.name)).toEqual(['sandbox-starttls', 'sandbox-tls', 'sandbox-api'])
    expect(doc.profiles.every((p) => p.tls.caFile === first.ca)).toBe(true)
    const starttls = doc.profiles[0]!
    expect(starttls.kind === 'smtp' && starttls.port).toBe(first.smtp.starttls)
    expect(starttls.kind === 'smtp' && starttls.password).toBe(first.password)

    const r = await runSmtp({
      host: '127.0.0.1',
      port: first.smtp.starttls,
      security: 'starttls',
      tls: { caFile: first.ca },
      auth: { user: first.user, secret: first.password },
      message: { from: 'a@example.test', to: ['b@example.test'], subject: 'via cli', text: 'x' },
    })
    expect(r.ok).toBe(true)
    await run.waitFor(/"event":"message"/)
    const line = JSON.parse(run.stdout.split('\n').find((l) => l.includes('"event":"message"'))!)
    expect(line).toMatchObject({ event: 'message', id: inboxIdOf(r), via: 'smtp', channel: 'starttls', from: 'a@example.test', to: ['b@example.test'], subject: 'via cli' })

    run.signals.emit('SIGTERM')
    expect(await run.done).toBe(0)
    expect(JSON.parse(run.stdout.trim().split('\n').at(-1)!)).toEqual({ event: 'stopped', received: 1 })
    expect(run.signals.listenerCount('SIGINT') + run.signals.listenerCount('SIGTERM')).toBe(0)
    // Stopped means stopped: the port no longer answers.
    await expect(new Promise((resolve, reject) => net.connect({ host: '127.0.0.1', port: first.smtp.plain }).on('connect', resolve).on('error', reject))).rejects.toThrow(/ECONNREFUSED/)
  })

  it('human output: ports, credentials, the profiles file, then a line per message', async () => {
    const cwd = tmp()
    const run = start(parseSandboxArgs(['--data-dir', 'data', '--profiles-out', 'p.json', '--think', '0']), cwd)
    await run.waitFor(/Waiting for messages/)
    expect(run.stdout).toMatch(/SMTP STARTTLS\s+127\.0\.0\.1:\d+/)
    expect(run.stdout).toMatch(/password\s+sandbox-demo-password/)
    expect(run.stdout).toMatch(/protect nothing/)
    expect(run.stdout).toContain(`Profiles written to ${join(cwd, 'p.json')}`)
    const port = Number(/SMTP plain\s+127\.0\.0\.1:(\d+)/.exec(run.stdout)![1])
    const r = await runSmtp({ host: '127.0.0.1', port, security: 'none', message: { from: 'a@example.test', to: ['b@example.test'], subject: 'hello \u001b[31mred', text: 'x' } })
    await run.waitFor(/plain {4}/)
    const line = run.stdout.split('\n').find((l) => l.includes(inboxIdOf(r)!))!
    expect(line).toMatch(/plain\s+[0-9A-F]{10}\s+a@example\.test → b@example\.test\s+"hello \\x1b\[31mred"\s+\d+ bytes/)
    run.signals.emit('SIGINT')
    expect(await run.done).toBe(0)
    expect(run.stdout).toMatch(/Sandbox stopped \(1 message received\)/)
  })

  it('exits 1 with a sentence when a port is taken', async () => {
    const blocker = net.createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    const port = (blocker.address() as net.AddressInfo).port
    try {
      const run = start(parseSandboxArgs(['--data-dir', 'data', '--ports', `0,0,${port},0`]), tmp())
      expect(await run.done).toBe(1)
      expect(run.stderr).toMatch(new RegExp(`127\\.0\\.0\\.1:${port} .*in use`))
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()))
    }
  })

  it('prints its help', async () => {
    const run = start({ action: 'help' }, tmp())
    expect(await run.done).toBe(0)
    expect(run.stdout).toBe(SANDBOX_HELP)
  })
})
