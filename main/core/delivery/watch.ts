// A mailbox watch: one connection per folder (INBOX and the folder the server marks \Junk, or the
// folders named), each waiting with IDLE (or polling), until the sent message shows up in one of
// them, the time runs out, or the job is cancelled. Open it before the wait, wait, then read the
// message and close.
import type { ImapFlow, ListResponse } from 'imapflow'
import type { DeliveryRequest, JobProgress, NetworkOptions, WatchedFolder } from '../../../preload/contract'
import { abortError, fail } from '../errors'
import { closeConnection, openConnection, type LaneLog } from './connection'
import { FolderWatch, type Sighting, type WatchedFolderInfo } from './folder'
import type { SentMessage } from './headers'

/** How often the countdown ticks (a transient line with its progress: streamed, not kept). */
export const COUNTDOWN_EVERY_MS = 1_000

export interface WatchContext {
  request: DeliveryRequest
  network: NetworkOptions
  log: LaneLog & { tick?(text: string, progress: JobProgress): void }
  signal?: AbortSignal
  warn(text: string): void
}

export class MailboxWatch {
  private readonly folders: FolderWatch[] = []
  private readonly clients: ImapFlow[] = []

  constructor(
    private readonly ctx: WatchContext,
    private readonly sent: SentMessage,
  ) {}

  get watched(): WatchedFolder[] {
    return this.folders.map((f) => ({ folder: f.info.path, junk: f.info.junk, arrived: f.arrived, method: f.method }))
  }

