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

/** Waits for the sent message in the sandbox's inbox; null when the time ran out. */
export function watchSandboxInbox(
  inbox: SandboxInboxSource,
  sent: SentMessage,
  o: { timeoutMs: number; now(): number; signal?: AbortSignal; watched: WatchedFolder },
): Promise<SandboxSighting | null> {
  const mine = (id: string) => {
    const m = inbox.get(id)
    return m && isSentMessage(splitHeaders(m.raw), sent, TOKEN_HEADER) ? m : null
  }
  for (const { id } of inbox.list()) {
    const m = mine(id)
    if (m) return Promise.resolve({ ...m, seenAt: o.now(), alreadyThere: true })
  }
  return new Promise((resolve, reject) => {
    const finish = (err: unknown, seen: SandboxSighting | null = null) => {
      clearTimeout(timer)
      unsubscribe()
      o.signal?.removeEventListener('abort', onAbort)
      if (err) reject(err)
      else resolve(seen)
    }
    const onAbort = () => finish(abortError())
    const timer = setTimeout(() => finish(null), o.timeoutMs)
    const unsubscribe = inbox.subscribe(({ id }) => {
      const m = mine(id)
      if (m) finish(null, { ...m, seenAt: o.now(), alreadyThere: false })
      else o.watched.arrived++
    })
    if (o.signal?.aborted) return onAbort()
    o.signal?.addEventListener('abort', onAbort, { once: true })
  })
}
