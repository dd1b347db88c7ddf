// What an HTTP answer (or a failure to get one) means, as a stable code and a sentence a person
// can act on, with the provider's own words attached.
import type { ApiAction, ClassifiedError, ErrorCode } from '../../../preload/contract'
import { EngineError, isAbort } from '../errors'
import { textExcerpt } from './providers/common'
import type { Interpretation, ParsedResponse } from './types'

export function codeForStatus(status: number): ErrorCode {
  if (status === 401 || status === 403) return 'HTTP_AUTH_FAILED'
  if (status === 429) return 'HTTP_RATE_LIMITED'
  if (status >= 500 && status <= 599) return 'HTTP_SERVER_ERROR'
  if (status >= 300 && status <= 499) return 'HTTP_REJECTED'
  return 'HTTP_BAD_RESPONSE'
}

export const looksHtml = (res: ParsedResponse) => /text\/html/i.test(res.headers['content-type'] ?? '') || /^\s*<(!doctype html|html)/i.test(res.text)

/** The classified error for a response the provider module judged a failure. */
export function classifyResponse(res: ParsedResponse, verdict: Interpretation, label: string, action: ApiAction, expectJson: boolean): ClassifiedError {
  const status = res.status
  const said = verdict.providerError ? `: ${verdict.providerError}` : ''
  const reply = { code: status, text: verdict.providerError ?? res.statusText ?? '' }
  const htmlNote = looksHtml(res)
    ? ` The answer is an HTML page${textExcerpt(res.text) ? ` (“${textExcerpt(res.text, 80)}”)` : ''}, not the API's answer: a proxy, a captive portal or a wrong base URL may be in between.`
    : ''
  const hint = verdict.hint ? ` ${verdict.hint}` : ''
  const what = action === 'verify' ? 'key check' : 'request'

  if (status >= 300 && status < 400) {
    const location = res.headers.location
    return {
      code: 'HTTP_REJECTED',
      message: `${label} answered with a redirect (${status}${location ? ` to ${location}` : ''}). Mailprobe never follows redirects, so the credentials were not forwarded: use the final address as the base URL (or pick the right region).`,
      reply: { code: status, text: location ? `Location: ${location}` : res.statusText },
    }
  }
  if (status >= 200 && status < 300) {
    if (expectJson && !res.isJson && !verdict.code)
      return {
        code: 'HTTP_BAD_RESPONSE',
        message: `${label} answered ${status} but the body is not the JSON its API documents${res.overflow ? ' (it was larger than 10 MiB; Mailprobe stopped reading)' : ''}.${htmlNote || ' Is the base URL pointing at the provider’s API?'}`,
        reply,
      }
    return { code: verdict.code ?? 'HTTP_BAD_RESPONSE', message: `${label} answered ${status} but did not accept the ${what}${said}.${hint}`, reply }
  }
  const code = verdict.code ?? codeForStatus(status)
  switch (code) {
    case 'HTTP_AUTH_FAILED':
      return { code, message: `${label} refused the credentials (${status}${said}).${hint || ' Check the key, that it is active, and that it belongs to this account and region.'}${htmlNote}`, reply }
    case 'HTTP_RATE_LIMITED': {
      const retry = res.headers['retry-after']
      return {
        code,
        message: `${label} is rate-limiting this key (${status}${said}). Wait${retry ? ` ${retry} s (Retry-After)` : ' a little'} and try again, or send more slowly.${hint}${htmlNote}`,
        reply,
      }
    }
    case 'HTTP_SERVER_ERROR':
      return {
        code,
        message: `${label} had a server error (${status}${said}). This is on the provider's side or a proxy in between: retry later and check the provider's status page.${hint}${htmlNote}`,
        reply,
      }
    case 'HTTP_REJECTED':
      return { code, message: `${label} rejected the ${what} (${status}${said}).${hint || ' Fix what the provider names and try again.'}${htmlNote}`, reply }
    default:
      return { code, message: `${label} answered ${status}${said}, which Mailprobe cannot interpret.${hint}${htmlNote}`, reply }
  }
}

/** Anything thrown during a run, as a classified error. */
export function classifyThrown(err: unknown): ClassifiedError {
  if (err instanceof EngineError) return err.info
  if (isAbort(err)) return { code: 'CANCELLED', message: 'Cancelled before it finished; if the request had already been written, the provider may still have processed it.' }
  return { code: 'INTERNAL', message: `Unexpected failure: ${err instanceof Error ? err.message : String(err)}` }
}
