import type MailComposer from 'nodemailer/lib/mail-composer'
import type { SmtpMessage } from '../../../preload/contract'
import type { LoadedAttachment } from './attachments'

export interface Envelope {
  from: string
  to: string[]
}

/** What a message is composed from: a job's message, or what the sandbox read from a provider request (which names its Message-ID). */
export type MessageFields = Pick<SmtpMessage, 'from' | 'to' | 'cc' | 'bcc' | 'subject' | 'text' | 'html' | 'headers'> & { messageId?: string }

/** An attachment's bytes and names (a LoadedAttachment, or one the sandbox received without a type). */
export type MessageAttachment = Pick<LoadedAttachment, 'filename' | 'content'> & { contentType?: string }

export interface BuiltMessage {
  raw: Buffer
  messageId: string
  envelope: Envelope
}

/**
 * Builds the RFC 5322 message with nodemailer's MIME composer. The attachments come already read
 * (loadAttachments, before any connection), so a file that vanishes after that cannot break the
 * send halfway. Bcc stays out of the headers.
 */
export async function buildMessage(m: MessageFields, attachments: readonly MessageAttachment[]): Promise<BuiltMessage> {
  const headers: Record<string, string[]> = {}
  for (const h of m.headers) (headers[h.name] ??= []).push(h.value)
  const Composer = await loadComposer()
  const node = new Composer({
    from: m.from,
    to: m.to,
    cc: m.cc,
    bcc: m.bcc,
    subject: m.subject,
    text: m.text,
    html: m.html,
    headers,
    attachments: attachments.map((a) => ({ content: a.content, filename: a.filename, contentType: a.contentType })),
    ...(m.messageId ? { messageId: m.messageId } : {}),
  }).compile()
  const raw = await new Promise<Buffer>((resolve, reject) => node.build((err, out) => (err ? reject(err) : resolve(out))))
  return { raw, messageId: node.messageId(), envelope: envelopeFrom(node) }
}

/**
 * The SMTP envelope of a message: sender and every recipient (to, cc and bcc), with international
 * domain names in their ASCII (punycode) form, so only a non-ASCII local part needs SMTPUTF8.
 */
export async function envelopeOf(m: Pick<SmtpMessage, 'from' | 'to' | 'cc' | 'bcc'>): Promise<Envelope> {
  const Composer = await loadComposer()
  return envelopeFrom(new Composer({ from: m.from, to: m.to, cc: m.cc, bcc: m.bcc }).compile())
}

/** nodemailer's MIME composer, loaded on first use: a run that only connects never needs nodemailer (the CLI's start-up). */
async function loadComposer(): Promise<typeof MailComposer> {
  return (await import('nodemailer/lib/mail-composer')).default
}

function envelopeFrom(node: ReturnType<MailComposer['compile']>): Envelope {
  const env = node.getEnvelope()
  return { from: env.from || '', to: env.to }
}

/** The envelope addresses that cannot be written in ASCII: sending them needs the server's SMTPUTF8 (RFC 6531). */
export function internationalAddresses(env: Envelope): string[] {
  return [env.from, ...env.to].filter((a) => /[^ -~]/.test(a))
}
