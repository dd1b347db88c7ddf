import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import type { ApiResult, ProbeResult } from '@contract'
import VerdictLine from '@renderer/components/result/VerdictLine.vue'
import PhaseWaterfall from '@renderer/components/result/PhaseWaterfall.vue'
import { newJob, type Job } from '@renderer/stores/jobs'
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
