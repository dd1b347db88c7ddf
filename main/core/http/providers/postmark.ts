// Postmark: POST https://api.postmarkapp.com/email, JSON, X-Postmark-Server-Token. Success 200
// {"MessageID":…,"ErrorCode":0,"Message":"OK"}; errors {"ErrorCode":n,"Message":"…"} (401 bad token,
// 422 invalid request). No sandbox flag on the API: the POSTMARK_API_TEST token validates the payload only.
import { API_PROVIDER_NAMES } from '../../../../preload/contract'
import { Base64Blob, compact, dig, endpoint, getRequest, jsonRequest, str, textExcerpt } from './common'
import { POSTMARK_TEST_TOKEN, PROVIDER_PATHS } from './endpoints'
import type { BuildContext, BuiltRequest, InterpretContext, ParsedResponse, ProviderModule } from '../types'
import { outcome } from '../types'

const ERROR_HINTS: Record<number, string> = {
  10: 'The server token is wrong or missing: use the Server API token of the server you send from (not an account token).',
  300: 'Postmark found the request invalid: often the From address is not a confirmed Sender Signature or domain.',
  400: 'The From address has no Sender Signature on this server.',
  401: 'The Sender Signature for the From address is not confirmed yet.',
  405: 'This account is not allowed to send yet (pending approval, or out of credits).',
  406: 'The recipient is inactive on Postmark (an earlier hard bounce or spam complaint): reactivate it in the dashboard or use another address.',
  412: 'The account is pending approval: only addresses on its own domain can receive mail.',
  413: 'The account may not send: contact Postmark support.',
  429: 'Postmark is rate-limiting this server.',
}

function buildSend(ctx: BuildContext): BuiltRequest {
  const m = ctx.message!
  const join = (xs: string[]) => (xs.length ? xs.join(', ') : undefined)
  const body = compact({
    From: m.from,
    To: join(m.to),
    Cc: join(m.cc),
    Bcc: join(m.bcc),
    Subject: m.subject,
    TextBody: m.text,
    HtmlBody: m.html,
    MessageStream: 'outbound',
    Headers: m.headers.map((h) => ({ Name: h.name, Value: h.value })),
    Attachments: ctx.attachments.map((a) => ({ Name: a.filename, Content: Base64Blob.of(a), ContentType: a.contentType })),
  })
  return jsonRequest('POST', endpoint(ctx.origin, PROVIDER_PATHS.postmark.send), { 'X-Postmark-Server-Token': ctx.credentials.key }, body)
}

function interpret(res: ParsedResponse, ctx: InterpretContext) {
  const errorCode = dig(res.json, 'ErrorCode')
  const message = str(dig(res.json, 'Message'))
  const providerError = res.isJson ? (message ? `${typeof errorCode === 'number' ? `ErrorCode ${errorCode}: ` : ''}${message}` : null) : textExcerpt(res.text)
  const hint = typeof errorCode === 'number' ? ERROR_HINTS[errorCode] : undefined
  if (res.status >= 200 && res.status < 300) {
    if (ctx.action === 'verify') {
      const name = str(dig(res.json, 'Name'))
      const delivery = str(dig(res.json, 'DeliveryType'))
      return outcome({
        ok: true,
        notes: [`server ${name ?? '(unnamed)'}${delivery ? `, delivery type ${delivery}` : ''}`],
        warnings: delivery === 'Sandbox' ? ['This is a Postmark Sandbox server: it never delivers, but its messages count toward your monthly volume.'] : [],
      })
    }
    if (typeof errorCode === 'number' && errorCode !== 0) return outcome({ ok: false, providerError, hint, code: 'HTTP_REJECTED' })
    const warnings = ctx.job.credentials.key === POSTMARK_TEST_TOKEN ? ['POSTMARK_API_TEST validated the payload only: your real server token was not checked.'] : []
    return outcome({ ok: true, messageId: str(dig(res.json, 'MessageID')), warnings })
  }
  return outcome({ ok: false, providerError, hint })
}

export const postmark: ProviderModule = {
  label: API_PROVIDER_NAMES.postmark,
  defaultOrigin: () => 'https://api.postmarkapp.com',
  sandbox: {
    kind: 'recipients',
    accepts: (address, { key }) => key === POSTMARK_TEST_TOKEN || /@bounce-testing\.postmarkapp\.com$/i.test(address),
    suggestion: 'the POSTMARK_API_TEST token (validates the payload only), addresses at bounce-testing.postmarkapp.com (e.g. hardbounce@bounce-testing.postmarkapp.com), or a Sandbox server’s token',
  },
  buildSend,
  buildVerify: (ctx) => getRequest(endpoint(ctx.origin, PROVIDER_PATHS.postmark.verify), { 'X-Postmark-Server-Token': ctx.credentials.key }),
  interpret,
}
