// The parts of mailauth 4.9 (it ships no type declarations) that Mailprobe uses: the delivery watch's
// authenticate(), Received and Authentication-Results parsing; the domain checks' SPF evaluation,
// DMARC record lookup (with its organisational-domain fallback), DKIM key lookup, tag-list parsing,
// organisational-domain comparison, BIMI record check and MTA-STS policy parser.

declare module 'mailauth' {
  interface Verdict {
    result: string
    comment?: string
    aligned?: string | false
  }
  export interface AuthenticateResult {
    dkim: { results?: { signingDomain?: string; selector?: string; status: Verdict; info?: string }[] }
    spf: { status: Verdict; domain?: string; 'client-ip'?: string; info?: string } | false
    dmarc: { status: Verdict; domain?: string; info?: string } | false
    arc: { status: Verdict; info?: string } | false
    headers: string
  }
  export interface AuthenticateOptions {
    trustReceived?: boolean
    sender?: string
    ip?: string
    helo?: string
    mta?: string
    minBitLength?: number
    disableArc?: boolean
    disableDmarc?: boolean
    disableBimi?: boolean
    resolver?: (name: string, rrtype: string) => Promise<unknown>
  }
  export function authenticate(input: Buffer | string, opts?: AuthenticateOptions): Promise<AuthenticateResult>
}

declare module 'mailauth/lib/parse-received' {
  interface Part {
    value: string
    comment?: string
  }
  export interface ParsedReceived {
    from?: Part
    by?: Part
    with?: Part
    id?: Part
    for?: Part
    tls?: Part
    timestamp?: string
    full: string
  }
  export function parseReceived(header: string | Buffer): ParsedReceived | false
}

declare module 'mailauth/lib/parse-dkim-headers' {
  /** One method's result: `value` the verdict, then its properties (header.d, smtp.mailfrom …) nested by their dots. */
  interface MethodResult {
    value: string
    comment?: string
    header?: Record<string, string>
    smtp?: Record<string, string>
    [key: string]: unknown
  }
  interface ParsedAuthResults {
    header: string
    /** The authserv-id. */
    value?: string
    dkim?: MethodResult[]
    spf?: MethodResult
    dmarc?: MethodResult
    arc?: MethodResult
    [method: string]: unknown
  }
  function parseDkimHeaders(header: string | Buffer): { parsed: ParsedAuthResults; original: string | Buffer }
  export = parseDkimHeaders
}

declare module 'mailauth/lib/spf/index.js' {
  export type MailauthResolver = (name: string, rrtype: string) => Promise<unknown>
  export interface SpfResponse {
    domain: string
    'client-ip': string
    /** The SPF record evaluated (absent when none was found). */
    rr?: string
    status: { result: 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'permerror' | 'temperror'; comment?: string }
    /** DNS lookups counted against the limits (RFC 7208 §4.6.4): `count` stops one past `limit` (the permerror). */
    lookups?: { limit: number; count: number; void: number; subqueries: Record<string, number> }
  }
  export function spf(opts: { sender: string; ip: string; helo?: string; mta?: string; maxResolveCount?: number; maxVoidCount?: number; resolver?: MailauthResolver }): Promise<SpfResponse>
}

declare module 'mailauth/lib/dmarc/get-dmarc-record.js' {
  /** The record's tags (lower-case names; pct and ri as numbers), the record itself, and whether it came from the organisational domain. */
  export interface DmarcRecord {
    [tag: string]: unknown
    v?: string
    p?: string
    sp?: string
    rua?: string
    ruf?: string
    rr: string
    isOrgRecord: boolean
  }
  function getDmarcRecord(domain: string, resolver?: (name: string, rrtype: string) => Promise<unknown>): Promise<DmarcRecord | false>
  export = getDmarcRecord
}

declare module 'mailauth/lib/tools.js' {
  /** The key at `name` (RSA or Ed25519), or an error with a code: EINVALIDVAL (no or bad p=), EINVALIDVER, EINVALIDTYPE, ESHORTKEY (below minBitLength). */
  export function getPublicKey(
    type: 'DKIM',
    name: string,
    minBitLength: number,
    resolver: (name: string, rrtype: string) => Promise<unknown>,
  ): Promise<{ publicKey: string; rr: string; modulusLength?: number }>
  export interface TagValueRecord {
    tags: Record<string, string | string[]>
    errors: string[]
    warnings: string[]
    isValid: boolean
  }
  export function parseTagValueRecord(
    record: string,
    options?: { requiredTags?: string[]; allowedTags?: string[] | null; caseSensitive?: boolean; strictMode?: boolean; allowDuplicateKeys?: boolean },
  ): TagValueRecord
  /** `fromDomain` and one of `domains` share an organisational domain (relaxed), or are equal (strict): the entry that aligns, or false. */
  export function getAlignment(fromDomain: string, domains: string[], strict?: boolean): { domain: string } | false
  export function parseDkimHeaders(header: string): { parsed: Record<string, { value: string } | undefined> }
  /** The options mailauth gives tldts for organisational domains (ICANN and private suffixes). */
  export const TLDTS_OPTS: { allowIcannDomains: boolean; allowPrivateDomains: boolean }
  /** A BIMI record checked as mailauth's BIMI lookup checks it: v, l and a present and nothing else, l and a https URLs. */
  export function validateTagValueRecord(record: string, recordType: 'BIMI'): TagValueRecord
}

declare module 'mailauth/lib/mta-sts.js' {
  export interface StsPolicy {
    version: string
    mode: 'enforce' | 'testing' | 'none'
    maxAge: number
    mx?: string[]
  }
  /** Parses and validates a policy file (RFC 8461 §3.2); throws with `code` (invalid_sts_version, invalid_sts_mode, invalid_sts_max_age, invalid_sts_mx). */
  export function parsePolicy(file: string | Buffer): StsPolicy
  /** Whether an MX host matches one of the policy's `mx` patterns (always valid for mode none). */
  export function validateMx(mx: string, policy: StsPolicy): { valid: boolean; mode: string; match?: string; testing: boolean }
}
