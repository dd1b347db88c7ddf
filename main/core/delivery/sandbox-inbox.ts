// The embedded sandbox's inbox as the mailbox a watch reads (the sandbox profiles' sends land there,
// so delivery proof works offline on first start). No IMAP: the inbox lives in the app's process;
// the watch looks at what is there, then listens for what arrives, as IDLE would tell it.
import type { WatchedFolder } from '../../../preload/contract'
import { TOKEN_HEADER } from '../../../preload/contract/delivery'
import { abortError } from '../errors'
import { isSentMessage, splitHeaders, type SentMessage } from './headers'

/** What a watch needs of the sandbox's inbox (main/core/sandbox/inbox.ts's Inbox has it). */
export interface SandboxInboxSource {
  /** Newest first. */
  list(): { id: string }[]
  get(id: string): { raw: string; size: number } | null
  subscribe(listener: (message: { id: string }) => void): () => void
}

/** The folder name results and lines use for the sandbox's inbox. */
export const SANDBOX_FOLDER = 'Sandbox inbox'

export interface SandboxSighting {
  raw: string
  size: number
  seenAt: number
  alreadyThere: boolean
}

/**
 * Listens to the sandbox's inbox from now on (before the send: the arrival is timed as it happens);
 * wait() then returns what was heard, else what is in the inbox (an upper bound), else waits.
 */
export function listenToSandboxInbox(
  inbox: SandboxInboxSource,
  sent: SentMessage,
  o: { now(): number; watched: WatchedFolder },
): { wait(timeoutMs: number, signal?: AbortSignal): Promise<SandboxSighting | null>; stop(): void } {
  const mine = (id: string) => {
    const m = inbox.get(id)
    return m && isSentMessage(splitHeaders(m.raw), sent, TOKEN_HEADER) ? m : null
  }
  let heard: SandboxSighting | null = null
  let wake: (() => void) | null = null
  const unsubscribe = inbox.subscribe(({ id }) => {
    if (heard) return
    const m = mine(id)
    if (!m) {
      o.watched.arrived++
      return
    }
    heard = { ...m, seenAt: o.now(), alreadyThere: false }
    wake?.()
  })
  return {
    stop: unsubscribe,
    wait(timeoutMs, signal) {
      if (!heard) {
        for (const { id } of inbox.list()) {
          const m = mine(id)
          if (m) return Promise.resolve({ ...m, seenAt: o.now(), alreadyThere: true })
        }
      }
      return new Promise((resolve, reject) => {
        const finish = (err: unknown) => {
          clearTimeout(timer)
          wake = null
          signal?.removeEventListener('abort', onAbort)
          if (err) reject(err)
          else resolve(heard)
        }
        const onAbort = () => finish(abortError())
        const timer = setTimeout(() => finish(null), timeoutMs)
        wake = () => finish(null)
        if (signal?.aborted) return onAbort()
        signal?.addEventListener('abort', onAbort, { once: true })
        if (heard) finish(null)
      })
    },
  }
}
