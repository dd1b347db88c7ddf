/**
 * Does the SMTP waterfall tell the truth? A delay proxy adds D ms each way in front of a local
 * smtp-server (STARTTLS + AUTH PLAIN, pipelining); 20 full sends per D. For each phase we compare
 * the median duration at D with the median at D = 0 plus the injected delay (its round trips × 2D).
 * The TCP handshake completes locally at the proxy, so the connect phase gets no injected delay. QUIT,
 * sent with the end of data, overlaps dataAck: it counts no round trip of its own but waits on that one.
 * The server and the proxies run in a child process: on one event loop, the server's TLS work
 * would hold up the proxy's timers and the client's reads, and blur exactly what we measure.
 *
 * Run: npx tsx test/bench/smtp-phases.ts [--runs 20]
 */
import { fork } from 'node:child_process'
import { runSmtp } from '../../main/core/smtp'
import { startDelayProxy } from '../../main/core/sandbox/delay-proxy'
import { getTestCerts } from '../fixtures/certs'
import { startSmtpPeer } from '../fixtures/smtp-peers'
import type { SmtpResult } from '../../preload/contract'
import { median, table } from './stats'

const RUNS = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 20
const DELAYS = [0, 10, 25]
const TOLERANCE_MS = 2

/** Child mode: the server and one proxy per delay; prints {ca, ports: {D: port}} and waits to be killed. */
async function serve() {
  const certs = await getTestCerts()
  const peer = await startSmtpPeer({ mode: 'starttls', authMethods: ['PLAIN'], users: { bench: 'bench-secret' } })
  const ports: Record<number, number> = {}
  for (const D of DELAYS) ports[D] = (await startDelayProxy({ targetHost: '127.0.0.1', targetPort: peer.port, delayMs: D })).port
  process.send!({ ca: certs.ca.cert, ports })
}

async function main() {
  const child = fork(__filename, ['--serve'], { execArgv: process.execArgv, stdio: 'inherit' })
  const { ca, ports } = await new Promise<{ ca: string; ports: Record<number, number> }>((resolve) => child.once('message', (m) => resolve(m as never)))
  const certs = { ca: { cert: ca } }

  const byDelay = new Map<number, SmtpResult[]>()
  for (const D of DELAYS) {
    const proxy = { port: ports[D]! }
    const results: SmtpResult[] = []
    for (let i = 0; i < RUNS; i++) {
      const r = await runSmtp({
        host: '127.0.0.1',
        port: proxy.port,
        security: 'starttls',
        tls: { servername: 'localhost', caPem: certs.ca.cert },
        auth: { method: 'plain', user: 'bench', secret: 'bench-secret' },
        message: { from: 'bench@example.test', to: ['rcpt@example.test'], subject: `bench ${i}`, text: 'phase accounting' },
      })
      if (!r.ok) throw new Error(`send failed at D=${D}: ${r.error?.code} ${r.error?.message}`)
      results.push(r)
    }
    byDelay.set(D, results)
  }
  child.kill()

  const phaseNames = byDelay.get(0)![0]!.phases.map((p) => p.name)
  const phaseMedian = (D: number, name: string) => median(byDelay.get(D)!.map((r) => r.phases.find((p) => p.name === name)?.durationMs ?? NaN))
  const phaseTrips = (name: string) => median(byDelay.get(0)!.map((r) => r.phases.find((p) => p.name === name)?.roundTrips ?? 0))
  // A phase that starts before the previous one ends (QUIT sent with the end of data, PIPELINING) waits
  // on that phase's round trip without counting it again: it is delayed as much as the one it overlaps.
  const first = byDelay.get(0)![0]!.phases
  const overlapped = (name: string) => {
    const i = first.findIndex((p) => p.name === name)
    const prev = first[i - 1]
    return i > 0 && prev && first[i]!.startMs < prev.startMs + prev.durationMs - 0.01 ? prev.name : null
  }
  // What the proxy can delay: every round trip except the TCP handshake.
  const injectedTrips = (name: string): number => (name === 'connect' ? 0 : overlapped(name) ? injectedTrips(overlapped(name)!) : phaseTrips(name))

  console.log(`\nSMTP phases through a delay proxy (${RUNS} sends each; STARTTLS, TLS 1.3, AUTH PLAIN, pipelined MAIL/RCPT/DATA)\n`)
  const summary = DELAYS.map((D) => {
    const rs = byDelay.get(D)!
    const trips = median(rs.map((r) => r.roundTrips))
    const total = median(rs.map((r) => r.totalMs))
    const base = median(byDelay.get(0)!.map((r) => r.totalMs))
    const delayedTrips = trips - 1
    return [`${D}`, total.toFixed(1), `${trips}`, (trips * 2 * D).toFixed(0), (delayedTrips * 2 * D).toFixed(0), (total - base).toFixed(1), (total - base - delayedTrips * 2 * D).toFixed(1)]
  })
  console.log(table(['D ms', 'median totalMs', 'roundTrips', 'RT × 2D', '(RT−1) × 2D', 'total − total@0', 'difference'], summary))

  let worst = 0
  const rows = phaseNames.map((name) => {
    const trips = injectedTrips(name)
    const cells = [name, `${phaseTrips(name)}`, phaseMedian(0, name).toFixed(2)]
    for (const D of DELAYS.slice(1)) {
      const err = phaseMedian(D, name) - phaseMedian(0, name) - trips * 2 * D
      if (D === 25) worst = Math.max(worst, Math.abs(err))
      cells.push(phaseMedian(D, name).toFixed(2), `${(trips * 2 * D).toFixed(0)}`, `${err >= 0 ? '+' : ''}${err.toFixed(2)}`)
    }
    return cells
  })
  console.log(`\nPer phase: median ms, injected delay (round trips × 2D) and error = median@D − median@0 − injected\n`)
  console.log(table(['phase', 'RT', '@0', '@10', 'inj', 'err', '@25', 'inj', 'err'], rows))
  const pass = worst <= TOLERANCE_MS
  console.log(`\nWorst phase error at D = 25: ${worst.toFixed(2)} ms (tolerance ${TOLERANCE_MS} ms) → ${pass ? 'PASS' : 'FAIL'}`)
  process.exitCode = pass ? 0 : 1
}

const entry = process.argv.includes('--serve') ? serve : main
entry().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
