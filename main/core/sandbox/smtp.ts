/**
 * The sandbox's three SMTP listeners on 127.0.0.1 (ephemeral ports; the delay proxies in front
 * of them are what clients see):
 *  - starttls: submission with STARTTLS required. Before TLS neither AUTH nor MAIL is possible
 *    (AUTH is not even advertised, like real submission servers); after it AUTH PLAIN, LOGIN,
 *    CRAM-MD5, XOAUTH2 and OAUTHBEARER are offered and required.
 *  - tls: implicit TLS from the first byte, AUTH required (the same mechanisms).
 * XOAUTH2 and OAUTHBEARER take an access token of the sandbox's OAuth2 issuer (oauth-issuer.ts):
 * its signature is checked against the issuer's keys, with its issuer, audience, expiry and scope.
 *  - plain: no TLS and no AUTH; accepts any message (a relay test).
 * Accepted messages go to the Inbox under their queue id, which the final reply names:
 * `250 2.0.0 Ok: queued as 0001A3F9C2`.
 */
import type { SMTPServerAuthentication, SMTPServerAuthenticationResponse, SMTPServerError, SMTPServerOptions, SMTPServerSession } from 'smtp-server'
import type { InboxChannel } from '../../../preload/contract'
import type { KeyAndCert } from './certs'
import { listenOn } from '../net/serve'
import type { Inbox } from './inbox'
import { dropConnections, PromptSmtpServer, registerOAuthBearer } from './smtp-server-adapter'

export type SmtpListenerName = 'starttls' | 'tls' | 'plain'
export const SMTP_LISTENERS: readonly SmtpListenerName[] = ['starttls', 'tls', 'plain']

/** Largest message accepted (advertised as SIZE). */
export const SANDBOX_MAX_MESSAGE = 25 * 1024 * 1024
export const SANDBOX_SMTP_NAME = 'sandbox.mailprobe.test'

export interface SmtpListenersOptions {
  certs: KeyAndCert
  inbox: Inbox
  user: string
  password: string
  /** Checks an OAuth2 access token for `user` (the sandbox issuer's verify); without it, token logins are refused. */
  verifyToken?: (token: string, user: string) => Promise<{ ok: true } | { ok: false; reason: string }>
  /** What a refused token's error challenge names: the scope wanted, and (OAUTHBEARER) the issuer's discovery document. */
  tokenChallenge?: { scope: string; openidConfiguration: string }
  /** Current think time after DATA, in ms. */
  thinkMs: () => number
  /** The next queue id. */
  nextId: () => string
}

export interface SmtpListeners {
  ports: Record<SmtpListenerName, number>
  /** TCP connections accepted so far, per listener. */
  connections: Record<SmtpListenerName, number>
  close(): Promise<void>
}

function smtpError(message: string, responseCode: number): SMTPServerError {
  return Object.assign(new Error(message), { responseCode })
}

