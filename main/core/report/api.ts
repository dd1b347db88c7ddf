// Text output for HTTPS API results (the CLI's `mailprobe api` and History's .txt export).
import { API_PROVIDER_NAMES, type ApiProvider, type ApiResult } from '../../../preload/contract'
import { apiSuccess } from '../../../preload/contract/wording'
import { deliveryVerdict, formatDelivery } from './delivery'
import { formatPhaseTable, formatWarnings, paint, plural, sanitize, SGR, type Style } from './text'

export const API_PROVIDER_LABELS: Record<ApiProvider, string> = { ...API_PROVIDER_NAMES, generic: 'The endpoint' }

/** `OK — SendGrid accepted the message (202) · message id X · 12.3 ms · 3 round trips` or `FAILED <CODE> — <message>`. */
export function formatApiVerdict(r: ApiResult, style: Style): string {
  const label = API_PROVIDER_LABELS[r.provider]
  if (r.ok || !r.error) {
    return paint(sanitize(`OK — ${apiSuccess(r, label)} · ${deliveryVerdict(r)}${r.totalMs.toFixed(1)} ms · ${plural(r.roundTrips, 'round trip')}`), SGR.green + SGR.bold, style)
  }
  const lines = [paint(`FAILED ${r.error.code} — ${sanitize(r.error.message)}`, SGR.red + SGR.bold, style)]
  if (r.error.reply) lines.push(`  provider replied: ${r.error.reply.code} ${sanitize(r.error.reply.text)}`)
  return lines.join('\n')
}

/** Everything printed after the transcript: the phase table, the delivery section when the mailbox was watched, the verdict and the warnings. `details` (-v): what the verdicts rest on. */
export function formatApiSummary(r: ApiResult, style: Style, opts: { details?: boolean } = {}): string {
  const table = formatPhaseTable(r.phases, r, style)
  const warnings = formatWarnings(r.warnings, style)
  const delivery = r.delivery ? formatDelivery(r.delivery, style, opts) : ''
  return ['', ...(table ? [table, ''] : []), ...(delivery ? [delivery, ''] : []), formatApiVerdict(r, style), ...(warnings ? [warnings] : [])].join('\n') + '\n'
}
