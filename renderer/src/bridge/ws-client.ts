import { events, operationFailure, operations, type Envelope, type JobEventBatch, type MailprobeApi, type OperationName, type OperationOutputs, type SandboxEvent, type SignInEvent } from '@contract'

/*
 * MailprobeApi over the WebSocket of the browser host (`npm run web`, main/web/server.ts). Like the
 * preload it is built from the contract's operation table, so no operation can be missing.
 * Protocol: {id, op, input} → {id, envelope}; the host pushes {event: 'job:events', batch},
 * {event: 'sandbox:events', payload} and {event: 'oauth:events', payload}.
 *
 * bridge/index.ts's bootstrapApi() calls createWsApi(location): an API when the page was opened
 * from the host's printed URL (…/?token=…), or reloaded in the same tab since; null otherwise.
 *
 * Two operations never reach the host, because a browser does them better itself: saveFile (a
 * download of a Blob) and openExternal (a new tab, https only).
 */

/** The bridge endpoint on the page's own origin (main/web/server.ts BRIDGE_PATH). */
export const BRIDGE_PATH = '/bridge'
/** The parameter the host's URL carries its access token in (query, or hash). */
const TOKEN_PARAM = 'token'
/** Where this tab keeps the token once it is out of the address bar, so a reload still connects. */
const TOKEN_STORAGE_KEY = 'mailprobe.web-token'

type Pending = { op: OperationName; resolve: (envelope: Envelope<unknown>) => void; reject: (err: Error) => void }

export interface WsApi extends MailprobeApi {
  /** Closes the socket; pending and later calls reject. */
  close(): void
}

function describeClose(code: number, reason: string, opened: boolean): string {
  const why = reason ? `: ${reason}` : ` (code ${code})`
  return opened
    ? `The connection to the Mailprobe web host was lost${why}. Check that \`npm run web\` is still running, then reload the page.`
    : `Mailprobe could not connect to its web host${why}. Start \`npm run web\` and open the URL it prints (it carries the access token).`
}

function validationError(op: OperationName, issues: { path: PropertyKey[]; message: string }[]): Envelope<never> {
  const first = issues[0]
  const where = first && first.path.length ? `${first.path.map(String).join('.')}: ` : ''
  return operationFailure('INVALID_INPUT', `The ${op} request was refused — ${where}${first?.message ?? 'invalid input'}.`)
}

/** Saves text as a download named `suggestedName` (the browser decides where). */
function download(suggestedName: string, content: string): void {
  const type = suggestedName.endsWith('.json') ? 'application/json' : 'text/plain;charset=utf-8'
  const href = URL.createObjectURL(new Blob([content], { type }))
  const a = document.createElement('a')
  a.href = href
  a.download = suggestedName
  a.rel = 'noopener'
  a.style.display = 'none'
  document.body.append(a)
  a.click()
  a.remove()
  // The download has taken the data by the time this runs; revoking at once can cancel it in some browsers.
  setTimeout(() => URL.revokeObjectURL(href), 30_000)
}

