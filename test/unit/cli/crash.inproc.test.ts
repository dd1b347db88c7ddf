// When an engine throws after all (its own last resort failed: here, the terminal it prints to throws
// on every transcript line), each command still answers with a whole result of its kind, built by
// the engine's own failure builder: the summary prints (a partial result could not be summarised),
// with FAILED INTERNAL and the exit status of a failed run.
import { EventEmitter } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PROFILES_VERSION } from '../../../preload/contract'
import { parseCli } from '../../../main/cli/args'
import { parseApiArgs, runApiCommand } from '../../../main/cli/api'
import { parseCompareArgs, runCompareCommand } from '../../../main/cli/compare'
import { parseDomainArgs, runDomainCommand } from '../../../main/cli/domain'
import { parseProbeArgs, runProbeCommand } from '../../../main/cli/probe'
import { runCommand, type RunIO } from '../../../main/cli/run'
import { closedPort } from '../../fixtures/raw-peers'

/** A transcript line as the CLI prints it: `   12.3 ms  -> …`. */
const TRANSCRIPT_LINE = /^ *\d+\.\d ms {2}/

/** A terminal that refuses every transcript line (and keeps everything else). */
function brokenTerminal() {
  const out = { stdout: '', stderr: '' }
  const stream = (key: 'stdout' | 'stderr') => ({
    isTTY: false,
    write(text: string) {
      if (TRANSCRIPT_LINE.test(text)) throw new Error('the terminal went away')
      out[key] += text
      return true
    },
  })
  const io = { stdout: stream('stdout'), stderr: stream('stderr'), env: { NO_COLOR: '1', KEY: 'SG.key-canary-cli-crash' }, signals: new EventEmitter() as unknown as NodeJS.Process }
  return { io, out }
}

let port = 0
let dir = ''
beforeAll(async () => {
  port = (await closedPort()).port
  dir = mkdtempSync(join(tmpdir(), 'mailprobe-cli-crash-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const FAILED_INTERNAL = /^FAILED INTERNAL — Mailprobe failed unexpectedly: the terminal went away$/m

describe('a crashed engine still answers in the promised shape', () => {
  it('send', async () => {
    const req = parseCli(['send', '--host', '127.0.0.1', '--port', String(port), '--security', 'none', '--stop-after', 'connect'])
    if (req.action !== 'run') throw new Error('expected a run request')
    const { io, out } = brokenTerminal()
    expect(await runCommand(req, { ...io, stdin: process.stdin } as unknown as RunIO)).toBe(1)
    expect(out.stdout).toMatch(FAILED_INTERNAL)
  })

  it('probe', async () => {
    const { io, out } = brokenTerminal()
    expect(await runProbeCommand(parseProbeArgs(['127.0.0.1', '--ports', String(port), '--timeout', '2000']), io)).toBe(1)
    expect(out.stdout).toMatch(FAILED_INTERNAL)
    expect(out.stdout).toMatch(/No recommendation — No recommendation: Mailprobe failed unexpectedly/)
  })

  it('api', async () => {
    const { io, out } = brokenTerminal()
    expect(await runApiCommand(parseApiArgs(['--provider', 'sendgrid', '--key-env', 'KEY', '--verify', '--base-url', `https://127.0.0.1:${port}`]), io)).toBe(1)
    expect(out.stdout).toMatch(FAILED_INTERNAL)
    expect(out.stdout + out.stderr).not.toContain('key-canary')
  })

  it('domain', async () => {
    const { io, out } = brokenTerminal()
    // -v: the transcript's lines are printed as they come (the first one breaks the run).
    const req = parseDomainArgs(['example.com', '--dns-server', `127.0.0.1:${port}`, '--no-probe', '--timeout', '500', '-v'])
    expect(await runDomainCommand(req, io)).toBe(1)
    expect(out.stdout).toMatch(FAILED_INTERNAL)
    expect(out.stdout).toMatch(/^Domain readiness of example\.com$/m)
  })

  it('compare', async () => {
    const profile = (name: string) => ({ kind: 'smtp', name, host: '127.0.0.1', port, security: 'none', authMethod: 'none' })
    const file = join(dir, 'profiles.json')
    writeFileSync(file, JSON.stringify({ format: 'mailprobe-profiles', version: PROFILES_VERSION, profiles: [profile('a'), profile('b')] }))
    const { io, out } = brokenTerminal()
    // -v: the lab's transcript goes to stderr, line by line.
    const req = parseCompareArgs(['--profiles', file, '--profile', 'a', '--profile', 'b', '--runs', '1', '--action', 'verify', '-v'])
    expect(await runCompareCommand(req, { ...io, cwd: dir })).toBe(1)
    expect(out.stdout).toMatch(FAILED_INTERNAL)
  })
})
