import { describe, expect, it } from 'vitest'
import { flushPromises, type VueWrapper } from '@vue/test-utils'
import App from '@renderer/App.vue'
import { useUiStore } from '@renderer/stores/ui'
import { mountWithApi, unmountAfterEach } from './mount'
import { apiProfile, createFakeApi, smtpProfile, summary } from './fake-api'
import { line, phase, result, smtpResult } from './events'
import { stubLayoutForFile } from './layout'

stubLayoutForFile()
unmountAfterEach()

function seeded() {
  return createFakeApi({
    profiles: [smtpProfile({ id: 'sb', name: 'Sandbox STARTTLS' }), smtpProfile({ id: 'o365', name: 'Office 365', host: 'smtp.office365.com', port: 587 }), apiProfile({ id: 'sg', name: 'SendGrid' })],
    history: [{ ...summary({ id: 'h1', profileId: 'o365', ok: false, errorCode: 'AUTH_FAILED', summary: 'AUTH_FAILED — no' }), result: smtpResult({ ok: false }) }],
    keyring: { protected: false, backend: 'basic_text', note: 'No keyring: secrets are only obfuscated.' },
    issues: [{ file: 'history.json', movedTo: 'history.json.corrupt', message: 'Unexpected end of JSON input' }],
  })
}

async function mountApp() {
  const mounted = mountWithApi(App, { attachTo: document.body }, seeded())
  await flushPromises()
  return mounted
}

const items = (w: VueWrapper) => w.findAll('[data-testid="profile-item"]')

