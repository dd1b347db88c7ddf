import { describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import ProfileEditor from '@renderer/components/profiles/ProfileEditor.vue'
import { useProfilesStore } from '@renderer/stores/profiles'
import { useUiStore } from '@renderer/stores/ui'
import { createFakeApi, smtpProfile } from './fake-api'
import { mountWithApi, unmountAfterEach } from './mount'

unmountAfterEach()

const $ = <E extends Element = HTMLElement>(sel: string) => document.body.querySelector<E>(sel)
const $$ = (sel: string) => [...document.body.querySelectorAll<HTMLElement>(sel)]

async function type(testid: string, value: string): Promise<void> {
  const el = $<HTMLInputElement>(`[data-testid="${testid}"]`)
  if (!el) throw new Error(`no ${testid}`)
  el.value = value
  el.dispatchEvent(new Event('input', { bubbles: true }))
  await flushPromises()
}
const click = async (testid: string) => {
  $(`[data-testid="${testid}"]`)!.click()
  await flushPromises()
}

async function open(seed = createFakeApi(), profileId: string | null = null) {
  const mounted = mountWithApi(ProfileEditor, { attachTo: document.body }, seed)
  await useProfilesStore().load()
  useUiStore().openEditor(profileId)
  await flushPromises()
  return mounted
}

describe('ProfileEditor', () => {
  it('shows each validation message next to its field and saves nothing', async () => {
    const { fake } = await open()
    await type('editor-host', 'bad host')
    await type('editor-port', '70000')
    await type('editor-username', '')
    await click('editor-save')
    expect(fake.saveProfile).not.toHaveBeenCalled()
    const byField = Object.fromEntries($$('[data-testid="editor-error"]').map((e) => [e.dataset.field, e.textContent]))
    expect(byField.name).toBe('a profile needs a name')
    expect(byField.host).toMatch(/host may not contain spaces/)
    expect(byField.port).toBe('port must be 1–65535')
    expect(byField.username).toMatch(/username is required/)
    // Next to the field: inside the same form item as the input.
    const hostItem = $('[data-testid="editor-host"]')!.closest('.n-form-item')!
    expect(hostItem.querySelector('[data-testid="editor-error"]')!.textContent).toMatch(/host may not contain spaces/)
    // Fixing a field clears its message.
    await type('editor-host', 'smtp.example.com')
    expect($$('[data-testid="editor-error"]').some((e) => e.dataset.field === 'host')).toBe(false)
  })

  it('creates a profile with its secret, which goes to main only', async () => {
    const { fake } = await open()
    const secret = 'p4ss-w0rd-never-shown'
    await type('editor-name', 'Relay')
    await type('editor-host', 'smtp.example.com')
    await type('editor-username', 'alice')
    await type('editor-secret', secret)
    await click('editor-save')
    expect(fake.saveProfile).toHaveBeenCalledTimes(1)
    const input = fake.saveProfile.mock.calls[0]![0]
    expect(input.id).toBeUndefined()
    expect(input.profile).toMatchObject({ kind: 'smtp', name: 'Relay', host: 'smtp.example.com', port: 587, security: 'starttls', username: 'alice' })
    expect(input.secret).toEqual({ primary: secret })
    const profiles = useProfilesStore()
    expect(profiles.profiles[0]!.hasSecret).toBe(true)
    expect(JSON.stringify(profiles.$state)).not.toContain(secret)
    expect(useUiStore().editor.open).toBe(false)
    expect(useUiStore().selectedProfileId).toBe(profiles.profiles[0]!.id)
  })

  it('never shows a saved secret: it offers Replace or Clear', async () => {
    const fake = createFakeApi({ profiles: [smtpProfile({ id: 'p1', hasSecret: true })] })
    await open(fake, 'p1')
    expect($('[data-testid="secret-saved"]')!.textContent).toContain('A secret is saved')
    expect($('[data-testid="editor-secret"]')).toBeNull()
    expect($$('input').some((i) => (i as HTMLInputElement).type === 'password')).toBe(false)

    // Saving untouched keeps it (no secret key sent).
    await click('editor-save')
    expect('secret' in fake.saveProfile.mock.calls[0]![0] && fake.saveProfile.mock.calls[0]![0].secret !== undefined).toBe(false)

    useUiStore().openEditor('p1')
    await flushPromises()
    await click('secret-replace')
    const field = $<HTMLInputElement>('[data-testid="editor-secret"]')!
    expect(field.value).toBe('')
    expect(field.type).toBe('password')
    await click('editor-save')
    expect($$('[data-testid="editor-error"]').find((e) => e.dataset.field === 'secret')!.textContent).toMatch(/type the new secret/)
    await type('editor-secret', 'new-one')
    await click('editor-save')
    expect(fake.saveProfile.mock.calls.at(-1)![0]).toMatchObject({ id: 'p1', secret: { primary: 'new-one' } })

    useUiStore().openEditor('p1')
    await flushPromises()
    await click('secret-clear')
    expect($('[data-testid="secret-cleared"]')).not.toBeNull()
    await click('editor-save')
    expect(fake.saveProfile.mock.calls.at(-1)![0].secret).toBeNull()
  })

  it('checks what an API provider needs', async () => {
    const { fake } = await open()
    useUiStore().openEditor(null, { kind: 'api', provider: 'mailgun', name: 'MG' })
    await flushPromises()
    await type('editor-base-url', 'https://user:pw@api.example.com/v3')
    await click('editor-save')
    expect(fake.saveProfile).not.toHaveBeenCalled()
    const byField = Object.fromEntries($$('[data-testid="editor-error"]').map((e) => [e.dataset.field, e.textContent]))
    expect(byField.domain).toMatch(/sending domain/)
    expect(byField.baseUrl).toMatch(/base URL/)
  })

  it('opens prefilled (a probe recommendation)', async () => {
    await open()
    useUiStore().openEditor(null, { kind: 'smtp', name: 'mx 465', host: 'mx.example.com', port: 465, security: 'tls', authMethod: 'auto' })
    await flushPromises()
    expect($<HTMLInputElement>('[data-testid="editor-host"]')!.value).toBe('mx.example.com')
    expect($<HTMLInputElement>('[data-testid="editor-port"]')!.value).toBe('465')
    expect($('[data-testid="editor-security"]')!.dataset.value).toBe('tls')
  })
})
