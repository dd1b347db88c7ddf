/**
 * Page helpers: every locator and action the end-to-end flows use, by data-testid, in one place.
 * When the interface changes, this file changes; the flows should not.
 */
import type { Locator, Page } from 'playwright-core'

export const byTestId = (scope: Page | Locator, id: string): Locator => scope.locator(`[data-testid="${id}"]`)

export interface Verdict {
  ok: boolean
  code: string | null
  message: string
}

/** naive-ui's select: open it, then click the visible option whose label is exactly `label`. */
export async function chooseOption(page: Page, select: Locator, label: string): Promise<void> {
  await select.click()
  const option = page
    .locator('.n-base-select-option')
    .filter({ visible: true })
    .filter({ hasText: new RegExp(`^\\s*${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`) })
    .first()
  await option.click()
  await option.waitFor({ state: 'hidden' })
}

export class TranscriptPane {
  readonly root: Locator
  readonly lines: Locator
  /** The scrolling element (role=log). */
  readonly scroller: Locator
  readonly search: Locator

  constructor(readonly page: Page) {
    this.root = byTestId(page, 'transcript')
    this.lines = byTestId(this.root, 'transcript-line')
    this.scroller = this.root.locator('[role="log"]')
    this.search = byTestId(page, 'transcript-search')
  }

  /** Rendered lines in one direction ('c', 's', 'tls', 'info', 'err'). */
  linesIn(dir: string): Locator {
    return this.root.locator(`[data-testid="transcript-line"][data-dir="${dir}"]`)
  }

  /** The rendered lines' full texts (each row's title keeps `[redacted]` where a pill shows). */
  async fullTexts(dir?: string): Promise<string[]> {
    const lines = dir ? this.linesIn(dir) : this.lines
    return lines.evaluateAll((els) => els.map((el) => el.querySelector('.text[title]')?.getAttribute('title') ?? el.textContent ?? ''))
  }

  /** The total line count the transcript toolbar shows ("100,012 lines"). */
  async totalLines(): Promise<number> {
    const text = await this.page.getByRole('toolbar', { name: 'Transcript tools' }).locator('.lines').textContent()
    const m = /([\d,]+) lines?\b/.exec(text ?? '')
    return m ? Number(m[1]!.replace(/,/g, '')) : 0
  }

  /** Unfolds a folded multi-line reply ("+N lines"). */
  async unfoldFirst(): Promise<void> {
    await byTestId(this.root, 'transcript-fold').first().click()
  }
}

export interface SmtpProfileValues {
  name: string
  host: string
  port: number
  security?: 'STARTTLS' | 'Implicit TLS' | 'None' | 'Auto'
  auth?: 'none — no AUTH' | 'auto — best offered' | 'PLAIN' | 'LOGIN' | 'CRAM-MD5'
  username?: string
  secret?: string
  caFile?: string
  insecure?: boolean
}

export interface ApiProfileValues {
  name: string
  /** The provider's label as the editor lists it ('Mailgun', 'Postmark', …). */
  provider: string
  domain?: string
  baseUrl?: string
  secret?: string
  caFile?: string
}

export class ProfileEditor {
  readonly root: Locator

  constructor(readonly page: Page) {
    this.root = byTestId(page, 'profile-editor')
  }

  private input(id: string): Locator {
    return byTestId(this.root, id)
  }

  get errors(): Locator {
    return byTestId(this.page, 'editor-error')
  }

  async kind(kind: 'SMTP' | 'API'): Promise<void> {
    await byTestId(this.root, 'editor-kind').getByText(kind, { exact: true }).click()
  }

  async fillSmtp(v: SmtpProfileValues): Promise<void> {
    await this.kind('SMTP')
    await this.input('editor-name').fill(v.name)
    if (v.security) await byTestId(this.root, 'editor-security').getByText(v.security, { exact: true }).click()
    await this.input('editor-host').fill(v.host)
    await this.input('editor-port').fill(String(v.port))
    if (v.auth) await chooseOption(this.page, byTestId(this.root, 'editor-auth'), v.auth)
    if (v.username !== undefined) await this.input('editor-username').fill(v.username)
    if (v.secret !== undefined) await this.input('editor-secret').fill(v.secret)
    if (v.caFile !== undefined) await this.input('editor-ca-file').fill(v.caFile)
    if (v.insecure) await byTestId(this.root, 'editor-insecure').click()
  }

