import type { ApiAction, ApiJob, ApiMessage, ErrorCode } from '../../../preload/contract'
import type { LoadedAttachment } from '../message/attachments'

/** Everything a provider module needs to build its request. Credentials are in here and nowhere else. */
export interface BuildContext {
  job: ApiJob
  /** The message (send only; verify has none). */
  message: ApiMessage | null
  attachments: LoadedAttachment[]
  credentials: { key: string; secret?: string; sessionToken?: string }
  /** scheme://host[:port] to send to: the baseUrl override or the provider's (regional) default. */
  origin: string
  /** Signing time (SES). */
  now: Date
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH'

/** One request, ready for the wire, plus what the transcript may show of its body. */
export interface BuiltRequest {
  method: HttpMethod
  url: URL
  /** Request headers as sent (Host and Content-Length are added by the transport when absent). */
  headers: Record<string, string>
  body: Buffer | null
  /** The body as the transcript shows it: attachments summarised by name and size, base64 never dumped. */
  display: string
  /** A 2xx answer must be the JSON the provider documents (otherwise HTTP_BAD_RESPONSE). */
  expectJson: boolean
}

/** The response as a provider module sees it. */
export interface ParsedResponse {
  status: number
  statusText: string
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>
  /** The body as UTF-8 text (at most the kept bytes). */
  text: string
  /** The parsed body when it was JSON, otherwise undefined. */
  json: unknown
  /** The body parsed as JSON. */
  isJson: boolean
  /** The body was bigger than Mailprobe keeps, and reading stopped. */
  overflow: boolean
}

/** What a response means for this provider. */
export interface Interpretation {
  ok: boolean
  messageId: string | null
  /** The provider's own error text ("Forbidden", "MessageRejected: Email address is not verified…"). */
  providerError: string | null
  /** Overrides the code the HTTP status implies (Resend's validation_error answered with 403, a Mailjet per-message error in a 200…). */
  code?: ErrorCode
  /** A provider-specific sentence a person can act on. */
  hint?: string
  /** Facts worth a transcript line (account, quota, domain state…). */
  notes: string[]
  warnings: string[]
}

export interface InterpretContext {
  action: ApiAction
  sandbox: boolean
  job: ApiJob
}

export type SandboxSupport =
  /** A request switch the provider honours; `warning` is shown on every sandbox run, `note` is informational, `check` warns about this message. */
  | { kind: 'flag'; where: string; warning?: string; note?: string; check?: (message: ApiMessage) => string | null }
  /** No switch: a no-delivery test means sending to the provider's test recipients only. */
  | { kind: 'recipients'; accepts: (address: string, ctx: { key: string }) => boolean; suggestion: string }
  | { kind: 'none' }

export interface ProviderModule {
  label: string
  /** scheme://host for this job (region-aware). */
  defaultOrigin(job: ApiJob): string
  sandbox: SandboxSupport
  buildSend(ctx: BuildContext): BuiltRequest | Promise<BuiltRequest>
  /** A request that checks the key and sends nothing. */
  buildVerify(ctx: BuildContext): BuiltRequest
  interpret(res: ParsedResponse, ctx: InterpretContext): Interpretation
}

/** An Interpretation with the defaults filled in. */
export function outcome(partial: Partial<Interpretation> & { ok: boolean }): Interpretation {
  return { messageId: null, providerError: null, notes: [], warnings: [], ...partial }
}
