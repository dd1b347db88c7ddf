// Postmark as the sandbox answers it: POST /email, JSON, X-Postmark-Server-Token: KEY (or the test
// token, which marks the message as test mode) → 200 {"To","SubmittedAt","MessageID","ErrorCode":0,
// "Message":"OK"}; a bad token 401 {"ErrorCode":10,…}, an invalid request 422. GET /server is the key check.
import { randomUUID } from 'node:crypto'
import { API_PROVIDER_NAMES } from '../../../../preload/contract'
import { POSTMARK_TEST_TOKEN, PROVIDER_PATHS } from '../../http/providers/endpoints'
import { arr, json, jsonObject, later, obj, str, type ApiContext, type ApiRequest, type Reply, type SandboxProvider } from './common'

const badToken = () => json(401, { ErrorCode: 10, Message: 'The Server Token you provided in the X-Postmark-Server-Token request header was invalid. Please verify that you are using a valid token.' })
const invalid = (message: string) => later(json(422, { ErrorCode: 300, Message: message }))

async function send(req: ApiRequest, ctx: ApiContext): Promise<Reply> {
  const token = req.header('x-postmark-server-token')
  if (token !== ctx.key && token !== POSTMARK_TEST_TOKEN) return badToken()
  let b: Record<string, unknown>
  try {
    b = jsonObject(req.body)
  } catch {
    return later(json(400, { ErrorCode: 402, Message: 'Received invalid JSON input.' }))
  }
  const from = str(b.From)
  const to = str(b.To)
  if (!from) return invalid("Invalid 'From' address: ''.")
  if (!to) return invalid('Zero recipients specified')
  if (str(b.TextBody) === undefined && str(b.HtmlBody) === undefined) return invalid('Provide either email TextBody or HtmlBody or both.')
  const id = randomUUID()
  await ctx.accept(
    'postmark',
    id,
    {
      from,
      to: [to],
      cc: str(b.Cc) ? [str(b.Cc)!] : [],
      bcc: str(b.Bcc) ? [str(b.Bcc)!] : [],
      subject: str(b.Subject) ?? '',
      text: str(b.TextBody),
      html: str(b.HtmlBody),
      headers: arr(b.Headers)
        .map(obj)
        .flatMap((h) => (str(h.Name) && str(h.Value) !== undefined ? [{ name: str(h.Name)!, value: str(h.Value)! }] : [])),
      attachments: arr(b.Attachments)
        .map(obj)
        .map((a) => ({ filename: str(a.Name) ?? 'attachment', content: Buffer.from(str(a.Content) ?? '', 'base64'), contentType: str(a.ContentType) })),
    },
    token === POSTMARK_TEST_TOKEN,
  )
  return later(json(200, { To: to, SubmittedAt: new Date().toISOString(), MessageID: id, ErrorCode: 0, Message: 'OK' }))
}

function verify(req: ApiRequest, ctx: ApiContext): Reply {
  if (req.header('x-postmark-server-token') !== ctx.key) return badToken()
  return json(200, { ID: 1, Name: 'Mailprobe sandbox (local)', Color: 'blue', DeliveryType: 'Live', SmtpApiActivated: true })
}

export const postmark: SandboxProvider = {
  label: API_PROVIDER_NAMES.postmark,
  send: { method: 'POST', path: PROVIDER_PATHS.postmark.send, handle: send },
  verify: { method: 'GET', path: PROVIDER_PATHS.postmark.verify, handle: verify },
}
