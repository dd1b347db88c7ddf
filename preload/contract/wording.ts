// How Mailprobe words what a run did, in one place for the CLI's text report, History's summary
// and the app's verdict line. Type-only imports: loading this module loads nothing else (no zod), so
// main's report code imports it directly (preload/contract/wording); the renderer takes it from @contract.
import type { RunAction } from './history'
import type { ApiResult } from './http'
import type { SmtpResult, SmtpSecurity, SmtpStage } from './smtp'

/** A count with its word: "1 round trip", "3 round trips", "1,204 lines"; `many` for a word that does not just take an s ("profiles were"). */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${digits(n)} ${n === 1 ? word : many}`
}

/** en-US digits ("1,204"). Integers are grouped here: the first toLocaleString loads ICU's locale data, 10–20 ms of the CLI's start. */
function digits(n: number): string {
  return Number.isSafeInteger(n) ? String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',') : n.toLocaleString('en-US')
}

/** The text with its first letter in capitals: a sentence fragment made to open a line. */
export function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/** The SMTP stage a run action stops after: a verify after AUTH, an envelope test after RCPT, everything else sends. */
export function stageOfAction(action: RunAction): SmtpStage {
  return action === 'verify' ? 'auth' : action === 'envelope' ? 'rcpt' : 'send'
}

/** The action a direct SMTP run is recorded as, by the stage it stops after. */
export function actionOfStage(stage: SmtpStage): Extract<RunAction, 'verify' | 'envelope' | 'send'> {
  if (stage === 'send') return 'send'
  if (stage === 'mail' || stage === 'rcpt') return 'envelope'
  return 'verify'
}

/** What a successful SMTP run's sentence is made of. */
export type SmtpSuccessFacts = Pick<SmtpResult, 'tls' | 'authMethodUsed' | 'target' | 'result'>

/**
 * What a successful SMTP run proved, by the stage it stopped after: "authenticated with PLAIN over
 * TLSv1.3; nothing sent", "2 recipients accepted; rejected: x@example.com; nothing sent", or for a
 * send the server's last reply.
 */
export function smtpSuccess(r: SmtpSuccessFacts, stage: SmtpStage): string {
  const { accepted, rejected, response } = r.result
  const rejectedNote = rejected.length ? `; rejected: ${rejected.join(', ')}` : ''
  switch (stage) {
    case 'connect':
      return `TCP connection established${r.target.address ? ` to ${r.target.address}` : ''}${NOTHING_SENT}`
    case 'banner':
      return `server greeting received${NOTHING_SENT}`
    case 'ehlo':
      return `EHLO accepted${NOTHING_SENT}`
    case 'tls':
      return `${r.tls ? `TLS established (${r.tls.protocol}, ${r.tls.cipher})` : 'session ready, without TLS'}${NOTHING_SENT}`
    case 'auth':
      return `${r.authMethodUsed ? `authenticated with ${r.authMethodUsed.toUpperCase()}${r.tls ? ` over ${r.tls.protocol}` : ''}` : 'session ready; no credentials given, so no AUTH'}${NOTHING_SENT}`
    case 'mail':
      return `sender accepted${NOTHING_SENT}`
    case 'rcpt':
      return `${plural(accepted.length, 'recipient')} accepted${rejectedNote}${NOTHING_SENT}`
    case 'send':
      return `${response ?? 'message accepted'}${rejectedNote}`
  }
}

/** Every stage before the message says so: the run stopped on purpose, and delivered nothing. */
const NOTHING_SENT = '; nothing sent'

/** What a successful API run proved: "SendGrid accepted the message (202) · message id X", "Postmark accepted the key (200)". */
export function apiSuccess(r: Pick<ApiResult, 'action' | 'result'>, label: string): string {
  if (r.action === 'verify') return `${label} accepted the key (${r.result.status ?? '?'})`
  return `${label} accepted the message (${r.result.status ?? '?'})${r.result.messageId ? ` · message id ${r.result.messageId}` : ''}`
}

/** A security mode as a sentence names it: "implicit TLS", "STARTTLS", "no TLS". */
export function securityWords(security: Exclude<SmtpSecurity, 'auto'>): string {
  return security === 'tls' ? 'implicit TLS' : security === 'starttls' ? 'STARTTLS' : 'no TLS'
}
