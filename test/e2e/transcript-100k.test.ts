/**
 * A 100k-line transcript stays responsive. No test hook in the product: a scripted local SMTP
 * server answers each command of an envelope test (EHLO, MAIL FROM, ten RCPT TO) with an 8,400-line
 * reply — the engine reads at most 1 MB per reply, so a chatty server spreads its lines over
 * replies — and the real core streams the ~100,800 lines through the browser host. The user
 * searches the transcript (a search shows every matching line: nothing folds), then scrolls through
 * all of it — by wheel, by jumps across the whole list and by keyboard — while a
 * PerformanceObserver('longtask') in the page records. No long task may exceed 100 ms while scrolling
 * (best of at most three passes: see the note at the passes). The measurements are written to
 * test/e2e/screenshots/transcript-100k-longtasks.json and printed.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { scriptedSmtp, type ScriptedPeer } from '../fixtures/raw-peers'
import { launchChromium, openApp, SCREENSHOTS, shoot, startWebHost, type WebHost } from './harness'
import { MailprobePage } from './pages'

const REPLIES = 12 // EHLO, MAIL FROM and ten RCPT TO
const LINES_PER_REPLY = 8_400
const LINES = REPLIES * LINES_PER_REPLY
const RECIPIENTS = Array.from({ length: REPLIES - 2 }, (_, i) => `rcpt${i + 1}@example.test`)
const LONG_TASK_LIMIT_MS = 100
const ROW_PX = 22

const tag = (n: number) => `X-LINE-${String(n).padStart(6, '0')}`

/** One multi-line 250 reply, numbering its lines from `first`. */
function chattyReply(first: number): string {
  const lines: string[] = []
  for (let i = 0; i < LINES_PER_REPLY; i++) lines.push(`250${i === LINES_PER_REPLY - 1 ? ' ' : '-'}${tag(first + i)} chatty server says hello`)
  return lines.join('\r\n') + '\r\n'
}

interface LongTask {
  start: number
  duration: number
}

/*
 * The evaluate() callbacks below run in Chromium, not in Node: these are the page's globals they use
 * (this project type-checks against Node's library, which has no DOM).
 */
type Entry = { startTime: number; duration: number }
interface PageObserver {
  observe(options: { type: string }): void
  takeRecords(): Entry[]
  disconnect(): void
}
interface PageGlobals {
  __longTasks: LongTask[]
  __longTaskObserver?: PageObserver
  PerformanceObserver: new (callback: (list: { getEntries(): Entry[] }) => void) => PageObserver
}
declare const requestAnimationFrame: (callback: () => void) => number

/** Starts recording long tasks in the page (a test-side observer, not part of the product). */
async function startLongTaskRecorder(page: Page): Promise<void> {
  await page.evaluate(() => {
    const g = globalThis as unknown as PageGlobals
    g.__longTasks = []
    g.__longTaskObserver?.disconnect()
    const observer = new g.PerformanceObserver((list) => {
      for (const entry of list.getEntries()) g.__longTasks.push({ start: entry.startTime, duration: entry.duration })
    })
    observer.observe({ type: 'longtask' })
    g.__longTaskObserver = observer
  })
}

/** Stops recording and returns the long tasks (page-clock start and duration, ms). */
async function stopLongTaskRecorder(page: Page): Promise<LongTask[]> {
  return page.evaluate(async () => {
    // Two frames, so work triggered by the last scroll has run and been reported.
    await new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r())))
    const g = globalThis as unknown as PageGlobals
    const observer = g.__longTaskObserver
    if (observer) {
      for (const entry of observer.takeRecords()) g.__longTasks.push({ start: entry.startTime, duration: entry.duration })
      observer.disconnect()
    }
    return g.__longTasks
  })
}

const pageNow = (page: Page) => page.evaluate(() => performance.now())
const longest = (tasks: LongTask[]) => Math.round(Math.max(0, ...tasks.map((t) => t.duration)))

