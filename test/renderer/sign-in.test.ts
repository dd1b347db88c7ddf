// OAuth2 in the interface: the profile editor's "OAuth2 — sign in" (prefilled from a preset, the
// client id the user's), and the sign-in itself — the panel beside the composer and the dialog
// that shows the device code with a copy button and a live countdown, or the browser page that
// was opened, can be cancelled (with the button or Esc), and ends with who signed in.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, type VueWrapper } from '@vue/test-utils'
import { NSelect } from 'naive-ui'
import { computed, defineComponent, h } from 'vue'
import type { Preset, SignInEvent } from '@contract'
import ProfileEditor from '@renderer/components/profiles/ProfileEditor.vue'
import SignInDialog from '@renderer/components/profiles/SignInDialog.vue'
import SignInPanel from '@renderer/components/profiles/SignInPanel.vue'
import { useOAuthStore } from '@renderer/stores/oauth'
import { useProfilesStore } from '@renderer/stores/profiles'
import { useUiStore } from '@renderer/stores/ui'
import { createFakeApi, oauthProfile, signInSummary, smtpProfile, type FakeApi } from './fake-api'
import { mountWithApi, unmountAfterEach } from './mount'

unmountAfterEach()

const $ = <E extends Element = HTMLElement>(sel: string) => document.body.querySelector<E>(sel)
const $$ = (sel: string) => [...document.body.querySelectorAll<HTMLElement>(sel)]
const byTestId = (id: string) => $(`[data-testid="${id}"]`)
const fieldError = (field: string) => $$('[data-testid="editor-error"]').find((e) => e.dataset.field === field)?.textContent ?? null

async function type(testid: string, value: string): Promise<void> {
  const el = $<HTMLInputElement>(`[data-testid="${testid}"]`)
  if (!el) throw new Error(`no ${testid}`)
  el.value = value
  el.dispatchEvent(new Event('input', { bubbles: true }))
  await flushPromises()
}
const click = async (testid: string) => {
  const el = byTestId(testid)
  if (!el) throw new Error(`no ${testid}`)
  el.click()
  await flushPromises()
}
/** Picks a radio of a naive-ui radio group by its label. */
async function choose(group: string, label: string): Promise<void> {
  const option = [...byTestId(group)!.querySelectorAll<HTMLElement>('label')].find((l) => l.textContent?.trim() === label)
  if (!option) throw new Error(`no ${label} in ${group}`)
  option.querySelector('input')!.click()
  await flushPromises()
}
/**
 * Picks a value of a naive-ui select, as choosing its option does (its menu is a virtual list that
 * happy-dom cannot lay out, so the select's own update event is sent; the option is checked to exist).
 */
async function select(wrapper: VueWrapper, testid: string, value: string): Promise<void> {
  const found = wrapper.findAllComponents(NSelect).find((c) => c.attributes('data-testid') === testid)
  if (!found) throw new Error(`no select ${testid}`)
  const options = (found.props('options') as { value?: string; children?: { value: string }[] }[]).flatMap((o) => o.children ?? [o])
  if (!options.some((o) => o.value === value)) throw new Error(`${testid} offers no ${value}`)
  found.vm.$emit('update:value', value)
  await flushPromises()
}

const M365: Preset = {
  id: 'm365-xoauth2',
  label: 'Microsoft 365 (OAuth2)',
  group: 'Microsoft 365',
  note: 'OAuth 2.0, STARTTLS on 587.',
  profile: {
    kind: 'smtp',
    name: 'Microsoft 365 (OAuth2)',
    host: 'smtp.office365.com',
    port: 587,
    security: 'starttls',
    authMethod: 'xoauth2',
    preset: 'm365-xoauth2',
    tls: { insecure: false },
    defaults: { to: [], cc: [], bcc: [] },
    network: { family: 'auto' },
  },
  oauth: { provider: 'microsoft', tenant: 'organizations', flow: 'browser' },
}
const DELEGATED = 'https://outlook.office.com/SMTP.Send offline_access openid email'
const CLIENT_ID = '0f4d5e6a-1b2c-4d3e-8f9a-abcdefabcdef'

