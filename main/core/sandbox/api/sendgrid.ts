// SendGrid v3 as the sandbox answers it: POST /v3/mail/send, JSON, Bearer KEY → 202 with an empty
// body and the id in X-Message-Id (200 with mail_settings.sandbox_mode.enable, which marks the
// message as test mode); a bad key 401 {"errors":[…]}. GET /v3/scopes is the key check.
import { randomBytes } from 'node:crypto'
import { API_PROVIDER_NAMES } from '../../../../preload/contract'
import { PROVIDER_PATHS } from '../../http/providers/endpoints'
import { arr, json, jsonObject, later, obj, str, type ApiContext, type ApiRequest, type Reply, type SandboxProvider } from './common'

const badKey = () => json(401, { errors: [{ message: 'The provided authorization grant is invalid, expired, or revoked', field: null, help: null }] })
const invalid = (message: string, field: string | null) => later(json(400, { errors: [{ message, field, help: null }] }))
const authorized = (req: ApiRequest, ctx: ApiContext) => req.header('authorization') === `Bearer ${ctx.key}`

async function send(req: ApiRequest, ctx: ApiContext): Promise<Reply> {
  if (!authorized(req, ctx)) return badKey()
  let b: Record<string, unknown>
  try {
    b = jsonObject(req.body)
  } catch {
    return invalid('Bad Request', null)
  }
  const pers = arr(b.personalizations).map(obj)
  const emails = (v: unknown) =>
    arr(v)
      .map((e) => str(obj(e).email))
      .filter((e): e is string => e !== undefined)
  if (!pers.length) return invalid('The personalizations field is required and must have at least one personalization.', 'personalizations')
  const to = pers.flatMap((p) => emails(p.to))
  if (!to.length) return invalid('The to array is required for all personalization objects, and must have at least one email object with a valid email address.', 'personalizations.0.to')
  const from = str(obj(b.from).email)
  if (!from) return invalid('The from object must be provided for every email send. It is an object that requires the email parameter, but may also contain a name parameter.', 'from')
  const content = arr(b.content).map(obj)
  const subject = str(b.subject) ?? str(pers[0]?.subject)
  if (subject === undefined && !b.template_id)
    return invalid('The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.', 'subject')
  if (!content.length && !b.template_id) return invalid('Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block.', 'content')
  const sandbox = obj(obj(b.mail_settings).sandbox_mode).enable
  if (sandbox !== undefined && typeof sandbox !== 'boolean') return invalid('The sandbox_mode enable value must be a boolean.', 'mail_settings.sandbox_mode.enable')
  const id = `${ctx.nextSeq().toString(36)}${randomBytes(12).toString('base64url')}`.slice(0, 22)
  await ctx.accept(
    'sendgrid',
    id,
    {
      from,
      to,
      cc: pers.flatMap((p) => emails(p.cc)),
      bcc: pers.flatMap((p) => emails(p.bcc)),
      subject: subject ?? '',
      text: str(content.find((c) => c.type === 'text/plain')?.value),
      html: str(content.find((c) => c.type === 'text/html')?.value),
      headers: Object.entries(obj(b.headers)).flatMap(([name, value]) => (typeof value === 'string' ? [{ name, value }] : [])),
      attachments: arr(b.attachments)
        .map(obj)
        .map((a) => ({ filename: str(a.filename) ?? 'attachment', content: Buffer.from(str(a.content) ?? '', 'base64'), contentType: str(a.type) })),
    },
    sandbox === true,
  )
  // SendGrid answers 202 Accepted with an empty body (200 in sandbox mode); the id is in a header.
  return later({ status: sandbox === true ? 200 : 202, headers: { 'X-Message-Id': id }, body: '' })
}

function verify(req: ApiRequest, ctx: ApiContext): Reply {
  if (!authorized(req, ctx)) return badKey()
  return json(200, { scopes: ['mail.send', 'user.profile.read'] })
}

export const sendgrid: SandboxProvider = {
  label: API_PROVIDER_NAMES.sendgrid,
  send: { method: 'POST', path: PROVIDER_PATHS.sendgrid.send, handle: send },
  verify: { method: 'GET', path: PROVIDER_PATHS.sendgrid.verify, handle: verify },
}
