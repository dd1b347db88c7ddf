import { describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import ComposeView from '@renderer/components/composer/ComposeView.vue'
import ProbeView from '@renderer/components/probe/ProbeView.vue'
import { useComposerStore } from '@renderer/stores/composer'
import { useJobsStore } from '@renderer/stores/jobs'
import { useProfilesStore } from '@renderer/stores/profiles'
import { useUiStore } from '@renderer/stores/ui'
import { apiProfile, createFakeApi, smtpProfile } from './fake-api'
import { mountWithApi, unmountAfterEach } from './mount'
import { probeResult } from './probe-data'
import { stubLayoutForFile } from './layout'

stubLayoutForFile()
unmountAfterEach()

const key = (k: string, mods: KeyboardEventInit = {}) => window.dispatchEvent(new KeyboardEvent('keydown', { key: k, ...mods }))

async function compose(profileId: string) {
  const fake = createFakeApi({
    profiles: [smtpProfile({ id: 'smtp1' }), apiProfile({ id: 'api1', provider: 'mailgun', domain: 'mg.example.com' }), apiProfile({ id: 'gen', provider: 'generic', name: 'Hook' })],
  })
  const mounted = mountWithApi(ComposeView, { attachTo: document.body }, fake)
  await useProfilesStore().load()
  useUiStore().selectProfile(profileId)
  await flushPromises()
  return mounted
}

describe('ComposeView', () => {
  it('teaches when no profile is chosen', () => {
    const { wrapper: w } = mountWithApi(ComposeView)
    expect(w.find('[data-testid="compose-empty"]').text()).toContain('Pick a profile')
  })

  it('fills the envelope from the profile; To takes tokens on Enter', async () => {
    const { wrapper: w } = await compose('smtp1')
    expect((w.find('[data-testid="compose-from"]').element as HTMLInputElement).value).toBe('me@example.test')
    const to = w.find('[data-testid="compose-to"]')
    await to.setValue('second@example.test')
    await to.trigger('keydown', { key: 'Enter' })
    expect(useComposerStore().to).toEqual(['you@example.test', 'second@example.test'])
    expect(w.findAll('[data-testid="compose-to-token"]').map((t) => t.text())).toEqual(['you@example.test', 'second@example.test'])
    await to.trigger('keydown', { key: 'Backspace' })
    expect(useComposerStore().to).toEqual(['you@example.test'])
  })

  it('Ctrl+Enter runs the primary action (Send) through runProfile; Esc cancels it', async () => {
    const { wrapper: w, fake } = await compose('smtp1')
    const subject = useComposerStore().subject
    key('Enter', { ctrlKey: true })
    await flushPromises()
    expect(fake.runProfile).toHaveBeenCalledTimes(1)
    const input = fake.runProfile.mock.calls[0]![0]
    expect(input).toMatchObject({ profileId: 'smtp1', action: 'send', message: { from: 'me@example.test', to: ['you@example.test'], subject } })
    // A fresh token for the next message.
    expect(useComposerStore().subject).not.toBe(subject)
    const jobId = useUiStore().focus.compose!
    expect(useJobsStore().jobs.get(jobId)?.status).toBe('running')
    expect(w.find('[data-testid="action-cancel"]').exists()).toBe(true)

    key('Escape')
    await flushPromises()
    expect(fake.cancelJob).toHaveBeenCalledWith({ jobId })
    // While it runs, a second Ctrl+Enter starts nothing.
    key('Enter', { metaKey: true })
    await flushPromises()
    expect(fake.runProfile).toHaveBeenCalledTimes(1)
  })

  it('verify sends no message; envelope needs a recipient', async () => {
    const { wrapper: w, fake } = await compose('smtp1')
    await w.find('[data-testid="action-verify"]').trigger('click')
    await flushPromises()
    expect(fake.runProfile.mock.calls[0]![0]).toEqual({ profileId: 'smtp1', action: 'verify' })
    fake.push([{ type: 'result', jobId: useUiStore().focus.compose!, seq: 1, result: { ok: true } as never }])
    await flushPromises()
    useComposerStore().to = []
    await w.find('[data-testid="action-envelope"]').trigger('click')
    await flushPromises()
    expect(fake.runProfile).toHaveBeenCalledTimes(1)
    expect(w.text()).toContain('add at least one recipient')
  })

  it('offers the API actions with the provider’s sandbox note', async () => {
    const { wrapper: w, fake } = await compose('api1')
    expect(w.find('[data-testid="action-send"]').exists()).toBe(false)
    expect(w.text()).toContain('billed')
    await w.find('[data-testid="action-api-sandbox"]').trigger('click')
    await flushPromises()
    expect(fake.runProfile).not.toHaveBeenCalled()
    expect(w.text()).toContain('a sender (from) is required')
    const composer = useComposerStore()
    composer.from = 'me@example.com'
    composer.to = ['you@example.com']
    await w.find('[data-testid="action-api-sandbox"]').trigger('click')
    await flushPromises()
    expect(fake.runProfile.mock.calls[0]![0]).toMatchObject({ profileId: 'api1', action: 'api-sandbox' })
  })

  it('disables what a provider cannot do', async () => {
    const { wrapper: w } = await compose('gen')
    expect(w.find('[data-testid="action-api-sandbox"]').attributes('disabled')).toBeDefined()
    expect(w.find('[data-testid="action-api-verify"]').attributes('disabled')).toBeDefined()
    expect(w.find('[data-testid="action-api-send"]').attributes('disabled')).toBeUndefined()
  })
})

describe('ProbeView', () => {
  it('probes the host on the chosen ports and shows the table and the recommendation', async () => {
    const mounted = mountWithApi(ProbeView, { attachTo: document.body })
    const w = mounted.wrapper
    expect(w.find('[data-testid="probe-empty"]').exists()).toBe(true)
    await w.find('[data-testid="probe-host"]').setValue('mx.example.com')
    await w.find('[data-testid="probe-run"]').trigger('click')
    await flushPromises()
    expect(mounted.fake.runProbe).toHaveBeenCalledWith({ host: 'mx.example.com', ports: [25, 465, 587, 2525], tls: { insecure: false } })
    expect(w.findAll('[data-testid="probe-row"]').map((r) => r.attributes('data-state'))).toEqual(['pending', 'pending', 'pending', 'pending'])

    const jobId = useUiStore().focus.probe!
    mounted.fake.push([{ type: 'result', jobId, seq: 1, result: probeResult() }])
    await flushPromises()
    const rows = w.findAll('[data-testid="probe-row"]')
    expect(rows.map((r) => r.attributes('data-port'))).toEqual(['25', '465', '587', '2525'])
    expect(rows[1]!.text()).toContain('open')
    expect(rows[1]!.text()).toContain('TLS → SMTP')
    expect(rows[1]!.text()).toContain('— → PLAIN LOGIN')
    expect(rows[2]!.text()).toContain('none → PLAIN')
    expect(w.find('[data-testid="probe-recommendation"]').text()).toContain('Use 465 with implicit TLS')

    // A row expands to its certificate and capabilities, differences marked.
    await rows[2]!.trigger('click')
    await flushPromises()
    const details = w.find('[data-testid="probe-details"]')
    expect(details.text()).toContain('CN=mx.example.com')
    expect(details.text()).toContain('CERT_UNTRUSTED')
    expect(details.text()).toContain('expired 3 days ago')
    expect(details.findAll('li.gone').map((l) => l.text())).toEqual(['STARTTLS'])
    expect(details.findAll('li.added').map((l) => l.text())).toEqual(['AUTH PLAIN'])

    await w.find('[data-testid="probe-create-profile"]').trigger('click')
    const ui = useUiStore()
    expect(ui.editor.open).toBe(true)
    expect(ui.editor.prefill).toMatchObject({ kind: 'smtp', host: 'mx.example.com', port: 465, security: 'tls', authMethod: 'auto' })
  })

  it('probes with a private CA or without verification, and a profile made from it keeps that trust', async () => {
    const mounted = mountWithApi(ProbeView, { attachTo: document.body })
    const w = mounted.wrapper
    await w.find('[data-testid="probe-host"]').setValue('mx.example.com')
    await w.find('[data-testid="probe-ca-file"]').setValue('/etc/ssl/private-ca.pem')
    expect(w.find('[data-testid="probe-insecure-warning"]').exists()).toBe(false)
    await w.find('[data-testid="probe-insecure"]').trigger('click')
    expect(w.find('[data-testid="probe-insecure-warning"]').text()).toMatch(/Certificates are not checked/)
    await w.find('[data-testid="probe-run"]').trigger('click')
    await flushPromises()
    expect(mounted.fake.runProbe).toHaveBeenCalledWith({ host: 'mx.example.com', ports: [25, 465, 587, 2525], tls: { caFile: '/etc/ssl/private-ca.pem', insecure: true } })
    mounted.fake.push([{ type: 'result', jobId: useUiStore().focus.probe!, seq: 1, result: probeResult() }])
    await flushPromises()
    await w.find('[data-testid="probe-create-profile"]').trigger('click')
    expect(useUiStore().editor.prefill).toMatchObject({ tls: { caFile: '/etc/ssl/private-ca.pem', insecure: true } })
  })

  it('names a bad host and probes nothing', async () => {
    const mounted = mountWithApi(ProbeView, { attachTo: document.body })
    await mounted.wrapper.find('[data-testid="probe-host"]').setValue('no such host!')
    key('Enter', { ctrlKey: true })
    await flushPromises()
    expect(mounted.fake.runProbe).not.toHaveBeenCalled()
    expect(mounted.wrapper.find('[data-testid="probe-error"]').text()).toMatch(/host may not contain spaces/)
  })
})
