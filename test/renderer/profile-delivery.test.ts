// The profile editor's "Mailbox (delivery proof)" and "DKIM signing" sections, and the composer's
// "Wait for delivery": what they send to main (the mailbox password and a pasted key write-only),
// what they refuse before anything is sent, and that they work from the keyboard.
import { describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import ComposeView from '@renderer/components/composer/ComposeView.vue'
import ProfileEditor from '@renderer/components/profiles/ProfileEditor.vue'
import { useProfilesStore } from '@renderer/stores/profiles'
import { useUiStore } from '@renderer/stores/ui'
import { apiProfile, createFakeApi, oauthProfile, smtpProfile } from './fake-api'
import { stubLayoutForFile } from './layout'
import { mountWithApi, unmountAfterEach } from './mount'

stubLayoutForFile()
unmountAfterEach()

// PEM-shaped test data (the editor checks the shape; main's signer is tested with real keys).
const DKIM_KEY = '-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEAx3editorTestKeyBody0000\nQmFzZTY0IHRlc3QgZGF0YSBmb3IgdGhlIGVkaXRvcg==\n-----END PRIVATE KEY-----\n'
const imapMailbox = {
  kind: 'imap' as const,
  host: 'imap.example.com',
  security: 'tls' as const,
  user: 'me@example.com',
  login: 'password' as const,
  folders: [],
  method: 'auto' as const,
  deleteAfter: false,
  tls: { insecure: false },
}

const $ = <E extends Element = HTMLElement>(sel: string) => document.body.querySelector<E>(sel)
const $$ = (sel: string) => [...document.body.querySelectorAll<HTMLElement>(sel)]
const fieldError = (field: string) => $$('[data-testid="editor-error"]').find((e) => e.dataset.field === field)?.textContent ?? null

async function type(testid: string, value: string): Promise<void> {
  const el = $<HTMLInputElement | HTMLTextAreaElement>(`[data-testid="${testid}"]`)
  if (!el) throw new Error(`no ${testid}`)
  el.value = value
  el.dispatchEvent(new Event('input', { bubbles: true }))
  await flushPromises()
}
const click = async (testid: string) => {
  const el = $(`[data-testid="${testid}"]`)
  if (!el) throw new Error(`no ${testid}`)
  el.click()
  await flushPromises()
}
/** Picks a radio button of a group by its visible label (the native radio input, as the keyboard would). */
async function choose(group: string, label: string): Promise<void> {
  const option = [...$(`[data-testid="${group}"]`)!.querySelectorAll<HTMLElement>('label')].find((l) => l.textContent?.trim() === label)
  if (!option) throw new Error(`no option “${label}” in ${group}`)
  option.querySelector('input')!.click()
  await flushPromises()
}
const labels = (group: string) => [...$(`[data-testid="${group}"]`)!.querySelectorAll('label')].map((l) => l.textContent?.trim())

async function openEditor(seed = createFakeApi(), profileId: string | null = null) {
  const mounted = mountWithApi(ProfileEditor, { attachTo: document.body }, seed)
  await useProfilesStore().load()
  useUiStore().openEditor(profileId)
  await flushPromises()
  return mounted
}

async function newRelay(): Promise<void> {
  await type('editor-name', 'Relay')
  await type('editor-host', 'smtp.example.com')
  await type('editor-username', 'alice')
}

describe('ProfileEditor: Mailbox (delivery proof)', () => {
  it('watches nothing by default; IMAP asks for the mailbox and sends its password write-only', async () => {
    const { fake } = await openEditor()
    expect($('[data-testid="editor-mailbox-kind"]')!.dataset.value).toBe('none')
    // The sandbox's inbox is for the sandbox's profiles.
    expect(labels('editor-mailbox-kind')).toEqual(['Nothing', 'An IMAP mailbox'])
    await newRelay()
    await choose('editor-mailbox-kind', 'An IMAP mailbox')
    // Radio groups are native radios sharing a name: arrow keys move between them.
    const radios = [...$('[data-testid="editor-mailbox-security"]')!.querySelectorAll<HTMLInputElement>('input[type="radio"]')]
    expect(radios.map((r) => r.value)).toEqual(['tls', 'starttls', 'none'])
    expect(new Set(radios.map((r) => r.name)).size).toBe(1)
    expect($<HTMLInputElement>('[data-testid="editor-mailbox-port"]')!.placeholder).toBe('993')
    await choose('editor-mailbox-security', 'STARTTLS')
    expect($<HTMLInputElement>('[data-testid="editor-mailbox-port"]')!.placeholder).toBe('143')
    // No OAuth2 on this profile: the login is a password, no choice offered.
    expect($('[data-testid="editor-mailbox-login"]')).toBeNull()
    await type('editor-mailbox-host', 'imap.example.com')
    await type('editor-mailbox-user', 'alice@example.com')
    const password = 'mbx-pw-never-shown'
    const field = $<HTMLInputElement>('[data-testid="editor-mailbox-password"]')!
    expect(field.type).toBe('password')
    await type('editor-mailbox-password', password)
    await type('editor-mailbox-folders', 'INBOX, Spam ,')
    await type('editor-mailbox-timeout', '30')
    await choose('editor-mailbox-method', 'Polling')
    await click('editor-mailbox-delete')
    await click('editor-save')
    expect(fake.saveProfile).toHaveBeenCalledTimes(1)
    const input = fake.saveProfile.mock.calls[0]![0]
    expect(input.profile.mailbox).toEqual({
      kind: 'imap',
      host: 'imap.example.com',
      security: 'starttls',
      user: 'alice@example.com',
      login: 'password',
      folders: ['INBOX', 'Spam'],
      timeoutMs: 30_000,
      method: 'poll',
      deleteAfter: true,
      tls: { insecure: false },
    })
    expect(input.mailboxPassword).toBe(password)
    expect(input.secret).toBeUndefined()
    const profiles = useProfilesStore()
    expect(profiles.profiles[0]).toMatchObject({ hasMailboxSecret: true, hasProxySecret: false })
    expect(JSON.stringify(profiles.$state)).not.toContain(password)
  })

  it('checks the mailbox with the contract’s sentences: host, user, and no plaintext beyond this machine', async () => {
    const { fake } = await openEditor()
    await newRelay()
    await choose('editor-mailbox-kind', 'An IMAP mailbox')
    await click('editor-save')
    expect(fake.saveProfile).not.toHaveBeenCalled()
    expect(fieldError('mailboxHost')).toBe('host is required')
    expect(fieldError('mailboxUser')).toBe('the mailbox user is required')
    await type('editor-mailbox-host', 'imap.example.com')
    await type('editor-mailbox-user', 'me')
    await choose('editor-mailbox-security', 'None (this machine only)')
    await click('editor-save')
    expect(fieldError('mailboxSecurity')).toMatch(/^a mailbox is read without TLS only on this machine/)
    await type('editor-mailbox-host', '127.0.0.1')
    await click('editor-save')
    expect(fake.saveProfile).toHaveBeenCalledTimes(1)
    expect(fake.saveProfile.mock.calls[0]![0].profile.mailbox).toMatchObject({ host: '127.0.0.1', security: 'none' })
  })

  it('offers the sandbox’s inbox to a sandbox profile, and keeps it', async () => {
    const sandboxProfile = smtpProfile({ id: 'sb', name: 'Sandbox — STARTTLS', preset: 'sandbox', mailbox: { kind: 'sandbox' } })
    const { fake } = await openEditor(createFakeApi({ profiles: [sandboxProfile] }), 'sb')
    expect(labels('editor-mailbox-kind')).toEqual(['Nothing', "The sandbox's inbox", 'An IMAP mailbox'])
    expect($('[data-testid="editor-mailbox-kind"]')!.dataset.value).toBe('sandbox')
    expect($('[data-testid="editor-mailbox-sandbox"]')!.textContent).toMatch(/sandbox’s inbox \(the Inbox tab\)/)
    await type('editor-mailbox-timeout', '10')
    await click('editor-save')
    expect(fake.saveProfile.mock.calls[0]![0].profile.mailbox).toEqual({ kind: 'sandbox', timeoutMs: 10_000 })
    // Turned off: saved without a mailbox.
    useUiStore().openEditor('sb')
    await flushPromises()
    await choose('editor-mailbox-kind', 'Nothing')
    await click('editor-save')
    expect(fake.saveProfile.mock.calls.at(-1)![0].profile).not.toHaveProperty('mailbox')
  })

  it('an OAuth2 profile may log the mailbox in with its own sign-in (no password then)', async () => {
    const { fake } = await openEditor(createFakeApi({ profiles: [oauthProfile({ id: 'o1' })] }), 'o1')
    await choose('editor-mailbox-kind', 'An IMAP mailbox')
    expect(labels('editor-mailbox-login')).toEqual(['A password', "This profile's sign-in"])
    await choose('editor-mailbox-login', "This profile's sign-in")
    expect($('[data-testid="editor-mailbox-password"]')).toBeNull()
    expect($('[data-testid="editor-mailbox-imap"]')!.textContent).toMatch(/its scopes must allow IMAP/)
    await type('editor-mailbox-host', 'outlook.office365.com')
    await type('editor-mailbox-user', 'me@contoso.com')
    await click('editor-save')
    const input = fake.saveProfile.mock.calls[0]![0]
    expect(input.profile.mailbox).toMatchObject({ host: 'outlook.office365.com', login: 'sign-in' })
    expect(input).not.toHaveProperty('mailboxPassword')
  })

  it('a sign-in login needs OAuth2: switching the profile to a password login says so', async () => {
    const { fake } = await openEditor(createFakeApi({ profiles: [oauthProfile({ id: 'o1', mailbox: { ...imapMailbox, login: 'sign-in' } })] }), 'o1')
    const auth = $('[data-testid="editor-auth"]')!
    expect(auth.dataset.value).toBe('oauth2')
    // Choose "PLAIN" as the SMTP authentication: the profile no longer signs in.
    useUiStore().openEditor(null, { kind: 'smtp', name: 'No OAuth2', host: 'smtp.example.com', authMethod: 'plain', username: 'me', mailbox: { ...imapMailbox, login: 'sign-in' } } as never)
    await flushPromises()
    expect($('[data-testid="editor-mailbox-login"]')!.dataset.value).toBe('sign-in')
    await click('editor-save')
    expect(fake.saveProfile).not.toHaveBeenCalled()
    expect(fieldError('mailboxLogin')).toMatch(/only when the profile signs in with OAuth2: use a password/)
    await choose('editor-mailbox-login', 'A password')
    await click('editor-save')
    expect(fake.saveProfile).toHaveBeenCalledTimes(1)
  })

  it('a saved mailbox password is never shown: Keep, Replace or Clear; a mailbox that takes none drops it', async () => {
    const fake = createFakeApi({ profiles: [smtpProfile({ id: 'p1', mailbox: imapMailbox, hasMailboxSecret: true })] })
    await openEditor(fake, 'p1')
    expect($('[data-testid="mailbox-secret-saved"]')!.textContent).toContain('A mailbox password is saved')
    expect($$('input').some((i) => (i as HTMLInputElement).type === 'password')).toBe(false)
    await click('editor-save')
    expect(fake.saveProfile.mock.calls[0]![0]).not.toHaveProperty('mailboxPassword')

    useUiStore().openEditor('p1')
    await flushPromises()
    await click('mailbox-secret-replace')
    await click('editor-save')
    expect(fieldError('mailboxPassword')).toBe('type the new mailbox password, or keep the saved one')
    await type('editor-mailbox-password', 'next-one')
    await click('editor-save')
    expect(fake.saveProfile.mock.calls.at(-1)![0]).toMatchObject({ id: 'p1', mailboxPassword: 'next-one' })

    useUiStore().openEditor('p1')
    await flushPromises()
    await choose('editor-mailbox-kind', 'Nothing')
    expect($('[data-testid="mailbox-secret-orphan"]')!.textContent).toMatch(/removed when you save/)
    await click('editor-save')
    expect(useProfilesStore().byId.get('p1')!.hasMailboxSecret).toBe(false)
  })
})

describe('ProfileEditor: DKIM signing', () => {
  it('signs with a key file: domain, selector and the path are saved, no key travels', async () => {
    const { fake } = await openEditor()
    await newRelay()
    expect($('[data-testid="editor-dkim-fields"]')).toBeNull()
    const toggle = $('[data-testid="editor-dkim"]')!
    expect(toggle.getAttribute('role')).toBe('switch')
    await click('editor-dkim')
    await click('editor-save')
    expect(fake.saveProfile).not.toHaveBeenCalled()
    expect(fieldError('dkimKeyFile')).toBe('give the path of the PEM private key, or paste the key')
    expect(fieldError('dkimSelector')).toBe('the DKIM selector is required')
    await type('editor-dkim-domain', 'example.com')
    await type('editor-dkim-selector', 'mail2025')
    await type('editor-dkim-key-file', '/keys/dkim.pem')
    await click('editor-save')
    const input = fake.saveProfile.mock.calls[0]![0]
    expect(input.profile).toHaveProperty('dkim', { domain: 'example.com', selector: 'mail2025', keyFile: '/keys/dkim.pem' })
    expect(input).not.toHaveProperty('dkimKey')
  })

  it('a pasted key goes to main once, write-only; what is no PEM key is refused', async () => {
    const { fake } = await openEditor()
    await newRelay()
    await click('editor-dkim')
    await type('editor-dkim-domain', 'example.com')
    await type('editor-dkim-selector', 's1')
    await choose('editor-dkim-source', 'Pasted, stored encrypted')
    const area = $<HTMLTextAreaElement>('textarea[data-testid="editor-dkim-key"]')!
    expect(area).not.toBeNull()
    await type('editor-dkim-key', 'ssh-rsa AAAA not a private key')
    await click('editor-save')
    expect(fake.saveProfile).not.toHaveBeenCalled()
    expect(fieldError('dkimKey')).toBe('the DKIM private key must be a PEM private key (-----BEGIN PRIVATE KEY-----)')
    await type('editor-dkim-key', DKIM_KEY)
    await click('editor-save')
    const input = fake.saveProfile.mock.calls[0]![0]
    expect(input.profile).toHaveProperty('dkim', { domain: 'example.com', selector: 's1' })
    expect(input.dkimKey).toBe(DKIM_KEY.trim())
    const profiles = useProfilesStore()
    expect(profiles.profiles[0]!.hasDkimKey).toBe(true)
    expect(JSON.stringify(profiles.$state)).not.toContain(DKIM_KEY.split('\n')[1]!)

    // Reopened: the key is saved, never shown; switching to a file says it will be removed.
    useUiStore().openEditor(profiles.profiles[0]!.id)
    await flushPromises()
    expect($('[data-testid="dkim-secret-saved"]')!.textContent).toContain('A DKIM key is saved')
    expect($('textarea[data-testid="editor-dkim-key"]')).toBeNull()
    await choose('editor-dkim-source', 'From a file')
    expect($('[data-testid="dkim-secret-orphan"]')).not.toBeNull()
  })

  it('is not offered for API profiles (the provider signs)', async () => {
    await openEditor(createFakeApi({ profiles: [apiProfile({ id: 'a1' })] }), 'a1')
    expect($('[data-testid="editor-mailbox-kind"]')).not.toBeNull()
    expect($('[data-testid="editor-dkim"]')).toBeNull()
  })
})

describe('ComposeView: Wait for delivery', () => {
  async function compose(profileId: string) {
    const fake = createFakeApi({
      profiles: [
        smtpProfile({ id: 'watched', mailbox: { ...imapMailbox, folders: ['INBOX'], timeoutMs: 30_000 }, hasMailboxSecret: true }),
        apiProfile({
          id: 'sandbox-api',
          provider: 'mailgun',
          domain: 'mg.example.com',
          hasSecret: true,
          defaults: { from: 'me@example.test', to: ['you@example.test'], cc: [], bcc: [] },
          mailbox: { kind: 'sandbox' },
        }),
        smtpProfile({ id: 'plain' }),
      ],
    })
    const mounted = mountWithApi(ComposeView, { attachTo: document.body }, fake)
    await useProfilesStore().load()
    useUiStore().selectProfile(profileId)
    await flushPromises()
    return mounted
  }

  it('shows where a send waits, and sends awaitInbox with it', async () => {
    const { fake } = await compose('watched')
    expect($('[data-testid="compose-await-note"]')!.textContent).toBe('After Send, watches me@example.com on imap.example.com (INBOX) for up to 30 s.')
    const toggle = $('[data-testid="compose-await-inbox"]')!
    expect(toggle.getAttribute('role')).toBe('switch')
    expect(toggle.dataset.value).toBe('true')
    await click('action-send')
    expect(fake.runProfile.mock.calls[0]![0]).toMatchObject({ profileId: 'watched', action: 'send', awaitInbox: true })
    // While the send runs, the choice stays as it was made.
    expect(toggle.classList.contains('n-switch--disabled')).toBe(true)
  })

  it('turned off, the send does not wait', async () => {
    const { fake } = await compose('watched')
    await click('compose-await-inbox')
    expect($('[data-testid="compose-await-inbox"]')!.dataset.value).toBe('false')
    expect($('[data-testid="compose-await-note"]')!.textContent).toMatch(/ends at the server’s acceptance/)
    await click('action-send')
    expect(fake.runProfile.mock.calls[0]![0]).toMatchObject({ action: 'send', awaitInbox: false })
  })

  it('verify sends no message: nothing is asked', async () => {
    const { fake } = await compose('watched')
    await click('action-verify')
    expect(fake.runProfile.mock.calls[0]![0]).toEqual({ profileId: 'watched', action: 'verify' })
  })

  it('an API profile watching the sandbox’s inbox', async () => {
    const { fake } = await compose('sandbox-api')
    expect($('[data-testid="compose-await-note"]')!.textContent).toBe('After Send, watches the sandbox’s inbox for up to 120 s.')
    await click('action-api-send')
    expect(fake.runProfile.mock.calls[0]![0]).toMatchObject({ action: 'api-send', awaitInbox: true })
  })

  it('a profile without a mailbox shows no toggle and sends without awaitInbox', async () => {
    const { fake } = await compose('plain')
    expect($('[data-testid="compose-await"]')).toBeNull()
    await click('action-send')
    expect(fake.runProfile.mock.calls[0]![0]).not.toHaveProperty('awaitInbox')
  })
})
