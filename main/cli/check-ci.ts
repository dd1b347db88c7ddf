// What `mailprobe check` leaves for a CI system: JUnit XML (--junit FILE, read by the test reporters of
// GitLab, Jenkins and GitHub) and, under GitHub Actions, `::error` workflow commands for failed checks.
// Pure functions of the report: no I/O, no zod, so they are cheap to load and unit-tested directly.
import type { TranscriptLine } from '../../preload/contract'
import type { CheckFailure, CheckOutcome, CheckReport } from '../../preload/contract/checks'
import { formatLine } from './print'

/** How many transcript lines a failure's text carries: the end of the exchange, where it went wrong. */
export const TRANSCRIPT_EXCERPT_LINES = 20

/**
 * Characters XML 1.0 cannot carry at all, not even as a character reference: C0 controls other than
 * tab, LF and CR, lone surrogates, U+FFFE and U+FFFF. A server's reply may hold any of them.
 */
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/** Text as element content: & and < escaped (and > so that "]]>" cannot appear), what XML cannot carry replaced by U+FFFD. */
export function xmlText(text: string): string {
  return text.replace(NOT_XML, '\uFFFD').replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
}

/** Text as an attribute value in double quotes: also " escaped, and tab/LF/CR as references (a parser would fold them to spaces). */
export function xmlAttr(text: string): string {
  return xmlText(text).replaceAll('"', '&quot;').replaceAll('\t', '&#9;').replaceAll('\n', '&#10;').replaceAll('\r', '&#13;')
}

/** Seconds with millisecond precision, as JUnit's time attributes take them. */
function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3)
}

/** A failed assertion as one line that names it: `maxMs: took 2431 ms, more than the 2000 ms allowed`. */
export function assertionLine(failure: CheckFailure): string {
  return failure.message.startsWith(`${failure.assertion}:`) ? failure.message : `${failure.assertion}: ${failure.message}`
}

/** Each failed assertion on a line of its own. */
export function failureLines(check: Pick<CheckOutcome, 'failures'>): string[] {
  return check.failures.map(assertionLine)
}

/** The last lines of the check's transcript as the CLI prints them (already redacted in the result), without colour. */
export function transcriptExcerpt(check: Pick<CheckOutcome, 'result'>, lines = TRANSCRIPT_EXCERPT_LINES): string[] {
  const transcript = (check.result as { transcript?: TranscriptLine[] } | null)?.transcript ?? []
  return transcript.slice(-lines).map((line) => formatLine(line, { color: false }))
}

export interface JUnitOptions {
  /** The suite's name: the check file's name. */
  suiteName: string
  /** When the run started (the suite's timestamp). */
  startedAt?: Date
}

/**
 * The report as JUnit XML: <testsuites> holding one <testsuite>, one <testcase classname="mailprobe">
 * per check, with <failure> (the failed assertions, then the end of the transcript), <error> (the check
 * could not run: its error code and sentence) or <skipped/>.
 */
export function junitXml(report: CheckReport, opts: JUnitOptions): string {
  const count = (status: CheckOutcome['status']) => report.checks.filter((c) => c.status === status).length
  const totals = `tests="${report.checks.length}" failures="${count('fail')}" errors="${count('error')}" skipped="${count('skipped')}" time="${seconds(report.totalMs)}"`
  const suiteName = xmlAttr(opts.suiteName)
  const stamp = opts.startedAt ? ` timestamp="${opts.startedAt.toISOString().slice(0, 19)}"` : ''
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', `<testsuites name="${suiteName}" ${totals}>`, `  <testsuite name="${suiteName}" ${totals}${stamp}>`]
  for (const check of report.checks) {
    const head = `    <testcase name="${xmlAttr(check.name)}" classname="mailprobe" time="${seconds(check.durationMs)}"`
    const excerpt = transcriptExcerpt(check)
    const body = (lines: string[]) => xmlText([...lines, ...(excerpt.length ? ['', `Transcript (last ${excerpt.length} lines):`, ...excerpt] : [])].join('\n'))
    if (check.status === 'pass') {
      out.push(`${head}/>`)
    } else if (check.status === 'skipped') {
      out.push(`${head}>`, '      <skipped/>', '    </testcase>')
    } else if (check.status === 'fail') {
      const lines = failureLines(check)
      const message = lines.join('; ') || 'the check failed'
      out.push(`${head}>`, `      <failure message="${xmlAttr(message)}" type="assertion">${body(lines)}</failure>`, '    </testcase>')
    } else {
      const code = check.error?.code ?? 'ERROR'
      const message = check.error ? `${check.error.code}: ${check.error.message}` : 'the check could not run'
      out.push(`${head}>`, `      <error message="${xmlAttr(message)}" type="${xmlAttr(code)}">${body([message])}</error>`, '    </testcase>')
    }
  }
  out.push('  </testsuite>', '</testsuites>', '')
  return out.join('\n')
}

/** A workflow command's message: % first, then CR and LF (GitHub's escaping of command data). */
export function escapeAnnotationData(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A')
}

/** A workflow command's property value (title=…): as data, and also : and , which separate properties. */
export function escapeAnnotationProperty(text: string): string {
  return escapeAnnotationData(text).replaceAll(':', '%3A').replaceAll(',', '%2C')
}

/** `::error title=…::…` for each check that failed or could not run (GitHub Actions shows them on the run's summary). */
export function githubAnnotations(report: CheckReport): string {
  let out = ''
  for (const check of report.checks) {
    if (check.status !== 'fail' && check.status !== 'error') continue
    const title = `mailprobe check: ${check.name}`
    const message = check.status === 'fail' ? failureLines(check).join('\n') || 'the check failed' : check.error ? `${check.error.code}: ${check.error.message}` : 'the check could not run'
    out += `::error title=${escapeAnnotationProperty(title)}::${escapeAnnotationData(message)}\n`
  }
  return out
}
