import * as z from 'zod'

/** Stable error codes shared by the engines, the UI and the CLI. Never rename one: scripts match on them. */
export const ERROR_CODES = [
  'DNS_FAILED',
  'CONNECT_REFUSED',
  'CONNECT_TIMEOUT',
  'GREETING_TIMEOUT',
  'TLS_FAILED',
  'CERT_UNTRUSTED',
  'CERT_HOSTNAME_MISMATCH',
  'CERT_EXPIRED',
  'STARTTLS_UNAVAILABLE',
  'SMTPUTF8_UNAVAILABLE',
  'AUTH_UNSUPPORTED',
  'AUTH_FAILED',
  /** The server no longer takes a password (Microsoft 365: 550 5.7.30): use OAuth2. */
  'AUTH_BASIC_DISABLED',
  /** SMTP AUTH is turned off for the mailbox or the tenant (Microsoft 365: 535 5.7.139 … SmtpClientAuthentication is disabled …). */
  'AUTH_SMTP_DISABLED',
  /** An OAuth2 login the server will not honour for this app (Microsoft 365: 535 5.7.3): its service principal or mailbox permission is missing. */
  'AUTH_APP_NOT_PERMITTED',
  /** Google wants an app password (534 5.7.9 Application-specific password required), or OAuth2. */
  'AUTH_APP_PASSWORD_REQUIRED',
  'SENDER_REJECTED',
  'RECIPIENT_REJECTED',
  'MESSAGE_REJECTED',
  'PROTOCOL_ERROR',
  'SOCKET_TIMEOUT',
  'CONNECTION_LOST',
  'PROXY_FAILED',
  'PROXY_AUTH_FAILED',
  'HTTP_AUTH_FAILED',
  'HTTP_REJECTED',
  'HTTP_RATE_LIMITED',
  'HTTP_SERVER_ERROR',
  'HTTP_BAD_RESPONSE',
  /** OAuth2: the sign-in server refused or failed (its `error` and `error_description` are in the sentence). */
  'OAUTH_FAILED',
  /** OAuth2: the sign-in was not completed in time (a device code expired, or the browser never came back). */
  'OAUTH_EXPIRED',
  /** OAuth2: a saved sign-in can no longer be renewed (its refresh token was refused or is missing): sign in again. */
  'OAUTH_SIGN_IN_AGAIN',
  /** Delivery proof: the message was not seen in the watched folders in time (what was seen is in the sentence and the result's delivery). */
  'DELIVERY_TIMEOUT',
  /** Delivery proof: the mailbox's IMAP server refused the login (password or token). */
  'IMAP_AUTH_FAILED',
  /** Delivery proof: the mailbox's IMAP server could not be reached or secured (DNS, TCP, TLS, certificate, STARTTLS); the detail names the step. */
  'IMAP_CONNECT_FAILED',
  'CANCELLED',
  'INVALID_INPUT',
  'INTERNAL',
] as const

export const ErrorCodeSchema = z.enum(ERROR_CODES)
export type ErrorCode = z.infer<typeof ErrorCodeSchema>

/**
 * Why an operation's envelope says `ok: false` (a job's own failures are in its result, with
 * ERROR_CODES). Closed like ERROR_CODES: nothing else crosses IPC or the bridge, and the renderer
 * words its own refusals with these too.
 */
export const OPERATION_ERROR_CODES = [
  /** The payload failed the contract's schema, or the request cannot be done as asked. */
  'INVALID_INPUT',
  /** The profile, run or Inbox message named is not there (any more). */
  'NOT_FOUND',
  /** The web bridge: a message that is not JSON {id, op, input}. */
  'BAD_MESSAGE',
  /** No operation of that name (the web bridge, or a direct dispatch). */
  'UNKNOWN_OPERATION',
  /** The renderer: a newer request of the same kind took this one's place; nothing to show. */
  'STALE',
  /** Anything unexpected: a handler threw, the connection to main dropped. */
  'INTERNAL',
] as const

export const OperationErrorCodeSchema = z.enum(OPERATION_ERROR_CODES)
export type OperationErrorCode = z.infer<typeof OperationErrorCodeSchema>

/** A refused or failed operation, as an envelope carries it. */
export const OperationFailureSchema = z.object({ code: OperationErrorCodeSchema, message: z.string() }).strict()
export type OperationFailure = z.infer<typeof OperationFailureSchema>

export const isOperationErrorCode = (code: unknown): code is OperationErrorCode => OPERATION_ERROR_CODES.includes(code as OperationErrorCode)

/** The envelope of a refused or failed operation. */
export function operationFailure(code: OperationErrorCode, message: string): { ok: false; error: OperationFailure } {
  return { ok: false, error: { code, message } }
}

export const ServerReplySchema = z.object({ code: z.number().int(), text: z.string() })
export type ServerReply = z.infer<typeof ServerReplySchema>

/** A failure as people see it: a stable code, a sentence they can act on, and the server's reply when there was one. */
export const ClassifiedErrorSchema = z.object({
  code: ErrorCodeSchema,
  message: z.string(),
  reply: ServerReplySchema.optional(),
  detail: z.string().optional(),
})
export type ClassifiedError = z.infer<typeof ClassifiedErrorSchema>
