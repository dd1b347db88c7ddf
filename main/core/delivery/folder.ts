// One watched folder on its own connection: it remembers the highest UID it has seen, and each time
// the server says the folder grew (an EXISTS pushed during IDLE, or in the answer to a poll's NOOP)
// it reads the identifying headers of the new messages and tells whether the sent one is among them.
import type { ImapFlow } from 'imapflow'
import { TOKEN_HEADER } from '../../../preload/contract/delivery'
import { isSentMessage, splitHeaders, type SentMessage } from './headers'
import type { LaneLog } from './connection'

/** How often a server without IDLE is asked (NOOP) whether the folder grew. */
export const POLL_INTERVAL_MS = 1_000
/** How many of the newest messages the look back reads (the message may have arrived before the watch was ready). */
export const FIRST_LOOK_MESSAGES = 50
/** The headers read to recognise the sent message. */
const MATCH_FIELDS = [TOKEN_HEADER, 'Message-ID', 'Subject']

export interface WatchedFolderInfo {
  path: string
  junk: boolean
}

export interface Sighting {
  folder: FolderWatch
  uid: number
  /** When the watch learnt of it (the EXISTS that announced it, or the look back once the watch was ready), on the job clock. */
  seenAt: number
  alreadyThere: boolean
}

export class FolderWatch {
  /** Other messages that arrived while the watch waited. */
  arrived = 0
  method: 'idle' | 'poll' = 'idle'
  private lastUid = 0
  /** The newest UID when the folder was selected: what lookBack() reads. */
  private selectedUid = 0
  private chain: Promise<void> = Promise.resolve()
  private queued = 0
  /** When the server first said the folder grew since the last check. */
  private announcedAt: number | null = null
  private stopped = false
  private pollTimer: NodeJS.Timeout | null = null
  private onSeen: (s: Sighting) => void = () => {}
  private onFailed: (err: unknown) => void = () => {}

  constructor(
    readonly client: ImapFlow,
    readonly info: WatchedFolderInfo,
    private readonly sent: SentMessage,
    private readonly log: LaneLog,
  ) {}

  /** Selects the folder (read-only unless the message is to be deleted) and notes where new messages begin. */
  async select(readWrite: boolean): Promise<void> {
    const box = await this.client.mailboxOpen(this.info.path, { readOnly: !readWrite })
    this.lastUid = Math.max(0, Number(box.uidNext ?? 1) - 1)
    this.selectedUid = this.lastUid
  }

  /**
   * Looks among the newest messages that were in the folder when it was selected (the watch began
   * before the send, but its login may have finished after a fast delivery); what came later, IDLE or
   * polling reports. Runs in turn with the wait's steps (it breaks IDLE, which the next step resumes).
   */
  lookBack(): Promise<number | null> {
    const upTo = this.selectedUid
    if (upTo === 0 || this.stopped) return Promise.resolve(null)
    return new Promise((resolve, reject) => {
      this.enqueue(async () => {
        let found: number | null = null
        const range = `${Math.max(1, upTo - FIRST_LOOK_MESSAGES + 1)}:${upTo}`
        for await (const msg of this.client.fetch(range, { uid: true, headers: MATCH_FIELDS }, { uid: true })) {
          if (found === null && msg.uid <= upTo && isSentMessage(splitHeaders(msg.headers?.toString('utf8') ?? ''), this.sent, TOKEN_HEADER)) found = msg.uid
        }
        resolve(found)
        if (this.method === 'idle' && this.queued === 0 && !this.stopped) this.idle()
      }, reject)
    })
  }

  /** Starts waiting: IDLE, or a NOOP every POLL_INTERVAL_MS when polling is asked for or IDLE is not offered. */
  start(pollOnly: boolean, onSeen: (s: Sighting) => void, onFailed: (err: unknown) => void): void {
    this.onSeen = onSeen
    this.onFailed = onFailed
    this.method = pollOnly || !this.client.capabilities.has('IDLE') ? 'poll' : 'idle'
    this.client.on('exists', this.onExists)
    this.client.on('close', this.onClose)
    if (this.method === 'poll') this.pollTimer = setInterval(() => this.enqueue(() => this.poll()), POLL_INTERVAL_MS)
    // Whatever arrived between SELECT and now, then the wait proper.
    this.enqueue(() => this.check())
  }

  /** Ends the wait; the connection stays open (for reading the message, or LOGOUT). */
  stop(): void {
    this.stopped = true
    if (this.pollTimer) clearInterval(this.pollTimer)
    this.pollTimer = null
    this.client.off('exists', this.onExists)
    this.client.off('close', this.onClose)
  }

  private onExists = () => {
    this.announcedAt ??= this.log.now()
    this.enqueue(() => this.check())
  }

  private onClose = () => {
    if (!this.stopped) this.onFailed(Object.assign(new Error('The server closed the connection while the watch waited'), { code: 'EConnectionClosed' }))
  }

  /** One step at a time on the connection; a failure ends the watch (or goes to `onError`, for a step whose caller waits on it). */
  private enqueue(step: () => Promise<void>, onError?: (err: unknown) => void): void {
    if (this.stopped) return
    this.queued++
    this.chain = this.chain
      .then(async () => {
        this.queued--
        if (!this.stopped) await step()
      })
      .catch((err: unknown) => {
        if (onError) onError(err)
        else if (!this.stopped) this.onFailed(err)
      })
  }

  private async poll(): Promise<void> {
    // A poll still waiting behind a check is enough.
    if (this.queued > 0) return
    await this.client.noop()
  }

  /** Reads the headers of the messages after the last UID seen (FETCH breaks IDLE by itself), then goes back to IDLE. */
  private async check(): Promise<void> {
    const since = this.announcedAt ?? this.log.now()
    this.announcedAt = null
    const fresh: { uid: number; mine: boolean }[] = []
    // "n:*" names the newest message even when it is older than n: filtered below.
    for await (const msg of this.client.fetch(`${this.lastUid + 1}:*`, { uid: true, headers: MATCH_FIELDS }, { uid: true })) {
      if (msg.uid > this.lastUid) fresh.push({ uid: msg.uid, mine: isSentMessage(splitHeaders(msg.headers?.toString('utf8') ?? ''), this.sent, TOKEN_HEADER) })
    }
    for (const m of fresh) this.lastUid = Math.max(this.lastUid, m.uid)
    const mine = fresh.find((m) => m.mine)
    const others = fresh.length - (mine ? 1 : 0)
    if (others) {
      this.arrived += others
      this.log.line('info', `${others === 1 ? 'a message arrived' : `${others} messages arrived`}, not the one sent`)
    }
    if (mine) {
      this.onSeen({ folder: this, uid: mine.uid, seenAt: since, alreadyThere: false })
      return
    }
    if (this.method === 'idle' && this.queued === 0 && !this.stopped) this.idle()
  }

  private idle(): void {
    // Resolves when IDLE is broken (by the next FETCH, or LOGOUT); a refusal or a dead connection shows as 'close' or a failed next step.
    this.client.idle().catch((err: unknown) => {
      if (!this.stopped) this.onFailed(err)
    })
  }
}
