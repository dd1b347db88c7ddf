// The built `mailprobe` as a child process, for the conventions every command shares: -V, -v showing
// the detail lines the default output leaves out, -q printing the verdict line only, Ctrl-C exiting
// 130, and a proxy password in the URL refused without being echoed.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SmtpResult } from '../../../preload/contract'
import { removeCaFile, writeCaFile } from '../../fixtures/certs'
import { ROOT, runCli } from '../../fixtures/cli'
import { neverGreets, type RawPeer } from '../../fixtures/raw-peers'
import { expectNoLeaks } from '../../fixtures/secret-scan'
import { startSmtpPeer, type SmtpPeer } from '../../fixtures/smtp-peers'

let caFile = ''
let starttls: SmtpPeer
let plain: SmtpPeer
let silent: RawPeer
beforeAll(async () => {
  caFile = await writeCaFile()
  starttls = await startSmtpPeer({ mode: 'starttls', users: {} })
  plain = await startSmtpPeer({ mode: 'plain', users: {}, rejectRecipients: ['nobody@example.test'] })
  silent = await neverGreets()
})
afterAll(async () => {
  await Promise.all([starttls.close(), plain.close(), silent.close()])
  removeCaFile(caFile)
})

const send = (port: number, ...extra: string[]) => ['send', '--host', '127.0.0.1', '--port', String(port), '--security', 'none', '--from', 'a@example.test', '--to', 'b@example.test', ...extra]

describe('-V, --version', () => {
  it('prints the version and nothing else', async () => {
    const { version } = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { version: string }
    for (const flag of ['-V', '--version']) {
      const r = await runCli([flag])
      expect(r.status).toBe(0)
      expect(r.stdout).toBe(`${version}\n`)
      expect(r.stderr).toBe('')
    }
  })

  it('-v alone is --verbose without a command: bad usage that points to -V', async () => {
    const r = await runCli(['-v'])
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/the version is -V or --version/)
  })
})

describe('-v, --verbose', () => {
  it('shows the detail lines (the TLS handshake) that the default output leaves out', async () => {
    const args = ['verify', '--host', '127.0.0.1', '--port', String(starttls.port), '--security', 'starttls', '--ca', caFile, '--servername', 'localhost']
    const [json, normal, verbose] = await Promise.all([runCli([...args, '--json']), runCli(args), runCli([...args, '-v'])])
    for (const r of [json, normal, verbose]) expect(r.status).toBe(0)
    const result = JSON.parse(json.stdout) as SmtpResult
    const details = result.transcript.filter((l) => l.detail)
    expect(details.length, 'the engine marks some lines of a STARTTLS session as details').toBeGreaterThan(0)
    for (const line of details) {
      expect(verbose.stdout).toContain(line.text)
      expect(normal.stdout).not.toContain(line.text)
    }
    // Everything else is the same, and -v adds lines only.
    const normalLines = normal.stdout.split('\n').filter((l) => / ms {2}(->|<-|~~|==|\*\*) /.test(l)).length
    const verboseLines = verbose.stdout.split('\n').filter((l) => / ms {2}(->|<-|~~|==|\*\*) /.test(l)).length
    expect(verboseLines).toBe(normalLines + details.length)
  })
})

describe('-q, --quiet', () => {
  it('prints the verdict line only: OK …, exit 0', async () => {
    const r = await runCli(send(plain.port, '-q'))
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/^OK — 250 .* · [\d.]+ ms · \d+ round trips\n$/)
    expect(r.stderr).toBe('')
  })

  it('prints the verdict line only: FAILED …, exit 1', async () => {
    const r = await runCli(['send', '--host', '127.0.0.1', '--port', String(plain.port), '--security', 'none', '--from', 'a@example.test', '--to', 'nobody@example.test', '--quiet'])
    expect(r.status).toBe(1)
    expect(r.stdout).toMatch(/^FAILED RECIPIENT_REJECTED — [^\n]*\n$/)
  })

  it('leaves out the notes too', async () => {
    const args = ['verify', '--host', '127.0.0.1', '--port', String(plain.port), '--security', 'none', '--to', 'b@example.test']
    const [normal, quiet] = await Promise.all([runCli(args), runCli([...args, '-q'])])
    expect(normal.stderr).toMatch(/note: verify sends nothing: ignoring --to/)
    expect(quiet.status).toBe(0)
    expect(quiet.stderr).toBe('')
    expect(quiet.stdout).toMatch(/^OK — [^\n]* · [\d.]+ ms · \d+ round trips\n$/)
  })

  it('--json ignores it', async () => {
    const r = await runCli(send(plain.port, '-q', '--json'))
    expect(r.status).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, kind: 'smtp' })
  })
})

describe('Ctrl-C', () => {
  it('cancels the run, still prints the result, and exits 130', async () => {
    // A server that accepts the connection and never greets: the run waits until it is interrupted.
    const r = await runCli([...send(silent.port), '--timeout', '60000'], { interruptWhen: /connected to/ })
    expect(r.status).toBe(130)
    expect(r.stderr).toMatch(/cancelling \(press Ctrl-C again to quit at once\)/)
    expect(r.stdout).toMatch(/\nFAILED CANCELLED — /)
  })
})

describe('a proxy password', () => {
  const PW = 'Proxy-canary-pw-77a0'
  const URL = `socks5://me:${PW}@127.0.0.1:1080`

  it.each([
    ['send', send(1, '--proxy', URL)],
    ['verify', ['verify', '--host', '127.0.0.1', '--proxy', URL]],
    ['api', ['api', '--provider', 'brevo', '--key-env', 'K', '--verify', '--proxy', URL]],
    ['probe', ['probe', '127.0.0.1', `--proxy=${URL}`]],
    ['compare', ['compare', '--profiles', 'p.json', '--profile', 'a', '--profile', 'b', '--proxy', URL]],
  ])('%s: in the URL is refused with exit 2, and never echoed', async (command, args) => {
    const r = await runCli(args, { env: { K: 'key' } })
    expect(r.status).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(new RegExp(`^mailprobe ${command}: --proxy: the proxy password may not be part of the URL`))
    expectNoLeaks(r.stdout + r.stderr, [{ value: PW }], `mailprobe ${command} output`)
  })

  it('from an unset variable is bad usage, before anything connects', async () => {
    const r = await runCli(send(silent.port, '--proxy', 'socks5://me@127.0.0.1:1080', '--proxy-password-env', 'MAILPROBE_TEST_UNSET'))
    expect(r.status).toBe(2)
    expect(r.stderr).toMatch(/--proxy-password-env: the environment variable it names is not set or is empty/)
    expect(r.stderr).not.toContain('MAILPROBE_TEST_UNSET')
  })
})
