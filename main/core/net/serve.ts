import type net from 'node:net'

/**
 * Starts `server` listening (by default on an ephemeral port of 127.0.0.1) and resolves with its
 * port; rejects with the listen error (EADDRINUSE, …). `what` names the server should it have no
 * TCP address.
 */
export async function listenOn(server: net.Server, what: string, port = 0, host = '127.0.0.1'): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error(`${what}: no TCP address`)
  return address.port
}
