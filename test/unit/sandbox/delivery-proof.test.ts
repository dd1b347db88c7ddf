// Delivery proof in the app, offline: the sandbox's ready-made profiles watch the sandbox's inbox,
// so a send from them on a fresh data folder ends with the message seen there (the runner hands
// the engines the running sandbox's inbox). The composer may turn the wait off; DKIM signing comes
// from a key file read when the run starts, or a pasted key kept in the secret store — and neither
// key, nor a key file's content, reaches an event, History or a file of the data folder.
import { generateKeyPairSync } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { inboxIdOf, profileFieldsOf, type ApiResult, type OperationName, type OperationOutputs, type SmtpResult } from '../../../preload/contract'
import { SANDBOX_PRESET } from '../../../main/core/sandbox'
import type { AppServices } from '../../../main/core/services'
import { SETTINGS_FILE, SETTINGS_FORMAT } from '../../../main/core/settings'
import { createClient } from '../../../main/ipc/handlers'
import { expectNoLeaks } from '../../fixtures/secret-scan'
import { readTree, removeTempDirs, tempDir, testServices, WaitingSink } from '../ipc/helpers'

afterEach(removeTempDirs)

const DKIM_KEY = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
/** A line of the key's body: what a leak would show. */
const KEY_LINE = DKIM_KEY.split('\n')[2]!
const message = { to: [], cc: [], bcc: [], subject: 'delivery proof in the sandbox', text: 'hello', attachments: [], headers: [] }

async function harness(opts: Parameters<typeof testServices>[0] = {}) {
  const { services, dataDir, cipher } = await testServices({ sandbox: {}, ...opts })
  const sink = new WaitingSink()
  const client = createClient(sink, services)
  const call = async <K extends OperationName>(name: K, payload: unknown): Promise<OperationOutputs[K]> => {
    const env = await client.dispatch(name, payload)
    if (!env.ok) throw new Error(`${name} refused: ${env.error.code} ${env.error.message}`)
    return env.value
  }
  const run = async <R>(payload: unknown): Promise<R> => sink.result<R>((await call('runProfile', payload)).jobId)
  return { services, dataDir, cipher, sink, call, run, ids: services.sandbox.status().profiles }
}

/** Nothing the test could observe holds the key: events, and every file of the data folder but the encrypted secrets. */
async function expectKeyNowhere(h: { services: AppServices; sink: WaitingSink; dataDir: string }, extra: { value: string }[] = []): Promise<void> {
  const secrets = [{ value: KEY_LINE }, ...extra]
  await h.services.flush()
  expectNoLeaks(JSON.stringify(h.sink.events), secrets, 'job events')
  for (const f of await readTree(h.dataDir)) if (!f.path.endsWith('secrets.json')) expectNoLeaks(f.text, secrets, f.path)
}

