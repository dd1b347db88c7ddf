import { EventEmitter } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LAB_LIMITS, type NetworkOptionsInput, type ProfilesExport } from '../../../preload/contract'
import { UsageError } from '../../../main/cli/args'
import { COMPARE_HELP, COMPARE_LIMITS, loadCompareProfiles, overrideNetwork, parseCompareArgs, runCompareCommand, type CompareCliRequest, type CompareRunRequest } from '../../../main/cli/compare'
import { startSandbox, type SandboxHandle } from '../../../main/core/sandbox'

let sb: SandboxHandle
let dir: string
let profilesFile: string
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mailprobe-compare-cli-'))
  sb = await startSandbox({ dataDir: dir })
  const doc: ProfilesExport = sb.profiles()
  const starttls = doc.profiles[0]!
  // A profile whose password comes from the environment, as real profiles do.
  const { password: _pw, ...fromEnv } = starttls as Extract<ProfilesExport['profiles'][number], { kind: 'smtp' }>
  doc.profiles.push({ ...fromEnv, name: 'env-smtp', passwordEnv: 'SANDBOX_PW' })
  doc.profiles.push({ ...(starttls as object), name: 'bad-smtp', password: 'wrong-password' } as ProfilesExport['profiles'][number])
  profilesFile = join(dir, 'profiles.json')
  writeFileSync(profilesFile, JSON.stringify(doc, null, 2))
})
afterAll(async () => {
  await sb.close()
  rmSync(dir, { recursive: true, force: true })
})

const usageOf = (argv: string[]) => {
  try {
    parseCompareArgs(argv)
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError)
    expect((err as UsageError).exitCode).toBe(2)
    return (err as UsageError).message
  }
  throw new Error(`no usage error for ${argv.join(' ')}`)
}

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = ''
  let stderr = ''
  const io = {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env,
    signals: new EventEmitter() as unknown as NodeJS.Process,
    cwd: dir,
  }
  let code: number
  try {
    code = await runCompareCommand(parseCompareArgs(argv, { token: 'tok' }), io)
  } catch (err) {
    if (!(err instanceof UsageError)) throw err
    code = err.exitCode
    stderr += err.message
  }
  return { code, stdout, stderr }
}

describe('mailprobe compare: arguments', () => {
  it('parses, with defaults', () => {
    const req = parseCompareArgs(['compare', '--profiles', 'p.json', '--profile', 'a', '--profile', 'b'], { token: 't0' }) as Extract<CompareCliRequest, { action: 'run' }>
    expect(req).toMatchObject({ action: 'run', json: false, profilesFile: 'p.json', names: ['a', 'b'], runs: 10, mode: 'cold', labAction: 'send', concurrency: 1, csv: null })
    expect(req.message).toEqual({ to: [], subject: 'Mailprobe compare t0', text: 'Sent by mailprobe compare (latency lab), run token t0.' })
    const full = parseCompareArgs([
      '--profiles',
      'p',
      '--profile',
      'a',
      '--profile',
      'b',
      '--profile',
      'c',
      '--runs',
      '200',
      '--mode',
      'warm',
      '--concurrency',
      '4',
      '--json',
      '--csv',
      'o.csv',
      '--from',
      'x@y.test',
      '--to',
      'z@y.test',
    ])
    expect(full).toMatchObject({ runs: 200, mode: 'warm', concurrency: 4, json: true, csv: 'o.csv', message: { from: 'x@y.test', to: ['z@y.test'] } })
    expect(parseCompareArgs(['--profile', 'a', '-h'])).toEqual({ action: 'help' })
  })

  it('refuses bad usage with exit status 2', () => {
    expect(usageOf(['--profile', 'a', '--profile', 'b'])).toMatch(/--profiles FILE is required/)
    expect(usageOf(['--profiles', 'p', '--profile', 'a'])).toMatch(/give 2 to 4 profiles/)
    expect(usageOf(['--profiles', 'p', '--profile', 'a', '--profile', 'b', '--profile', 'c', '--profile', 'd', '--profile', 'e'])).toMatch(/give 2 to 4/)
    expect(usageOf(['--profiles', 'p', '--profile', 'a', '--profile', 'a'])).toMatch(/given twice/)
    expect(usageOf(['--profiles', 'p', '--profile', 'a', '--profile', 'b', '--runs', '201'])).toMatch(/--runs takes a whole number from 1 to 200/)
    expect(usageOf(['--profiles', 'p', '--profile', 'a', '--profile', 'b', '--runs', '0'])).toMatch(/--runs/)
    expect(usageOf(['--profiles', 'p', '--profile', 'a', '--profile', 'b', '--mode', 'hot'])).toMatch(/cold or warm/)
    expect(usageOf(['--profiles', 'p', '--profile', 'a', '--profile', 'b', '--action', 'verify', '--to', 'x@y.test'])).toMatch(/sends nothing/)
    expect(usageOf(['--profiles', 'p', '--profile', 'a', '--profile', 'b', '--password', 'hunter2'])).toMatch(/never accepted on the command line/)
    expect(usageOf(['--profiles', 'p', '--profile', 'a', '--profile', 'b', 'extra'])).toMatch(/unexpected argument/)
  })

  it('keeps its limits equal to the contract’s', () => {
    expect(COMPARE_LIMITS).toEqual(LAB_LIMITS)
  })
})

