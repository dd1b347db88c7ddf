import type { ClassifiedError, ServerReply, SmtpSecurity } from '../../../preload/contract'
import { EngineError, isAbort, parseReply } from '../errors'
import { tlsHandshakeError } from '../net/tls'
import { BearerRefused, type ErrorChallenge } from './bearer-auth'
import { describeJson } from './session-log'

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
    case 'EAUTH': {
      const bearer = /XOAUTH2|OAUTHBEARER/.test(command)
      const known = reply && knownAuthReply(reply, bearer)
      if (known) return withReply({ ...known, detail })
      if (reply && bearer) return withReply({ code: 'AUTH_FAILED', message: tokenRefused(replyText, err instanceof BearerRefused ? err.challenge : null), detail })
      if (reply)
        return withReply({
          code: 'AUTH_FAILED',
          message: `The server rejected the username or password${replyText}. Check the credentials, and for Gmail or Microsoft 365 whether an app password or OAuth2 is required.`,
          detail,
        })
      return { code: 'AUTH_FAILED', message: `Authentication failed: ${e.message}.`, detail }
    }
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

/** What to tell someone whose token was refused, with the server's error challenge when it sent one. */
function tokenRefused(replyText: string, challenge: ErrorChallenge | null): string {
  const said = challenge ? ` Its error challenge said: ${describeJson(JSON.stringify(challenge))}.` : ''
  const scope = typeof challenge?.scope === 'string' ? ` The server asks for a token with the scope ${challenge.scope}.` : ''
  return `The server rejected the OAuth2 access token${replyText}.${said} Access tokens expire (often after an hour): get a fresh one, and check that it was issued for this user and for SMTP.${scope}`
}

/**
 * The AUTH replies of Microsoft 365 and Google that say exactly what is wrong, each with its code
 * and the fix; null for any other reply. `bearer`: the login used an OAuth2 access token.
 */
function knownAuthReply(reply: ServerReply, bearer: boolean): Pick<ClassifiedError, 'code' | 'message'> | null {
  const t = reply.text
  const said = `${reply.code} ${t}`
  if (/\b5\.7\.30\b/.test(t) || /basic authentication is (not supported|disabled)/i.test(t))
    return {
      code: 'AUTH_BASIC_DISABLED',
      message: `The server no longer accepts a password (${said}): Microsoft 365 has basic authentication for SMTP AUTH turned off. Use OAuth2: choose XOAUTH2 and give an access token for https://outlook.office.com/SMTP.Send (on the command line: --auth xoauth2 --token-env VAR).`,
    }
  const smtpOff = /SmtpClientAuthentication is disabled for the (tenant|mailbox)/i.exec(t)
  if (smtpOff)
    return {
      code: 'AUTH_SMTP_DISABLED',
      message: `Exchange Online has SMTP AUTH turned off for ${smtpOff[1]!.toLowerCase() === 'tenant' ? 'the whole tenant' : 'this mailbox'} (${said}). An administrator turns it on in Exchange Online PowerShell: for the mailbox, Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled $false; for the tenant, Set-TransportConfig -SmtpClientAuthenticationDisabled $false (a mailbox's own setting wins over the tenant's). See https://aka.ms/smtp_auth_disabled.`,
    }
  if (bearer && /\b5\.7\.3\b/.test(t))
    return {
      code: 'AUTH_APP_NOT_PERMITTED',
      message: `Exchange Online refused the OAuth2 login (${said}). For an app-only token (client credentials) the app must be known to Exchange: in Exchange Online PowerShell run New-ServicePrincipal -AppId <client id> -ObjectId <object id of the Enterprise Application, not of the App Registration>, then Add-MailboxPermission -Identity <mailbox> -User <that service principal> -AccessRights FullAccess; a correct set-up can take 15–30 minutes to apply. For a user's token, the username must be the mailbox that signed in.`,
    }
  if (reply.code === 534 && (/\b5\.7\.9\b/.test(t) || /application-specific password required/i.test(t)))
    return {
      code: 'AUTH_APP_PASSWORD_REQUIRED',
      message: `Google wants an app password here (${said}): the account uses 2-Step Verification, so its own password is refused. Create an app password (Google Account → Security → App passwords) and use it as the password, or use OAuth2: XOAUTH2 with an access token for https://mail.google.com/.`,
    }
  if (!bearer && /\b5\.7\.8\b/.test(t) && /username and password not accepted/i.test(t))
    return {
      code: 'AUTH_FAILED',
      message: `Google did not accept the username and password (${said}). Gmail and Google Workspace take the full address as the username and, as the password, an app password (which needs 2-Step Verification), not the account's own password; or use OAuth2: XOAUTH2 with an access token for https://mail.google.com/.`,
    }
  return null
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
