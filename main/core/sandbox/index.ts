/**
 * The embedded sandbox: a local mail-submission target that works offline, so a new user can
 * probe, send and compare without any account, and every test has a real peer.
 *
 *   const sb = await startSandbox({ dataDir, rttMs: 40 })
 *   sb.smtp.starttls / sb.smtp.tls / sb.smtp.plain   ports on 127.0.0.1
 *   sb.api.url, sb.api.key                            https://127.0.0.1:PORT (Mailgun, SendGrid, Postmark shapes)
 *   sb.user, sb.password, sb.caPem, sb.caFile         demo credentials and the CA its profiles trust
 *   sb.oauth.url                                      its OAuth2 issuer (http://127.0.0.1:PORT; oauth-issuer.ts)
 *   sb.inbox.list() / get(id) / subscribe(fn)         what it received (the last 200)
 *   sb.setRtt(ms), sb.setThink(ms), await sb.close()
 *
 * Every mail listener sits behind a delay proxy (delay-proxy.ts) that adds half the simulated
 * round-trip time in each direction; at RTT 0 it passes data straight through. The TCP handshake
 * itself completes at the proxy (the kernel answers it), so a connect costs no simulated time:
 * a cold session's simulated round trips are its counted round trips minus that one.
 *
 * The user, password and API key are fixed, published demo values: they protect nothing. The
 * sandbox listens on 127.0.0.1 only and delivers nothing anywhere.
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SANDBOX_RTT_MAX_MS, SANDBOX_THINK_MAX_MS, type ProfilesExport, type SandboxInfo, type SandboxStatus } from '../../../preload/contract'
import { startApiServer, type ApiServer } from './api/server'
import { loadOrCreateCerts, type SandboxCerts } from './certs'
import { startDelayProxy, type DelayProxy } from './delay-proxy'
import { Inbox } from './inbox'
import { sandboxProfilesExport, type SandboxProfileNames } from './profiles'
import { startSmtpListeners, type SmtpListeners } from './smtp'
import { SANDBOX_OAUTH_ACCOUNT, SANDBOX_OAUTH_CLIENT_ID, SANDBOX_OAUTH_SCOPES, SANDBOX_OAUTH_SMTP_SCOPE, startSandboxIssuer, type SandboxIssuer } from './oauth-issuer'

export { Inbox, parseHeaders, MAX_RAW_KEPT, type IncomingMessage, type InboxListener } from './inbox'
export { loadOrCreateCerts, CERT_FILES, type SandboxCerts, type KeyAndCert } from './certs'
export { sandboxProfilesExport, SANDBOX_PROFILE_NAMES, SANDBOX_APP_PROFILE_NAMES, SANDBOX_FROM, SANDBOX_TO, SANDBOX_PRESET, type SandboxProfileNames } from './profiles'
export { PromptSmtpServer } from './smtp-server-adapter'
export { startDelayProxy, type DelayProxy } from './delay-proxy'
export { SANDBOX_SMTP_NAME, SANDBOX_MAX_MESSAGE } from './smtp'
export { SANDBOX_OAUTH_ACCOUNT, SANDBOX_OAUTH_AUDIENCE, SANDBOX_OAUTH_CLIENT_ID, SANDBOX_OAUTH_SCOPES, SANDBOX_OAUTH_SMTP_SCOPE, startSandboxIssuer, type SandboxIssuer } from './oauth-issuer'

/** Demo credentials: fixed, published, protecting nothing (the sandbox is local and delivers nowhere). */
export const SANDBOX_USER = 'sandbox-user'
export const SANDBOX_PASSWORD = 'sandbox-demo-password'
export const SANDBOX_API_KEY = 'sandbox-demo-api-key'
/** The Mailgun-style sending domain of the sandbox profiles (the API accepts any domain). */
export const SANDBOX_DOMAIN = 'sandbox.mailprobe.test'
export const SANDBOX_HOST = '127.0.0.1'

export interface SandboxPorts {
  starttls?: number
  tls?: number
  plain?: number
  api?: number
}

