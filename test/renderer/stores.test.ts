import { beforeEach, describe, expect, it, onTestFinished } from 'vitest'
import { createApp } from 'vue'
import { createPinia, setActivePinia } from 'pinia'
import { provideApi } from '@renderer/bridge'
import { useProfilesStore } from '@renderer/stores/profiles'
import { useHistoryStore } from '@renderer/stores/history'
import { useComposerStore, defaultSubject } from '@renderer/stores/composer'
import { useProbeStore } from '@renderer/stores/probe'
import { useJobsStore } from '@renderer/stores/jobs'
import { capabilityDiff, probeRows, recommendationHeadline } from '@renderer/components/probe/probe-format'
import { composedMessageSchema, type HistoryEntry } from '@contract'
import { createFakeApi, smtpProfile, summary, type FakeApi } from './fake-api'
import { result, smtpResult } from './events'
import { probeResult } from './probe-data'

let fake: FakeApi

function setup(seed: Parameters<typeof createFakeApi>[0] = {}) {
  fake = createFakeApi(seed)
  const app = createApp({})
  provideApi(app, fake.api)
  const pinia = createPinia()
  app.use(pinia)
  setActivePinia(pinia)
}

const entry = (over: Partial<HistoryEntry>): HistoryEntry => ({ ...summary(over), result: smtpResult(), ...over })

describe('profiles store', () => {
  beforeEach(() => setup())

  it('creates, edits, duplicates and deletes — and never holds a secret', async () => {
    const store = useProfilesStore()
    await store.load()
    expect(store.profiles).toEqual([])
    expect(store.keyring?.protected).toBe(true)

    const secret = 'hunter2-very-secret'
    const created = await store.save({
      profile: { kind: 'smtp', name: 'Relay', host: 'smtp.example.com', port: 587, security: 'starttls', authMethod: 'plain', username: 'alice' },
      secret: { primary: secret },
    })
    expect(created.ok && created.value.hasSecret).toBe(true)
    expect(fake.saveProfile.mock.calls[0]![0].secret).toEqual({ primary: secret })
    expect(store.smtp.map((p) => p.name)).toEqual(['Relay'])

    const id = store.profiles[0]!.id
    await store.save({ id, profile: { kind: 'smtp', name: 'Relay EU', host: 'smtp.eu.example.com', port: 465, security: 'tls' } })
    expect(store.byId.get(id)?.name).toBe('Relay EU')
    expect(store.byId.get(id)?.hasSecret).toBe(true) // absent secret: kept by main

    const copy = await store.duplicate(id)
    expect(copy.ok && copy.value.name).toBe('Relay EU (copy)')
    expect(store.profiles).toHaveLength(2)

    await store.remove(id)
    expect(store.profiles.map((p) => p.name)).toEqual(['Relay EU (copy)'])
    expect(JSON.stringify(store.$state)).not.toContain(secret)
  })

  it('keeps what main reports about storage and the keyring', async () => {
    onTestFinished(() => window.sessionStorage.clear())
    const seed = (): Parameters<typeof createFakeApi>[0] => ({
      keyring: { protected: false, backend: 'basic_text', note: 'not protected by a keyring' },
      issues: [{ file: 'profiles.json', movedTo: 'profiles.json.bad', message: 'Unexpected token' }],
    })
    setup(seed())
    const store = useProfilesStore()
    await store.load()
    expect(store.keyring?.protected).toBe(false)
    expect(store.issues).toHaveLength(1)
    store.dismissIssue(0)
    expect(store.issues).toHaveLength(0)
    // Main keeps reporting it (until it restarts); dismissed, it stays dismissed — after an import, or a reload.
    await store.load()
    expect(store.issues).toHaveLength(0)
    setup(seed())
    await useProfilesStore().load()
    expect(useProfilesStore().issues).toHaveLength(0)
  })

  it('exports through saveFile and imports pasted JSON', async () => {
    setup({ profiles: [smtpProfile()] })
    const store = useProfilesStore()
    await store.load()
    const saved = await store.exportToFile()
    expect(saved.ok).toBe(true)
    const content = fake.saveFile.mock.calls[0]![0].content
    expect(content).toContain('Sandbox STARTTLS')
    expect(content).not.toContain('hasSecret')
    const imported = await store.importContent(content)
    expect(imported.ok && imported.value.imported).toHaveLength(1)
    expect(store.profiles).toHaveLength(2)
  })
})

