// Mailgun: POST {origin}/v3/{domain}/messages, multipart/form-data, HTTP Basic api:KEY.
// Success 200 {"id":"<…>","message":"Queued. Thank you."}; a bad key (or a domain of the other
// region) answers 401 with the text/plain body "Forbidden". Test mode: o:testmode=yes (billed).
import { API_PROVIDER_NAMES, type ApiJob } from '../../../../preload/contract'
import { describeAttachment } from '../../message/attachments'
import type { BuildContext, BuiltRequest, ParsedResponse, ProviderModule } from '../types'
import { outcome } from '../types'
import { basicAuth, dig, endpoint, getRequest, str, textExcerpt } from './common'
import { fillPath, PROVIDER_PATHS } from './endpoints'

const ORIGINS = { us: 'https://api.mailgun.net', eu: 'https://api.eu.mailgun.net' } as const

async function buildSend(ctx: BuildContext): Promise<BuiltRequest> {
  const m = ctx.message!
  const domain = ctx.job.domain!
  const fd = new FormData()
  const shown: string[] = []
  const add = (name: string, value: string) => {
    fd.append(name, value)
    shown.push(`${name}: ${value}`)
  }
  add('from', m.from)
  for (const to of m.to) add('to', to)
  for (const cc of m.cc) add('cc', cc)
  for (const bcc of m.bcc) add('bcc', bcc)
  add('subject', m.subject)
  if (m.text !== undefined) add('text', m.text)
  if (m.html !== undefined) add('html', m.html)
  for (const h of m.headers) add(`h:${h.name}`, h.value)
  if (ctx.job.sandbox) add('o:testmode', 'yes')
  for (const a of ctx.attachments) {
    fd.append('attachment', new Blob([new Uint8Array(a.content)], { type: a.contentType }), a.filename)
    shown.push(`attachment: ${describeAttachment(a)}`)
  }
  // undici's Request serialises the form with its boundary, exactly as fetch would send it.
  const serialised = new Request('https://mailgun.invalid/', { method: 'POST', body: fd })
  const body = Buffer.from(await serialised.arrayBuffer())
  const contentType = serialised.headers.get('content-type') ?? 'multipart/form-data'
  return {
    method: 'POST',
    url: endpoint(ctx.origin, fillPath(PROVIDER_PATHS.mailgun.send, { domain })),
    headers: { Authorization: basicAuth('api', ctx.credentials.key), 'Content-Type': contentType, Accept: 'application/json' },
    body,
    display: [`multipart/form-data, ${shown.length} fields:`, ...shown].join('\n'),
    expectJson: true,
  }
}

function interpret(res: ParsedResponse, ctx: { action: 'send' | 'verify'; job: ApiJob }) {
  const message = str(dig(res.json, 'message'))
  const providerError = res.isJson ? message : textExcerpt(res.text)
  if (res.status >= 200 && res.status < 300) {
    if (ctx.action === 'verify') {
      const name = str(dig(res.json, 'domain', 'name')) ?? ctx.job.domain
      const state = str(dig(res.json, 'domain', 'state'))
      return outcome({ ok: true, notes: [`domain ${name}${state ? ` is ${state}` : ''}`] })
    }
    const id = str(dig(res.json, 'id'))
    return outcome({ ok: true, messageId: id, notes: message ? [`Mailgun: ${message}`] : [] })
  }
  const region = ctx.job.region ?? 'us'
  const other = region === 'eu' ? 'us' : 'eu'
  if (res.status === 401 || res.status === 403)
    return outcome({
      ok: false,
      providerError,
      hint:
        ctx.action === 'verify'
          ? `Mailgun answers ${res.status} for a wrong key, for a domain of the other region, and for a Domain Sending Key (which can only send): use an account API key here, try region ${other}, or test a sending key with a sandbox send (o:testmode, billed).`
          : `Mailgun answers ${res.status} “Forbidden” both for a wrong key and for a domain created in the other region: check the key, then try region ${other} (${ORIGINS[other]}).`,
    })
  if (res.status === 404)
    return outcome({ ok: false, providerError, hint: `Mailgun does not know the domain ${ctx.job.domain} here: check its spelling, and whether it lives in the ${other.toUpperCase()} region.` })
  if (res.status === 402) return outcome({ ok: false, providerError, hint: 'Mailgun wants a payment or plan change on this account before it sends.' })
  return outcome({ ok: false, providerError })
}

export const mailgun: ProviderModule = {
  label: API_PROVIDER_NAMES.mailgun,
  defaultOrigin: (job) => ORIGINS[(job.region as 'us' | 'eu' | undefined) ?? 'us'],
  sandbox: {
    kind: 'flag',
    where: 'form field o:testmode=yes',
    warning: 'Mailgun test mode (o:testmode=yes) accepts the message without delivering it, but test-mode messages are still charged.',
  },
  buildSend,
  buildVerify: (ctx) => getRequest(endpoint(ctx.origin, fillPath(PROVIDER_PATHS.mailgun.verify, { domain: ctx.job.domain! })), { Authorization: basicAuth('api', ctx.credentials.key) }),
  interpret,
}
