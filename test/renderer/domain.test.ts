import { describe, expect, it, vi } from 'vitest'
import { flushPromises, type DOMWrapper, type VueWrapper } from '@vue/test-utils'
import { DOMAIN_CHECK_IDS, type DomainCheck, type DomainCheckId, type DomainResult, type JobEvent, type Preset, type Profile } from '@contract'
import App from '@renderer/App.vue'
import DomainView from '@renderer/components/domain/DomainView.vue'
import { profileSender, zoneFile } from '@renderer/components/domain/domain-format'
import { describeVerdict, runningLabel } from '@renderer/components/result/verdict'
import { useDomainStore } from '@renderer/stores/domain'
import { useJobsStore } from '@renderer/stores/jobs'
import { useProfilesStore } from '@renderer/stores/profiles'
import { useUiStore } from '@renderer/stores/ui'
import { apiProfile, createFakeApi, smtpProfile, summary } from './fake-api'
import { mountWithApi, unmountAfterEach } from './mount'
import { stubLayoutForFile } from './layout'

stubLayoutForFile()
unmountAfterEach()

/** Presets as main lists them (main/core/profiles/presets.ts: the same groups and hosts), those the prefill reads. */
const smtpPreset = (id: string, group: string, host: string): Preset => ({
  id,
  group,
  label: id,
  profile: { kind: 'smtp', name: id, host, port: 587, security: 'starttls', authMethod: 'auto' } as never,
})
const apiPreset = (id: string, group: string, provider: 'sendgrid' | 'ses'): Preset => ({ id, group, label: id, profile: { kind: 'api', name: id, provider } as never })
const PRESETS: Preset[] = [
  smtpPreset('sendgrid-smtp', 'SendGrid', 'smtp.sendgrid.net'),
  apiPreset('sendgrid-api', 'SendGrid', 'sendgrid'),
  smtpPreset('ses-eu-west-1-smtp', 'Amazon SES', 'email-smtp.eu-west-1.amazonaws.com'),
  apiPreset('ses-eu-west-1-api', 'Amazon SES', 'ses'),
  smtpPreset('gmail-587', 'Gmail / Google Workspace', 'smtp.gmail.com'),
  smtpPreset('m365-smtp', 'Microsoft 365', 'smtp.office365.com'),
  smtpPreset('outlook-xoauth2', 'Outlook.com', 'smtp-mail.outlook.com'),
]

const tid = (id: string) => `[data-testid="${id}"]`
const key = (k: string, mods: KeyboardEventInit = {}) => window.dispatchEvent(new KeyboardEvent('keydown', { key: k, ...mods }))

function check(id: DomainCheckId, over: Partial<DomainCheck> = {}): DomainCheck {
  return { id, status: 'pass', title: id.toUpperCase(), detail: `${id} is fine.`, records: [], items: [], durationMs: 12.5, queries: 2, ...over }
}

/** A finished run's checks: SPF warns (with its record), DKIM fails (with a finding per selector), DMARC is missing (one record to publish). */
const CHECKS: DomainCheck[] = DOMAIN_CHECK_IDS.map((id) =>
  id === 'spf'
    ? check(id, {
        status: 'warn',
        title: 'SPF',
        detail: 'The SPF record ends in ?all: end it in -all or ~all.',
        records: [{ type: 'TXT', name: 'example.com', value: 'v=spf1 include:sendgrid.net ?all' }],
      })
    : id === 'dkim'
      ? check(id, {
          status: 'fail',
          title: 'DKIM (selectors s1, s2)',
          detail: 'No DKIM key at s1 or s2: publish SendGrid’s CNAMEs.',
          items: [
            { label: 's1._domainkey', status: 'fail', detail: 'no record' },
            { label: 's2._domainkey', status: 'fail', detail: 'no record' },
          ],
        })
      : id === 'bimi'
        ? check(id, { status: 'info', title: 'BIMI', detail: 'No BIMI record (optional).' })
        : check(id),
)