describe('history store', () => {
  it('lists, searches, opens and deletes runs, and derives each profile’s last result', async () => {
    setup({
      history: [
        entry({ id: 'h1', profileId: 'p1', ok: true, startedAt: '2025-01-01T10:00:00Z', summary: '250 queued' }),
        entry({ id: 'h2', profileId: 'p1', ok: false, errorCode: 'AUTH_FAILED', startedAt: '2025-01-01T11:00:00Z', summary: 'AUTH_FAILED — no' }),
        entry({ id: 'h3', profileId: 'p2', ok: true, startedAt: '2025-01-01T09:00:00Z', target: 'api.sendgrid.com', summary: 'HTTP 202' }),
      ],
    })
    const store = useHistoryStore()
    await store.refresh()
    expect(store.entries).toHaveLength(3)
    expect(store.lastResult('p1')).toBe('failed')
    expect(store.lastResult('p2')).toBe('ok')
    expect(store.lastResult('p3')).toBe('never')

    await store.search('sendgrid')
    expect(fake.listHistory).toHaveBeenLastCalledWith(expect.objectContaining({ query: 'sendgrid' }))
    expect(store.entries.map((e) => e.id)).toEqual(['h3'])
    expect(store.lastResult('p1')).toBe('failed') // dots come from the unfiltered list

    const opened = await store.open('h3')
    expect(opened.ok && opened.value.source).toBe('history')
    expect(opened.ok && opened.value.status).toBe('done')

    await store.remove(['h2'])
    expect(fake.deleteHistory).toHaveBeenCalledWith({ ids: ['h2'] })
    expect(store.lastResult('p1')).toBe('ok')
    await store.search('')
    expect(store.entries.map((e) => e.id)).toEqual(['h1', 'h3'])
  })

  it('refreshes when a profile run ends', async () => {
    setup()
    const history = useHistoryStore()
    const jobs = useJobsStore()
    const started = await jobs.runProfile({ profileId: 'x', action: 'verify' }, { profileName: 'X', profileKind: 'smtp', label: 'h:1' })
    expect(started.ok).toBe(false) // no such profile in the fake
    fake.listHistory.mockClear()
    fake.push([result('job-live', 1)])
    jobs.jobs.get('job-live')!.target = null
    await new Promise((r) => setTimeout(r, 200))
    // A job with no target (not a profile run we started) still refreshes; smtp ad-hoc runs do not.
    expect(fake.listHistory).toHaveBeenCalled()
    expect(history.entries).toEqual([])
  })
})

describe('composer store', () => {
  beforeEach(() => setup())

  it('presets a unique subject with a token and the time', () => {
    const subject = defaultSubject(new Date(2025, 0, 1, 14, 2, 11), () => 0.4999)
    expect(subject).toBe('Mailprobe test 7ff9 · 14:02:11')
    const store = useComposerStore()
    expect(store.subject).toMatch(/^Mailprobe test [0-9a-f]{4} · \d\d:\d\d:\d\d$/)
    const before = store.subject
    store.afterSend()
    expect(store.subjectAuto).toBe(true)
    store.setSubject('My own subject')
    store.afterSend()
    expect(store.subject).toBe('My own subject')
    expect(before).toMatch(/Mailprobe test/)
  })

  it('builds what each action needs and names the missing fields', () => {
    const store = useComposerStore()
    expect(store.validate('verify')).toBe(true)
    expect(store.buildMessage('verify')).toBeNull()
    expect(store.validate('send')).toBe(false)
    expect(store.errors.from).toMatch(/sender/)
    expect(store.errors.to).toMatch(/recipient/)
    store.from = 'me@example.com'
    store.to = ['you@example.com', 'not-an-address']
    expect(store.validate('envelope')).toBe(false)
    expect(store.errors.to).toContain('not-an-address')
    store.to = ['you@example.com']
    store.addHeader()
    store.headers[0]!.name = 'X-Test'
    store.headers[0]!.value = 'yes'
    store.addAttachments(['/tmp/a.pdf', '/tmp/a.pdf'])
    expect(store.validate('send')).toBe(true)
    const msg = store.buildMessage('send')!
    expect(composedMessageSchema.safeParse(msg).success).toBe(true)
    expect(msg).toMatchObject({ from: 'me@example.com', to: ['you@example.com'], headers: [{ name: 'X-Test', value: 'yes' }], attachments: [{ path: '/tmp/a.pdf' }] })
    expect(msg.html).toBeUndefined()
    store.bodyMode = 'html'
    expect(store.buildMessage('send')!.html).toContain('<strong>')
    // The envelope test sends no body, headers or attachments.
    expect(store.buildMessage('envelope')).toMatchObject({ attachments: [], headers: [] })
    expect(store.buildMessage('envelope')!.text).toBeUndefined()
  })

  it('fills the envelope from a profile, leaving the user’s changes alone', () => {
    const store = useComposerStore()
    store.applyDefaults(smtpProfile({ defaults: { from: 'a@x.io', to: ['b@x.io'], cc: [], bcc: [] } }))
    expect(store.from).toBe('a@x.io')
    store.to = ['mine@x.io']
    store.applyDefaults(smtpProfile({ id: 'other', defaults: { from: 'c@y.io', to: ['d@y.io'], cc: [], bcc: [] } }))
    expect(store.from).toBe('c@y.io')
    expect(store.to).toEqual(['mine@x.io'])
  })
})

