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