export async function startSmtpListeners(o: SmtpListenersOptions): Promise<SmtpListeners> {
  registerOAuthBearer()
  const thinkTimers = new Set<NodeJS.Timeout>()
  const servers: { name: SmtpListenerName; server: PromptSmtpServer }[] = []
  const ports = { starttls: 0, tls: 0, plain: 0 }
  const connections = { starttls: 0, tls: 0, plain: 0 }
  let closing = false

  const checkAuth = (auth: SMTPServerAuthentication, _session: SMTPServerSession, cb: (err: Error | null | undefined, res?: SMTPServerAuthenticationResponse) => void) => {
    const method = auth.method as string
    if (method === 'XOAUTH2' || method === 'OAUTHBEARER') {
      if (!o.verifyToken) return cb(smtpError('This sandbox takes no OAuth2 tokens', 535))
      const scope = o.tokenChallenge?.scope
      // A refused token gets the mechanism's error challenge: Google's shape for XOAUTH2, RFC 7628's for OAUTHBEARER.
      const challenge =
        method === 'XOAUTH2'
          ? { status: '401', schemes: 'bearer', ...(scope ? { scope } : {}) }
          : { status: 'invalid_token', ...(scope ? { scope } : {}), ...(o.tokenChallenge ? { 'openid-configuration': o.tokenChallenge.openidConfiguration } : {}) }
      o.verifyToken(auth.accessToken ?? '', auth.username ?? '').then(
        (v) => (v.ok ? cb(null, { user: auth.username }) : cb(null, { data: challenge } as SMTPServerAuthenticationResponse)),
        () => cb(null, { data: challenge } as SMTPServerAuthenticationResponse),
      )
      return
    }
    const userOk = auth.username === o.user
    const ok = userOk && (auth.method === 'CRAM-MD5' ? auth.validatePassword(o.password) : auth.password === o.password)
    if (ok) return cb(null, { user: auth.username })
    cb(smtpError('Authentication credentials invalid (the sandbox user and password are printed when it starts)', 535))
  }

  const onData =
    (channel: InboxChannel): SMTPServerOptions['onData'] =>
    (stream, session, cb) => {
      const chunks: Buffer[] = []
      stream.on('data', (c: Buffer) => chunks.push(c))
      stream.on('end', () => {
        if (stream.sizeExceeded) return cb(smtpError('Message exceeds fixed maximum message size', 552))
        const finish = () => {
          if (closing) return cb(smtpError('Sandbox shutting down', 421))
          const id = o.nextId()
          o.inbox.add({
            id,
            via: 'smtp',
            channel,
            envelope: {
              mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              rcptTo: session.envelope.rcptTo.map((r) => r.address),
            },
            raw: Buffer.concat([Buffer.from(receivedHeader(session, id, channel)), ...chunks]),
            secure: session.secure,
            user: typeof session.user === 'string' ? session.user : null,
            testMode: false,
          })
          cb(null, `Ok: queued as ${id}`)
        }
        const think = o.thinkMs()
        if (think <= 0) return finish()
        const t = setTimeout(() => {
          thinkTimers.delete(t)
          finish()
        }, think)
        thinkTimers.add(t)
      })
    }

  const common: SMTPServerOptions = {
    key: o.certs.key,
    cert: o.certs.cert,
    name: SANDBOX_SMTP_NAME,
    banner: 'Mailprobe sandbox ESMTP (local only, delivers nowhere)',
    logger: false,
    disableReverseLookup: true,
    authMethods: ['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2', 'OAUTHBEARER'],
    size: SANDBOX_MAX_MESSAGE,
    hideENHANCEDSTATUSCODES: false,
    // Bounded fallback only: close() destroys connections itself.
    closeTimeout: 1000,
    onAuth: checkAuth,
  }

  const configs: Record<SmtpListenerName, SMTPServerOptions> = {
    starttls: {
      ...common,
      secure: false,
      onConnect(session, cb) {
        if (closing) return cb(smtpError('Sandbox shutting down', 421))
        // Like a real submission server: no AUTH (not even advertised) until the channel is encrypted.
        session.disabledCommands = ['AUTH']
        cb()
      },
      onSecure(socket, session, cb) {
        if (closing) return void socket.destroy()
        session.disabledCommands = []
        cb()
      },
      onMailFrom(_address, session, cb) {
        if (!session.secure) return cb(smtpError('Must issue a STARTTLS command first (this is a submission port: STARTTLS, then AUTH)', 530))
        cb()
      },
      onData: onData('starttls'),
    },
    tls: {
      ...common,
      secure: true,
      onConnect: (_session, cb) => cb(closing ? smtpError('Sandbox shutting down', 421) : undefined),
      onData: onData('tls'),
    },
    plain: {
      ...common,
      secure: false,
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      onConnect: (_session, cb) => cb(closing ? smtpError('Sandbox shutting down', 421) : undefined),
      onData: onData('plain'),
    },
  }

  const close = async () => {
    closing = true
    for (const t of thinkTimers) clearTimeout(t)
    thinkTimers.clear()
    await Promise.all(
      servers.map(
        ({ server }) =>
          new Promise<void>((resolve) => {
            server.clearGreetingTimers()
            server.close(() => resolve())
            // No grace period: a sandbox that stops drops its sessions.
            dropConnections(server)
          }),
      ),
    )
  }

  try {
    for (const name of SMTP_LISTENERS) {
      const server = new PromptSmtpServer(configs[name])
      servers.push({ name, server })
      // Client resets and failed handshakes are the client's business, not a crash.
      server.on('error', () => {})
      server.server.on('connection', () => connections[name]++)
      ports[name] = await listenOn(server.server, 'sandbox SMTP')
    }
  } catch (err) {
    await close()
    throw err
  }
  return { ports, connections, close }
}

/**
 * The trace header a receiving MTA prepends (RFC 5321 §4.4), so that the sandbox's messages show a
 * hop as real ones do: who connected, as what, with which protocol (RFC 3848: ESMTPS with TLS, ESMTPSA
 * after AUTH), the id the client was told, and when.
 */
function receivedHeader(session: SMTPServerSession, id: string, channel: InboxChannel): string {
  const helo = session.hostNameAppearsAs || 'unknown'
  const address = session.remoteAddress.replace(/^::ffff:/, '')
  const protocol = `ESMTP${session.secure || channel === 'tls' ? 'S' : ''}${session.user ? 'A' : ''}`
  const rcpt = session.envelope.rcptTo.length === 1 ? `\r\n\tfor <${session.envelope.rcptTo[0]!.address}>` : ''
  return `Received: from ${helo} ([${address}])\r\n\tby ${SANDBOX_SMTP_NAME} (Mailprobe sandbox) with ${protocol} id ${id}${rcpt};\r\n\t${new Date().toUTCString().replace('GMT', '+0000')}\r\n`
}
