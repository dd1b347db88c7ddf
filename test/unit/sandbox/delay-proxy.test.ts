import net from 'node:net'
import { performance } from 'node:perf_hooks'
import { afterEach, describe, expect, it } from 'vitest'
import { startDelayProxy, type DelayProxy } from '../../../main/core/sandbox/delay-proxy'

const D = 50
/** Generous: this checks behaviour (the delay is there), not speed. */
const SLACK = 200

interface Peer {
  port: number
  close(): Promise<void>
}

/** A local TCP server whose connections are handled by `onSocket`; close() destroys them. */
async function tcpServer(onSocket: (s: net.Socket) => void): Promise<Peer> {
  const sockets = new Set<net.Socket>()
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    s.on('error', () => {})
    onSocket(s)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const s of sockets) s.destroy()
      }),
  }
}

const echo = (s: net.Socket): void => {
  s.on('data', (d) => s.write(d))
  s.on('end', () => s.end())
}

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function setup(onSocket: (s: net.Socket) => void, delayMs = D): Promise<{ target: Peer; proxy: DelayProxy }> {
  const target = await tcpServer(onSocket)
  cleanups.push(() => target.close())
  const proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: target.port, delayMs })
  cleanups.push(() => proxy.close())
  return { target, proxy }
}

function connect(port: number): net.Socket {
  const c = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true })
  c.setNoDelay(true)
  cleanups.push(async () => {
    c.destroy()
  })
  return c
}

function nextData(s: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    s.once('data', (d: Buffer) => resolve(d.toString()))
    s.once('error', reject)
  })
}

/** Everything the socket receives until the peer's FIN. */
function readToEnd(s: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let all = ''
    s.on('data', (d: Buffer) => (all += d.toString()))
    s.once('end', () => resolve(all))
    s.once('error', reject)
  })
}

describe('delay proxy', () => {
  it('delivers a server-speaks-first greeting 2D after connect, and each round trip takes 2D', async () => {
    const { proxy } = await setup((s) => {
      s.write('220 hello\r\n')
      echo(s)
    })
    const t0 = performance.now()
    const c = connect(proxy.port)
    expect(await nextData(c)).toBe('220 hello\r\n')
    const greeting = performance.now() - t0
    expect(greeting).toBeGreaterThanOrEqual(2 * D)
    expect(greeting).toBeLessThan(2 * D + SLACK)

    const t1 = performance.now()
    c.write('ping')
    expect(await nextData(c)).toBe('ping')
    const rtt = performance.now() - t1
    expect(rtt).toBeGreaterThanOrEqual(2 * D)
    expect(rtt).toBeLessThan(2 * D + SLACK)
  })

  it('forwards immediately with D = 0', async () => {
    const { proxy } = await setup(echo, 0)
    const c = connect(proxy.port)
    c.write('x')
    expect(await nextData(c)).toBe('x')
    expect(proxy.delayMs).toBe(0)
    expect(() => proxy.setDelay(-1)).toThrow(RangeError)
  })

  it('never reorders, even when the delay shrinks while data is queued', async () => {
    const { proxy } = await setup(echo, 5)
    const c = connect(proxy.port)
    const done = readToEnd(c)
    let sent = ''
    const delays = [30, 0, 15, 1, 40, 0]
    for (let batch = 0; batch < 6; batch++) {
      proxy.setDelay(delays[batch]!)
      for (let i = 0; i < 50; i++) {
        const line = `b${batch}-l${i};`
        sent += line
        c.write(line)
        if (i % 10 === 0) await new Promise((r) => setImmediate(r))
      }
    }
    c.end()
    expect(await done).toBe(sent)
  })

  it('propagates half-closes in both directions after the pending data', async () => {
    // Client half-closes first; the server answers after seeing FIN.
    const got: string[] = []
    const { proxy } = await setup((s) => {
      let data = ''
      s.on('data', (d) => (data += d.toString()))
      s.on('end', () => {
        got.push(data)
        s.end('bye:' + data)
      })
    })
    const c = connect(proxy.port)
    const reply = readToEnd(c)
    c.write('abc')
    c.end()
    expect(await reply).toBe('bye:abc')
    expect(got).toEqual(['abc'])

    // Server half-closes first; the client can still send afterwards.
    let lateResolve: (v: string) => void = () => {}
    const late = new Promise<string>((r) => (lateResolve = r))
    const second = await setup((s) => {
      let data = ''
      s.on('data', (d) => (data += d.toString()))
      s.on('end', () => lateResolve(data))
      s.end('221 closing\r\n')
    })
    const c2 = connect(second.proxy.port)
    expect(await readToEnd(c2)).toBe('221 closing\r\n')
    c2.end('late words')
    expect(await late).toBe('late words')
  })

  it('resets the client (after ~2D) when the target refuses the connection', async () => {
    const { target, proxy } = await setup(echo)
    await target.close()
    const t0 = performance.now()
    const c = connect(proxy.port)
    c.on('error', () => {})
    await new Promise<void>((resolve) => c.once('close', () => resolve()))
    const elapsed = performance.now() - t0
    expect(elapsed).toBeGreaterThanOrEqual(2 * D)
    expect(elapsed).toBeLessThan(2 * D + SLACK)
  })

  it('close() destroys everything and leaves no open handles or timers', async () => {
    const watched = (): Record<string, number> => {
      const counts: Record<string, number> = { TCPSocketWrap: 0, TCPServerWrap: 0, Timeout: 0 }
      for (const r of process.getActiveResourcesInfo()) if (r in counts) counts[r]!++
      return counts
    }
    const before = watched()

    const target = await tcpServer((s) => {
      s.write('220 hello\r\n')
      echo(s)
    })
    const proxy = await startDelayProxy({ targetHost: '127.0.0.1', targetPort: target.port, delayMs: 200 })
    const c = net.connect({ host: '127.0.0.1', port: proxy.port })
    c.on('error', () => {})
    const clientClosed = new Promise<void>((resolve) => c.once('close', () => resolve()))
    const greeted = nextData(c)
    // A second client that is still waiting for its upstream connection (connect timer pending).
    const c2 = net.connect({ host: '127.0.0.1', port: proxy.port })
    c2.on('error', () => {})
    c2.resume() // read, so the FIN from the proxy is seen
    const client2Closed = new Promise<void>((resolve) => c2.once('close', () => resolve()))
    await greeted
    c.write('queued in the proxy when it closes')
    await new Promise((r) => setImmediate(r))
    expect(proxy.activeConnections).toBe(2)

    await proxy.close()
    await proxy.close() // idempotent
    await Promise.all([clientClosed, client2Closed])
    await target.close()
    const after = watched()
    for (const kind of Object.keys(before)) expect(after[kind], kind).toBeLessThanOrEqual(before[kind]!)
  })
})