describe('mailprobe compare: running against the sandbox (in-process)', () => {
  it('prints progress, the table with the winner and ratio, and the median phases; exit 0', async () => {
    const r = await run(['--profiles', profilesFile, '--profile', 'sandbox-starttls', '--profile', 'sandbox-api', '--runs', '3', '--csv', 'runs.csv'])
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/progress 6\/6/)
    expect(r.stdout).toMatch(/profile\s+kind\s+ok\s+min\s+median\s+p95\s+max\s+ratio\s+round trips/)
    expect(r.stdout).toMatch(/sandbox-starttls\s.*smtp\s+3\/3\s.*\s9\s/)
    expect(r.stdout).toMatch(/sandbox-api\s.*api\s+3\/3\s.*\s3\s/)
    expect(r.stdout).toMatch(/Fastest: sandbox-(api|starttls) — median [\d.]+ ms/)
    expect(r.stdout).toMatch(/Median phases \(ms\):\n\s+sandbox-starttls\s+connect [\d.]+ · banner/)
    expect(r.stdout).toMatch(/OK — every run succeeded/)
    const csv = readFileSync(join(dir, 'runs.csv'), 'utf8').trimEnd().split('\r\n')
    expect(csv).toHaveLength(7)
    // The messages really went to the sandbox, with the CLI's subject.
    expect(sb.inbox.list(6).every((m) => m.subject === 'Mailprobe compare tok')).toBe(true)
  })

  it('--json prints the documented object; warm mode reports the setup apart', async () => {
    const r = await run(['--profiles', profilesFile, '--profile', 'sandbox-tls', '--profile', 'sandbox-api', '--runs', '2', '--mode', 'warm', '--json'])
    expect(r.code).toBe(0)
    expect(r.stderr).toBe('')
    const out = JSON.parse(r.stdout)
    expect(out).toMatchObject({ ok: true, kind: 'compare', mode: 'warm', runs: 2, completed: 4, cancelled: false })
    expect(out.profiles.map((p: { name: string }) => p.name)).toEqual(['sandbox-tls', 'sandbox-api'])
    for (const p of out.profiles) {
      expect(Object.keys(p)).toEqual(['name', 'kind', 'ok', 'runs', 'runsOk', 'errors', 'totalMs', 'phasesMedianMs', 'roundTrips', 'bytes', 'ratio', 'setup'])
      expect(Object.keys(p.totalMs)).toEqual(['min', 'median', 'p95', 'max'])
    }
    expect(out.profiles[0]).toMatchObject({ kind: 'smtp', ok: true, errors: {}, roundTrips: 2, setup: { connections: 1, roundTrips: 5 } })
    expect(out.profiles[1]).toMatchObject({ kind: 'api', roundTrips: 1, setup: { connections: 1, roundTrips: 3 } })
  })

  it('takes a password from the environment variable the profile names', async () => {
    const ok = await run(['--profiles', profilesFile, '--profile', 'env-smtp', '--profile', 'sandbox-api', '--runs', '1', '--action', 'verify', '--json'], { SANDBOX_PW: sb.password })
    expect(ok.code).toBe(0)
    expect(JSON.parse(ok.stdout).profiles[0]).toMatchObject({ name: 'env-smtp', ok: true, roundTrips: 7 })
    const missing = await run(['--profiles', profilesFile, '--profile', 'env-smtp', '--profile', 'sandbox-api', '--runs', '1'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/profile 'env-smtp': the environment variable its passwordEnv names is not set/)
    expect(missing.stderr).not.toContain('SANDBOX_PW')
  })

  it('exit 1 when runs fail, with the errors counted by code', async () => {
    const r = await run(['--profiles', profilesFile, '--profile', 'bad-smtp', '--profile', 'sandbox-api', '--runs', '2', '--json'])
    expect(r.code).toBe(1)
    const out = JSON.parse(r.stdout)
    expect(out.ok).toBe(false)
    expect(out.profiles[0]).toMatchObject({ ok: false, runsOk: 0, errors: { AUTH_FAILED: 2 }, totalMs: { min: null, median: null, p95: null, max: null } })
    expect(out.winner).toBe('sandbox-api')
    expect(r.stdout).not.toContain('wrong-password')
    const human = await run(['--profiles', profilesFile, '--profile', 'bad-smtp', '--profile', 'sandbox-api', '--runs', '1'])
    expect(human.code).toBe(1)
    expect(human.stderr).toMatch(/bad-smtp: AUTH_FAILED — /)
    expect(human.stdout).toMatch(/AUTH_FAILED×1/)
    expect(human.stdout).toMatch(/FAILED — 1 of 2 runs failed/)
  })

  it('bad files and names are usage errors (exit 2)', async () => {
    const base = ['--profile', 'sandbox-tls', '--profile', 'sandbox-api']
    expect((await run(['--profiles', 'missing.json', ...base])).stderr).toMatch(/cannot read --profiles file 'missing.json' \(ENOENT\)/)
    writeFileSync(join(dir, 'not-json.json'), '{')
    expect((await run(['--profiles', 'not-json.json', ...base])).stderr).toMatch(/is not JSON/)
    writeFileSync(join(dir, 'other.json'), JSON.stringify({ format: 'something', profiles: [] }))
    expect((await run(['--profiles', 'other.json', ...base])).stderr).toMatch(/not a Mailprobe profiles export/)
    const unknown = await run(['--profiles', profilesFile, '--profile', 'sandbox-tls', '--profile', 'nope'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/--profile 'nope' is not in .* \(it has: sandbox-starttls, sandbox-tls, sandbox-api, env-smtp, bad-smtp\)/)
  })

  it('--quiet prints the verdict line only, and nothing on standard error', async () => {
    const r = await run(['--profiles', profilesFile, '--profile', 'sandbox-starttls', '--profile', 'sandbox-api', '--runs', '1', '-q'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^OK — every run succeeded · [\d.]+ s\n$/)
    expect(r.stderr).toBe('')
  })

  it('--verbose prints every line of the lab on standard error instead of the progress', async () => {
    const r = await run(['--profiles', profilesFile, '--profile', 'sandbox-starttls', '--profile', 'sandbox-api', '--runs', '1', '-v'])
    expect(r.code).toBe(0)
    expect(r.stderr).toMatch(/ms {2}== comparing sandbox-starttls .* vs sandbox-api/)
    expect(r.stderr).toMatch(/== 2\/2 · sandbox-api run 1: ok /)
    expect(r.stderr).not.toMatch(/^progress /m)
    expect(r.stdout).toMatch(/Fastest: /)
  })

  it('the network flags go to every profile’s job, the proxy password read from its variable', async () => {
    const req = parseCompareArgs([
      '--profiles',
      profilesFile,
      '--profile',
      'sandbox-starttls',
      '--profile',
      'sandbox-api',
      '--ipv4',
      '--local-address',
      '127.0.0.1',
      '--proxy',
      'socks5://me@127.0.0.1:1080',
      '--proxy-password-env',
      'PROXY_PW',
    ]) as CompareRunRequest
    const specs = await loadCompareProfiles(req, { PROXY_PW: 'proxy-pw' }, dir)
    expect(specs.map((s) => s.job.network)).toEqual([
      { family: 'ipv4', localAddress: '127.0.0.1', proxy: { url: 'socks5://me@127.0.0.1:1080', password: 'proxy-pw' } },
      { family: 'ipv4', localAddress: '127.0.0.1', proxy: { url: 'socks5://me@127.0.0.1:1080', password: 'proxy-pw' } },
    ])
    const none = await loadCompareProfiles(parseCompareArgs(['--profiles', profilesFile, '--profile', 'sandbox-starttls', '--profile', 'sandbox-api']) as CompareRunRequest, {}, dir)
    for (const spec of none) expect(spec.job.network?.proxy).toBeUndefined()
    await expect(loadCompareProfiles(req, {}, dir)).rejects.toThrow(/--proxy-password-env: the environment variable it names is not set/)
  })

  it('the command line wins over a profile’s own network section, option by option', () => {
    const job = { host: 'h', network: { family: 'ipv6' as const, localAddress: '::1', proxy: { url: 'http://file@proxy.example:3128', password: 'from-file' } } }
    expect(overrideNetwork(job, undefined)).toBe(job)
    expect(overrideNetwork(job, { proxy: { url: 'socks5://127.0.0.1:1080' } }).network).toEqual({ family: 'ipv6', localAddress: '::1', proxy: { url: 'socks5://127.0.0.1:1080' } })
    expect(overrideNetwork(job, { family: 'ipv4', localAddress: '127.0.0.1' }).network).toEqual({ family: 'ipv4', localAddress: '127.0.0.1', proxy: job.network.proxy })
    const bare: { host: string; network?: NetworkOptionsInput } = { host: 'h' }
    expect(overrideNetwork(bare, { family: 'ipv4' })).toEqual({ host: 'h', network: { family: 'ipv4' } })
  })

  it('prints its help', async () => {
    const r = await run(['--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(COMPARE_HELP)
  })
})
