// Small helpers shared by the provider modules: JSON bodies with attachments kept out of the
// transcript, auth header forms, and tolerant readers for provider JSON.
import type { LoadedAttachment } from '../../message/attachments'
import { describeAttachment } from '../../message/attachments'
import type { BuiltRequest, HttpMethod } from '../types'

/** Bytes that go on the wire as base64 but appear in the transcript only as a label. */
export class Base64Blob {
  constructor(
    readonly bytes: Buffer,
    readonly label: string,
  ) {}

  static of(a: LoadedAttachment): Base64Blob {
    return new Base64Blob(a.content, describeAttachment(a))
  }
}

/** The exact JSON bytes sent, and the same JSON with every Base64Blob replaced by its label. */
export function jsonBodies(value: unknown): { body: Buffer; display: string } {
  const wire = JSON.stringify(value, (_k, v: unknown) => (v instanceof Base64Blob ? v.bytes.toString('base64') : v))
  const display = JSON.stringify(value, (_k, v: unknown) => (v instanceof Base64Blob ? v.label : v))
  return { body: Buffer.from(wire, 'utf8'), display }
}

export function jsonRequest(method: HttpMethod, url: URL, headers: Record<string, string>, value: unknown): BuiltRequest {
  const { body, display } = jsonBodies(value)
  return { method, url, headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...headers }, body, display, expectJson: true }
}

export function getRequest(url: URL, headers: Record<string, string>): BuiltRequest {
  return { method: 'GET', url, headers: { Accept: 'application/json', ...headers }, body: null, display: '', expectJson: true }
}

export function endpoint(origin: string, path: string): URL {
  return new URL(path, origin)
}

export function basicAuth(user: string, pass: string): string {
  return `Basic ${Buffer.from(`${user}:${pass}`, 'utf8').toString('base64')}`
}

/** Drops undefined values and empty arrays, so optional fields are simply absent. */
export function compact<T extends Record<string, unknown>>(o: T): Partial<T> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue
    if (Array.isArray(v) && v.length === 0) continue
    out[k] = v
  }
  return out as Partial<T>
}

/** obj.a.b[0].c without throwing; undefined when the shape differs. */
export function dig(obj: unknown, ...path: (string | number)[]): unknown {
  let cur: unknown = obj
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined
    cur = (cur as Record<string | number, unknown>)[key]
  }
  return cur
}

export function str(v: unknown): string | null {
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'bigint') return String(v)
  return null
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/** A short excerpt of a non-JSON body (Mailgun's "Forbidden", a proxy's HTML title). */
export function textExcerpt(text: string, max = 200): string | null {
  const title = /<title[^>]*>([^<]{1,200})<\/title>/i.exec(text)?.[1]
  const plain = (title ?? pageText(text)).replace(/\s+/g, ' ').trim()
  if (!plain) return null
  return plain.length > max ? `${plain.slice(0, max)}…` : plain
}

/**
 * The start of a body as text (an excerpt needs no more than 64 KiB of a 10 MiB body). An HTML page
 * without a title reads as its text, not its markup: an error sentence must not quote
 * "<!DOCTYPE html><html><head><style>…". Linear regexes only (a hostile page must not make this slow).
 */
function pageText(text: string): string {
  const head = text.slice(0, 64 * 1024)
  if (!/^\s*<(!doctype|html|head|body|\?xml)\b/i.test(head)) return head
  return head.replace(/<(script|style)\b[^>]*>[^<]*/gi, ' ').replace(/<[^>]*>?/g, ' ')
}

export function headersObject(headers: readonly { name: string; value: string }[]): Record<string, string> | undefined {
  if (!headers.length) return undefined
  const out: Record<string, string> = {}
  for (const h of headers) out[h.name] = out[h.name] === undefined ? h.value : `${out[h.name]}, ${h.value}`
  return out
}
