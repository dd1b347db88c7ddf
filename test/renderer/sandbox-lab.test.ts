import { describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import type { AnyJobResult, CompareResult, CompareSample, JobEvent } from '@contract'
import App from '@renderer/App.vue'
import InboxView from '@renderer/components/inbox/InboxView.vue'
import LabView from '@renderer/components/lab/LabView.vue'
import { GAP_SEGMENT, stackRows, stripRows } from '@renderer/components/lab/lab-format'
import { useInboxStore } from '@renderer/stores/inbox'
import { useLabStore } from '@renderer/stores/lab'
import { useProfilesStore } from '@renderer/stores/profiles'
import { useSandboxStore } from '@renderer/stores/sandbox'
import { useUiStore } from '@renderer/stores/ui'
import { apiProfile, createFakeApi, inboxMessage, sandboxStatus, smtpProfile } from './fake-api'
import { result, smtpResult } from './events'
import { stubLayoutForFile } from './layout'
import { mountWithApi, unmountAfterEach } from './mount'

stubLayoutForFile()
unmountAfterEach()

const SB_PROFILES = [
  smtpProfile({ id: 'sb-starttls', name: 'Sandbox — STARTTLS', port: 40587, preset: 'sandbox' }),
  smtpProfile({ id: 'sb-tls', name: 'Sandbox — implicit TLS', port: 40465, security: 'tls', preset: 'sandbox' }),
  apiProfile({ id: 'sb-api', name: 'Sandbox — API (Mailgun-style)', provider: 'mailgun', baseUrl: 'https://127.0.0.1:40443', preset: 'sandbox', hasSecret: true }),
]

function fake(over: Parameters<typeof createFakeApi>[0] = {}) {
  return createFakeApi({ profiles: SB_PROFILES, sandbox: sandboxStatus(), ...over })
}

function sample(over: Partial<CompareSample>): CompareSample {
  return {
    seq: 1,
    profile: 0,
    name: 'A',
    run: 1,
    startedMs: 0,
    ok: true,
    errorCode: null,
    totalMs: 10,
    roundTrips: 9,
    bytes: { sent: 1, received: 1 },
    phases: {},
    reused: false,
    messageRef: null,
    ...over,
  }
}

function compareResult(): CompareResult {
  const names = ['Sandbox — STARTTLS', 'Sandbox — API (Mailgun-style)']
  const samples: CompareSample[] = []
  let seq = 0
  for (let run = 1; run <= 3; run++)
    for (let p = 0; p < 2; p++) samples.push(sample({ seq: ++seq, profile: p, name: names[p]!, run, totalMs: p === 0 ? 40 + run : 20 + run, roundTrips: p === 0 ? 9 : 3 }))
  const stats = (i: number, median: number, phases: Record<string, number>) => ({
    name: names[i]!,
    kind: (i === 0 ? 'smtp' : 'api') as 'smtp' | 'api',
    target: 'x',
    ok: true,
    runs: 3,
    runsOk: 3,
    errors: {},
    totalMs: { min: median - 1, median, p95: median + 1, max: median + 1 },
    phasesMedianMs: phases,
    phaseOrder: Object.keys(phases),
    roundTrips: i === 0 ? 9 : 3,
    bytes: { sent: 100, received: 50 },
    ratio: i === 0 ? 42 / 22 : 1,
    setup: null,
  })
  return {
    ok: true,
    kind: 'compare',
    error: null,
    warnings: [],
    phases: [],
    totalMs: 400,
    roundTrips: 0,
    transcript: [],
    mode: 'cold',
    action: 'send',
    runs: 3,
    concurrency: 1,
    completed: 6,
    cancelled: false,
    profiles: [stats(0, 42, { connect: 2, banner: 5, tls: 10, auth: 5, dataAck: 10 }), stats(1, 22, { connect: 2, tls: 8, wait: 6 })],
    winner: names[1]!,
    samples,
  }
}

const progressLine = (jobId: string, seq: number, done: number, total: number): JobEvent<AnyJobResult> => ({
  type: 'transcript',
  jobId,
  seq,
  t: seq,
  dir: 'info',
  text: `${done}/${total} runs done`,
  progress: { done, total, elapsedMs: 10, etaMs: 1200 },
})

describe('the sandbox pill', () => {
  it('shows the sandbox on with its ports; turning it off calls main and the pill follows', async () => {
    const mounted = mountWithApi(App, { attachTo: document.body }, fake())
    const wrapper = mounted.wrapper
    await flushPromises()
    const pill = wrapper.find('[data-testid="sandbox-pill"]')
    expect(pill.attributes('data-state')).toBe('on')
    expect(pill.text()).toContain('sandbox on')
    await pill.trigger('click')
    await flushPromises()
    const ports = document.querySelector('[data-testid="sandbox-ports"]')!
    expect(ports.textContent).toContain('127.0.0.1:40587')
    expect(ports.textContent).toContain('https://127.0.0.1:40443')
    expect(document.body.textContent).toContain('sandbox-user')
    expect(document.body.textContent).toMatch(/demo credentials are public and protect nothing/)
    ;(document.querySelector('[data-testid="sandbox-toggle"]') as HTMLElement).click()
    await flushPromises()
    expect(mounted.fake.setSandboxEnabled).toHaveBeenCalledWith({ enabled: false })
    expect(wrapper.find('[data-testid="sandbox-pill"]').attributes('data-state')).toBe('off')
  })

  it('follows the status main pushes (a failed start shows as a problem), and reloads profiles when the sandbox restarts', async () => {
    const mounted = mountWithApi(App, { attachTo: document.body }, fake())
    const wrapper = mounted.wrapper
    await flushPromises()
    mounted.fake.pushSandbox({ type: 'status', status: sandboxStatus({ running: false, info: null, problem: 'The sandbox could not listen on 127.0.0.1:2587: the port is in use.' }) })
    await flushPromises()
    expect(wrapper.find('[data-testid="sandbox-pill"]').attributes('data-state')).toBe('problem')
    const loads = mounted.fake.listProfiles.mock.calls.length
    mounted.fake.pushSandbox({ type: 'status', status: sandboxStatus() })
    await flushPromises()
    expect(wrapper.find('[data-testid="sandbox-pill"]').attributes('data-state')).toBe('on')
    expect(mounted.fake.listProfiles.mock.calls.length).toBe(loads + 1)
    expect(useSandboxStore().isSandboxTarget({ host: '127.0.0.1', port: 40465 })).toBe(true)
    expect(useSandboxStore().isSandboxTarget({ host: '127.0.0.1', port: 25 })).toBe(false)
    expect(useSandboxStore().isSandboxTarget({ url: 'https://127.0.0.1:40443/v3/x/messages' })).toBe(true)
  })

  it('sends the latency settings (debounced) and reports a refusal', async () => {
    const mounted = mountWithApi(App, { attachTo: document.body }, fake())
    const wrapper = mounted.wrapper
    await flushPromises()
    const answer = await useSandboxStore().setLatency({ rttMs: 40 })
    expect(answer.ok).toBe(true)
    expect(mounted.fake.setSandboxLatency).toHaveBeenCalledWith({ rttMs: 40 })
    await flushPromises()
    expect(wrapper.find('[data-testid="sandbox-pill"]').text()).toContain('40 ms RTT')
  })
})

describe('the Inbox', () => {
  it('teaches when empty; lists what arrives live, newest first; opens a message with envelope, headers and raw source', async () => {
    const f = fake()
    const mounted = mountWithApi(InboxView, { attachTo: document.body }, f)
    const wrapper = mounted.wrapper
    await flushPromises()
    expect(wrapper.find('[data-testid="inbox-empty"]').text()).toMatch(/Sandbox.*profile.*Send/)
    f.receive(inboxMessage({ id: 'Q1', seq: 1, subject: 'First' }))
    f.receive(inboxMessage({ id: 'Q2', seq: 2, subject: 'Second', via: 'api', channel: 'mailgun', testMode: true }))
    await flushPromises()
    const items = wrapper.findAll('[data-testid="inbox-item"]')
    expect(items.map((i) => i.attributes('data-subject'))).toEqual(['Second', 'First'])
    expect(items[0]!.text()).toContain('Mailgun API')
    await items[1]!.trigger('click')
    await flushPromises()
    const msg = wrapper.find('[data-testid="inbox-message"]')
    expect(msg.attributes('data-inbox-id')).toBe('Q1')
    expect(msg.text()).toContain('sender@sandbox.mailprobe.test')
    expect(msg.text()).toContain('AUTH as sandbox-user')
    expect(wrapper.find('[data-testid="inbox-raw"]').text()).toContain('Body text')
    expect(useInboxStore().received).toBe(2)
  })

  it('an id the sandbox no longer has gets a sentence, not a blank pane', async () => {
    const mounted = mountWithApi(InboxView, { attachTo: document.body }, fake())
    const wrapper = mounted.wrapper
    await flushPromises()
    const answer = await useInboxStore().open('GONE')
    expect(answer).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } })
    await flushPromises()
    expect(wrapper.find('[data-testid="inbox-open-error"]').text()).toMatch(/keeps the last 200/)
  })

  it('says the sandbox is off when it is', async () => {
    const mounted = mountWithApi(InboxView, { attachTo: document.body }, fake({ sandbox: sandboxStatus({ running: false, enabled: false, info: null }) }))
    const wrapper = mounted.wrapper
    await useSandboxStore().load()
    await flushPromises()
    expect(wrapper.find('[data-testid="inbox-empty"]').text()).toContain('The sandbox is off')
  })
})

