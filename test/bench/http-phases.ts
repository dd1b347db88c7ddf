/**
 * Does the HTTPS waterfall tell the truth? A delay proxy adds D ms each way in front of the local
 * provider fixture (HTTPS, TLS 1.3); per D we run cold POSTs (a fresh connection each) and warm
 * POSTs (one kept-alive connection reused), interleaved across D. For each phase we compare the median duration at D
 * with the median at D = 0 plus the injected delay (the phase's round trips × 2D). The proxy
 * completes the TCP handshake locally, so the connect phase gets no injected delay.
 *
 * Wire check: a transparent tap between the client and the proxy timestamps every chunk, so the
 * round trip the network path (proxy + server) really took can be told apart from the phase
 * accounting. "path excess" = wire RT@D − wire RT@0 − 2D is what the path added beyond the
 * nominal delay (proxy timers, the server waking up on a loaded machine); "accounting error" =
 * (phase − wire RT)@D − (phase − wire RT)@0 is what the engine's own measurement got wrong.
 *
 * Run: npx tsx test/bench/http-phases.ts [--runs 20]
 */
import net from 'node:net'
import { performance } from 'node:perf_hooks'
import { createKeepAlive, runApi } from '../../main/core/http'
import { startDelayProxy } from '../../main/core/sandbox/delay-proxy'
import type { ApiResult } from '../../preload/contract'
import { getTestCerts } from '../fixtures/certs'
import { PROVIDER_KEYS, startProviderServer } from '../fixtures/provider-server'
import { median, table } from './stats'

const RUNS = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 20
const DELAYS = [0, 10, 25]
const TOLERANCE_MS = 2
/** Rounds run first and not counted (JIT, caches, the warm connections being opened). */
const WARMUP = 3
const MODES = ['cold', 'warm'] as const
type Mode = (typeof MODES)[number]

/** A pass-through TCP hop that timestamps every chunk per connection ('c' client→server, 's' back). */
interface Chunk {
  dir: 'c' | 's'
  t: number
}

async function startTap(targetPort: number): Promise<{ port: number; conns: Chunk[][]; close(): Promise<void> }> {
  const conns: Chunk[][] = []
  const sockets = new Set<net.Socket>()
  const server = net.createServer((client) => {
    const log: Chunk[] = []
    conns.push(log)
    const up = net.connect(targetPort, '127.0.0.1')
    for (const s of [client, up]) {
      s.setNoDelay(true)
      sockets.add(s)
      s.on('error', () => {})
      s.on('close', () => sockets.delete(s))
    }
    client.on('data', (d: Buffer) => {
      log.push({ dir: 'c', t: performance.now() })
      up.write(d)
    })
    up.on('data', (d: Buffer) => {
      log.push({ dir: 's', t: performance.now() })
      client.write(d)
    })
    client.on('end', () => up.end())
    up.on('end', () => client.end())
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    port: (server.address() as net.AddressInfo).port,
    conns,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy()
        server.close(() => r())
      }),
  }
}

/** Wire round trips in one request's chunks: the TLS handshake (ClientHello out → end of the server's flight) and the request (last request chunk out → first answer chunk in). */
function wireTimes(log: Chunk[]): { tls: number; wait: number } {
  let tls = NaN
  let from = 0
  if (log[0]?.dir === 'c' && log.length > 3) {
    const hello = log[0].t
    let i = 1
    while (i < log.length && log[i]!.dir === 'c') i++
    while (i + 1 < log.length && log[i + 1]!.dir === 's') i++
    tls = log[i]!.t - hello
    from = i + 1
  }
  const rest = log.slice(from)
  const firstAnswer = rest.findIndex((c, k) => c.dir === 's' && k > 0 && rest[k - 1]!.dir === 'c')
  const wait = firstAnswer > 0 ? rest[firstAnswer]!.t - rest[firstAnswer - 1]!.t : NaN
  return { tls, wait }
}

