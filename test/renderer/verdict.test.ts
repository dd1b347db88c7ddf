import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import type { ApiResult, Phase, ProbeResult } from '@contract'
import VerdictLine from '@renderer/components/result/VerdictLine.vue'
import PhaseLegend from '@renderer/components/result/PhaseLegend.vue'
import PhaseWaterfall from '@renderer/components/result/PhaseWaterfall.vue'
import { describeVerdict } from '@renderer/components/result/verdict'
import { newJob, type Job } from '@renderer/stores/jobs'
import { authFailedRun, inboxRun, junkRun, sandboxRun, timeoutRun, withDelivery } from './delivery-data'
import { smtpResult } from './events'
import { probeResult } from './probe-data'

function job(partial: Partial<Job>): Job {
  return Object.assign(newJob('j', { kind: 'smtp', host: 'localhost', port: 2525, stopAfter: 'auth' }), { status: 'done', startedAt: 0, ...partial })
}

const apiResult = (over: Partial<ApiResult> = {}): ApiResult => ({
  kind: 'api',
  ok: true,
  error: null,
  warnings: [],
  phases: [],
  totalMs: 131.9,
  roundTrips: 3,
  transcript: [],
  provider: 'sendgrid',
  action: 'send',
  target: { method: 'POST', url: 'https://api.sendgrid.com/v3/mail/send', address: null },
  tls: null,
  bytes: { sent: 1, received: 1 },
  result: { status: 202, messageId: 'abc', body: null },
  ...over,
})

describe('VerdictLine', () => {
  it('shows a verified run with its time and round trips', () => {
    const w = mount(VerdictLine, { props: { job: job({ result: smtpResult({ totalMs: 41.7, roundTrips: 5 }) }) } })
    expect(w.find('[data-testid="verdict"]').attributes('data-ok')).toBe('true')
    // The sentence the CLI and History use for a run that stopped after AUTH.
    expect(w.find('[data-testid="verdict-message"]').text()).toBe('Authenticated with PLAIN; nothing sent')
    expect(w.text()).toContain('42 ms')
    expect(w.text()).toContain('5 round trips')
    expect(w.find('[data-testid="verdict-code"]').exists()).toBe(false)
  })

  it('shows Sent with the server reply for a profile send', () => {
    const sent = smtpResult({ result: { messageId: null, response: '250 2.0.0 Ok: queued as 4F2A1', accepted: ['a@b.c'], rejected: [], messageSize: 10 } })
    const target = { kind: 'profile' as const, profileId: 'p', profileName: 'P', profileKind: 'smtp' as const, action: 'send' as const, label: 'h:587' }
    const w = mount(VerdictLine, { props: { job: job({ target, result: sent }) } })
    expect(w.find('[data-testid="verdict-message"]').text()).toBe('Sent')
    expect(w.find('[data-testid="verdict-reply"]').text()).toBe('250 2.0.0 Ok: queued as 4F2A1')
  })

  it('says what an envelope test did', () => {
    const r = smtpResult({ result: { messageId: null, response: null, accepted: ['a@b.c', 'd@e.f'], rejected: [], messageSize: null } })
    const target = { kind: 'profile' as const, profileId: 'p', profileName: 'P', profileKind: 'smtp' as const, action: 'envelope' as const, label: 'h:587' }
    const w = mount(VerdictLine, { props: { job: job({ target, result: r }) } })
    expect(w.find('[data-testid="verdict-message"]').text()).toBe('2 recipients accepted; nothing sent')
  })

  it('shows the error code and its sentence on failure', () => {
    const failed = smtpResult({
      ok: false,
      error: { code: 'AUTH_FAILED', message: 'The server rejected the username or password (535 5.7.8).', reply: { code: 535, text: '5.7.8 Error: authentication failed' } },
      warnings: ['TLS verification was turned off for this run.'],
    })
    const w = mount(VerdictLine, { props: { job: job({ result: failed }) } })
    expect(w.find('[data-testid="verdict"]').attributes('data-ok')).toBe('false')
    expect(w.find('[data-testid="verdict-code"]').text()).toBe('AUTH_FAILED')
    expect(w.find('[data-testid="verdict-message"]').text()).toBe('The server rejected the username or password (535 5.7.8).')
    // The sentence already quotes the reply code: it is not repeated.
    expect(w.find('[data-testid="verdict-reply"]').exists()).toBe(false)
    expect(w.text()).toContain('TLS verification was turned off')
  })

  it('words API sends, sandbox sends and key checks', () => {
    const t = (action: 'api-send' | 'api-sandbox' | 'api-verify') => ({ kind: 'profile' as const, profileId: 'p', profileName: 'SendGrid', profileKind: 'api' as const, action, label: 'sendgrid' })
    const send = mount(VerdictLine, { props: { job: job({ target: t('api-send'), result: apiResult() }) } })
    expect(send.find('[data-testid="verdict-message"]').text()).toBe('Sent')
    expect(send.find('[data-testid="verdict-reply"]').text()).toBe('HTTP 202 · id abc')
    const sandbox = mount(VerdictLine, { props: { job: job({ target: t('api-sandbox'), result: apiResult({ result: { status: 200, messageId: null, body: null } }) }) } })
    expect(sandbox.find('[data-testid="verdict-message"]').text()).toContain('sandbox mode')
    const verify = mount(VerdictLine, { props: { job: job({ target: t('api-verify'), result: apiResult({ action: 'verify' }) }) } })
    expect(verify.find('[data-testid="verdict-message"]').text()).toContain('Key accepted')
  })

  it('sums up a probe', () => {
    const r: ProbeResult = probeResult()
    const w = mount(VerdictLine, { props: { job: job({ target: { kind: 'probe', host: 'mx.example.com', ports: [25, 465, 587, 2525] }, result: r }) } })
    expect(w.find('[data-testid="verdict-message"]').text()).toBe('Probed mx.example.com · 2 of 4 ports open · use 465 with implicit TLS')
  })

  it('says it is running while the job streams, with a cancel button', async () => {
    const w = mount(VerdictLine, { props: { job: job({ status: 'running' }) } })
    expect(w.text()).toContain('Running against localhost:2525')
    expect(w.find('[data-testid="verdict"]').attributes('data-ok')).toBeUndefined()
    await w.find('[data-testid="verdict-cancel"]').trigger('click')
    expect(w.emitted('cancel')).toHaveLength(1)
  })
})

