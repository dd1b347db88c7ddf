/**
 * What the sandbox received, newest last in memory, the last SANDBOX_INBOX_LIMIT kept. Each
 * message is filed under the id its sender was told (the SMTP queue id, the API message id), so
 * a send's result leads straight to it (see inboxIdOf in the contract).
 */
import type { InboxChannel, InboxMessage, InboxSummary } from '../../../preload/contract'
import { SANDBOX_INBOX_LIMIT } from '../../../preload/contract'

/** Sources beyond this are kept truncated (the size still says how big they were). */
export const MAX_RAW_KEPT = 1024 * 1024

export interface IncomingMessage {
  id: string
  via: 'smtp' | 'api'
  channel: InboxChannel
  envelope: { mailFrom: string; rcptTo: string[] }
  raw: Buffer
  secure: boolean
  user: string | null
  testMode: boolean
}

export type InboxListener = (message: InboxSummary) => void

export class Inbox {
  private readonly messages: InboxMessage[] = []
  private readonly byId = new Map<string, InboxMessage>()
  private readonly listeners = new Set<InboxListener>()
  private seq = 0

  constructor(private readonly limit = SANDBOX_INBOX_LIMIT) {}

  /** Files a message (dropping the oldest beyond the limit) and tells the listeners. */
  add(m: IncomingMessage, receivedAt = new Date()): InboxMessage {
    const kept = m.raw.length > MAX_RAW_KEPT ? m.raw.subarray(0, MAX_RAW_KEPT) : m.raw
    const raw = kept.toString('utf8')
    const headers = parseHeaders(raw)
    const header = (name: string) => headers.find((h) => h.name.toLowerCase() === name)?.value ?? null
    const message: InboxMessage = {
      id: m.id,
      seq: ++this.seq,
      receivedAt: receivedAt.toISOString(),
      via: m.via,
      channel: m.channel,
      envelope: { mailFrom: m.envelope.mailFrom, rcptTo: [...m.envelope.rcptTo] },
      subject: header('subject'),
      messageId: header('message-id'),
      size: m.raw.length,
      secure: m.secure,
      user: m.user,
      testMode: m.testMode,
      headers,
      raw,
      rawTruncated: kept.length < m.raw.length,
    }
    this.messages.push(message)
    this.byId.set(message.id, message)
    while (this.messages.length > this.limit) {
      const old = this.messages.shift()!
      if (this.byId.get(old.id) === old) this.byId.delete(old.id)
    }
    const summary = summaryOf(message)
    for (const l of [...this.listeners]) {
      try {
        l(summary)
      } catch {
        // A listener's bug must not lose the message or break the SMTP session that delivered it.
      }
    }
    return message
  }

  /** Newest first; at most `limit`. */
  list(limit = this.limit): InboxSummary[] {
    return this.messages.slice(-limit).reverse().map(summaryOf)
  }

  /** The message with this id (the queue id or API message id its sender saw), with its source. */
  get(id: string): InboxMessage | null {
    const m = this.byId.get(id) ?? this.byId.get(id.replace(/^<(.*)>$/, '$1')) ?? this.byId.get(`<${id}>`)
    return m ? structuredClone(m) : null
  }

  /** Messages kept now. */
  get size(): number {
    return this.messages.length
  }

  /** Messages received since start (kept or not). */
  get received(): number {
    return this.seq
  }

  clear(): number {
    const n = this.messages.length
    this.messages.length = 0
    this.byId.clear()
    return n
  }

  /** Called with each new message's summary; returns the unsubscribe function. */
  subscribe(listener: InboxListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }
}

export function summaryOf(m: InboxMessage): InboxSummary {
  const { headers: _h, raw: _r, rawTruncated: _t, ...summary } = m
  return structuredClone(summary)
}

/** The header block of a message (up to the first empty line), unfolded, in order. */
export function parseHeaders(raw: string): { name: string; value: string }[] {
  const end = raw.search(/\r?\n\r?\n/)
  const block = end === -1 ? raw : raw.slice(0, end)
  const out: { name: string; value: string }[] = []
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && out.length) {
      out[out.length - 1]!.value += ` ${line.trim()}`
      continue
    }
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    out.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() })
  }
  for (const h of out) h.value = decodeWords(h.value)
  return out
}

/** RFC 2047 encoded words (=?UTF-8?B?…?= / =?UTF-8?Q?…?=) as text; anything else is left as it is. */
export function decodeWords(value: string): string {
  return value.replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?[^?]+\?[BbQq]\?[^?]*\?=)/g, '$1').replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (whole, charset: string, enc: string, text: string) => {
    const cs = charset.toLowerCase().replace(/\*.*$/, '')
    if (cs !== 'utf-8' && cs !== 'us-ascii' && cs !== 'iso-8859-1' && cs !== 'latin1') return whole
    const bytes =
      enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64')
        : Buffer.from(
            text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
            'latin1',
          )
    return bytes.toString(cs === 'utf-8' || cs === 'us-ascii' ? 'utf8' : 'latin1')
  })
}
