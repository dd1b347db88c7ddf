import { z } from 'zod'

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
  'CANCELLED',
  'INVALID_INPUT',
  'INTERNAL',
] as const

export const ErrorCodeSchema = z.enum(ERROR_CODES)
export type ErrorCode = z.infer<typeof ErrorCodeSchema>

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
