import { randomUUID } from 'node:crypto'
import { API_ACTIONS, API_PROVIDERS, apiJobSchema, type ApiJob, type ApiPhaseName, type ApiResult, type ClassifiedError } from '../../../preload/contract'
import { abortError, fail } from '../errors'
import { nullSink, type JobOptions } from '../transcript/event-sink'
import { JobRecorder } from '../transcript/recorder'
import { hiddenNamesOf, Redactor, secretsOf } from '../transcript/redact'
import { tagMessage, watchBeforeSend } from '../delivery/tag'
import { plural } from '../../../preload/contract/wording'
import { describeIssues } from '../validation'
import { loadAttachments, MAX_API_ATTACHMENT_BYTES } from '../message/attachments'
import { classifyResponse, classifyThrown, looksHtml } from './classify'
import { bodyForResult } from './display'
import { ApiKeepAlive, createKeepAlive } from './keep-alive'
import { PROVIDERS } from './providers'
import { apiFailure, type ApiFailureRequest } from './result'
import { HttpExchange, type ExchangeResponse } from './transport'
import type { BuildContext, ParsedResponse } from './types'

export { ApiKeepAlive, createKeepAlive }
export { signV4, type SigV4Request, type AwsCredentials } from './providers/ses'

export const DEFAULT_API_TIMEOUTS = { connectMs: 10_000, socketMs: 30_000 }

export interface ApiRunOptions extends JobOptions {
  /**
   * Reuse one keep-alive connection across runs (warm). Without it every run opens a fresh
   * connection and closes it (cold). Close it with `keepAlive.close()` when done.
   */
  keepAlive?: ApiKeepAlive
}

/**
 * Sends one request to a provider's HTTPS API (or checks its key) as `input` describes it,
 * validated with the contract's apiJobSchema. Never throws: every failure, invalid input
 * included, is a result with a classified error. Emits transcript and phase events, then one
 * result event, to `opts.sink`. Credentials appear nowhere in events or the result.
 */
export async function runApi(input: unknown, opts: ApiRunOptions = {}): Promise<ApiResult> {
  const jobId = opts.jobId ?? randomUUID()
  const sink = opts.sink ?? nullSink
  const parsed = apiJobSchema.safeParse(input)
  if (!parsed.success) {
    const rec = new JobRecorder<ApiPhaseName>(jobId, sink, new Redactor(secretsOf(input), hiddenNamesOf(input)))
    const message = rec.redactor.redact(describeIssues(parsed.error.issues))
    rec.line('err', `INVALID_INPUT: ${message}`)
    return rec.finish(apiFailure({ code: 'INVALID_INPUT', message }, requestOf(input), rec))
  }
  const job = parsed.data
  const rec = new JobRecorder<ApiPhaseName>(jobId, sink, new Redactor(secretsOf(job), hiddenNamesOf(job)))
  // A watched send carries its token in a header of its own; the watch begins with the send.
  const token = job.delivery && job.message ? tagMessage(job.message, job.delivery.token) : null
  const watch = job.delivery && token ? watchBeforeSend({ ...job, delivery: job.delivery }, token, rec, opts) : null
  try {
    const result = await new ApiRun(job, rec, opts).run()
    if (!watch || !result.ok) {
      await watch?.abandon()
      return rec.finish(result)
    }
    // The provider's message id is not the Message-ID it writes: the watch looks for the token.
    const acceptedAt = result.phases.reduce((end, p) => Math.max(end, p.startMs + p.durationMs), 0) || result.totalMs
    return rec.finish(await watch.accepted(result, acceptedAt, null))
  } catch (err) {
    await watch?.abandon().catch(() => undefined)
    // ApiRun handles its own failures; this is the promise "never throws" kept even for a bug.
    const thrown = classifyThrown(err)
    const error = { ...thrown, message: rec.redactor.redact(thrown.message) }
    rec.line('err', `${error.code}: ${error.message}`)
    return rec.finish(apiFailure(error, requestOf(job), rec))
  }
}

class ApiRun {
  private readonly warnings: string[] = []
  private readonly provider
  private target: ApiResult['target'] = { method: '', url: '', address: null }
  private exchange: HttpExchange | null = null
  private result: ApiResult['result'] = { status: null, messageId: null, body: null }

