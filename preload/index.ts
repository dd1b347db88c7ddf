import { contextBridge, ipcRenderer } from 'electron'
import { events, operations, type JobEventBatch, type MailprobeApi, type OperationName, type SandboxEvent, type SignInEvent } from './contract'

/*
 * The renderer's only door to main: one named function per contract operation, plus the event
 * subscriptions (jobs, the sandbox, OAuth2 sign-ins). ipcRenderer itself is never exposed (Electron's context-isolation guide).
 */

function invoker<K extends OperationName>(name: K): MailprobeApi[K] {
  const channel = operations[name].channel
  return ((input: unknown) => ipcRenderer.invoke(channel, input)) as MailprobeApi[K]
}

const invokers = Object.fromEntries((Object.keys(operations) as OperationName[]).map((name) => [name, invoker(name)])) as {
  [K in OperationName]: MailprobeApi[K]
}

const api: MailprobeApi = {
  ...invokers,
  onJobEvents(listener: (batch: JobEventBatch) => void): () => void {
    // Forward only the batch: the IpcRendererEvent would hand the page ipcRenderer via event.sender.
    const wrapped = (_event: Electron.IpcRendererEvent, batch: JobEventBatch) => listener(batch)
    ipcRenderer.on(events.jobEvents, wrapped)
    return () => {
      ipcRenderer.removeListener(events.jobEvents, wrapped)
    }
  },
  onSandboxEvents(listener: (event: SandboxEvent) => void): () => void {
    // The same way: only the payload crosses, never the IpcRendererEvent.
    const wrapped = (_event: Electron.IpcRendererEvent, payload: SandboxEvent) => listener(payload)
    ipcRenderer.on(events.sandboxEvents, wrapped)
    return () => {
      ipcRenderer.removeListener(events.sandboxEvents, wrapped)
    }
  },
  onSignInEvents(listener: (event: SignInEvent) => void): () => void {
    const wrapped = (_event: Electron.IpcRendererEvent, payload: SignInEvent) => listener(payload)
    ipcRenderer.on(events.signInEvents, wrapped)
    return () => {
      ipcRenderer.removeListener(events.signInEvents, wrapped)
    }
  },
}

contextBridge.exposeInMainWorld('mailprobe', api)
