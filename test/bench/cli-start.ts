/**
 * How fast does the `mailprobe` command start, and does a whole send beat swaks? Every figure is the
 * wall time of a spawned process (spawn to exit), measured in one run with the four commands
 * interleaved (the order rotates each round), so that the machine's load hits them alike:
 *
 *   node -e 0                 the floor: starting Node and doing nothing
 *   connect only              mailprobe send --stop-after connect to a local SMTP server
 *   swaks --pipeline          STARTTLS + AUTH PLAIN + one message through a delay proxy at RTT 40 ms
 *   mailprobe send            the same send, by us
 *
 * The SMTP server (smtp-server: STARTTLS, AUTH PLAIN, PIPELINING) and the delay proxy run in a child
 * process, so that their CPU work does not compete with this process's timers. Both clients verify
 * the server's certificate against the same test CA (ours with --ca, swaks with --tls-verify
 * --tls-ca-path; swaks 20201014 does not check the host name, ours does: a string compare).
 * Round trips: ours from --json's roundTrips; swaks's counted from its transcript (the TCP and TLS
 * handshakes, plus one for every group of server lines that answers what the client sent).
 *
 * Targets (issue 11 §4): connect only ≤ node -e 0 + 35 ms; our send ≤ 0.95 × swaks --pipeline.
 *
 * Run: npx tsx test/bench/cli-start.ts [--runs 20]   (installs Debian's swaks when missing)
 */
import { execFileSync, fork, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { startDelayProxy } from '../../main/core/sandbox/delay-proxy'
import { getTestCerts } from '../fixtures/certs'
import { CLI_BUNDLES, CLI_SOURCES, ROOT } from '../fixtures/cli'
import { staleReason } from '../fixtures/freshness'
import { startSmtpPeer } from '../fixtures/smtp-peers'
import { median, table } from './stats'

const RUNS = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 20
const DELAY_MS = 20 // one way: RTT 40 ms
const CONNECT_BUDGET_MS = 35
const SEND_RATIO = 0.95
const BIN = resolve(ROOT, 'bin/mailprobe.cjs')
const USER = 'bench'
const PASSWORD = 'bench-secret'

interface Ports {
  ca: string
  /** The SMTP server itself. */
  direct: number
  /** The delay proxy in front of it. */
  delayed: number
}

/** Child mode: the server and the delay proxy; sends their ports and waits to be killed. */
async function serve() {
  const certs = await getTestCerts()
  const peer = await startSmtpPeer({ mode: 'starttls', authMethods: ['PLAIN'], users: { [USER]: PASSWORD } })
  const proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: peer.port, delayMs: DELAY_MS })
  process.send!({ ca: certs.ca.cert, direct: peer.port, delayed: proxy.port } satisfies Ports)
}

interface Run {
  ms: number
  stdout: string
}