  constructor(
    private readonly job: ApiJob,
    private readonly rec: JobRecorder<ApiPhaseName>,
    private readonly opts: ApiRunOptions,
  ) {
    this.provider = PROVIDERS[job.provider]
  }

  async run(): Promise<ApiResult> {
    const { job, rec, provider } = this
    let error: ClassifiedError | null = null
    try {
      if (this.opts.signal?.aborted) throw abortError()
      if (job.action === 'send' && job.sandbox) this.checkSandbox()
      const attachments = job.action === 'send' ? await loadAttachments(job.message!.attachments, MAX_API_ATTACHMENT_BYTES) : []
      const origin = job.baseUrl ? new URL(job.baseUrl).origin : provider.defaultOrigin(job)
      const ctx: BuildContext = {
        job,
        message: job.action === 'send' ? job.message! : null,
        attachments,
        credentials: job.credentials,
        origin,
        now: new Date(),
      }
      const built = job.action === 'send' ? await provider.buildSend(ctx) : provider.buildVerify(ctx)
      this.target = { method: built.method, url: built.url.toString(), address: null }
      rec.line(
        'info',
        `${job.provider === 'generic' ? 'generic endpoint' : provider.label} ${job.action === 'verify' ? 'key check (nothing is sent)' : job.sandbox ? 'send in sandbox mode' : 'send'}: ${built.method} ${built.url.toString()}`,
      )
      if (job.baseUrl) rec.line('info', `base URL override: ${origin} replaces the provider's scheme, host and port; the documented path is kept`)
      if (built.url.protocol === 'http:') this.warn('This request goes over plain HTTP: the key and the message cross the network unencrypted. Use https:// unless this is a local proxy.')
      else if (job.tls.insecure) this.warn('TLS certificate verification is OFF for this run: the server’s identity is not checked.')

      const timeouts = { ...DEFAULT_API_TIMEOUTS, ...job.timeouts }
      this.exchange = new HttpExchange({ rec, tls: job.tls, network: job.network, timeouts, signal: this.opts.signal, keepAlive: this.opts.keepAlive, warn: (t) => this.warn(t) })
      const raw = await this.exchange.send(built)
      const res = parse(raw)
      this.result = { status: res.status, messageId: null, body: res.text ? rec.redactor.redact(bodyForResult(res.text)) : null }
      const verdict = provider.interpret(res, { action: job.action, sandbox: job.sandbox, job })
      for (const note of verdict.notes) rec.line('info', note)
      for (const w of verdict.warnings) this.warn(w)
      if (raw.overflow) this.warn(`The response body was larger than 10 MiB; Mailprobe kept the first 10 MiB and closed the connection.`)
      const success = res.status >= 200 && res.status < 300
      // An HTML page is never a provider API's success, even where no JSON is documented (SendGrid's
      // send answers 202 with no body): a 2xx page comes from a captive portal or a proxy, not the provider.
      const htmlPage = job.provider !== 'generic' && looksHtml(res)
      if (verdict.ok && success && !res.isJson && (built.expectJson || htmlPage)) error = classifyResponse(res, { ...verdict, ok: false }, provider.label, job.action, true)
      else if (verdict.ok) {
        this.result.messageId = verdict.messageId
        rec.line(
          'info',
          job.action === 'verify'
            ? `${provider.label} accepted the key (${res.status})`
            : `${provider.label} accepted the message (${res.status})${verdict.messageId ? `; message id ${verdict.messageId}` : ''}`,
        )
      } else error = classifyResponse(res, verdict, provider.label, job.action, built.expectJson)
    } catch (err) {
      error = classifyThrown(err)
    }
    if (this.exchange) {
      this.target.address = this.exchange.address
      if (this.result.status === null) this.result.status = this.exchange.status
    }
    if (error) rec.line('err', `${error.code}: ${error.message}`)
    return this.build(error)
  }

