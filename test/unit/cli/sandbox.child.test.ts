// The built `mailprobe sandbox` as a child process: it starts, prints its JSON line and stops cleanly on SIGINT.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { profilesExportSchema } from '../../../preload/contract'
import { runCli } from '../../fixtures/cli'

const dir = mkdtempSync(join(tmpdir(), 'mailprobe-sandbox-child-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('mailprobe sandbox (built)', () => {
  it('prints the JSON line and stops cleanly on SIGINT', async () => {
    const run = await runCli(['sandbox', '--json', '--data-dir', join(dir, 'data'), '--profiles-out', join(dir, 'p.json')], { interruptWhen: /"ca":/, timeoutMs: 15_000 })
    expect(run.status).toBe(0)
    const first = JSON.parse(run.stdout.split('\n')[0]!)
    expect(Object.keys(first)).toEqual(['smtp', 'api', 'user', 'password', 'ca'])
    expect(JSON.parse(run.stdout.trim().split('\n').at(-1)!)).toEqual({ event: 'stopped', received: 0 })
    expect(profilesExportSchema.safeParse(JSON.parse(readFileSync(join(dir, 'p.json'), 'utf8'))).success).toBe(true)
  })
})
