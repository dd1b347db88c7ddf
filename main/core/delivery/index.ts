// Delivery proof: after a send was accepted, watch a mailbox until the message shows up (or the time
// runs out), then say where it landed (Inbox or Junk), how long it took, the hops it passed and how
// its authentication was judged. Used by the SMTP and API engines after acceptance (their `delivery`
// phase and result part); everything here is pure Node, and imapflow and mailauth load on first use.
import type { ClassifiedError, DeliveryRequest, DeliveryResult, DkimSigning, Direction, JobDelivery, JobProgress, NetworkOptions, SandboxDelivery, WatchedFolder } from '../../../preload/contract'
import { isSandboxDelivery, TOKEN_HEADER } from '../../../preload/contract/delivery'
import { plural } from '../../../preload/contract/wording'
import type { JobRecorder } from '../transcript/recorder'
import { MAX_VERIFY_BYTES, ownVerdicts, receiverVerdicts, type AuthVerdicts } from './auth-results'
import { internalError, isAbort } from '../errors'
import { classifyImapError } from './classify'
import { imapPort } from './connection'
import type { Sighting } from './folder'
import { fieldValues, splitHeaders, type SentMessage } from './headers'
import { hopsFrom } from './received'
import { listenToSandboxInbox, SANDBOX_FOLDER, type SandboxInboxSource } from './sandbox-inbox'
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
  request: JobDelivery
  /** The sandbox's inbox, when the request names it (the runner that hosts the sandbox gives it). */
  sandboxInbox?: SandboxInboxSource
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

/** A watch begun before the send: finish() once the message was accepted, abandon() when the send failed. */
export interface DeliveryWatch {
  /** Waits for the message (the timeout counts from `acceptedAt`), then describes it. Never throws: every failure is in the outcome. */
  finish(at: Pick<DeliveryRun, 'sentAt' | 'acceptedAt'>): Promise<DeliveryOutcome>
  /** The send failed or was cancelled: nothing to wait for; logs out. */
  abandon(): Promise<void>
}

/**
 * Begins watching before the send (logging in, selecting the folders and listening takes a few
 * round trips): the arrival is then timed by the server's own notice rather than by a look after
 * the fact. The send carries on meanwhile; a login that fails is reported once the send is done.
 */
export function startDelivery(start: Omit<DeliveryRun, 'sentAt' | 'acceptedAt'>): DeliveryWatch {
  const warnings: string[] = []
  const warn = (text: string) => {
    warnings.push(text)
    start.log.line('info', `warning: ${text}`)
  }
  const req = start.request
  const watching = isSandboxDelivery(req) ? sandboxWatch(start, req) : imapWatch(start, req, warn)
  return {
    async finish(at) {
      const run = { ...start, ...at }
      const outcome = await watching.finish(run, warn)
      let { error } = outcome
      if (error) {
        error = { ...error, message: run.log.redact(error.message), ...(error.detail ? { detail: run.log.redact(error.detail) } : {}) }
        run.log.line('err', `${error.code}: ${error.message}`)
      }
      return { ...outcome, error, warnings }
    },
    abandon: () => watching.abandon(),
  }
}

/** Watches the mailbox for a message already accepted (begun now). Never throws. */
export function watchDelivery(run: DeliveryRun): Promise<DeliveryOutcome> {
  return startDelivery(run).finish(run)
}

type Watched = Omit<DeliveryOutcome, 'warnings'>
interface Watching {
  finish(run: DeliveryRun, warn: (t: string) => void): Promise<Watched>
  abandon(): Promise<void>
}

function emptyResult(mailbox: DeliveryResult['mailbox'], method: DeliveryResult['method'], timeoutMs: number): DeliveryResult {
  return {
    timeoutMs,
    ok: false,
    folder: null,
    junk: false,
    acceptedToInboxMs: null,
    sendToInboxMs: null,
    alreadyThere: false,
    method,
    hops: [],
    authResults: null,
    dkimVerified: null,
    headers: null,
    watched: [],
    deleted: false,
    mailbox,
  }
}