const nextFrames = (page: Page) => page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))))

interface ScrollPass {
  durationMs: number
  longTasks: number
  maxLongTaskMs: number
  byPhase: { wheel: number; jumps: number; keyboard: number }
  all: number[]
}

/** One pass through the whole list, recording long tasks: wheel, jumps, keyboard. Ends on the last line. */
async function scrollPass(page: Page, app: MailprobePage): Promise<ScrollPass> {
  const scroller = app.transcript.scroller
  await scroller.evaluate((el) => el.scrollTo({ top: 0 }))
  await nextFrames(page)
  const box = (await scroller.boundingBox())!
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
  await startLongTaskRecorder(page)
  const marks = [await pageNow(page)]
  // Wheel: 120 notches of 1200 px (a fling, about a screenful each).
  for (let i = 0; i < 120; i++) {
    await page.mouse.wheel(0, 1200)
    await nextFrames(page)
  }
  marks.push(await pageNow(page))
  // Jumps across the whole list (a scrollbar drag), each showing rows at once.
  const jumps = await scroller.evaluate(async (el) => {
    const frame = () => new Promise<void>((r) => requestAnimationFrame(() => r()))
    const max = el.scrollHeight - el.clientHeight
    const stops = [0.5, 0.05, 0.95, 0.25, 0.75, 0.999, 0.01, 0.6, 0.33, 0.88, 0.12, 0.47, 0.71, 0.29, 0.93, 0.02, 0.55, 0.81, 0.18, 0.66]
    let seen = 0
    for (const f of [...stops, ...stops.map((x) => 1 - x)]) {
      el.scrollTop = Math.round(max * f)
      await frame()
      await frame()
      seen += el.querySelectorAll('[data-testid="transcript-line"]').length > 0 ? 1 : 0
    }
    return seen
  })
  expect(jumps).toBe(40)
  marks.push(await pageNow(page))
  // Keyboard: End, PageUp ×20, Home, End.
  await scroller.focus()
  await page.keyboard.press('End')
  await nextFrames(page)
  for (let i = 0; i < 20; i++) {
    await page.keyboard.press('PageUp')
    await nextFrames(page)
  }
  await page.keyboard.press('Home')
  await nextFrames(page)
  await page.keyboard.press('End')
  // Keyboard scrolling is animated: wait until it has landed on the last line.
  await expect.poll(async () => (await app.transcript.fullTexts('s')).some((t) => t.includes(tag(LINES)))).toBe(true)
  const tasks = await stopLongTaskRecorder(page)
  marks.push(await pageNow(page))
  const phase = (i: number) => tasks.filter((t) => t.start >= marks[i]! && t.start < marks[i + 1]!)
  return {
    durationMs: Math.round(marks[3]! - marks[0]!),
    longTasks: tasks.length,
    maxLongTaskMs: longest(tasks),
    byPhase: { wheel: longest(phase(0)), jumps: longest(phase(1)), keyboard: longest(phase(2)) },
    all: tasks.map((t) => Math.round(t.duration)),
  }
}

