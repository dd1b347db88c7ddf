import { describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import type { AnyJobResult, CheckOutcome, ChecksResult, JobEvent } from '@contract'
import App from '@renderer/App.vue'
import { useUiStore } from '@renderer/stores/ui'
import { createFakeApi, smtpProfile, summary } from './fake-api'
import { mountWithApi, unmountAfterEach } from './mount'
import { stubLayoutForFile } from './layout'

stubLayoutForFile()
unmountAfterEach()

const tid = (id: string) => `[data-testid="${id}"]`

function outcome(over: Partial<CheckOutcome> & Pick<CheckOutcome, 'name' | 'status'>): CheckOutcome {
  return { kind: 'verify', durationMs: 412, figure: 'TLSv1.3 · 412 ms', failures: [], error: null, result: null, ...over }
}

function checksResult(over: Partial<ChecksResult> = {}): ChecksResult {
  return { kind: 'checks', ok: true, error: null, file: 'mailprobe.checks.yaml', problems: [], report: null, warnings: [], phases: [], totalMs: 900, roundTrips: 12, transcript: [], ...over }
}

const REPORT = {
  ok: false,
  totalMs: 900,
  checks: [
    outcome({ name: 'relay verifies', status: 'pass' }),
    outcome({
      name: 'certificate lasts',
      status: 'fail',
      figure: '9 days left',
      failures: [{ assertion: 'certDaysLeftMin', expected: '≥ 21 days', actual: '9 days', message: 'the certificate has 9 days left, fewer than 21' }],
    }),
    outcome({ name: 'api key', kind: 'api', status: 'error', figure: '', error: { code: 'INVALID_INPUT', message: 'SENDGRID_KEY is not set in the environment' } }),
  ],
}

async function mountHistory(fake = createFakeApi({ profiles: [smtpProfile({ id: 'p1', name: 'Relay' })] })) {
  const mounted = mountWithApi(App, { attachTo: document.body }, fake)
  await flushPromises()
  useUiStore().tab = 'history'
  await flushPromises()
  return mounted
}

const result = (jobId: string, r: ChecksResult): JobEvent<AnyJobResult> => ({ type: 'result', jobId, seq: 9, result: r })

describe('History: Run check file', () => {
  it('picks a file, runs it as a job, shows progress, then the report table with each check’s status, figure and failed assertion', async () => {
    const fake = createFakeApi({ profiles: [smtpProfile({ id: 'p1', name: 'Relay' })] })
    fake.pickFiles.mockResolvedValueOnce({ ok: true, value: { paths: ['/work/ci/mailprobe.checks.yaml'] } })
    const { wrapper: w } = await mountHistory(fake)
    expect(w.text()).toContain('secrets come from the app’s environment')

    await w.find(tid('history-run-checks')).trigger('click')
    await flushPromises()
    expect(fake.pickFiles).toHaveBeenCalledWith({ purpose: 'checks', multiple: false })
    expect(fake.runChecks).toHaveBeenCalledWith({ path: '/work/ci/mailprobe.checks.yaml' })
    const jobId = useUiStore().focus.history!
    expect(w.find(tid('checks-report')).text()).toContain('mailprobe.checks.yaml')

    fake.push([{ type: 'transcript', jobId, seq: 1, t: 5, dir: 'info', text: 'pass · relay verifies', progress: { done: 1, total: 3, etaMs: null, elapsedMs: 5 } }])
    await flushPromises()
    expect(w.find(tid('checks-running')).text()).toContain('1 of 3 checks done')

    fake.push([result(jobId, checksResult({ ok: false, report: REPORT }))])
    await flushPromises()
    expect(w.find(tid('checks-verdict')).text()).toContain('1 of 3 checks pass (1 failed, 1 could not run)')
    const rows = w.findAll(tid('checks-row'))
    expect(rows.map((r) => [r.attributes('data-name'), r.attributes('data-status')])).toEqual([
      ['relay verifies', 'pass'],
      ['certificate lasts', 'fail'],
      ['api key', 'error'],
    ])
    expect(rows[1]!.text()).toContain('9 days left')
    expect(rows[1]!.text()).toContain('the certificate has 9 days left, fewer than 21')
    expect(rows[2]!.text()).toContain('SENDGRID_KEY is not set in the environment')
    // The verdict line below says the same.
    expect(w.find(tid('verdict-message')).text()).toBe('mailprobe.checks.yaml: 1 of 3 checks pass (1 failed, 1 could not run)')

    // A failed row expands to its failures.
    expect(w.find(tid('checks-failures')).exists()).toBe(false)
    await rows[1]!.find('.n-data-table-expand-trigger').trigger('click')
    await flushPromises()
    expect(w.find(tid('checks-failures')).text()).toContain('certDaysLeftMin expected ≥ 21 days, got 9 days')
  })

  it('a bad file shows each problem with its line, and no table', async () => {
    const fake = createFakeApi()
    fake.pickFiles.mockResolvedValueOnce({ ok: true, value: { paths: ['C:\\ci\\broken.yaml'] } })
    const { wrapper: w } = await mountHistory(fake)
    await w.find(tid('history-run-checks')).trigger('click')
    await flushPromises()
    const jobId = useUiStore().focus.history!
    const bad = checksResult({
      ok: false,
      file: 'broken.yaml',
      error: { code: 'INVALID_INPUT', message: 'checks[0].verify.pasword: is not a field here (broken.yaml, line 6, column 7)' },
      problems: [{ field: 'checks[0].verify.pasword', message: 'is not a field here', line: 6, column: 7 }],
    })
    fake.push([result(jobId, bad)])
    await flushPromises()
    expect(w.find(tid('checks-report')).text()).toContain('broken.yaml')
    const problems = w.findAll(tid('checks-problem'))
    expect(problems).toHaveLength(1)
    expect(problems[0]!.text()).toContain('line 6:7')
    expect(problems[0]!.text()).toContain('checks[0].verify.pasword')
    expect(w.findAll(tid('checks-row'))).toHaveLength(0)
  })

  it('cancelling the file dialog runs nothing', async () => {
    const fake = createFakeApi()
    const { wrapper: w } = await mountHistory(fake)
    await w.find(tid('history-run-checks')).trigger('click')
    await flushPromises()
    expect(fake.runChecks).not.toHaveBeenCalled()
    expect(w.find(tid('checks-report')).exists()).toBe(false)
  })

  it('a check-file run opened from History shows its report again', async () => {
    const entry = {
      ...summary({ id: 'c1', kind: 'checks', action: 'checks', target: 'mailprobe.checks.yaml', ok: false, summary: '1 of 3 checks pass' }),
      result: checksResult({ ok: false, report: REPORT }),
    }
    const fake = createFakeApi({ history: [entry] })
    const { wrapper: w } = await mountHistory(fake)
    await w.find(tid('history-item')).trigger('click')
    await flushPromises()
    expect(w.findAll(tid('checks-row'))).toHaveLength(3)
  })
})

describe('Profiles: Export as checks', () => {
  it('exports the profiles as a check file through saveFile', async () => {
    const fake = createFakeApi({ profiles: [smtpProfile({ id: 'p1', name: 'Relay' })] })
    const { wrapper: w } = await mountHistory(fake)
    await w.find(tid('profiles-export-checks')).trigger('click')
    await flushPromises()
    expect(fake.exportChecks).toHaveBeenCalledWith({})
    expect(fake.saveFile).toHaveBeenCalledWith({ suggestedName: 'mailprobe.checks.yaml', content: 'checks:\n  - name: Relay verifies\n' })
  })
})
