/**
 * How long does a four-port probe take on loopback? Four local peers stand in for 25/465/587/2525:
 * STARTTLS submission, implicit TLS, plaintext relay, and a second STARTTLS server — or, in the
 * "one silent" scenario, a server that accepts TCP and never greets. Each scenario runs at a per-step
 * timeout of 1 s and 3 s; we print medians of the whole probe and of its slowest answering port.
 *
 * Expectation: with every port answering, the time does not depend on the timeout (the implicit-TLS
 * port, silent in plaintext, is found by a TLS attempt after min(timeout/4, max(250 ms, 10 × connect))).
 * With one silent port the probe takes about one timeout: the TLS attempt runs inside the same window.
 *
 * Run: npx tsx test/bench/probe.ts [--runs 7]
 */
import { runProbe } from '../../main/core/probe'
import type { ProbeResult } from '../../preload/contract'
import { getTestCerts } from '../fixtures/certs'
import { neverGreets, type RawPeer } from '../fixtures/raw-peers'
import { startSmtpPeer, type SmtpPeer } from '../fixtures/smtp-peers'
import { median, percentile, table } from './stats'

const RUNS = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 7
const TIMEOUTS = [1000, 3000]

async function main() {
  const ca = (await getTestCerts()).ca.cert
  const starttls = await startSmtpPeer({ mode: 'starttls', hideAuthBeforeTls: true })
  const implicit = await startSmtpPeer({ mode: 'tls' })
  const plain = await startSmtpPeer({ mode: 'plain', auth: 'disabled' })
  const fallback = await startSmtpPeer({ mode: 'starttls', hideAuthBeforeTls: true })
  const silent = await neverGreets()
  const peers: (SmtpPeer | RawPeer)[] = [starttls, implicit, plain, fallback, silent]

  const scenarios = [
    { name: 'all four answer', ports: [plain.port, implicit.port, starttls.port, fallback.port], silent: false },
    { name: 'one silent', ports: [plain.port, implicit.port, starttls.port, silent.port], silent: true },
  ]
  const rows: string[][] = []
  for (const timeoutMs of TIMEOUTS) {
    for (const s of scenarios) {
      const totals: number[] = []
      const slowestAnswering: number[] = []
      const implicitMs: number[] = []
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now()
        const r: ProbeResult = await runProbe({ host: '127.0.0.1', ports: s.ports, timeoutMs, tls: { caPem: ca } })
        totals.push(performance.now() - t0)
        const states = r.ports.map((p) => p.state).join(',')
        const expected = s.silent ? 'open,open,open,silent' : 'open,open,open,open'
        if (states !== expected) throw new Error(`unexpected states at ${timeoutMs} ms (${s.name}): ${states}`)
        slowestAnswering.push(Math.max(...r.ports.filter((p) => p.state === 'open').map((p) => p.totalMs)))
        implicitMs.push(r.ports[1]!.totalMs)
      }
      const m = median(totals)
      rows.push([
        s.name,
        String(timeoutMs),
        String(RUNS),
        m.toFixed(1),
        percentile(totals, 90).toFixed(1),
        `${((m / timeoutMs) * 100).toFixed(0)}%`,
        median(slowestAnswering).toFixed(1),
        median(implicitMs).toFixed(1),
      ])
    }
  }
  await Promise.all(peers.map((p) => p.close()))
  console.log(`Four-port probe on 127.0.0.1, ${RUNS} runs per row (wall-clock ms of runProbe)\n`)
  console.log(table(['scenario', 'timeout ms', 'runs', 'median ms', 'p90 ms', 'median/timeout', 'slowest answering port ms', 'implicit-TLS port ms'], rows))
}

main().catch((err: unknown) => {
  console.error(err)
  process.exitCode = 1
})
