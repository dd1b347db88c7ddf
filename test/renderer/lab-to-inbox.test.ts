// The Lab measuring to the inbox: the toggle (for full sends only, with what it needs said), what the
// request carries, and the results — median and p95 of accepted → inbox and send → inbox beside the
// time to acceptance, the first to the inbox, its chart, and the CSV.
import { describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { labRequestSchema, type CompareProfileStats, type CompareResult, type CompareSample } from '@contract'
import LabView from '@renderer/components/lab/LabView.vue'
import { inboxRows } from '@renderer/components/lab/lab-format'
import { useLabStore } from '@renderer/stores/lab'
import { useProfilesStore } from '@renderer/stores/profiles'
import { useSandboxStore } from '@renderer/stores/sandbox'
import { apiProfile, createFakeApi, sandboxStatus, smtpProfile } from './fake-api'
import { stubLayoutForFile } from './layout'
import { mountWithApi, unmountAfterEach } from './mount'

stubLayoutForFile()
unmountAfterEach()

const PROFILES = [
  smtpProfile({ id: 'sb-starttls', name: 'Sandbox — STARTTLS', port: 40587, preset: 'sandbox' }),
  apiProfile({ id: 'sb-api', name: 'Sandbox — API (Mailgun-style)', provider: 'mailgun', baseUrl: 'https://127.0.0.1:40443', preset: 'sandbox', hasSecret: true }),
]
const NAMES = PROFILES.map((p) => p.name)

const fake = () => createFakeApi({ profiles: PROFILES, sandbox: sandboxStatus() })

const spread = (median: number, p95: number) => ({ min: median - 1, median, p95, max: p95 + 1 })

function stats(i: number, accept: number, a2i: number, s2i: number, seen = 3): CompareProfileStats {
  return {
    name: NAMES[i]!,
    kind: i === 0 ? 'smtp' : 'api',
    target: 'x',
    ok: seen === 3,
    runs: 3,
    runsOk: seen,
    errors: seen === 3 ? {} : { DELIVERY_TIMEOUT: 3 - seen },
    totalMs: spread(accept, accept + 2),
    phasesMedianMs: { connect: 1, dataAck: accept - 1 },
    phaseOrder: ['connect', 'dataAck'],
    roundTrips: 3,
    bytes: { sent: 100, received: 50 },
    ratio: null,
    setup: null,
    delivery: { watched: 3, seen, junk: i === 1 ? 1 : 0, alreadyThere: 0, acceptedToInboxMs: spread(a2i, a2i + 40), sendToInboxMs: spread(s2i, s2i + 45) },
  }
}

function sample(profile: number, run: number, seq: number): CompareSample {
  return {
    seq,
    profile,
    name: NAMES[profile]!,
    run,
    startedMs: seq * 10,
    ok: true,
    errorCode: null,
    totalMs: 40,
    roundTrips: 3,
    bytes: { sent: 1, received: 1 },
    phases: { connect: 1 },
    reused: false,
    messageRef: null,
    delivery: { seen: true, folder: 'Sandbox inbox', junk: false, acceptedToInboxMs: 120, sendToInboxMs: 160, alreadyThere: false, method: 'idle' },
  }
}

/** SMTP answers first (40 ms vs 25), but the API's message is in the inbox first (180 ms vs 260). */
function inboxResult(): CompareResult {
  const profiles = [stats(0, 40, 220, 260), stats(1, 25, 150, 180, 2)]
  profiles[0]!.ratio = 1.6
  profiles[1]!.ratio = 1
  return {
    ok: false,
    kind: 'compare',
    error: null,
    warnings: [],
    phases: [],
    totalMs: 2000,
    roundTrips: 0,
    transcript: [],
    mode: 'cold',
    action: 'send',
    runs: 3,
    concurrency: 1,
    completed: 6,
    cancelled: false,
    profiles,
    winner: NAMES[1]!,
    toInbox: true,
    winnerToInbox: NAMES[1]!,
    samples: [sample(0, 1, 1), sample(1, 1, 2)],
  }
}

async function mountLab() {
  const f = fake()
  const mounted = mountWithApi(LabView, { attachTo: document.body }, f)
  await useProfilesStore().load()
  await useSandboxStore().load()
  await flushPromises()
  return { ...mounted, f }
}

describe('the Lab: measure to inbox', () => {
  it('the toggle shows for a full send only, says what it needs, bounds the runs at once, and is sent in the request', async () => {
    const { wrapper, f } = await mountLab()
    const lab = useLabStore()
    lab.selected = ['sb-starttls', 'sb-api']
    lab.concurrency = 8
    await flushPromises()
    expect(wrapper.find('[data-testid="lab-to-inbox"]').exists()).toBe(true)
    expect(wrapper.find('[data-testid="lab-to-inbox-note"]').exists()).toBe(false)
    await wrapper.find('[data-testid="lab-to-inbox"]').trigger('click')
    await flushPromises()
    expect(lab.toInbox).toBe(true)
    expect(wrapper.find('[data-testid="lab-to-inbox-note"]').text()).toMatch(/every profile needs a mailbox to watch .*at most 4 run at once/)
    // At most 4 in flight while measuring to the inbox.
    expect(lab.concurrency).toBe(4)
    expect(lab.concurrencyMax).toBe(4)
    expect(await lab.run()).toBe(true)
    const sent = f.runCompare.mock.calls.at(-1)![0]
    expect(sent).toMatchObject({ action: 'send', apiSandbox: false, toInbox: true, concurrency: 4 })
    expect(labRequestSchema.safeParse(sent).success).toBe(true)

    // The API sandbox mode delivers nothing: no toggle, and the request does not measure to the inbox.
    f.push([{ type: 'result', jobId: lab.jobId!, seq: 1, result: inboxResult() }])
    await flushPromises()
    lab.choice = 'sandbox'
    await flushPromises()
    expect(wrapper.find('[data-testid="lab-to-inbox"]').exists()).toBe(false)
    expect(await lab.run()).toBe(true)
    expect(f.runCompare.mock.calls.at(-1)![0]).toMatchObject({ apiSandbox: true, toInbox: false })
    // The contract refuses what the view never sends.
    expect(labRequestSchema.safeParse({ ...sent, action: 'verify' }).success).toBe(false)
    expect(labRequestSchema.safeParse({ ...sent, apiSandbox: true }).success).toBe(false)
  })

  it('the results: median and p95 of accepted → inbox and send → inbox beside the time to acceptance, the first to the inbox, its chart and the CSV', async () => {
    const { wrapper, f } = await mountLab()
    const lab = useLabStore()
    lab.selected = ['sb-starttls', 'sb-api']
    lab.toInbox = true
    await lab.run()
    f.push([{ type: 'result', jobId: lab.jobId!, seq: 1, result: inboxResult() }])
    await flushPromises()

    const rows = wrapper.findAll('[data-testid="lab-row"]')
    const cell = (row: number, id: string) => rows[row]!.find(`[data-testid="lab-${id}"]`).text()
    expect([cell(0, 'accept-median'), cell(0, 'accept-p95')]).toEqual(['40.0', '42.0'])
    expect([cell(0, 'a2i-median'), cell(0, 'a2i-p95')]).toEqual(['220', '260'])
    expect([cell(0, 's2i-median'), cell(0, 's2i-p95')]).toEqual(['260', '305'])
    expect([cell(1, 'a2i-median'), cell(1, 's2i-median')]).toEqual(['150', '180'])
    expect(cell(0, 'seen')).toBe('3/3')
    expect(cell(1, 'seen')).toBe('2/3 · 1 in Junk')
    expect(rows[1]!.find('[data-testid="lab-seen"]').classes()).toContain('bad')
    expect(wrapper.find('thead').text()).toMatch(/to acceptance.*accepted → inbox.*send → inbox.*in inbox/s)
    // Fastest to acceptance and first in the inbox are both marked.
    expect(rows[1]!.find('[data-testid="lab-winner"]').exists()).toBe(true)
    expect(rows[1]!.find('[data-testid="lab-winner-inbox"]').exists()).toBe(true)
    expect(rows[0]!.find('[data-testid="lab-winner-inbox"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="lab-headline"]').text()).toMatch(/API \(Mailgun-style\) is fastest — median 25\.0 ms to acceptance/)
    expect(wrapper.find('[data-testid="lab-headline-inbox"]').text()).toBe('To the inbox: Sandbox — API (Mailgun-style) is first — median 180 ms from send; Sandbox — STARTTLS 260 ms')

    const bars = wrapper.findAll('[data-testid="lab-inbox-bar"]')
    expect(bars.map((b) => [b.attributes('data-profile-name'), b.attributes('data-median'), b.attributes('data-p95')])).toEqual([
      [NAMES[0], '260', '305'],
      [NAMES[1], '180', '225'],
    ])
    const [slow, fast] = inboxRows(inboxResult())
    // One scale: the widest is the slower profile's p95; each bar is acceptance then the wait.
    expect(slow!.p95X).toBeCloseTo(100)
    expect(slow!.acceptWidth + slow!.deliveryWidth).toBeCloseTo(((40 + 220) / 305) * 100)
    expect(fast!.deliveryWidth).toBeCloseTo((150 / 305) * 100)

    await wrapper.find('[data-testid="lab-export-csv"]').trigger('click')
    await flushPromises()
    const csv = f.saveFile.mock.calls.at(-1)![0].content.trim().split('\r\n')
    expect(csv[0]).toContain('accepted_to_inbox_ms,send_to_inbox_ms')
    expect(csv[1]).toContain(',true,Sandbox inbox,false,120,160,false,')
    await wrapper.find('[data-testid="lab-export-json"]').trigger('click')
    await flushPromises()
    const json = JSON.parse(f.saveFile.mock.calls.at(-1)![0].content)
    expect(json).toMatchObject({ toInbox: true, winnerToInbox: NAMES[1], profiles: [{ delivery: { seen: 3 } }, { delivery: { seen: 2, junk: 1 } }] })
  })

  it('a comparison measured to acceptance only (or recorded before the lab could measure to the inbox) shows no inbox columns', async () => {
    const { wrapper, f } = await mountLab()
    const lab = useLabStore()
    lab.selected = ['sb-starttls', 'sb-api']
    await lab.run()
    const { toInbox: _t, winnerToInbox: _w, ...older } = inboxResult()
    const result = { ...older, profiles: older.profiles.map(({ delivery: _d, ...p }) => p), samples: older.samples.map(({ delivery: _d, ...s }) => s) }
    f.push([{ type: 'result', jobId: lab.jobId!, seq: 1, result }])
    await flushPromises()
    expect(wrapper.findAll('[data-testid="lab-row"]')).toHaveLength(2)
    expect(wrapper.find('[data-testid="lab-a2i-median"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="lab-headline-inbox"]').exists()).toBe(false)
    expect(wrapper.find('[data-testid="lab-inbox-chart"]').exists()).toBe(false)
    expect(wrapper.find('thead').text()).toMatch(/min.*median.*p95.*max/s)
  })
})
