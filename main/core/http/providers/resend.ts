// Resend: POST https://api.resend.com/emails, JSON, Authorization: Bearer re_…. Success 200 {"id":…};
// errors {"statusCode":…,"name":"…","message":"…"} — the docs disagree on 401 vs 403 for a bad key,
// so the name decides. No sandbox flag: test recipients at resend.dev. Key check: GET /domains, where
// a sending-only key gets 401 restricted_api_key, which still proves the key exists.
import { API_PROVIDER_NAMES } from '../../../../preload/contract'
import { Base64Blob, compact, dig, endpoint, getRequest, headersObject, jsonRequest, str, textExcerpt } from './common'
import type { BuildContext, BuiltRequest, InterpretContext, ParsedResponse, ProviderModule } from '../types'
import { outcome } from '../types'

const AUTH_NAMES = new Set(['missing_api_key', 'invalid_api_key', 'restricted_api_key'])

function buildSend(ctx: BuildContext): BuiltRequest {
  const m = ctx.message!
  const body = compact({
    from: m.from,
    to: m.to,
    cc: m.cc,
    bcc: m.bcc,
    subject: m.subject,
    text: m.text,
    html: m.html,
    headers: headersObject(m.headers),
    attachments: ctx.attachments.map((a) => ({ filename: a.filename, content: Base64Blob.of(a), content_type: a.contentType })),
  })
  return jsonRequest('POST', endpoint(ctx.origin, '/emails'), { Authorization: `Bearer ${ctx.credentials.key}` }, body)
}

function interpret(res: ParsedResponse, ctx: InterpretContext) {
  const name = str(dig(res.json, 'name'))
  const message = str(dig(res.json, 'message'))
  const providerError = res.isJson ? [name, message].filter(Boolean).join(': ') || null : textExcerpt(res.text)
  if (res.status >= 200 && res.status < 300) {
    if (ctx.action === 'verify') {
      const data = dig(res.json, 'data')
      const domains = Array.isArray(data) ? data.map((d) => `${str(dig(d, 'name')) ?? '?'} (${str(dig(d, 'status')) ?? '?'})`) : []
      return outcome({ ok: true, notes: [`full-access key; domains: ${domains.join(', ') || 'none'}`] })
    }
    return outcome({ ok: true, messageId: str(dig(res.json, 'id')) })
  }
  if (ctx.action === 'verify' && name === 'restricted_api_key')
    return outcome({
      ok: true,
      notes: ['Resend answered 401 restricted_api_key: the key exists and is a sending-only key (it cannot list domains, which is expected).'],
    })
  if (name && AUTH_NAMES.has(name))
    return outcome({
      ok: false,
      providerError,
      code: 'HTTP_AUTH_FAILED',
      hint: name === 'missing_api_key' ? 'No API key reached Resend: check the Authorization header.' : 'Check the API key (it starts with re_) and that it was not deleted.',
    })
  if (name === 'validation_error')
    return outcome({
      ok: false,
      providerError,
      code: 'HTTP_REJECTED',
      hint: 'Resend refused the request: an unverified account can only send to its own address, the From domain must be verified, and @example.com / @test.com recipients are refused. For tests use delivered@resend.dev.',
    })
  if (name === 'rate_limit_exceeded') return outcome({ ok: false, providerError, code: 'HTTP_RATE_LIMITED' })
  return outcome({ ok: false, providerError })
}

export const resend: ProviderModule = {
  label: API_PROVIDER_NAMES.resend,
  defaultOrigin: () => 'https://api.resend.com',
  sandbox: {
    kind: 'recipients',
    accepts: (address) => /@resend\.dev$/i.test(address),
    suggestion: 'Resend’s test recipients (delivered@resend.dev, bounced@resend.dev, complained@resend.dev; labels like delivered+x@resend.dev work)',
  },
  buildSend,
  buildVerify: (ctx) => getRequest(endpoint(ctx.origin, '/domains'), { Authorization: `Bearer ${ctx.credentials.key}` }),
  interpret,
}
