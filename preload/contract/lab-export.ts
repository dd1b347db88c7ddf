/**
 * A comparison as files: CSV with one row per run (for a spreadsheet or a plotting script), and
 * JSON with the figures and the raw samples (the transcript is left out; it is in History).
 * Pure: the CLI (through main/core/lab) and the Lab tab (which saves them with saveFile) share it.
 */
import type { CompareResult } from './lab'

export const COMPARE_EXPORT_FORMAT = 'mailprobe-compare'
export const COMPARE_EXPORT_VERSION = 1

/**
 * A CSV field: quoted when it holds a comma, quote or line break; text that a spreadsheet would
 * run as a formula (= + - @ at the start) gets a leading apostrophe.
 */
function cell(value: string | number | boolean | null): string {
  if (value === null) return ''
  if (typeof value !== 'string') return String(value)
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe
}

/**
 * One row per run, in the order they started; measured to the inbox, where and how soon each run's
 * message was seen; then a column per phase (ms, empty where the run had none).
 */
export function compareToCsv(result: CompareResult): string {
  const inbox = Boolean(result.toInbox) || result.samples.some((s) => s.delivery)
  const phases: string[] = []
  for (const p of result.profiles) for (const name of p.phaseOrder) if (!phases.includes(name)) phases.push(name)
  for (const s of result.samples) for (const name of Object.keys(s.phases)) if (!phases.includes(name)) phases.push(name)
  const head = [
    'seq',
    'profile',
    'kind',
    'run',
    'mode',
    'action',
    'started_ms',
    'ok',
    'error_code',
    'total_ms',
    'round_trips',
    'bytes_sent',
    'bytes_received',
    'reused',
    'message_ref',
    ...(inbox ? ['inbox_seen', 'inbox_folder', 'inbox_junk', 'accepted_to_inbox_ms', 'send_to_inbox_ms', 'inbox_already_there'] : []),
    ...phases.map((n) => `phase_${n}_ms`),
  ]
  const rows = [...result.samples]
    .sort((a, b) => a.seq - b.seq)
    .map((s) => [
      s.seq,
      s.name,
      result.profiles[s.profile]?.kind ?? '',
      s.run,
      result.mode,
      result.action,
      s.startedMs,
      s.ok,
      s.errorCode,
      s.totalMs,
      s.roundTrips,
      s.bytes.sent,
      s.bytes.received,
      s.reused,
      s.messageRef,
      ...(inbox
        ? [s.delivery?.seen ?? null, s.delivery?.folder ?? null, s.delivery?.junk ?? null, s.delivery?.acceptedToInboxMs ?? null, s.delivery?.sendToInboxMs ?? null, s.delivery?.alreadyThere ?? null]
        : []),
      ...phases.map((n) => s.phases[n] ?? null),
    ])
  return [head, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n'
}

/** The figures and samples as a versioned JSON document (measured to the inbox: each profile's `delivery` figures and each sample's). */
export function compareToJson(result: CompareResult, now = new Date()): string {
  const { transcript: _t, ...rest } = result
  return `${JSON.stringify({ format: COMPARE_EXPORT_FORMAT, version: COMPARE_EXPORT_VERSION, exportedAt: now.toISOString(), ...rest }, null, 2)}\n`
}
