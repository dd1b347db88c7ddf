import * as z from 'zod'
import { ClassifiedErrorSchema } from './errors'
import { CertSummarySchema, hostSchema, portSchema, TlsInfoSchema, tlsOptionsSchema } from './fields'
import { networkSchema } from './network'
import { PROBE_PHASES, JobResultBaseSchema, phaseSchema } from './transcript'

/** The ports a host probe tries when none are given: relay, implicit-TLS submission, submission, provider fallback. */
export const PROBE_DEFAULT_PORTS = [25, 465, 587, 2525] as const
/** In domain mode (`mx`), each MX host is probed on port 25 unless ports are given. */
export const PROBE_MX_DEFAULT_PORTS = [25] as const
export const PROBE_MAX_PORTS = 20
export const PROBE_DEFAULT_TIMEOUT_MS = 5000

/**
 * open = something answered (see `speaks`); refused = nothing listens; timeout = no TCP answer;
 * silent = TCP accepted but no greeting (in plaintext or TLS) within the timeout; error = anything else.
 */
export const PROBE_STATES = ['open', 'refused', 'timeout', 'silent', 'error'] as const
/** What the port says first: a plaintext SMTP greeting, TLS (then SMTP inside), or another service. */
export const PROBE_SPEAKS = ['smtp', 'tls', 'other'] as const
/** How a client secures a session on this port: implicit TLS, STARTTLS, or not at all. */
export const PROBE_SECURITY = ['tls', 'starttls', 'none'] as const
export type ProbeState = (typeof PROBE_STATES)[number]
export type ProbeSpeaks = (typeof PROBE_SPEAKS)[number]
export type ProbeSecurity = (typeof PROBE_SECURITY)[number]

export const probeJobSchema = z
  .object({
    /** A host name or IP address; in `mx` mode, the mail domain whose MX hosts are probed. */
    host: hostSchema,
    /** Default: 25, 465, 587, 2525 (in `mx` mode: 25). Probed concurrently. */
    ports: z
      .array(portSchema)
      .min(1, 'give at least one port')
      .max(PROBE_MAX_PORTS, `at most ${PROBE_MAX_PORTS} ports per probe`)
      .refine((ports) => new Set(ports).size === ports.length, 'each port may be listed only once')
      .optional(),
    /** Bound on each step (DNS, connect, greeting, each reply, each TLS handshake). */
    timeoutMs: z.number().int().min(100, 'the timeout is at least 100 ms').max(60_000, 'the timeout is at most 60000 ms').default(PROBE_DEFAULT_TIMEOUT_MS),
    network: networkSchema.default({ family: 'auto' }),
    tls: tlsOptionsSchema.default({ insecure: false }),
    /** Treat `host` as a mail domain: probe its MX hosts (bounded concurrency). */
    mx: z.boolean().default(false),
    /** Name sent in EHLO; default: our address literal, e.g. [192.0.2.1]. */
    ehloName: hostSchema.optional(),
  })
  .strict()
export type ProbeJobInput = z.input<typeof probeJobSchema>
export type ProbeJob = z.output<typeof probeJobSchema>

export const ProbeAddressSchema = z.object({ address: z.string(), family: z.union([z.literal(4), z.literal(6)]) })
export type ProbeAddress = z.infer<typeof ProbeAddressSchema>

/** The certificate and session a port presented, and our verdict on it (reported, never fatal to the probe). */
export const ProbeTlsSchema = TlsInfoSchema.extend({
  /** implicit = TLS from the first byte; starttls = upgraded by STARTTLS. */
  mode: z.enum(['implicit', 'starttls']),
  handshakeMs: z.number(),
  /** Leaf first, then each issuer as the handshake presented or completed it. */
  chain: z.array(CertSummarySchema),
  /** Why the certificate would be refused by a verifying client; null when it verifies. Computed even with `insecure`. */
  verification: ClassifiedErrorSchema.nullable(),
  /** The name the certificate must cover: the TLS servername option, else the host probed. */
  servername: z.string(),
  /** Whether the leaf covers `servername`. */
  hostnameMatch: z.boolean(),
  /** Whole days until the leaf expires (negative once expired). */
  daysUntilExpiry: z.number().int().nullable(),
})
export type ProbeTls = z.infer<typeof ProbeTlsSchema>

