// Mailjet v3.1: POST https://api.mailjet.com/v3.1/send, JSON, HTTP Basic APIKEY:SECRETKEY.
// SandboxMode:true sits at the ROOT of the payload (not per message): full validation, no delivery,
// and the normal answer minus MessageID/MessageUUID. Errors are per message (Status "error",
// Errors[] with ErrorCode/ErrorMessage/ErrorRelatedTo); a bad key is a top-level 401 ErrorMessage.
import { API_PROVIDER_NAMES } from '../../../../preload/contract'
import { Base64Blob, basicAuth, compact, dig, endpoint, getRequest, headersObject, jsonRequest, str, textExcerpt } from './common'
import type { BuildContext, BuiltRequest, InterpretContext, ParsedResponse, ProviderModule } from '../types'
import { outcome } from '../types'

function auth(ctx: BuildContext): string {
  return basicAuth(ctx.credentials.key, ctx.credentials.secret ?? '')
}

function buildSend(ctx: BuildContext): BuiltRequest {
  const m = ctx.message!
  const list = (xs: string[]) => xs.map((Email) => ({ Email }))
  const message = compact({
    From: { Email: m.from },
    To: list(m.to),
    Cc: list(m.cc),
    Bcc: list(m.bcc),
    Subject: m.subject,
    TextPart: m.text,
    HTMLPart: m.html,
    Headers: headersObject(m.headers),
    Attachments: ctx.attachments.map((a) => ({ ContentType: a.contentType, Filename: a.filename, Base64Content: Base64Blob.of(a) })),
  })
  const body = ctx.job.sandbox ? { SandboxMode: true, Messages: [message] } : { Messages: [message] }
  return jsonRequest('POST', endpoint(ctx.origin, '/v3.1/send'), { Authorization: auth(ctx) }, body)
}

/** Every per-message error as "send-0003 message (related fields)". */
export function mailjetMessageErrors(json: unknown): string[] {
  const messages = dig(json, 'Messages')
  if (!Array.isArray(messages)) return []
  const out: string[] = []
  for (const msg of messages) {
    if (str(dig(msg, 'Status')) !== 'error') continue
    const errors = dig(msg, 'Errors')
    for (const e of Array.isArray(errors) ? errors : []) {
      const related = dig(e, 'ErrorRelatedTo')
      const code = str(dig(e, 'ErrorCode'))
      out.push(`${code ? `${code} ` : ''}${str(dig(e, 'ErrorMessage')) ?? 'error'}${Array.isArray(related) && related.length ? ` (${related.join(', ')})` : ''}`)
    }
  }
  return out
}

function interpret(res: ParsedResponse, ctx: InterpretContext) {
  const perMessage = mailjetMessageErrors(res.json)
  const topLevel = str(dig(res.json, 'ErrorMessage'))
  const providerError = perMessage.length
    ? perMessage.join('; ')
    : topLevel
      ? `${topLevel}${str(dig(res.json, 'ErrorCode')) ? ` (${str(dig(res.json, 'ErrorCode'))})` : ''}`
      : res.isJson
        ? null
        : textExcerpt(res.text)
  if (res.status >= 200 && res.status < 300) {
    if (ctx.action === 'verify') {
      const data = dig(res.json, 'Data')
      const active = Array.isArray(data) ? data.filter((k) => dig(k, 'IsActive') === true).length : 0
      return outcome({ ok: true, notes: [`the key pair works; ${Array.isArray(data) ? data.length : 0} API keys visible, ${active} active`] })
    }
    if (perMessage.length) return outcome({ ok: false, providerError, code: 'HTTP_REJECTED', hint: 'Mailjet refused the message (see its per-message errors).' })
    const status = str(dig(res.json, 'Messages', 0, 'Status'))
    if (status !== 'success') return outcome({ ok: false, providerError: `message status ${status ?? 'missing'}`, code: 'HTTP_BAD_RESPONSE' })
    const to0 = dig(res.json, 'Messages', 0, 'To', 0)
    const messageId = str(dig(to0, 'MessageUUID')) ?? str(dig(to0, 'MessageID'))
    const notes = ctx.sandbox ? ['SandboxMode: Mailjet validated the message and delivers nothing (it returns no MessageID in this mode)'] : []
    return outcome({ ok: true, messageId, notes })
  }
  if (res.status === 401 || res.status === 403)
    return outcome({ ok: false, providerError, hint: 'Mailjet needs the API key as the user and the SECRET key as the password: check both, and that the key pair is active.' })
  return outcome({ ok: false, providerError, ...(perMessage.length ? { hint: 'Mailjet refused the message (see its per-message errors).' } : {}) })
}

export const mailjet: ProviderModule = {
  label: API_PROVIDER_NAMES.mailjet,
  defaultOrigin: () => 'https://api.mailjet.com',
  sandbox: { kind: 'flag', where: 'SandboxMode: true at the root of the payload', note: 'Mailjet SandboxMode validates the message fully and delivers nothing.' },
  buildSend,
  buildVerify: (ctx) => getRequest(endpoint(ctx.origin, '/v3/REST/apikey'), { Authorization: auth(ctx) }),
  interpret,
}
