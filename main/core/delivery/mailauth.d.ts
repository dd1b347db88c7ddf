// The parts of mailauth 4.9 (no type declarations of its own) the delivery watch uses.

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
