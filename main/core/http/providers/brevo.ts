// Brevo: POST https://api.brevo.com/v3/smtp/email, JSON, header api-key. Success 201
// {"messageId":"<…@smtp-relay.mailin.fr>"}; errors {"code":"…","message":"…"}. The sandbox is a
// header INSIDE the JSON body: "headers": {"X-Sib-Sandbox": "drop"} (201, nothing sent, no logs).
import { API_PROVIDER_NAMES } from '../../../../preload/contract'
import { Base64Blob, compact, dig, endpoint, getRequest, headersObject, jsonRequest, str, textExcerpt } from './common'
import type { BuildContext, BuiltRequest, InterpretContext, ParsedResponse, ProviderModule } from '../types'
import { outcome } from '../types'

function buildSend(ctx: BuildContext): BuiltRequest {
  const m = ctx.message!
  const list = (xs: string[]) => xs.map((email) => ({ email }))
  const headers = { ...(headersObject(m.headers) ?? {}), ...(ctx.job.sandbox ? { 'X-Sib-Sandbox': 'drop' } : {}) }
  const body = compact({
    sender: { email: m.from },
    to: list(m.to),
    cc: list(m.cc),
    bcc: list(m.bcc),
    subject: m.subject,
    textContent: m.text,
    htmlContent: m.html,
    attachment: ctx.attachments.map((a) => ({ content: Base64Blob.of(a), name: a.filename })),
    headers: Object.keys(headers).length ? headers : undefined,
  })
  return jsonRequest('POST', endpoint(ctx.origin, '/v3/smtp/email'), { 'api-key': ctx.credentials.key }, body)
}

function interpret(res: ParsedResponse, ctx: InterpretContext) {
  const code = str(dig(res.json, 'code'))
  const message = str(dig(res.json, 'message'))
  const providerError = res.isJson ? [code, message].filter(Boolean).join(': ') || null : textExcerpt(res.text)
  if (res.status >= 200 && res.status < 300) {
    if (ctx.action === 'verify') {
      const email = str(dig(res.json, 'email'))
      const company = str(dig(res.json, 'companyName'))
      return outcome({ ok: true, notes: [`account ${[company, email].filter(Boolean).join(', ') || '(no details)'}`] })
    }
    const notes = ctx.sandbox ? ['X-Sib-Sandbox: drop — Brevo accepted the message and sends nothing (no logs either)'] : []
    return outcome({ ok: true, messageId: str(dig(res.json, 'messageId')), notes })
  }
  if (res.status === 401)
    return outcome({ ok: false, providerError, hint: 'Check the API key (xkeysib-…). An SMTP key (xsmtpsib-…) does not work on the API, and the API key does not work for SMTP.' })
  return outcome({ ok: false, providerError })
}

export const brevo: ProviderModule = {
  label: API_PROVIDER_NAMES.brevo,
  defaultOrigin: () => 'https://api.brevo.com',
  sandbox: { kind: 'flag', where: 'headers["X-Sib-Sandbox"] = "drop" inside the JSON body', note: 'Brevo sandbox (X-Sib-Sandbox: drop) answers 201 with a messageId and sends nothing.' },
  buildSend,
  buildVerify: (ctx) => getRequest(endpoint(ctx.origin, '/v3/account'), { 'api-key': ctx.credentials.key }),
  interpret,
}
