// SparkPost: POST {origin}/api/v1/transmissions, JSON, Authorization: <API key> (the bare key, no
// "Bearer"). Success 200 {"results":{"total_rejected_recipients":0,"total_accepted_recipients":1,"id":…}};
// errors {"errors":[{"message","description","code"}]}. options.sandbox:true allows only FIVE
// messages over the account's lifetime, from a sparkpostbox.com address.
import { API_PROVIDER_NAMES } from '../../../../preload/contract'
import { Base64Blob, compact, dig, endpoint, getRequest, headersObject, jsonRequest, str, textExcerpt } from './common'
import type { BuildContext, BuiltRequest, InterpretContext, ParsedResponse, ProviderModule } from '../types'
import { outcome } from '../types'

const ORIGINS = { us: 'https://api.sparkpost.com', eu: 'https://api.eu.sparkpost.com' } as const

function buildSend(ctx: BuildContext): BuiltRequest {
  const m = ctx.message!
  // Cc and Bcc are recipients whose header_to names the visible To; Cc is also shown in a CC header.
  const headerTo = m.to.join(', ') || undefined
  const recipients = [
    ...m.to.map((email) => ({ address: { email } })),
    ...m.cc.map((email) => ({ address: compact({ email, header_to: headerTo }) })),
    ...m.bcc.map((email) => ({ address: compact({ email, header_to: headerTo }) })),
  ]
  const headers = { ...(headersObject(m.headers) ?? {}), ...(m.cc.length ? { CC: m.cc.join(', ') } : {}) }
  const body = compact({
    options: ctx.job.sandbox ? { sandbox: true } : undefined,
    recipients,
    content: compact({
      from: { email: m.from },
      subject: m.subject,
      text: m.text,
      html: m.html,
      headers: Object.keys(headers).length ? headers : undefined,
      attachments: ctx.attachments.map((a) => ({ name: a.filename, type: a.contentType, data: Base64Blob.of(a) })),
    }),
  })
  return jsonRequest('POST', endpoint(ctx.origin, '/api/v1/transmissions'), { Authorization: ctx.credentials.key }, body)
}

export function sparkpostErrors(json: unknown): string | null {
  const errors = dig(json, 'errors')
  if (!Array.isArray(errors) || !errors.length) return null
  return errors
    .map((e) => {
      const code = str(dig(e, 'code'))
      const description = str(dig(e, 'description'))
      return `${str(dig(e, 'message')) ?? 'error'}${description ? `: ${description}` : ''}${code ? ` (code ${code})` : ''}`
    })
    .join('; ')
}

function interpret(res: ParsedResponse, ctx: InterpretContext) {
  const providerError = res.isJson ? sparkpostErrors(res.json) : textExcerpt(res.text)
  if (res.status >= 200 && res.status < 300) {
    if (ctx.action === 'verify') {
      const company = str(dig(res.json, 'results', 'company_name'))
      const status = str(dig(res.json, 'results', 'status'))
      return outcome({ ok: true, notes: [`account${company ? ` ${company}` : ''}${status ? `, status ${status}` : ''}`] })
    }
    const accepted = Number(dig(res.json, 'results', 'total_accepted_recipients') ?? NaN)
    const rejected = Number(dig(res.json, 'results', 'total_rejected_recipients') ?? 0)
    const warnings = rejected > 0 ? [`SparkPost rejected ${rejected} recipient(s) of this transmission.`] : []
    if (accepted === 0) return outcome({ ok: false, providerError: `SparkPost accepted no recipients (${rejected} rejected)`, code: 'HTTP_REJECTED' })
    return outcome({ ok: true, messageId: str(dig(res.json, 'results', 'id')), warnings, notes: Number.isFinite(accepted) ? [`${accepted} recipient(s) accepted`] : [] })
  }
  if (res.status === 401)
    return outcome({ ok: false, providerError, hint: 'SparkPost takes the bare API key in Authorization. Check the key, and use region eu for an account on api.eu.sparkpost.com.' })
  if (res.status === 403)
    return outcome({
      ok: false,
      providerError,
      hint:
        ctx.action === 'verify'
          ? 'The key may lack the Account: Read-only permission this check needs; a sending key can be tested with a sandbox send instead.'
          : 'The key lacks the Transmissions: Read/Write permission.',
    })
  return outcome({ ok: false, providerError })
}

export const sparkpost: ProviderModule = {
  label: API_PROVIDER_NAMES.sparkpost,
  defaultOrigin: (job) => ORIGINS[(job.region as 'us' | 'eu' | undefined) ?? 'us'],
  sandbox: {
    kind: 'flag',
    where: 'options.sandbox = true',
    warning: 'SparkPost allows only 5 sandbox messages over the account’s whole lifetime, and they must come from a sparkpostbox.com address.',
    check: (m) => (/@sparkpostbox\.com$/i.test(m.from) ? null : 'SparkPost sandbox sends must come from an address at sparkpostbox.com; this From will probably be refused.'),
  },
  buildSend,
  buildVerify: (ctx) => getRequest(endpoint(ctx.origin, '/api/v1/account'), { Authorization: ctx.credentials.key }),
  interpret,
}
