// Child process for crash-safety.test.ts: saves all three stores of a data folder (profiles,
// History — a run file and the index — and settings) in a tight loop through the real stores, in
// the app's layout, until it is killed. After each save is on disk it prints `<store> <generation>`.
//   node crash-writer.cjs <dataDir> <historyDir> <profileCount> <historyLimit>   (the test bundles this file with esbuild first)
import type { AnyJobResult, HistorySummary, SmtpResult } from '../../../preload/contract'
import { HistoryStore } from '../../../main/core/history/store'
import { MemorySecretStore } from '../../../main/core/profiles/secrets'
import { ProfileStore } from '../../../main/core/profiles/store'
import { SettingsStore } from '../../../main/core/settings'
import { generation } from './crash-generations'

/** Transcript lines per run: a run file of ~20 kB, so a kill can land inside its write too. */
const RUN_LINES = 200

function run(gen: number): { summary: HistorySummary; result: AnyJobResult } {
  const summary: HistorySummary = {
    id: generation.runId(gen),
    jobId: `job-${gen}`,
    kind: 'smtp',
    action: 'send',
    profileId: null,
    profileName: null,
    target: '127.0.0.1:2525',
    startedAt: generation.runStartedAt(gen),
    ok: true,
    errorCode: null,
    summary: `250 Ok: queued as GEN${gen}`,
    totalMs: 12.3,
    roundTrips: 4,
  }
  const result: SmtpResult = {
    ok: true,
    kind: 'smtp',
    error: null,
    warnings: [],
    phases: [{ name: 'connect', startMs: 0, durationMs: 1.2, roundTrips: 1 }],
    totalMs: 12.3,
    roundTrips: 4,
    transcript: Array.from({ length: RUN_LINES }, (_, i) => ({ t: i, dir: i % 2 ? 'c' : 's', text: `${i % 2 ? 'RCPT TO:' : '250 2.1.5 Ok'} <line-${i}@gen-${gen}.example.test>` })),
    target: { host: '127.0.0.1', port: 2525, security: 'starttls', address: '127.0.0.1' },
    tls: null,
    capabilities: { before: null, after: null },
    authMechanisms: [],
    authMethodUsed: null,
    bytes: { sent: 10, received: 20 },
    result: { messageId: `<gen-${gen}@x>`, response: `250 Ok: queued as GEN${gen}`, accepted: ['b@example.test'], rejected: [], messageSize: 300 },
  }
  return { summary, result }
}

async function main(): Promise<void> {
  const [dir, historyDir, countArg, limitArg] = process.argv.slice(2)
  if (!dir || !historyDir) throw new Error('usage: crash-writer.ts <dataDir> <historyDir> <profileCount> <historyLimit>')
  const count = Number(countArg ?? 300)
  const [profiles, history, settings] = await Promise.all([
    ProfileStore.open({ dir, secrets: new MemorySecretStore() }),
    HistoryStore.open({ dir: historyDir, limit: Number(limitArg ?? 20) }),
    SettingsStore.open({ dir }),
  ])
  const issues = [...profiles.issues, ...history.issues, ...settings.issues]
  if (issues.length) throw new Error(`unexpected storage issue: ${issues[0]!.message}`)

  if (!profiles.list().length) {
    // Seed in one write: a big file makes a kill in the middle of a write likely.
    const seed = Array.from({ length: count }, (_, i) => ({
      kind: 'smtp',
      name: generation.profileName(0, i),
      host: `smtp${i}.example.test`,
      port: 587,
      security: 'starttls',
      username: `user-${i}@example.test`,
    }))
    await profiles.importProfiles(JSON.stringify({ format: 'mailprobe-profiles', version: 1, exportedAt: new Date().toISOString(), profiles: seed }))
  }
  const first = profiles.list()[0]!
  let p = generation.ofProfile(first.name)
  let h = generation.ofRun(history.list({ limit: 1 }).entries[0]?.id)
  let s = generation.ofSettings(settings.get().sandboxProfiles.ids.starttls)
  process.stdout.write(`ready ${p} ${h} ${s}\n`)

  const { id, createdAt: _c, updatedAt: _u, hasSecret: _h, hasProxySecret: _ph, hasMailboxSecret: _m, hasDkimKey: _d, ...fields } = first
  for (;;) {
    // The three stores write at the same time, as they may in the app; each line follows its write.
    await Promise.all([
      (async () => {
        await profiles.save({ id, profile: { ...fields, name: generation.profileName(++p, 0) } })
        process.stdout.write(`profiles ${p}\n`)
      })(),
      (async () => {
        const { summary, result } = run(++h)
        await history.record(summary, result)
        process.stdout.write(`history ${h}\n`)
      })(),
      (async () => {
        const mark = generation.settingsMark(++s)
        await settings.update((x) => {
          x.sandboxProfiles = { seeded: true, ids: { starttls: mark } }
        })
        process.stdout.write(`settings ${s}\n`)
      })(),
    ])
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`)
  process.exit(1)
})