describe('a 100k-line transcript', () => {
  let peer: ScriptedPeer
  let host: WebHost
  let browser: Browser

  beforeAll(async () => {
    ;[peer, host, browser] = await Promise.all([
      scriptedSmtp(async (s) => {
        s.send('220 chatty.mailprobe.test ESMTP')
        let next = 1
        for (;;) {
          const line = (await s.nextLine()).toUpperCase()
          if (/^(EHLO|MAIL FROM|RCPT TO)/.test(line)) {
            s.sendRaw(chattyReply(next))
            next += LINES_PER_REPLY
          } else if (line.startsWith('QUIT')) {
            s.send('221 Bye')
            s.end()
            return
          } else s.send('250 OK')
        }
      }),
      startWebHost(),
      launchChromium(),
    ])
  })
  afterAll(async () => {
    await browser?.close()
    await host?.stop()
    await peer?.close()
  })

  it('streams 100k lines and scrolls through them with no long task over 100 ms', async () => {
    const { page, context, problems } = await openApp(browser, host, { viewport: { width: 1360, height: 900 } })
    const app = new MailprobePage(page)
    await app.newSmtpProfile({ name: 'Chatty server', host: '127.0.0.1', port: peer.port, security: 'None', auth: 'none — no AUTH' })
    await app.tab('compose')
    await app.compose({ from: 'tester@mailprobe.test', to: RECIPIENTS })

    await startLongTaskRecorder(page)
    const verdict = await app.runAndWait('action-envelope')
    const ingest = await stopLongTaskRecorder(page)
    expect(verdict, JSON.stringify(verdict)).toMatchObject({ ok: true })

    // Every line arrived; each reply is one folded row until the user searches (or opens it).
    await expect.poll(() => app.transcript.totalLines()).toBeGreaterThanOrEqual(LINES)
    await app.transcript.search.fill('X-LINE')
    await expect.poll(() => app.transcript.scroller.evaluate((el) => el.scrollHeight)).toBeGreaterThanOrEqual(LINES * ROW_PX)
    await nextFrames(page)

    // Calibration: the recorder does see a long task when there is one.
    await startLongTaskRecorder(page)
    // (In a task of the page's own: work run by DevTools' evaluate is not reported as a long task.)
    await page.evaluate(
      () =>
        new Promise<void>((done) =>
          setTimeout(() => {
            const end = performance.now() + 150
            while (performance.now() < end) {
              // busy on purpose
            }
            setTimeout(done, 0)
          }, 0),
        ),
    )
    const calibration = await stopLongTaskRecorder(page)
    expect(longest(calibration)).toBeGreaterThanOrEqual(140)

    // Scroll: wheel from the top, jumps across the whole list, then the keyboard. A long task's
    // duration is wall time, so on a machine busy with other work it also counts the time the page
    // waited for a CPU: a pass may be repeated (at most three) and the best pass decides. An
    // interface that really needs over 100 ms for a frame fails every pass.
    const scroller = app.transcript.scroller
    const passes: ScrollPass[] = []
    for (let attempt = 0; attempt < 3; attempt++) {
      const pass = await scrollPass(page, app)
      passes.push(pass)
      if (pass.maxLongTaskMs <= LONG_TASK_LIMIT_MS) break
    }
    await shoot(page, 'transcript-100k')

    const best = passes.reduce((a, b) => (b.maxLongTaskMs < a.maxLongTaskMs ? b : a))
    const report = {
      lines: await app.transcript.totalLines(),
      scrollHeightPx: await scroller.evaluate((el) => el.scrollHeight),
      limitMs: LONG_TASK_LIMIT_MS,
      scrolling: { bestMaxLongTaskMs: best.maxLongTaskMs, passes },
      ingest: { longTasks: ingest.length, maxLongTaskMs: longest(ingest) },
      calibrationMs: longest(calibration),
    }
    writeFileSync(join(SCREENSHOTS, 'transcript-100k-longtasks.json'), JSON.stringify(report, null, 2))
    const summary = passes.map((p, i) => `pass ${i + 1}: ${p.longTasks} long tasks, max ${p.maxLongTaskMs} ms (wheel ${p.byPhase.wheel}, jumps ${p.byPhase.jumps}, keyboard ${p.byPhase.keyboard})`)
    console.log(`100k transcript: ${report.lines} lines; while scrolling — ${summary.join('; ')}; limit ${LONG_TASK_LIMIT_MS} ms; while streaming in: max ${report.ingest.maxLongTaskMs} ms`)
    expect(best.maxLongTaskMs, JSON.stringify(passes)).toBeLessThanOrEqual(LONG_TASK_LIMIT_MS)
    expect(problems()).toEqual([])
    await context.close()
  })
})
