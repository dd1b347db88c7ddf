// bin/mailprobe.cjs, the command npm installs, as a child process: the bundle it runs for each command,
// the V8 code caches it compiles them from (this Node must accept them), and that a cache it cannot use
// (another build's, not a code cache at all, or none) costs speed, never a result. Runs against copies
// of bin/ and out/cli/ in a temporary folder where a test changes files.
import { spawn, spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { SmtpResult } from '../../../preload/contract'
import { removeCaFile, writeCaFile } from '../../fixtures/certs'
import { ROOT } from '../../fixtures/cli'
import { startSmtpPeer, type SmtpPeer } from '../../fixtures/smtp-peers'

const BIN = resolve(ROOT, 'bin/mailprobe.cjs')
const USER = 'bin-user'
const PASSWORD = 'Bin-canary-pw-5b7'
const { version } = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { version: string }

let caFile = ''
const peers: SmtpPeer[] = []
const copies: string[] = []
beforeAll(async () => {
  caFile = await writeCaFile()
}, 120_000)
afterAll(() => {
  removeCaFile(caFile)
  for (const dir of copies) rmSync(dir, { recursive: true, force: true })
})
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()))
})

const childEnv = (env: NodeJS.ProcessEnv) => ({ PATH: process.env.PATH, NO_COLOR: '1', ...env })

/** For what needs no server here: blocks this process's event loop. */
function node(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, args, { cwd: ROOT, env: childEnv(env), encoding: 'utf8', timeout: 15_000 })
  if (r.error) throw r.error
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** For a run against a server in this process: its event loop must keep turning. */
function nodeAsync(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (status) => {
      clearTimeout(timer)
      resolvePromise({ status, stdout, stderr })
    })
  })
}

/** bin/ and out/cli/ copied to a temporary folder, laid out as in the project. Returns the copied bin and its out/cli. */
function copyOfTheCommand(): { bin: string; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mailprobe-bin-'))
  copies.push(dir)
  mkdirSync(join(dir, 'bin'))
  cpSync(BIN, join(dir, 'bin/mailprobe.cjs'))
  cpSync(resolve(ROOT, 'out/cli'), join(dir, 'out/cli'), { recursive: true })
  return { bin: join(dir, 'bin/mailprobe.cjs'), out: join(dir, 'out/cli') }
}

/** A STARTTLS + AUTH PLAIN send through `bin`; the result and the server's copy of the message. */
async function send(bin: string, subject: string): Promise<{ status: number | null; result: SmtpResult; received: number }> {
  const peer = await startSmtpPeer({ mode: 'starttls', authMethods: ['PLAIN'], users: { [USER]: PASSWORD } })
  peers.push(peer)
  const r = await nodeAsync(
    [
      ...[bin, 'send', '--host', '127.0.0.1', '--port', String(peer.port), '--security', 'starttls', '--ca', caFile, '--servername', 'localhost'],
      ...['--user', USER, '--password-env', 'BIN_PASSWORD', '--from', 'a@example.test', '--to', 'b@example.test', '--subject', subject, '--json'],
    ],
    { BIN_PASSWORD: PASSWORD },
  )
  return { status: r.status, result: JSON.parse(r.stdout) as SmtpResult, received: peer.received.filter((m) => m.raw.includes(`Subject: ${subject}`)).length }
}