describe('the verdict links a sandbox send to its Inbox message', () => {
  it('"view in Inbox" opens the Inbox tab on the message the result names; a send elsewhere has no link', async () => {
    const f = fake({ inbox: [inboxMessage({ id: '0001ABCD', subject: 'Linked' })] })
    const mounted = mountWithApi(App, { attachTo: document.body }, f)
    const wrapper = mounted.wrapper
    await flushPromises()
    const ui = useUiStore()
    ui.selectProfile('sb-starttls')
    await flushPromises()
    await wrapper.find('[data-testid="action-send"]').trigger('click')
    await flushPromises()
    const jobId = ui.focus.compose!
    f.push([
      result(
        jobId,
        1,
        smtpResult({
          target: { host: '127.0.0.1', port: 40587, security: 'starttls', address: '127.0.0.1' },
          result: { messageId: '<m@x>', response: '250 2.0.0 Ok: queued as 0001ABCD', accepted: ['a@b'], rejected: [], messageSize: 10 },
        }),
      ),
    ])
    await flushPromises()
    const link = wrapper.find('[data-testid="verdict-inbox-link"]')
    expect(link.attributes('data-inbox-id')).toBe('0001ABCD')
    await link.trigger('click')
    await flushPromises()
    expect(ui.tab).toBe('inbox')
    expect(f.getInboxMessage).toHaveBeenCalledWith({ id: '0001ABCD' })
    expect(wrapper.find('[data-testid="inbox-message"]').text()).toContain('Linked')

    // The same reply from a server that is not the sandbox: no link.
    ui.tab = 'compose'
    await flushPromises()
    await wrapper.find('[data-testid="action-send"]').trigger('click')
    await flushPromises()
    const other = ui.focus.compose!
    f.push([
      result(
        other,
        1,
        smtpResult({
          target: { host: 'smtp.example.test', port: 587, security: 'starttls', address: null },
          result: { messageId: null, response: '250 Ok: queued as 0001ABCD', accepted: [], rejected: [], messageSize: 1 },
        }),
      ),
    ])
    await flushPromises()
    expect(wrapper.find('[data-testid="verdict"]').attributes('data-ok')).toBe('true')
    expect(wrapper.find('[data-testid="verdict-inbox-link"]').exists()).toBe(false)
  })
})