describe('PhaseWaterfall', () => {
  it('places bars to scale and labels them with ms and round trips', () => {
    const w = mount(PhaseWaterfall, {
      props: {
        phases: [
          { name: 'connect', startMs: 0, durationMs: 25, roundTrips: 1 },
          { name: 'tls', startMs: 25, durationMs: 50, roundTrips: 2 },
          { name: 'dataAck', startMs: 75, durationMs: 25, roundTrips: 1 },
        ],
        totalMs: 100,
      },
    })
    const bars = w.findAll('[role="listitem"]')
    expect(bars).toHaveLength(3)
    expect(bars[1]!.attributes('style')).toContain('left: 25%')
    expect(bars[1]!.attributes('aria-label')).toBe('tls · 50.0 ms · 2 round trips')
    expect(bars[0]!.attributes('aria-label')).toBe('connect · 25.0 ms · 1 round trip')
    // Three hues: network waits, TLS, server think time.
    expect(bars.map((b) => b.classes().find((c) => c.startsWith('kind-')))).toEqual(['kind-network', 'kind-tls', 'kind-server'])
  })

  it('gives each probed port its own lane', () => {
    const w = mount(PhaseWaterfall, {
      props: {
        phases: [
          { name: 'dns', startMs: 0, durationMs: 2, roundTrips: 0 },
          { name: 'connect', startMs: 2, durationMs: 10, roundTrips: 1, port: 465 },
          { name: 'connect', startMs: 2, durationMs: 12, roundTrips: 1, port: 587 },
        ],
      },
    })
    expect(w.findAll('.lane-label').map((l) => l.text())).toEqual(['dns', ':465', ':587'])
  })
})