  /** Logs in, finds the folders and selects each on its own connection. Rejects with what failed; close() afterwards all the same. */
  async open(): Promise<void> {
    const { request: req, log } = this.ctx
    // Named once the folders are known: with several connections, each line says whose it is.
    const firstPrefix = { value: '' }
    const first = await this.connect(firstPrefix)
    const targets = await this.chooseFolders(first)
    const many = targets.length > 1
    if (many) firstPrefix.value = `${targets[0]!.path}: `
    log.line(
      'info',
      `watching ${targets.map((t) => `${t.path}${t.junk ? ' (Junk)' : ''}`).join(' and ')} for the message with token ${this.sent.token}${targets.length > 1 ? ', one connection each' : ''}`,
    )
    const readWrite = req.deleteAfter
    // The first connection takes the first folder; the others open theirs at the same time.
    const opened = await Promise.allSettled(
      targets.map(async (target, i) => {
        const client = i === 0 ? first : await this.connect({ value: `${target.path}: ` })
        const folder = new FolderWatch(client, target, this.sent, prefixed(log, { value: many ? `${target.path}: ` : '' }))
        await folder.select(readWrite)
        this.folders.push(folder)
        // Listening from now on (before the send, as a rule): an arrival is timed when the server says so.
        folder.start(
          req.method === 'poll',
          (seen) => this.settle(null, seen),
          (err) => this.settle(err),
        )
      }),
    )
    const failed = opened.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failed) throw failed.reason
  }

  /** The first sighting or failure of any folder, kept until the wait asks for it. */
  private outcome: { err: unknown; seen: Sighting | null } | null = null
  private onOutcome: (() => void) | null = null
  private settle(err: unknown, seen: Sighting | null = null): void {
    if (this.outcome) return
    this.outcome = { err, seen }
    this.onOutcome?.()
  }

  /**
   * Waits (from now: the acceptance) for the message: what the folders already reported, then a look
   * back at what was there when they were selected (an arrival before the watch was ready: the times
   * are then upper bounds), then IDLE or polling; null when the time ran out.
   */
  async waitFor(timeoutMs: number): Promise<Sighting | null> {
    const { log, signal } = this.ctx
    for (const folder of this.folders) {
      if (this.outcome) break
      const uid = await folder.lookBack()
      if (uid !== null) {
        log.line('info', `${folder.info.path}: the message was already there when the watch was ready (the times are upper bounds)`)
        this.settle(null, { folder, uid, seenAt: log.now(), alreadyThere: true })
      }
    }
    const t0 = log.now()
    if (!this.outcome) {
      const how = this.folders.map((f) => f.method)
      log.line(
        'info',
        how.every((m) => m === 'idle')
          ? `waiting up to ${formatSeconds(timeoutMs)} with IDLE (the server says when a message arrives)`
          : `waiting up to ${formatSeconds(timeoutMs)}, polling every second (NOOP)${this.ctx.request.method === 'poll' ? '' : ': the server does not offer IDLE'}`,
      )
    }
    return new Promise<Sighting | null>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer)
        clearInterval(ticker)
        signal?.removeEventListener('abort', onAbort)
        this.onOutcome = null
        for (const f of this.folders) f.stop()
        const o = this.outcome!
        if (o.err) reject(o.err)
        else resolve(o.seen)
      }
      const onAbort = () => this.settle(abortError())
      const timer = setTimeout(() => this.settle(null, null), timeoutMs)
      const ticker = setInterval(() => {
        const elapsed = log.now() - t0
        const left = Math.max(0, timeoutMs - elapsed)
        log.tick?.(`waiting for the message: ${Math.ceil(left / 1000)} s left`, { done: Math.floor(elapsed / 1000), total: Math.ceil(timeoutMs / 1000), etaMs: round(left), elapsedMs: round(elapsed) })
      }, COUNTDOWN_EVERY_MS)
      this.onOutcome = done
      if (signal?.aborted) return onAbort()
      signal?.addEventListener('abort', onAbort, { once: true })
      if (this.outcome) done()
    })
  }

  /** Logs out of every connection (after deleting nothing: see the caller), briefly awaited. */
  async close(): Promise<void> {
    for (const f of this.folders) f.stop()
    await Promise.all(this.clients.map((c) => closeConnection(c)))
  }

  private async connect(prefix: Prefix): Promise<ImapFlow> {
    const { request, network, log, signal, warn } = this.ctx
    const client = await openConnection(request, { network, log: prefixed(log, prefix), signal, warn })
    this.clients.push(client)
    return client
  }

  /** INBOX and the \Junk folder, or the folders named (those the server does not have are left out, with a warning). */
  private async chooseFolders(client: ImapFlow): Promise<WatchedFolderInfo[]> {
    const { request, warn, log } = this.ctx
    const list: ListResponse[] = await client.list()
    const isJunk = (b: ListResponse) => b.specialUse === '\\Junk'
    if (!request.folders.length) {
      const inbox = list.find((b) => b.path.toUpperCase() === 'INBOX') ?? { path: 'INBOX' }
      const junk = list.find(isJunk)
      if (!junk) log.line('info', 'the mailbox marks no folder as Junk (\\Junk): watching INBOX only')
      return [{ path: inbox.path, junk: false }, ...(junk ? [{ path: junk.path, junk: true }] : [])]
    }
    const found: WatchedFolderInfo[] = []
    for (const name of request.folders) {
      const box = list.find((b) => b.path === name) ?? list.find((b) => b.path.toLowerCase() === name.toLowerCase())
      if (!box) warn(`The mailbox has no folder “${name}”; it was not watched.`)
      else if (!found.some((f) => f.path === box.path)) found.push({ path: box.path, junk: isJunk(box) })
    }
    if (!found.length)
      fail(
        'INVALID_INPUT',
        `None of the folders named (${request.folders.join(', ')}) is in the mailbox; its folders are ${list
          .map((b) => b.path)
          .slice(0, 30)
          .join(', ')}.`,
      )
    return found
  }
}

type Prefix = { value: string }

/** The same log with every line's text prefixed by `prefix.value` as it is when the line is written (which folder's connection it is). */
export function prefixed(log: LaneLog, prefix: Prefix): LaneLog {
  return { now: () => log.now(), line: (dir, text, opts) => log.line(dir, `${prefix.value}${text}`, opts) }
}

const round = (ms: number) => Math.round(ms)

export function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`
}
