import { spawn } from 'node:child_process'
import { watch } from 'node:fs'
import { mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HistoryStore } from '../../../main/core/history/store'
import { MemorySecretStore } from '../../../main/core/profiles/secrets'
import { ProfileStore } from '../../../main/core/profiles/store'
import { HISTORY_DIR } from '../../../main/core/services'
import { SettingsStore } from '../../../main/core/settings'
import { isTempFileOf } from '../../../main/core/storage'
import { removeTempDirs, tempDir } from '../ipc/helpers'
import { generation } from './crash-generations'

/*
 * Kills a process that is saving profiles, History and settings (SIGKILL: no chance to clean up),
 * over and over on one data folder, and after every kill opens the stores as the app does: each
 * must hold the last state the writer reported as saved (or the one it was writing), with no
 * storage issue, nothing set aside as corrupt and no temp file left behind.
 */

/** How many times the writer is killed. */
export const CRASH_KILLS = 50
/** Profiles in the file: big enough that a kill often lands in the middle of a write. */
const PROFILE_COUNT = 300
/** Runs History keeps here: small, so the writer also prunes (deletes run files) all along. */
const HISTORY_KEEP = 20

const STORES = ['profiles', 'history', 'settings'] as const
type Store = (typeof STORES)[number]
/** Where a kill aimed at a write in progress waits for a temp file. */
const TARGETS = ['profiles', 'history run', 'history index', 'settings'] as const
type Target = (typeof TARGETS)[number]
const storeOf = (t: Target): Store => (t.startsWith('history') ? 'history' : (t as Store))

interface Layout {
  dataDir: string
  historyDir: string
  runsDir: string
}

/** Which target a name in one of the three folders is a temp file of (or null). */
function tempTarget(layout: Layout, dir: string, name: string): Target | null {
  if (dir === layout.dataDir) return isTempFileOf(name, 'profiles.json') ? 'profiles' : isTempFileOf(name, 'settings.json') ? 'settings' : null
  if (dir === layout.historyDir) return isTempFileOf(name, 'index.json') ? 'history index' : null
  return /^run-\d+\.json\.\d+-[0-9a-f]{12}\.tmp$/.test(name) ? 'history run' : null
}

async function tempFilesLeft(layout: Layout): Promise<Target[]> {
  const found: Target[] = []
  for (const dir of [layout.dataDir, layout.historyDir, layout.runsDir]) {
    for (const name of await readdir(dir)) {
      const target = tempTarget(layout, dir, name)
      if (target) found.push(target)
    }
  }
  return found
}

const WRITER_SOURCE = join(__dirname, 'crash-writer.ts')
/** The writer, bundled once into plain JavaScript: a child then starts in a fraction of the time tsx needs. */
let writer = ''

beforeAll(async () => {
  const out = await tempDir('mailprobe-crash-writer-')
  writer = join(out, 'crash-writer.cjs')
  await build({ entryPoints: [WRITER_SOURCE], bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile: writer, logLevel: 'warning' })
})
afterAll(removeTempDirs)

type Plan =
  /** Once `store` has reported `saves` saves, kill when the next temp file of `target` appears (a write under way). */
  | { when: 'mid-write'; target: Target; saves: number }
  /** Kill as soon as `store` reports its `saves`-th save (the other stores may be writing). */
  | { when: 'after-save'; store: Store; saves: number }

/** The plan of kill `i`: every other one aimed at a write in progress, targets and stores in turn, 1–3 saves first. */
function planFor(i: number): Plan {
  const saves = 1 + (i % 3)
  const turn = Math.floor(i / 2)
  return i % 2 === 0 ? { when: 'mid-write', target: TARGETS[turn % TARGETS.length]!, saves } : { when: 'after-save', store: STORES[turn % STORES.length]!, saves }
}

/** Starts the (bundled) writer, kills it as planned; resolves with the last generation each store reported (or held at start). */
function runAndKill(layout: Layout, plan: Plan): Promise<Record<Store, number>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer, layout.dataDir, layout.historyDir, String(PROFILE_COUNT), String(HISTORY_KEEP)], { stdio: ['ignore', 'pipe', 'pipe'] })
    const last: Record<Store, number> = { profiles: -1, history: -1, settings: -1 }
    const reported: Record<Store, number> = { profiles: 0, history: 0, settings: 0 }
    const counted = plan.when === 'mid-write' ? storeOf(plan.target) : plan.store
    let out = ''
    let err = ''
    let armed = false
    let killed = false
    const kill = () => {
      if (killed) return
      killed = true
      child.kill('SIGKILL')
    }
    const watchers = [layout.dataDir, layout.historyDir, layout.runsDir].map((dir) =>
      watch(dir, (_event, name) => {
        if (armed && plan.when === 'mid-write' && typeof name === 'string' && tempTarget(layout, dir, name) === plan.target) kill()
      }),
    )
    child.stdout.setEncoding('utf8')
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (d: string) => (err += d))
    child.stdout.on('data', (d: string) => {
      out += d
      const lines = out.split('\n')
      out = lines.pop() ?? ''
      for (const line of lines) {
        const words = line.split(' ')
        if (words[0] === 'ready') {
          STORES.forEach((s, k) => (last[s] = Number(words[k + 1])))
          continue
        }
        const store = words[0] as Store
        last[store] = Number(words[1])
        if (store !== counted || ++reported[store] < plan.saves) continue
        if (plan.when === 'after-save') kill()
        else armed = true
      }
    })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      for (const w of watchers) w.close()
      if (signal === 'SIGKILL' && killed) resolve(last)
      else reject(new Error(`writer exited on its own (code ${code}, signal ${signal}): ${err}`))
    })
  })
}

