import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises, type VueWrapper } from '@vue/test-utils'
import { NSelect } from 'naive-ui'
import { smtpJobSchema } from '@contract'
import QuickSmtpForm from '@renderer/components/composer/QuickSmtpForm.vue'
import { useJobsStore } from '@renderer/stores/jobs'
import { mountWithApi } from './mount'
import { line, result } from './events'

let wrapper: VueWrapper | null = null
afterEach(() => {
  wrapper?.unmount() // removes the window key listeners
  wrapper = null
})

function setup() {
  const mounted = mountWithApi(QuickSmtpForm, { attachTo: document.body })
  wrapper = mounted.wrapper
  return mounted
}

const input = (w: VueWrapper, name: string) => w.find(`input[name="${name}"]`)

describe('QuickSmtpForm', () => {
  it('sends a valid verify request and never keeps the password', async () => {
    const { wrapper, fake } = setup()
    const secret = 's3cret-Pa55word'
    await input(wrapper, 'host').setValue('localhost')
    await input(wrapper, 'username').setValue('alice')
    await input(wrapper, 'password').setValue(secret)
    await wrapper.find('form').trigger('submit')
    await flushPromises()

    expect(fake.runSmtp).toHaveBeenCalledTimes(1)
    const sent = fake.runSmtp.mock.calls[0]![0]
    expect(smtpJobSchema.safeParse(sent).success).toBe(true)
    expect(sent).toMatchObject({ host: 'localhost', port: 587, security: 'auto', stopAfter: 'auth', auth: { user: 'alice', secret } })
    expect(sent.message).toBeUndefined() // verify sends no envelope

    const store = useJobsStore()
    const jobId = store.currentJobId!
    fake.push([line(jobId, 1, 'c', 'AUTH PLAIN [redacted]'), result(jobId, 2)])
    await flushPromises()
    expect(JSON.stringify({ jobs: [...store.jobs.values()], state: store.$state })).not.toContain(secret)
    expect(wrapper.text()).not.toContain(secret)
  })

  it('sends the envelope when the stage needs it', async () => {
    const { wrapper, fake } = setup()
    await input(wrapper, 'host').setValue('mail.example.com')
    await input(wrapper, 'from').setValue('me@example.com')
    await input(wrapper, 'to').setValue('a@example.com, b@example.com')
    // The second select is "Stop after"; emit what naive-ui's select emits when an option is picked.
    wrapper.findAllComponents(NSelect)[1]!.vm.$emit('update:value', 'rcpt')
    await flushPromises()
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    const sent = fake.runSmtp.mock.calls[0]![0]
    expect(sent.stopAfter).toBe('rcpt')
    expect(sent.message).toMatchObject({ from: 'me@example.com', to: ['a@example.com', 'b@example.com'] })
    expect(sent.auth).toBeUndefined()
  })

  it('names the offending field and sends nothing when the input is invalid', async () => {
    const { wrapper, fake } = setup()
    await input(wrapper, 'host').setValue('bad host\r\n')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(fake.runSmtp).not.toHaveBeenCalled()
    expect(wrapper.text()).toContain('host may contain only')
  })

  it('shows main refusing the request', async () => {
    const { wrapper, fake } = setup()
    fake.runSmtp.mockResolvedValueOnce({ ok: false, error: { code: 'INVALID_INPUT', message: 'The runSmtp request was refused — port: too big.' } })
    await input(wrapper, 'host').setValue('localhost')
    await wrapper.find('form').trigger('submit')
    await flushPromises()
    expect(wrapper.find('[data-testid="form-error"]').text()).toContain('INVALID_INPUT')
  })

  it('runs on Ctrl+Enter and cancels the running job on Esc', async () => {
    const { wrapper, fake } = setup()
    await input(wrapper, 'host').setValue('localhost')
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', ctrlKey: true }))
    await flushPromises()
    expect(fake.runSmtp).toHaveBeenCalledTimes(1)
    expect(wrapper.find('[data-testid="cancel"]').exists()).toBe(true)

    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }))
    await flushPromises()
    expect(fake.cancelJob).toHaveBeenCalledWith({ jobId: useJobsStore().currentJobId })
  })

  it('does not run on a plain Enter from the window', async () => {
    const { wrapper, fake } = setup()
    await input(wrapper, 'host').setValue('localhost')
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }))
    await flushPromises()
    expect(fake.runSmtp).not.toHaveBeenCalled()
  })
})