/** Spawns `cmd args`, resolves with the wall time from spawn to exit; a non-zero exit throws. */
function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    let stdout = ''
    let stderr = ''
    let ms = 0
    const t0 = performance.now()
    const child = spawn(cmd, args, { cwd: ROOT, env: { PATH: process.env.PATH, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('exit', () => (ms = performance.now() - t0))
    child.on('close', (status) => {
      if (status === 0) resolvePromise({ ms, stdout })
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${status}:\n${stdout}${stderr}`))
    })
  })
}

/**
 * swaks's round trips from its transcript: the TCP handshake, the TLS handshake (TLS 1.3: one), and
 * one for every run of server lines (`<-`, `<~`) that follows what the client sent (or the connect).
 */
function swaksRoundTrips(transcript: string): number {
  let trips = 1
  let serverTurn = false
  for (const line of transcript.split('\n')) {
    if (/^=== TLS started/.test(line)) trips++
    const server = /^\s*<[-~*]/.test(line)
    const client = /^\s*[-~*]>/.test(line)
    if (server && !serverTurn) trips++
    if (server) serverTurn = true
    if (client) serverTurn = false
  }
  return trips
}

/** swaks, and Net::SSLeay for its TLS (a package swaks only recommends): installed with apt-get when missing. */
function ensureSwaks(): void {
  const present = (cmd: string, args: string[]) => {
    try {
      execFileSync(cmd, args, { stdio: 'ignore' })
      return true
    } catch {
      return false
    }
  }
  if (present('swaks', ['--version']) && present('perl', ['-MNet::SSLeay', '-e', '1'])) return
  console.log('installing swaks and libnet-ssleay-perl (apt-get)')
  const apt = (...args: string[]) => (process.getuid?.() === 0 ? execFileSync('apt-get', args, { stdio: 'inherit' }) : execFileSync('sudo', ['apt-get', ...args], { stdio: 'inherit' }))
  apt('update')
  apt('install', '-y', '--no-install-recommends', 'swaks', 'libnet-ssleay-perl')
}

/** The bundle the bin loads, rebuilt when a source is newer (as the unit tests' global set-up does). */
function ensureBundle(): void {
  const reason = staleReason(CLI_BUNDLES, CLI_SOURCES)
  if (!reason) return
  console.log(`${reason}: npm run build:cli`)
  execFileSync('npm', ['run', 'build:cli', '--silent'], { cwd: ROOT, stdio: 'inherit' })
}

async function main() {
  ensureSwaks()
  ensureBundle()
  const child = fork(__filename, ['--serve'], { execArgv: process.execArgv, stdio: 'inherit' })
  const ports = await new Promise<Ports>((resolvePromise) => child.once('message', (m) => resolvePromise(m as Ports)))
  const dir = mkdtempSync(join(tmpdir(), 'mailprobe-bench-'))
  const caFile = join(dir, 'ca.pem')
  writeFileSync(caFile, ports.ca)

  const message = (i: number) => ({ from: 'bench@example.test', to: 'rcpt@example.test', subject: `cli-start ${i}`, body: 'start-up bench' })
  const commands = {
    nodeNothing: () => timed(process.execPath, ['-e', '0']),
    connectOnly: () =>
      timed(process.execPath, [BIN, 'send', '--host', '127.0.0.1', '--port', String(ports.direct), '--stop-after', 'connect', '--from', 'bench@example.test', '--to', 'rcpt@example.test']),
    swaks: (i: number) => {
      const m = message(i)
      // The password in argv is the bench's throw-away one; swaks has no other way to take it.
      return timed('swaks', [
        ...['--server', '127.0.0.1', '--port', String(ports.delayed), '--tls', '--tls-verify', '--tls-ca-path', caFile, '--pipeline'],
        ...['--auth', 'PLAIN', '--auth-user', USER, '--auth-password', PASSWORD],
        ...['--from', m.from, '--to', m.to, '--header', `Subject: ${m.subject}`, '--body', m.body],
      ])
    },
    ourSend: (i: number) => {
      const m = message(i)
      return timed(
        process.execPath,
        [
          ...[BIN, 'send', '--host', '127.0.0.1', '--port', String(ports.delayed), '--security', 'starttls', '--ca', caFile],
          ...['--auth', 'plain', '--user', USER, '--password-env', 'BENCH_PASSWORD'],
          ...['--from', m.from, '--to', m.to, '--subject', m.subject, '--text', m.body, '--json'],
        ],
        { BENCH_PASSWORD: PASSWORD },
      )
    },
  }
  type Name = keyof typeof commands
  const names = Object.keys(commands) as Name[]
  const ms: Record<Name, number[]> = { nodeNothing: [], connectOnly: [], swaks: [], ourSend: [] }
  const trips = { swaks: [] as number[], ourSend: [] as number[] }
  try {
    // One unmeasured round: the page cache, the server's JIT and its session cache warm up alike for all.
    for (const name of names) await commands[name](-1)
    for (let i = 0; i < RUNS; i++) {
      for (let k = 0; k < names.length; k++) {
        const name = names[(i + k) % names.length]!
        const run = await commands[name](i)
        ms[name].push(run.ms)
        if (name === 'swaks') trips.swaks.push(swaksRoundTrips(run.stdout))
        if (name === 'ourSend') {
          const result = JSON.parse(run.stdout) as { ok: boolean; roundTrips: number }
          if (!result.ok) throw new Error(`our send failed: ${run.stdout}`)
          trips.ourSend.push(result.roundTrips)
        }
      }
    }
  } finally {
    child.kill()
    rmSync(dir, { recursive: true, force: true })
  }

  const m = (name: Name) => median(ms[name])
  const connectDiff = m('connectOnly') - m('nodeNothing')
  const ratio = m('ourSend') / m('swaks')
  console.log(`\nmailprobe start-up (${RUNS} rounds, the four commands interleaved; wall time of the spawned process, median ms)\n`)
  console.log(
    table(
      ['command', 'median ms', 'min ms', 'max ms', 'round trips'],
      [
        ['node -e 0', 'nodeNothing', ''],
        ['mailprobe send --stop-after connect', 'connectOnly', ''],
        ['swaks --pipeline (RTT 40 ms)', 'swaks', String(median(trips.swaks))],
        ['mailprobe send (RTT 40 ms)', 'ourSend', String(median(trips.ourSend))],
      ].map(([label, name, rt]) => {
        const xs = ms[name as Name]
        return [label!, m(name as Name).toFixed(1), Math.min(...xs).toFixed(1), Math.max(...xs).toFixed(1), rt!]
      }),
    ),
  )
  const connectOk = connectDiff <= CONNECT_BUDGET_MS
  const sendOk = ratio <= SEND_RATIO
  console.log(`\nconnect only − node -e 0: ${connectDiff.toFixed(1)} ms (target ≤ ${CONNECT_BUDGET_MS} ms) → ${connectOk ? 'PASS' : 'FAIL'}`)
  console.log(`our send ÷ swaks --pipeline: ${ratio.toFixed(3)} (target ≤ ${SEND_RATIO}) → ${sendOk ? 'PASS' : 'FAIL'}`)
  console.log(`round trips: ours ${median(trips.ourSend)}, swaks ${median(trips.swaks)}`)
  process.exitCode = connectOk && sendOk ? 0 : 1
}

const entry = process.argv.includes('--serve') ? serve : main
entry().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