async function main() {
  const certs = await getTestCerts()
  const server = await startProviderServer()
  const results = new Map<string, ApiResult[]>()
  const key = (mode: Mode, D: number) => `${mode}@${D}`

  // One proxy and one kept-alive connection per D; the runs are interleaved (cold@0, warm@0,
  // cold@10, …) so that drifting load on the machine affects every D alike. The first WARMUP
  // rounds (JIT, caches) are not counted.
  const proxies = await Promise.all(DELAYS.map((D) => startDelayProxy({ targetHost: '127.0.0.1', targetPort: server.port, delayMs: D })))
  const taps = await Promise.all(proxies.map((p) => startTap(p.port)))
  const wire = new Map<string, { tls: number; wait: number }[]>()
  const keepAlives = DELAYS.map(() => createKeepAlive())
  /** The tap's log of each D's kept-alive connection. */
  const warmConns = new Map<number, Chunk[]>()
  const job = (D: number, i: number) => ({
    provider: 'brevo',
    credentials: { key: PROVIDER_KEYS.brevo },
    baseUrl: `https://127.0.0.1:${taps[DELAYS.indexOf(D)]!.port}`,
    tls: { caPem: certs.ca.cert },
    message: { from: 'bench@example.test', to: ['rcpt@example.test'], subject: `bench ${i}`, text: 'phase accounting' },
  })
  for (const mode of MODES)
    for (const D of DELAYS) {
      results.set(key(mode, D), [])
      wire.set(key(mode, D), [])
    }
  for (let i = -WARMUP; i < RUNS; i++) {
    for (const D of DELAYS) {
      const tap = taps[DELAYS.indexOf(D)]!
      const cold = await runApi(job(D, i))
      if (!cold.ok) throw new Error(`cold POST failed at D=${D}: ${cold.error?.code} ${cold.error?.message}`)
      const coldLog = tap.conns.at(-1)!
      const keepAlive = keepAlives[DELAYS.indexOf(D)]!
      const opened = tap.conns.length
      const mark = warmConns.get(D)?.length ?? 0
      const warm = await runApi(job(D, i), { keepAlive })
      if (tap.conns.length > opened) warmConns.set(D, tap.conns[opened]!)
      const warmConn = warmConns.get(D)!
      if (!warm.ok) throw new Error(`warm POST failed at D=${D}: ${warm.error?.code} ${warm.error?.message}`)
      if (i < 0) continue
      if (warm.phases.some((p) => p.name === 'connect')) throw new Error(`warm run ${i} at D=${D} opened a new connection`)
      results.get(key('cold', D))!.push(cold)
      results.get(key('warm', D))!.push(warm)
      wire.get(key('cold', D))!.push(wireTimes(coldLog))
      wire.get(key('warm', D))!.push(wireTimes(warmConn.slice(mark)))
    }
  }
  for (const k of keepAlives) k.close()
  await Promise.all(taps.map((t) => t.close()))
  await Promise.all(proxies.map((p) => p.close()))
  await server.close()

  const tlsProtocol = results.get(key('cold', 0))![0]!.tls?.protocol ?? '?'
  console.log(`\nHTTPS API phases through a delay proxy (${RUNS} POSTs per mode and D; ${tlsProtocol}; Brevo-shaped request to the local fixture)\n`)

  const summary: string[][] = []
  for (const mode of MODES) {
    for (const D of DELAYS) {
      const rs = results.get(key(mode, D))!
      const base = median(results.get(key(mode, 0))!.map((r) => r.totalMs))
      const trips = median(rs.map((r) => r.roundTrips))
      const total = median(rs.map((r) => r.totalMs))
      // Every round trip but the TCP handshake is delayed.
      const delayedTrips = mode === 'cold' ? trips - 1 : trips
      summary.push([mode, `${D}`, total.toFixed(1), `${trips}`, (delayedTrips * 2 * D).toFixed(0), (total - base).toFixed(1), (total - base - delayedTrips * 2 * D).toFixed(1)])
    }
  }
  console.log(table(['mode', 'D ms', 'median totalMs', 'roundTrips', 'delayed RT × 2D', 'total − total@0', 'difference'], summary))

  let worst = 0
  const tripsOk: string[] = []
  for (const mode of MODES) {
    const names = results.get(key(mode, 0))![0]!.phases.map((p) => p.name)
    const phaseMedian = (D: number, name: string) => median(results.get(key(mode, D))!.map((r) => r.phases.find((p) => p.name === name)?.durationMs ?? NaN))
    const phaseTrips = (name: string) => median(results.get(key(mode, 0))!.map((r) => r.phases.find((p) => p.name === name)?.roundTrips ?? 0))
    const injectedTrips = (name: string) => (name === 'connect' ? 0 : phaseTrips(name))
    const rows = names.map((name) => {
      const cells = [name, `${phaseTrips(name)}`, phaseMedian(0, name).toFixed(2)]
      for (const D of DELAYS.slice(1)) {
        const inj = injectedTrips(name) * 2 * D
        const err = phaseMedian(D, name) - phaseMedian(0, name) - inj
        if (D === 25) worst = Math.max(worst, Math.abs(err))
        cells.push(phaseMedian(D, name).toFixed(2), inj.toFixed(0), `${err >= 0 ? '+' : ''}${err.toFixed(2)}`)
      }
      return cells
    })
    console.log(`\n${mode}: per phase, median ms, injected delay (round trips × 2D) and error = median@D − median@0 − injected\n`)
    console.log(table(['phase', 'RT', '@0', '@10', 'inj', 'err', '@25', 'inj', 'err'], rows))
    const expected = mode === 'cold' ? 3 : 1
    for (const D of DELAYS) {
      const all = results.get(key(mode, D))!.map((r) => r.roundTrips)
      if (!all.every((n) => n === expected)) tripsOk.push(`${mode}@${D}: round trips ${[...new Set(all)].join('/')} (expected ${expected})`)
    }
  }
  console.log(`\nWire check (tap in front of the client): path excess = wire RT@D − wire RT@0 − 2D; accounting error = (phase − wire RT)@D − (phase − wire RT)@0\n`)
  const wireRows: string[][] = []
  let worstAccounting = 0
  for (const mode of MODES) {
    for (const name of mode === 'cold' ? (['tls', 'wait'] as const) : (['wait'] as const)) {
      const phase = (D: number) => results.get(key(mode, D))!.map((r) => r.phases.find((p) => p.name === name)!.durationMs)
      const w = (D: number) => wire.get(key(mode, D))!.map((x) => x[name])
      const gap = (D: number) => median(phase(D).map((v, i) => v - w(D)[i]!))
      const cells = [`${mode} ${name}`, median(w(0)).toFixed(2)]
      for (const D of DELAYS.slice(1)) {
        const excess = median(w(D)) - median(w(0)) - 2 * D
        const acc = gap(D) - gap(0)
        if (D === 25) worstAccounting = Math.max(worstAccounting, Math.abs(acc))
        cells.push(median(w(D)).toFixed(2), `${excess >= 0 ? '+' : ''}${excess.toFixed(2)}`, `${acc >= 0 ? '+' : ''}${acc.toFixed(2)}`)
      }
      wireRows.push(cells)
    }
  }
  console.log(table(['phase', 'wire@0', 'wire@10', 'path excess', 'accounting err', 'wire@25', 'path excess', 'accounting err'], wireRows))
  console.log(`\nWorst accounting error at D = 25 (phase vs what the wire showed): ${worstAccounting.toFixed(2)} ms`)

  const pass = worst <= TOLERANCE_MS && tripsOk.length === 0 && tlsProtocol === 'TLSv1.3'
  console.log(`\nRound trips: ${tripsOk.length ? tripsOk.join('; ') : 'cold 3 (TCP 1 + TLS 1.3 1 + request 1) and warm 1 in every run'}`)
  console.log(`Worst phase error at D = 25: ${worst.toFixed(2)} ms (tolerance ${TOLERANCE_MS} ms) → ${pass ? 'PASS' : 'FAIL'}`)
  process.exitCode = pass ? 0 : 1
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
