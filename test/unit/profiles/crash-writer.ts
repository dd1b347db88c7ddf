// Child process for crash-safety.test.ts: saves the profiles file in a tight loop through the real
// ProfileStore, printing the generation number after each save is on disk, until it is killed.
//   node crash-writer.cjs <dataDir> <profileCount>   (the test bundles this file with esbuild first)
import { MemorySecretStore } from '../../../main/core/profiles/secrets'
import { ProfileStore } from '../../../main/core/profiles/store'

async function main(): Promise<void> {
  const [dir, countArg] = process.argv.slice(2)
  if (!dir) throw new Error('usage: crash-writer.ts <dataDir> <profileCount>')
  const count = Number(countArg ?? 300)
  const store = await ProfileStore.open({ dir, secrets: new MemorySecretStore() })
  if (store.issues.length) throw new Error(`unexpected storage issue: ${store.issues[0]!.message}`)
  let profiles = store.list()
  if (!profiles.length) {
    // Seed in one write: a big file makes a kill in the middle of a write likely.
    const seed = Array.from({ length: count }, (_, i) => ({ kind: 'smtp', name: `gen 0 #${i}`, host: `smtp${i}.example.test`, port: 587, security: 'starttls', username: `user-${i}@example.test` }))
    await store.importProfiles(JSON.stringify({ format: 'mailprobe-profiles', version: 1, exportedAt: new Date().toISOString(), profiles: seed }))
    profiles = store.list()
  }
  const first = profiles[0]!
  let gen = Number(/^gen (\d+)/.exec(first.name)?.[1] ?? 0)
  process.stdout.write(`ready ${gen}\n`)
  for (;;) {
    gen++
    const { id, createdAt: _c, updatedAt: _u, hasSecret: _h, ...fields } = first
    await store.save({ id, profile: { ...fields, name: `gen ${gen} #0` } })
    process.stdout.write(`${gen}\n`)
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`)
  process.exit(1)
})
