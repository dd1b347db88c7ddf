import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { markRaw, shallowReactive } from 'vue'
import VerdictLine from '@renderer/components/result/VerdictLine.vue'
import PhaseWaterfall from '@renderer/components/result/PhaseWaterfall.vue'
import type { Job } from '@renderer/stores/jobs'
import { smtpResult } from './events'

function job(partial: Partial<Job>): Job {
  return shallowReactive<Job>({
    id: 'j',
    status: 'done',
    target: { kind: 'smtp', host: 'localhost', port: 2525, stopAfter: 'auth' },
    lines: markRaw([]),
    lineCount: 0,
    droppedLines: 0,
    phases: [],
    result: null,
    lastSeq: 0,
    ...partial,
  })
}

describe('VerdictLine', () => {
  it('shows a verified run with its time and round trips', () => {
    const w = mount(VerdictLine, { props: { job: job({ result: smtpResult({ totalMs: 41.7, roundTrips: 5 }) }) } })
    expect(w.text()).toContain('✔')
    expect(w.text()).toContain('Verified')
    expect(w.text()).toContain('42 ms')
    expect(w.text()).toContain('5 round trips')
  })

  it('shows the error code and its sentence on failure', () => {
    const failed = smtpResult({
      ok: false,
      error: { code: 'AUTH_FAILED', message: 'The server rejected the username or password (535 5.7.8).' },
      warnings: ['TLS verification was turned off for this run.'],
    })
    const w = mount(VerdictLine, { props: { job: job({ result: failed }) } })
    expect(w.text()).toContain('✖')
    expect(w.find('[data-testid="error-code"]').text()).toBe('AUTH_FAILED')
    expect(w.find('[data-testid="verdict-text"]').text()).toBe('The server rejected the username or password (535 5.7.8).')
    expect(w.text()).toContain('TLS verification was turned off')
  })

  it('says it is running while the job streams', () => {
    const w = mount(VerdictLine, { props: { job: job({ status: 'running' }) } })
    expect(w.text()).toContain('Running against localhost:2525')
  })
})

describe('PhaseWaterfall', () => {
  it('places bars to scale and labels them with ms and round trips', () => {
    const w = mount(PhaseWaterfall, {
      props: {
        phases: [
          { name: 'connect', startMs: 0, durationMs: 25, roundTrips: 1 },
          { name: 'tls', startMs: 25, durationMs: 75, roundTrips: 2 },
        ],
        totalMs: 100,
      },
    })
    const bars = w.findAll('[role="listitem"]')
    expect(bars).toHaveLength(2)
    expect(bars[1]!.attributes('style')).toContain('left: 25%')
    expect(bars[1]!.attributes('aria-label')).toBe('tls · 75.0 ms · 2 round trips')
    expect(bars[1]!.classes()).toContain('kind-tls')
    expect(bars[0]!.attributes('aria-label')).toBe('connect · 25.0 ms · 1 round trip')
  })
})
