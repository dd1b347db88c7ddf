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

describe('ProfileEditor: the Network section', () => {
  const toggle = () => $<HTMLButtonElement>('[data-testid="editor-network-toggle"]')!
  const section = () => $('[data-testid="editor-network"]')!
  const fieldError = (field: string) => $$('[data-testid="editor-error"]').find((e) => e.dataset.field === field)?.textContent ?? null
  const chooseFamily = async (label: string) => {
    const option = [...$('[data-testid="editor-family"]')!.querySelectorAll<HTMLElement>('label')].find((l) => l.textContent?.trim() === label)
    option!.querySelector('input')!.click()
    await flushPromises()
  }

  it('is collapsed for a profile without network settings, and opens from a button that says so', async () => {
    await open()
    expect(toggle().tagName).toBe('BUTTON')
    expect(toggle().type).toBe('button')
    expect(toggle().getAttribute('aria-expanded')).toBe('false')
    expect(toggle().getAttribute('aria-controls')).toBe(section().id)
    expect(section().style.display).toBe('none')
    expect($('[data-testid="editor-network-summary"]')!.textContent).toBe('direct')
    // A native button in the tab order: Tab reaches it, Enter and Space open it.
    expect(toggle().disabled).toBe(false)
    expect(toggle().getAttribute('tabindex')).toBeNull()
    toggle().click()
    await flushPromises()
    expect(toggle().getAttribute('aria-expanded')).toBe('true')
    expect(section().style.display).toBe('')
    // Address family as radio buttons (arrow keys move between them), labelled as the user reads them.
    const radios = [...$('[data-testid="editor-family"]')!.querySelectorAll<HTMLInputElement>('input[type="radio"]')]
    expect(radios.map((r) => r.value)).toEqual(['auto', 'ipv4', 'ipv6'])
    expect(radios.every((r) => r.name === radios[0]!.name)).toBe(true)
    expect($('[data-testid="editor-family"]')!.textContent).toMatch(/Auto.*IPv4 only.*IPv6 only/)
    // No proxy, no proxy password field.
    expect($('[data-testid="editor-proxy-password"]')).toBeNull()
  })

  it('checks the proxy URL and the source address as the user types, with the contract’s sentences', async () => {
    const { fake } = await open()
    toggle().click()
    await flushPromises()
    await type('editor-proxy-url', 'socks5://me:hunter2@127.0.0.1:1080')
    expect(fieldError('proxyUrl')).toMatch(/^the proxy password may not be part of the URL .*--proxy-password-env VAR$/)
    await type('editor-proxy-url', 'gopher://127.0.0.1:70')
    expect(fieldError('proxyUrl')).toBe("proxy scheme 'gopher' is not supported (use socks5://, socks5h://, socks4://, http://)")
    await type('editor-proxy-url', 'socks5h://me@127.0.0.1:1080')
    expect(fieldError('proxyUrl')).toBeNull()
    await chooseFamily('IPv4 only')
    await type('editor-local-address', '::1')
    expect(fieldError('localAddress')).toBe('an IPv6 local address cannot be used with IPv4 only')
    await chooseFamily('IPv6 only')
    expect(fieldError('localAddress')).toBeNull()
    await type('editor-local-address', 'not-an-address')
    expect(fieldError('localAddress')).toBe('the local address must be an IPv4 or IPv6 address of this machine')
    await click('editor-save')
    expect(fake.saveProfile).not.toHaveBeenCalled()
  })

  it('saves the section with a write-only proxy password, apart from the login secret', async () => {
    const { fake } = await open()
    const proxyPassword = 'proxy-pw-never-shown'
    await type('editor-name', 'Relay via proxy')
    await type('editor-host', 'smtp.example.com')
    toggle().click()
    await flushPromises()
    await chooseFamily('IPv4 only')
    await type('editor-local-address', '127.0.0.1')
    await type('editor-proxy-url', 'socks5://relay@127.0.0.1:1080')
    const field = $<HTMLInputElement>('[data-testid="editor-proxy-password"]')!
    expect(field.type).toBe('password')
    expect(field.value).toBe('')
    await type('editor-proxy-password', proxyPassword)
    await type('editor-username', 'alice')
    await click('editor-save')
    expect(fake.saveProfile).toHaveBeenCalledTimes(1)
    const input = fake.saveProfile.mock.calls[0]![0]
    expect(input.profile.network).toEqual({ family: 'ipv4', localAddress: '127.0.0.1', proxy: { url: 'socks5://relay@127.0.0.1:1080' } })
    expect(input.proxyPassword).toBe(proxyPassword)
    expect(input.secret).toBeUndefined()
    const profiles = useProfilesStore()
    expect(profiles.profiles[0]).toMatchObject({ hasSecret: false, hasProxySecret: true })
    expect(JSON.stringify(profiles.$state)).not.toContain(proxyPassword)
    expect(useUiStore().editor.open).toBe(false)
  })

  it('asks for a user name in the URL when a proxy password is given', async () => {
    const { fake } = await open()
    toggle().click()
    await flushPromises()
    await type('editor-proxy-url', 'http://127.0.0.1:3128')
    await type('editor-proxy-password', 'pw')
    expect(fieldError('proxyPassword')).toBe('the proxy password goes with a user name: give the URL as http://user@host:port')
    await type('editor-proxy-url', 'http://me@127.0.0.1:3128')
    expect(fieldError('proxyPassword')).toBeNull()
    await click('editor-save')
    expect(fake.saveProfile).not.toHaveBeenCalled() // (name and host are still missing)
  })

  it('opens for a profile with a proxy; a saved proxy password is never shown: Keep, Replace or Clear', async () => {
    const network = { family: 'auto' as const, proxy: { url: 'http://me@127.0.0.1:3128' } }
    const fake = createFakeApi({ profiles: [smtpProfile({ id: 'p1', network, hasProxySecret: true })] })
    await open(fake, 'p1')
    expect(toggle().getAttribute('aria-expanded')).toBe('true')
    expect($('[data-testid="proxy-secret-saved"]')!.textContent).toContain('A proxy password is saved')
    expect($('[data-testid="editor-proxy-password"]')).toBeNull()
    expect($$('input').some((i) => (i as HTMLInputElement).type === 'password')).toBe(false)

    await click('editor-save')
    expect(fake.saveProfile.mock.calls[0]![0]).not.toHaveProperty('proxyPassword')
    expect(fake.saveProfile.mock.calls[0]![0].profile.network).toEqual(network)

    useUiStore().openEditor('p1')
    await flushPromises()
    await click('proxy-secret-replace')
    await click('editor-save')
    expect(fieldError('proxyPassword')).toBe('type the new proxy password, or keep the saved one')
    await type('editor-proxy-password', 'new-proxy-pw')
    await click('editor-save')
    expect(fake.saveProfile.mock.calls.at(-1)![0]).toMatchObject({ id: 'p1', proxyPassword: 'new-proxy-pw' })

    useUiStore().openEditor('p1')
    await flushPromises()
    await click('proxy-secret-clear')
    expect($('[data-testid="proxy-secret-cleared"]')).not.toBeNull()
    await click('editor-save')
    expect(fake.saveProfile.mock.calls.at(-1)![0].proxyPassword).toBeNull()
    expect(useProfilesStore().byId.get('p1')!.hasProxySecret).toBe(false)
  })

  it('says that removing the proxy drops its saved password', async () => {
    const fake = createFakeApi({ profiles: [smtpProfile({ id: 'p1', network: { family: 'auto', proxy: { url: 'socks5://me@127.0.0.1:1080' } }, hasProxySecret: true })] })
    await open(fake, 'p1')
    await type('editor-proxy-url', '')
    expect($('[data-testid="proxy-secret-orphan"]')!.textContent).toMatch(/removed when you save/)
    await click('editor-save')
    expect(fake.saveProfile.mock.calls.at(-1)![0].profile.network).toEqual({ family: 'auto' })
    expect(useProfilesStore().byId.get('p1')!.hasProxySecret).toBe(false)
  })
})
