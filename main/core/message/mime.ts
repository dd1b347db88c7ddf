import type MailComposer from 'nodemailer/lib/mail-composer'
import type { DkimSigning, SmtpMessage } from '../../../preload/contract'
import { fail } from '../errors'
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
  /** The DKIM-Signature header the message carries (as written, folded), when it was signed. */
  dkimSignature?: string
}

/**
 * Builds the RFC 5322 message with nodemailer's MIME composer. The attachments come already read
 * (loadAttachments, before any connection), so a file that vanishes after that cannot break the
 * send halfway. Bcc stays out of the headers. With `dkim`, nodemailer's DKIM signer signs it.
 */
export async function buildMessage(m: MessageFields, attachments: readonly MessageAttachment[], dkim?: DkimSigning | null): Promise<BuiltMessage> {
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
  const built: BuiltMessage = { raw, messageId: node.messageId(), envelope: envelopeFrom(node) }
  if (!dkim) return built
  const signed = await signDkim(raw, dkim)
  return { ...built, raw: signed, dkimSignature: dkimSignatureOf(signed) }
}

/**
 * Checks, before anything is sent, that a DKIM private key can be read (a PEM RSA or Ed25519 key);
 * INVALID_INPUT otherwise. The error never quotes the key.
 */
export async function checkDkimKey(key: string): Promise<void> {
  // Loaded here: a send that signs nothing never loads node:crypto (the CLI's start-up).
  const { createPrivateKey } = await import('node:crypto')
  let type: string | undefined
  try {
    type = createPrivateKey(key).asymmetricKeyType
  } catch (err) {
    fail(
      'INVALID_INPUT',
      `The DKIM private key cannot be read (${(err as NodeJS.ErrnoException).code ?? 'not a PEM private key'}): give the PEM file of the key whose public half the selector's DNS record publishes.`,
    )
  }
  if (type !== 'rsa' && type !== 'ed25519') fail('INVALID_INPUT', `The DKIM private key is a ${type ?? 'unknown'} key; DKIM signs with RSA or Ed25519.`)
}

/** The message signed with nodemailer's DKIM signer (relaxed/relaxed, SHA-256, its default header list). */
async function signDkim(raw: Buffer, dkim: DkimSigning): Promise<Buffer> {
  const { default: DKIM } = await import('nodemailer/lib/dkim')
  const stream = new DKIM({ domainName: dkim.domain, keySelector: dkim.selector, privateKey: dkim.privateKey }).sign(raw)
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** The first DKIM-Signature field of a message, folding kept. */
function dkimSignatureOf(raw: Buffer): string | undefined {
  const head = raw.subarray(0, Math.max(0, raw.indexOf('\r\n\r\n'))).toString('latin1')
  return /^DKIM-Signature:[^\r\n]*(?:\r\n[ \t][^\r\n]*)*/im.exec(head)?.[0]
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
