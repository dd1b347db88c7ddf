// A message's header block as fields, and whether a message is the one a send is waiting for.
import { randomUUID } from 'node:crypto'

export interface HeaderField {
  /** As written (case kept). */
  name: string
  /** Unfolded: continuation lines joined with single spaces, trimmed. */
  value: string
  /** The field as written, folding kept, without the final line break. */
  raw: string
}

/** The fields of a header block (everything up to the first empty line), in order. */
export function splitHeaders(block: string): HeaderField[] {
  const end = block.search(/\r?\n\r?\n/)
  const lines = (end === -1 ? block : block.slice(0, end)).split(/\r?\n/)
  const fields: HeaderField[] = []
  for (const line of lines) {
    const last = fields.at(-1)
    if (/^[ \t]/.test(line) && last) {
      last.raw += `\r\n${line}`
      last.value = `${last.value} ${line.trim()}`.trim()
      continue
    }
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    fields.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim(), raw: line })
  }
  return fields
}

/** The values of every field named `name` (case-insensitive), in order. */
export function fieldValues(fields: readonly HeaderField[], name: string): string[] {
  const want = name.toLowerCase()
  return fields.filter((f) => f.name.toLowerCase() === want).map((f) => f.value)
}

/** What identifies a sent message: the token it carries (its X-Mailprobe-Token header and, by default, its subject) and its Message-ID when known. */
export interface SentMessage {
  token: string
  messageId: string | null
}

/** A fresh token: 12 hex characters, unique enough to find one message among a mailbox's. */
export function newToken(): string {
  return randomUUID().replace(/-/g, '').slice(0, 12)
}

const bare = (id: string) => id.trim().replace(/^<|>$/g, '').toLowerCase()

/** Whether these header fields are the sent message's: its token header, its Message-ID, or its token in the subject. */
export function isSentMessage(fields: readonly HeaderField[], sent: SentMessage, tokenHeader: string): boolean {
  if (fieldValues(fields, tokenHeader).some((v) => v.trim() === sent.token)) return true
  if (sent.messageId && fieldValues(fields, 'message-id').some((v) => bare(v) === bare(sent.messageId!))) return true
  return fieldValues(fields, 'subject').some((v) => v.includes(sent.token))
}
