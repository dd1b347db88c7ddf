import { acceptHMRUpdate, defineStore } from 'pinia'
import { onScopeDispose, ref, shallowRef } from 'vue'
import { operationFailure, SANDBOX_INBOX_LIMIT, type InboxMessage, type InboxSummary } from '@contract'
import { useApi } from '@renderer/bridge'
import { settle, type OpError, type Outcome } from '@renderer/composables/envelope'

/**
 * What the sandbox received (newest first), live: main pushes each new message's summary; the
 * source of one message is fetched when it is opened — from the list, or from a send's verdict
 * by the id its result carries (the SMTP queue id, the API message id).
 */
export const useInboxStore = defineStore('inbox', () => {
  const api = useApi()
  const messages = shallowRef<InboxSummary[]>([])
  const received = ref(0)
  const loaded = ref(false)
  const loading = ref(false)
  const error = ref<OpError | null>(null)
  const opened = shallowRef<InboxMessage | null>(null)
  const openedId = ref<string | null>(null)
  const openError = ref<string | null>(null)
  let openSeq = 0

  async function load(): Promise<void> {
    loading.value = true
    const answer = await settle(() => api.listInbox({}))
    loading.value = false
    if (!answer.ok) {
      error.value = answer.error
      return
    }
    error.value = null
    messages.value = answer.value.messages
    received.value = answer.value.received
    loaded.value = true
  }

  /** Opens a message by its id (the queue id or message id a send's result carries). */
  async function open(id: string): Promise<Outcome<InboxMessage>> {
    const seq = ++openSeq
    openedId.value = id
    openError.value = null
    const answer = await settle(() => api.getInboxMessage({ id }))
    if (seq !== openSeq) return answer.ok && answer.value ? { ok: true, value: answer.value } : operationFailure('STALE', 'Another message was opened.')
    if (!answer.ok) {
      openError.value = answer.error.message
      opened.value = null
      return answer
    }
    if (!answer.value) {
      const message = `The sandbox has no message ${id} any more: it keeps the last ${SANDBOX_INBOX_LIMIT}, and forgets them when it stops.`
      openError.value = message
      opened.value = null
      return operationFailure('NOT_FOUND', message)
    }
    opened.value = answer.value
    openedId.value = answer.value.id
    return { ok: true, value: answer.value }
  }

  function close(): void {
    openSeq++
    opened.value = null
    openedId.value = null
    openError.value = null
  }

  async function clear(): Promise<Outcome<number>> {
    const answer = await settle(() => api.clearInbox({}))
    if (!answer.ok) return answer
    messages.value = []
    close()
    return { ok: true, value: answer.value.cleared }
  }

  const stop = api.onSandboxEvents((event) => {
    if (event.type === 'inbox') {
      if (messages.value.some((m) => m.id === event.message.id)) return
      messages.value = [event.message, ...messages.value].slice(0, SANDBOX_INBOX_LIMIT)
      received.value = Math.max(received.value + 1, event.message.seq)
    } else if (event.type === 'inbox-cleared') {
      messages.value = []
      close()
    } else if (event.type === 'status' && event.status.running && event.status.inbox.received < received.value) {
      // A new sandbox (turned off and on): its Inbox starts empty.
      void load()
    }
  })
  onScopeDispose(stop)

  return { messages, received, loaded, loading, error, opened, openedId, openError, load, open, close, clear }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useInboxStore, import.meta.hot))
