// Every use of smtp-server beyond its public API, in one place, each with its reason. smtp-server is
// pinned to an exact version in package.json; checkSmtpServerInternals() (run by a unit test) says in
// plain words which of these a new version no longer has.
//
// - SMTPConnection (deep import), connect(), _onError, _onClientConnect, _setListeners and
//   connectionReady(): PromptSmtpServer below re-does SMTPServer.connect() without its greeting pause.
// - SMTPConnection#_socket: dropConnections() tears sessions down at once (there is no public call).
// - The SASL table (deep import) and a connection's send, _nextHandler, _server.onAuth, session and
//   _transmissionType(): registerOAuthBearer() adds RFC 7628's OAUTHBEARER, which smtp-server 3.21.6
//   lacks (it has XOAUTH2), written like its own XOAUTH2 mechanism.

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
import type { SMTPServerAuthentication, SMTPServerAuthenticationResponse, SMTPServerOptions } from 'smtp-server'
import SASL from 'smtp-server/lib/sasl'
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

type Done = () => void

/**
 * Teaches smtp-server OAUTHBEARER (RFC 7628): a server that lists it in `authMethods` advertises it
 * and hands its logins to onAuth as `{method: 'OAUTHBEARER', username, accessToken}`. onAuth answers
 * as for XOAUTH2: `{user}` accepts; no user refuses with RFC 7628's error challenge (a 334 with
 * `data` as base64 JSON, e.g. {status: 'invalid_token', scope}), and the client's dummy answer
 * (^A) gets 535. Servers that do not list OAUTHBEARER are unaffected. Idempotent.
 */
export function registerOAuthBearer(): void {
  const table = SASL as unknown as Record<string, unknown>
  if (typeof table.SASL_OAUTHBEARER === 'function') return
  table.SASL_OAUTHBEARER = function (this: SMTPConnection, args: string[], callback: Done): void {
    if (args.length > 1) {
      this.send(501, 'Error: syntax: AUTH OAUTHBEARER token')
      return callback()
    }
    if (!args.length) {
      this._nextHandler = (data, next) => oauthBearerToken.call(this, true, data, next)
      this.send(334)
      return callback()
    }
    oauthBearerToken.call(this, false, args[0]!, callback)
  }
}

/** The initial client response: `n,a=user,` ^A `host=…` ^A `port=…` ^A `auth=Bearer TOKEN` ^A ^A (user escapes: =2C for ',', =3D for '='). */
function oauthBearerToken(this: SMTPConnection, canAbort: boolean, raw: Buffer | string, callback: Done): void {
  const text = raw.toString().trim()
  if (canAbort && text === '*') {
    this.send(501, 'Authentication aborted')
    return callback()
  }
  const [gs2 = '', ...pairs] = Buffer.from(text, 'base64').toString('utf8').split('\x01')
  const header = /^n,a=([^,]+),$/.exec(gs2)
  const fields = new Map(pairs.filter((p) => p.includes('=')).map((p) => [p.slice(0, p.indexOf('=')).toLowerCase(), p.slice(p.indexOf('=') + 1)]))
  const bearer = /^Bearer +(\S+)$/i.exec(fields.get('auth') ?? '')
  const username = header?.[1]?.replace(/=2C/gi, ',').replace(/=3D/gi, '=')
  if (!username || !bearer || SASL.CONTROL_CHARS.test(username)) {
    this.send(501, 'Error: invalid userdata')
    return callback()
  }
  const login = { method: 'OAUTHBEARER', username, accessToken: bearer[1] } as unknown as SMTPServerAuthentication
  this._server.onAuth(login, this.session, (err: (Error & { responseCode?: number }) | null | undefined, response?: SMTPServerAuthenticationResponse) => {
    if (err) {
      this.send(err.responseCode || 535, err.message)
      return callback()
    }
    if (!response?.user) {
      // RFC 7628 §3.2.3: the error goes as a challenge; the client answers ^A, then the server fails the exchange.
      this._nextHandler = (_data, next) => {
        this.send(535, 'Error: Authentication credentials invalid')
        next()
      }
      this.send(334, Buffer.from(JSON.stringify(response?.data ?? { status: 'invalid_token' })).toString('base64'))
      return callback()
    }
    this.session.user = response.user
    this.session.transmissionType = this._transmissionType()
    this.send(235, 'Authentication successful')
    callback()
  })
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
  if (typeof (SASL as unknown as Record<string, unknown>).SASL_XOAUTH2 !== 'function' || !(SASL.CONTROL_CHARS instanceof RegExp))
    missing.push("smtp-server's SASL table (lib/sasl) no longer has SASL_XOAUTH2 and CONTROL_CHARS (registerOAuthBearer adds OAUTHBEARER beside them)")
  if (!/\['SASL_' \+ method\]/.test(source)) missing.push("smtp-server's SMTPConnection no longer looks mechanisms up as SASL['SASL_' + method] (registerOAuthBearer relies on it)")
  for (const name of ['_transmissionType']) if (typeof conn[name] !== 'function') missing.push(`smtp-server's SMTPConnection.prototype.${name} is not a function (registerOAuthBearer calls it)`)
  if (!source.includes('_nextHandler')) missing.push("smtp-server's SMTPConnection no longer has _nextHandler (registerOAuthBearer's challenge uses it)")
  return missing
}
