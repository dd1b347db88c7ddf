// Amazon SES v2: POST https://email.{region}.amazonaws.com/v2/email/outbound-emails, JSON, signed
// with AWS Signature Version 4 (service "ses", region-scoped; X-Amz-Security-Token for temporary
// credentials) by the `aws4` package. Success 200 {"MessageId":…}; errors {"message":…} with the
// type in the x-amzn-ErrorType header. No dry-run flag: the mailbox simulator is the safe target.
import { API_PROVIDER_NAMES } from '../../../../preload/contract'
import aws4 from 'aws4'
import { buildMessage } from '../../message/mime'
import type { BuildContext, BuiltRequest, HttpMethod, InterpretContext, ParsedResponse, ProviderModule } from '../types'
import { outcome } from '../types'
import { Base64Blob, compact, dig, endpoint, jsonBodies, str, textExcerpt } from './common'

export const SES_DEFAULT_REGION = 'us-east-1'

export interface SigV4Request {
  method: string
  /** Host header value (host[:port]) — exactly what is sent. */
  host: string
  /** Path and query, e.g. /v2/email/outbound-emails or /?Action=ListUsers&Version=2010-05-08 */
  path: string
  headers: Record<string, string>
  body?: Buffer | string
  service: string
  region: string
}

export interface AwsCredentials {
  accessKeyId: string
  secretAccessKey: string
  sessionToken?: string
}

/**
 * Signs a request with SigV4 (via aws4) and returns the headers to send: the given ones plus
 * X-Amz-Date (unless given), X-Amz-Security-Token (temporary credentials), Content-Length and
 * Authorization. The body must be the exact bytes sent.
 */
export function signV4(req: SigV4Request, creds: AwsCredentials, now: Date = new Date()): Record<string, string> {
  const headers: Record<string, string> = { ...req.headers, Host: req.host }
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'x-amz-date')) headers['X-Amz-Date'] = amzDate(now)
  const signed = aws4.sign(
    {
      method: req.method,
      host: req.host,
      path: req.path,
      service: req.service,
      region: req.region,
      headers,
      ...(req.body !== undefined ? { body: req.body } : {}),
    },
    { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey, ...(creds.sessionToken ? { sessionToken: creds.sessionToken } : {}) },
  )
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(signed.headers ?? {})) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : String(v)
  return out
}

/** 20150830T123600Z */
export function amzDate(d: Date): string {
  return d.toISOString().replace(/[:-]|\.\d{3}/g, '')
}

function region(ctx: { job: { region?: string } }): string {
  return ctx.job.region ?? SES_DEFAULT_REGION
}

function signed(ctx: BuildContext, method: HttpMethod, path: string, json: { body: Buffer; display: string } | null): BuiltRequest {
  const url = endpoint(ctx.origin, path)
  const headers = signV4(
    {
      method,
      host: url.host,
      path,
      headers: json ? { 'Content-Type': 'application/json' } : {},
      ...(json ? { body: json.body } : {}),
      service: 'ses',
      region: region(ctx),
    },
    { accessKeyId: ctx.credentials.key, secretAccessKey: ctx.credentials.secret ?? '', sessionToken: ctx.credentials.sessionToken },
    ctx.now,
  )
  return { method, url, headers: { Accept: 'application/json', ...headers }, body: json?.body ?? null, display: json?.display ?? '', expectJson: true }
}

async function buildSend(ctx: BuildContext): Promise<BuiltRequest> {
  const m = ctx.message!
  const destination = compact({ ToAddresses: m.to, CcAddresses: m.cc, BccAddresses: m.bcc })
  let content: unknown
  if (ctx.attachments.length) {
    // Attachments go as a raw MIME message (what nodemailer's SES transport sends), composed by nodemailer.
    const built = await buildMessage(m, ctx.attachments)
    const names = ctx.attachments.map((a) => `${a.filename} (${a.content.length} bytes)`).join(', ')
    content = { Raw: { Data: new Base64Blob(built.raw, `[raw MIME message, ${built.raw.length} bytes, with attachments ${names}; content not shown]`) } }
  } else {
    const body = compact({
      Text: m.text !== undefined ? { Data: m.text, Charset: 'UTF-8' } : undefined,
      Html: m.html !== undefined ? { Data: m.html, Charset: 'UTF-8' } : undefined,
    })
    content = { Simple: compact({ Subject: { Data: m.subject, Charset: 'UTF-8' }, Body: body, Headers: m.headers.map((h) => ({ Name: h.name, Value: h.value })) }) }
  }
  const payload = { FromEmailAddress: m.from, Destination: destination, Content: content }
  return signed(ctx, 'POST', '/v2/email/outbound-emails', jsonBodies(payload))
}