describe('the app', () => {
  it('lists profiles by group with their last result, keyring status and storage issues', async () => {
    const { wrapper: w } = await mountApp()
    expect(items(w).map((i) => i.attributes('data-profile-name'))).toEqual(['Office 365', 'Sandbox STARTTLS', 'SendGrid'])
    expect(w.find('[data-profile-name="Office 365"] .dot').attributes('data-last')).toBe('failed')
    expect(w.find('[data-profile-name="SendGrid"] .dot').attributes('data-last')).toBe('never')
    expect(w.find('[data-testid="keyring-status"]').text()).toContain('Secrets are not protected by a keyring')
    expect(w.find('[data-testid="storage-issue"]').text()).toContain('history.json.corrupt')
    // A sandbox profile is chosen on first start, and the composer is ready.
    expect(useUiStore().selectedProfileId).toBe('sb')
    expect(w.find('[data-testid="action-send"]').exists()).toBe(true)

    await w.find('[data-testid="profile-search"]').setValue('send')
    expect(items(w).map((i) => i.attributes('data-profile-name'))).toEqual(['SendGrid'])
  })

  it('streams a run into the result pane, then shows the verdict and waterfall', async () => {
    const { wrapper: w, fake } = await mountApp()
    await w.find('[data-testid="action-verify"]').trigger('click')
    await flushPromises()
    const jobId = useUiStore().focus.compose!
    expect(w.find('[data-testid="verdict"]').text()).toContain('Verifying Sandbox STARTTLS')
    fake.push([line(jobId, 1, 'info', 'connected 127.0.0.1:2587'), line(jobId, 2, 's', '220 ready'), phase(jobId, 3, { name: 'connect', startMs: 0, durationMs: 1, roundTrips: 1 })])
    await flushPromises()
    expect(w.findAll('[data-testid="transcript-line"]')).toHaveLength(2)
    fake.push([line(jobId, 4, 'c', 'AUTH PLAIN [redacted]'), result(jobId, 5, smtpResult({ phases: [{ name: 'connect', startMs: 0, durationMs: 1, roundTrips: 1 }], totalMs: 3, roundTrips: 2 }))])
    await flushPromises()
    expect(w.find('[data-testid="verdict"]').attributes('data-ok')).toBe('true')
    expect(w.find('[data-testid="verdict-message"]').text()).toBe('Authenticated with PLAIN; nothing sent')
    expect(w.findAll('[data-testid="waterfall"] [role="listitem"]')).toHaveLength(1)
    expect(w.find('[data-testid="transcript"] .pill').text()).toBe('redacted')
  })

  it('deletes a profile only after confirmation', async () => {
    const { wrapper: w, fake } = await mountApp()
    await w.find('[data-profile-name="SendGrid"] [data-testid="profile-delete"]').trigger('click')
    await flushPromises()
    const ok = document.body.querySelector<HTMLElement>('[data-testid="confirm-ok"]')
    expect(ok).not.toBeNull()
    expect(document.body.textContent).toContain('“SendGrid” and its saved secret will be deleted')
    expect(fake.deleteProfile).not.toHaveBeenCalled()
    ok!.click()
    await flushPromises()
    expect(fake.deleteProfile).toHaveBeenCalledWith({ id: 'sg' })
    expect(items(w).map((i) => i.attributes('data-profile-name'))).toEqual(['Office 365', 'Sandbox STARTTLS'])
  })

  it('opens History, searches it and opens a run', async () => {
    const { wrapper: w, fake } = await mountApp()
    await w.find('[data-testid="tab-history"]').trigger('click')
    await flushPromises()
    expect(w.findAll('[data-testid="history-item"]')).toHaveLength(1)
    await w.find('[data-testid="history-item"]').trigger('click')
    await flushPromises()
    expect(fake.getHistoryEntry).toHaveBeenCalledWith({ id: 'h1' })
    expect(w.find('[data-testid="verdict"]').attributes('data-ok')).toBe('false')
  })

  it('deletes a run from History after confirmation', async () => {
    const { wrapper: w, fake } = await mountApp()
    await w.find('[data-testid="tab-history"]').trigger('click')
    await flushPromises()
    await w.find('[data-testid="history-delete"]').trigger('click')
    await flushPromises()
    expect(fake.deleteHistory).not.toHaveBeenCalled()
    document.body.querySelector<HTMLElement>('[data-testid="confirm-ok"]')!.click()
    await flushPromises()
    expect(fake.deleteHistory).toHaveBeenCalledWith({ ids: ['h1'] })
    expect(w.findAll('[data-testid="history-item"]')).toHaveLength(0)
    expect(w.find('[data-testid="history-empty"]').exists()).toBe(true)
    // The sidebar dot follows: Office 365 has no run any more.
    expect(w.find('[data-profile-name="Office 365"] .dot').attributes('data-last')).toBe('never')
  })

  it('filters the transcript by direction chip and focuses its search on Ctrl+F', async () => {
    const { wrapper: w, fake } = await mountApp()
    await w.find('[data-testid="action-verify"]').trigger('click')
    await flushPromises()
    const jobId = useUiStore().focus.compose!
    fake.push([line(jobId, 1, 'info', 'connected'), line(jobId, 2, 's', '220 ready'), line(jobId, 3, 'c', 'EHLO x'), line(jobId, 4, 's', '250 ok')])
    await flushPromises()
    expect(w.find('[data-testid="transcript-filter-s"]').text()).toContain('2')
    await w.find('[data-testid="transcript-filter-s"]').trigger('click')
    await flushPromises()
    expect(w.findAll('[data-testid="transcript-line"]').map((l) => l.attributes('data-dir'))).toEqual(['info', 'c'])
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'f', ctrlKey: true }))
    await flushPromises()
    expect(document.activeElement?.getAttribute('data-testid')).toBe('transcript-search')
  })

  it('exports profiles to a file and imports pasted JSON', async () => {
    const { wrapper: w, fake } = await mountApp()
    await w.find('[data-testid="profiles-export"]').trigger('click')
    await flushPromises()
    expect(fake.exportProfiles).toHaveBeenCalled()
    const content = fake.saveFile.mock.calls[0]![0].content
    expect(fake.saveFile.mock.calls[0]![0].suggestedName).toBe('mailprobe-profiles.json')

    await w.find('[data-testid="profiles-import"]').trigger('click')
    await flushPromises()
    const paste = document.body.querySelector<HTMLTextAreaElement>('[data-testid="import-paste"]')!
    paste.value = 'not json'
    paste.dispatchEvent(new Event('input', { bubbles: true }))
    await flushPromises()
    document.body.querySelector<HTMLElement>('[data-testid="import-confirm"]')!.click()
    await flushPromises()
    expect(document.body.querySelector('[data-testid="import-error"]')!.textContent).toContain('not JSON')
    paste.value = content
    paste.dispatchEvent(new Event('input', { bubbles: true }))
    await flushPromises()
    document.body.querySelector<HTMLElement>('[data-testid="import-confirm"]')!.click()
    await flushPromises()
    expect(fake.importProfiles).toHaveBeenLastCalledWith({ content })
    expect(items(w)).toHaveLength(6)
    expect(useUiStore().importOpen).toBe(false)
  })

  it('Ctrl+K opens the profile switcher', async () => {
    await mountApp()
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'k', ctrlKey: true }))
    await flushPromises()
    expect(useUiStore().switcherOpen).toBe(true)
  })
})