  async fillApi(v: ApiProfileValues): Promise<void> {
    await this.kind('API')
    await this.input('editor-name').fill(v.name)
    await chooseOption(this.page, byTestId(this.root, 'editor-provider'), v.provider)
    if (v.domain !== undefined) await this.input('editor-domain').fill(v.domain)
    if (v.baseUrl !== undefined) await this.input('editor-base-url').fill(v.baseUrl)
    if (v.secret !== undefined) await this.input('editor-secret').fill(v.secret)
    if (v.caFile !== undefined) await this.input('editor-ca-file').fill(v.caFile)
  }

  /** Saves and waits for the drawer to close (throws with the editor's messages if it stays open). */
  async save(): Promise<void> {
    await byTestId(this.page, 'editor-save').click()
    try {
      await this.root.waitFor({ state: 'hidden', timeout: 10_000 })
    } catch (err) {
      const messages = await this.errors.allTextContents()
      throw new Error(`the profile editor did not close: ${messages.join(' | ') || 'no message shown'}`, { cause: err })
    }
  }
}

export class MailprobePage {
  readonly transcript: TranscriptPane
  readonly editor: ProfileEditor

  constructor(readonly page: Page) {
    this.transcript = new TranscriptPane(page)
    this.editor = new ProfileEditor(page)
  }

  id(testid: string): Locator {
    return byTestId(this.page, testid)
  }

  // ── sidebar ────────────────────────────────────────────────────────────────
  profile(name: string): Locator {
    return this.page.locator(`[data-testid="profile-item"][data-profile-name="${name.replace(/"/g, '\\"')}"]`)
  }

  get profileItems(): Locator {
    return this.id('profile-item')
  }

  get keyringStatus(): Locator {
    return this.id('keyring-status')
  }

  async newSmtpProfile(v: SmtpProfileValues): Promise<void> {
    await this.id('profile-add').click()
    await this.editor.root.waitFor()
    await this.editor.fillSmtp(v)
    await this.editor.save()
    await this.profile(v.name).waitFor()
  }

  async newApiProfile(v: ApiProfileValues): Promise<void> {
    await this.id('profile-add').click()
    await this.editor.root.waitFor()
    await this.editor.fillApi(v)
    await this.editor.save()
    await this.profile(v.name).waitFor()
  }

  async selectProfile(name: string): Promise<void> {
    await this.profile(name).click()
    await this.page.locator(`[data-testid="profile-item"][data-profile-name="${name}"][aria-pressed="true"]`).waitFor()
  }

  async deleteProfile(name: string): Promise<void> {
    const item = this.profile(name)
    await item.hover()
    await byTestId(item, 'profile-delete').click()
    await this.id('confirm-ok').click()
    await item.waitFor({ state: 'detached' })
  }

  // ── tabs ───────────────────────────────────────────────────────────────────
  async tab(name: 'probe' | 'compose' | 'lab' | 'history' | 'inbox'): Promise<void> {
    await this.id(`tab-${name}`).click()
  }

  // ── sandbox and Inbox ──────────────────────────────────────────────────────
  get sandboxPill(): Locator {
    return this.id('sandbox-pill')
  }

  inboxItem(subject: string): Locator {
    return this.page.locator(`[data-testid="inbox-item"][data-subject="${subject.replace(/"/g, '\\"')}"]`)
  }

  get inboxMessage(): Locator {
    return this.id('inbox-message')
  }

  // ── lab ────────────────────────────────────────────────────────────────────
  labProfile(name: string): Locator {
    return this.page.locator(`[data-testid="lab-profile"][data-profile-name="${name.replace(/"/g, '\\"')}"]`)
  }

  labRow(name: string): Locator {
    return this.page.locator(`[data-testid="lab-row"][data-profile-name="${name.replace(/"/g, '\\"')}"]`)
  }

  /**
   * Sets up a comparison in the Lab tab (profiles in order, runs, cold/warm, what each run does),
   * runs it and waits for the results table.
   */
  async compare(opts: { profiles: string[]; runs: number; mode?: 'cold' | 'warm'; action?: 'verify' | 'send' | 'sandbox' }, onProgress?: () => Promise<void>): Promise<void> {
    await this.tab('lab')
    for (const name of opts.profiles) {
      const box = this.labProfile(name)
      if ((await box.getAttribute('aria-checked')) !== 'true') await box.click()
      await this.page.locator(`[data-testid="lab-profile"][data-profile-name="${name}"][aria-checked="true"]`).waitFor()
    }
    await this.id('lab-runs').fill(String(opts.runs))
    await this.id('lab-runs').blur()
    await this.id(`lab-mode-${opts.mode ?? 'cold'}`).click()
    await this.id(`lab-action-${opts.action ?? 'send'}`).click()
    await this.id('lab-run').click()
    if (onProgress) await onProgress()
    await this.id('lab-results').waitFor({ timeout: 90_000 })
    await this.id('lab-run').waitFor()
  }