  /** Providers without a sandbox switch get a no-delivery test only through their test recipients. */
  private checkSandbox(): void {
    const { job, provider, rec } = this
    const sb = provider.sandbox
    if (sb.kind === 'flag') {
      rec.line('info', `sandbox: ${sb.where}${sb.note ? ` — ${sb.note}` : ''}`)
      if (sb.warning) this.warn(sb.warning)
      const problem = sb.check?.(job.message!)
      if (problem) this.warn(problem)
      return
    }
    if (sb.kind === 'recipients') {
      const m = job.message!
      const all = [...m.to, ...m.cc, ...m.bcc]
      const real = all.filter((a) => !sb.accepts(a, { key: job.credentials.key }))
      if (real.length)
        fail(
          'INVALID_INPUT',
          `${provider.label} has no sandbox switch, so this send would deliver to ${real.join(', ')}. For a no-delivery test send only to ${sb.suggestion}; or turn sandbox off to send for real. Nothing was sent.`,
        )
      rec.line('info', `sandbox: ${provider.label} has no sandbox switch; every recipient is one of its test addresses, so nothing reaches a real mailbox`)
      return
    }
    fail('INVALID_INPUT', `${provider.label} has no sandbox switch. Nothing was sent.`)
  }

  private warn(text: string): void {
    this.warnings.push(text)
    this.rec.line('info', `warning: ${text}`)
  }

  private build(error: ClassifiedError | null): ApiResult {
    const { rec } = this
    const phases = rec.phases
    const totalMs = rec.now()
    const roundTrips = phases.reduce((n, p) => n + p.roundTrips, 0)
    const bytes = this.exchange?.bytes ?? { sent: 0, received: 0 }
    if (phases.length)
      rec.line(
        'info',
        `timing: ${phases.map((p) => `${p.name} ${p.durationMs.toFixed(1)}`).join(' · ')} ms · total ${totalMs.toFixed(1)} ms · ${plural(roundTrips, 'round trip')} · ${bytes.sent} bytes sent, ${bytes.received} received`,
      )
    const clean = error
      ? {
          ...error,
          message: rec.redactor.redact(error.message),
          ...(error.detail ? { detail: rec.redactor.redact(error.detail) } : {}),
          ...(error.reply ? { reply: { code: error.reply.code, text: rec.redactor.redact(error.reply.text) } } : {}),
        }
      : null
    return {
      ok: error === null,
      kind: 'api',
      provider: this.job.provider,
      action: this.job.action,
      error: clean,
      warnings: this.warnings.map((w) => rec.redactor.redact(w)),
      target: { ...this.target, url: rec.redactor.redact(this.target.url) },
      phases,
      totalMs,
      roundTrips,
      tls: this.exchange?.tls ?? null,
      bytes,
      transcript: rec.lines,
      result: { ...this.result, messageId: this.result.messageId === null ? null : rec.redactor.redact(this.result.messageId) },
    }
  }
}

/** Deeper than any provider's answer. */
const MAX_JSON_DEPTH = 256

/**
 * True when brackets outside strings nest deeper than MAX_JSON_DEPTH. V8's JSON.parse spends
 * seconds on megabytes of "[[[[…" (4.6 s for 10 MiB) and freezes the main process meanwhile, so
 * such a body is judged "not JSON" by this linear scan instead.
 */
function nestsTooDeep(text: string): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_JSON_DEPTH) return true
    } else if (c === 0x5d || c === 0x7d) depth--
  }
  return false
}

function parse(raw: ExchangeResponse): ParsedResponse {
  const text = raw.body.toString('utf8')
  let json: unknown = undefined
  let isJson = false
  // A body cut at the cap is not the JSON it started as; one nested absurdly deep is not worth seconds of CPU.
  if (!raw.overflow && text.trim() && !nestsTooDeep(text)) {
    try {
      json = JSON.parse(text)
      isJson = true
    } catch {
      isJson = false
    }
  }
  return { status: raw.status, statusText: raw.statusText, headers: raw.headers, text, json, isJson, overflow: raw.overflow }
}

/** Whatever secrets the input carries, valid or not: they must not appear in what we echo. */
/** The provider and action of `input`, valid or not, for the result of a request that was never sent. */
function requestOf(input: unknown): ApiFailureRequest {
  const i = (input ?? {}) as { provider?: unknown; action?: unknown }
  return { provider: API_PROVIDERS.find((p) => p === i.provider) ?? 'generic', action: API_ACTIONS.find((a) => a === i.action) ?? 'send' }
}