describe('the Lab', () => {
  it('the store: 2–4 profiles in the order picked, then runCompare with the settings; a fifth is refused', async () => {
    const f = fake({ profiles: [...SB_PROFILES, smtpProfile({ id: 'x1', name: 'X1' }), smtpProfile({ id: 'x2', name: 'X2' })] })
    mountWithApi(LabView, { attachTo: document.body }, f)
    await useProfilesStore().load()
    const lab = useLabStore()
    expect(lab.problem).toMatch(/Pick 2 to 4/)
    lab.toggle('sb-api')
    expect(lab.problem).toBe('Pick one more profile to compare.')
    lab.toggle('sb-starttls')
    expect(lab.problem).toBeNull()
    expect(lab.toggle('sb-tls')).toBe(true)
    expect(lab.toggle('x1')).toBe(true)
    expect(lab.toggle('x2')).toBe(false)
    lab.toggle('sb-tls', false)
    lab.toggle('x1', false)
    lab.runs = 5
    lab.mode = 'warm'
    lab.choice = 'sandbox'
    expect(await lab.run()).toBe(true)
    expect(f.runCompare).toHaveBeenCalledWith(expect.objectContaining({ profileIds: ['sb-api', 'sb-starttls'], runs: 5, mode: 'warm', action: 'send', apiSandbox: true, concurrency: 1 }))
    expect(f.runCompare.mock.calls[0]![0].message).toMatchObject({ subject: expect.stringMatching(/^Mailprobe lab /) })
    lab.choice = 'verify'
    expect(await lab.run()).toBe(false) // one is running
  })

  it('the view: pick, run, progress with ETA and Cancel, then the table with the winner, the chart, the strip, and exports', async () => {
    const f = fake()
    const mounted = mountWithApi(LabView, { attachTo: document.body }, f)
    const wrapper = mounted.wrapper
    await useProfilesStore().load()
    await useSandboxStore().load()
    await flushPromises()
    expect(wrapper.find('[data-testid="lab-empty"]').exists()).toBe(true)
    const boxes = wrapper.findAll('[data-testid="lab-profile"]')
    expect(boxes.map((b) => b.attributes('data-profile-name'))).toEqual(['Sandbox — API (Mailgun-style)', 'Sandbox — implicit TLS', 'Sandbox — STARTTLS'])
    expect(wrapper.find('[data-testid="lab-run"]').attributes('disabled')).toBeDefined()
    // The teaching shortcut: STARTTLS vs the API.
    await wrapper.find('[data-testid="lab-try-sandbox"]').trigger('click')
    await flushPromises()
    expect(useLabStore().selected).toEqual(['sb-starttls', 'sb-api'])
    expect(wrapper.find('[data-testid="lab-run"]').attributes('disabled')).toBeUndefined()
    await wrapper.find('[data-testid="lab-run"]').trigger('click')
    await flushPromises()
    const jobId = useLabStore().jobId!
    f.push([progressLine(jobId, 1, 0, 6), progressLine(jobId, 2, 2, 6)])
    await flushPromises()
    const progress = wrapper.find('[data-testid="lab-progress"]')
    expect(progress.attributes('data-done')).toBe('2')
    expect(progress.text()).toContain('2 / 6 runs · about 1.2 s left')
    expect(wrapper.find('[data-testid="lab-cancel"]').exists()).toBe(true)
    await wrapper.find('[data-testid="lab-cancel"]').trigger('click')
    expect(f.cancelJob).toHaveBeenCalledWith({ jobId })

    f.push([{ type: 'result', jobId, seq: 3, result: compareResult() }])
    await flushPromises()
    expect(wrapper.find('[data-testid="lab-progress"]').exists()).toBe(false)
    const rows = wrapper.findAll('[data-testid="lab-row"]')
    expect(rows.map((r) => r.attributes('data-profile-name'))).toEqual(['Sandbox — STARTTLS', 'Sandbox — API (Mailgun-style)'])
    expect(rows[1]!.find('[data-testid="lab-winner"]').exists()).toBe(true)
    expect(rows[0]!.find('[data-testid="lab-winner"]').exists()).toBe(false)
    expect(rows[0]!.text()).toContain('×1.91')
    expect(wrapper.find('[data-testid="lab-headline"]').text()).toMatch(/API \(Mailgun-style\) is fastest — median 22\.0 ms; Sandbox — STARTTLS takes ×1\.91/)
    const bars = wrapper.findAll('[data-testid="lab-chart"] [data-testid="lab-bar"]')
    expect(bars).toHaveLength(2)
    expect(bars[0]!.findAll('.seg').length).toBeGreaterThanOrEqual(5)
    expect(wrapper.findAll('[data-testid="lab-strip"] [data-testid="lab-dot"]')).toHaveLength(6)

    await wrapper.find('[data-testid="lab-export-csv"]').trigger('click')
    await flushPromises()
    const csv = f.saveFile.mock.calls.at(-1)![0]
    expect(csv.suggestedName).toMatch(/^mailprobe-compare-.*\.csv$/)
    expect(csv.content.trim().split('\r\n')).toHaveLength(7)
    await wrapper.find('[data-testid="lab-export-json"]').trigger('click')
    await flushPromises()
    const json = JSON.parse(f.saveFile.mock.calls.at(-1)![0].content)
    expect(json).toMatchObject({ format: 'mailprobe-compare', winner: 'Sandbox — API (Mailgun-style)' })
    expect(json.transcript).toBeUndefined()
  })

  it('a comparison that cannot start says why', async () => {
    const f = fake()
    const mounted = mountWithApi(LabView, { attachTo: document.body }, f)
    const wrapper = mounted.wrapper
    await useProfilesStore().load()
    useLabStore().selected = ['sb-starttls', 'sb-api']
    await useLabStore().run()
    const jobId = useLabStore().jobId!
    const failed = {
      ...compareResult(),
      ok: false,
      profiles: [],
      samples: [],
      winner: null,
      completed: 0,
      error: { code: 'INVALID_INPUT' as const, message: 'No API key saved for profile "Sandbox — API (Mailgun-style)": add it in the profile editor.' },
    }
    f.push([{ type: 'result', jobId, seq: 1, result: failed }])
    await flushPromises()
    expect(wrapper.find('[data-testid="lab-failure"]').text()).toContain('No API key saved')
    expect(wrapper.find('[data-testid="lab-results"]').exists()).toBe(false)
  })
})

