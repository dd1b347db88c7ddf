import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/*
 * The browser flow's redirect target: an HTTP server on 127.0.0.1 and a free port, for as long as
 * one sign-in waits (RFC 8252 §7.3). It hands the first request to /callback to the flow and holds
 * the browser's page until the flow says how the sign-in ended. The page it shows loads nothing
 * from anywhere (strict CSP, inline style only) and says the tab can be closed.
 */

export const CALLBACK_PATH = '/callback'

export interface LoopbackReceiver {
  /** http://127.0.0.1:PORT/callback */
  readonly redirectUri: string
  /** The full URL of the first request to /callback (code, state or error in its query). */
  readonly callback: Promise<URL>
  /** Answers the browser that brought the callback; later callbacks are told the sign-in is over. */
  finish(outcome: { ok: true } | { ok: false; message: string }): void
  close(): Promise<void>
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

/** The page the browser lands on. */
export function callbackPage(outcome: { ok: true } | { ok: false; message: string }): string {
  const title = outcome.ok ? 'Signed in' : 'Sign-in failed'
  const body = outcome.ok ? '<p>Mailprobe has the sign-in. You can close this tab.</p>' : `<p>${escapeHtml(outcome.message)}</p><p>You can close this tab and return to Mailprobe.</p>`
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Mailprobe — ${title}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1f2328}h1{font-size:1.4rem;color:${outcome.ok ? '#1a7f37' : '#cf222e'}}</style>
</head><body><h1>${title}</h1>${body}</body></html>
`
}

const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  Connection: 'close',
}

function send(res: ServerResponse, status: number, html: string): void {
  if (res.headersSent || res.destroyed) return
  res.writeHead(status, PAGE_HEADERS).end(html)
}

/** Starts the receiver on 127.0.0.1 and a port the system picks. */
export async function startLoopbackReceiver(): Promise<LoopbackReceiver> {
  let held: ServerResponse | null = null
  let outcome: { ok: true } | { ok: false; message: string } | null = null
  let deliver!: (url: URL) => void
  const callback = new Promise<URL>((resolve) => (deliver = resolve))
  let delivered = false
  let base = ''

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', base)
    if (req.method !== 'GET' || url.pathname !== CALLBACK_PATH) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' }).end('Not found\n')
      return
    }
    if (delivered) {
      send(res, 409, callbackPage(outcome ?? { ok: false, message: 'This sign-in has already received its answer.' }))
      return
    }
    delivered = true
    held = res
    deliver(url)
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  base = `http://127.0.0.1:${port}`

  return {
    redirectUri: `${base}${CALLBACK_PATH}`,
    callback,
    finish(result) {
      outcome = result
      if (held) send(held, result.ok ? 200 : 400, callbackPage(result))
      held = null
    },
    close() {
      if (held) send(held, 400, callbackPage({ ok: false, message: 'The sign-in was stopped.' }))
      held = null
      return new Promise<void>((resolve) => {
        server.close(() => resolve())
        // The page just sent goes out on its own (Connection: close); idle and preconnected sockets
        // go now, and anything still open after a second (a client that stopped reading) is cut.
        server.closeIdleConnections()
        setTimeout(() => server.closeAllConnections(), 1000).unref()
      })
    },
  }
}
