// The Delivery panel with real results: a DKIM-signed send through Postfix seen in Dovecot's INBOX
// (Mailprobe's own DKIM/SPF/DMARC check), Gmail-shaped and Exim-shaped messages read back by the
// watch (the receiver's verdicts, TLS hops, skewed clocks), the sandbox's inbox, a timeout; and the
// result pane's switch between the transcript and this panel.
import { describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import type { SmtpResult } from '@contract'
import DeliveryPanel from '@renderer/components/result/DeliveryPanel.vue'
import ResultPanel from '@renderer/components/result/ResultPanel.vue'
import { hopRows } from '@renderer/components/result/delivery-format'
import { newJob } from '@renderer/stores/jobs'
import { deliveryVariant, inboxRun, junkRun, receiverDelivery, sandboxRun, skewedDelivery, timeoutRun } from './delivery-data'
import { smtpResult } from './events'
import { stubLayoutForFile } from './layout'
import { mountWithApi, unmountAfterEach } from './mount'

stubLayoutForFile()
unmountAfterEach()

const panel = (result: SmtpResult) => mountWithApi(DeliveryPanel, { props: { result: result as SmtpResult & { delivery: NonNullable<SmtpResult['delivery']> } } }).wrapper
const withReceived = (d: NonNullable<SmtpResult['delivery']>): SmtpResult => ({ ...inboxRun, dkim: undefined, delivery: d })
const tid = (id: string) => `[data-testid="${id}"]`

describe('the Delivery panel', () => {
  it('a DKIM-signed send seen in INBOX: where, how fast (an upper bound: already there), the hops, Mailprobe’s verdicts and the signature verified', async () => {
    const w = panel(inboxRun)
    expect(w.find(tid('delivery-panel')).attributes('data-state')).toBe('inbox')
    expect(w.find(tid('delivery-heading')).text()).toBe('In Inbox')
    expect(w.find(tid('delivery-mailbox')).text()).toBe(`watched: 127.0.0.1:${inboxRun.delivery!.mailbox.kind === 'imap' ? inboxRun.delivery!.mailbox.port : ''} (implicit TLS)`)
    const times = w.find(tid('delivery-times')).text()
    expect(times).toContain('accepted → inbox')
    expect(times).toContain('send → inbox')
    expect(times).toContain('upper bound')

    // Postfix's smtpd, then Dovecot's LMTP: from → by, with.
    const hops = w.findAll(tid('delivery-hop'))
    expect(hops).toHaveLength(2)
    expect(hops[0]!.find('.path').text()).toMatch(/^\[127\.0\.0\.1\]\s*mx\.mailprobe\.test$/)
    expect(hops[0]!.text()).toContain('ESMTP')
    expect(hops[1]!.find('.path').text()).toMatch(/^mx\.mailprobe\.test\s*imap\.mailprobe\.test$/)
    expect(hops[1]!.text()).toContain('LMTP')

    const chip = (name: string) => w.find(tid(`delivery-auth-${name}`)).attributes('data-verdict')
    expect([chip('spf'), chip('dkim'), chip('dmarc'), chip('arc')]).toEqual(['pass', 'pass', 'pass', 'none'])
    expect(w.find(tid('delivery-auth-source')).text()).toBe('checked by Mailprobe (the receiver added no Authentication-Results)')
    expect(w.find(tid('delivery-dkim-verified')).text()).toBe('The DKIM signature Mailprobe added (mailprobe.test, selector s1): verified on arrival')
    expect(w.find(tid('delivery-auth')).text()).toContain('SPF checked for 127.0.0.1')
    expect(w.find(tid('delivery-auth-header')).text()).toMatch(/^mailprobe; dkim=pass header\.i=@mailprobe\.test/)
  })

  it('the headers and the DKIM-Signature sent open on demand, in full; Copy copies the headers', async () => {
    const writeText = vi.fn(async () => undefined)
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true })
    const w = panel(inboxRun)
    expect(w.find(tid('delivery-headers')).exists()).toBe(false)
    const titles = w.findAll('.n-collapse-item__header-main')
    expect(titles.map((t) => t.text())).toEqual(['DKIM-Signature sent', expect.stringMatching(/^Headers as they arrived · \d+ fields$/)])
    for (const t of titles) await t.trigger('click')
    await flushPromises()
    const headers = w.find(tid('delivery-headers')).text()
    expect(headers).toContain('Delivered-To: alice@mailprobe.test')
    expect(headers).toMatch(/X-Mailprobe-Token: [0-9a-f]{12}/)
    expect(w.find(tid('delivery-dkim-header')).text()).toBe(inboxRun.dkim!.header.replace(/\r\n/g, '\n'))
    await w.find(tid('delivery-headers-copy')).trigger('click')
    await flushPromises()
    expect(writeText).toHaveBeenCalledWith(inboxRun.delivery!.headers!.replace(/\r\n/g, '\n'))
  })

  it('the receiver’s verdicts, labelled with who wrote them; TLS on the hops that state it; the raw header', () => {
    const w = panel(withReceived(receiverDelivery))
    expect(w.find(tid('delivery-auth-source')).text()).toBe('judged by the receiver, mx.google.com')
    expect(w.find(tid('delivery-auth-arc')).attributes('data-verdict')).toBe('—')
    expect(w.find(tid('delivery-auth-spf')).attributes('data-tone')).toBe('success')
    expect(w.find(tid('delivery-auth-header')).text()).toMatch(/^mx\.google\.com; dkim=pass/)
    // Not signed by this run: nothing said about our signature.
    expect(w.find(tid('delivery-dkim-verified')).exists()).toBe(false)
    const hops = w.findAll(tid('delivery-hop'))
    expect(hops.map((h) => h.find('.path strong').text())).toEqual(['mail.example.com', 'mx.google.com', '2002:a05:6504:1a2:b0:2b5:8d31:4f0a', 'imap.mailprobe.test'])
    expect(hops[1]!.find(tid('delivery-hop-tls')).text()).toContain('TLS1_3')
    // "with ESMTPSA" already says TLS: a lock on it, no second chip. LMTP over a socket states none.
    expect(hops[0]!.find(tid('delivery-hop-tls')).exists()).toBe(false)
    expect(hops[0]!.find('.tls').text()).toBe('ESMTPSA')
    expect(hops[3]!.find('.tls').exists()).toBe(false)
    expect(hops.map((h) => h.find(tid('delivery-hop-delay')).text())).toEqual(['', '+1.0 s', '+1.0 s', '+1.0 s'])
    // Announced by IDLE, not already there: the times are not upper bounds.
    expect(w.find(tid('delivery-times')).text()).toContain('announced by IMAP IDLE')
    expect(w.find(tid('delivery-times')).text()).not.toContain('upper bound')
  })

  it('marks skewed clocks instead of drawing a negative delay; says when the watch polled', () => {
    const w = panel(withReceived(skewedDelivery))
    const hops = w.findAll(tid('delivery-hop'))
    expect(hops[1]!.classes()).toContain('skewed')
    expect(hops[1]!.find(tid('delivery-hop-skew')).text()).toBe('clock skew: 4.0 s earlier than the hop before')
    expect(hops[1]!.find('.fill').exists()).toBe(false)
    // The Exim sample is from 2024, Dovecot's hop from today: implausibly late, marked too.
    expect(hops[2]!.find(tid('delivery-hop-skew')).text()).toMatch(/^clock skew: [\d,]+ days after the hop before$/)
    expect(hopRows(skewedDelivery.hops).every((h) => h.barPct >= 0)).toBe(true)
    expect(w.find(tid('delivery-times')).text()).toContain('polling: found up to a second after it arrived')
    // Mailprobe's own check failed SPF and DMARC for the sample's foreign address.
    expect(w.find(tid('delivery-auth-spf')).attributes('data-verdict')).toBe('fail')
    expect(w.find(tid('delivery-auth-spf')).attributes('data-tone')).toBe('error')
  })

  it('Junk: a warning heading', () => {
    const w = panel(junkRun)
    expect(w.find(tid('delivery-panel')).attributes('data-state')).toBe('junk')
    expect(w.find(tid('delivery-heading')).text()).toBe('In Junk')
    expect(w.text()).toContain('the receiving side judged it spam')
  })

  it('the sandbox’s inbox: labelled as such, and it judges no authentication', () => {
    const w = panel(sandboxRun)
    expect(w.find(tid('delivery-heading')).text()).toBe('In the sandbox’s inbox')
    expect(w.find(tid('delivery-mailbox')).text()).toBe('watched: the sandbox’s inbox')
    expect(w.find(tid('delivery-auth-source')).text()).toBe('the sandbox judges no authentication')
    expect(w.findAll('[data-testid^="delivery-auth-"][data-verdict]')).toHaveLength(0)
  })

  it('a message not seen: how long, the code and sentence, the folders watched and what arrived meanwhile', () => {
    const w = panel(timeoutRun)
    expect(w.find(tid('delivery-panel')).attributes('data-state')).toBe('failed')
    expect(w.find(tid('delivery-heading')).text()).toBe('Not seen in 3 s')
    expect(w.find(tid('delivery-error')).text()).toBe(timeoutRun.error!.message)
    const watched = w.find(tid('delivery-watched')).text()
    expect(watched).toContain('Watched 2 folders · no other message arrived meanwhile')
    expect(watched).toContain('INBOX')
    expect(watched).toContain('Junk')
    expect(w.find(tid('delivery-auth')).exists()).toBe(false)
    expect(w.find(tid('delivery-times')).exists()).toBe(false)

    const busy = { ...timeoutRun, delivery: deliveryVariant(timeoutRun.delivery!, { watched: [{ folder: 'INBOX', junk: false, arrived: 3, method: 'poll' }] }) }
    expect(panel(busy).find(tid('delivery-watched')).text()).toContain('3 other messages arrived meanwhile')
    expect(panel(busy).find(tid('delivery-watched')).text()).toContain('polling · 3 other messages arrived')
  })
})