describe('the delivery step', () => {
  const send = { kind: 'profile' as const, profileId: 'p', profileName: 'Postfix', profileKind: 'smtp' as const, action: 'send' as const, label: '127.0.0.1:25' }
  const step = (w: ReturnType<typeof mount>) => w.find('[data-testid="verdict-delivery"]')

  it('says where the message landed and how long after acceptance, beside the send', () => {
    const r = withDelivery(inboxRun, { alreadyThere: false, acceptedToInboxMs: 2412 })
    const w = mount(VerdictLine, { props: { job: job({ target: send, result: r }) } })
    expect(w.find('[data-testid="verdict-message"]').text()).toBe('Sent')
    expect(w.find('[data-testid="verdict-reply"]').text()).toBe(inboxRun.result.response)
    expect(step(w).text()).toBe('in Inbox after 2.4 s')
    expect(step(w).attributes('data-state')).toBe('inbox')
    // The real run: the message was there at the first look, so the figure is an upper bound.
    expect(describeVerdict(job({ target: send, result: inboxRun }))!.delivery).toEqual({ state: 'inbox', text: expect.stringMatching(/^in Inbox within \d+ ms$/) })
  })

  it('words Junk as a warning, with the engine’s warning line', () => {
    const r = withDelivery(junkRun, { alreadyThere: false, acceptedToInboxMs: 3100 })
    const w = mount(VerdictLine, { props: { job: job({ target: send, result: r }) } })
    expect(step(w).text()).toBe('in Junk after 3.1 s')
    expect(step(w).attributes('data-state')).toBe('junk')
    expect(w.find('[data-testid="verdict"]').attributes('data-ok')).toBe('true')
    expect(w.text()).toContain('The message arrived in Junk, the Junk folder')
  })

  it('names the sandbox’s inbox', () => {
    const w = mount(VerdictLine, { props: { job: job({ target: send, result: sandboxRun }) } })
    expect(step(w).text()).toMatch(/^in the sandbox’s inbox within \d+ ms$/)
  })

  it('a message not seen: the code, what the send did, "not seen in N s", then the sentence that says what to do', () => {
    const w = mount(VerdictLine, { props: { job: job({ target: send, result: timeoutRun }) } })
    expect(w.find('[data-testid="verdict"]').attributes('data-ok')).toBe('false')
    expect(w.find('[data-testid="verdict-code"]').text()).toBe('DELIVERY_TIMEOUT')
    expect(w.find('[data-testid="verdict-message"]').text()).toBe('Sent')
    expect(w.find('[data-testid="verdict-reply"]').text()).toBe(timeoutRun.result.response)
    // The run waited 3 s (its timeout): the result says so.
    expect(step(w).text()).toBe('not seen in 3 s')
    expect(step(w).attributes('data-state')).toBe('failed')
    expect(w.find('[data-testid="verdict-explanation"]').text()).toBe(timeoutRun.error!.message)
    const twoMinutes = withDelivery(timeoutRun, { timeoutMs: 120_000 }, 120_041)
    expect(describeVerdict(job({ target: send, result: twoMinutes }))!.delivery!.text).toBe('not seen in 120 s')
  })

  it('a refused mailbox login', () => {
    const w = mount(VerdictLine, { props: { job: job({ target: send, result: authFailedRun }) } })
    expect(w.find('[data-testid="verdict-code"]').text()).toBe('IMAP_AUTH_FAILED')
    expect(step(w).text()).toBe('mailbox login refused')
    expect(w.find('[data-testid="verdict-explanation"]').text()).toContain('refused the login')
  })

  it('opens the Delivery view when the step is clicked', async () => {
    const w = mount(VerdictLine, { props: { job: job({ target: send, result: inboxRun }) } })
    await step(w).trigger('click')
    expect(w.emitted('showDelivery')).toHaveLength(1)
  })

  it('counts down while the watch waits, from its progress', () => {
    const running = job({ status: 'running', target: send, result: null, watch: { progress: null } })
    const w = mount(VerdictLine, { props: { job: running } })
    expect(step(w).text()).toBe('waiting for delivery…')
    const later = job({ status: 'running', target: send, result: null, watch: { progress: { done: 33, total: 120, etaMs: 86_400, elapsedMs: 33_600 } } })
    const w2 = mount(VerdictLine, { props: { job: later } })
    expect(step(w2).text()).toBe('waiting for delivery… 87 s left')
    expect(step(w2).attributes('data-state')).toBe('waiting')
    expect(w2.text()).toContain('Sending through Postfix')
  })

  it('is absent for a run that watched no mailbox', () => {
    const w = mount(VerdictLine, { props: { job: job({ target: send, result: smtpResult() }) } })
    expect(step(w).exists()).toBe(false)
  })
})

