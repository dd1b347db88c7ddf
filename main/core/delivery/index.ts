// Delivery proof: after a send was accepted, watch a mailbox until the message shows up (or the time
// runs out), then say where it landed (Inbox or Junk), how long it took, the hops it passed and how
// its authentication was judged. Used by the SMTP and API engines after acceptance (their `delivery`
// phase and result part); everything here is pure Node, and imapflow and mailauth load on first use.
import type { ClassifiedError, DeliveryRequest, DeliveryResult, DkimSigning, Direction, JobProgress, NetworkOptions } from '../../../preload/contract'
import { TOKEN_HEADER } from '../../../preload/contract/delivery'
import { plural } from '../../../preload/contract/wording'
import type { JobRecorder } from '../transcript/recorder'
import { MAX_VERIFY_BYTES, ownVerdicts, receiverVerdicts, type AuthVerdicts } from './auth-results'
import { classifyImapError } from './classify'
import { imapPort } from './connection'
import type { Sighting } from './folder'
import { fieldValues, splitHeaders, type SentMessage } from './headers'
import { hopsFrom } from './received'
import { formatSeconds, MailboxWatch } from './watch'

export { newToken, type SentMessage } from './headers'
export { MailboxWatch } from './watch'
export { TOKEN_HEADER }

/** Where the watch writes: the job's recorder, its lines in the IMAP lane. */
export interface DeliveryLog {
  now(): number
  line(dir: Direction, text: string, opts?: { detail?: boolean; t?: number }): void
  /** A countdown tick: a transient line carrying its progress. */
  tick(text: string, progress: JobProgress): void
  redact(text: string): string
}

export interface DeliveryRun {
  request: DeliveryRequest
  sent: SentMessage
  /** The DKIM signature the job added (whether it verified on arrival is part of the result). */
  signer: Pick<DkimSigning, 'domain' | 'selector'> | null
  /** The job's network section (the request's own wins). */
  network: NetworkOptions
  /** On the job clock: when the send started, and when the server accepted the message. */
  sentAt: number
  acceptedAt: number
  log: DeliveryLog
  signal?: AbortSignal
}

export interface DeliveryOutcome {
  delivery: DeliveryResult
  /** Why the message was not proven delivered: DELIVERY_TIMEOUT, IMAP_AUTH_FAILED, IMAP_CONNECT_FAILED, CANCELLED …; null when it was seen. */
  error: ClassifiedError | null
  warnings: string[]
  /** When the watch saw the message (the end of the `delivery` phase), null when it did not. */
  seenAt: number | null
}

/** Watches the mailbox for the sent message. Never throws: every failure is in the outcome. */
export async function watchDelivery(run: DeliveryRun): Promise<DeliveryOutcome> {
  const { request: req, log } = run
  const warnings: string[] = []
  const warn = (text: string) => {
    warnings.push(text)
    log.line('info', `warning: ${text}`)
  }
  const mailbox = { host: req.host, port: imapPort(req), security: req.security }
  const start = log.now()
  log.line(
    'info',
    `delivery: watching the mailbox at ${req.host}:${mailbox.port} (${SECURITY_WORDS[req.security]}) for the message (token ${run.sent.token}${run.sent.messageId ? `, Message-ID ${run.sent.messageId}` : ''})`,
  )
  const watch = new MailboxWatch({ request: req, network: req.network ?? run.network, log, signal: run.signal, warn }, run.sent)
  const result: DeliveryResult = {
    ok: false,
    folder: null,
    junk: false,
    acceptedToInboxMs: null,
    sendToInboxMs: null,
    alreadyThere: false,
    method: req.method === 'poll' ? 'poll' : 'idle',
    hops: [],
    authResults: null,
    dkimVerified: null,
    headers: null,
    watched: [],
    deleted: false,
    mailbox,
  }
  let error: ClassifiedError | null = null
  let seenAt: number | null = null
  try {
    await watch.open()
    const seen = await watch.waitFor(Math.max(0, req.timeoutMs - (log.now() - start)))
    result.watched = watch.watched
    if (seen) {
      seenAt = seen.seenAt
      await describe(seen, run, result, warn)
    } else {
      error = timeoutError(req, watch, run.sent)
    }
  } catch (err) {
    error = classifyImapError(err, { ...mailbox, secretKind: req.secretKind })
  } finally {
    result.watched = watch.watched
    await watch.close().catch(() => undefined)
  }
  if (error) {
    error = { ...error, message: log.redact(error.message), ...(error.detail ? { detail: log.redact(error.detail) } : {}) }
    log.line('err', `${error.code}: ${error.message}`)
  }
  return { delivery: result, error, warnings, seenAt }
}

const SECURITY_WORDS = { tls: 'TLS from the first byte', starttls: 'STARTTLS required', none: 'no TLS: this machine only' } as const

