/**
 * The fuzz properties of test/unit/fuzz, run longer: 200 000 cases per target by default (the unit
 * tests run 10 000). Prints the cases run and the time per target; exits 1 on the first failure,
 * with fast-check's counterexample and seed.
 *
 * Run: npx tsx test/bench/fuzz.ts [--runs 200000] [--seed N]
 */
import fc from 'fast-check'
import {
  diagnoseProperty,
  parseReplyProperty,
  recommendProperty,
  redactorNoiseProperty,
  redactorProperty,
  replyReaderBoundProperty,
  replyReaderProperty,
  sniffAnythingProperty,
  sniffProperty,
} from '../unit/fuzz/properties'
import { table } from './stats'

const arg = (name: string) => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : undefined
}
const RUNS = Number(arg('--runs')) || 200_000
const SEED = arg('--seed') !== undefined ? Number(arg('--seed')) : undefined

interface Target {
  name: string
  runs: number
  check: () => Promise<{ failed: boolean; numRuns: number; report: string }>
}

function target<Ts>(name: string, runs: number, property: () => fc.IRawProperty<Ts>): Target {
  return {
    name,
    runs,
    check: async () => {
      const d = await fc.check(property(), { numRuns: runs, seed: SEED })
      return { failed: d.failed, numRuns: d.numRuns, report: d.failed ? (fc.defaultReportMessage(d) ?? 'failed') : '' }
    },
  }
}

// The 64 KiB overflow cases are expensive and all alike: a twentieth of the runs is plenty.
const TARGETS: Target[] = [
  target('ReplyReader (chunks, chunking invariance)', RUNS, replyReaderProperty),
  target('ReplyReader (MAX_REPLY_BYTES overflow)', Math.max(100, Math.round(RUNS / 20)), replyReaderBoundProperty),
  target('parseReply', RUNS, parseReplyProperty),
  target('sniffFirstBytes / printable / overTls', RUNS, sniffProperty),
  target('sniffFirstBytes (non-string input)', Math.round(RUNS / 10), sniffAnythingProperty),
  target('diagnose / firstSentences', RUNS, diagnoseProperty),
  target('recommend / workingPath / isUsable', RUNS, recommendProperty),
  target('Redactor (planted secret, all encodings)', RUNS, redactorProperty),
  target('Redactor (no planted secret)', Math.round(RUNS / 10), redactorNoiseProperty),
]

async function main() {
  const rows: string[][] = []
  let failed = false
  for (const t of TARGETS) {
    const started = performance.now()
    const details = await t.check()
    const ms = performance.now() - started
    rows.push([t.name, String(details.numRuns), details.failed ? 'FAILED' : 'ok', `${(ms / 1000).toFixed(1)} s`, `${((ms * 1000) / Math.max(1, details.numRuns)).toFixed(0)} µs`])
    console.log(`${details.failed ? 'FAIL' : 'ok  '} ${t.name}: ${details.numRuns} cases in ${(ms / 1000).toFixed(1)} s`)
    if (details.failed) {
      failed = true
      console.error(details.report)
      break
    }
  }
  console.log()
  console.log(table(['target', 'cases', 'result', 'time', 'per case'], rows))
  const total = rows.reduce((n, r) => n + Number(r[1]), 0)
  console.log(`\n${total} cases in total${failed ? ' (stopped at the first failure)' : ', no failure'}.`)
  process.exitCode = failed ? 1 : 0
}

void main()