const AUTH_HINTS: Record<string, string> = {
  InvalidSignatureException: 'The signature did not match: the secret access key is wrong, or this machine’s clock is more than 5 minutes off.',
  SignatureDoesNotMatch: 'The signature did not match: the secret access key is wrong, or this machine’s clock is more than 5 minutes off.',
  UnrecognizedClientException: 'AWS does not know this access key id (or the session token is invalid or expired).',
  InvalidClientTokenId: 'AWS does not know this access key id.',
  ExpiredTokenException: 'The temporary credentials (session token) have expired: get fresh ones.',
  AccessDeniedException: 'The credentials are valid but their IAM policy does not allow this SES action (ses:SendEmail / ses:GetAccount).',
  AccessDenied: 'The credentials are valid but their IAM policy does not allow this SES action (ses:SendEmail / ses:GetAccount).',
  RequestTimeTooSkewed: 'This machine’s clock is more than 5 minutes off: fix the clock (NTP) and retry.',
}

const REJECT_HINTS: Record<string, string> = {
  MessageRejected:
    'SES refused the message. In the account sandbox only verified addresses (and the mailbox simulator, e.g. success@simulator.amazonses.com) can receive mail; verify the identities or request production access.',
  MailFromDomainNotVerifiedException: 'The custom MAIL FROM domain is not verified: check its MX and SPF records in the SES console.',
  AccountSuspendedException: 'Sending is suspended for this account: see the SES console and AWS support.',
  SendingPausedException: 'Sending is paused for this account or configuration set.',
  NotFoundException: 'A resource named in the request (configuration set, template) does not exist in this region.',
  BadRequestException: 'SES found the request malformed.',
  LimitExceededException: 'An SES limit was exceeded.',
  TooManyRequestsException: 'SES is throttling this account (sending rate).',
}

/** The x-amzn-ErrorType header without its namespace URL: "MessageRejected:http://…" → "MessageRejected". */
export function amznErrorType(headers: Record<string, string>): string | null {
  const raw = headers['x-amzn-errortype']
  if (!raw) return null
  return raw.split(':')[0]!.trim() || null
}

function interpret(res: ParsedResponse, ctx: InterpretContext) {
  const type = amznErrorType(res.headers) ?? str(dig(res.json, '__type'))?.split('#').pop() ?? null
  const message = str(dig(res.json, 'message')) ?? str(dig(res.json, 'Message'))
  const providerError = type || message ? [type, message ?? (res.isJson ? null : textExcerpt(res.text))].filter(Boolean).join(': ') : textExcerpt(res.text)
  if (res.status >= 200 && res.status < 300) {
    if (ctx.action === 'verify') {
      const sending = dig(res.json, 'SendingEnabled')
      const production = dig(res.json, 'ProductionAccessEnabled')
      const max = dig(res.json, 'SendQuota', 'Max24HourSend')
      const rate = dig(res.json, 'SendQuota', 'MaxSendRate')
      const sent = dig(res.json, 'SendQuota', 'SentLast24Hours')
      const warnings: string[] = []
      if (production === false) warnings.push('This SES account is in the sandbox: it can send only to verified addresses and the mailbox simulator (200 messages a day, 1 per second).')
      if (sending === false) warnings.push('Sending is disabled for this SES account.')
      return outcome({
        ok: true,
        notes: [
          `account in ${region(ctx)}: sending ${sending === false ? 'disabled' : 'enabled'}, ${production === false ? 'sandbox' : 'production access'}${max !== undefined ? `, quota ${String(sent ?? '?')}/${String(max)} per 24 h at ${String(rate ?? '?')}/s` : ''}`,
        ],
        warnings,
      })
    }
    return outcome({ ok: true, messageId: str(dig(res.json, 'MessageId')) })
  }
  const hint = (type && (AUTH_HINTS[type] ?? REJECT_HINTS[type])) || undefined
  const code = type === 'TooManyRequestsException' ? ('HTTP_RATE_LIMITED' as const) : type && AUTH_HINTS[type] ? ('HTTP_AUTH_FAILED' as const) : undefined
  return outcome({ ok: false, providerError, hint, ...(code ? { code } : {}) })
}

export const ses: ProviderModule = {
  label: API_PROVIDER_NAMES.ses,
  defaultOrigin: (job) => `https://email.${job.region ?? SES_DEFAULT_REGION}.amazonaws.com`,
  sandbox: {
    kind: 'recipients',
    accepts: (address) => /@simulator\.amazonses\.com$/i.test(address),
    suggestion: 'the SES mailbox simulator (success@simulator.amazonses.com, bounce@…, complaint@…)',
  },
  buildSend,
  buildVerify: (ctx) => signed(ctx, 'GET', '/v2/email/account', null),
  interpret,
}
