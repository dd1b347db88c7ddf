import * as z from 'zod'
import { hostSchema, portSchema, singleLineSchema, timeoutSchema, tlsOptionsSchema } from './fields'
import { isLoopbackHost } from './imap-url'
import { networkSchema } from './network'

/** How the mailbox's IMAP server is reached: TLS from the first byte (993), STARTTLS required (143), or plaintext (loopback only). */
export const IMAP_SECURITY = ['tls', 'starttls', 'none'] as const
export type ImapSecurity = (typeof IMAP_SECURITY)[number]
/** How a watch learns of new mail: auto uses IMAP IDLE when the server offers it and polls (NOOP every second) when not; poll always polls. */
export const DELIVERY_METHODS = ['auto', 'poll'] as const
export const DEFAULT_DELIVERY_TIMEOUT_MS = 120_000
/** The header every watched send carries, its value the send's token: what the watch looks for (with the Message-ID and the subject). */
export const TOKEN_HEADER = 'X-Mailprobe-Token'

// In the zod-free module with the mailbox URL (the CLI checks --await-inbox without loading zod).
export { isLoopbackHost }

const folderSchema = singleLineSchema('folder name', 1000).pipe(z.string().min(1, 'a folder name is empty'))

/**
 * A mailbox to watch after a send: its IMAP server, the login (a password, or an OAuth2 access token
 * for XOAUTH2 / OAUTHBEARER), the folders (none named: INBOX and the folder marked \Junk), and how long
 * to wait. The secret is never echoed back anywhere.
 */
export const deliveryRequestSchema = z
  .object({
    host: hostSchema,
    /** Default 993 with tls, 143 otherwise. */
    port: portSchema.optional(),
    security: z.enum(IMAP_SECURITY).default('tls'),
    user: singleLineSchema('mailbox user', 1024).pipe(z.string().min(1, 'the mailbox user is required')),
    secret: z
      .string()
      .min(1, 'the mailbox password is required')
      .max(65_536)
      .refine((s) => !/[\r\n\0]/.test(s), 'the mailbox password contains a line break'),
    secretKind: z.enum(['password', 'token']).default('password'),
    /** Folders to watch by name; none: INBOX and the folder the server marks \Junk (RFC 6154). */
    folders: z.array(folderSchema).max(20).default([]),
    timeoutMs: z.number().int().min(500, 'the delivery timeout is at least 500 ms').max(3_600_000, 'the delivery timeout is at most an hour').default(DEFAULT_DELIVERY_TIMEOUT_MS),
    method: z.enum(DELIVERY_METHODS).default('auto'),
    /** Delete the test message once it has been read (off by default). */
    deleteAfter: z.boolean().default(false),
    tls: tlsOptionsSchema.default({ insecure: false }),
    /** How to reach the IMAP server; the job's own network section when absent. */
    network: networkSchema.optional(),
    timeouts: z.object({ connectMs: timeoutSchema, greetingMs: timeoutSchema, socketMs: timeoutSchema }).partial().strict().default({}),
    /** The send's token (the CLI's default subject names it); a fresh one when absent. */
    token: z
      .string()
      .min(6, 'the token is at least 6 characters')
      .max(100)
      .regex(/^[A-Za-z0-9._-]+$/, 'the token may contain only letters, digits, . _ and -')
      .optional(),
    /** DNS servers (address or address:port) for Mailprobe's own verification of DKIM, SPF and DMARC; the system's when absent. */
    dnsServers: z
      .array(
        z
          .string()
          .max(64)
          .regex(/^[0-9A-Fa-f:.[\]]+$/, 'a DNS server is an IP address, optionally with :port'),
      )
      .max(4)
      .optional(),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.security === 'none' && !isLoopbackHost(d.host))
      ctx.addIssue({ code: 'custom', path: ['security'], message: 'a mailbox is read without TLS only on this machine (localhost, 127.0.0.1, ::1): use tls or starttls' })
    if (d.secretKind === 'token' && /\p{Cc}/u.test(d.user)) ctx.addIssue({ code: 'custom', path: ['user'], message: 'the mailbox user contains a control character, which XOAUTH2 cannot carry' })
  })
export type DeliveryRequestInput = z.input<typeof deliveryRequestSchema>
export type DeliveryRequest = z.output<typeof deliveryRequestSchema>

/**
 * The embedded sandbox's inbox as the mailbox to watch (its own profiles' sends land there; the app
 * works offline): no IMAP, the watch reads the inbox in the app's own process.
 */
export const sandboxDeliverySchema = z
  .object({
    inbox: z.literal('sandbox'),
    timeoutMs: deliveryRequestSchema.shape.timeoutMs,
    token: deliveryRequestSchema.shape.token,
  })
  .strict()
export type SandboxDelivery = z.output<typeof sandboxDeliverySchema>

