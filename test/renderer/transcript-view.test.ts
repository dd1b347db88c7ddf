import { describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import type { TranscriptLine } from '@contract'
import TranscriptView from '@renderer/components/transcript/TranscriptView.vue'
import { lineTone, linesToText } from '@renderer/components/transcript/line-format'
import { TranscriptIndex, segments } from '@renderer/components/transcript/transcript-model'
import { stubLayoutForFile } from './layout'

stubLayoutForFile()

const ROW_PX = 22
const indexes = (w: ReturnType<typeof mount>) => w.findAll('[data-testid="transcript-line"]').map((r) => Number(r.find('.text').text().replace('NOOP ', '')))
const noops = (n: number): TranscriptLine[] => Array.from({ length: n }, (_, i) => ({ t: i, dir: 'c' as const, text: `NOOP ${i}` }))

const lines: TranscriptLine[] = [
  { t: 0, dir: 'info', text: 'connected 127.0.0.1:2525' },
  { t: 38.14, dir: 's', text: '220 localhost ESMTP ready' },
  { t: 38.4, dir: 'c', text: 'AUTH PLAIN [redacted]' },
  { t: 40, dir: 's', text: '535 5.7.8 authentication failed' },
  { t: 41, dir: 'tls', text: 'TLSv1.3 TLS_AES_256_GCM_SHA384' },
]

describe('TranscriptView', () => {
  it('renders time, direction gutter and text per line', async () => {
    const wrapper = mount(TranscriptView, { props: { lines, count: lines.length } })
    await flushPromises()
    const rows = wrapper.findAll('[data-testid="transcript-line"]')
    expect(rows).toHaveLength(5)
    expect(rows[1]!.find('.time').text()).toBe('38.1 ms')
    expect(rows[1]!.find('.dir').text()).toBe('S')
    expect(rows[1]!.find('.dir').classes()).toContain('tone-server')
    expect(rows[2]!.find('.dir').classes()).toContain('tone-client')
    expect(rows[3]!.find('.dir').classes()).toContain('tone-error')
    expect(rows[4]!.find('.dir').classes()).toContain('tone-tls')
    expect(rows[0]!.find('.text').text()).toBe('connected 127.0.0.1:2525')
  })

  it('shows [redacted] as a pill, not as text', () => {
    const wrapper = mount(TranscriptView, { props: { lines, count: lines.length } })
    const auth = wrapper.findAll('[data-testid="transcript-line"]')[2]!
    const pill = auth.find('.pill')
    expect(pill.exists()).toBe(true)
    expect(pill.text()).toBe('redacted')
    expect(auth.find('.text').text()).not.toContain('[redacted]')
  })

  it('shows only the lines the caller counted (the array may be non-reactive)', () => {
    const wrapper = mount(TranscriptView, { props: { lines, count: 2 } })
    expect(wrapper.findAll('[data-testid="transcript-line"]')).toHaveLength(2)
  })

  it('renders a bounded window of a long transcript', async () => {
    const many = noops(100_000)
    const wrapper = mount(TranscriptView, { props: { lines: many, count: many.length } })
    await flushPromises()
    const rendered = wrapper.findAll('[data-testid="transcript-line"]').length
    expect(rendered).toBeGreaterThan(0)
    expect(rendered).toBeLessThan(200)
  })

  it('follows the tail while live, and stops when the user scrolls up', async () => {
    const all = noops(1000)
    const wrapper = mount(TranscriptView, { props: { lines: all, count: 100, live: true }, attachTo: document.body })
    const scroller = wrapper.find('[role="log"]').element as HTMLElement
    Object.defineProperty(scroller, 'scrollHeight', { configurable: true, get: () => wrapper.props('count')! * ROW_PX })
    // Browsers fire 'scroll' after a programmatic scroll; happy-dom does not, so do it here.
    const scrollTo = scroller.scrollTo.bind(scroller) as (o: ScrollToOptions) => void
    scroller.scrollTo = ((o: ScrollToOptions) => {
      const before = scroller.scrollTop
      scrollTo(o)
      if (scroller.scrollTop !== before) scroller.dispatchEvent(new Event('scroll'))
    }) as typeof scroller.scrollTo
    await flushPromises()

    await wrapper.setProps({ count: 300 })
    await flushPromises()
    expect(indexes(wrapper)).toContain(299)

    // The user scrolls up to the top: new lines no longer pull the view down.
    scroller.scrollTop = 0
    await wrapper.find('[role="log"]').trigger('scroll')
    await wrapper.setProps({ count: 600 })
    await flushPromises()
    expect(indexes(wrapper)).toContain(0)
    expect(indexes(wrapper)).not.toContain(599)

    // "Follow output" brings the tail back.
    await wrapper.find('button.follow').trigger('click')
    await flushPromises()
    expect(indexes(wrapper)).toContain(599)
    wrapper.unmount()
  })

  it('filters by direction and searches, highlighting matches', async () => {
    const wrapper = mount(TranscriptView, { props: { lines, count: lines.length, dirs: ['c', 's'] } })
    await flushPromises()
    expect(wrapper.findAll('[data-testid="transcript-line"]').map((r) => r.attributes('data-dir'))).toEqual(['s', 'c', 's'])
    await wrapper.setProps({ dirs: ['c', 's', 'tls', 'info', 'err'], query: 'TLS_AES' })
    await flushPromises()
    const rows = wrapper.findAll('[data-testid="transcript-line"]')
    expect(rows).toHaveLength(1)
    expect(rows[0]!.find('mark').text()).toBe('TLS_AES')
    await wrapper.setProps({ query: 'nothing like this' })
    expect(wrapper.text()).toContain('No line matches')
  })

  it('folds a multi-line EHLO reply into one row with a count, and unfolds it on click', async () => {
    const ehlo: TranscriptLine[] = [
      { t: 0, dir: 'c', text: 'EHLO me' },
      { t: 1, dir: 's', text: '250-mx.example.com' },
      { t: 1, dir: 's', text: '250-PIPELINING' },
      { t: 1, dir: 's', text: '250-SIZE 1000' },
      { t: 1, dir: 's', text: '250 STARTTLS' },
      { t: 2, dir: 'c', text: 'STARTTLS' },
    ]
    const wrapper = mount(TranscriptView, { props: { lines: ehlo, count: ehlo.length } })
    await flushPromises()
    let rows = wrapper.findAll('[data-testid="transcript-line"]')
    expect(rows).toHaveLength(3)
    expect(rows[1]!.find('[data-testid="transcript-fold"]').text()).toBe('+3 lines')
    expect(rows[1]!.find('.summary').text()).toBe('PIPELINING · SIZE 1000 · STARTTLS')
    await rows[1]!.find('[data-testid="transcript-fold"]').trigger('click')
    await flushPromises()
    rows = wrapper.findAll('[data-testid="transcript-line"]')
    expect(rows).toHaveLength(6)
    // The unfolded reply can fold again from its first line.
    await rows[1]!.find('button.fold').trigger('click')
    await flushPromises()
    expect(wrapper.findAll('[data-testid="transcript-line"]')).toHaveLength(3)
  })

  it('teaches when empty', () => {
    const wrapper = mount(TranscriptView, { props: { lines: [], count: 0 } })
    expect(wrapper.text()).toContain('Run a check')
  })
})

describe('transcript index', () => {
  const all = { dirs: new Set(['c', 's', 'tls', 'info', 'err'] as const), query: '', expanded: new Set<number>() }

  it('folds as replies stream in, per port when ports interleave', () => {
    const l: TranscriptLine[] = []
    const index = new TranscriptIndex(all)
    const add = (...more: TranscriptLine[]) => {
      l.push(...more)
      index.update(l, l.length)
    }
    add({ t: 0, dir: 's', text: '250-a', port: 465 }, { t: 0, dir: 's', text: '250-b', port: 587 })
    add({ t: 1, dir: 's', text: '250-PIPELINING', port: 465 })
    expect(index.rows).toBe(3)
    add({ t: 1, dir: 's', text: '250-SIZE 1', port: 587 }, { t: 2, dir: 's', text: '250 AUTH PLAIN', port: 465 })
    // 465's reply reached three lines: it folds, 587's (two so far) does not.
    expect(index.rowLine).toEqual([0, 1, 3])
    expect(index.linesOf(0)).toEqual([0, 2, 4])
    add({ t: 2, dir: 's', text: '250 STARTTLS', port: 587 })
    expect(index.rowLine).toEqual([0, 1])
    expect(index.counts.s).toBe(6)
    expect(index.hasPorts).toBe(true)
  })

  it('keeps up with 100k lines quickly', () => {
    const many = noops(100_000)
    const index = new TranscriptIndex(all)
    const started = performance.now()
    for (let n = 5000; n <= many.length; n += 5000) index.update(many, n)
    expect(index.rows).toBe(100_000)
    expect(performance.now() - started).toBeLessThan(1000)
  })
})

describe('line formatting', () => {
  it('marks redactions and matches in one pass', () => {
    expect(segments('AUTH PLAIN [redacted] plain', 'plain')).toEqual([
      { text: 'AUTH ', kind: 'text' },
      { text: 'PLAIN', kind: 'match' },
      { text: ' ', kind: 'text' },
      { text: '[redacted]', kind: 'redacted' },
      { text: ' ', kind: 'text' },
      { text: 'plain', kind: 'match' },
    ])
  })

  it('formats lines as swaks-like text for copy and export', () => {
    expect(
      linesToText([
        { t: 38.14, dir: 's', text: '220 ready' },
        { t: 38.4, dir: 'c', text: 'EHLO x', port: 587 },
      ]),
    ).toBe('[   38.1 ms] <-  220 ready\n[   38.4 ms] :587  -> EHLO x\n')
  })

  it('splits every redaction marker out', () => {
    expect(segments('a [redacted] b [redacted]')).toEqual([
      { text: 'a ', kind: 'text' },
      { text: '[redacted]', kind: 'redacted' },
      { text: ' b ', kind: 'text' },
      { text: '[redacted]', kind: 'redacted' },
    ])
  })

  it('colours server replies by their code class', () => {
    expect(lineTone({ dir: 's', text: '250-PIPELINING' })).toBe('server')
    expect(lineTone({ dir: 's', text: '451 4.3.0 try later' })).toBe('warn')
    expect(lineTone({ dir: 's', text: '554 no' })).toBe('error')
    expect(lineTone({ dir: 'err', text: 'socket closed' })).toBe('error')
    expect(lineTone({ dir: 'info', text: 'x' })).toBe('info')
  })
})
