// Generic endpoint: any method and URL, a key as Bearer / Basic / a named header, and a JSON or
// form body built from a template with {{from}} {{to}} {{cc}} {{bcc}} {{subject}} {{text}} {{html}}
// (lists comma-joined; a string that is exactly "{{to[]}}" becomes an array, or repeated form
// fields). {{key}} and {{secret}} fill in the credentials (shown as [redacted]). Success is any 2xx.
import { REDACTED } from '../../transcript/redact'
import { fail } from '../../errors'
import type { BuildContext, BuiltRequest, InterpretContext, ParsedResponse, ProviderModule } from '../types'
import { outcome } from '../types'
import { basicAuth, dig, isObject, str, textExcerpt } from './common'
import type { GenericEndpoint } from '../../../../preload/contract'

const PLACEHOLDER = /\{\{\s*([a-z]+)(\[\])?\s*\}\}/g
const LISTS = new Set(['to', 'cc', 'bcc'])
const KNOWN = new Set(['from', 'to', 'cc', 'bcc', 'subject', 'text', 'html', 'key', 'secret'])

type Values = Record<string, string | string[]>

/** Names of the placeholders a template uses that Mailprobe does not know (for validation). */
export function unknownPlaceholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!).filter((n) => !KNOWN.has(n))
}

function fill(text: string, values: Values): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => {
    const v = values[name]
    if (v === undefined) return whole
    return Array.isArray(v) ? v.join(', ') : v
  })
}

/** The whole string is one list placeholder ("{{to[]}}"): its list, else null. */
function exactList(text: string, values: Values): string[] | null {
  const m = /^\{\{\s*([a-z]+)\[\]\s*\}\}$/.exec(text)
  if (!m || !LISTS.has(m[1]!)) return null
  const v = values[m[1]!]
  return Array.isArray(v) ? v : null
}

function fillJson(node: unknown, values: Values): unknown {
  if (typeof node === 'string') return exactList(node, values) ?? fill(node, values)
  if (Array.isArray(node)) return node.map((n) => fillJson(n, values))
  if (isObject(node)) return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, fillJson(v, values)]))
  return node
}

function fillForm(template: string, values: Values): string {
  const out = new URLSearchParams()
  for (const [k, v] of new URLSearchParams(template)) {
    const list = exactList(v, values)
    if (list) for (const item of list) out.append(k, item)
    else out.append(k, fill(v, values))
  }
  return out.toString()
}

function render(g: GenericEndpoint, values: Values): string | null {
  if (g.method === 'GET') return null
  if (g.bodyTemplate === undefined) {
    if (g.bodyFormat === 'form') return fillForm('from={{from}}&to={{to[]}}&cc={{cc[]}}&bcc={{bcc[]}}&subject={{subject}}&text={{text}}&html={{html}}', values)
    return JSON.stringify(
      Object.fromEntries(
        Object.entries({ from: values.from, to: values.to, cc: values.cc, bcc: values.bcc, subject: values.subject, text: values.text, html: values.html }).filter(([, v]) => v !== ''),
      ),
    )
  }
  if (g.bodyFormat === 'form') return fillForm(g.bodyTemplate, values)
  return JSON.stringify(fillJson(JSON.parse(g.bodyTemplate), values))
}

function buildSend(ctx: BuildContext): BuiltRequest {
  const g = ctx.job.generic!
  const m = ctx.message!
  const unknown = [...new Set([...(g.bodyTemplate ? unknownPlaceholders(g.bodyTemplate) : []), ...g.headers.flatMap((h) => unknownPlaceholders(h.value))])]
  if (unknown.length) fail('INVALID_INPUT', `Unknown placeholder(s) ${unknown.map((n) => `{{${n}}}`).join(', ')}: the generic template knows ${[...KNOWN].map((n) => `{{${n}}}`).join(' ')}.`)
  if (ctx.attachments.length) fail('INVALID_INPUT', 'The generic provider cannot carry attachments (its body template has no place for them). Nothing was sent.')
  const base: Values = { from: m.from, to: m.to, cc: m.cc, bcc: m.bcc, subject: m.subject, text: m.text ?? '', html: m.html ?? '' }
  const wire = { ...base, key: ctx.credentials.key, secret: ctx.credentials.secret ?? '' }
  const shown = { ...base, key: REDACTED, secret: REDACTED }
  const target = new URL(g.url)
  const url = new URL(`${target.pathname}${target.search}`, ctx.origin)
  const headers: Record<string, string> = { Accept: 'application/json, */*;q=0.5' }
  if (g.auth === 'bearer') headers.Authorization = `Bearer ${ctx.credentials.key}`
  else if (g.auth === 'basic') headers.Authorization = basicAuth(ctx.credentials.key, ctx.credentials.secret ?? '')
  else if (g.auth === 'header') headers[g.authHeader!] = ctx.credentials.key
  for (const h of g.headers) {
    const value = fill(h.value, wire)
    if (/[\r\n\0]/.test(value)) fail('INVALID_INPUT', `Header ${h.name} would contain a line break after its placeholders are filled in. Nothing was sent.`)
    headers[h.name] = value
  }
  const body = render(g, wire)
  if (body !== null && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
    headers['Content-Type'] = g.bodyFormat === 'form' ? 'application/x-www-form-urlencoded' : 'application/json'
  return { method: g.method, url, headers, body: body === null ? null : Buffer.from(body, 'utf8'), display: render(g, shown) ?? '', expectJson: false }
}

const ID_KEYS = ['id', 'messageId', 'MessageId', 'MessageID', 'message_id']

function interpret(res: ParsedResponse, _ctx: InterpretContext) {
  const j = res.json
  const providerError = str(dig(j, 'message')) ?? str(dig(j, 'error')) ?? str(dig(j, 'error', 'message')) ?? str(dig(j, 'errors', 0, 'message')) ?? (res.isJson ? null : textExcerpt(res.text))
  if (res.status >= 200 && res.status < 300) {
    const fromBody = ID_KEYS.map((k) => str(dig(j, k))).find((v) => v !== null) ?? null
    return outcome({ ok: true, messageId: fromBody ?? res.headers['x-message-id'] ?? null })
  }
  return outcome({ ok: false, providerError })
}

export const generic: ProviderModule = {
  label: 'The endpoint',
  defaultOrigin: (job) => new URL(job.generic!.url).origin,
  sandbox: { kind: 'none' },
  buildSend,
  buildVerify: () => fail('INVALID_INPUT', 'The generic provider has no key check.'),
  interpret,
}