const PUBLISH = [
  { type: 'CNAME', name: 's1._domainkey.example.com', value: 's1.domainkey.u123.wl.sendgrid.net' },
  { type: 'TXT', name: '_dmarc.example.com', value: 'v=DMARC1; p=none; rua=mailto:"dmarc"@example.com' },
]

function domainResult(over: Partial<DomainResult> = {}): DomainResult {
  return {
    ok: false,
    kind: 'domain',
    error: null,
    warnings: [],
    phases: [],
    totalMs: 412.4,
    roundTrips: 30,
    transcript: [],
    domain: 'example.com',
    provider: 'sendgrid',
    checks: CHECKS,
    publish: PUBLISH,
    dnssec: false,
    ...over,
  }
}

/** A check finishing: the info line that says it, carrying the check. */
const finished = (jobId: string, seq: number, c: DomainCheck): JobEvent<DomainResult> => ({ type: 'transcript', jobId, seq, t: seq, dir: 'info', text: `${c.id}: ${c.status} — ${c.detail}`, check: c })
const resultEvent = (jobId: string, seq: number, r: DomainResult): JobEvent<DomainResult> => ({ type: 'result', jobId, seq, result: r })

const SENDGRID_API = apiProfile({ id: 'sg', name: 'SendGrid news', provider: 'sendgrid', defaults: { from: 'News <news@Example.com>', to: [], cc: [], bcc: [] } })
const M365 = smtpProfile({ id: 'm365', name: 'Contoso 365', host: 'smtp.office365.com', port: 587, defaults: { from: 'adele@contoso.example', to: [], cc: [], bcc: [] } })
const GMAIL = smtpProfile({ id: 'gmail', name: 'Workspace', host: 'SMTP.gmail.com', port: 465, defaults: { from: 'me@shop.example', to: [], cc: [], bcc: [] } })
const SG_SMTP = smtpProfile({ id: 'sg-smtp', name: 'SendGrid SMTP', host: 'smtp.sendgrid.net', port: 587, defaults: { from: 'a@b.example', to: [], cc: [], bcc: [] } })
const RELAY = smtpProfile({ id: 'relay', name: 'Corp relay', host: 'relay.corp.example', port: 25, defaults: { from: 'ops@corp.example', to: [], cc: [], bcc: [] } })
const MAILGUN = apiProfile({ id: 'mg', name: 'Mailgun', provider: 'mailgun', domain: 'mg.example.com' })
const GENERIC = apiProfile({ id: 'hook', name: 'Hook', provider: 'generic', defaults: { from: 'x@hook.example', to: [], cc: [], bcc: [] } })

async function mountDomain(profileId: string | null = 'sg', profiles: Profile[] = [SENDGRID_API, M365, GMAIL, SG_SMTP, RELAY, MAILGUN, GENERIC]) {
  const fake = createFakeApi({ profiles, presets: [...PRESETS] })
  const mounted = mountWithApi(DomainView, { attachTo: document.body }, fake)
  await useProfilesStore().load()
  useUiStore().selectProfile(profileId)
  await flushPromises()
  return mounted
}

const inputValue = (w: VueWrapper, id: string) => (w.find(tid(id)).element as HTMLInputElement).value
const rows = (w: VueWrapper) => w.findAll(tid('domain-check'))
const rowOf = (w: VueWrapper, id: DomainCheckId): DOMWrapper<Element> => w.find(`[data-testid="domain-check"][data-check="${id}"]`)

