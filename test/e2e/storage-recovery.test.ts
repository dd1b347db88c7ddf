/**
 * Hardening, storage: "a corrupt file is moved aside and reported in the interface, and the app
 * still starts". In Chromium against `npm run web`'s host, whose data folder holds, before it
 * starts, a torn profiles.json, a binary History index (beside one good run file) and a settings.json
 * that is not JSON. The app opens and works (sandbox profiles, a run, History); one notice per file
 * names it, what it was kept as (the `.corrupt-<stamp>` file, on disk with the original bytes) and
 * what Mailprobe did instead; dismissing works and sticks; a profile saved afterwards survives a
 * reload and a restart of the host, and nothing overwrites the kept files.
 *
 * secrets.json: the browser host keeps secrets in memory (main/web/services.ts) and never reads
 * one; the desktop app's damaged secrets.json is covered by test/unit/storage/recovery.test.ts.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { SANDBOX_APP_PROFILE_NAMES, SANDBOX_OAUTH_PROFILE_NAME } from '../../main/core/sandbox/profiles'
import { launchChromium, openApp, shoot, startWebHost, type WebHost } from './harness'
import { byTestId, MailprobePage } from './pages'

/** A run recorded by an earlier session: its index is lost, the run file is fine. */
const KEPT_RUN_ID = 'run-kept-by-the-rebuild'

/** What each damaged file holds before the host starts, and what the notice must say Mailprobe did instead. */
const DAMAGED = {
  'profiles.json': {
    bytes: Buffer.from('{"format":"mailprobe-profiles","version":1,"data":{"profiles":[{"kind":"smtp","name":"Relay EU","host":"smtp.eu.exa'),
    shown: 'profiles.json',
    consequence: 'Mailprobe started without the saved profiles.',
  },
  'history/index.json': {
    bytes: Buffer.from([0x00, 0xff, 0x13, 0x37, 0x50, 0x4b, 0x03, 0x04, 0x0a, 0xde, 0xad, 0xbe, 0xef]),
    shown: 'history/index.json',
    consequence: 'The list of runs was rebuilt from the saved runs.',
  },
  'settings.json': {
    bytes: Buffer.from('sandbox=on\nrtt=40\n'),
    shown: 'settings.json',
    consequence: 'Mailprobe started with its default settings.',
  },
} as const
type DamagedFile = keyof typeof DAMAGED

function runFile(): string {
  const startedAt = '2026-01-02T03:04:05.000Z'
  const summary = {
    id: KEPT_RUN_ID,
    jobId: 'job-kept',
    kind: 'smtp',
    action: 'verify',
    profileId: null,
    profileName: 'Relay EU',
    target: 'smtp.eu.example.test:587',
    startedAt,
    ok: true,
    errorCode: null,
    summary: '235 Authentication successful',
    totalMs: 84,
    roundTrips: 5,
  }
  const result = {
    kind: 'smtp',
    ok: true,
    error: null,
    warnings: [],
    phases: [{ name: 'tcp', startMs: 0, durationMs: 12, roundTrips: 1 }],
    totalMs: 84,
    roundTrips: 5,
    transcript: [{ t: 0, dir: 's', text: '220 smtp.eu.example.test ESMTP' }],
    target: { host: 'smtp.eu.example.test', port: 587, security: 'starttls', address: '192.0.2.1' },
    tls: null,
    capabilities: { before: null, after: null },
    authMechanisms: ['PLAIN'],
    authMethodUsed: 'PLAIN',
    bytes: { sent: 10, received: 20 },
    result: null,
  }
  return `${JSON.stringify({ format: 'mailprobe-run', version: 1, savedAt: startedAt, data: { entry: { ...summary, result } } })}\n`
}

/** A fresh data folder with the damaged files (and one good run file) in place. */
function seedDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mailprobe-e2e-damaged-'))
  mkdirSync(join(dir, 'history', 'runs'), { recursive: true })
  for (const [file, { bytes }] of Object.entries(DAMAGED)) writeFileSync(join(dir, file), bytes)
  writeFileSync(join(dir, 'history', 'runs', `${KEPT_RUN_ID}.json`), runFile())
  return dir
}

/** The `.corrupt-<stamp>` files beside `file`. */
function keptCopies(dataDir: string, file: DamagedFile): string[] {
  const dir = join(dataDir, dirname(file))
  return readdirSync(dir)
    .filter((n) => n.startsWith(`${basename(file)}.corrupt-`))
    .map((n) => join(dir, n))
}