describe('ProfileEditor: OAuth2', () => {
  async function openEditor(fake: FakeApi, profileId: string | null = null) {
    const mounted = mountWithApi(ProfileEditor, { attachTo: document.body }, fake)
    await useProfilesStore().load()
    useUiStore().openEditor(profileId)
    await flushPromises()
    return mounted
  }

  it('a preset fills in the provider, tenant, flow and scopes; the client id is the user’s, and is asked for', async () => {
    const fake = createFakeApi({ presets: [M365] })
    const { wrapper } = await openEditor(fake)
    await select(wrapper, 'editor-preset', 'm365-xoauth2')
    expect(byTestId('editor-auth')!.dataset.value).toBe('oauth2')
    expect(byTestId('editor-oauth')).not.toBeNull()
    expect(byTestId('editor-oauth-provider')!.dataset.value).toBe('microsoft')
    expect($<HTMLInputElement>('[data-testid="editor-oauth-tenant"]')!.value).toBe('organizations')
    expect(byTestId('editor-oauth-flow')!.dataset.value).toBe('browser')
    expect($<HTMLInputElement>('[data-testid="editor-oauth-scopes"]')!.value).toBe(DELEGATED)
    expect($<HTMLInputElement>('[data-testid="editor-oauth-client-id"]')!.value).toBe('')
    expect(byTestId('editor-oauth-mechanism')!.dataset.value).toBe('xoauth2')
    // No username needed: the signed-in account is used.
    expect($<HTMLInputElement>('[data-testid="editor-username"]')!.placeholder).toMatch(/account that signs in/)

    await click('editor-save')
    expect(fake.saveProfile).not.toHaveBeenCalled()
    expect(fieldError('oauthClientId')).toBe('client id is empty')
    expect(fieldError('username')).toBeNull()

    await type('editor-oauth-client-id', CLIENT_ID)
    await click('editor-save')
    expect(fake.saveProfile).toHaveBeenCalledTimes(1)
    const input = fake.saveProfile.mock.calls[0]![0]
    expect(input.profile).toMatchObject({ kind: 'smtp', host: 'smtp.office365.com', authMethod: 'xoauth2', preset: 'm365-xoauth2' })
    // The provider's default scopes are not written out: the sign-in asks for them.
    expect((input.profile as { oauth?: unknown }).oauth).toEqual({ provider: 'microsoft', tenant: 'organizations', clientId: CLIENT_ID, flow: 'browser' })
    expect(input.secret).toBeUndefined()
  })

  it('the flow and provider change the default scopes (not typed ones); client credentials need the client secret', async () => {
    const fake = createFakeApi({ presets: [M365] })
    const { wrapper } = await openEditor(fake)
    await select(wrapper, 'editor-preset', 'm365-xoauth2')
    await type('editor-oauth-client-id', CLIENT_ID)
    await choose('editor-oauth-flow', 'Client credentials (app-only)')
    expect($<HTMLInputElement>('[data-testid="editor-oauth-scopes"]')!.value).toBe('https://outlook.office365.com/.default')
    expect(byTestId('editor-secret')).not.toBeNull()
    await click('editor-save')
    expect(fieldError('secret')).toBe('client credentials need the app’s client secret')
    await type('editor-oauth-tenant', 'contoso.onmicrosoft.com')
    await type('editor-secret', 'client-secret-never-shown')
    await type('editor-name', 'Contoso app')
    await click('editor-save')
    const input = fake.saveProfile.mock.calls.at(-1)![0]
    expect((input.profile as { oauth?: unknown }).oauth).toEqual({ provider: 'microsoft', tenant: 'contoso.onmicrosoft.com', clientId: CLIENT_ID, flow: 'client-credentials' })
    expect(input.secret).toEqual({ primary: 'client-secret-never-shown' })
    expect(JSON.stringify(useProfilesStore().$state)).not.toContain('client-secret-never-shown')

    // Typed scopes stay when the provider changes; a generic issuer needs its URL and scopes.
    useUiStore().openEditor(null)
    await flushPromises()
    await select(wrapper, 'editor-auth', 'oauth2')
    await choose('editor-oauth-provider', 'Other (OIDC)')
    expect($<HTMLInputElement>('[data-testid="editor-oauth-scopes"]')!.value).toBe('')
    await type('editor-oauth-scopes', 'smtp.send offline_access')
    await choose('editor-oauth-provider', 'Google')
    expect($<HTMLInputElement>('[data-testid="editor-oauth-scopes"]')!.value).toBe('smtp.send offline_access')
    // Google: the browser flow only.
    expect([...byTestId('editor-oauth-flow')!.querySelectorAll<HTMLInputElement>('input')].map((i) => [i.value, i.disabled])).toEqual([
      ['browser', false],
      ['device', true],
      ['client-credentials', true],
    ])
  })

  it('switching a saved password profile to OAuth2 drops the password (Undo keeps it); the editor shows the sign-in of a saved OAuth2 profile', async () => {
    const fake = createFakeApi({ profiles: [smtpProfile({ id: 'p1', hasSecret: true }), oauthProfile({ signIn: signInSummary() })] })
    const { wrapper } = await openEditor(fake, 'p1')
    expect(byTestId('secret-saved')).not.toBeNull()
    await select(wrapper, 'editor-auth', 'oauth2')
    expect(byTestId('secret-cleared')!.textContent).toMatch(/will be removed when you save/)

    useUiStore().openEditor('p-oauth')
    await flushPromises()
    expect(byTestId('editor-oauth')).not.toBeNull()
    expect(byTestId('signin-account')!.textContent).toContain('adele@contoso.example')
    expect(byTestId('editor-oauth')!.textContent).toMatch(/signs the profile out when you save/)
  })
})