describe('the Domain tab: the form', () => {
  it('is filled in from the selected profile: its From domain and whom it sends through, again when another is selected', async () => {
    const { wrapper: w } = await mountDomain('sg')
    const domain = useDomainStore()
    expect(inputValue(w, 'domain-name')).toBe('example.com')
    expect(domain.sender).toBe('sendgrid')
    expect(w.find(tid('domain-sender')).text()).toContain('SendGrid')
    expect(w.find(tid('domain-relay')).exists()).toBe(false)
    expect(w.find(tid('domain-prefill')).text()).toBe('Filled in from “SendGrid news”')

    const cases: [string, string, string, string][] = [
      // An SMTP profile on a preset's host: that preset's provider.
      ['m365', 'contoso.example', 'microsoft365', 'Microsoft 365'],
      ['gmail', 'shop.example', 'google-workspace', 'Google Workspace'],
      ['sg-smtp', 'b.example', 'sendgrid', 'SendGrid'],
      // An API profile without a From address: its sending domain.
      ['mg', 'mg.example.com', 'mailgun', 'Mailgun'],
      // The generic endpoint names no provider whose records are known.
      ['hook', 'hook.example', '', 'No provider'],
    ]
    for (const [id, name, sender, label] of cases) {
      useUiStore().selectProfile(id)
      await flushPromises()
      expect([inputValue(w, 'domain-name'), domain.sender], id).toEqual([name, sender])
      expect(w.find(tid('domain-sender')).text(), id).toContain(label)
    }

    // Any other SMTP host: a relay, by that host.
    useUiStore().selectProfile('relay')
    await flushPromises()
    expect(domain.sender).toBe('relay')
    expect(inputValue(w, 'domain-name')).toBe('corp.example')
    expect(inputValue(w, 'domain-relay')).toBe('relay.corp.example')
  })

  it('names the provider of an SMTP host only through the presets (none loaded: a relay)', () => {
    expect(profileSender(M365, PRESETS)).toEqual({ provider: 'microsoft365' })
    expect(profileSender(M365, [])).toEqual({ relay: 'smtp.office365.com' })
    expect(profileSender(smtpProfile({ host: 'email-smtp.eu-west-1.amazonaws.com' }), PRESETS)).toEqual({ provider: 'ses' })
    expect(profileSender(GENERIC, PRESETS)).toBeNull()
    // Outlook.com's group has no provider whose records are known: its host is a relay.
    expect(profileSender(smtpProfile({ host: 'smtp-mail.outlook.com' }), PRESETS)).toEqual({ relay: 'smtp-mail.outlook.com' })
  })

  it('refuses a bad domain, a relay without its host, a bad selector or address: nothing starts, the field says why', async () => {
    const { wrapper: w, fake } = await mountDomain('sg')
    await w.find(tid('domain-name')).setValue('not a domain')
    await w.find(tid('domain-selectors')).setValue('s1, bad selector!')
    await w.find(tid('domain-ips')).setValue('192.0.2.10 999.1.1.1')
    await w.find(tid('domain-dns')).setValue('resolver.example')
    await w.find(tid('domain-form')).trigger('submit')
    await flushPromises()
    expect(fake.runDomain).not.toHaveBeenCalled()
    expect(w.find(tid('domain-error-domain')).text()).toMatch(/domain name such as example\.com|host/)
    expect(w.find(tid('domain-error-selectors')).text()).toContain('a DKIM selector is letters, digits, _ - and dots')
    expect(w.find(tid('domain-error-ips')).text()).toContain('a sending IP is an IPv4 or IPv6 address')
    expect(w.find(tid('domain-error-dns')).text()).toContain('a DNS server is an IP address, optionally with :port')
    // Typing clears a field's problem.
    await w.find(tid('domain-name')).setValue('example.com')
    expect(w.find(tid('domain-error-domain')).exists()).toBe(false)

    useDomainStore().sender = 'relay'
    useDomainStore().relay = ''
    await flushPromises()
    await w.find(tid('domain-form')).trigger('submit')
    await flushPromises()
    expect(w.find(tid('domain-error-relay')).text()).toBe('name the relay’s host')
    expect(fake.runDomain).not.toHaveBeenCalled()
  })
})

