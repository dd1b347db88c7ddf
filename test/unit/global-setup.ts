/**
 * The CLI's child-process tests (test/unit/cli/*.child.test.ts) run the built bundle,
 * out/cli/mailprobe.cjs, as users do. It is built here, once per test run, and only when it is
 * missing or older than a source under main/ or preload/ (or package.json, whose version it
 * inlines): `npm test` has just built it, while `npx vitest` on its own must not test yesterday's
 * bundle. No test file builds it.
 */
import { execFileSync } from 'node:child_process'
import { resolve } from 'node:path'
import { staleReason } from '../fixtures/freshness'

const ROOT = resolve(__dirname, '../..')
const BUNDLE = resolve(ROOT, 'out/cli/mailprobe.cjs')
const SOURCES = ['main', 'preload', 'package.json', 'package-lock.json'].map((p) => resolve(ROOT, p))

export default function setup(): void {
  const reason = staleReason([BUNDLE], SOURCES)
  if (!reason) return
  process.stderr.write(`unit: ${reason} for out/cli/mailprobe.cjs; running npm run build:cli\n`)
  try {
    execFileSync('npm', ['run', 'build:cli', '--silent'], { cwd: ROOT, stdio: 'pipe' })
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer }
    throw new Error(`npm run build:cli failed:\n${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`, { cause: err })
  }
}