describe('lab figures', () => {
  it('stacked bars: median phases in order, then the rest of the median total in grey, all on one scale', () => {
    const rows = stackRows(compareResult())
    expect(rows[0]!.segments.map((s) => [s.name, s.kind])).toEqual([
      ['connect', 'network'],
      ['banner', 'network'],
      ['tls', 'tls'],
      ['auth', 'network'],
      ['dataAck', 'server'],
      [GAP_SEGMENT, 'gap'],
    ])
    expect(rows[0]!.totalMs).toBe(42)
    expect(rows[0]!.segments.reduce((n, s) => n + s.width, 0)).toBeCloseTo(100)
    expect(rows[1]!.segments.reduce((n, s) => n + s.width, 0)).toBeCloseTo((22 / 42) * 100)
    // Two network phases side by side get different shades.
    expect(rows[0]!.segments[1]!.shade).not.toBe(rows[0]!.segments[0]!.shade)
  })

  it('the strip: every successful run on one scale, with the median', () => {
    const { rows, maxMs } = stripRows(compareResult())
    expect(maxMs).toBe(43)
    expect(rows[0]!.dots.map((d) => d.ms)).toEqual([41, 42, 43])
    expect(rows[0]!.dots.at(-1)!.x).toBeCloseTo(100)
    expect(rows[1]!.medianX).toBeCloseTo((22 / 43) * 100)
  })
})
