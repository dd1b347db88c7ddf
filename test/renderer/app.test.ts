import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { flushPromises, type VueWrapper } from '@vue/test-utils'
import App from '@renderer/App.vue'
import { useJobsStore } from '@renderer/stores/jobs'
import { mountWithApi } from './mount'
import { line, phase, result, smtpResult } from './events'
import { stubLayout } from './layout'

let restoreLayout: () => void
beforeAll(() => {
  restoreLayout = stubLayout()
})
afterAll(() => restoreLayout())

let wrapper: VueWrapper | null = null
afterEach(() => {
  wrapper?.unmount()
  wrapper = null
})

describe('first screen', () => {
  it('streams a job into the transcript, then shows the verdict and waterfall', async () => {
    const mounted = mountWithApi(App, { attachTo: document.body })
    wrapper = mounted.wrapper
    const { fake } = mounted
    await wrapper.find('input[name="host"]').setValue('localhost')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    const jobId = useJobsStore().currentJobId!
    expect(wrapper.find('[data-testid="verdict"]').text()).toContain('Running against localhost:587')

    fake.push([line(jobId, 1, 'info', 'connected 127.0.0.1:587'), line(jobId, 2, 's', '220 ready')])
    await flushPromises()
    expect(wrapper.findAll('[data-testid="transcript-line"]')).toHaveLength(2)

    fake.push([line(jobId, 3, 'c', 'EHLO mailprobe.local'), phase(jobId, 4, { name: 'connect', startMs: 0, durationMs: 1, roundTrips: 1 })])
    await flushPromises()
    expect(wrapper.findAll('[data-testid="transcript-line"]')).toHaveLength(3)

    fake.push([result(jobId, 5, smtpResult({ phases: [{ name: 'connect', startMs: 0, durationMs: 1, roundTrips: 1 }], totalMs: 3, roundTrips: 2 }))])
    await flushPromises()
    expect(wrapper.find('[data-testid="verdict"]').text()).toContain('Verified')
    expect(wrapper.find('[data-testid="waterfall"]').exists()).toBe(true)
    expect(wrapper.find('[data-testid="cancel"]').exists()).toBe(false)
  })
})