/** The SMTP extensions that matter for submission, from the last EHLO answered (after TLS when there was TLS). */
export const ProbeExtensionsSchema = z.object({
  /** SIZE limit in bytes; 0 = the server announces no fixed limit; null = no SIZE extension. */
  size: z.number().nullable(),
  pipelining: z.boolean(),
  eightBitMime: z.boolean(),
  smtpUtf8: z.boolean(),
  chunking: z.boolean(),
  dsn: z.boolean(),
  enhancedStatusCodes: z.boolean(),
  requireTls: z.boolean(),
})
export type ProbeExtensions = z.infer<typeof ProbeExtensionsSchema>

export const ProbePortSchema = z.object({
  /** The host probed (the MX host in `mx` mode). */
  host: z.string(),
  port: z.number().int(),
  state: z.enum(PROBE_STATES),
  speaks: z.enum(PROBE_SPEAKS).nullable(),
  /** The service recognised when `speaks` is 'other' (HTTP, SSH, HTTPS, ...); null when unrecognised. */
  other: z.string().nullable(),
  /** The first bytes of a service that is not SMTP, printable (escaped) and cut short. */
  firstBytes: z.string().nullable(),
  /** The address we were connected to. */
  address: z.string().nullable(),
  connectMs: z.number().nullable(),
  /** From TCP connect (implicit TLS: from the end of the handshake) to the complete greeting. */
  bannerMs: z.number().nullable(),
  /** The greeting lines, joined with newlines, without reply codes. */
  banner: z.string().nullable(),
  bannerCode: z.number().int().nullable(),
  /** STARTTLS was offered in the plaintext EHLO. */
  starttls: z.boolean(),
  tls: ProbeTlsSchema.nullable(),
  /** EHLO keywords in plaintext (`before`) and inside TLS (`after`); null = that EHLO did not happen. */
  capabilities: z.object({ before: z.array(z.string()).nullable(), after: z.array(z.string()).nullable() }),
  auth: z.object({ before: z.array(z.string()).nullable(), after: z.array(z.string()).nullable() }),
  extensions: ProbeExtensionsSchema.nullable(),
  /** How a client would secure a session here, when the port speaks SMTP. */
  security: z.enum(PROBE_SECURITY).nullable(),
  /** A usable path: for submission, SMTP protected by TLS with a certificate that verifies (or verification off); for MX relay, SMTP that greets 220. */
  usable: z.boolean(),
  diagnosis: z.string(),
  /** What stopped the probe of this port early, if anything. */
  error: ClassifiedErrorSchema.nullable(),
  totalMs: z.number(),
})
export type ProbePort = z.infer<typeof ProbePortSchema>

export const ProbeMxHostSchema = z.object({
  exchange: z.string(),
  priority: z.number().int(),
  addresses: z.array(ProbeAddressSchema),
  /** Why this host could not be probed (e.g. its name does not resolve). */
  error: ClassifiedErrorSchema.nullable(),
})
export type ProbeMxHost = z.infer<typeof ProbeMxHostSchema>

export const ProbeRecommendationSchema = z.object({
  /** null when no port fits. */
  port: z.number().int().nullable(),
  /** The MX host to use (domain mode); the probed host otherwise. */
  host: z.string().nullable(),
  security: z.enum(PROBE_SECURITY).nullable(),
  reason: z.string(),
})
export type ProbeRecommendation = z.infer<typeof ProbeRecommendationSchema>

export const ProbeResultSchema = JobResultBaseSchema.extend({
  phases: z.array(phaseSchema(PROBE_PHASES)),
  kind: z.literal('probe'),
  mode: z.enum(['host', 'mx']),
  host: z.string(),
  /** The addresses of `host` (host mode); in mx mode see `mx.hosts[].addresses`. */
  addresses: z.array(ProbeAddressSchema),
  timeoutMs: z.number(),
  ports: z.array(ProbePortSchema),
  mx: z
    .object({
      domain: z.string(),
      /** No MX record: the domain itself is the implicit MX (RFC 5321 §5.1). */
      implicit: z.boolean(),
      /** A null MX (RFC 7505): the domain accepts no mail. */
      nullMx: z.boolean(),
      hosts: z.array(ProbeMxHostSchema),
    })
    .nullable(),
  recommendation: ProbeRecommendationSchema,
})
export type ProbeResult = z.infer<typeof ProbeResultSchema>