export interface SandboxOptions {
  /** The app's data directory (Electron userData): certificates go to `<dataDir>/sandbox-tls`. */
  dataDir?: string
  /** Where the certificates are kept (overrides dataDir). With neither, they live in memory and the CA file in a temporary directory removed by close(). */
  certDir?: string
  /** Simulated round-trip time, 0–500 ms (default 0). */
  rttMs?: number
  /** Server think time after DATA and before an API send's answer, 0–10000 ms (default 0). */
  thinkMs?: number
  /** Fixed ports to listen on (0 or absent: ephemeral). */
  ports?: SandboxPorts
}

export interface SandboxStats {
  /** TCP connections the servers accepted (one per client connection through the proxy). */
  connections: { starttls: number; tls: number; plain: number; api: number }
  apiRequests: number
}

export interface SandboxHandle {
  readonly host: typeof SANDBOX_HOST
  readonly smtp: { readonly starttls: number; readonly tls: number; readonly plain: number }
  readonly api: { readonly url: string; readonly key: string; readonly domain: string }
  readonly user: string
  readonly password: string
  readonly caPem: string
  /** The CA certificate file (in certDir, or a temporary one). */
  readonly caFile: string
  /** The OAuth2 issuer whose tokens the SMTP listeners take (XOAUTH2, OAUTHBEARER). */
  readonly oauth: SandboxIssuer
  /** Whether the certificates were reused, made, or renewed (and why). */
  readonly certs: Pick<SandboxCerts, 'origin' | 'reason'>
  readonly inbox: Inbox
  readonly rttMs: number
  readonly thinkMs: number
  /** Simulated round-trip time for data from now on (0–500 ms); throws RangeError outside. */
  setRtt(ms: number): void
  /** Think time after DATA / before an API send's answer (0–10000 ms); throws RangeError outside. */
  setThink(ms: number): void
  /** Ports, URL, credentials, CA and latency as the contract describes them. */
  info(): SandboxInfo
  stats(): SandboxStats
  /** The sandbox profiles (export format, inline demo credentials); names default to sandbox-starttls/-tls/-api. */
  profiles(names?: SandboxProfileNames): ProfilesExport
  /** Stops every listener and proxy and drops every connection. Idempotent. */
  close(): Promise<void>
}

function checkRange(what: string, ms: number, max: number): number {
  if (!Number.isFinite(ms) || ms < 0 || ms > max) throw new RangeError(`${what} must be 0 to ${max} ms, got ${ms}`)
  return ms
}