describe('the sandbox profiles prove delivery in the sandbox’s inbox', () => {
  it('on a fresh data folder every sandbox profile names the sandbox’s inbox as its mailbox', async () => {
    const { services } = await harness()
    const profiles = services.profiles.list().filter((p) => p.preset === SANDBOX_PRESET)
    expect(profiles).toHaveLength(4)
    for (const p of profiles) expect(p.mailbox, p.name).toEqual({ kind: 'sandbox' })
    expect(profiles.every((p) => !p.hasMailboxSecret && !p.hasDkimKey)).toBe(true)
  })

  it('an SMTP send waits for the message and finds it there; History keeps the delivery', async () => {
    const h = await harness()
    const result = await h.run<SmtpResult>({ profileId: h.ids.starttls, action: 'send', message })
    expect(result.error).toBeNull()
    expect(result.delivery).toMatchObject({ ok: true, folder: 'Sandbox inbox', junk: false, mailbox: { kind: 'sandbox' } })
    expect(result.delivery!.acceptedToInboxMs).toBeGreaterThanOrEqual(0)
    const seen = h.services.sandbox.getInboxMessage(inboxIdOf(result)!)
    expect(seen?.subject).toBe('delivery proof in the sandbox')
    expect(result.delivery!.headers).toContain(`Subject: ${seen!.subject}`)
    const row = (await h.call('listHistory', {})).entries[0]!
    expect((await h.call('getHistoryEntry', { id: row.id }))!.result).toMatchObject({ delivery: { ok: true, folder: 'Sandbox inbox' } })
  })

  it('an API send (Mailgun-style) is found there too', async () => {
    const h = await harness()
    const result = await h.run<ApiResult>({ profileId: h.ids.api, action: 'api-send', message })
    expect(result.error).toBeNull()
    expect(result.delivery).toMatchObject({ ok: true, folder: 'Sandbox inbox', mailbox: { kind: 'sandbox' } })
  })

  it('the composer may send without waiting (awaitInbox: false): the message is sent, not watched', async () => {
    const h = await harness()
    const result = await h.run<SmtpResult>({ profileId: h.ids.tls, action: 'send', message, awaitInbox: false })
    expect(result.ok).toBe(true)
    expect(result.delivery).toBeUndefined()
    expect(h.services.sandbox.getInboxMessage(inboxIdOf(result)!)).not.toBeNull()
    expect(result.phases.some((p) => p.name === 'delivery')).toBe(false)
  })

  it('with the sandbox turned off, a send from its profile fails to connect (nothing waits)', async () => {
    const h = await harness()
    const profile = h.services.profiles.get(h.ids.starttls!)!
    await h.call('setSandboxEnabled', { enabled: false })
    expect(h.services.sandbox.inboxSource).toBeNull()
    const result = await h.run<SmtpResult>({ profileId: profile.id, action: 'send', message })
    expect(result.ok).toBe(false)
    expect(result.error?.code).not.toBe('DELIVERY_TIMEOUT')
    expect(result.delivery).toBeUndefined()
  })
})

