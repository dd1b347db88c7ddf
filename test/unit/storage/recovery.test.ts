import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { Envelope } from '../../../preload/contract'
import { createClient } from '../../../main/ipc/handlers'
import { HISTORY_DIR } from '../../../main/core/services'
import { removeTempDirs, tempDir, testServices, WaitingSink } from '../ipc/helpers'

/*
 * The desktop app's data folder with every stored file damaged — including secrets.json, which only
 * the desktop app writes (the browser host keeps secrets in memory; its end-to-end twin is
 * test/e2e/storage-recovery.test.ts): the app still opens, every file is kept aside byte for byte,
 * and listProfiles (what the interface shows) reports each one.
 */

afterEach(removeTempDirs)

function ok<T>(env: Envelope<T>): T {
  if (!env.ok) throw new Error(`refused: ${env.error.code} ${env.error.message}`)
  return env.value
}

const DAMAGED: Record<string, { bytes: Buffer; says: RegExp }> = {
  'profiles.json': {
    bytes: Buffer.from('{"format":"mailprobe-profiles","version":1,"data":{"profiles":[{"kind":"sm'),
    says: /^The profiles file is not valid JSON .*; it was kept as profiles\.json\.corrupt-\S+\. Mailprobe started without the saved profiles\.$/,
  },
  'secrets.json': {
    bytes: Buffer.from([0, 159, 146, 150, 255, 10]),
    says: /^The saved secrets file is not valid JSON \(it holds binary data, not text\); it was kept as secrets\.json\.corrupt-\S+\. .*Profiles that had a saved secret need it entered again\.$/,
  },
  [join(HISTORY_DIR, 'index.json')]: {
    bytes: Buffer.from('[1, 2, 3]\n'),
    says: /^The history index file is not a Mailprobe history index file .*; it was kept as index\.json\.corrupt-\S+\. The list of runs was rebuilt from the saved runs\.$/,
  },
  'settings.json': {
    bytes: Buffer.from('{"format":"mailprobe-settings","version":1,"data":{"sandbox":{"enabled":"yes"}}}'),
    says: /^The settings file does not have the expected shape .*; it was kept as settings\.json\.corrupt-\S+\. Mailprobe started with its default settings\.$/,
  },
}

describe('storage: damaged files at start', () => {
  it('opens with every stored file damaged, keeps each aside unchanged, and reports each to the interface', async () => {
    const dataDir = await tempDir()
    await mkdir(join(dataDir, HISTORY_DIR), { recursive: true })
    for (const [file, { bytes }] of Object.entries(DAMAGED)) await writeFile(join(dataDir, file), bytes)

    const { services, cipher } = await testServices({ dataDir })
    const client = createClient(new WaitingSink(), services)
    const { issues } = ok(await client.dispatch('listProfiles', undefined))
    expect(issues.map((i) => i.file).sort()).toEqual(
      Object.keys(DAMAGED)
        .map((f) => join(dataDir, f))
        .sort(),
    )
    for (const issue of issues) {
      const { bytes, says } = DAMAGED[issue.file.slice(dataDir.length + 1)]!
      expect(issue.message).toMatch(says)
      // eslint-disable-next-line no-control-regex
      expect(issue.message, 'no control characters of the damaged file in the notice').not.toMatch(/[\u0000-\u001f]/)
      expect(issue.movedTo).toMatch(new RegExp(`^${issue.file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.corrupt-\\d{4}-\\d\\d-\\d\\dT[\\d-]+Z$`))
      expect(issue.message).toContain(basename(issue.movedTo!))
      expect(await readFile(issue.movedTo!)).toEqual(bytes)
    }

    // It works from here: a profile with a secret is saved and read back by the next start.
    const saved = ok(
      await client.dispatch('saveProfile', { profile: { kind: 'smtp', name: 'After recovery', host: 'smtp.example.test', port: 587, security: 'starttls', username: 'u' }, secret: { primary: 'pw' } }),
    )
    await services.close()
    const { services: again } = await testServices({ dataDir, cipher })
    expect(again.issues()).toEqual([])
    expect(again.profiles.list().map((p) => [p.name, p.hasSecret])).toEqual([['After recovery', true]])
    expect(await again.secrets.get(saved.id)).toMatchObject({ primary: 'pw' })
    // Nothing was overwritten: the kept copies are still there beside the new files.
    expect((await readdir(dataDir)).filter((n) => n.includes('.corrupt-'))).toHaveLength(3)
    expect((await readdir(join(dataDir, HISTORY_DIR))).filter((n) => n.includes('.corrupt-'))).toHaveLength(1)
  })
})
