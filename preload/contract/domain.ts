import * as z from 'zod'
import { hostSchema, portSchema, tlsOptionsSchema } from './fields'
import { API_PROVIDER_NAMES } from './http'
import { networkSchema } from './network'
import { DOMAIN_PHASES, JobResultBaseSchema, phaseSchema, type DomainPhaseName } from './transcript'

/**
 * Domain readiness: will mail from this domain, sent through this provider or relay, be trusted?
 * One job runs every check concurrently (bounded) against DNS (and the MX hosts' port 25, and the
 * MTA-STS policy over HTTPS); each check has a status, one sentence to act on and the records found.
 */

/** The checks, in the order they are shown (and the ids `--json` carries); each is also the name of its phase. */
export const DOMAIN_CHECK_IDS = DOMAIN_PHASES
export type DomainCheckId = DomainPhaseName

/** Each check's name in a few words (a check's own `title` may say more, e.g. the selectors); shown for a check not finished yet. */
export const DOMAIN_CHECK_TITLES: Record<DomainCheckId, string> = {
  mx: 'MX',
  ptr: 'Reverse DNS (PTR)',
  spf: 'SPF',
  dkim: 'DKIM',
  dmarc: 'DMARC',
  alignment: 'Alignment',
  'mta-sts': 'MTA-STS',
  'tls-rpt': 'TLS-RPT',
  dane: 'DANE',
  bimi: 'BIMI',
  'bulk-sender': 'Bulk-sender requirements',
}

/** pass: as it should be; warn: works, but should be fixed; fail: mail will suffer; info: nothing to judge (or not checkable from DNS). */
export const DOMAIN_STATUSES = ['pass', 'warn', 'fail', 'info'] as const
export type DomainStatus = (typeof DOMAIN_STATUSES)[number]

/** The senders whose records the checks know: the eight API providers, Microsoft 365 and Google Workspace. A generic relay is named by host (`relay`). */
export const DOMAIN_PROVIDERS = ['mailgun', 'sendgrid', 'postmark', 'ses', 'resend', 'mailjet', 'sparkpost', 'brevo', 'microsoft365', 'google-workspace'] as const
export type DomainProvider = (typeof DOMAIN_PROVIDERS)[number]
/** Each sender as people know it (History's summary, the app's picker and verdict). */
export const DOMAIN_PROVIDER_NAMES: Record<DomainProvider, string> = { ...API_PROVIDER_NAMES, microsoft365: 'Microsoft 365', 'google-workspace': 'Google Workspace' }

/** A run's sender in words, from DomainResult's `provider`: "SendGrid", "relay smtp.example.com", or null when none was named. */
export function domainSenderWords(provider: string | null): string | null {
  if (!provider) return null
  if (provider.startsWith('relay:')) return `relay ${provider.slice('relay:'.length)}`
  return (DOMAIN_PROVIDER_NAMES as Record<string, string>)[provider] ?? provider
}

export const DOMAIN_DEFAULT_TIMEOUT_MS = 5000

const selectorSchema = z
  .string()
  .trim()
  .min(1)
  .max(63)
  .regex(/^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/, 'a DKIM selector is letters, digits, _ - and dots')

// Bounded like every string main takes (45: the longest IPv6 text, with an embedded IPv4 address).
const ipSchema = z.union([z.ipv4().max(45), z.ipv6().max(45)], { error: 'a sending IP is an IPv4 or IPv6 address' })

/** A DNS server to ask: an IP address, optionally with a port (`192.0.2.53`, `192.0.2.53:5353`, `[2001:db8::53]:53`). */
export const dnsServerSchema = z
  .string()
  .max(64)
  .regex(/^(?:[0-9.]+(?::\d{1,5})?|\[[0-9A-Fa-f:]+\](?::\d{1,5})?|[0-9A-Fa-f:]+)$/, 'a DNS server is an IP address, optionally with :port')