/** Opens the bridge at `url` (ws:// or wss://, with the token) and returns the API over it. */
export function connectWsApi(url: string): WsApi {
  const socket = new WebSocket(url)
  const pending = new Map<number, Pending>()
  const listeners = new Set<(batch: JobEventBatch) => void>()
  const sandboxListeners = new Set<(event: SandboxEvent) => void>()
  const signInListeners = new Set<(event: SignInEvent) => void>()
  const queue: string[] = []
  let nextId = 1
  let opened = false
  let closedError: Error | null = null

  const failAll = (err: Error): void => {
    closedError = err
    queue.length = 0
    for (const p of pending.values()) p.reject(err)
    pending.clear()
  }

  socket.addEventListener('open', () => {
    opened = true
    for (const msg of queue.splice(0)) socket.send(msg)
  })
  socket.addEventListener('close', (ev) => {
    failAll(new Error(describeClose(ev.code, ev.reason, opened)))
  })
  socket.addEventListener('message', (ev: MessageEvent) => {
    if (typeof ev.data !== 'string') return
    let msg: { id?: unknown; envelope?: Envelope<unknown>; event?: unknown; batch?: JobEventBatch; payload?: unknown }
    try {
      msg = JSON.parse(ev.data) as typeof msg
    } catch {
      return
    }
    if (msg.event === events.jobEvents && Array.isArray(msg.batch)) {
      for (const listener of listeners) {
        try {
          listener(msg.batch)
        } catch (err) {
          console.error('Mailprobe: a job event listener failed', err)
        }
      }
      return
    }
    if ((msg.event === events.sandboxEvents || msg.event === events.signInEvents) && msg.payload && typeof msg.payload === 'object') {
      const sandbox = msg.event === events.sandboxEvents
      for (const listener of sandbox ? sandboxListeners : signInListeners) {
        try {
          ;(listener as (payload: unknown) => void)(msg.payload)
        } catch (err) {
          console.error(`Mailprobe: a ${sandbox ? 'sandbox' : 'sign-in'} event listener failed`, err)
        }
      }
      return
    }
    if (typeof msg.id === 'number' && msg.envelope) {
      const p = pending.get(msg.id)
      if (!p) return
      pending.delete(msg.id)
      p.resolve(msg.envelope)
    }
  })

  const call = (op: OperationName, input: unknown): Promise<Envelope<unknown>> => {
    if (closedError) return Promise.reject(closedError)
    const id = nextId++
    return new Promise<Envelope<unknown>>((resolve, reject) => {
      pending.set(id, { op, resolve, reject })
      const msg = JSON.stringify({ id, op, input })
      if (opened) socket.send(msg)
      else queue.push(msg)
    })
  }

  const remote = Object.fromEntries((Object.keys(operations) as OperationName[]).map((op) => [op, (input: unknown) => call(op, input)])) as {
    [K in OperationName]: MailprobeApi[K]
  }

  const saveFile: MailprobeApi['saveFile'] = async (input) => {
    const parsed = operations.saveFile.input.safeParse(input)
    if (!parsed.success) return validationError('saveFile', parsed.error.issues)
    download(parsed.data.suggestedName, parsed.data.content)
    const value: OperationOutputs['saveFile'] = { saved: true, path: null }
    return { ok: true, value }
  }

  const openExternal: MailprobeApi['openExternal'] = async (input) => {
    const parsed = operations.openExternal.input.safeParse(input)
    if (!parsed.success) return validationError('openExternal', parsed.error.issues)
    window.open(parsed.data.url, '_blank', 'noopener,noreferrer')
    return { ok: true, value: { opened: true } }
  }

  return {
    ...remote,
    saveFile,
    openExternal,
    onJobEvents(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    onSandboxEvents(listener) {
      sandboxListeners.add(listener)
      return () => {
        sandboxListeners.delete(listener)
      }
    },
    onSignInEvents(listener) {
      signInListeners.add(listener)
      return () => {
        signInListeners.delete(listener)
      }
    },
    close() {
      socket.close(1000, 'closed by the page')
      failAll(new Error('The connection to the Mailprobe web host was closed by the page.'))
    },
  }
}

function readSession(): string | null {
  try {
    return window.sessionStorage.getItem(TOKEN_STORAGE_KEY)
  } catch {
    return null
  }
}

function writeSession(token: string): void {
  try {
    window.sessionStorage.setItem(TOKEN_STORAGE_KEY, token)
  } catch {
    // Without sessionStorage a reload needs the printed URL again; this page still works.
  }
}

/**
 * The browser host's API, if this page was opened from its URL: takes the token out of the
 * address (history.replaceState — keeping it out of bookmarks, screenshots and shoulder views),
 * remembers it for this tab, and connects to the bridge on the same origin. Null for any other
 * page (Electron's file, the dev server, the demo).
 */
export function createWsApi(location: { href: string }): WsApi | null {
  const here = new URL(location.href)
  if (here.protocol !== 'http:' && here.protocol !== 'https:') return null
  const hash = new URLSearchParams(here.hash.replace(/^#/, ''))
  let token = here.searchParams.get(TOKEN_PARAM) ?? hash.get(TOKEN_PARAM)
  if (token) {
    writeSession(token)
    here.searchParams.delete(TOKEN_PARAM)
    hash.delete(TOKEN_PARAM)
    const rest = hash.toString()
    window.history.replaceState(window.history.state, '', `${here.pathname}${here.search}${rest ? `#${rest}` : ''}`)
  } else {
    token = readSession()
  }
  if (!token) return null
  const scheme = here.protocol === 'https:' ? 'wss:' : 'ws:'
  return connectWsApi(`${scheme}//${here.host}${BRIDGE_PATH}?${TOKEN_PARAM}=${encodeURIComponent(token)}`)
}