describe('probe store and formatting', () => {
  beforeEach(() => setup())

  it('maps a probe result to table rows', () => {
    const rows = probeRows(probeResult())
    expect(rows.map((r) => [r.port, r.state, r.stateTag])).toEqual([
      [25, 'silent', 'warning'],
      [465, 'open', 'success'],
      [587, 'open', 'success'],
      [2525, 'refused', 'default'],
    ])
    expect(rows[1]).toMatchObject({ speaks: 'TLS → SMTP', tls: 'implicit · TLSv1.3', certOk: true, authBefore: '—', authAfter: 'PLAIN LOGIN', connectMs: '1.3', bannerMs: '41' })
    expect(rows[2]).toMatchObject({ speaks: 'SMTP', tls: 'STARTTLS · TLSv1.3', certOk: false, authBefore: 'none', authAfter: 'PLAIN' })
    expect(recommendationHeadline(probeResult())).toBe('Use 465 with implicit TLS')
    expect(recommendationHeadline(probeResult({ recommendation: { port: null, host: null, security: null, reason: 'x' } }))).toBe('No port here is usable for submission')
  })

  it('marks capabilities that differ before and after TLS', () => {
    const diff = capabilityDiff(['PIPELINING', 'STARTTLS', 'SIZE 1000'], ['PIPELINING', 'SIZE 1000', 'AUTH PLAIN'])
    expect(diff.before!.filter((c) => c.changed).map((c) => c.text)).toEqual(['STARTTLS'])
    expect(diff.after!.filter((c) => c.changed).map((c) => c.text)).toEqual(['AUTH PLAIN'])
    expect(capabilityDiff(null, ['X']).after).toEqual([{ text: 'X', changed: false }])
  })

  it('runs a probe, shows pending rows, then the result', async () => {
    const probe = useProbeStore()
    probe.host = 'bad host'
    expect(await probe.run()).toBe(false)
    expect(probe.hostError).toMatch(/host may not contain spaces/)
    probe.host = 'mx.example.com'
    probe.togglePort(2525)
    expect(probe.addPort('70000')).toMatch(/1–65535/)
    expect(probe.addPort('8025')).toBeNull()
    expect(await probe.run()).toBe(true)
    expect(fake.runProbe).toHaveBeenCalledWith({ host: 'mx.example.com', ports: [25, 465, 587, 8025], tls: { insecure: false } })
    expect(probe.rows.map((r) => r.state)).toEqual(['pending', 'pending', 'pending', 'pending'])
    fake.push([{ type: 'result', jobId: probe.jobId!, seq: 1, result: probeResult() }])
    expect(probe.running).toBe(false)
    expect(probe.rows.map((r) => r.port)).toEqual([25, 465, 587, 2525])
  })
})