export const domainJobSchema = z
  .object({
    /** The From domain (a name, not an address). */
    domain: hostSchema.refine((d) => /[A-Za-z]/.test(d) && d.includes('.') && !d.startsWith('['), 'give a domain name such as example.com'),
    /** The provider the mail will go through (its SPF include, DKIM selectors and Return-Path are known). */
    provider: z.enum(DOMAIN_PROVIDERS).optional(),
    /** Or a relay by host name (its addresses are the sending IPs SPF must cover). */
    relay: hostSchema.optional(),
    /** DKIM selectors to check, beside the provider's known ones. */
    dkimSelectors: z.array(selectorSchema).max(10).default([]),
    /** Addresses the mail leaves from (SPF must cover them; PTR/FCrDNS checked). */
    sendingIps: z.array(ipSchema).max(20).default([]),
    /** Resolvers to ask instead of the system's. */
    dnsServers: z.array(dnsServerSchema).min(1).max(4).optional(),
    /** Bound on each DNS question, the policy fetch and each probe step. */
    timeoutMs: z.number().int().min(100, 'the timeout is at least 100 ms').max(60_000, 'the timeout is at most 60000 ms').default(DOMAIN_DEFAULT_TIMEOUT_MS),
    /** Probe each MX host's SMTP port (STARTTLS, certificate, banner). */
    probeMx: z.boolean().default(true),
    /** The port the MX probe and DANE's TLSA name use (25; another only for tests and odd set-ups). */
    mxPort: portSchema.default(25),
    /** The port the MTA-STS policy is fetched from (443, as RFC 8461 says; another only for tests). */
    mtaStsPort: portSchema.default(443),
    /** Trust for the MTA-STS policy fetch and the MX probe's certificates (a private CA in tests). */
    tls: tlsOptionsSchema.default({ insecure: false }),
    network: networkSchema.default({ family: 'auto' }),
  })
  .strict()
  .superRefine((job, ctx) => {
    if (job.provider && job.relay) ctx.addIssue({ code: 'custom', path: ['relay'], message: 'name a provider or a relay, not both' })
  })
export type DomainJobInput = z.input<typeof domainJobSchema>
export type DomainJob = z.output<typeof domainJobSchema>

/** A DNS record as found (or to publish): its type, owner name and value (TXT strings joined). */
export const DomainRecordSchema = z.object({ type: z.string(), name: z.string(), value: z.string() })
export type DomainRecord = z.infer<typeof DomainRecordSchema>

/** One finding inside a check (one MX host, one selector, one bulk-sender requirement). */
export const DomainItemSchema = z.object({ label: z.string(), status: z.enum(DOMAIN_STATUSES), detail: z.string() })
export type DomainItem = z.infer<typeof DomainItemSchema>

export const DomainCheckSchema = z.object({
  id: z.enum(DOMAIN_CHECK_IDS),
  status: z.enum(DOMAIN_STATUSES),
  /** A few words: "SPF", "DKIM (selectors s1, s2)". */
  title: z.string(),
  /** One sentence a person can act on. */
  detail: z.string(),
  /** The records as found. */
  records: z.array(DomainRecordSchema),
  items: z.array(DomainItemSchema).default([]),
  /** How long the check took (ms) and how many DNS questions it asked. */
  durationMs: z.number(),
  queries: z.number().int(),
})
export type DomainCheck = z.output<typeof DomainCheckSchema>

/**
 * `ok`: no check failed (and the run was neither invalid nor cancelled). `error` is null for a run
 * that ran, however many checks failed (ok false, error null: the findings are the answer; the
 * CLI exits 1); it is set only when the run itself did not happen or stopped: INVALID_INPUT,
 * CANCELLED (the checks finished so far are kept), INTERNAL.
 */
export const DomainResultSchema = JobResultBaseSchema.extend({
  kind: z.literal('domain'),
  phases: z.array(phaseSchema(DOMAIN_PHASES)),
  domain: z.string(),
  /** The provider, `relay:HOST`, or null. */
  provider: z.string().nullable(),
  checks: z.array(DomainCheckSchema),
  /** The records to publish (missing or to fix), ready to paste. */
  publish: z.array(DomainRecordSchema),
  /** Whether the resolver vouched for the answers with DNSSEC (the AD bit), null when not asked. */
  dnssec: z.boolean().nullable(),
})
export type DomainResult = z.output<typeof DomainResultSchema>

/** The worst status of a run's checks (fail > warn > pass > info). */
export function worstStatus(checks: readonly Pick<DomainCheck, 'status'>[]): DomainStatus {
  const order: DomainStatus[] = ['fail', 'warn', 'pass', 'info']
  return order.find((s) => checks.some((c) => c.status === s)) ?? 'info'
}
