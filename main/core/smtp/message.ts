import { access, constants } from 'node:fs/promises'
import { basename } from 'node:path'
import MailComposer from 'nodemailer/lib/mail-composer'
import type { SmtpMessage } from '../../../preload/contract'
import { fail } from '../errors'

export interface BuiltMessage {
  raw: Buffer
  messageId: string
  envelope: { from: string; to: string[] }
}

/**
 * Builds the RFC 5322 message with nodemailer's MIME composer, before any connection is made,
 * so a missing attachment fails without touching the network. Bcc stays out of the headers.
 */
export async function buildMessage(m: SmtpMessage): Promise<BuiltMessage> {
  for (const a of m.attachments) {
    try {
      await access(a.path, constants.R_OK)
    } catch {
      fail('INVALID_INPUT', `The attachment ${a.path} cannot be read (missing, moved, or no permission). Nothing was sent.`)
    }
  }
  const headers: Record<string, string[]> = {}
  for (const h of m.headers) (headers[h.name] ??= []).push(h.value)
  const composer = new MailComposer({
    from: m.from,
    to: m.to,
    cc: m.cc,
    bcc: m.bcc,
    subject: m.subject,
    text: m.text,
    html: m.html,
    headers,
    attachments: m.attachments.map((a) => ({ path: a.path, filename: basename(a.path) })),
  })
  const node = composer.compile()
  const raw = await new Promise<Buffer>((resolve, reject) => node.build((err, out) => (err ? reject(err) : resolve(out))))
  return {
    raw,
    messageId: node.messageId(),
    envelope: { from: m.from, to: [...m.to, ...m.cc, ...m.bcc] },
  }
}