describe('the delivery segment of the waterfall', () => {
  const labels = (w: ReturnType<typeof mount>) => w.findAll('[role="listitem"]').map((b) => b.attributes('aria-label')!.split(' · ')[0])
  const pct = (style: string | undefined, prop: 'left') => Number(new RegExp(`${prop}: ([\\d.]+)%`).exec(style ?? '')![1])

  it('comes after acceptance; a long wait gets a broken axis, so the send’s phases stay readable, with its figure on the bar', () => {
    const r = withDelivery(inboxRun, {}, 2412)
    const w = mount(PhaseWaterfall, { props: { phases: r.phases, totalMs: r.totalMs } })
    expect(labels(w).at(-1)).toBe('delivery')
    const delivery = w.find('[data-testid="waterfall-delivery"]')
    expect(delivery.text()).toBe('delivery 2.4 s')
    expect(delivery.attributes('aria-label')).toContain('(not to scale)')
    expect(w.find('[data-testid="waterfall-break"]').exists()).toBe(true)
    // The send's phases share the first 70 % of the row, to scale; the wait starts past the break.
    const send = w.findAll('[role="listitem"]').filter((b) => !b.classes('kind-delivery'))
    const starts = send.map((b) => pct(b.attributes('style'), 'left'))
    expect(Math.max(...starts)).toBeLessThan(70)
    // The acceptance (end of data) sits near the end of the send's share, not squeezed into its first percent.
    expect(pct(send.find((b) => b.classes('kind-server'))!.attributes('style'), 'left')).toBeGreaterThan(50)
    expect(pct(delivery.attributes('style'), 'left')).toBe(73)
  })

  it('a wait shorter than the send is drawn to scale in the same row', () => {
    const phases: Phase[] = [
      { name: 'connect', startMs: 0, durationMs: 20, roundTrips: 1 },
      { name: 'dataAck', startMs: 20, durationMs: 30, roundTrips: 1 },
      { name: 'delivery', startMs: 50, durationMs: 50, roundTrips: 0 },
    ]
    const w = mount(PhaseWaterfall, { props: { phases, totalMs: 100 } })
    expect(w.find('[data-testid="waterfall-break"]').exists()).toBe(false)
    const bar = w.findAll('[role="listitem"]').at(-1)!
    expect(bar.classes()).toContain('kind-delivery')
    expect(bar.attributes('style')).toContain('left: 50%')
    expect(bar.text()).toBe('delivery 50 ms')
  })

  it('while the watch waits, a striped segment past the break grows with the countdown', () => {
    const sendPhases = inboxRun.phases.filter((p) => p.name !== 'delivery')
    const w = mount(PhaseWaterfall, { props: { phases: sendPhases, waiting: { done: 30, total: 120, etaMs: 90_000, elapsedMs: 30_000 } } })
    const pending = w.find('[data-testid="waterfall-delivery"]')
    expect(pending.classes()).toContain('pending')
    expect(pending.text()).toBe('waiting 30 s')
    expect(pending.attributes('aria-label')).toBe('delivery · waiting 30 s of 120 seconds')
    expect(pct(pending.attributes('style'), 'left')).toBe(73)
  })

  it('the legend names the delivery hue when asked to', () => {
    expect(mount(PhaseLegend).text()).not.toContain('delivery')
    expect(mount(PhaseLegend, { props: { delivery: true } }).text()).toContain('delivery')
  })
})
