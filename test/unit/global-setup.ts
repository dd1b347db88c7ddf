/**
 * The CLI's child-process tests (test/unit/cli/*.child.test.ts) run the built bundles in out/cli/
 * (and bin/mailprobe.cjs, which runs them), as users do. They are built here, once per test run, and
 * only when one is missing or older than a source under main/ or preload/ (or package.json, whose
 * version they inline, or what makes them and their code caches): `npm test` has just built them,
 * while `npx vitest` on its own must not test yesterday's bundles. No test file builds them.
 */
import { execFileSync } from 'node:child_process'
import { CLI_BUNDLES, CLI_SOURCES, ROOT } from '../fixtures/cli'
import { staleReason } from '../fixtures/freshness'

export default function setup(): void {
  const reason = staleReason(CLI_BUNDLES, CLI_SOURCES)
  if (!reason) return
  process.stderr.write(`unit: ${reason} for out/cli/; running npm run build:cli\n`)
  try {
    execFileSync('npm', ['run', 'build:cli', '--silent'], { cwd: ROOT, stdio: 'pipe' })
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer }
    throw new Error(`npm run build:cli failed:\n${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`, { cause: err })
  }
}
