import { ipcMain, type WebContents } from 'electron'
import { events, operations } from '../../preload/contract'
import { BatchingSink } from '../core/transcript/batching-sink'
import { isAllowedSender, type AppOrigin } from '../adapters/window-config'
import { createClient, operationNames, type AppServices, type Client } from './handlers'

/** How often job events are pushed to a renderer: often enough to feel live, rarely enough not to flood IPC. */
const BATCH_MS = 50

/**
 * Registers one ipcMain handler per contract operation. Each renderer gets its own client (jobs
 * and event batcher) over the app-wide `services`; its jobs are cancelled when its web contents
 * go away. Returns an undo.
 */
export function registerIpc(origin: AppOrigin, services: AppServices): () => void {
  const clients = new Map<number, Client>()

  const clientFor = (contents: WebContents): Client => {
    const existing = clients.get(contents.id)
    if (existing) return existing
    const sink = new BatchingSink((batch) => {
      if (!contents.isDestroyed()) contents.send(events.jobEvents, batch)
    }, BATCH_MS)
    const client = createClient(sink, services, (channel, payload) => {
      if (!contents.isDestroyed()) contents.send(channel, payload)
    })
    clients.set(contents.id, client)
    contents.once('destroyed', () => {
      client.dispose()
      clients.delete(contents.id)
    })
    // A crashed renderer cannot watch its jobs any more; stop them rather than let them run unseen.
    // A reloaded page gets a fresh client (and its sandbox subscription) on its next request.
    contents.on('render-process-gone', () => {
      client.dispose()
      if (clients.get(contents.id) === client) clients.delete(contents.id)
    })
    return client
  }

  for (const name of operationNames) {
    ipcMain.handle(operations[name].channel, (event, payload: unknown) => {
      // A frame that is not the app (or is already gone) gets no answer: the renderer is untrusted input.
      if (!isAllowedSender(event.senderFrame?.url, origin)) {
        throw new Error(`Refused ${name}: the request did not come from the Mailprobe window.`)
      }
      return clientFor(event.sender).dispatch(name, payload)
    })
  }

  return () => {
    for (const name of operationNames) ipcMain.removeHandler(operations[name].channel)
    for (const client of clients.values()) client.dispose()
    clients.clear()
  }
}