/** Where it landed, how long it took, its hops and verdicts; deleted afterwards when asked. */
async function describe(seen: Sighting, run: DeliveryRun, result: DeliveryResult, warn: (t: string) => void): Promise<void> {
  const { log, request: req } = run
  const { folder, uid } = seen
  result.ok = true
  result.folder = folder.info.path
  result.junk = folder.info.junk
  result.method = folder.method
  result.alreadyThere = seen.alreadyThere
  result.acceptedToInboxMs = round(Math.max(0, seen.seenAt - run.acceptedAt))
  result.sendToInboxMs = round(Math.max(0, seen.seenAt - run.sentAt))
  const how = seen.alreadyThere ? 'already there at the first look' : folder.method === 'idle' ? 'announced by IDLE' : 'found by polling'
  log.line('info', `the message is in ${folder.info.path}${folder.info.junk ? ' (Junk)' : ''}: ${formatSeconds(result.acceptedToInboxMs)} after acceptance (${how})`)
  if (folder.info.junk) warn(`The message arrived in ${folder.info.path}, the Junk folder: the receiving side judged it spam. See the authentication verdicts and the headers.`)

  const client = folder.client
  const msg = await client.fetchOne(String(uid), { headers: true, size: true }, { uid: true })
  const headerText = msg && msg.headers ? msg.headers.toString('utf8') : ''
  const fields = splitHeaders(headerText)
  result.headers = log.redact(headerText.replace(/(\r?\n)+$/, ''))
  result.hops = hopsFrom(fieldValues(fields, 'received'))
  if (result.hops.some((h) => h.skewed)) log.line('info', 'a hop’s time is before the one before it (or over a day after): a server’s clock is off; that delay is marked as skewed')

  let verdicts: AuthVerdicts | null = receiverVerdicts(fields, run.signer)
  if (!verdicts) {
    const size = msg ? (msg.size ?? 0) : 0
    if (size > MAX_VERIFY_BYTES) warn(`The receiver added no Authentication-Results, and the message (${size} bytes) is too large for Mailprobe to check it itself.`)
    else {
      log.line('info', 'the receiver added no Authentication-Results: Mailprobe checks DKIM, SPF and DMARC itself (mailauth)')
      try {
        const full = await client.fetchOne(String(uid), { source: true }, { uid: true })
        if (full && full.source) verdicts = await ownVerdicts(full.source, { dnsServers: req.dnsServers, signer: run.signer })
      } catch (err) {
        warn(`Mailprobe could not check the message's authentication itself: ${err instanceof Error ? err.message : String(err)}.`)
      }
    }
  }
  if (verdicts) {
    result.authResults = { ...verdicts.results, header: verdicts.results.header === null ? null : log.redact(verdicts.results.header) }
    result.dkimVerified = verdicts.dkimVerified
    const a = verdicts.results
    log.line(
      'info',
      `authentication (${a.source === 'receiver' ? `the receiver${a.by ? `, ${a.by}` : ''}` : 'checked by Mailprobe'}): SPF ${a.spf ?? '—'} · DKIM ${a.dkim ?? '—'} · DMARC ${a.dmarc ?? '—'} · ARC ${a.arc ?? '—'}`,
    )
    if (run.signer)
      log.line(
        'info',
        `the DKIM signature Mailprobe added (${run.signer.domain}, selector ${run.signer.selector}) ${verdicts.dkimVerified === null ? 'is not named in the verdicts' : verdicts.dkimVerified ? 'verified on arrival' : 'did NOT verify on arrival'}`,
      )
  }
  if (req.deleteAfter) {
    result.deleted = await client.messageDelete(String(uid), { uid: true })
    log.line('info', result.deleted ? 'the test message was deleted after reading' : 'the test message could not be deleted')
  }
}

function timeoutError(req: DeliveryRequest, watch: MailboxWatch, sent: SentMessage): ClassifiedError {
  const watched = watch.watched
  const names = watched.map((w) => w.folder)
  const arrived = watched.reduce((n, w) => n + w.arrived, 0)
  const where = names.length ? names.join(' or ') : 'the mailbox'
  return {
    code: 'DELIVERY_TIMEOUT',
    message:
      `The message was not seen in ${where} within ${formatSeconds(req.timeoutMs)} (${arrived ? `${plural(arrived, 'other message')} arrived meanwhile` : 'no other message arrived meanwhile'}; none carried its token ${sent.token}). ` +
      'It may still be on its way (greylisting, a queue): allow more time; or check the recipient address, the folders watched, and the sending server for a bounce.',
    ...(watched.length ? { detail: watched.map((w) => `${w.folder}: ${w.arrived} arrived (${w.method})`).join('; ') } : {}),
  }
}

const round = (ms: number) => Math.round(ms * 1000) / 1000

/** The watch's writer onto a job's recorder: its lines in the IMAP lane, its countdown transient (streamed with its progress, not kept). */
export function deliveryLog(rec: Pick<JobRecorder, 'now' | 'line' | 'redactor'>): DeliveryLog {
  return {
    now: () => rec.now(),
    line: (dir, text, opts) => rec.line(dir, text, { ...opts, lane: 'imap' }),
    tick: (text, progress) => rec.line('info', text, { lane: 'imap', detail: true, transient: true, progress }),
    redact: (text) => rec.redactor.redact(text),
  }
}
