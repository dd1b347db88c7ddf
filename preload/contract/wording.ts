// How Mailprobe words what a run did, in one place for the CLI's text report, History's summary
// and the app's verdict line. Type-only imports: loading this module loads nothing else (no zod), so
// main's report code imports it directly (preload/contract/wording); the renderer takes it from @contract.
import type { DeliveryResult } from './delivery'
import type { DomainCheck } from './domain'
import type { ClassifiedError } from './errors'
import type { RunAction } from './history'
import type { ApiResult } from './http'
import type { SmtpResult, SmtpSecurity, SmtpStage } from './smtp'
import type { JobProgress } from './transcript'

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

/** A wait in words: "208 ms" under a second, "2.4 s" under ten, "87 s" from then on. */
export function waitWords(ms: number): string {
  if (ms < 999.5) return `${Math.round(ms)} ms`
  if (ms < 9_950) return `${(ms / 1000).toFixed(1)} s`
  return `${digits(Math.round(ms / 1000))} s`
}

/** Where a delivered message was seen: "Inbox", "Junk", "[Gmail]/Spam (Junk)", "Archive", "the sandbox’s inbox". */
export function deliveryFolderWords(d: Pick<DeliveryResult, 'folder' | 'junk' | 'mailbox'>): string {
  if (d.mailbox.kind === 'sandbox') return 'the sandbox’s inbox'
  const folder = d.folder ?? 'the mailbox'
  if (folder.toUpperCase() === 'INBOX') return 'Inbox'
  return d.junk && !/junk|spam/i.test(folder) ? `${folder} (Junk)` : folder
}

/** What a watched run's result carries of its delivery proof. */
export type DeliveryFacts = { delivery?: DeliveryResult; error: Pick<ClassifiedError, 'code'> | null }

/**
 * The delivery step of a run, in a few words (the app's verdict line, History's summary): "in Inbox
 * after 2.4 s", "in Junk after 3.1 s", "in Inbox within 2.4 s" (already there when the watch was ready: an
 * upper bound), "not seen in 120 s", "mailbox login refused"; null when no mailbox was watched.
 */
export function deliveryStep(r: DeliveryFacts): string | null {
  const d = r.delivery
  if (!d) return null
  if (d.ok) {
    const ms = d.acceptedToInboxMs
    return `in ${deliveryFolderWords(d)}${ms === null ? '' : ` ${d.alreadyThere ? 'within' : 'after'} ${waitWords(ms)}`}`
  }
  switch (r.error?.code) {
    case 'DELIVERY_TIMEOUT':
      return `not seen in ${d.timeoutMs >= 1000 ? `${digits(Math.round(d.timeoutMs / 1000))} s` : waitWords(d.timeoutMs)}`
    case 'IMAP_AUTH_FAILED':
      return 'mailbox login refused'
    case 'IMAP_CONNECT_FAILED':
      return 'mailbox unreachable'
    case 'CANCELLED':
      return 'watch cancelled'
    default:
      return 'delivery not proven'
  }
}

/** The delivery step while the watch waits: "waiting for delivery… 87 s left" (from its countdown), "waiting for delivery…" before the first tick. */
export function deliveryWaiting(progress: Pick<JobProgress, 'etaMs'> | null): string {
  const eta = progress?.etaMs
  return `waiting for delivery…${eta === null || eta === undefined ? '' : ` ${digits(Math.ceil(eta / 1000))} s left`}`
}

/** A domain run's checks counted: "2 fail, 3 warn" when any fails or warns, else "ready — 9 pass, 2 info" (History's summary, the app's verdict). */
export function domainCountWords(checks: readonly Pick<DomainCheck, 'status'>[]): string {
  const n = (status: DomainCheck['status']) => checks.filter((c) => c.status === status).length
  const [fail, warn, pass, info] = [n('fail'), n('warn'), n('pass'), n('info')]
  if (fail || warn) return [fail ? `${fail} fail` : '', warn ? `${warn} warn` : ''].filter(Boolean).join(', ')
  if (!pass && !info) return 'no checks ran'
  return `ready — ${[pass ? `${pass} pass` : '', info ? `${info} info` : ''].filter(Boolean).join(', ')}`
}
