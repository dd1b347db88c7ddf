import * as z from 'zod'
import { messageSchema, hostSchema, portSchema, singleLineSchema, timeoutSchema, tlsOptionsSchema, TlsInfoSchema } from './fields'
import { networkSchema } from './network'
import { jobDeliverySchema, dkimSigningSchema, DeliveryResultSchema, DkimSentSchema } from './delivery'
import { SMTP_PHASES, JobResultBaseSchema, phaseSchema } from './transcript'

export const SMTP_SECURITY = ['none', 'starttls', 'tls', 'auto'] as const
export const SMTP_AUTH_METHODS = ['auto', 'plain', 'login', 'cram-md5', 'xoauth2', 'oauthbearer'] as const
/** The mechanisms that carry an OAuth2 access token (RFC 7628's OAUTHBEARER and Google's and Microsoft's XOAUTH2) instead of a password. */
export const TOKEN_AUTH_METHODS = ['xoauth2', 'oauthbearer'] as const
/** Stages in session order; `send` runs the whole transaction. */
export const SMTP_STAGES = ['connect', 'banner', 'ehlo', 'tls', 'auth', 'mail', 'rcpt', 'send'] as const
export type SmtpSecurity = (typeof SMTP_SECURITY)[number]
export type SmtpAuthMethod = (typeof SMTP_AUTH_METHODS)[number]
export type SmtpStage = (typeof SMTP_STAGES)[number]

export const smtpAuthSchema = z
  .object({
    method: z.enum(SMTP_AUTH_METHODS).default('auto'),
    user: singleLineSchema('username', 1024).pipe(z.string().min(1, 'username is required')),
    /** Password, or the OAuth2 access token for XOAUTH2 and OAUTHBEARER. Never echoed back anywhere. */
    secret: z.string().min(1, 'password is required').max(65_536),
    /**
     * What the secret is, when the method does not say: with 'token', auto picks OAUTHBEARER or
     * XOAUTH2, whichever the server offers. xoauth2 and oauthbearer always take a token.
     */
    secretKind: z.enum(['password', 'token']).optional(),
  })
  .strict()
  .superRefine((auth, ctx) => {
    const tokenMethod = isTokenMethod(auth.method)
    if (auth.secretKind === 'token' && auth.method !== 'auto' && !tokenMethod)
      ctx.addIssue({ code: 'custom', path: ['secretKind'], message: `AUTH ${auth.method.toUpperCase()} takes a password; an access token goes with auth auto, xoauth2 or oauthbearer` })
    if (auth.secretKind === 'password' && tokenMethod) ctx.addIssue({ code: 'custom', path: ['secretKind'], message: `AUTH ${auth.method.toUpperCase()} takes an OAuth2 access token, not a password` })
    // The token's SASL framings separate their fields with ^A: a control character in either would forge a field.
    if (authTakesToken(auth)) {
      if (/\p{Cc}/u.test(auth.user)) ctx.addIssue({ code: 'custom', path: ['user'], message: 'username contains a control character, which XOAUTH2 and OAUTHBEARER cannot carry' })
      if (/\p{Cc}/u.test(auth.secret)) ctx.addIssue({ code: 'custom', path: ['secret'], message: 'the access token contains a control character (a line break?): give the token alone' })
    }
  })

const isTokenMethod = (method: SmtpAuthMethod): boolean => (TOKEN_AUTH_METHODS as readonly string[]).includes(method)

/** Whether the job's secret is an OAuth2 access token (a token method, or auto told it is one). */
export function authTakesToken(auth: { method: SmtpAuthMethod; secretKind?: 'password' | 'token' | undefined }): boolean {
  return isTokenMethod(auth.method) || auth.secretKind === 'token'
}

export const smtpMessageSchema = messageSchema
export type SmtpMessage = z.infer<typeof smtpMessageSchema>

const stageIndex = (s: SmtpStage) => SMTP_STAGES.indexOf(s)

export const smtpJobSchema = z
  .object({
    host: hostSchema,
    port: portSchema.default(587),
    security: z.enum(SMTP_SECURITY).default('auto'),
    ehloName: hostSchema.optional(),
    timeouts: z.object({ connectMs: timeoutSchema, greetingMs: timeoutSchema, socketMs: timeoutSchema }).partial().strict().default({}),
    tls: tlsOptionsSchema.default({ insecure: false }),
    network: networkSchema.default({ family: 'auto' }),
    auth: smtpAuthSchema.optional(),
    stopAfter: z.enum(SMTP_STAGES).default('send'),
    message: smtpMessageSchema.optional(),
    /** Show the AUTH username in the transcript (never the password or token). */
    showUsername: z.boolean().default(false),
    /** Sign the message with DKIM (the key never leaves the engine). */
    dkim: dkimSigningSchema.optional(),
    /** After the server accepts the message, watch this mailbox until it arrives (delivery proof). */
    delivery: jobDeliverySchema.optional(),
  })
  .strict()
  .superRefine((job, ctx) => {
    if (job.delivery && job.stopAfter !== 'send')
      ctx.addIssue({ code: 'custom', path: ['delivery'], message: `watching a mailbox needs a message that is sent (not stopping after '${job.stopAfter}')` })
    if (job.dkim && job.stopAfter !== 'send') ctx.addIssue({ code: 'custom', path: ['dkim'], message: `DKIM signs a message that is sent (not stopping after '${job.stopAfter}')` })
    const needs = stageIndex(job.stopAfter)
    if (needs >= stageIndex('mail') && !job.message) ctx.addIssue({ code: 'custom', path: ['message'], message: `stopping after '${job.stopAfter}' needs a sender (from)` })
    const m = job.message
    if (m && needs >= stageIndex('rcpt') && m.to.length + m.cc.length + m.bcc.length === 0)
      ctx.addIssue({ code: 'custom', path: ['message', 'to'], message: 'at least one recipient (to, cc or bcc) is required' })
  })
export type SmtpJobInput = z.input<typeof smtpJobSchema>
export type SmtpJob = z.output<typeof smtpJobSchema>

export const SmtpResultSchema = JobResultBaseSchema.extend({
  phases: z.array(phaseSchema(SMTP_PHASES)),
  kind: z.literal('smtp'),
  target: z.object({
    host: z.string(),
    port: z.number(),
    security: z.enum(SMTP_SECURITY),
    address: z.string().nullable(),
    /** How the session was secured in the end (auto finds out): TLS from the first byte, STARTTLS, or not at all; null when no connection was made. */
    mode: z.enum(['tls', 'starttls', 'none']).nullable().optional(),
  }),
  tls: TlsInfoSchema.nullable(),
  capabilities: z.object({ before: z.array(z.string()).nullable(), after: z.array(z.string()).nullable() }),
  authMechanisms: z.array(z.string()),
  authMethodUsed: z.string().nullable(),
  bytes: z.object({ sent: z.number(), received: z.number() }),
  result: z.object({
    messageId: z.string().nullable(),
    response: z.string().nullable(),
    accepted: z.array(z.string()),
    rejected: z.array(z.string()),
    messageSize: z.number().nullable(),
  }),
  /** The DKIM-Signature the message carried, when the job signed it. */
  dkim: DkimSentSchema.optional(),
  /** What the mailbox watch saw, when the job asked for one and the message was accepted. */
  delivery: DeliveryResultSchema.optional(),
})
export type SmtpResult = z.infer<typeof SmtpResultSchema>
