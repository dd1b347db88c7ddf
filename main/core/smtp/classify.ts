import type { ClassifiedError, SmtpSecurity } from '../../../preload/contract'
import { EngineError, isAbort, parseReply } from '../errors'
import { tlsHandshakeError } from '../net/tls'

export interface SmtpErrorContext {
  host: string
  port: number
  security: SmtpSecurity
  greetingMs: number
  socketMs: number
  /** The command in flight when we know it better than nodemailer does. */
  command?: string
  /** Whether the server's greeting arrived (an idle timeout before it is a greeting timeout). */
  greeted?: boolean
}

interface NodemailerError extends Error {
  code?: string
  originalCode?: string
  command?: string
  response?: string
  responseCode?: number
  timeoutType?: string
}

/** Turns anything a session can throw into a stable code and a sentence a person can act on. */
export function classifySmtpError(err: unknown, ctx: SmtpErrorContext): ClassifiedError {
  if (err instanceof EngineError) return err.info
  const e = (err ?? {}) as NodemailerError
  if (isAbort(e) || e.code === 'EABORT') return { code: 'CANCELLED', message: 'Cancelled before it finished; nothing more was sent.' }
  const reply = parseReply(e.response)
  const withReply = (c: ClassifiedError): ClassifiedError => (reply ? { ...c, reply } : c)
  const replyText = reply ? ` (${reply.code} ${reply.text})` : ''
  // nodemailer knows the command better, except for its catch-all 'CONN'/'API' labels.
  const command = (e.command && !['CONN', 'API'].includes(e.command) ? e.command : (ctx.command ?? e.command ?? '')).toUpperCase()
  const detail = [e.code, e.originalCode].filter(Boolean).join('/') || undefined
  const recipientRejected = () =>
    withReply({ code: 'RECIPIENT_REJECTED', message: `The server refused the recipient${replyText}. Check the address; an unauthenticated session may not relay to other domains.`, detail })

  switch (e.code) {
    case 'ETIMEDOUT':
      if (e.timeoutType === 'GREETING_TIMEOUT' || (ctx.greeted === false && e.timeoutType === 'SOCKET_TIMEOUT')) return greetingTimeout(ctx)
      if (e.timeoutType === 'UPGRADE_TIMEOUT') return { code: 'TLS_FAILED', message: `The STARTTLS handshake did not finish within ${ctx.greetingMs} ms.`, detail }
      if (e.timeoutType === 'CONNECT_TIMEOUT') return { code: 'CONNECT_TIMEOUT', message: `No TCP answer from ${ctx.host}:${ctx.port} in time.`, detail }
      return {
        code: 'SOCKET_TIMEOUT',
        message: `The server stopped answering${command ? ` after ${command}` : ''}: nothing arrived for ${ctx.socketMs} ms (Mailprobe's idle timeout).`,
        detail,
      }
    case 'ETLS': {
      if (command === 'STARTTLS' && reply)
        return withReply({
          code: 'STARTTLS_UNAVAILABLE',
          message: `The server refused STARTTLS${replyText}. This port does not offer encryption: use security 'tls' on its implicit-TLS port (usually 465), or 'none' only if you accept sending in plaintext.`,
          detail,
        })
      const inner = /Error initiating TLS - (.*)$/s.exec(e.message)?.[1] ?? e.message
      const classified = tlsHandshakeError(Object.assign(new Error(inner), { code: e.originalCode }))
      if (classified instanceof EngineError) return { ...classified.info, detail }
      return { code: 'TLS_FAILED', message: `The TLS upgrade failed: ${inner}.`, detail }
    }
    case 'EAUTH':
      if (reply && command.includes('XOAUTH2'))
        return withReply({
          code: 'AUTH_FAILED',
          message: `The server rejected the OAuth2 access token${replyText}. Access tokens expire (often after an hour): get a fresh one, and check that it was issued for this user and for SMTP.`,
          detail,
        })
      if (reply)
        return withReply({
          code: 'AUTH_FAILED',
          message: `The server rejected the username or password${replyText}. Check the credentials, and for Gmail or Microsoft 365 whether an app password or OAuth2 is required.`,
          detail,
        })
      return { code: 'AUTH_FAILED', message: `Authentication failed: ${e.message}.`, detail }
    case 'ENOAUTH':
      return { code: 'AUTH_UNSUPPORTED', message: 'The server does not offer AUTH, so these credentials cannot be tested here.', detail }
    case 'EENVELOPE':
      if (/recipients were rejected/i.test(e.message)) return recipientRejected()
      if (command.startsWith('MAIL'))
        return withReply({ code: 'SENDER_REJECTED', message: `The server refused the sender${replyText}. It may require AUTH first, or not allow this From address for your account.`, detail })
      if (command.startsWith('RCPT')) return recipientRejected()
      return withReply({ code: 'MESSAGE_REJECTED', message: `The server refused the message${replyText}.`, detail })
    case 'EMESSAGE':
      return withReply({ code: 'MESSAGE_REJECTED', message: `The server refused the message${replyText}. Check its size, content and headers against the server's policy.`, detail })
    case 'EPROTOCOL':
      if (reply && reply.code === 421)
        return withReply({
          code: 'PROTOCOL_ERROR',
          message: `The server refused the session${replyText}: it is busy, rate-limiting you, or does not accept connections from your address. Try later or from another network.`,
          detail,
        })
      if (reply && reply.code >= 500 && /greeting/i.test(e.message))
        return withReply({ code: 'PROTOCOL_ERROR', message: `The server greeted with a refusal${replyText}: it does not accept mail from your address on this port.`, detail })
      if (/exceeds maximum allowed size/i.test(e.message)) return { code: 'PROTOCOL_ERROR', message: 'The server sent a reply larger than 1 MB; Mailprobe stopped reading it.', detail }
      return withReply({ code: 'PROTOCOL_ERROR', message: `The server's reply did not follow SMTP${replyText || `: ${e.message}`}.`, detail })
    case 'ECONNECTION':
    case 'ESOCKET': {
      const orig = e.originalCode ?? ''
      if (orig === 'ECONNREFUSED') return { code: 'CONNECT_REFUSED', message: `Connection refused by ${ctx.host}:${ctx.port}.`, detail }
      if (/CERT|SSL|TLS/.test(orig)) {
        const c = tlsHandshakeError(Object.assign(new Error(e.message), { code: orig }))
        if (c instanceof EngineError) return { ...c.info, detail }
      }
      if (reply && reply.code === 421) return withReply({ code: 'PROTOCOL_ERROR', message: `The server closed the session${replyText}.`, detail })
      return withReply({
        code: 'CONNECTION_LOST',
        message: `The server closed the connection${command ? ` during ${command}` : ''}${replyText} before the session finished.`,
        detail,
      })
    }
  }
  return { code: 'INTERNAL', message: `Unexpected failure: ${e.message || String(err)}`, detail }
}

function greetingTimeout(ctx: SmtpErrorContext): ClassifiedError {
  const waited = `No greeting from ${ctx.host}:${ctx.port} within ${ctx.greetingMs} ms (Mailprobe's greeting timeout)`
  if (ctx.security !== 'tls' && (ctx.port === 465 || ctx.port === 2465))
    return { code: 'GREETING_TIMEOUT', message: `${waited}. Port ${ctx.port} expects TLS from the first byte: choose security 'tls'.` }
  if (ctx.security !== 'tls')
    return {
      code: 'GREETING_TIMEOUT',
      message: `${waited}. The server accepted the connection but never said 220: it may expect TLS from the first byte (try security 'tls'), delay greetings on purpose (a tarpit), or not be a mail server.`,
    }
  return { code: 'GREETING_TIMEOUT', message: `${waited}, although the TLS handshake succeeded. The server may be overloaded, a tarpit, or not a mail server.` }
}
