// Mailgun as the sandbox answers it: POST /v3/{domain}/messages, multipart/form-data (or
// x-www-form-urlencoded), Basic api:KEY → 200 {"id":"<…@domain>","message":"Queued. Thank you."};
// a bad key 401 text/plain "Forbidden". GET /v3/domains/{domain} is the key check. o:testmode=yes
// marks the message as test mode.
import { randomBytes } from 'node:crypto'
import { API_PROVIDER_NAMES } from '../../../../preload/contract'
import { PROVIDER_PATHS } from '../../http/providers/endpoints'
import type { MessageAttachment } from '../../message/mime'
import { json, later, type ApiContext, type ApiRequest, type Reply, type SandboxProvider } from './common'

const forbidden = (): Reply => ({ status: 401, headers: { 'Content-Type': 'text/plain; charset=utf-8' }, body: 'Forbidden' })

function authorized(req: ApiRequest, ctx: ApiContext): boolean {
  const b = /^Basic ([A-Za-z0-9+/=]+)$/.exec(req.header('authorization'))
  return b !== null && Buffer.from(b[1]!, 'base64').toString('utf8') === `api:${ctx.key}`
}

/** 20240131120000: the timestamp Mailgun's message ids start with. */
function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`
}

async function send(req: ApiRequest, ctx: ApiContext): Promise<Reply> {
  if (!authorized(req, ctx)) return forbidden()
  const ct = req.header('content-type')
  const fields: Record<string, string[]> = {}
  const attachments: MessageAttachment[] = []
  try {
    if (!/^multipart\/form-data|^application\/x-www-form-urlencoded/i.test(ct)) throw new Error('unsupported content type')
    const fd = await new Request('https://sandbox.invalid/', { method: 'POST', headers: { 'content-type': ct }, body: req.body }).formData()
    for (const [k, v] of fd.entries()) {
      if (typeof v === 'string') (fields[k] ??= []).push(v)
      else if (k === 'attachment' || k === 'inline') attachments.push({ filename: v.name, content: Buffer.from(await v.arrayBuffer()), contentType: v.type || undefined })
    }
  } catch {
    return later(json(400, { message: 'Bad request: the body must be multipart/form-data (or x-www-form-urlencoded) form fields' }))
  }
  const one = (k: string) => fields[k]?.[0]
  if (!one('from')) return later(json(400, { message: 'from parameter is missing' }))
  if (!fields.to?.length) return later(json(400, { message: 'to parameter is missing' }))
  if (one('text') === undefined && one('html') === undefined && one('template') === undefined)
    return later(json(400, { message: "Need at least one of 'text', 'html' or 'template' parameters specified" }))
  const id = `<${stamp(new Date())}.${ctx.nextSeq().toString(16).toUpperCase()}${randomBytes(4).toString('hex').toUpperCase()}@${req.params.domain}>`
  const testMode = ['yes', 'true'].includes((one('o:testmode') ?? '').toLowerCase())
  await ctx.accept(
    'mailgun',
    id,
    {
      from: one('from')!,
      to: fields.to,
      cc: fields.cc ?? [],
      bcc: fields.bcc ?? [],
      subject: one('subject') ?? '',
      text: one('text'),
      html: one('html'),
      headers: Object.entries(fields)
        .filter(([k]) => k.startsWith('h:'))
        .flatMap(([k, vs]) => vs.map((value) => ({ name: k.slice(2), value }))),
      attachments,
      messageId: id,
    },
    testMode,
  )
  return later(json(200, { id, message: 'Queued. Thank you.' }))
}

function verify(req: ApiRequest, ctx: ApiContext): Reply {
  if (!authorized(req, ctx)) return forbidden()
  return json(200, { domain: { name: req.params.domain, state: 'active', type: 'custom', is_disabled: false }, receiving_dns_records: [], sending_dns_records: [] })
}

export const mailgun: SandboxProvider = {
  label: API_PROVIDER_NAMES.mailgun,
  send: { method: 'POST', path: PROVIDER_PATHS.mailgun.send, handle: send },
  verify: { method: 'GET', path: PROVIDER_PATHS.mailgun.verify, handle: verify },
}