/** The panel of one profile and the app's one sign-in dialog, as the Compose tab shows them. */
const Harness = defineComponent({
  props: { profileId: { type: String, required: true } },
  setup(props) {
    const profiles = useProfilesStore()
    const profile = computed(() => profiles.byId.get(props.profileId))
    return () => [profile.value?.kind === 'smtp' && profile.value.oauth ? h(SignInPanel, { profile: { ...profile.value, oauth: profile.value.oauth } }) : null, h(SignInDialog)]
  },
})

describe('signing in', () => {
  const writeText = vi.fn(async (_text: string) => {})
  const opened: unknown[][] = []

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] })
    vi.setSystemTime(new Date('2026-12-07T10:00:00Z'))
    writeText.mockClear()
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true })
    opened.length = 0
    vi.spyOn(window, 'open').mockImplementation((...args: unknown[]) => {
      opened.push(args)
      return null
    })
  })
  afterEach(() => {
    vi.useRealTimers()
    vi.restoreAllMocks()
  })

  async function mountPanel(fake = createFakeApi({ profiles: [oauthProfile()] })) {
    const mounted = mountWithApi(Harness, { attachTo: document.body, props: { profileId: 'p-oauth' } }, fake)
    await useProfilesStore().load()
    await flushPromises()
    return mounted
  }
  /** An event of main's sign-in job-1 of p-oauth (without those two fields). */
  type Pushed = SignInEvent extends infer E ? (E extends SignInEvent ? Omit<E, 'jobId' | 'profileId'> : never) : never
  const push = (fake: FakeApi, event: Pushed) => {
    fake.pushSignIn({ jobId: 'job-1', profileId: 'p-oauth', ...event } as SignInEvent)
    return flushPromises()
  }

  it('device code: shown large with a copy button and a countdown; entered elsewhere, the profile shows who signed in', async () => {
    const { fake } = await mountPanel()
    expect(byTestId('signin-panel')!.dataset.state).toBe('signed-out')
    expect(byTestId('signin-panel')!.textContent).toMatch(/OAuth2 · Microsoft \(organizations\) · Device code.*Not signed in/)
    await click('signin-button')
    expect(fake.oauthSignIn).toHaveBeenCalledWith({ profileId: 'p-oauth' })
    expect(byTestId('signin-dialog')!.dataset.status).toBe('starting')
    expect(byTestId('signin-starting')!.textContent).toMatch(/Contacting the sign-in server/)

    await push(fake, { type: 'line', t: 3, text: 'OAuth2: discovering https://login.microsoftonline.com/organizations/v2.0' })
    const expiresAt = new Date(Date.now() + 15 * 60_000).toISOString()
    await push(fake, { type: 'device', code: { userCode: 'FJK7-QPWD', verificationUri: 'https://microsoft.com/devicelogin', verificationUriComplete: null, expiresAt, intervalSeconds: 5 } })
    const code = byTestId('signin-user-code')!
    expect(code.textContent).toBe('FJK7-QPWD')
    expect(code.classList.contains('code')).toBe(true) // large and monospaced (the component's style)
    expect(byTestId('signin-device-uri')!.getAttribute('href')).toBe('https://microsoft.com/devicelogin')
    expect(byTestId('signin-countdown')!.textContent).toBe('Expires in 15:00')
    // A real button (Tab reaches it, Enter and Space press it; the e2e test checks that it takes the focus).
    expect(byTestId('signin-copy-code')!.tagName).toBe('BUTTON')
    expect(byTestId('signin-copy-code')!.getAttribute('aria-label')).toBe('Copy the code')
    await click('signin-copy-code')
    expect(writeText).toHaveBeenCalledWith('FJK7-QPWD')
    // The countdown runs.
    await vi.advanceTimersByTimeAsync(61_000)
    expect(byTestId('signin-countdown')!.textContent).toBe('Expires in 13:59')
    expect(byTestId('signin-lines')!.textContent).toContain('OAuth2: discovering')

    await push(fake, { type: 'done', ok: true, signIn: signInSummary({ expiresAt: '2026-12-07T11:00:00Z' }) })
    expect(byTestId('signin-done')!.textContent).toMatch(/Signed in as adele@contoso\.example/)
    await click('signin-close')
    expect(useOAuthStore().open).toBe(false)
    expect(byTestId('signin-panel')!.dataset.state).toBe('signed-in')
    expect(byTestId('signin-account')!.textContent).toContain('adele@contoso.example')
    expect(byTestId('signin-scopes')!.textContent).toContain('https://outlook.office.com/SMTP.Send')
    expect(byTestId('signin-expiry')!.textContent).toMatch(/^Token valid until \d\d:\d\d \(59 min left\)$/)
  })

  it('a code that runs out says so; Cancel and Esc stop the sign-in in main', async () => {
    const { fake } = await mountPanel()
    await click('signin-button')
    await push(fake, {
      type: 'device',
      code: { userCode: 'BCDF-GHJK', verificationUri: 'https://microsoft.com/devicelogin', verificationUriComplete: null, expiresAt: new Date(Date.now() + 30_000).toISOString(), intervalSeconds: 5 },
    })
    await vi.advanceTimersByTimeAsync(31_000)
    expect(byTestId('signin-countdown')!.textContent).toMatch(/The code has expired/)

    await click('signin-cancel')
    expect(fake.cancelJob).toHaveBeenCalledWith({ jobId: 'job-1' })
    // The dialog waits for main to confirm, then closes.
    expect(useOAuthStore().active).toMatchObject({ cancelling: true })
    await push(fake, { type: 'done', ok: false, error: { code: 'CANCELLED', message: 'You cancelled the sign-in.' } })
    expect(useOAuthStore().open).toBe(false)
    expect(useUiStore().signInOpen).toBe(false)

    // Esc does the same.
    await click('signin-button')
    expect(fake.oauthSignIn).toHaveBeenCalledTimes(2)
    document.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', code: 'Escape', bubbles: true }))
    await flushPromises()
    expect(fake.cancelJob).toHaveBeenCalledTimes(2)
  })

  it('browser flow: the page opens the address in a new tab when main has no shell, and offers it to copy; a failure is shown with its code', async () => {
    const fake = createFakeApi({ profiles: [oauthProfile({ oauth: { provider: 'google', clientId: 'desktop.apps.googleusercontent.com', flow: 'browser' } })] })
    await mountPanel(fake)
    await click('signin-button')
    const url = 'https://accounts.google.com/o/oauth2/v2/auth?client_id=desktop&code_challenge=abc&state=xyz'
    await push(fake, { type: 'browser', url, opened: false })
    expect(opened).toEqual([[url, '_blank', 'noopener,noreferrer']])
    expect(byTestId('signin-browser-note')!.textContent).toMatch(/opened in a new tab/)
    expect(byTestId('signin-url')!.textContent).toBe(url)
    expect(byTestId('signin-open-page')!.getAttribute('href')).toBe(url)
    await click('signin-copy-url')
    expect(writeText).toHaveBeenCalledWith(url)

    await push(fake, { type: 'done', ok: false, error: { code: 'OAUTH_FAILED', message: 'Google refused the sign-in (access_denied).' } })
    expect(byTestId('signin-error')!.textContent).toMatch(/OAUTH_FAILED.*Google refused the sign-in/)
    expect(byTestId('signin-close')).not.toBeNull()
  })

  it('when main opened the system browser, the page opens nothing itself', async () => {
    const { fake } = await mountPanel()
    await click('signin-button')
    await push(fake, { type: 'browser', url: 'http://127.0.0.1:40080/authorize?x=1', opened: true })
    expect(opened).toEqual([])
    expect(byTestId('signin-browser-note')!.textContent).toMatch(/A browser window was opened/)
  })

  it('sign out asks first, then forgets the tokens', async () => {
    const { fake } = await mountPanel(createFakeApi({ profiles: [oauthProfile({ signIn: signInSummary() })] }))
    expect(byTestId('signin-panel')!.dataset.state).toBe('signed-in')
    await click('signout-button')
    expect(fake.oauthSignOut).not.toHaveBeenCalled()
    useUiStore().answerConfirm(true)
    await flushPromises()
    expect(fake.oauthSignOut).toHaveBeenCalledWith({ profileId: 'p-oauth' })
    expect(byTestId('signin-panel')!.dataset.state).toBe('signed-out')
  })
})