/** True when `gen` is the last generation reported as saved, or the one that was being written. */
const lastOrNext = (gen: number, last: number): boolean => gen === last || gen === last + 1

describe('storage: crash safety of profiles, History and settings', () => {
  it(`loads the last complete state of all three stores after the writer is killed ${CRASH_KILLS} times (half of the kills aimed at a write in progress)`, async () => {
    const dataDir = await tempDir('mailprobe-crash-')
    const historyDir = join(dataDir, HISTORY_DIR)
    const layout: Layout = { dataDir, historyDir, runsDir: join(historyDir, 'runs') }
    await mkdir(layout.runsDir, { recursive: true })
    /** Kills that cut a write of each file short (one kill may cut several), and kills that cut any. */
    const midWrite: Record<Target, number> = { profiles: 0, 'history run': 0, 'history index': 0, settings: 0 }
    let interrupting = 0
    const started = Date.now()

    for (let i = 0; i < CRASH_KILLS; i++) {
      const plan = planFor(i)
      const last = await runAndKill(layout, plan)
      const context = `kill ${i} (${JSON.stringify(plan)}), writer reported ${JSON.stringify(last)}`
      const cut = new Set(await tempFilesLeft(layout))
      for (const target of cut) midWrite[target]++
      if (cut.size) interrupting++

      const [profiles, history, settings] = await Promise.all([
        ProfileStore.open({ dir: dataDir, secrets: new MemorySecretStore() }),
        HistoryStore.open({ dir: historyDir, limit: HISTORY_KEEP }),
        SettingsStore.open({ dir: dataDir }),
      ])
      expect([...profiles.issues, ...history.issues, ...settings.issues], context).toEqual([])

      // Profiles: #0 carries the generation, the other 299 are untouched.
      const list = profiles.list()
      expect(list, context).toHaveLength(PROFILE_COUNT)
      const p = generation.ofProfile(list[0]!.name)
      expect(lastOrNext(p, last.profiles), `profiles at generation ${p}; ${context}`).toBe(true)
      expect(
        list.slice(1).every((x, k) => x.name === generation.profileName(0, k + 1)),
        context,
      ).toBe(true)

      // History: the newest HISTORY_KEEP runs, none missing, each with its file (and no other file).
      const { entries } = history.list({ limit: 500 })
      const h = generation.ofRun(entries[0]?.id)
      expect(lastOrNext(h, last.history), `History at generation ${h}; ${context}`).toBe(true)
      const expected = Array.from({ length: Math.min(h, HISTORY_KEEP) }, (_, k) => generation.runId(h - k))
      expect(
        entries.map((e) => e.id),
        context,
      ).toEqual(expected)
      expect((await readdir(layout.runsDir)).sort(), context).toEqual(expected.map((id) => `${id}.json`).sort())
      if (h > 0) expect((await history.get(generation.runId(h)))?.result.transcript, context).toHaveLength(200)

      const s = generation.ofSettings(settings.get().sandboxProfiles.ids.starttls)
      expect(lastOrNext(s, last.settings), `settings at generation ${s}; ${context}`).toBe(true)

      // Opening removed every half-written temp file; nothing was set aside as corrupt.
      expect(
        (await readdir(dataDir)).filter((n) => !['profiles.json', 'settings.json', HISTORY_DIR].includes(n)),
        context,
      ).toEqual([])
      expect(
        (await readdir(historyDir)).filter((n) => !['index.json', 'runs'].includes(n)),
        context,
      ).toEqual([])
    }

    const seconds = ((Date.now() - started) / 1000).toFixed(1)
    // One line for whoever reads the log: how many kills left a write of each file unfinished.
    process.stdout.write(`crash-safety: ${CRASH_KILLS} kills in ${seconds} s; ${interrupting} cut a write short; by file: ${JSON.stringify(midWrite)}\n`)
    // Half of the kills are aimed at a write in progress; most of them land there.
    expect(interrupting).toBeGreaterThanOrEqual(CRASH_KILLS / 4)
  }, 240_000)
})
