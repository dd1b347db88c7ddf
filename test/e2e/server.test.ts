/**
 * The browser host's doors: the token for the page, the assets and the bridge; the Origin and Host
 * checks; loopback only; and a clean stop. Raw HTTP and WebSocket clients where headers matter,
 * Chromium where the browser's own behaviour matters (CSP, cookies, the address bar).
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http'
import { connect } from 'node:net'
import { networkInterfaces } from 'node:os'
import { dirname, join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WsClient from 'ws'
import type { Browser } from 'playwright-core'
import { startWebServer, WebServerError } from '../../main/web/server'
import { launchChromium, openApp, ROOT, SERVER_BUNDLE, shoot, startWebHost, type WebHost } from './harness'
import { byTestId } from './pages'

interface Answer {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

function get(port: number, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent: false }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

type UpgradeOutcome = { opened: true; ws: WsClient } | { opened: false; status: number }

function openBridge(url: string, headers: { origin?: string; cookie?: string; host?: string } = {}): Promise<UpgradeOutcome> {
  return new Promise((resolve, reject) => {
    const extra: Record<string, string> = {}
    if (headers.cookie) extra.cookie = headers.cookie
    if (headers.host) extra.host = headers.host
    const ws = new WsClient(url, { origin: headers.origin, headers: extra })
    ws.once('open', () => resolve({ opened: true, ws }))
    ws.once('unexpected-response', (_req, res) => {
      resolve({ opened: false, status: res.statusCode ?? 0 })
      res.resume()
      ws.terminate()
    })
    ws.once('error', (err) => reject(err))
  })
}

function call(ws: WsClient, id: number | string, op: string, input: unknown): Promise<unknown> {
  return new Promise((resolve) => {
    const onMessage = (data: WsClient.RawData): void => {
      const msg = JSON.parse(String(data)) as { id?: unknown }
      if (msg.id !== id) return
      ws.off('message', onMessage)
      resolve(msg)
    }
    ws.on('message', onMessage)
    ws.send(JSON.stringify({ id, op, input }))
  })
}

function refusedAt(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port })
    socket.once('connect', () => {
      socket.destroy()
      resolve('connected')
    })
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message))
  })
}

describe('web host', () => {
  let host: WebHost
  let browser: Browser

  beforeAll(async () => {
    ;[host, browser] = await Promise.all([startWebHost(), launchChromium()])
  })
  afterAll(async () => {
    await browser?.close()
    await host?.stop()
  })

  it('prints a 127.0.0.1 URL with a long random token', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{43}$/)
    expect(host.stdout()).toContain(`Mailprobe web: ${host.url}`)
  })

  it('serves the page only with the token, with the CSP as a header and an HttpOnly, SameSite=Strict cookie', async () => {
    const none = await get(host.port, '/')
    expect(none.status).toBe(401)
    expect(none.body).toContain('token')
    expect(none.body).not.toContain('<script')

    const wrong = await get(host.port, `/?token=${'x'.repeat(43)}`)
    expect(wrong.status).toBe(401)
    expect(wrong.headers['set-cookie']).toBeUndefined()

    const ok = await get(host.port, `/?token=${host.token}`)
    expect(ok.status).toBe(200)
    expect(ok.body).toContain('<div id="app">')
    const csp = ok.headers['content-security-policy']
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("connect-src 'self'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).not.toMatch(/script-src[^;]*unsafe/)
    expect(ok.headers['x-content-type-options']).toBe('nosniff')
    expect(ok.headers['referrer-policy']).toBe('no-referrer')
    const cookie = ok.headers['set-cookie']?.[0] ?? ''
    expect(cookie).toContain(`=${host.token}`)
    expect(cookie).toMatch(/;\s*HttpOnly/i)
    expect(cookie).toMatch(/;\s*SameSite=Strict/i)
    expect(cookie).toMatch(/;\s*Path=\//)
  })

  it('serves assets with the cookie or the token, and nothing outside the built interface', async () => {
    const page = await get(host.port, `/?token=${host.token}`)
    const asset = /src="\.?(\/assets\/[^"]+\.js)"/.exec(page.body)?.[1]
    expect(asset).toBeTruthy()
    const cookie = (page.headers['set-cookie']?.[0] ?? '').split(';')[0]!

    expect((await get(host.port, asset!)).status).toBe(401)
    const withCookie = await get(host.port, asset!, { cookie })
    expect(withCookie.status).toBe(200)
    expect(withCookie.headers['content-type']).toMatch(/^text\/javascript/)
    expect((await get(host.port, `${asset!}?token=${host.token}`)).status).toBe(200)
    // Another host's cookie (other port, other token) is not this one's.
    expect((await get(host.port, asset!, { cookie: `mailprobe_token_1=${host.token.replace(/./, 'Z')}` })).status).toBe(401)

    for (const path of ['/%2e%2e/package.json', '/..%2fpackage.json', '/assets/../../package.json', '/%00', '/nope.js']) {
      const res = await get(host.port, path, { cookie })
      expect(res.status, path).toBeGreaterThanOrEqual(400)
      expect(res.body).not.toContain('"name": "mailprobe"')
    }
    expect((await get(host.port, '/', { cookie }, 'POST')).status).toBe(405)
  })

  it('refuses requests that do not name a loopback host (DNS rebinding)', async () => {
    const cookie = `mailprobe_token_${host.port}=${host.token}`
    expect((await get(host.port, `/?token=${host.token}`, { host: `evil.example:${host.port}` })).status).toBe(421)
    expect((await get(host.port, '/', { host: `localhost:${host.port}`, cookie })).status).toBe(200)
    const rebound = await openBridge(`ws://127.0.0.1:${host.port}/bridge?token=${host.token}`, { origin: `http://evil.example:${host.port}`, host: `evil.example:${host.port}` })
    expect(rebound).toEqual({ opened: false, status: 403 })
  })

  it('refuses the bridge without the token (401) or from another origin (403), and answers with both', async () => {
    const bridge = `ws://127.0.0.1:${host.port}/bridge`
    expect(await openBridge(bridge, { origin: host.origin })).toEqual({ opened: false, status: 401 })
    expect(await openBridge(`${bridge}?token=${'A'.repeat(43)}`, { origin: host.origin })).toEqual({ opened: false, status: 401 })
    expect(await openBridge(`${bridge}?token=${host.token}`, { origin: 'http://evil.example' })).toEqual({ opened: false, status: 403 })
    expect(await openBridge(`${bridge}?token=${host.token}`, { origin: `http://127.0.0.1:${host.port + 1}` })).toEqual({ opened: false, status: 403 })
    expect(await openBridge(`${bridge}?token=${host.token}`)).toEqual({ opened: false, status: 403 })
    expect(await openBridge(`ws://127.0.0.1:${host.port}/elsewhere?token=${host.token}`, { origin: host.origin })).toEqual({ opened: false, status: 404 })

    const byCookie = await openBridge(bridge, { origin: host.origin, cookie: `mailprobe_token_${host.port}=${host.token}` })
    expect(byCookie.opened).toBe(true)
    if (byCookie.opened) byCookie.ws.close()

    const open = await openBridge(`${bridge}?token=${host.token}`, { origin: host.origin })
    expect(open.opened).toBe(true)
    if (!open.opened) return
    const ws = open.ws
    expect(await call(ws, 1, 'cancelJob', { jobId: 'no-such-job' })).toEqual({ id: 1, envelope: { ok: true, value: { cancelled: false } } })
    expect(await call(ws, 'b', 'cancelJob', { jobId: '' })).toMatchObject({ id: 'b', envelope: { ok: false, error: { code: 'INVALID_INPUT' } } })
    expect(await call(ws, 3, 'constructor', {})).toMatchObject({ id: 3, envelope: { ok: false, error: { code: 'UNKNOWN_OPERATION' } } })
    expect(await call(ws, 4, 'runSmtp', { host: 'x', port: 25, password: 'extra' })).toMatchObject({ id: 4, envelope: { ok: false, error: { code: 'INVALID_INPUT' } } })
    // The browser host's own answers where a browser differs from the desktop.
    expect(await call(ws, 5, 'listProfiles', {})).toMatchObject({ envelope: { ok: true, value: { keyring: { protected: false, backend: 'memory' } } } })
    const keyring = ((await call(ws, 6, 'listProfiles', {})) as { envelope: { value: { keyring: { note: string } } } }).envelope.value.keyring.note
    expect(keyring).toMatch(/memory only/)
    const pick = (await call(ws, 7, 'pickFiles', { purpose: 'ca' })) as { envelope: { ok: boolean; error?: { message: string } } }
    expect(pick.envelope.ok).toBe(false)
    expect(pick.envelope.error?.message).toMatch(/not available in the browser build/)
    expect(await call(ws, 8, 'saveFile', { suggestedName: 'a.txt', content: 'x' })).toMatchObject({ envelope: { ok: true, value: { saved: false, path: null } } })
    expect(await call(ws, 9, 'openExternal', { url: 'https://example.com/' })).toMatchObject({ envelope: { ok: true, value: { opened: false } } })
    ws.close()
  })

  it('listens on 127.0.0.1 only and refuses to start on any other address', async () => {
    // All of 127/8 reaches the loopback interface on Linux, but only 127.0.0.1 is bound.
    expect(await refusedAt('127.0.0.2', host.port)).toBe('ECONNREFUSED')
    expect(await refusedAt('::1', host.port)).toMatch(/ECONNREFUSED|EADDRNOTAVAIL|ENETUNREACH/)
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)
    if (external) expect(await refusedAt(external.address, host.port)).toBe('ECONNREFUSED')

    await expect(
      startWebServer({
        rendererDir: join(dirname(SERVER_BUNDLE), '..', 'renderer'),
        port: 0,
        host: '0.0.0.0',
        createClient: () => ({ dispatch: async () => ({ ok: true, value: null }), dispose() {} }),
      }),
    ).rejects.toBeInstanceOf(WebServerError)

    for (const bad of ['0.0.0.0', '::', 'localhost', '192.168.1.10']) {
      const child = spawn(process.execPath, [SERVER_BUNDLE, '--port', '0', '--host', bad], { stdio: ['ignore', 'pipe', 'pipe'] })
      let err = ''
      child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d))
      const code = await new Promise<number | null>((done) => child.once('exit', done))
      expect(code, bad).toBe(2)
      expect(err).toContain('127.0.0.1 only')
    }
  })

  it('in Chromium: the token leaves the address bar, the bridge connects under the CSP, and a reload still works', async () => {
    const { page, context, problems } = await openApp(browser, host)
    expect(page.url()).toBe(`${host.origin}/`)
    expect(await page.evaluate(() => (globalThis as unknown as { document: { cookie: string } }).document.cookie)).toBe('') // HttpOnly: the page cannot read it
    const before = await (await context.cookies()).find((c) => c.name === `mailprobe_token_${host.port}`)
    expect(before).toMatchObject({ httpOnly: true, sameSite: 'Strict', value: host.token })
    // The interface talks to the real core: the keyring note is the browser host's.
    await expect.poll(() => byTestId(page, 'keyring-status').textContent()).toMatch(/memory only/)
    await page.reload()
    await page.locator('#app > *').first().waitFor()
    expect(page.url()).toBe(`${host.origin}/`)
    await expect.poll(() => byTestId(page, 'keyring-status').textContent()).toMatch(/memory only/)
    // Under the page's own CSP (connect-src 'self'), a same-origin socket opens with the cookie alone.
    const sameOrigin = await page.evaluate(
      () =>
        new Promise<string>((resolve) => {
          const g = globalThis as unknown as { location: { host: string }; WebSocket: new (url: string) => { onopen: () => void; onclose: () => void; close(): void } }
          const ws = new g.WebSocket(`ws://${g.location.host}/bridge`)
          ws.onopen = () => {
            resolve('open')
            ws.close()
          }
          ws.onclose = () => resolve('closed')
        }),
    )
    expect(sameOrigin).toBe('open')
    await shoot(page, 'first-screen')
    expect(problems()).toEqual([])

    // Without the token, a fresh browser gets the refusal page, not the app.
    const stranger = await browser.newContext()
    const p2 = await stranger.newPage()
    const res = await p2.goto(`${host.origin}/`)
    expect(res?.status()).toBe(401)
    expect(await p2.locator('#app').count()).toBe(0)
    await stranger.close()
    await context.close()
  })

  it('a page load shows the app’s icon and logs no console error and no failed request', async () => {
    const { page, context, problems, responses } = await openApp(browser, host)
    // Loaded: the interface has rendered and its first call over the bridge has answered.
    await expect.poll(() => byTestId(page, 'keyring-status').textContent()).toMatch(/memory only/)
    // A declared icon is what the browser fetches instead of /favicon.ico (which the host does not have).
    const link = page.locator('head link[rel="icon"]')
    expect(await link.count(), 'the page declares an icon').toBe(1)
    const href = await link.getAttribute('href')
    const iconUrl = new URL(href!, page.url()).href
    const icon = await context.request.get(iconUrl)
    expect(icon.status()).toBe(200)
    expect(icon.headers()['content-type']).toBe('image/svg+xml')
    expect(await icon.text()).toBe(readFileSync(join(ROOT, 'build/icon.svg'), 'utf8'))
    // The browser's own fetch of the icon has ended, so anything it could have logged is logged.
    await expect.poll(() => responses().find((r) => r.url === iconUrl)?.status).toBe(200)
    expect(problems()).toEqual([])
    await context.close()
  })

  it('a page from another origin cannot open the bridge, even knowing the token', async () => {
    const evil: Server = createServer((_req, res) => res.end('<!doctype html><title>elsewhere</title>'))
    await new Promise<void>((r) => evil.listen(0, '127.0.0.1', r))
    const ctx = await browser.newContext()
    try {
      const page = await ctx.newPage()
      await page.goto(`http://127.0.0.1:${(evil.address() as AddressInfo).port}/`)
      const outcome = await page.evaluate(
        (url) =>
          new Promise<string>((resolve) => {
            const ws = new WebSocket(url)
            ws.onopen = () => resolve('open')
            ws.onclose = () => resolve('closed')
          }),
        `ws://127.0.0.1:${host.port}/bridge?token=${host.token}`,
      )
      expect(outcome).toBe('closed')
    } finally {
      await ctx.close()
      await new Promise<void>((r) => evil.close(() => r()))
    }
  })
})

describe('stopping the web host', () => {
  it('SIGTERM closes open bridge sockets and exits 0', async () => {
    const host = await startWebHost()
    const open = await openBridge(`ws://127.0.0.1:${host.port}/bridge?token=${host.token}`, { origin: host.origin })
    expect(open.opened).toBe(true)
    if (!open.opened) return
    const closed = new Promise<number>((r) => open.ws.once('close', (code) => r(code)))
    expect(await host.stop()).toBe(0)
    expect(await closed).toBe(1001)
    expect(host.stdout()).toContain('stopping (SIGTERM)')
    expect(host.stderr()).toBe('')
  })
})
