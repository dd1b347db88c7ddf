// Every use of smtp-server beyond its public API, in one place, each with its reason. smtp-server is
// pinned to an exact version in package.json; checkSmtpServerInternals() (run by a unit test) says in
// plain words which of these a new version no longer has.
//
// - SMTPConnection (deep import), connect(), _onError, _onClientConnect, _setListeners and
//   connectionReady(): PromptSmtpServer below re-does SMTPServer.connect() without its greeting pause.
// - SMTPConnection#_socket: dropConnections() tears sessions down at once (there is no public call).

/**
 * smtp-server without its hard-coded greeting pause.
 *
 * smtp-server 3.21.6 holds every greeting for a fixed 100 ms (early-talker detection, in
 * SMTPConnection.init) even with disableReverseLookup. A sandbox that exists to show what round
 * trips cost must not add 100 ms of its own to every session, and the test peers want sessions to
 * start at once too. This subclass mirrors SMTPServer.connect() but calls connectionReady() itself,
 * at once or after `greetingDelayMs` (a tarpit on purpose, for tests that want a slow banner).
 */
import { SMTPServer } from 'smtp-server'
import type { SMTPServerOptions } from 'smtp-server'
import { SMTPConnection } from 'smtp-server/lib/smtp-connection'

export class PromptSmtpServer extends SMTPServer {
  /**
   * @param greetingDelayMs pause between accepting a connection (after the TLS handshake on an
   *   implicit-TLS port) and the greeting; 0 (the default) greets at once
   * @param timers where pending greeting timers are kept, so their owner can clear them on close
   */
  constructor(
    options: SMTPServerOptions,
    private readonly greetingDelayMs = 0,
    private readonly timers: Set<NodeJS.Timeout> = new Set(),
  ) {
    super(options)
  }

  override connect(...[socket, socketOptions]: Parameters<SMTPServer['connect']>): void {
    const connection = new SMTPConnection(this, socket, socketOptions)
    this.connections.add(connection)
    connection.on('error', (err: Error) => this._onError(err))
    connection.on('connect', (data: Parameters<SMTPServer['_onClientConnect']>[0]) => this._onClientConnect(data))
    connection._setListeners(() => {
      const max = this.options.maxClients
      if (max && this.connections.size > max) {
        connection.send(421, connection.name + ' Too many connected clients, try again in a moment', false)
        return
      }
      if (this.greetingDelayMs <= 0) {
        connection.connectionReady()
        return
      }
      const t = setTimeout(() => {
        this.timers.delete(t)
        connection.connectionReady()
      }, this.greetingDelayMs)
      this.timers.add(t)
    })
  }

  /** Clears greeting timers still pending (call when closing). */
  clearGreetingTimers(): void {
    for (const t of this.timers) clearTimeout(t)
    this.timers.clear()
  }
}

/**
 * Drops every open session at once: a sandbox or test peer that stops does not wait for clients.
 * For a connection in the middle of STARTTLS, _socket is still the raw socket; smtp-server warns
 * against tearing a TLS wrap down from below, but on Node 20 this was checked (stalled handshakes and
 * handshakes racing close(), 60 runs): no crash, closed in a few ms.
 */
export function dropConnections(server: SMTPServer): void {
  for (const conn of [...server.connections]) (conn as unknown as { _socket: { destroy(): void } })._socket.destroy()
}

/** The private members this module relies on, checked against the installed smtp-server: what is missing, in words. */
export function checkSmtpServerInternals(): string[] {
  const missing: string[] = []
  const server = SMTPServer.prototype as unknown as Record<string, unknown>
  for (const name of ['connect', '_onError', '_onClientConnect']) if (typeof server[name] !== 'function') missing.push(`SMTPServer.prototype.${name} is not a function (PromptSmtpServer calls it)`)
  const conn = SMTPConnection.prototype as unknown as Record<string, unknown>
  for (const name of ['_setListeners', 'connectionReady', 'send'])
    if (typeof conn[name] !== 'function') missing.push(`smtp-server's SMTPConnection.prototype.${name} is not a function (PromptSmtpServer calls it)`)
  const source = String(SMTPConnection)
  if (!source.includes('this._socket')) missing.push("smtp-server's SMTPConnection no longer keeps its socket in _socket (dropConnections uses it)")
  return missing
}