describe('the Domain tab: a run', () => {
  it('Run (Enter: the form’s submit) sends the form’s job; the checks appear as they finish, in the checks’ order; Esc cancels', async () => {
    const { wrapper: w, fake } = await mountDomain('sg')
    await w.find(tid('domain-selectors')).setValue('s1, s2 s1')
    await w.find(tid('domain-ips')).setValue('192.0.2.10, 2001:db8::1')
    await w.find(tid('domain-dns')).setValue('127.0.0.1:5353')
    // Enter in a field submits the form: the browser's implicit submission (the form has a submit button), which
    // happy-dom does not do; the browser end-to-end run presses Enter itself. Here: the submit it leads to.
    await w.find(tid('domain-form')).trigger('submit')
    await flushPromises()
    expect(fake.runDomain).toHaveBeenCalledTimes(1)
    expect(fake.runDomain.mock.calls[0]![0]).toEqual({
      domain: 'example.com',
      provider: 'sendgrid',
      dkimSelectors: ['s1', 's2'],
      sendingIps: ['192.0.2.10', '2001:db8::1'],
      dnsServers: ['127.0.0.1:5353'],
    })
    const jobId = useDomainStore().jobId!
    expect(useUiStore().focus.domain).toBe(jobId)

    // Every check has its row from the start: nothing jumps as they finish.
    expect(rows(w).map((r) => r.attributes('data-check'))).toEqual([...DOMAIN_CHECK_IDS])
    expect(rows(w).every((r) => r.attributes('data-status') === 'pending')).toBe(true)
    expect(w.find(tid('domain-verdict')).text()).toContain('Checking… 0 of 11 checks done')
    expect(w.find(tid('domain-cancel')).exists()).toBe(true)

    // DMARC finishes first, then MX: each fills its own row.
    const byId = new Map(CHECKS.map((c) => [c.id, c]))
    fake.push([finished(jobId, 1, byId.get('dkim')!)])
    await flushPromises()
    fake.push([finished(jobId, 2, byId.get('mx')!)])
    await flushPromises()
    expect(rows(w).map((r) => r.attributes('data-status'))).toEqual(['pass', 'pending', 'pending', 'fail', ...Array(7).fill('pending')])
    expect(rowOf(w, 'dkim').find(tid('domain-check-title')).text()).toBe('DKIM (selectors s1, s2)')
    expect(rowOf(w, 'dkim').find(tid('domain-check-detail')).text()).toBe('No DKIM key at s1 or s2: publish SendGrid’s CNAMEs.')
    expect(rowOf(w, 'spf').find(tid('domain-check-title')).text()).toBe('SPF')
    expect(rowOf(w, 'spf').find(tid('domain-check-detail')).text()).toBe('checking…')
    expect(w.find(tid('domain-verdict')).text()).toContain('2 of 11 checks done')

    // Esc cancels the running job; Ctrl+Enter starts nothing while it runs.
    key('Escape')
    await flushPromises()
    expect(fake.cancelJob).toHaveBeenCalledWith({ jobId })
    key('Enter', { ctrlKey: true })
    await flushPromises()
    expect(fake.runDomain).toHaveBeenCalledTimes(1)

    fake.push([...CHECKS.filter((c) => c.id !== 'dkim' && c.id !== 'mx').map((c, i) => finished(jobId, 3 + i, c)), resultEvent(jobId, 20, domainResult())])
    await flushPromises()
    const verdict = w.find(tid('domain-verdict'))
    expect(verdict.attributes('data-status')).toBe('fail')
    expect(verdict.text()).toContain('example.com via SendGrid: 1 fail, 1 warn')
    expect(w.find(tid('domain-total')).text()).toBe('412 ms')
    expect(verdict.text()).toContain('DNSSEC not validated')
    expect(rows(w).map((r) => r.attributes('data-status'))).toEqual(['pass', 'pass', 'warn', 'fail', 'pass', 'pass', 'pass', 'pass', 'pass', 'info', 'pass'])
    expect(w.find(tid('domain-run')).exists()).toBe(true)

    // Ctrl+Enter runs it again.
    key('Enter', { ctrlKey: true })
    await flushPromises()
    expect(fake.runDomain).toHaveBeenCalledTimes(2)
  })

  it('a check opens to its findings and records (click, Enter, Space); one with neither does not open', async () => {
    const { wrapper: w, fake } = await mountDomain('sg')
    await useDomainStore().run()
    const jobId = useDomainStore().jobId!
    fake.push([resultEvent(jobId, 1, domainResult())])
    await flushPromises()

    const dkim = rowOf(w, 'dkim')
    const head = dkim.find(tid('domain-check-head'))
    expect(head.attributes('role')).toBe('button')
    expect(head.attributes('aria-expanded')).toBe('false')
    expect(dkim.find(tid('domain-check-body')).exists()).toBe(false)
    await head.trigger('click')
    expect(head.attributes('aria-expanded')).toBe('true')
    const items = dkim.findAll(tid('domain-check-item'))
    expect(items.map((i) => i.text())).toEqual([expect.stringContaining('s1._domainkey'), expect.stringContaining('s2._domainkey')])
    expect(items[0]!.attributes('data-status')).toBe('fail')
    await head.trigger('keydown', { key: 'Enter' })
    expect(dkim.find(tid('domain-check-body')).exists()).toBe(false)

    const spfHead = rowOf(w, 'spf').find(tid('domain-check-head'))
    await spfHead.trigger('keydown', { key: ' ' })
    const records = rowOf(w, 'spf').findAll(tid('domain-check-record'))
    expect(records.map((r) => r.findAll('td').map((td) => td.text()))).toEqual([['TXT', 'example.com', 'v=spf1 include:sendgrid.net ?all']])
    expect(rowOf(w, 'spf').find(tid('domain-check-records')).classes()).toContain('mono')

    // MX found nothing to list: its row is not a button.
    const mxHead = rowOf(w, 'mx').find(tid('domain-check-head'))
    expect(mxHead.attributes('role')).toBeUndefined()
    await mxHead.trigger('click')
    expect(rowOf(w, 'mx').find(tid('domain-check-body')).exists()).toBe(false)
  })

  it('lists the records to publish, each with a copy button for its value, and all as zone-file lines', async () => {
    const writeText = vi.fn(async (_text: string) => undefined)
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true })
    const { wrapper: w, fake } = await mountDomain('sg')
    await useDomainStore().run()
    const jobId = useDomainStore().jobId!
    expect(w.find(tid('domain-publish')).exists()).toBe(false)
    fake.push([resultEvent(jobId, 1, domainResult())])
    await flushPromises()

    const records = w.findAll(tid('domain-publish-record'))
    expect(records.map((r) => [r.find(tid('domain-publish-name')).text(), r.find(tid('domain-publish-value')).text()])).toEqual(PUBLISH.map((p) => [p.name, p.value]))
    expect(records[1]!.text()).toContain('TXT')
    const buttons = w.findAll(tid('domain-publish-copy'))
    expect(buttons.map((b) => b.attributes('aria-label'))).toEqual(['Copy the value of the CNAME record for s1._domainkey.example.com', 'Copy the value of the TXT record for _dmarc.example.com'])
    await buttons[1]!.trigger('click')
    await flushPromises()
    expect(writeText).toHaveBeenLastCalledWith('v=DMARC1; p=none; rua=mailto:"dmarc"@example.com')

    await w.find(tid('domain-publish-copy-all')).trigger('click')
    await flushPromises()
    expect(writeText).toHaveBeenLastCalledWith(
      's1._domainkey.example.com. IN CNAME s1.domainkey.u123.wl.sendgrid.net.\n_dmarc.example.com. IN TXT "v=DMARC1; p=none; rua=mailto:\\"dmarc\\"@example.com"\n',
    )
  })

  it('zone-file lines split a long TXT value into strings of at most 255 characters', () => {
    const key = `v=DKIM1; k=rsa; p=${'A'.repeat(400)}`
    const line = zoneFile([{ type: 'TXT', name: 'sel._domainkey.example.com', value: key }])
    const strings = [...line.matchAll(/"([^"]*)"/g)].map((m) => m[1]!)
    expect(strings.map((s) => s.length)).toEqual([255, key.length - 255])
    expect(strings.join('')).toBe(key)
  })

  it('a run that failed says why, with the checks it finished', async () => {
    const { wrapper: w, fake } = await mountDomain('sg')
    await useDomainStore().run()
    const jobId = useDomainStore().jobId!
    fake.push([resultEvent(jobId, 1, domainResult({ error: { code: 'CANCELLED', message: 'You cancelled the check.' }, checks: CHECKS.slice(0, 2), publish: [] }))])
    await flushPromises()
    expect(w.find(tid('domain-verdict-error')).text()).toBe('CANCELLED — You cancelled the check.')
    expect(rows(w).map((r) => r.attributes('data-check'))).toEqual(['mx', 'ptr'])
  })

  it('a refusal from main is shown, and nothing is running', async () => {
    const { wrapper: w, fake } = await mountDomain('sg')
    fake.runDomain.mockResolvedValueOnce({ ok: false, error: { code: 'INVALID_INPUT', message: 'The runDomain request was refused — domain: no.' } })
    await w.find(tid('domain-form')).trigger('submit')
    await flushPromises()
    expect(w.find(tid('domain-start-error')).text()).toBe('INVALID_INPUT: The runDomain request was refused — domain: no.')
    expect(useDomainStore().running).toBe(false)
  })
})