describe('bin/mailprobe.cjs', () => {
  it('compiles every bundle from a code cache made for its build, and this Node takes each', () => {
    const script = `
      const bin = require(${JSON.stringify(BIN)})
      const fs = require('node:fs')
      const out = [bin.BUNDLE, bin.SMTP_BUNDLE, bin.NODEMAILER_BUNDLE].map((file) => {
        const script = bin.compile(file)
        return { file, build: bin.buildIdOf(bin.bundleSource(fs.readFileSync(file))), cache: bin.readCache(bin.cacheFileOf(file))?.id ?? null, rejected: script.cachedDataRejected ?? 'no cache' }
      })
      process.stdout.write(JSON.stringify(out))`
    const r = node(['-e', script])
    expect(r.stderr).toBe('')
    const bundles = JSON.parse(r.stdout) as { file: string; build: string | null; cache: string | null; rejected: boolean | string }[]
    for (const b of bundles) {
      expect(b.build, `${b.file} names its build`).toMatch(/^[0-9a-f]{16}$/)
      expect(b.cache, `the cache beside ${b.file} was made for that build`).toBe(b.build)
      expect(b.rejected, `V8 took ${b.file}'s cache`).toBe(false)
    }
  })

  it('runs send and verify from the send/verify bundle, which loads nodemailer from its own bundle; the rest from the full one', async () => {
    const copy = copyOfTheCommand()
    // Without the full bundle, only what runs from the send/verify bundle still works.
    rmSync(join(copy.out, 'mailprobe.cjs'))
    const sent = await send(copy.bin, 'from the send bundle')
    expect(sent.status).toBe(0)
    expect(sent.result).toMatchObject({ ok: true, authMethodUsed: 'PLAIN' })
    expect(sent.received).toBe(1)
    const help = node([copy.bin, 'verify', '--help'])
    expect(help.status).toBe(0)
    expect(help.stdout).toMatch(/^Usage: mailprobe verify/)
    expect(node([copy.bin, '--version']).status).not.toBe(0)
    expect(node([copy.bin, 'probe', '--help']).status).not.toBe(0)
  })

  it('runs send and verify with a saved sign-in (--oauth) from the full bundle: the send/verify one leaves OAuth2 out', () => {
    const script = `
      const { usesSignIn } = require(${JSON.stringify(BIN)})
      const cases = [['--host', 'h', '--oauth', 'w'], ['--oauth=w'], ['--host', 'h'], ['--host', 'h', '--oauth-token', 'x'], ['--host', 'h', '--', '--oauth', 'w']]
      process.stdout.write(JSON.stringify(cases.map(usesSignIn)))`
    expect(JSON.parse(node(['-e', script]).stdout)).toEqual([true, true, false, false, false])
    // The send/verify bundle itself has no OAuth2: run there, --oauth says so instead of working.
    const r = node([resolve(ROOT, 'out/cli/mailprobe-smtp.cjs'), 'verify', '--host', '127.0.0.1', '--oauth', 'work', '--json'], { MAILPROBE_DATA_DIR: resolve(ROOT, 'out/nonexistent') })
    expect(r.status).toBe(1)
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'INTERNAL', message: expect.stringContaining('oauth-run is not in the send/verify bundle') as unknown } })
    expect(readFileSync(resolve(ROOT, 'out/cli/mailprobe-smtp.cjs'), 'latin1')).not.toMatch(/openid-client|oauth4webapi/)
  })

  it('runs a send with delivery proof or DKIM from the full bundle: the send/verify one leaves the mailbox watch and the signer out', () => {
    const script = `
      const { needsFullBundle } = require(${JSON.stringify(BIN)})
      const cases = [
        ['--host', 'h', '--await-inbox', 'imaps://u@h'], ['--await-inbox=imaps://u@h'], ['--inbox-timeout', '5'], ['--dkim-domain', 'd'], ['--dkim-key-file=k.pem'],
        ['--oauth', 'w'], ['--host', 'h'], ['--host', 'h', '--', '--await-inbox', 'x'], ['--subject', '--dkim-domain'],
      ]
      process.stdout.write(JSON.stringify(cases.map(needsFullBundle)))`
    // The last: a value that looks like the option still routes to the full bundle, which parses it properly (slower, never wrong).
    expect(JSON.parse(node(['-e', script]).stdout)).toEqual([true, true, true, true, true, true, false, false, true])
    const smtpBundle = readFileSync(resolve(ROOT, 'out/cli/mailprobe-smtp.cjs'), 'latin1')
    expect(smtpBundle).not.toMatch(/ImapFlow|mailauth|DKIMSigner/)
    expect(readFileSync(resolve(ROOT, 'out/cli/mailprobe.cjs'), 'latin1')).toMatch(/ImapFlow/)
    // Run there anyway, it says so instead of working.
    const r = node(
      [
        resolve(ROOT, 'out/cli/mailprobe-smtp.cjs'),
        'send',
        '--host',
        '127.0.0.1',
        '--port',
        '9',
        '--from',
        'a@example.test',
        '--to',
        'b@example.test',
        '--await-inbox',
        'imaps://u@127.0.0.1',
        '--inbox-password-env',
        'P',
        '--json',
      ],
      { P: 'x' },
    )
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(/inbox-run is not in the send\/verify bundle/)
  })

  it('runs every command from the project as it is', async () => {
    const sent = await send(BIN, 'through the bin')
    expect(sent.status).toBe(0)
    expect(sent.result.ok).toBe(true)
    expect(sent.received).toBe(1)
    const v = node([BIN, '--version'])
    expect(v).toEqual({ status: 0, stdout: `${version}\n`, stderr: '' })
    const probe = node([BIN, 'probe', '--help'])
    expect(probe.status).toBe(0)
    expect(probe.stdout).toMatch(/^Usage: mailprobe probe/)
  })

  it('a cache for another build, one that is not a code cache, or none: the same results, compiled from source', async () => {
    const cases: Record<string, (out: string) => void> = {
      'another build': (out) => {
        for (const f of readdirSync(out).filter((n) => n.endsWith('.v8cache'))) {
          const bytes = readFileSync(join(out, f))
          const eol = bytes.indexOf(10)
          writeFileSync(join(out, f), Buffer.concat([Buffer.from('mailprobe-code-cache 0000000000000000'), bytes.subarray(eol)]))
        }
      },
      'not a code cache': (out) => {
        for (const f of readdirSync(out).filter((n) => n.endsWith('.v8cache'))) {
          const bytes = readFileSync(join(out, f))
          const eol = bytes.indexOf(10)
          writeFileSync(join(out, f), Buffer.concat([bytes.subarray(0, eol + 1), Buffer.alloc(4096, 0x5a)]))
        }
      },
      none: (out) => {
        for (const f of readdirSync(out).filter((n) => n.endsWith('.v8cache'))) rmSync(join(out, f))
      },
    }
    for (const [name, spoil] of Object.entries(cases)) {
      const copy = copyOfTheCommand()
      spoil(copy.out)
      const v = node([copy.bin, '--version'])
      expect(v, name).toEqual({ status: 0, stdout: `${version}\n`, stderr: '' })
      const sent = await send(copy.bin, `cache: ${name}`)
      expect(sent.status, name).toBe(0)
      expect(sent.result.ok, name).toBe(true)
      expect(sent.received, name).toBe(1)
    }
  })
})
