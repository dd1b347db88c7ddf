/**
 * Does the latency lab tell the truth about round trips? A sandbox simulates an RTT of 0, 20 and
 * 40 ms; at each, the lab compares (interleaved, N runs each) cold SMTP over STARTTLS with AUTH and
 * a cold API send, then the same two warm, each beside the same run against a second sandbox at
 * RTT 0 in the same interleaved comparison (so that the machine's load hits both alike). For every
 * row: the median round trips, the median total, and what round-trip arithmetic predicts:
 *
 *   expected = local processing (the interleaved median at RTT 0) + simulated round trips × RTT
 *
 * where the simulated round trips are the counted ones minus the TCP handshake on a cold run: the
 * sandbox's delay proxy cannot delay the handshake (the kernel answers it), so a connect costs no
 * simulated time. The column "local + RT×RTT" is the plain formula, for comparison.
 *
 * Acceptance: at 40 ms the cold SMTP median is within 10 % of the expectation; cold API counts
 * 3 round trips and warm API 1.
 *
 * Run: npx tsx test/bench/lab.ts [--runs 20]
 */
import { runCompare } from '../../main/core/lab'
import { startSandbox, type SandboxHandle } from '../../main/core/sandbox'
import type { CompareProfileSpec, CompareResult } from '../../preload/contract'
import { table } from './stats'

const RUNS = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 20
const RTTS = [0, 20, 40]
const TOLERANCE = 0.1

interface Row {
  rtt: number
  label: string
  roundTrips: number
  simulated: number
  median: number
  p95: number
  /** Median total of the same run at RTT 0, measured interleaved with this one. */
  local: number
}

function profiles(sb: SandboxHandle, tag: string): CompareProfileSpec[] {
  const message = { from: 'bench@example.test', to: ['rcpt@example.test'], subject: 'lab bench', text: 'round-trip arithmetic' }
  return [
    {
      kind: 'smtp',
      name: `smtp@${tag}`,
      job: { host: sb.host, port: sb.smtp.starttls, security: 'starttls', tls: { caFile: sb.caFile }, auth: { method: 'plain', user: sb.user, secret: sb.password }, message },
    },
    { kind: 'api', name: `api@${tag}`, job: { provider: 'mailgun', domain: sb.api.domain, baseUrl: sb.api.url, credentials: { key: sb.api.key }, tls: { caFile: sb.caFile }, message } },
  ]
}

async function main() {
  // Two sandboxes: one at RTT 0 (local processing) and one at the RTT under test, compared in the
  // same interleaved run (A B C D A B C D …), so that the machine's load hits both alike.
  const local = await startSandbox()
  const delayed = await startSandbox()
  const rows: Row[] = []
  try {
    // Warm the JIT and both sandboxes once, unmeasured.
    await runCompare({ profiles: [...profiles(local, 'warmup0'), ...profiles(delayed, 'warmup1')], runs: 3, mode: 'cold' })
    for (const rtt of RTTS) {
      delayed.setRtt(rtt)
      for (const mode of ['cold', 'warm'] as const) {
        const result: CompareResult = await runCompare({ profiles: [...profiles(local, 'local'), ...profiles(delayed, `${rtt}ms`)], runs: RUNS, mode })
        if (!result.ok) throw new Error(`RTT ${rtt} ${mode}: ${result.error?.message ?? JSON.stringify(result.profiles.map((p) => p.errors))}`)
        const [smtp0, api0, smtpX, apiX] = result.profiles
        for (const [p, base] of [
          [smtpX!, smtp0!],
          [apiX!, api0!],
        ] as const) {
          const rt = p.roundTrips!
          rows.push({
            rtt,
            label: `${mode} ${p.kind === 'smtp' ? 'SMTP STARTTLS+AUTH' : 'API'}`,
            roundTrips: rt,
            simulated: mode === 'cold' ? rt - 1 : rt,
            median: p.totalMs.median!,
            p95: p.totalMs.p95!,
            local: base.totalMs.median!,
          })
        }
      }
    }
  } finally {
    await Promise.all([local.close(), delayed.close()])
  }

  const pct = (measured: number, expected: number) => `${(((measured - expected) / expected) * 100).toFixed(1)}%`
  console.log(`\nLatency lab against the sandbox: ${RUNS} interleaved runs per profile and mode; times in ms (median, p95)`)
  console.log('local = median at RTT 0, interleaved with the row; sim RT = round trips the sandbox delays (a cold connect is not)\n')
  console.log(
    table(
      ['RTT', 'run', 'RT', 'sim RT', 'median', 'p95', 'local', 'local + sim RT×RTT', 'error', 'local + RT×RTT', 'error'],
      rows.map((r) => {
        const expected = r.local + r.simulated * r.rtt
        const plain = r.local + r.roundTrips * r.rtt
        return [
          String(r.rtt),
          r.label,
          String(r.roundTrips),
          String(r.simulated),
          r.median.toFixed(1),
          r.p95.toFixed(1),
          r.local.toFixed(1),
          expected.toFixed(1),
          pct(r.median, expected),
          plain.toFixed(1),
          pct(r.median, plain),
        ]
      }),
    ),
  )

  const at40 = rows.find((r) => r.rtt === 40 && r.label === 'cold SMTP STARTTLS+AUTH')!
  const expected40 = at40.local + at40.simulated * 40
  const within = Math.abs(at40.median - expected40) / expected40 <= TOLERANCE
  const coldApi = rows.filter((r) => r.label === 'cold API').every((r) => r.roundTrips === 3)
  const warmApi = rows.filter((r) => r.label === 'warm API').every((r) => r.roundTrips === 1)
  console.log(
    `\ncold SMTP at RTT 40: median ${at40.median.toFixed(1)} ms vs expected ${expected40.toFixed(1)} ms (${pct(at40.median, expected40)}; tolerance ±${TOLERANCE * 100}%) → ${within ? 'PASS' : 'FAIL'}`,
  )
  console.log(`cold API round trips = 3 at every RTT → ${coldApi ? 'PASS' : 'FAIL'}; warm API round trips = 1 → ${warmApi ? 'PASS' : 'FAIL'}`)
  process.exitCode = within && coldApi && warmApi ? 0 : 1
}

main().catch((err) => {
  console.error(err)
  process.exitCode = 1
})
