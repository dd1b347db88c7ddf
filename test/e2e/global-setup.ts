/**
 * The end-to-end tests drive the built artefacts (out/renderer and out/web/server.cjs), exactly
 * what `npm run web` serves. `npm test` builds first; `npm run e2e` on its own rebuilds here when
 * the output is missing or older than the sources, so a run never tests yesterday's build.
 *
 * The build is then copied to a private folder for this run (under .mailprobe-tmp/, inside the
 * repository so the bundle still finds node_modules): a `npm run build` started meanwhile (it
 * empties out/renderer first) cannot pull the interface from under a running test.
 */
import { execFileSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { TestProject } from 'vitest/node'
import { staleReason } from '../fixtures/freshness'

declare module 'vitest' {
  export interface ProvidedContext {
    /** This run's copy of the build: web/server.cjs and renderer/. */
    e2eBuild: string
  }
}

const ROOT = resolve(__dirname, '../..')
const OUTPUTS = ['out/renderer/index.html', 'out/web/server.cjs']
const SOURCES = ['main', 'preload', 'renderer', 'package.json', 'electron.vite.config.ts']

function build(reason: string): void {
  process.stderr.write(`e2e: ${reason}; running npm run build\n`)
  try {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'pipe', env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' }, maxBuffer: 64 * 1024 * 1024 })
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer }
    throw new Error(`npm run build failed:\n${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`, { cause: err })
  }
}

function snapshot(): string | null {
  const base = join(ROOT, '.mailprobe-tmp')
  mkdirSync(base, { recursive: true })
  const dir = mkdtempSync(join(base, 'e2e-build-'))
  try {
    cpSync(join(ROOT, 'out/web'), join(dir, 'web'), { recursive: true })
    cpSync(join(ROOT, 'out/renderer'), join(dir, 'renderer'), { recursive: true })
  } catch {
    rmSync(dir, { recursive: true, force: true })
    return null
  }
  if (OUTPUTS.every((p) => existsSync(join(dir, p.replace(/^out\//, ''))))) return dir
  rmSync(dir, { recursive: true, force: true })
  return null
}

export default function setup(project: TestProject): () => void {
  const reason = staleReason(
    OUTPUTS.map((p) => join(ROOT, p)),
    SOURCES.map((p) => join(ROOT, p)),
  )
  if (reason) build(reason)
  // A build running elsewhere may have emptied out/ just now: build once more, then give up.
  let dir = snapshot()
  if (!dir) {
    build('the build output was incomplete')
    dir = snapshot()
  }
  if (!dir) throw new Error('e2e: could not take a complete copy of out/web and out/renderer')
  project.provide('e2eBuild', dir)
  const taken = dir
  return () => rmSync(taken, { recursive: true, force: true })
}