function imapWatch(start: Omit<DeliveryRun, 'sentAt' | 'acceptedAt'>, req: DeliveryRequest, warn: (t: string) => void): Watching {
  const { log } = start
  const mailbox = { kind: 'imap' as const, host: req.host, port: imapPort(req), security: req.security }
  log.line('info', `delivery: watching the mailbox at ${req.host}:${mailbox.port} (${SECURITY_WORDS[req.security]}) for the message with token ${start.sent.token}`)
  const watch = new MailboxWatch({ request: req, network: req.network ?? start.network, log, signal: start.signal, warn }, start.sent)
  // Settled here, so that a failed login is not an unhandled rejection while the send goes on.
  const opened = watch.open().then(
    () => null,
    (err: unknown) => ({ err }),
  )
  return {
    async finish(run) {
      const result = emptyResult(mailbox, req.method === 'poll' ? 'poll' : 'idle', req.timeoutMs)
      let error: ClassifiedError | null = null
      let seenAt: number | null = null
      try {
        const failed = await opened
        if (failed) throw failed.err
        const seen = await watch.waitFor(Math.max(0, req.timeoutMs - Math.max(0, log.now() - run.acceptedAt)))
        result.watched = watch.watched
        if (seen) {
          seenAt = Math.max(seen.seenAt, run.acceptedAt)
          await describe(imapArrival(seen), run, result, warn)
        } else {
          error = timeoutError(req.timeoutMs, watch.watched, run.sent)
        }
      } catch (err) {
        error = classifyImapError(err, { ...mailbox, secretKind: req.secretKind })
      } finally {
        result.watched = watch.watched
        await watch.close().catch(() => undefined)
      }
      return { delivery: result, error, seenAt }
    },
    async abandon() {
      await opened
      await watch.close().catch(() => undefined)
    },
  }
}

/** The sandbox's inbox, read in this process: listened to from the start, then what is there. */
function sandboxWatch(start: Omit<DeliveryRun, 'sentAt' | 'acceptedAt'>, req: SandboxDelivery): Watching {
  const { log } = start
  const folder: WatchedFolder = { folder: SANDBOX_FOLDER, junk: false, arrived: 0, method: 'idle' }
  const listening = start.sandboxInbox ? listenToSandboxInbox(start.sandboxInbox, start.sent, { now: () => log.now(), watched: folder }) : null
  if (listening) log.line('info', `delivery: watching the sandbox’s inbox for the message with token ${start.sent.token}`)
  return {
    async finish(run, warn) {
      const result = emptyResult({ kind: 'sandbox' }, 'idle', req.timeoutMs)
      if (!listening) {
        const message = 'The sandbox’s inbox can be watched only where the sandbox runs (the app, or `mailprobe sandbox`): watch an IMAP mailbox instead.'
        return { delivery: result, error: { code: 'INVALID_INPUT', message }, seenAt: null }
      }
      result.watched = [folder]
      try {
        const seen = await listening.wait(Math.max(0, req.timeoutMs - Math.max(0, log.now() - run.acceptedAt)), run.signal)
        if (!seen) return { delivery: result, error: timeoutError(req.timeoutMs, result.watched, run.sent), seenAt: null }
        await describe(
          {
            folder: SANDBOX_FOLDER,
            junk: false,
            method: 'idle',
            seenAt: seen.seenAt,
            alreadyThere: seen.alreadyThere,
            headers: async () => ({ text: seen.raw.slice(0, Math.max(0, seen.raw.search(/\r?\n\r?\n/))), size: seen.size }),
            // The sandbox answers no DNS: its messages get the receiver's view only (none), never a lookup that would hang offline.
            source: null,
            remove: null,
          },
          run,
          result,
          warn,
        )
        return { delivery: result, error: null, seenAt: Math.max(seen.seenAt, run.acceptedAt) }
      } catch (err) {
        return { delivery: result, error: isAbort(err) ? { code: 'CANCELLED', message: 'You cancelled the test while it waited for the message.' } : internalError(err), seenAt: null }
      } finally {
        listening.stop()
      }
    },
    async abandon() {
      listening?.stop()
    },
  }
}

const SECURITY_WORDS = { tls: 'TLS from the first byte', starttls: 'STARTTLS required', none: 'no TLS: this machine only' } as const

/** A message the watch found, wherever it was: what describe() reads of it. */
interface Arrival {
  folder: string
  junk: boolean
  method: 'idle' | 'poll'
  seenAt: number
  alreadyThere: boolean
  /** Its header block and size. */
  headers(): Promise<{ text: string; size: number }>
  /** Its whole source, for Mailprobe's own check; null when that check does not apply. */
  source: (() => Promise<Buffer | null>) | null
  /** Deletes it; null when the mailbox cannot. */
  remove: (() => Promise<boolean>) | null
}

