import * as z from 'zod'

/** Field validators shared by every request schema. CR/LF checks stop header and command injection at the door. */
const noLineBreaks = (s: string) => !/[\r\n\0]/.test(s)

/** What is wrong with a host name or address, in words; null when it is usable. */
export function hostProblem(host: string): string | null {
  let h = host
  if (h.startsWith('[') || h.endsWith(']')) {
    if (!(h.startsWith('[') && h.endsWith(']'))) return 'an IPv6 address in brackets needs both [ and ]'
    // An address literal, as in EHLO [192.0.2.1] or [2001:db8::1].
    h = h.slice(1, -1)
    return looksLikeIpv6(h) || isIpv4(h) ? null : `[${h}] is not an IP address in brackets`
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(h)) return 'give only the server name (e.g. smtp.example.com), not a URL'
  if (/[\s/@]/.test(h)) return 'host may not contain spaces, slashes or @ (give only the server name, e.g. smtp.example.com)'
  if (h.includes(':')) {
    if (looksLikeIpv6(h)) return null
    return /^[^:]+:\d+$/.test(h) ? 'give the port in its own field, not as host:port' : 'host has a colon but is not an IPv6 address'
  }
  if (/^[\d.]+$/.test(h)) return isIpv4(h) ? null : `${h} is not an IPv4 address (four numbers 0–255)`
  for (const label of h.replace(/\.$/, '').split('.')) {
    if (!label) return 'host has an empty part (two dots in a row, or a leading dot)'
    if (label.length > 63) return 'each dot-separated part of a host name is at most 63 characters'
    if (!/^[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?$/.test(label)) return 'host may contain only letters, digits, dots and hyphens (not at the start or end of a part)'
  }
  return null
}

function isIpv4(h: string): boolean {
  const parts = h.split('.')
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)
}

function looksLikeIpv6(h: string): boolean {
  return /^[0-9A-Fa-f:.]+(?:%[\w.-]+)?$/.test(h) && (h.match(/:/g) ?? []).length >= 2
}

/**
 * International (Unicode) host names become their ASCII form (xn--…), which DNS and TLS use;
 * WHATWG URL does the conversion the same way in main and in the renderer.
 */
function asciiHost(h: string): string {
  if (/^[ -~]*$/.test(h)) return h
  try {
    return new URL(`http://${h}/`).hostname
  } catch {
    return h // left as it is: the check below says what is wrong
  }
}

export const hostSchema = z
  .string()
  .trim()
  .min(1, 'host is required')
  .max(253, 'host is longer than 253 characters')
  .transform(asciiHost)
  .check((ctx) => {
    const problem = hostProblem(ctx.value)
    if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value })
  })

export const portSchema = z.number().int('port must be a whole number').min(1, 'port must be 1–65535').max(65535, 'port must be 1–65535')

export const addressSchema = z
  .string()
  .trim()
  .min(3, 'address is too short')
  .max(320, 'address is longer than 320 characters')
  .refine(noLineBreaks, 'address contains a line break')
  .refine((a) => /^[^\s<>@]+@[^\s<>@]+$/.test(a), 'address must look like name@domain')

export const singleLineSchema = (what: string, max: number) => z.string().max(max, `${what} is longer than ${max} characters`).refine(noLineBreaks, `${what} contains a line break`)

export const headerSchema = z
  .object({
    name: z
      .string()
      .min(1)
      .max(76)
      .refine((n) => /^[!-9;-~]+$/.test(n), 'header name may contain only printable ASCII without spaces or colons'),
    value: singleLineSchema('header value', 998),
  })
  .strict()

export const timeoutSchema = z.number().int().min(100, 'timeouts are at least 100 ms').max(600_000, 'timeouts are at most 10 minutes')

export const tlsOptionsSchema = z
  .object({
    /** SNI name and the name the certificate must match; defaults to the host. */
    servername: hostSchema.optional(),
    /** Path to a PEM file with the CA(s) to trust, read at run time. */
    caFile: singleLineSchema('CA file path', 4096).optional(),
    /** PEM text to trust (used by profiles that carry their CA, such as the sandbox's). */
    caPem: z.string().max(1_000_000).optional(),
    /** Explicit opt-out of certificate verification; every result says so. */
    insecure: z.boolean().default(false),
    minVersion: z.enum(['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']).optional(),
  })
  .strict()
export type TlsOptions = z.infer<typeof tlsOptionsSchema>

/** Certificate and session facts as every engine reports them. */
export const CertSummarySchema = z.object({
  subject: z.string(),
  issuer: z.string(),
  sans: z.array(z.string()),
  validFrom: z.string(),
  validTo: z.string(),
  fingerprint256: z.string(),
})
export type CertSummary = z.infer<typeof CertSummarySchema>

export const TlsInfoSchema = CertSummarySchema.extend({
  protocol: z.string(),
  cipher: z.string(),
  authorized: z.boolean(),
  authorizationError: z.string().nullable(),
  /** Verification was turned off for this run. */
  insecure: z.boolean(),
  sessionReused: z.boolean(),
})
export type TlsInfo = z.infer<typeof TlsInfoSchema>

/** A test message as every engine takes it (SMTP and the HTTPS APIs alike). */
export const messageSchema = z
  .object({
    from: addressSchema,
    to: z.array(addressSchema).max(1000).default([]),
    cc: z.array(addressSchema).max(1000).default([]),
    bcc: z.array(addressSchema).max(1000).default([]),
    subject: singleLineSchema('subject', 998).default(''),
    text: z.string().max(10_000_000).optional(),
    html: z.string().max(10_000_000).optional(),
    attachments: z
      .array(z.object({ path: singleLineSchema('attachment path', 4096) }).strict())
      .max(100)
      .default([]),
    headers: z.array(headerSchema).max(100).default([]),
  })
  .strict()