/**
 * Starts the sandbox. Throws (after releasing whatever it had started) when a listener cannot be
 * opened, e.g. a fixed port already in use; the message says which.
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<SandboxHandle> {
  let rttMs = checkRange('RTT', options.rttMs ?? 0, SANDBOX_RTT_MAX_MS)
  let thinkMs = checkRange('think time', options.thinkMs ?? 0, SANDBOX_THINK_MAX_MS)
  const certDir = options.certDir ?? (options.dataDir ? join(options.dataDir, 'sandbox-tls') : null)
  const certs = await loadOrCreateCerts(certDir)
  const inbox = new Inbox()
  let counter = 0
  const nextId = () => `${(++counter % 0x10000).toString(16).toUpperCase().padStart(4, '0')}${randomBytes(3).toString('hex').toUpperCase()}`

  const cleanups: Array<() => Promise<void>> = []
  const closeAll = async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {})
  }
  let smtp: SmtpListeners
  let api: ApiServer
  let issuer: SandboxIssuer
  const proxies: Partial<Record<'starttls' | 'tls' | 'plain' | 'api', DelayProxy>> = {}
  let caFile = certs.caFile
  try {
    if (!caFile) {
      const dir = await mkdtemp(join(tmpdir(), 'mailprobe-sandbox-'))
      cleanups.push(() => rm(dir, { recursive: true, force: true }))
      caFile = join(dir, 'ca.pem')
      await writeFile(caFile, certs.ca.cert, { mode: 0o600 })
    }
    const started = await startSandboxIssuer()
    issuer = started
    cleanups.push(() => started.close())
    smtp = await startSmtpListeners({
      certs: certs.leaf,
      inbox,
      user: SANDBOX_USER,
      password: SANDBOX_PASSWORD,
      verifyToken: (token, user) => started.verify(token, user),
      tokenChallenge: { scope: SANDBOX_OAUTH_SMTP_SCOPE, openidConfiguration: `${started.url}/.well-known/openid-configuration` },
      thinkMs: () => thinkMs,
      nextId,
    })
    cleanups.push(() => smtp.close())
    api = await startApiServer({ certs: certs.leaf, inbox, key: SANDBOX_API_KEY, thinkMs: () => thinkMs })
    cleanups.push(() => api.close())
    const targets = { ...smtp.ports, api: api.port }
    for (const name of ['starttls', 'tls', 'plain', 'api'] as const) {
      const listenPort = options.ports?.[name] ?? 0
      try {
        proxies[name] = await startDelayProxy({ targetHost: SANDBOX_HOST, targetPort: targets[name], delayMs: rttMs / 2, listenHost: SANDBOX_HOST, listenPort })
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code
        throw new Error(
          `The sandbox could not listen on ${SANDBOX_HOST}:${listenPort} for ${name === 'api' ? 'the HTTPS API' : `SMTP ${name}`}${code === 'EADDRINUSE' ? ': the port is in use (another sandbox, or another program)' : `: ${(err as Error).message}`}.`,
          { cause: err },
        )
      }
      const started = proxies[name]!
      cleanups.push(() => started.close())
    }
  } catch (err) {
    await closeAll()
    throw err
  }
  const proxy = { starttls: proxies.starttls!, tls: proxies.tls!, plain: proxies.plain!, api: proxies.api! }

  const apiUrl = `https://${SANDBOX_HOST}:${proxy.api.port}`
  const info = (): SandboxInfo => ({
    host: SANDBOX_HOST,
    smtp: { starttls: proxy.starttls.port, tls: proxy.tls.port, plain: proxy.plain.port },
    api: { url: apiUrl, key: SANDBOX_API_KEY },
    user: SANDBOX_USER,
    password: SANDBOX_PASSWORD,
    domain: SANDBOX_DOMAIN,
    oauth: { issuer: issuer.url, clientId: SANDBOX_OAUTH_CLIENT_ID, account: SANDBOX_OAUTH_ACCOUNT, scopes: [...SANDBOX_OAUTH_SCOPES] },
    caPem: certs.ca.cert,
    caFile,
    rttMs,
    thinkMs,
  })
  let closed: Promise<void> | undefined
  return {
    host: SANDBOX_HOST,
    smtp: { starttls: proxy.starttls.port, tls: proxy.tls.port, plain: proxy.plain.port },
    api: { url: apiUrl, key: SANDBOX_API_KEY, domain: SANDBOX_DOMAIN },
    user: SANDBOX_USER,
    password: SANDBOX_PASSWORD,
    caPem: certs.ca.cert,
    caFile,
    oauth: issuer,
    certs: { origin: certs.origin, reason: certs.reason },
    inbox,
    get rttMs() {
      return rttMs
    },
    get thinkMs() {
      return thinkMs
    },
    setRtt(ms: number) {
      rttMs = checkRange('RTT', ms, SANDBOX_RTT_MAX_MS)
      for (const p of Object.values(proxy)) p.setDelay(rttMs / 2)
    },
    setThink(ms: number) {
      thinkMs = checkRange('think time', ms, SANDBOX_THINK_MAX_MS)
    },
    info,
    stats: () => ({ connections: { ...smtp.connections, api: api.connections }, apiRequests: api.requests }),
    profiles: (names?: SandboxProfileNames) => sandboxProfilesExport(info(), { names }),
    close() {
      closed ??= closeAll()
      return closed
    },
  }
}

/**
 * The sandbox as the interface shows it (the contract's SandboxStatus): its info and Inbox counts
 * when running, or why it is not (`problem`: the setting is off, a port was in use…).
 */
export function sandboxStatus(handle: SandboxHandle | null, problem: string | null = null): SandboxStatus {
  if (!handle) return { running: false, problem, info: null, inbox: { kept: 0, received: 0 } }
  return { running: true, problem: null, info: handle.info(), inbox: { kept: handle.inbox.size, received: handle.inbox.received } }
}