describe('DKIM signing from a sandbox profile', () => {
  it('with a key file read when the run starts: the send carries the signature, the key goes nowhere else', async () => {
    const h = await harness()
    const keyFile = join(await tempDir('mailprobe-dkim-'), 'dkim.pem')
    await writeFile(keyFile, DKIM_KEY)
    const base = h.services.profiles.get(h.ids.starttls!)!
    await h.call('saveProfile', { id: base.id, profile: { ...profileFieldsOf(base), dkim: { domain: 'sandbox.mailprobe.test', selector: 'mp1', keyFile } } })
    const result = await h.run<SmtpResult>({ profileId: base.id, action: 'send', message })
    expect(result.error).toBeNull()
    expect(result.dkim).toMatchObject({ domain: 'sandbox.mailprobe.test', selector: 'mp1' })
    expect(result.dkim!.header).toMatch(/^DKIM-Signature: v=1; a=rsa-sha256;.* d=sandbox\.mailprobe\.test;.* s=mp1;/s)
    const raw = h.services.sandbox.getInboxMessage(inboxIdOf(result)!)!.raw
    expect(raw).toMatch(/^DKIM-Signature: v=1;[^]*?\bd=sandbox\.mailprobe\.test;[^]*?\bs=mp1;/m)
    expect(result.delivery?.ok).toBe(true)
    await expectKeyNowhere(h)
  })

  it('a key file that cannot be read, or holds no key, ends the run with INVALID_INPUT naming the file, never its content', async () => {
    const h = await harness()
    const dir = await tempDir('mailprobe-dkim-')
    const base = h.services.profiles.get(h.ids.starttls!)!
    const withFile = (keyFile: string) => h.call('saveProfile', { id: base.id, profile: { ...profileFieldsOf(base), dkim: { domain: 'sandbox.mailprobe.test', selector: 'mp1', keyFile } } })
    const missing = join(dir, 'missing.pem')
    await withFile(missing)
    const before = h.services.sandbox.listInbox().received
    const gone = await h.run<SmtpResult>({ profileId: base.id, action: 'send', message })
    expect(gone.error).toMatchObject({
      code: 'INVALID_INPUT',
      message: `The DKIM key file ${missing} of profile "${base.name}" cannot be read (ENOENT): check the path in the profile editor, and that Mailprobe may read the file.`,
    })

    const notAKey = join(dir, 'notes.txt')
    const canary = 'dkim-file-canary-4e1b'
    await writeFile(notAKey, `${canary}\n`)
    await withFile(notAKey)
    const wrong = await h.run<SmtpResult>({ profileId: base.id, action: 'send', message })
    expect(wrong.error?.code).toBe('INVALID_INPUT')
    expect(wrong.error!.message).toMatch(new RegExp(`^The DKIM key file ${notAKey.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} of profile .* holds no PEM private key`))
    expect(h.services.sandbox.listInbox().received).toBe(before)
    await expectKeyNowhere(h, [{ value: canary }])
  })

  it('with a pasted key kept in the secret store (hasDkimKey), never written in clear', async () => {
    const h = await harness()
    const base = h.services.profiles.get(h.ids.tls!)!
    const saved = await h.call('saveProfile', { id: base.id, profile: { ...profileFieldsOf(base), dkim: { domain: 'sandbox.mailprobe.test', selector: 'pasted' } }, dkimKey: DKIM_KEY })
    expect(saved).toMatchObject({ hasDkimKey: true, dkim: { selector: 'pasted' } })
    const result = await h.run<SmtpResult>({ profileId: base.id, action: 'send', message, awaitInbox: false })
    expect(result.error).toBeNull()
    expect(result.dkim).toMatchObject({ selector: 'pasted' })
    await expectKeyNowhere(h)
    expect(await readFile(join(h.dataDir, 'secrets.json'), 'utf8')).not.toContain(KEY_LINE)
    // Cleared: the next send says what is missing.
    await h.call('saveProfile', { id: base.id, profile: profileFieldsOf(saved), dkimKey: null })
    const unsigned = await h.run<SmtpResult>({ profileId: base.id, action: 'send', message })
    expect(unsigned.error).toMatchObject({ code: 'INVALID_INPUT', message: `No DKIM key saved for profile "${base.name}": paste it or name a key file in the profile editor.` })
  })
})

describe('sandbox profiles from before delivery proof', () => {
  it('get the sandbox’s inbox once; one the user removes stays removed', async () => {
    const first = await harness()
    const { ids } = first
    // As the app kept them before: no mailbox, and a settings file that never gave one.
    for (const id of Object.values(ids)) {
      const p = first.services.profiles.get(id!)!
      const { mailbox: _m, ...fields } = profileFieldsOf(p)
      await first.services.profiles.save({ id: p.id, profile: fields })
    }
    const copy = await first.services.profiles.duplicate(ids.starttls!)
    await first.services.close()
    const settings = JSON.parse(await readFile(join(first.dataDir, SETTINGS_FILE), 'utf8'))
    delete settings.data.sandboxProfiles.inboxMailbox
    await writeFile(join(first.dataDir, SETTINGS_FILE), JSON.stringify({ ...settings, format: SETTINGS_FORMAT }))

    const second = await harness({ dataDir: first.dataDir, cipher: first.cipher })
    for (const id of [...Object.values(ids), copy.id]) expect(second.services.profiles.get(id!)!.mailbox).toEqual({ kind: 'sandbox' })
    expect(second.services.settings.get().sandboxProfiles.inboxMailbox).toBe(true)
    const p = second.services.profiles.get(ids.api!)!
    const { mailbox: _m, ...fields } = profileFieldsOf(p)
    await second.services.profiles.save({ id: p.id, profile: fields })
    await second.services.close()

    const third = await harness({ dataDir: first.dataDir, cipher: first.cipher })
    expect(third.services.profiles.get(ids.api!)).not.toHaveProperty('mailbox')
    expect(third.services.profiles.get(ids.starttls!)!.mailbox).toEqual({ kind: 'sandbox' })
  })
})