  // ── composer ───────────────────────────────────────────────────────────────
  async compose(m: { from?: string; to?: string[]; subject?: string; text?: string }): Promise<void> {
    if (m.from !== undefined) await this.id('compose-from').fill(m.from)
    for (const to of m.to ?? []) {
      await this.id('compose-to').fill(to)
      await this.id('compose-to').press('Enter')
      await byTestId(this.id('compose-to-tokens'), 'compose-to-token').filter({ hasText: to }).waitFor()
    }
    if (m.subject !== undefined) await this.id('compose-subject').fill(m.subject)
    if (m.text !== undefined) await this.id('compose-text').fill(m.text)
  }

  get verdictBox(): Locator {
    return this.id('verdict')
  }

  /**
   * Clicks an action (action-verify, action-send, probe-run, …) and waits for that run's verdict.
   * The verdict's data-ok is taken off first: it comes back only when a job finishes, so an
   * earlier run's verdict is never mistaken for this one's.
   */
  async runAndWait(actionTestId: string): Promise<Verdict> {
    await this.verdictBox.evaluate((el) => el.removeAttribute('data-ok'))
    await this.id(actionTestId).click()
    const done = this.page.locator('[data-testid="verdict"][data-ok], [data-testid="compose-error"]').first()
    await done.waitFor({ timeout: 60_000 })
    const startError = this.id('compose-error')
    if (await startError.isVisible()) throw new Error(`the run did not start: ${await startError.textContent()}`)
    return this.readVerdict()
  }

  async readVerdict(): Promise<Verdict> {
    return this.verdictBox.evaluate((el) => ({
      ok: el.getAttribute('data-ok') === 'true',
      code: el.querySelector('[data-testid="verdict-code"]')?.textContent?.trim() ?? null,
      message: el.querySelector('[data-testid="verdict-message"]')?.textContent?.trim() ?? '',
    }))
  }

  // ── probe ──────────────────────────────────────────────────────────────────
  /** Probes `host` on exactly `ports` (the default chips are switched off). */
  async probe(host: string, ports: number[]): Promise<Verdict> {
    await this.tab('probe')
    await this.id('probe-host').fill(host)
    for (const chip of await this.page.locator('[data-testid^="probe-port-"]:not([data-testid="probe-port-add"]):not([data-testid="probe-port-custom"])').all()) {
      const port = Number((await chip.getAttribute('data-testid'))!.replace('probe-port-', ''))
      const checked = (await chip.getAttribute('class'))?.includes('n-tag--checked') ?? false
      if (checked !== ports.includes(port)) await chip.click()
    }
    for (const port of ports) {
      if (await this.id(`probe-port-${port}`).count()) continue
      await this.id('probe-port-add').click()
      await this.id('probe-port-custom').fill(String(port))
      await this.id('probe-port-custom').press('Enter')
      await this.id(`probe-port-${port}`).waitFor()
    }
    return this.runAndWait('probe-run')
  }

  probeRow(port: number): Locator {
    return this.page.locator(`[data-testid="probe-row"][data-port="${port}"]`)
  }

  // ── history ────────────────────────────────────────────────────────────────
  get historyItems(): Locator {
    return this.id('history-item')
  }

  // ── import / export ────────────────────────────────────────────────────────
  /** Exports every profile through the page's download; returns the file's text. */
  async exportProfiles(): Promise<{ name: string; content: string }> {
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.id('profiles-export').click()])
    const stream = await download.createReadStream()
    const chunks: Buffer[] = []
    for await (const chunk of stream) chunks.push(chunk as Buffer)
    return { name: download.suggestedFilename(), content: Buffer.concat(chunks).toString('utf8') }
  }

  async importProfiles(content: string): Promise<void> {
    await this.id('profiles-import').click()
    await this.id('import-paste').fill(content)
    await this.id('import-confirm').click()
    await this.id('import-paste').waitFor({ state: 'hidden' })
  }
}