function imapArrival(seen: Sighting): Arrival {
  const { folder, uid } = seen
  const client = folder.client
  return {
    folder: folder.info.path,
    junk: folder.info.junk,
    method: folder.method,
    seenAt: seen.seenAt,
    alreadyThere: seen.alreadyThere,
    headers: async () => {
      const msg = await client.fetchOne(String(uid), { headers: true, size: true }, { uid: true })
      return { text: msg && msg.headers ? msg.headers.toString('utf8') : '', size: msg ? (msg.size ?? 0) : 0 }
    },
    source: async () => {
      const full = await client.fetchOne(String(uid), { source: true }, { uid: true })
      return full && full.source ? full.source : null
    },
    remove: () => client.messageDelete(String(uid), { uid: true }),
  }
}

/** Where it landed, how long it took, its hops and verdicts; deleted afterwards when asked. */
async function describe(seen: Arrival, run: DeliveryRun, result: DeliveryResult, warn: (t: string) => void): Promise<void> {
  const { log } = run
  result.ok = true
  result.folder = seen.folder
  result.junk = seen.junk
  result.method = seen.method
  result.alreadyThere = seen.alreadyThere
  // Seen before the client had read the acceptance (a fast local delivery): counted from the acceptance.
  const seenAt = Math.max(seen.seenAt, run.acceptedAt)
  result.acceptedToInboxMs = round(seenAt - run.acceptedAt)
  result.sendToInboxMs = round(Math.max(0, seenAt - run.sentAt))
  const how = seen.alreadyThere ? 'already there when the watch was ready' : seen.method === 'idle' ? 'announced by IDLE' : 'found by polling'
  log.line('info', `the message is in ${seen.folder}${seen.junk ? ' (Junk)' : ''}: ${formatSeconds(result.acceptedToInboxMs)} after acceptance (${how})`)
  if (seen.junk) warn(`The message arrived in ${seen.folder}, the Junk folder: the receiving side judged it spam. See the authentication verdicts and the headers.`)

  const head = await seen.headers()
  const fields = splitHeaders(head.text)
  result.headers = log.redact(head.text.replace(/(\r?\n)+$/, ''))
  result.hops = hopsFrom(fieldValues(fields, 'received'))
  if (result.hops.some((h) => h.skewed)) log.line('info', 'a hop’s time is before the one before it (or over a day after): a server’s clock is off; that delay is marked as skewed')

  let verdicts: AuthVerdicts | null = receiverVerdicts(fields, run.signer)
  if (!verdicts && seen.source) {
    const dnsServers = isSandboxDelivery(run.request) ? undefined : run.request.dnsServers
    if (head.size > MAX_VERIFY_BYTES) warn(`The receiver added no Authentication-Results, and the message (${head.size} bytes) is too large for Mailprobe to check it itself.`)
    else {
      log.line('info', 'the receiver added no Authentication-Results: Mailprobe checks DKIM, SPF and DMARC itself (mailauth)')
      try {
        const source = await seen.source()
        if (source) verdicts = await ownVerdicts(source, { dnsServers, signer: run.signer })
      } catch (err) {
        warn(`Mailprobe could not check the message's authentication itself: ${err instanceof Error ? err.message : String(err)}.`)
      }
    }
  } else if (!verdicts) log.line('info', 'the sandbox judges no authentication and answers no DNS: no SPF, DKIM or DMARC verdicts')
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
  if (!isSandboxDelivery(run.request) && run.request.deleteAfter && seen.remove) {
    result.deleted = await seen.remove()
    log.line('info', result.deleted ? 'the test message was deleted after reading' : 'the test message could not be deleted')
  }
}

function timeoutError(timeoutMs: number, watched: readonly WatchedFolder[], sent: SentMessage): ClassifiedError {
  const names = watched.map((w) => w.folder)
  const arrived = watched.reduce((n, w) => n + w.arrived, 0)
  const where = names.length ? names.join(' or ') : 'the mailbox'
  return {
    code: 'DELIVERY_TIMEOUT',
    message:
      `The message was not seen in ${where} within ${formatSeconds(timeoutMs)} (${arrived ? `${plural(arrived, 'other message')} arrived meanwhile` : 'no other message arrived meanwhile'}; none carried its token ${sent.token}). ` +
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
