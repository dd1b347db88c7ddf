// SendGrid v3: POST {origin}/v3/mail/send, JSON, Authorization: Bearer KEY. Success is 202 with an
// empty body and the id in the X-Message-Id header; with mail_settings.sandbox_mode.enable=true
// (a real boolean) a valid request answers 200 and nothing is sent. Errors: {"errors":[{message,field,help}]}.
import { API_PROVIDER_NAMES } from '../../../../preload/contract'
import { Base64Blob, compact, dig, endpoint, getRequest, isObject, jsonRequest, str, textExcerpt, headersObject } from './common'
import { PROVIDER_PATHS } from './endpoints'
import type { BuildContext, BuiltRequest, InterpretContext, ParsedResponse, ProviderModule } from '../types'
import { outcome } from '../types'

const ORIGINS = { global: 'https://api.sendgrid.com', eu: 'https://api.eu.sendgrid.com' } as const

function buildSend(ctx: BuildContext): BuiltRequest {
  const m = ctx.message!
  const list = (xs: string[]) => xs.map((email) => ({ email }))
  const content = [...(m.text !== undefined ? [{ type: 'text/plain', value: m.text }] : []), ...(m.html !== undefined ? [{ type: 'text/html', value: m.html }] : [])]
  const body = compact({
    personalizations: [compact({ to: list(m.to), cc: list(m.cc), bcc: list(m.bcc) })],
    from: { email: m.from },
    subject: m.subject,
    content,
    attachments: ctx.attachments.map((a) => ({ content: Base64Blob.of(a), filename: a.filename, type: a.contentType, disposition: 'attachment' })),
    headers: headersObject(m.headers),
    mail_settings: ctx.job.sandbox ? { sandbox_mode: { enable: true } } : undefined,
  })
  // Success is 202 with an empty body: nothing to parse, the id is in a header.
  return { ...jsonRequest('POST', endpoint(ctx.origin, PROVIDER_PATHS.sendgrid.send), { Authorization: `Bearer ${ctx.credentials.key}` }, body), expectJson: false }
}

/** SendGrid's errors[] as one line: "message (field)" joined with "; ". */
export function sendgridErrors(json: unknown): string | null {
  const errors = dig(json, 'errors')
  if (!Array.isArray(errors) || !errors.length) return null
  return errors
    .map((e) => {
      const message = str(dig(e, 'message')) ?? 'error'
      const field = str(dig(e, 'field'))
      return field ? `${message} (${field})` : message
    })
    .join('; ')
}

function interpret(res: ParsedResponse, ctx: InterpretContext) {
  const providerError = res.isJson ? sendgridErrors(res.json) : textExcerpt(res.text)
  if (res.status >= 200 && res.status < 300) {
    if (ctx.action === 'verify') {
      const scopes = dig(res.json, 'scopes')
      const list = Array.isArray(scopes) ? scopes.map(String) : []
      const canSend = list.includes('mail.send')
      return outcome({
        ok: true,
        notes: [`the key has ${list.length} scopes${canSend ? ', including mail.send' : ''}`],
        warnings: canSend ? [] : ['This key has no mail.send scope: it is valid, but SendGrid will refuse to send mail with it (403).'],
      })
    }
    const messageId = res.headers['x-message-id'] ?? null
    const warnings: string[] = []
    if (ctx.sandbox && res.status === 202) warnings.push('SendGrid answered 202 (queued) although sandbox mode was asked for, so the message may be delivered: check mail_settings on the account.')
    const notes = ctx.sandbox && res.status === 200 ? ['sandbox mode: SendGrid validated the request (200) and sends nothing'] : []
    return outcome({ ok: true, messageId, notes, warnings })
  }
  if (res.status === 401) return outcome({ ok: false, providerError, hint: 'Check the API key (it starts with SG.); an EU subuser’s key works only on the EU host (region eu).' })
  if (res.status === 403)
    return outcome({
      ok: false,
      providerError,
      hint: 'SendGrid answers 403 when the From address is not a verified Sender Identity, when the key lacks the Mail Send permission, or after too many bad requests (a temporary block).',
    })
  if (res.status === 413) return outcome({ ok: false, providerError, hint: 'The request is too large for SendGrid (30 MB including attachments).' })
  return outcome({ ok: false, providerError: providerError ?? (isObject(res.json) ? JSON.stringify(res.json).slice(0, 200) : null) })
}

export const sendgrid: ProviderModule = {
  label: API_PROVIDER_NAMES.sendgrid,
  defaultOrigin: (job) => ORIGINS[(job.region as 'global' | 'eu' | undefined) ?? 'global'],
  sandbox: {
    kind: 'flag',
    where: 'mail_settings.sandbox_mode.enable = true',
    note: 'SendGrid sandbox mode validates the request and answers 200; nothing is delivered and no credits are used.',
  },
  buildSend,
  buildVerify: (ctx) => getRequest(endpoint(ctx.origin, PROVIDER_PATHS.sendgrid.verify), { Authorization: `Bearer ${ctx.credentials.key}` }),
  interpret,
}