describe('the verdict line and History for a domain run', () => {
  it('words a running and a finished run', () => {
    const { wrapper: _w } = mountWithApi(DomainView)
    const jobs = useJobsStore()
    const job = jobs.openHistory({ ...summary({ id: 'd1', kind: 'domain', action: 'domain', target: 'example.com', profileId: null, profileName: null }), result: domainResult() })
    expect(job.target).toEqual({ kind: 'domain', domain: 'example.com', provider: 'sendgrid' })
    expect(describeVerdict(job)).toMatchObject({ ok: false, code: null, message: 'example.com via SendGrid: 1 fail, 1 warn', totalMs: '412 ms' })
    const ready = jobs.openHistory({
      ...summary({ id: 'd2', kind: 'domain', action: 'domain', target: 'example.com' }),
      result: domainResult({ ok: true, provider: 'relay:smtp.corp.example', checks: [check('mx'), check('bimi', { status: 'info' })] }),
    })
    expect(describeVerdict(ready)).toMatchObject({ ok: true, message: 'example.com via relay smtp.corp.example: ready — 1 pass, 1 info' })
    expect(runningLabel({ ...job, status: 'running', result: null })).toBe('Checking example.com for SendGrid')
  })
})

describe('the Domain tab in the app', () => {
  const DOMAIN_RUN = {
    ...summary({
      id: 'dom1',
      jobId: 'job-dom1',
      kind: 'domain',
      action: 'domain',
      profileId: null,
      profileName: null,
      target: 'example.com',
      ok: true,
      summary: 'example.com via SendGrid: 1 warn',
      domainStatus: 'warn',
    }),
    result: domainResult({ ok: true, checks: CHECKS.map((c) => (c.status === 'fail' ? { ...c, status: 'pass' as const } : c)) }),
  }

  const OTHER_RUN = {
    ...summary({
      id: 'dom2',
      jobId: 'job-dom2',
      kind: 'domain',
      action: 'domain',
      profileId: null,
      profileName: null,
      target: 'elsewhere.example',
      startedAt: '2025-01-01T09:00:00.000Z',
      summary: 'elsewhere.example: ready — 11 pass',
      domainStatus: 'pass',
    }),
    result: domainResult({ ok: true, domain: 'elsewhere.example', provider: null, checks: CHECKS.map((c) => ({ ...c, status: 'pass' as const })), publish: [] }),
  }

  async function mountApp() {
    const fake = createFakeApi({ profiles: [SENDGRID_API, RELAY], presets: [...PRESETS], history: [DOMAIN_RUN, OTHER_RUN] })
    const mounted = mountWithApi(App, { attachTo: document.body }, fake)
    await flushPromises()
    useUiStore().selectProfile('sg')
    await flushPromises()
    return mounted
  }

  it('sits beside Probe (Ctrl/⌘+2), with the verdict and transcript pane below it', async () => {
    const { wrapper: w } = await mountApp()
    expect(w.findAll('.n-tabs-tab').map((t) => t.text().replace(/\d+$/, ''))).toEqual(['Probe', 'Domain', 'Compose', 'Lab', 'History', 'Inbox'])
    key('2', { ctrlKey: true })
    await flushPromises()
    expect(useUiStore().tab).toBe('domain')
    expect(w.find(tid('domain-name')).exists()).toBe(true)
    expect(inputValue(w, 'domain-name')).toBe('example.com')
    expect(w.find(tid('verdict')).text()).toContain('Enter runs · Esc cancels')
    key('3', { metaKey: true })
    await flushPromises()
    expect(useUiStore().tab).toBe('compose')
  })

  it('a profile shows its domain’s last verdict; the chip opens that run in the Domain tab', async () => {
    const { wrapper: w, fake } = await mountApp()
    useUiStore().tab = 'compose'
    await flushPromises()
    const chip = w.find(tid('profile-domain-chip'))
    expect(chip.text()).toContain('example.com')
    expect(chip.attributes('data-status')).toBe('warn')
    expect(chip.attributes('title')).toContain('example.com via SendGrid: 1 warn')
    await chip.trigger('click')
    await flushPromises()
    expect(fake.getHistoryEntry).toHaveBeenCalledWith({ id: 'dom1' })
    expect(useUiStore().tab).toBe('domain')
    expect(w.find(tid('domain-verdict')).attributes('data-status')).toBe('warn')
    expect(rows(w)).toHaveLength(11)
    // The result pane below shows the same run, without a waterfall of overlapping checks.
    expect(w.find(tid('verdict-message')).text()).toBe('example.com via SendGrid: 1 warn')
    expect(w.find(tid('waterfall')).exists()).toBe(false)

    // A domain never checked offers the check.
    useUiStore().selectProfile('relay')
    useUiStore().tab = 'compose'
    await flushPromises()
    expect(w.find(tid('profile-domain-chip')).attributes('data-status')).toBe('never')
    expect(w.find(tid('profile-domain-chip')).text()).toContain('check DNS')
    await w.find(tid('profile-domain-chip')).trigger('click')
    await flushPromises()
    expect(useUiStore().tab).toBe('domain')
    expect(inputValue(w, 'domain-name')).toBe('corp.example')
  })

  it('History shows a domain run in the Domain tab; the form keeps its domain until another profile is selected', async () => {
    const { wrapper: w } = await mountApp()
    await w.find(tid('tab-history')).trigger('click')
    await flushPromises()
    const item = w.find('[data-history-id="dom2"]')
    expect(item.text()).toContain('domain')
    await item.find(tid('history-show-domain')).trigger('click')
    await flushPromises()
    expect(useUiStore().tab).toBe('domain')
    expect(useDomainStore().jobId).toBe('history:dom2')
    expect(w.find(tid('domain-verdict')).text()).toContain('elsewhere.example: ready — 11 pass')
    expect(w.find(tid('domain-publish')).exists()).toBe(false)
    expect(inputValue(w, 'domain-name')).toBe('elsewhere.example')
    expect(useDomainStore().sender).toBe('')
    // Another profile selected: the form follows it again.
    useUiStore().selectProfile('relay')
    await flushPromises()
    expect(inputValue(w, 'domain-name')).toBe('corp.example')
  })

  it('keeps what was typed when the tab is left and shown again', async () => {
    const { wrapper: w } = await mountApp()
    key('2', { ctrlKey: true })
    await flushPromises()
    await w.find(tid('domain-name')).setValue('typed.example')
    key('1', { ctrlKey: true })
    await flushPromises()
    expect(w.find(tid('domain-name')).exists()).toBe(false)
    key('2', { ctrlKey: true })
    await flushPromises()
    expect(inputValue(w, 'domain-name')).toBe('typed.example')
  })
})
