// What went wrong with the mailbox, as a classified error: the dial step's failures (DNS, TCP, the
// proxy, TLS, the certificate) become IMAP_CONNECT_FAILED with the step in the detail, a refused
// login IMAP_AUTH_FAILED with the server's words, a cancel CANCELLED.
import type { ClassifiedError, ImapSecurity } from '../../../preload/contract'
import { EngineError, internalError, isAbort } from '../errors'
import { printable } from '../transcript/printable'

export interface MailboxTarget {
  host: string
  port: number
  security: ImapSecurity
  secretKind: 'password' | 'token'
}

interface ImapError {
  code?: string
  message?: string
  authenticationFailed?: boolean
  tlsFailed?: boolean
  responseText?: string
  response?: unknown
  serverResponseCode?: string
}

export function classifyImapError(err: unknown, target: MailboxTarget): ClassifiedError {
  const where = `the mailbox's IMAP server ${target.host}:${target.port}`
  if (isAbort(err)) return { code: 'CANCELLED', message: 'You cancelled the test while it waited for the message.' }
  // A bug of ours, not the server's doing.
  if (err instanceof TypeError || err instanceof ReferenceError || err instanceof RangeError) return internalError(err)
  if (err instanceof EngineError) {
    const info = err.info
    if (info.code === 'CANCELLED' || info.code === 'INVALID_INPUT' || info.code.startsWith('IMAP_') || info.code === 'DELIVERY_TIMEOUT') return info
    // The dial step's own sentence says what failed and what to do; the code says it was the mailbox.
    return { code: 'IMAP_CONNECT_FAILED', message: `Cannot reach ${where}: ${info.message}`, detail: info.code }
  }
  const e = (err ?? {}) as ImapError
  const text = serverText(e)
  if (e.authenticationFailed) {
    const what = target.secretKind === 'token' ? 'the OAuth2 access token (is it for IMAP, for this mailbox, and unexpired?)' : 'the user name or password'
    return {
      code: 'IMAP_AUTH_FAILED',
      message: `The mailbox's IMAP server refused the login${text ? ` (“${text}”)` : ''}: check ${what}.`,
      ...(e.serverResponseCode ? { detail: e.serverResponseCode } : {}),
    }
  }
  if (e.message === 'Unsupported authentication mechanism') {
    // imapflow found no mechanism for what it was given among the server's capabilities.
    const offered = target.secretKind === 'token' ? 'OAuth2 login (AUTH=XOAUTH2 or AUTH=OAUTHBEARER)' : 'password login (AUTH=PLAIN or AUTH=LOGIN)'
    return {
      code: 'IMAP_AUTH_FAILED',
      message: `The mailbox's IMAP server offers no ${offered}, so Mailprobe could not log in${target.secretKind === 'token' ? ': use a password for this mailbox (--inbox-password-env), or a server that takes OAuth2' : ''}.`,
      detail: 'NO_MECHANISM',
    }
  }
  if (e.tlsFailed) {
    const reason = e.message ?? 'the TLS upgrade failed'
    const hint = /does not support STARTTLS/i.test(reason)
      ? ' The server does not offer STARTTLS here: use imaps (TLS from the first byte, usually port 993).'
      : target.security === 'tls'
        ? ''
        : ' Check that the port speaks IMAP with STARTTLS (usually 143), or use imaps on 993.'
    return { code: 'IMAP_CONNECT_FAILED', message: `Could not secure the connection to ${where}: ${printable(reason, 200)}.${hint}`, detail: e.code ?? 'TLS' }
  }
  switch (e.code) {
    case 'GREETING_TIMEOUT':
      return {
        code: 'IMAP_CONNECT_FAILED',
        message: `${cap(where)} accepted the connection but never greeted.${target.security === 'tls' ? ' Is it an IMAP port with TLS from the first byte (usually 993)?' : ' If the port expects TLS from the first byte (993), use imaps.'}`,
        detail: e.code,
      }
    case 'CONNECT_TIMEOUT':
    case 'ETIMEOUT':
    case 'UPGRADE_TIMEOUT':
      return { code: 'IMAP_CONNECT_FAILED', message: `${cap(where)} stopped answering (${e.code}).`, detail: e.code }
    case 'NoConnection':
    case 'EConnectionClosed':
    case 'ClosedAfterConnectText':
    case 'ClosedAfterConnectTLS':
      return {
        code: 'IMAP_CONNECT_FAILED',
        message: `${cap(where)} closed the connection${e.code === 'ClosedAfterConnectText' ? ' right after connecting: it may expect TLS from the first byte (imaps, 993)' : ''}.`,
        detail: e.code,
      }
  }
  return { code: 'IMAP_CONNECT_FAILED', message: `The session with ${where} failed: ${printable(text || e.message || String(err), 200)}.`, ...(e.code ? { detail: e.code } : {}) }
}

function serverText(e: ImapError): string {
  const t = typeof e.response === 'string' ? e.response : typeof e.responseText === 'string' ? e.responseText : ''
  return printable(t.trim(), 200)
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1)
