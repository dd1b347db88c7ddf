import type { HistoryEntry, SmtpStage } from '../../../preload/contract'
import { formatApiSummary } from '../report/api'
import { formatCompareSummary } from '../report/compare'
import { formatDomainSummary } from '../report/domain'
import { formatProbeSummary } from '../report/probe'
import { formatLine, formatSummary, sanitize } from '../report/text'
import { fileStamp } from '../storage'
import { stageOfAction } from '../../../preload/contract/wording'
import { checksCountWords } from '../../../preload/contract/checks-job'

/*
 * Transcript exports. The .txt is what the CLI prints (swaks-like): a header, one line per
 * exchange (`   12.3 ms  -> EHLO …`, with -> client, <- server, ~~ TLS, == info, ** error), then the
 * phase table, the verdict and the warnings — built with the same formatters as the CLI (core/report), without colour.
 * The .json is the whole stored entry (summary and full result).
 */

const NO_COLOR = { color: false }

const ACTION_WORDS: Record<HistoryEntry['action'], string> = {
  probe: 'Port probe',
  verify: 'Verify credentials',
  envelope: 'Envelope test',
  send: 'Send',
  'api-send': 'API send',
  'api-sandbox': 'API send (sandbox)',
  'api-verify': 'API key check',
  compare: 'Latency lab comparison',
  domain: 'Domain readiness',
  checks: 'Check file',
}

export function transcriptText(entry: HistoryEntry, stopAfter?: SmtpStage): string {
  const r = entry.result
  const head = [
    `Mailprobe — ${ACTION_WORDS[entry.action]} · ${sanitize(entry.target)}${entry.profileName ? ` · profile "${sanitize(entry.profileName)}"` : ''}`,
    `Started ${entry.startedAt} · job ${entry.jobId}`,
    '',
  ]
  const lines = r.transcript.map((l) => formatLine(l, NO_COLOR))
  let tail: string
  switch (r.kind) {
    case 'smtp':
      tail = formatSummary(r, stopAfter ?? stageOfAction(entry.action), NO_COLOR)
      break
    case 'api':
      tail = formatApiSummary(r, NO_COLOR)
      break
    case 'probe':
      tail = formatProbeSummary(r, NO_COLOR)
      break
    case 'compare':
      tail = formatCompareSummary(r, NO_COLOR)
      break
    case 'domain':
      // With each check's findings and records (the CLI's -v): an export is read later, without the app to expand them.
      tail = formatDomainSummary(r, NO_COLOR, { details: true })
      break
    case 'checks':
      // The progress lines already say each check's outcome; the tail is the verdict.
      tail = r.error ? `${r.error.code}: ${r.error.message}` : r.report ? checksCountWords(r.report) : ''
      break
  }
  return `${[...head, ...lines].join('\n')}\n${tail}`
}

/** `mailprobe-send-smtp.example.com-587-2026-11-28T10-15-00-123Z.txt` */
export function exportName(entry: HistoryEntry, format: 'txt' | 'json'): string {
  const target =
    entry.target
      .replace(/[^A-Za-z0-9.-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'run'
  const started = Number.isNaN(Date.parse(entry.startedAt)) ? 'unknown-time' : fileStamp(new Date(entry.startedAt))
  return `mailprobe-${entry.action}-${target}-${started}.${format}`
}

export function exportEntry(entry: HistoryEntry, format: 'txt' | 'json', stopAfter?: SmtpStage): { suggestedName: string; content: string } {
  const content = format === 'txt' ? transcriptText(entry, stopAfter) : `${JSON.stringify(entry, null, 2)}\n`
  return { suggestedName: exportName(entry, format), content }
}
