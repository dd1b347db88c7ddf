// The delivery watch's IMAP lines as a lane of the transcript: tagged in their own column, filtered
// by lane chips, folded apart from SMTP replies, tagged in copied text. Lines from a real run.
import { describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import type { TranscriptEvent, TranscriptLine } from '@contract'
import TranscriptPane from '@renderer/components/transcript/TranscriptPane.vue'
import TranscriptView from '@renderer/components/transcript/TranscriptView.vue'
import { linesToText } from '@renderer/components/transcript/line-format'
import { TranscriptIndex } from '@renderer/components/transcript/transcript-model'
import { newJob } from '@renderer/stores/jobs'
import { inboxRun } from './delivery-data'
import { stubLayoutForFile } from './layout'
import { mountWithApi, unmountAfterEach } from './mount'

stubLayoutForFile({ width: 1200, height: 20_000 })
unmountAfterEach()

const lines = inboxRun.transcript
const imap = lines.filter((l) => l.lane === 'imap')
const smtp = lines.filter((l) => l.lane === undefined)
const rowsOf = (w: ReturnType<typeof mount>) => w.findAll('[data-testid="transcript-line"]')

describe('the IMAP lane in the transcript', () => {
  it('a real watched send has lines in both lanes', () => {
    expect(imap.length).toBeGreaterThan(10)
    expect(smtp.length).toBeGreaterThan(5)
    expect(imap.some((l) => l.dir === 'c' && /\bIDLE|EXAMINE|SELECT\b/.test(l.text))).toBe(true)
  })

  it('tags each IMAP line in a lane column; the SMTP lines leave it empty', async () => {
    const w = mount(TranscriptView, { props: { lines, count: lines.length } })
    await flushPromises()
    const rows = rowsOf(w)
    const tagged = rows.filter((r) => r.find('[data-testid="transcript-lane"]').exists())
    expect(tagged).toHaveLength(imap.length)
    // The SMTP rows (its EHLO reply folded to one) carry no tag.
    expect(rows.length - tagged.length).toBeGreaterThan(0)
    expect(rows.filter((r) => r.attributes('data-lane') === undefined).every((r) => r.find('.lane').text() === '')).toBe(true)
    expect(tagged.every((r) => r.attributes('data-lane') === 'imap' && r.find('[data-testid="transcript-lane"]').text() === 'IMAP')).toBe(true)
    expect(w.find('.canvas').classes()).toContain('lanes')
  })

  it('a transcript without lanes has no lane column', () => {
    const w = mount(TranscriptView, { props: { lines: smtp, count: smtp.length } })
    expect(w.find('.canvas').classes()).not.toContain('lanes')
  })

  it('shows one lane or the other', async () => {
    const w = mount(TranscriptView, { props: { lines, count: lines.length, lanes: ['main'] } })
    await flushPromises()
    expect(rowsOf(w).length).toBeGreaterThan(0)
    expect(rowsOf(w).some((r) => r.attributes('data-lane'))).toBe(false)
    await w.setProps({ lanes: ['imap'] })
    expect(rowsOf(w)).toHaveLength(imap.length)
    expect(rowsOf(w).every((r) => r.attributes('data-lane') === 'imap')).toBe(true)
    expect(w.emitted('stats')!.at(-1)![0]).toMatchObject({ lanes: { main: smtp.length, imap: imap.length }, rows: imap.length, total: lines.length })
  })

  it('never folds an IMAP line into an SMTP reply', () => {
    const interleaved: TranscriptLine[] = [
      { t: 1, dir: 's', text: '250-mx.example.com' },
      { t: 2, dir: 's', text: '* OK [CAPABILITY IMAP4rev1 IDLE]', lane: 'imap' },
      { t: 3, dir: 's', text: '250-PIPELINING' },
      { t: 4, dir: 's', text: '250 SIZE 1000' },
    ]
    const index = new TranscriptIndex({ dirs: new Set(['s']), query: '', expanded: new Set() })
    index.update(interleaved, interleaved.length)
    // The three 250 lines fold into one row; the IMAP line stays a row of its own.
    expect(index.rowLine).toEqual([0, 1])
    expect(index.members.get(0)).toEqual([0, 2, 3])
    expect(index.hasLanes).toBe(true)
  })

  it('copies IMAP lines with their lane', () => {
    const text = linesToText([
      { t: 812, dir: 'c', text: '8 IDLE', lane: 'imap' },
      { t: 813.5, dir: 's', text: '221 bye' },
    ])
    expect(text).toBe('[  812.0 ms] imap  -> 8 IDLE\n[  813.5 ms] <-  221 bye\n')
  })

  it('the pane offers lane chips with their counts, only when the transcript has a lane', async () => {
    const job = newJob('j', { kind: 'profile', profileId: 'p', profileName: 'Postfix', profileKind: 'smtp', action: 'send', label: '127.0.0.1:25' })
    const events: TranscriptEvent[] = lines.map((l, i) => ({ ...l, type: 'transcript', jobId: 'j', seq: i + 1 }))
    Object.assign(job, { status: 'done', lines: events, lineCount: events.length, result: inboxRun })
    const { wrapper } = mountWithApi(TranscriptPane, { props: { job } })
    await flushPromises()
    const main = wrapper.find('[data-testid="transcript-lane-filter-main"]')
    const lane = wrapper.find('[data-testid="transcript-lane-filter-imap"]')
    expect(main.text()).toBe(`SMTP ${smtp.length}`)
    expect(lane.text()).toBe(`IMAP ${imap.length}`)
    await main.trigger('click')
    expect(main.attributes('aria-pressed')).toBe('false')
    expect(rowsOf(wrapper)).toHaveLength(imap.length)
    expect(wrapper.text()).toContain(`${imap.length} of ${lines.length} lines`)

    const plain = newJob('k', null)
    const plainEvents: TranscriptEvent[] = smtp.map((l, i) => ({ ...l, type: 'transcript', jobId: 'k', seq: i + 1 }))
    Object.assign(plain, { status: 'done', lines: plainEvents, lineCount: plainEvents.length })
    await wrapper.setProps({ job: plain })
    await flushPromises()
    expect(wrapper.find('[data-testid="transcript-lane-filter-imap"]').exists()).toBe(false)
  })
})