describe('the result pane with delivery proof', () => {
  const send = { kind: 'profile' as const, profileId: 'p', profileName: 'Postfix', profileKind: 'smtp' as const, action: 'send' as const, label: '127.0.0.1:25' }
  const doneJob = (result: SmtpResult) => Object.assign(newJob('j', send), { status: 'done' as const, result, phases: result.phases })

  it('switches between the transcript and the Delivery panel; the verdict’s step opens it', async () => {
    const { wrapper } = mountWithApi(ResultPanel, { props: { job: doneJob(inboxRun) } })
    await flushPromises()
    expect(wrapper.find(tid('result-view-switch')).exists()).toBe(true)
    expect(wrapper.find(tid('delivery-panel')).exists()).toBe(false)
    await wrapper.find(tid('result-view-delivery')).find('input').setValue(true)
    expect(wrapper.find(tid('delivery-panel')).exists()).toBe(true)
    expect(wrapper.find('.pane').attributes('style')).toContain('display: none')
    await wrapper.find(tid('result-view-transcript')).find('input').setValue(true)
    expect(wrapper.find(tid('delivery-panel')).exists()).toBe(false)
    await wrapper.find(tid('verdict-delivery')).trigger('click')
    expect(wrapper.find(tid('delivery-panel')).exists()).toBe(true)
    // The waterfall's legend names the delivery hue.
    expect(wrapper.find('.legend').text()).toContain('delivery')
  })

  it('a run that watched no mailbox has no switch, and shows its transcript', async () => {
    const { wrapper } = mountWithApi(ResultPanel, { props: { job: doneJob(smtpResult()) } })
    await flushPromises()
    expect(wrapper.find(tid('result-view-switch')).exists()).toBe(false)
    expect(wrapper.find(tid('delivery-panel')).exists()).toBe(false)
    expect(wrapper.find('.legend').text()).not.toContain('delivery')
  })
})