/** What a job's `delivery` may name: an IMAP mailbox, or the sandbox's inbox. */
export const jobDeliverySchema = z.union([sandboxDeliverySchema, deliveryRequestSchema])
export type JobDelivery = z.output<typeof jobDeliverySchema>
export const isSandboxDelivery = (d: JobDelivery): d is SandboxDelivery => 'inbox' in d

/** DKIM signing of the test message (nodemailer's signer); the private key is a secret, never echoed. */
export const dkimSigningSchema = z
  .object({
    domain: hostSchema,
    selector: z
      .string()
      .trim()
      .min(1, 'the DKIM selector is required')
      .max(63)
      .regex(/^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/, 'a DKIM selector is letters, digits, _ - and dots'),
    privateKey: z
      .string()
      .max(100_000)
      .refine((k) => /-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(k), 'the DKIM private key must be a PEM private key (-----BEGIN PRIVATE KEY-----)'),
  })
  .strict()
export type DkimSigning = z.infer<typeof dkimSigningSchema>

/** The DKIM-Signature a send carried (never the key). */
export const DkimSentSchema = z.object({ domain: z.string(), selector: z.string(), header: z.string() })
export type DkimSent = z.infer<typeof DkimSentSchema>

/** One Received header, in path order (oldest first): who handed the message to whom, how, when, and the time since the hop before. */
export const DeliveryHopSchema = z.object({
  from: z.string().nullable(),
  by: z.string().nullable(),
  with: z.string().nullable(),
  /** The header's date (ISO 8601), null when it has none that parses. */
  at: z.string().nullable(),
  /** Time since the hop before, null for the first hop or an undated one. */
  delayMs: z.number().nullable(),
  /** The delay is negative or implausible (over a day): one of the two clocks is off. */
  skewed: z.literal(true).optional(),
  /** The hop's TLS, as the header states it (a cipher, "ESMTPS"), when it does. */
  tls: z.string().optional(),
})
export type DeliveryHop = z.infer<typeof DeliveryHopSchema>

/** One authentication verdict as written in Authentication-Results (pass, fail, softfail, neutral, none, temperror, permerror, policy), null when not stated. */
const verdict = z.string().nullable()

export const DeliveryAuthResultsSchema = z.object({
  spf: verdict,
  dkim: verdict,
  dmarc: verdict,
  arc: verdict,
  /** receiver: the receiving server's Authentication-Results; mailprobe: Mailprobe's own check (the receiver added none). */
  source: z.enum(['receiver', 'mailprobe']),
  /** Who wrote them: the authserv-id (mx.google.com …), or Mailprobe. */
  by: z.string().nullable(),
  /** The Authentication-Results header, unfolded. */
  header: z.string().nullable(),
  /** What the verdicts rest on (the IP SPF was checked for, a missing DKIM key …). */
  notes: z.array(z.string()),
})
export type DeliveryAuthResults = z.infer<typeof DeliveryAuthResultsSchema>

/** A folder a watch looked at, and how many other messages arrived there while it waited. */
export const WatchedFolderSchema = z.object({ folder: z.string(), junk: z.boolean(), arrived: z.number().int().nonnegative(), method: z.enum(['idle', 'poll']) })
export type WatchedFolder = z.infer<typeof WatchedFolderSchema>

export const DeliveryResultSchema = z.object({
  /** The message was seen in one of the folders. */
  ok: z.boolean(),
  /** Where it was seen. */
  folder: z.string().nullable(),
  junk: z.boolean(),
  /** From the server's acceptance (the 250 after DATA, the API's 2xx) to the moment the watch saw the message. */
  acceptedToInboxMs: z.number().nullable(),
  /** From the start of the send to the moment the watch saw it. */
  sendToInboxMs: z.number().nullable(),
  /** How long the watch was allowed to wait. */
  timeoutMs: z.number(),
  /** The message was already there when the watch was ready (it begins with the send; its login took longer than the delivery): the times are upper bounds. */
  alreadyThere: z.boolean(),
  /** How the watch learnt of it: IMAP IDLE, or polling (the figure then carries up to a polling interval). */
  method: z.enum(['idle', 'poll']),
  hops: z.array(DeliveryHopSchema),
  authResults: DeliveryAuthResultsSchema.nullable(),
  /** Whether the DKIM signature Mailprobe added verified on arrival; null when not signed or not checked. */
  dkimVerified: z.boolean().nullable(),
  /** The message's header block as it arrived. */
  headers: z.string().nullable(),
  watched: z.array(WatchedFolderSchema),
  /** The test message was deleted after reading (deleteAfter). */
  deleted: z.boolean(),
  /** The mailbox watched: an IMAP server, or the sandbox's inbox. */
  mailbox: z.discriminatedUnion('kind', [z.object({ kind: z.literal('imap'), host: z.string(), port: z.number(), security: z.enum(IMAP_SECURITY) }), z.object({ kind: z.literal('sandbox') })]),
})
export type DeliveryResult = z.infer<typeof DeliveryResultSchema>
