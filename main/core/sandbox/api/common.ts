// What the sandbox API's provider modules share: the shape of a provider module, the request it
// is given, the answer it returns, and tolerant readers for the JSON a client sends.
import type { InboxChannel } from '../../../../preload/contract'
import type { MessageAttachment, MessageFields } from '../../message/mime'

export interface Reply {
  status: number
  headers?: Record<string, string>
  body?: string
  /** Answered after the think time, as a provider's processing delays the answer to a send. */
  afterThink?: boolean
}

export const json = (status: number, value: unknown, headers: Record<string, string> = {}): Reply => ({
  status,
  headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
  body: JSON.stringify(value),
})

/** The same answer, sent after the think time. */
export const later = (reply: Reply): Reply => ({ ...reply, afterThink: true })

/** A message as the providers' fields describe it, before it becomes MIME. */
export type Fields = MessageFields & { attachments: MessageAttachment[] }

export interface ApiRequest {
  /** The path template's parameters, decoded: {domain} → params.domain. */
  params: Record<string, string>
  /** A request header's value ('' when absent; repeated headers joined with ", "). */
  header(name: string): string
  body: Buffer
}

export interface ApiContext {
  /** The key the sandbox accepts. */
  key: string
  /** A number that grows with every message accepted, for message ids. */
  nextSeq(): number
  /** Puts an accepted message in the Inbox, under the id the answer gives. */
  accept(channel: InboxChannel, id: string, fields: Fields, testMode: boolean): Promise<void>
}

export interface Endpoint {
  method: 'GET' | 'POST'
  /** A path template from PROVIDER_PATHS: {name} matches one segment. */
  path: string
  handle(req: ApiRequest, ctx: ApiContext): Reply | Promise<Reply>
}

/** One provider's documented send and key check, as its real API answers them. */
export interface SandboxProvider {
  label: string
  send: Endpoint
  verify: Endpoint
}

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)
export const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {})
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])

/** The request body as a JSON object ({} for any other JSON value); throws on invalid JSON. */
export const jsonObject = (body: Buffer): Record<string, unknown> => obj(JSON.parse(body.toString('utf8')))