describe('storage: damaged files at start', () => {
  let dataDir: string
  let host: WebHost
  let browser: Browser

  beforeAll(async () => {
    dataDir = seedDataDir()
    ;[host, browser] = await Promise.all([startWebHost({ dataDir }), launchChromium()])
  })
  afterAll(async () => {
    await browser?.close()
    await host?.stop()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  it('starts with profiles, History index and settings damaged: each is kept aside and named in a notice, and the app works', async () => {
    const { page, context, problems } = await openApp(browser, host)
    const app = new MailprobePage(page)

    // ── it starts, and is usable: the sidebar with the sandbox's profiles (made again: settings were lost) ──
    await app.keyringStatus.waitFor()
    for (const name of [...Object.values(SANDBOX_APP_PROFILE_NAMES), SANDBOX_OAUTH_PROFILE_NAME]) await app.profile(name).waitFor()
    expect(await app.profileItems.count()).toBe(4)

    // ── one notice per damaged file: the file, why, what it was kept as and where, what Mailprobe did ──
    const notices = app.id('storage-issue')
    await expect.poll(() => notices.count()).toBe(3)
    for (const [file, { bytes, shown, consequence }] of Object.entries(DAMAGED) as [DamagedFile, (typeof DAMAGED)[DamagedFile]][]) {
      const copies = keptCopies(dataDir, file)
      expect(copies, `${file} kept aside once`).toHaveLength(1)
      const kept = copies[0]!
      expect(basename(kept)).toMatch(new RegExp(`^${basename(file).replace('.', '\\.')}\\.corrupt-\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d-\\d{3}Z$`))
      // Byte for byte what was there: nothing dropped, nothing "repaired".
      expect(readFileSync(kept).equals(bytes), `${kept} holds the original bytes`).toBe(true)

      const notice = page.locator(`[data-testid="storage-issue"][data-file="${join(dataDir, file)}"]`)
      await notice.waitFor()
      const text = (await notice.textContent()) ?? ''
      expect(text).toContain(`${shown} could not be read`)
      expect(text).toContain(`it was kept as ${basename(kept)}.`)
      expect(text).toContain(consequence)
      expect(await byTestId(notice, 'storage-issue-kept').textContent()).toBe(kept)
    }
    // The damaged file is gone from its place (so the next save cannot overwrite the evidence), and the app wrote good ones.
    expect(JSON.parse(readFileSync(join(dataDir, 'settings.json'), 'utf8'))).toMatchObject({ format: 'mailprobe-settings' })
    await app.id('storage-issue').first().scrollIntoViewIfNeeded()
    await shoot(page, 'storage-recovery')

    // ── History: the index was rebuilt from the run files; the kept run is listed ──
    await app.tab('history')
    await expect.poll(() => app.historyItems.count()).toBe(1)
    expect(await app.historyItems.first().textContent()).toContain('Relay EU')

    // ── dismissing: one at a time, then all; a reload does not bring them back ──
    await notices.first().locator('.n-alert__close').click()
    await expect.poll(() => notices.count()).toBe(2)
    for (let left = 2; left > 0; left--) {
      await notices.first().locator('.n-alert__close').click()
      await expect.poll(() => notices.count()).toBe(left - 1)
    }

    // ── it works from here: a sandbox run is recorded, a new profile is saved ──
    await app.tab('compose')
    await app.selectProfile(SANDBOX_APP_PROFILE_NAMES.starttls)
    const verdict = await app.runAndWait('action-verify')
    expect(verdict, JSON.stringify(verdict)).toMatchObject({ ok: true, code: null })
    await app.newSmtpProfile({ name: 'After recovery', host: '127.0.0.1', port: 2525, security: 'None', auth: 'none — no AUTH' })

    await page.reload()
    await app.profile('After recovery').waitFor()
    await app.profile(SANDBOX_APP_PROFILE_NAMES.api).waitFor()
    expect(await app.profileItems.count()).toBe(5)
    await app.tab('history')
    await expect.poll(() => app.historyItems.count()).toBe(2)
    expect(await notices.count()).toBe(0)
    expect(problems()).toEqual([])
    await context.close()

    // On disk: good files in place, the kept copies untouched beside them.
    const profilesDoc = JSON.parse(readFileSync(join(dataDir, 'profiles.json'), 'utf8')) as { data: { profiles: { name: string }[] } }
    expect(profilesDoc.data.profiles.map((p) => p.name)).toContain('After recovery')
    for (const [file, { bytes }] of Object.entries(DAMAGED) as [DamagedFile, (typeof DAMAGED)[DamagedFile]][]) {
      const copies = keptCopies(dataDir, file)
      expect(copies).toHaveLength(1)
      expect(readFileSync(copies[0]!).equals(bytes)).toBe(true)
    }
  })

  it('after a restart of the host: no notice (the files are good now), the saved profile and both runs are there', async () => {
    expect(await host.stop()).toBe(0)
    host = await startWebHost({ dataDir })
    const { page, context, problems } = await openApp(browser, host)
    const app = new MailprobePage(page)
    await app.profile('After recovery').waitFor()
    expect(await app.profileItems.count()).toBe(5)
    await app.tab('history')
    await expect.poll(() => app.historyItems.count()).toBe(2)
    expect(await app.id('storage-issue').count()).toBe(0)
    expect(host.stderr()).toBe('')
    expect(problems()).toEqual([])
    await context.close()
  })
})
