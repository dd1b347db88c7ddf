// Hardening, item 4: the secrets canary. Every flow the app has runs with secrets made for this run
// only (passwords, an OAuth2 token, API keys and secrets, a session token, wrong ones for the
// failures), full of characters that every encoding changes, and everything that leaves the core
// is scanned for them (test/fixtures/secret-scan.ts: plain, JSON-escaped, URL/form-encoded, hex,
// base64 alone and inside AUTH PLAIN / LOGIN / XOAUTH2, Latin-1, any base64 blob):
//   - every IPC answer, every job-event batch the renderer would get (through the same BatchingSink
//     register.ts uses) and every sandbox push, driven through createClient → dispatch;
//   - every file in the data folder (profiles.json, secrets.json — encrypted with a real AES-GCM
//     cipher, so it is scanned like the rest —, settings.json, history/*, the sandbox's files) and
//     every export (History .txt/.json, profiles, the Lab's CSV/JSON) written through saveFile;
//   - the built CLI's stdout and stderr (text and --json) and its argv; with OAuth2 sign-ins made
//     through it against a local issuer (device, browser, client credentials, a renewal, a refused
//     renewal, Ctrl-C), every token the issuer handed out, each device code, PKCE verifier and
//     authorization code, and the client secret are needles too, in its output, argv and every file
//     it wrote other than its sign-ins file (which holds them by design, owner-only).
// A proxy password (a profile's Network section) is one of the canaries: profiles save it, runs
// hand it to a local "proxy" that takes the login and then refuses (a TCP server that records what
// it is sent), and it must show in none of the above either.
// OAuth2 profiles add theirs: the access and refresh tokens a local issuer hands out (made canaries
// by a hook), the client secret of an app-only sign-in, and — learned afterwards from what the
// issuer received, since the core makes them — each PKCE verifier and device code, and the device
// flow's tokens. The sign-in flow's answers and events are kept and scanned again for those.
// Each flow must scan something (counts > 0), so the suite cannot pass by scanning nothing; a
// positive control proves the scanner finds the canaries when they are there.
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify } from 'jose'
import { readFile, writeFile } from 'node:fs/promises'
import net from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  compareToCsv,
  compareToJson,
  events,
  type SignInEvent,
  type AnyJobResult,
  type ApiProvider,
  type ApiResult,
  type CompareResult,
  type OperationName,
  type OperationOutputs,
  type ProbeResult,
  type Profile,
  type ProfilesExport,
  type SmtpResult,
} from '../../../preload/contract'
import { createClient, type Client } from '../../../main/ipc/handlers'
import type { AppServices, FilesAdapter } from '../../../main/core/services'
import { BatchingSink } from '../../../main/core/transcript/batching-sink'
import { TeeSink } from '../../../main/core/transcript/event-sink'
import { removeCaFile, serverCert, writeCaFile } from '../../fixtures/certs'
import { runCli, startCli, type CliRun, type RunningCli } from '../../fixtures/cli'
import { followAuthorization, startOAuthIssuer, TEST_ACCOUNT, type OAuthIssuer } from '../../fixtures/oauth-issuer'
import { MAILGUN_DOMAIN, startProviderServer, type ProviderServer } from '../../fixtures/provider-server'
import { authPeer } from '../../fixtures/raw-peers'
import { findSecretLeaks, type Secret } from '../../fixtures/secret-scan'
import { startSmtpPeer, type SmtpPeer } from '../../fixtures/smtp-peers'
import { readTree, removeTempDirs, tempDir, testServices, WaitingSink } from '../ipc/helpers'

// ── The canaries ─────────────────────────────────────────────────────────────

const RUN = randomBytes(6).toString('hex')
/** Base64's alphabet and padding, URL and form escapes, a space, JSON escapes, and a non-ASCII letter. */
const TAIL = '+/=%& "\\é'
/** SMTP secrets also carry a character beyond Latin-1 (UTF-8 inside SASL); HTTP header values cannot (Node writes them as Latin-1). */
const WIDE = '€'
const canary = (what: string, tail = TAIL): string => `canary-${what}-${RUN}${tail}`

const C = {
  password: canary('pw', TAIL + WIDE),
  token: canary('tok', TAIL + WIDE),
  wrongPassword: canary('wrongpw', TAIL + WIDE),
  apiKey: canary('key'),
  apiSecret: canary('secret'),
  sessionToken: canary('session'),
  badKey: canary('badkey'),
  proxyPassword: canary('proxypw'),
  clientSecret: canary('csecret'),
  mailboxPassword: canary('imappw', TAIL + WIDE),
  // The app's OAuth2 profiles: what the local issuer hands out (a hook makes them canaries).
  oauthAccess: canary('oaccess', TAIL + WIDE),
  oauthRenewed: canary('orenewed', TAIL + WIDE),
  oauthAppToken: canary('oapptok', TAIL + WIDE),
  refreshToken: canary('orefresh'),
  refreshRenewed: canary('orefresh2'),
}

/** Not secrets (usernames, the public halves of key pairs are stored in profiles by design). */
const SMTP_USER = 'mailbox@example.test'
const OAUTH_USER = 'oauth-mailbox@example.test'
const MJ_PUBLIC = 'mjPublicCanaryRun0a1b2c3d'
const SES_AKID = 'AKIACANARYRUN7EXAMPLE'
const PROXY_USER = 'proxy-canary-user'
const MAILBOX_USER = 'watched-mailbox@example.test'
/** A DKIM private key made for this run: its PEM body, whole and line by line, is a needle too. */
const DKIM_KEY = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
const DKIM_KEY_LINES = DKIM_KEY.split('\n').filter((l) => l && !l.startsWith('-----'))

const SECRETS: Secret[] = [
  { value: C.password, user: SMTP_USER },
  { value: C.token, user: OAUTH_USER },
  { value: C.wrongPassword, user: SMTP_USER },
  { value: C.wrongPassword, user: OAUTH_USER },
  { value: C.apiKey, user: 'api' },
  { value: C.apiSecret, user: MJ_PUBLIC },
  { value: C.sessionToken },
  { value: C.badKey, user: 'api' },
  { value: C.proxyPassword, user: PROXY_USER },
  { value: C.mailboxPassword, user: MAILBOX_USER },
  { value: DKIM_KEY_LINES.join('') },
  ...DKIM_KEY_LINES.map((value) => ({ value })),
  { value: C.clientSecret },
  { value: C.oauthAccess, user: TEST_ACCOUNT },
  { value: C.oauthRenewed, user: TEST_ACCOUNT },
  { value: C.oauthAppToken, user: OAUTH_USER },
  { value: C.refreshToken },
  { value: C.refreshRenewed },
  // The ASCII stem of each canary on its own: catches a secret that was cut short, escaped in a
  // way the scanner does not spell out (\u00e9, %E9) or mangled by a wrong decoding (é → �).
  ...Object.values(C).map((v) => ({ value: v.slice(0, v.indexOf(RUN) + RUN.length) })),
]

const MESSAGE = { from: 'sender@example.test', to: ['rcpt@example.test'], subject: 'canary run', text: 'A secrets-canary run of Mailprobe.' }
const DEFAULTS = { from: 'sender@example.test', to: ['rcpt@example.test'], cc: [], bcc: [] }

// ── Scanning and counting ────────────────────────────────────────────────────

type Kind = 'outputs' | 'events' | 'files'
interface Tally {
  outputs: number
  events: number
  files: number
  bytes: number
  hits: string[]
}
const tallies = new Map<string, Tally>()
/** The flow being run: what is scanned now counts for it (the tests of this file run one at a time). */
let flow = 'setup'

function tallyOf(name: string): Tally {
  let t = tallies.get(name)
  if (!t) tallies.set(name, (t = { outputs: 0, events: 0, files: 0, bytes: 0, hits: [] }))
  return t
}

/** Length of the canary fragments looked for in answers and printed output (V8's JSON.parse errors quote about 10 characters of their input). */
const FRAGMENT = 10

/** The first fragment of each canary found in `text` (a secret partly quoted in an error message). */
function fragmentsIn(text: string): string[] {
  const found: string[] = []
  for (const v of Object.values(C)) {
    for (let i = 0; i + FRAGMENT <= v.length; i++) {
      const f = v.slice(i, i + FRAGMENT)
      if (text.includes(f) || text.includes(JSON.stringify(f).slice(1, -1))) {
        found.push(f)
        break
      }
    }
  }
  return found
}

/** What the OAuth2 flow scanned, kept to be scanned again for the secrets learned at its end (PKCE verifiers, device codes). */
const oauthScanned: { kind: Kind; what: string; text: string }[] = []

function scan(kind: Kind, what: string, text: string, name = flow): void {
  if (name === 'oauth') oauthScanned.push({ kind, what, text })
  const t = tallyOf(name)
  t[kind]++
  t.bytes += Buffer.byteLength(text)
  for (const hit of findSecretLeaks(text, SECRETS)) t.hits.push(`${what}: ${hit}`)
  // Answers and printed output are also searched for pieces of a canary (the whole-secret forms above miss a partial quote).
  if (kind === 'outputs') for (const f of fragmentsIn(text)) t.hits.push(`${what}: a ${FRAGMENT}-character piece of a canary, ${JSON.stringify(f)}`)
}

/** No hit in this flow, and it scanned something of each kind it should have. */
function expectClean(name: string, kinds: Kind[]): void {
  const t = tallyOf(name)
  expect(t.hits, `secrets leaked in flow "${name}"`).toEqual([])
  for (const k of kinds) expect(t[k], `flow "${name}" scanned no ${k}`).toBeGreaterThan(0)
  expect(t.bytes).toBeGreaterThan(0)
}

// ── A proxy that takes the login and refuses: what the proxy password is sent to ──────────

/**
 * A TCP server on 127.0.0.1 that plays a proxy just far enough to be sent the proxy password, then
 * refuses: SOCKS5 — it picks username/password (RFC 1929), records the login, answers "failure";
 * HTTP — it records the CONNECT request (its Proxy-Authorization) and answers 407. Everything it
 * received is kept, so the test can tell that the canary really went out.
 */
interface ProxyTrap {
  port: number
  received: Buffer[]
  close(): Promise<void>
}

async function startProxyTrap(): Promise<ProxyTrap> {
  const received: Buffer[] = []
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    let buf = Buffer.alloc(0)
    let socksStage: 'greeting' | 'login' = 'greeting'
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk)
      buf = Buffer.concat([buf, chunk])
      if (buf[0] === 5 && socksStage === 'greeting' && buf.length >= 2 + buf[1]!) {
        socksStage = 'login'
        buf = Buffer.alloc(0)
        socket.write(Buffer.from([5, 2])) // username/password, please
      } else if (socksStage === 'login' && buf[0] === 1) {
        socket.end(Buffer.from([1, 1])) // login refused
      } else if (buf.includes('\r\n\r\n')) {
        socket.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="trap"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
      } else if (buf[0] !== 5 && buf[0] !== 1 && !/^[A-Z]/.test(buf.toString('latin1', 0, 1))) {
        socket.destroy()
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as net.AddressInfo).port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

/**
 * A mailbox server that takes a login and refuses it (plaintext IMAP on loopback; AUTHENTICATE PLAIN
 * with or without an initial response), recording what it was sent: the watch's password must
 * reach it and nothing else.
 */
async function startImapTrap(): Promise<ProxyTrap> {
  const received: Buffer[] = []
  const sockets = new Set<net.Socket>()
  const server = net.createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    socket.on('error', () => {})
    socket.write('* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] canary trap ready\r\n')
    let buf = ''
    /** The tag of an AUTHENTICATE waiting for its response (sent after the server's "+"). */
    let authenticating: string | null = null
    const refuse = (tag: string) => socket.write(`${tag} NO [AUTHENTICATIONFAILED] Authentication failed.\r\n`)
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk)
      buf += chunk.toString('latin1')
      let end: number
      while ((end = buf.indexOf('\r\n')) >= 0) {
        const line = buf.slice(0, end)
        buf = buf.slice(end + 2)
        if (authenticating) {
          refuse(authenticating)
          authenticating = null
          continue
        }
        const [tag = '*', command = '', , response] = line.split(' ')
        if (/^AUTHENTICATE$/i.test(command) && !response) {
          authenticating = tag
          socket.write('+ \r\n')
        } else if (/^AUTHENTICATE|^LOGIN/i.test(command)) refuse(tag)
        else if (/^CAPABILITY/i.test(command)) socket.write(`* CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN\r\n${tag} OK done\r\n`)
        else if (/^LOGOUT/i.test(command)) socket.end(`* BYE\r\n${tag} OK bye\r\n`)
        else socket.write(`${tag} BAD not here\r\n`)
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as net.AddressInfo).port,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  }
}

// ── The app: services over a temp data folder, one client, everything it sends captured ────

let caFile = ''
let starttlsPeer: SmtpPeer
let tlsPeer: SmtpPeer
let provider: ProviderServer
let proxyTrap: ProxyTrap
let imapTrap: ProxyTrap
let services: AppServices
let dataDir = ''
let exportDir = ''
let client: Client
const cliPeers: SmtpPeer[] = []
const waiting = new WaitingSink()
/** OAuth2 sign-in events pushed to the caller (each also scanned), and who waits for one. */
const signInEvents: SignInEvent[] = []
const signInWaiters: (() => void)[] = []
const recordErrors: unknown[] = []
let importPath = ''
const started = Date.now()

/** Saves go to exportDir (scanned with the data folder); "Import" picks importPath. */
function files(): FilesAdapter {
  return {
    pickFiles: async () => ({ paths: [importPath] }),
    saveFile: async ({ suggestedName, content }) => {
      const path = join(exportDir, suggestedName)
      await writeFile(path, content)
      return { saved: true, path }
    },
  }
}

// The CLI runs in child processes, so it runs beside the in-process flows (started in beforeAll,
// against peers of its own so the SMTP flow's counts stay exact) and its test only scans the output.
interface CliCase {
  args: string[]
  input?: string
  status: number
}
interface CliFlows {
  done: { run: CliCase; out: CliRun }[]
  csvFile: string
  /** The CLI's own folder: its profiles files, the CSV, and its data folder (data/, where the sign-ins are kept). */
  cliDir: string
}
let cliRuns: Promise<CliFlows>
/** The local OAuth2 issuer the CLI signs in with, and a submission server that takes its tokens. */
let issuer: OAuthIssuer
let oauthPeer: SmtpPeer
/** How many OAuth2 needles the CLI's output and files were scanned for (known once its flows ran). */
let oauthNeedles = 0

/** What the OAuth2 flows make secret, known once they ran: every token handed out, the device codes, PKCE verifiers and authorization codes. */
function oauthSecrets(): Secret[] {
  const values = [
    ...issuer.issued,
    ...issuer.grants.map((g) => g.deviceCode),
    ...issuer.tokenRequests.flatMap((r) => [r.form.get('code_verifier'), r.form.get('code'), r.form.get('refresh_token'), r.form.get('device_code')]),
  ].filter((v): v is string => typeof v === 'string' && v.length > 0)
  // Access tokens travel in XOAUTH2 for the signed-in account, or for the mailbox --user names.
  return [...new Set(values)].flatMap((value) => [
    { value, user: TEST_ACCOUNT },
    { value, user: OAUTH_USER },
  ])
}

/** The next token answer for this grant lives `seconds` only (its sign-in is renewed by the next run). */
function shortLived(grant: string, seconds: number): void {
  const hook = (res: { body: Record<string, unknown> }, req: { body: Record<string, unknown> }) => {
    if (req.body.grant_type !== grant) return
    res.body.expires_in = seconds
    issuer.mock.service.off('beforeResponse', hook)
  }
  issuer.mock.service.on('beforeResponse', hook)
}

/**
 * `mailprobe oauth` and send/verify --oauth, one after the other: sign-ins with each flow (the code
 * approved, the browser's address followed, as a person would), list, runs that renew a token, a
 * renewal refused by an issuer that quotes the refresh token back, Ctrl-C during a device wait, logout.
 */
async function runOAuthCliFlows(env: NodeJS.ProcessEnv): Promise<{ run: CliCase; out: CliRun }[]> {
  const done: { run: CliCase; out: CliRun }[] = []
  const login = (name: string, flow: string, ...extra: string[]) => [
    ...['oauth', 'login', '--name', name, '--provider', 'generic', '--issuer', issuer.url, '--client-id', 'mailprobe-canary', '--flow', flow],
    ...['--scope', 'openid', '--scope', 'email', '--scope', 'offline_access', ...extra],
  ]
  const smtp = (command: 'send' | 'verify', name: string, ...extra: string[]) => [
    command,
    '--host',
    '127.0.0.1',
    '--port',
    String(oauthPeer.port),
    '--security',
    'tls',
    '--ca',
    caFile,
    '--oauth',
    name,
    ...extra,
  ]
  const interactive = async (args: string[], status: number, act: (cli: RunningCli) => Promise<unknown>) => {
    const cli = startCli(args, { env, timeoutMs: 30_000 })
    await act(cli)
    done.push({ run: { args, status }, out: await cli.done })
  }
  const plain = async (args: string[], status: number) => done.push({ run: { args, status }, out: await runCli(args, { env, timeoutMs: 30_000 }) })
  const device = (cli: RunningCli) => cli.waitFor('stderr', /enter the code {2}(\S+)/).then(([, code]) => issuer.approve(code))
  const browser = (cli: RunningCli) => cli.waitFor('stderr', /\n {2}(http:\/\/127\.0\.0\.1:\d+\/authorize\?\S+)\n/).then(([, url]) => followAuthorization(url!))
  /** The next refresh is refused, and the issuer's sentence quotes the refresh token back. */
  const refuseRefresh = () =>
    issuer.mock.service.once('beforeResponse', (res: { statusCode: number; body: unknown }, req: { body: Record<string, unknown> }) => {
      res.statusCode = 400
      res.body = { error: 'invalid_grant', error_description: `The refresh token ${String(req.body.refresh_token)} was revoked.` }
    })

  await interactive(login('dev', 'device'), 0, device)
  await interactive(login('dev', 'device', '--json'), 0, device)
  shortLived('authorization_code', 120)
  await interactive(login('web', 'browser', '--json'), 0, browser)
  await plain(
    [
      'oauth',
      'login',
      '--name',
      'app',
      '--provider',
      'generic',
      '--issuer',
      issuer.url,
      '--client-id',
      'mailprobe-canary-app',
      '--flow',
      'client-credentials',
      '--client-secret-env',
      'MP_CLIENT_SECRET',
      '--scope',
      'mail.send',
    ],
    0,
  )
  await plain(['oauth', 'list'], 0)
  await plain(['oauth', 'list', '--json'], 0)
  await plain(smtp('verify', 'web', '-v'), 0) // renews the token first
  await plain(smtp('send', 'dev', '--from', 'sender@example.test', '--to', 'rcpt@example.test', '--subject', 'cli oauth canary', '--json'), 0)
  await plain(smtp('verify', 'app', '--user', OAUTH_USER, '--show-username', '--json'), 0)
  shortLived('authorization_code', 60)
  await interactive(login('gone', 'browser'), 0, browser)
  refuseRefresh()
  await plain(smtp('verify', 'gone', '-v'), 1)
  refuseRefresh()
  await plain(smtp('verify', 'gone', '--json'), 1)
  issuer.device.interval = 600
  await interactive(login('cancelled', 'device', '--json'), 130, (cli) => cli.waitFor('stderr', /enter the code/).then(() => cli.kill('SIGINT')))
  issuer.device.interval = 0.05
  await plain(['oauth', 'logout', 'dev'], 0)
  return done
}

async function runCliFlows(cliStarttls: SmtpPeer, cliTls: SmtpPeer): Promise<CliFlows> {
  const cliDir = await tempDir('mailprobe-canary-cli-')
  // Everything exported, as a user would: the CLI must print none of it.
  const env = {
    MP_PW: C.password,
    MP_TOKEN: C.token,
    MP_WRONG: C.wrongPassword,
    MP_KEY: C.apiKey,
    MP_SECRET: C.apiSecret,
    MP_SESSION: C.sessionToken,
    MP_BAD: C.badKey,
    MP_AKID: SES_AKID,
    MP_MJ: MJ_PUBLIC,
    MP_PROXY: C.proxyPassword,
    MP_CLIENT_SECRET: C.clientSecret,
    MAILPROBE_DATA_DIR: join(cliDir, 'data'),
  }
  const smtp = (peer: SmtpPeer, security: string) => ['--host', '127.0.0.1', '--port', String(peer.port), '--security', security, '--ca', caFile]
  const api = (p: string) => ['api', '--provider', p, '--base-url', provider.origin, '--ca', caFile]
  const msg = ['--from', MESSAGE.from, '--to', MESSAGE.to[0]!, '--subject', 'cli canary']
  const profilesFile = join(cliDir, 'profiles.json')
  const doc = {
    format: 'mailprobe-profiles',
    version: 1,
    exportedAt: new Date().toISOString(),
    profiles: [
      {
        kind: 'smtp',
        name: 'cli-plain',
        host: '127.0.0.1',
        port: cliStarttls.port,
        security: 'starttls',
        authMethod: 'plain',
        username: SMTP_USER,
        passwordEnv: 'MP_PW',
        tls: { caFile },
        defaults: DEFAULTS,
      },
      {
        kind: 'smtp',
        name: 'cli-xoauth2',
        host: '127.0.0.1',
        port: cliTls.port,
        security: 'tls',
        authMethod: 'xoauth2',
        username: OAUTH_USER,
        passwordEnv: 'MP_TOKEN',
        tls: { caFile },
        defaults: DEFAULTS,
      },
      {
        kind: 'smtp',
        name: 'cli-wrong',
        host: '127.0.0.1',
        port: cliTls.port,
        security: 'tls',
        authMethod: 'cram-md5',
        username: SMTP_USER,
        passwordEnv: 'MP_WRONG',
        tls: { caFile },
        defaults: DEFAULTS,
      },
      { kind: 'api', name: 'cli-sendgrid', provider: 'sendgrid', baseUrl: provider.origin, keyEnv: 'MP_KEY', tls: { caFile }, defaults: DEFAULTS },
      { kind: 'api', name: 'cli-mailjet', provider: 'mailjet', baseUrl: provider.origin, keyId: MJ_PUBLIC, secretEnv: 'MP_SECRET', tls: { caFile }, defaults: DEFAULTS },
      // Through the proxy trap: its password only ever named (proxyPasswordEnv), never in the file.
      {
        kind: 'api',
        name: 'cli-sendgrid-proxy',
        provider: 'sendgrid',
        baseUrl: provider.origin,
        keyEnv: 'MP_KEY',
        network: { family: 'auto', proxy: { url: `http://${PROXY_USER}@127.0.0.1:${proxyTrap.port}` } },
        proxyPasswordEnv: 'MP_PROXY',
        tls: { caFile },
        defaults: DEFAULTS,
      },
    ],
  }
  await writeFile(profilesFile, JSON.stringify(doc, null, 2))
  // A damaged profiles file with an inline password, for the error path.
  const damaged = join(cliDir, 'damaged.json')
  await writeFile(damaged, `{"format":"mailprobe-profiles","version":1,"profiles":[{"kind":"smtp","name":"x","password": ${C.password}}]}`)
  const csvFile = join(cliDir, 'runs.csv')
  const both = (c: CliCase): CliCase[] => [c, { ...c, args: [...c.args, '--json'] }]
  const cases: CliCase[] = [
    ...both({ args: ['send', ...smtp(cliStarttls, 'starttls'), '--user', SMTP_USER, '--password-env', 'MP_PW', '--auth', 'plain', ...msg], status: 0 }),
    ...both({ args: ['send', ...smtp(cliTls, 'tls'), '--user', SMTP_USER, '--password-stdin', '--auth', 'login', '--show-username', ...msg], input: `${C.password}\n`, status: 0 }),
    { args: ['verify', ...smtp(cliStarttls, 'starttls'), '--user', SMTP_USER, '--password-env', 'MP_PW', '--auth', 'cram-md5'], status: 0 },
    { args: ['verify', ...smtp(cliTls, 'tls'), '--user', OAUTH_USER, '--password-env', 'MP_TOKEN', '--auth', 'xoauth2', '--json'], status: 0 },
    ...both({ args: ['verify', ...smtp(cliStarttls, 'starttls'), '--user', SMTP_USER, '--password-env', 'MP_WRONG'], status: 1 }),
    { args: ['send', ...smtp(cliTls, 'tls'), '--user', OAUTH_USER, '--password-stdin', '--auth', 'xoauth2', ...msg, '--json'], input: C.wrongPassword, status: 1 },
    ...both({ args: ['verify', ...smtp(cliTls, 'tls'), '--user', OAUTH_USER, '--token-env', 'MP_TOKEN', '-v'], status: 0 }),
    ...both({ args: ['verify', ...smtp(cliTls, 'tls'), '--user', OAUTH_USER, '--token-env', 'MP_WRONG', '--auth', 'xoauth2', '-v'], status: 1 }),
    ...both({ args: [...api('sendgrid'), '--key-env', 'MP_KEY', ...msg], status: 0 }),
    { args: [...api('mailgun'), '--key-env', 'MP_KEY', '--domain', MAILGUN_DOMAIN, '--sandbox', ...msg], status: 0 },
    { args: [...api('mailjet'), '--key-env', 'MP_MJ', '--secret-env', 'MP_SECRET', '--verify'], status: 0 },
    { args: [...api('ses'), '--key-env', 'MP_AKID', '--secret-env', 'MP_SECRET', '--session-token-env', 'MP_SESSION', ...msg, '--json'], status: 0 },
    ...both({ args: [...api('brevo'), '--key-env', 'MP_BAD', ...msg], status: 1 }),
    { args: [...api('postmark'), '--key-env', 'MP_BAD', '--verify', '--json'], status: 1 },
    {
      args: [
        'api',
        '--provider',
        'generic',
        '--url',
        `${provider.origin}/hook/cli`,
        '--ca',
        caFile,
        '--key-env',
        'MP_KEY',
        '--secret-env',
        'MP_SECRET',
        '--auth',
        'basic',
        '--header',
        'X-Sig: {{secret}}',
        ...msg,
        '--json',
      ],
      status: 0,
    },
    ...both({ args: ['probe', '127.0.0.1', '--ports', `${cliStarttls.port},${cliTls.port}`, '--ca', caFile, '--timeout', '3000'], status: 0 }),
    {
      args: ['compare', '--profiles', profilesFile, '--profile', 'cli-plain', '--profile', 'cli-xoauth2', '--profile', 'cli-sendgrid', '--profile', 'cli-mailjet', '--runs', '2', '--action', 'verify'],
      status: 0,
    },
    { args: ['compare', '--profiles', profilesFile, '--profile', 'cli-plain', '--profile', 'cli-wrong', '--runs', '2', '--mode', 'warm', '--csv', csvFile, '--json'], status: 1 },
    { args: ['compare', '--profiles', damaged, '--profile', 'x', '--profile', 'y'], status: 2 },
    { args: ['compare', '--profiles', profilesFile, '--profile', 'cli-sendgrid', '--profile', 'cli-sendgrid-proxy', '--runs', '1', '--action', 'verify', '--json'], status: 1 },
  ]
  const done: { run: CliCase; out: CliRun }[] = []
  const queue = [...cases]
  // Two at a time: the machine has two cores, and the flows in this process use one. The OAuth2
  // flows beside them mostly wait (for a code to be approved, a browser to come back).
  await Promise.all([
    ...[0, 1].map(async () => {
      for (let c = queue.shift(); c; c = queue.shift()) done.push({ run: c, out: await runCli(c.args, { env, input: c.input, timeoutMs: 30_000 }) })
    }),
    runOAuthCliFlows(env).then((runs) => done.push(...runs)),
  ])
  return { done, csvFile, cliDir }
}

beforeAll(async () => {
  caFile = await writeCaFile()
  // Every mechanism advertised (the client picks one per run); the canaries are the credentials the peers check.
  const peer = (mode: 'starttls' | 'tls') => startSmtpPeer({ mode, authMethods: ['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2'], users: { [SMTP_USER]: C.password, [OAUTH_USER]: C.token } })
  let cliStarttls: SmtpPeer, cliTls: SmtpPeer
  proxyTrap = await startProxyTrap()
  imapTrap = await startImapTrap()
  issuer = await startOAuthIssuer()
  // Takes any token this issuer signed (a person's for their account, the app's for any mailbox).
  const jwks = createLocalJWKSet({ keys: issuer.mock.issuer.keys.toJSON() })
  oauthPeer = await startSmtpPeer({
    mode: 'tls',
    authMethods: ['XOAUTH2'],
    verifyToken: (token) =>
      jwtVerify(token, jwks, { issuer: issuer.url }).then(
        () => true,
        () => false,
      ),
  })
  ;[starttlsPeer, tlsPeer, cliStarttls, cliTls, provider] = await Promise.all([
    peer('starttls'),
    peer('tls'),
    peer('starttls'),
    peer('tls'),
    startProviderServer({
      keys: {
        mailgun: C.apiKey,
        sendgrid: C.apiKey,
        postmark: C.apiKey,
        ses: { accessKeyId: SES_AKID, secretAccessKey: C.apiSecret, sessionToken: C.sessionToken },
        resend: C.apiKey,
        mailjet: { key: MJ_PUBLIC, secret: C.apiSecret },
        sparkpost: C.apiKey,
        brevo: C.apiKey,
        generic: C.apiKey,
      },
    }),
  ])
  cliPeers.push(cliStarttls, cliTls, oauthPeer)
  cliRuns = runCliFlows(cliStarttls, cliTls)
  // Awaited by the CLI test; a failure before then must not be an unhandled rejection.
  cliRuns.catch(() => {})
  dataDir = await tempDir('mailprobe-canary-data-')
  exportDir = await tempDir('mailprobe-canary-exports-')
  importPath = join(exportDir, 'import-me.json')
  // The real sandbox (its certificates in the data folder), secrets encrypted by an AES-256-GCM cipher.
  ;({ services } = await testServices({ dataDir, files: files(), sandbox: {}, onRecordError: (err) => recordErrors.push(err) }))
  // What register.ts does for a window: job events batched every 50 ms, sandbox events pushed.
  const toRenderer = new BatchingSink((batch) => {
    for (const event of batch) scan('events', `job event ${event.type}`, JSON.stringify(event))
  }, 50)
  client = createClient(new TeeSink([toRenderer, waiting]), services, (channel, payload) => {
    scan('events', `push ${channel}`, JSON.stringify(payload))
    if (channel !== events.signInEvents) return
    signInEvents.push(payload as SignInEvent)
    for (const w of signInWaiters.splice(0)) w()
  })
}, 60_000)

afterAll(async () => {
  client?.dispose()
  await cliRuns?.catch(() => {})
  await Promise.all([starttlsPeer?.close(), tlsPeer?.close(), ...cliPeers.map((p) => p.close()), provider?.close(), proxyTrap?.close(), imapTrap?.close(), issuer?.close()])
  await removeTempDirs()
  removeCaFile(caFile)
  const total = { outputs: 0, events: 0, files: 0, bytes: 0, hits: 0 }
  for (const [name, t] of tallies) {
    if (name === 'control') continue
    total.outputs += t.outputs
    total.events += t.events
    total.files += t.files
    total.bytes += t.bytes
    total.hits += t.hits.length
  }
  const flows = [...tallies.keys()].filter((k) => k !== 'control' && k !== 'setup')
  console.log(
    `secrets canary: ${flows.length} flows (${flows.join(', ')}); scanned ${total.outputs} outputs, ${total.events} events, ${total.files} files, ` +
      `${total.bytes} bytes for ${SECRETS.length} needles (and ${oauthNeedles} from OAuth2 sign-ins in the CLI's); ${total.hits} hits (positive control: ${tallyOf('control').hits.length} planted forms found); ` +
      `${((Date.now() - started) / 1000).toFixed(1)} s`,
  )
})

/** Dispatches like a window: the answer envelope is scanned; a refusal throws. */
async function call<K extends OperationName>(name: K, payload: unknown): Promise<OperationOutputs[K]> {
  const env = await client.dispatch(name, payload)
  scan('outputs', `${name} answer`, JSON.stringify(env))
  if (!env.ok) throw new Error(`${name} refused: ${env.error.code} ${env.error.message}`)
  return env.value
}

/** A refused dispatch (its answer scanned too). */
async function refusal(name: OperationName, payload: unknown): Promise<{ code: string; message: string }> {
  const env = await client.dispatch(name, payload)
  scan('outputs', `${name} refusal`, JSON.stringify(env))
  expect(env.ok, `${name} should have been refused`).toBe(false)
  return env.ok ? { code: '', message: '' } : env.error
}

type JobOp = 'runSmtp' | 'runApi' | 'runProbe' | 'runProfile' | 'runCompare'
/** Starts a job and waits for its result (its events, the result included, are scanned as the renderer gets them). */
async function job<R extends AnyJobResult>(name: JobOp, payload: unknown): Promise<R> {
  const { jobId } = await call(name, payload)
  return waiting.result<R>(jobId)
}

const transcript = (r: AnyJobResult): string => r.transcript.map((l) => `${l.dir} ${l.text}`).join('\n')

/** Resolves with the first sign-in event (pushed to this caller) that `match` accepts. */
function signInEvent<T extends SignInEvent>(match: (e: SignInEvent) => e is T): Promise<T> {
  return new Promise((resolve) => {
    const check = () => {
      const found = signInEvents.find(match)
      if (found) resolve(found)
      else signInWaiters.push(check)
    }
    check()
  })
}
const doneOf = (jobId: string) => signInEvent((e): e is Extract<SignInEvent, { type: 'done' }> => e.type === 'done' && e.jobId === jobId)

function fieldsOf(p: Profile): Record<string, unknown> {
  const { id: _i, createdAt: _c, updatedAt: _u, hasSecret: _h, hasProxySecret: _ph, hasMailboxSecret: _m, hasDkimKey: _d, ...fields } = p as Profile & { signIn?: unknown }
  delete fields.signIn
  return fields
}

// ── Positive control ─────────────────────────────────────────────────────────

describe('the scanner (positive control)', () => {
  it('finds each canary planted plain, base64 in AUTH PLAIN / LOGIN / XOAUTH2, hex and URL-encoded, also inside JSON', () => {
    flow = 'control'
    const b64 = (s: string, enc: BufferEncoding = 'utf8') => Buffer.from(s, enc).toString('base64')
    const plantings = (value: string, user: string): [string, string][] => [
      ['plain', `535 bad password ${value}`],
      ['base64 AUTH PLAIN', `C: AUTH PLAIN ${b64(`\0${user}\0${value}`)}`],
      ['base64 AUTH LOGIN', `C: ${b64(value)}`],
      ['base64 XOAUTH2', `C: AUTH XOAUTH2 ${b64(`user=${user}\x01auth=Bearer ${value}\x01\x01`)}`],
      ['hex', `dump ${Buffer.from(value, 'utf8').toString('hex')}`],
      ['URL-encoded', `GET /x?key=${encodeURIComponent(value)}`],
      ['form-encoded', `key=${new URLSearchParams({ k: value }).toString().slice(2)}`],
      ['Basic auth', `Authorization: Basic ${b64(`api:${value}`)}`],
      ['a cut-short stem', `key=${value.slice(0, value.indexOf(RUN) + RUN.length)}…`],
    ]
    let planted = 0
    for (const { value, user } of SECRETS.filter((s) => s.user !== undefined)) {
      for (const [label, text] of plantings(value, user!)) {
        for (const haystack of [text, JSON.stringify({ text })]) {
          const before = tallyOf('control').hits.length
          scan('outputs', `control ${label}`, haystack, 'control')
          expect(tallyOf('control').hits.length, `${label} of ${JSON.stringify(value)} in ${JSON.stringify(haystack.slice(0, 60))}`).toBeGreaterThan(before)
          planted++
        }
      }
    }
    // Latin-1 header bytes, as an HTTP key travels on the wire.
    for (const value of [C.apiKey, C.badKey]) {
      const before = tallyOf('control').hits.length
      scan('outputs', 'control Latin-1', `x ${b64(value, 'latin1')} ${Buffer.from(value, 'latin1').toString('hex')}`, 'control')
      expect(tallyOf('control').hits.length - before).toBeGreaterThanOrEqual(2)
    }
    expect(planted).toBeGreaterThan(100)
    // A piece of a canary, as V8 quotes ten characters of the text JSON.parse choked on.
    for (const value of Object.values(C)) {
      let message = ''
      try {
        JSON.parse(`{"password": ${value}}`)
      } catch (err) {
        message = (err as Error).message
      }
      const before = tallyOf('control').hits.length
      scan('outputs', 'control JSON.parse error', message, 'control')
      expect(tallyOf('control').hits.length, message).toBeGreaterThan(before)
    }
    // And the canaries really carry characters that each encoding changes.
    for (const v of Object.values(C)) {
      expect(encodeURIComponent(v)).not.toBe(v)
      expect(Buffer.from(v, 'utf8').length).toBeGreaterThan(v.length)
      expect(JSON.stringify(v).slice(1, -1)).not.toBe(v)
    }
    expect(tallyOf('control').hits.length).toBeGreaterThan(planted)
  })
})

// ── SMTP: each AUTH mechanism, STARTTLS and implicit TLS, verify / send / wrong password ─────

const METHODS = [
  ['plain', 'PLAIN'],
  ['login', 'LOGIN'],
  ['cram-md5', 'CRAM-MD5'],
  ['xoauth2', 'XOAUTH2'],
] as const

describe('flows', () => {
  it('SMTP: verify and send with PLAIN, LOGIN, CRAM-MD5 and XOAUTH2 over STARTTLS and implicit TLS, and a wrong password for each', async () => {
    flow = 'smtp'
    const authsBefore = starttlsPeer.auths.length + tlsPeer.auths.length
    for (const [peer, security] of [
      [starttlsPeer, 'starttls'],
      [tlsPeer, 'tls'],
    ] as const) {
      const base = { host: '127.0.0.1', port: peer.port, security, tls: { caFile } }
      for (const [method, mech] of METHODS) {
        const user = method === 'xoauth2' ? OAUTH_USER : SMTP_USER
        const secret = method === 'xoauth2' ? C.token : C.password
        const verify = await job<SmtpResult>('runSmtp', { ...base, auth: { method, user, secret }, stopAfter: 'auth' })
        expect(verify.ok, `${security} ${mech} verify: ${verify.error?.message}`).toBe(true)
        expect(verify.authMethodUsed).toBe(mech)
        expect(transcript(verify)).toContain('[redacted]')
        const send = await job<SmtpResult>('runSmtp', { ...base, auth: { method, user, secret }, message: MESSAGE, showUsername: true })
        expect(send.ok, `${security} ${mech} send: ${send.error?.message}`).toBe(true)
        const wrong = await job<SmtpResult>('runSmtp', { ...base, auth: { method, user, secret: C.wrongPassword }, stopAfter: 'auth' })
        expect(wrong.ok).toBe(false)
        expect(wrong.error?.code, `${security} ${mech} wrong password`).toBe('AUTH_FAILED')
      }
      // 'auto' picks the best mechanism; a failed one with the username shown.
      const auto = await job<SmtpResult>('runSmtp', { ...base, auth: { method: 'auto', user: SMTP_USER, secret: C.wrongPassword }, message: MESSAGE, showUsername: true })
      expect(auto.error?.code).toBe('AUTH_FAILED')
    }
    // OAUTHBEARER (smtp-server has none): a scripted peer takes the canary token and refuses the wrong one with RFC 7628's challenge.
    const bearer = await authPeer({
      mechanisms: ['XOAUTH2', 'OAUTHBEARER'],
      tls: await serverCert('good'),
      answer: (a) =>
        a.secret === C.token && a.user === OAUTH_USER ? { accept: true } : { challenge: { status: 'invalid_token', scope: 'smtp' }, reply: ['535 5.7.8 Authentication credentials invalid'] },
    })
    try {
      for (const secret of [C.token, C.wrongPassword]) {
        const r = await job<SmtpResult>('runSmtp', {
          host: '127.0.0.1',
          port: bearer.port,
          security: 'tls',
          tls: { caFile },
          auth: { method: 'auto', user: OAUTH_USER, secret, secretKind: 'token' },
          stopAfter: 'auth',
        })
        expect([r.authMethodUsed, r.error?.code ?? null]).toEqual(['OAUTHBEARER', secret === C.token ? null : 'AUTH_FAILED'])
      }
      expect(bearer.attempts.map((a) => [a.attempt.secret, a.afterChallenge])).toEqual([
        [C.token, []],
        [C.wrongPassword, ['AQ==']],
      ])
    } finally {
      await bearer.close()
    }
    // The canaries really crossed the wire, and were really checked by the server.
    const auths = [...starttlsPeer.auths, ...tlsPeer.auths]
    expect(auths.length - authsBefore).toBeGreaterThanOrEqual(2 * (3 * 4 + 1))
    for (const [, mech] of METHODS) {
      expect(auths.filter((a) => a.method === mech && a.ok)).toHaveLength(4)
      expect(auths.filter((a) => a.method === mech && !a.ok).length).toBeGreaterThanOrEqual(2)
    }
    expect(starttlsPeer.received.length + tlsPeer.received.length).toBe(8)
    expectClean('smtp', ['outputs', 'events'])
  })

  it('profiles: SMTP and API profiles saved with the canaries, run, duplicated, imported with inline secrets', async () => {
    flow = 'profiles'
    const smtpProfile = (name: string, peer: SmtpPeer, security: 'starttls' | 'tls', authMethod: string, username: string) => ({
      kind: 'smtp',
      name,
      host: '127.0.0.1',
      port: peer.port,
      security,
      authMethod,
      username,
      tls: { caFile },
      defaults: DEFAULTS,
    })
    for (const [method] of METHODS) {
      const p = await call('saveProfile', {
        profile: smtpProfile(`SMTP ${method}`, method === 'xoauth2' ? tlsPeer : starttlsPeer, method === 'xoauth2' ? 'tls' : 'starttls', method, method === 'xoauth2' ? OAUTH_USER : SMTP_USER),
        secret: { primary: method === 'xoauth2' ? C.token : C.password },
      })
      expect(p.hasSecret).toBe(true)
      for (const action of ['verify', 'envelope', 'send'] as const) {
        const r = await job<SmtpResult>('runProfile', { profileId: p.id, action, ...(action === 'send' ? { message: { subject: 'profile send', text: 'x' } } : {}) })
        expect(r.ok, `${method} ${action}: ${r.error?.message}`).toBe(true)
      }
    }
    const wrong = await call('saveProfile', { profile: smtpProfile('SMTP wrong password', tlsPeer, 'tls', 'auto', SMTP_USER), secret: { primary: C.wrongPassword } })
    expect((await job<SmtpResult>('runProfile', { profileId: wrong.id, action: 'verify' })).error?.code).toBe('AUTH_FAILED')
    const copy = await call('duplicateProfile', { id: wrong.id })
    expect(copy.hasSecret).toBe(true)
    expect((await job<SmtpResult>('runProfile', { profileId: copy.id, action: 'send', message: { subject: 's', text: 't' } })).error?.code).toBe('AUTH_FAILED')
    // Re-saving without a secret keeps it; the answer never carries it.
    await call('saveProfile', { id: copy.id, profile: { ...fieldsOf(copy), name: 'SMTP wrong password (renamed)' } })

    // An import with inline credentials (the sandbox export format): they go to the secret store.
    const doc: ProfilesExport = {
      format: 'mailprobe-profiles',
      version: 1,
      exportedAt: new Date().toISOString(),
      profiles: [
        { ...(smtpProfile('Imported SMTP', starttlsPeer, 'starttls', 'login', SMTP_USER) as object), password: C.password } as ProfilesExport['profiles'][number],
        { kind: 'api', name: 'Imported SendGrid', provider: 'sendgrid', baseUrl: provider.origin, sandbox: false, key: C.apiKey, tls: { caFile, insecure: false }, defaults: DEFAULTS },
      ],
    }
    const imported = await call('importProfiles', { content: JSON.stringify(doc) })
    expect(imported.imported.map((p) => p.hasSecret)).toEqual([true, true])
    expect((await job<SmtpResult>('runProfile', { profileId: imported.imported[0]!.id, action: 'verify' })).ok).toBe(true)
    expect((await job<ApiResult>('runProfile', { profileId: imported.imported[1]!.id, action: 'api-verify' })).ok).toBe(true)

    // Profiles whose Network section goes through a proxy that wants a login: SOCKS5 for SMTP (with
    // its own AUTH secret too), HTTP CONNECT for an API. The proxy password is saved, kept, run,
    // duplicated with the profile, and never answered back.
    const trapped = proxyTrap.received.length
    const socks = { family: 'ipv4', proxy: { url: `socks5://${PROXY_USER}@127.0.0.1:${proxyTrap.port}` } }
    const viaSocks = await call('saveProfile', {
      profile: { ...smtpProfile('SMTP via proxy', starttlsPeer, 'starttls', 'plain', SMTP_USER), network: socks },
      secret: { primary: C.password },
      proxyPassword: C.proxyPassword,
    })
    expect(viaSocks).toMatchObject({ hasSecret: true, hasProxySecret: true, network: socks })
    const http = { family: 'auto', proxy: { url: `http://${PROXY_USER}@127.0.0.1:${proxyTrap.port}` } }
    const viaHttp = await call('saveProfile', {
      profile: { kind: 'api', name: 'API via proxy', provider: 'sendgrid', baseUrl: provider.origin, tls: { caFile }, defaults: DEFAULTS, network: http },
      secret: { primary: C.apiKey },
      proxyPassword: C.proxyPassword,
    })
    expect(viaHttp).toMatchObject({ hasSecret: true, hasProxySecret: true })
    // The proxy refuses each run; how far the run got does not matter here, only that nothing leaks.
    await job<SmtpResult>('runProfile', { profileId: viaSocks.id, action: 'verify' })
    await job<SmtpResult>('runProfile', { profileId: viaSocks.id, action: 'send', message: { subject: 's', text: 't' } })
    await job<ApiResult>('runProfile', { profileId: viaHttp.id, action: 'api-verify' })
    await job<ApiResult>('runProfile', { profileId: viaHttp.id, action: 'api-send', message: { subject: 's', text: 't' } })
    const proxyCopy = await call('duplicateProfile', { id: viaHttp.id })
    expect(proxyCopy.hasProxySecret).toBe(true)
    await call('saveProfile', { id: proxyCopy.id, profile: { ...fieldsOf(proxyCopy), name: 'API via proxy (renamed)' } })
    await job<ApiResult>('runProfile', { profileId: proxyCopy.id, action: 'api-verify' })

    const listed = await call('listProfiles', {})
    expect(listed.profiles.length).toBeGreaterThanOrEqual(11)
    expectClean('profiles', ['outputs', 'events'])
    // The proxy password really went out (to the proxy, and only there).
    const sentToProxy = Buffer.concat(proxyTrap.received.slice(trapped)).toString('latin1')
    expect(findSecretLeaks(sentToProxy, [{ value: C.proxyPassword, user: PROXY_USER }]).length, 'the proxy password never reached the proxy').toBeGreaterThan(0)
  })

  it('delivery proof: a profile with a watched mailbox (its password saved) and a DKIM key (pasted, and from a file), sent, duplicated, refused', async () => {
    flow = 'delivery'
    // The key file is the user's own (outside the data folder and the exports, so not scanned).
    const keyFile = join(await tempDir(), 'dkim-canary.pem')
    await writeFile(keyFile, DKIM_KEY)
    const mailbox = { kind: 'imap', host: '127.0.0.1', port: imapTrap.port, security: 'none', user: MAILBOX_USER, timeoutMs: 5000 }
    const profile = (name: string, dkim: object) => ({
      kind: 'smtp',
      name,
      host: '127.0.0.1',
      port: starttlsPeer.port,
      security: 'starttls',
      authMethod: 'plain',
      username: SMTP_USER,
      tls: { caFile },
      defaults: DEFAULTS,
      mailbox,
      dkim: { domain: 'example.test', selector: 'canary', ...dkim },
    })
    const pasted = await call('saveProfile', { profile: profile('Watched, key pasted', {}), secret: { primary: C.password }, mailboxPassword: C.mailboxPassword, dkimKey: DKIM_KEY })
    expect(pasted).toMatchObject({ hasSecret: true, hasMailboxSecret: true, hasDkimKey: true })
    const fromFile = await call('saveProfile', { profile: profile('Watched, key file', { keyFile }), secret: { primary: C.password }, mailboxPassword: C.mailboxPassword })
    const trapped = imapTrap.received.length
    for (const p of [pasted, fromFile]) {
      // The message is signed and accepted; the mailbox refuses the login: the run says so, and nothing leaks.
      const r = await job<SmtpResult>('runProfile', { profileId: p.id, action: 'send', message: { subject: 'watched send', text: 'x' } })
      expect(r.result.response, JSON.stringify(r.error)).toMatch(/^250/)
      expect(r.dkim).toMatchObject({ domain: 'example.test', selector: 'canary' })
      expect(r.error?.code).toBe('IMAP_AUTH_FAILED')
    }
    const copy = await call('duplicateProfile', { id: pasted.id })
    expect(copy).toMatchObject({ hasMailboxSecret: true, hasDkimKey: true })
    await call('saveProfile', { id: copy.id, profile: { ...fieldsOf(copy), name: 'Watched (renamed)' } })
    expect((await job<SmtpResult>('runProfile', { profileId: copy.id, action: 'send', message: { subject: 's', text: 't' } })).error?.code).toBe('IMAP_AUTH_FAILED')
    expectClean('delivery', ['outputs', 'events'])
    // The mailbox password really went out (to the mailbox server, and only there).
    const sentToMailbox = Buffer.concat(imapTrap.received.slice(trapped)).toString('latin1')
    expect(findSecretLeaks(sentToMailbox, [{ value: C.mailboxPassword, user: MAILBOX_USER }]).length, 'the mailbox password never reached the mailbox server').toBeGreaterThan(0)
  })

  it('HTTPS APIs: send, key check and a bad key for every provider, direct and from saved profiles', async () => {
    flow = 'api'
    const providers: Exclude<ApiProvider, 'generic'>[] = ['mailgun', 'sendgrid', 'postmark', 'ses', 'resend', 'mailjet', 'sparkpost', 'brevo']
    const creds = (p: ApiProvider, good: boolean) =>
      p === 'ses'
        ? { key: SES_AKID, secret: good ? C.apiSecret : C.badKey, sessionToken: C.sessionToken }
        : p === 'mailjet'
          ? { key: MJ_PUBLIC, secret: good ? C.apiSecret : C.badKey }
          : { key: good ? C.apiKey : C.badKey }
    const extra = (p: ApiProvider) => (p === 'mailgun' ? { domain: MAILGUN_DOMAIN } : {})
    const base = { baseUrl: provider.origin, tls: { caFile } }
    for (const p of providers) {
      const send = await job<ApiResult>('runApi', { provider: p, credentials: creds(p, true), ...extra(p), ...base, message: MESSAGE })
      expect(send.ok, `${p} send: ${send.error?.message}`).toBe(true)
      if (!['postmark', 'ses', 'resend'].includes(p)) {
        const sandboxed = await job<ApiResult>('runApi', { provider: p, credentials: creds(p, true), ...extra(p), ...base, message: MESSAGE, sandbox: true })
        expect(sandboxed.ok, `${p} sandbox send: ${sandboxed.error?.message}`).toBe(true)
      }
      const verify = await job<ApiResult>('runApi', { provider: p, action: 'verify', credentials: creds(p, true), ...extra(p), ...base })
      expect(verify.ok, `${p} verify: ${verify.error?.message}`).toBe(true)
      for (const action of ['send', 'verify'] as const) {
        const bad = await job<ApiResult>('runApi', { provider: p, action, credentials: creds(p, false), ...extra(p), ...base, ...(action === 'send' ? { message: MESSAGE } : {}) })
        expect(bad.ok).toBe(false)
        expect(bad.error?.code, `${p} bad key ${action}`).toBe('HTTP_AUTH_FAILED')
      }
      // The same from a saved profile (SES and Mailjet keep the public half in the profile, the secret halves in the store).
      const profile = await call('saveProfile', {
        profile: {
          kind: 'api',
          name: `API ${p}`,
          provider: p,
          baseUrl: provider.origin,
          ...extra(p),
          ...(p === 'ses' ? { keyId: SES_AKID } : p === 'mailjet' ? { keyId: MJ_PUBLIC } : {}),
          tls: { caFile },
          defaults: DEFAULTS,
        },
        secret: p === 'ses' ? { primary: C.apiSecret, sessionToken: C.sessionToken } : p === 'mailjet' ? { primary: C.apiSecret } : { primary: C.apiKey },
      })
      for (const action of ['api-send', 'api-verify', 'api-sandbox'] as const) {
        if (action === 'api-sandbox' && ['postmark', 'ses', 'resend'].includes(p)) continue
        const r = await job<ApiResult>('runProfile', { profileId: profile.id, action, ...(action === 'api-verify' ? {} : { message: { subject: 'profile send', text: 'x' } }) })
        expect(r.ok, `${p} profile ${action}: ${r.error?.message}`).toBe(true)
      }
      const badProfile = await call('duplicateProfile', { id: profile.id })
      await call('saveProfile', { id: badProfile.id, profile: fieldsOf(badProfile), secret: { primary: C.badKey } })
      expect((await job<ApiResult>('runProfile', { profileId: badProfile.id, action: 'api-verify' })).error?.code).toBe('HTTP_AUTH_FAILED')
    }
    // The generic endpoint: the key as bearer, as basic (with the secret), in a named header, and in header / body templates.
    const hook = (auth: string, more: object = {}) => ({ url: `${provider.origin}/hook/canary`, auth, ...more })
    const generics = [
      { credentials: { key: C.apiKey }, generic: hook('bearer') },
      { credentials: { key: C.apiKey, secret: C.apiSecret }, generic: hook('basic', { headers: [{ name: 'X-Signature', value: 'sig {{secret}}' }] }) },
      { credentials: { key: C.apiKey }, generic: hook('header', { authHeader: 'X-Api-Key' }) },
      {
        credentials: { key: C.apiKey, secret: C.apiSecret },
        generic: hook('bearer', { bodyTemplate: JSON.stringify({ from: '{{from}}', to: '{{to[]}}', subject: '{{subject}}', text: '{{text}}', apiKey: '{{key}}', sig: '{{secret}}' }) }),
      },
      { credentials: { key: C.apiKey, secret: C.apiSecret }, generic: hook('bearer', { bodyFormat: 'form', bodyTemplate: 'from={{from}}&to={{to}}&key={{key}}&secret={{secret}}' }) },
    ]
    for (const g of generics) {
      const r = await job<ApiResult>('runApi', { provider: 'generic', ...g, tls: { caFile }, message: MESSAGE })
      expect(r.ok, `generic ${g.generic.auth}: ${r.error?.message}`).toBe(true)
    }
    const badGeneric = await job<ApiResult>('runApi', { provider: 'generic', credentials: { key: C.badKey }, generic: hook('bearer'), tls: { caFile }, message: MESSAGE })
    expect(badGeneric.error?.code).toBe('HTTP_AUTH_FAILED')
    // The keys really went out (the scanner sees them in what the server received).
    expect(provider.problems).toEqual([])
    // (All but SES runs without a session token: a SigV4 request carries only an HMAC of the secret.)
    const carried = provider.requests.filter((r) => findSecretLeaks(JSON.stringify(r.headers) + r.body.toString('latin1'), SECRETS).length > 0)
    const sigOnly = (r: (typeof provider.requests)[number]) => r.provider === 'ses' && !r.headers['x-amz-security-token']
    expect(carried.length).toBeGreaterThan(60)
    expect(provider.requests.filter((r) => !carried.includes(r) && !sigOnly(r)).map((r) => `${r.method} ${r.path} ${JSON.stringify(r.headers)}`)).toEqual([])
    expectClean('api', ['outputs', 'events'])
  })

  it('probe: both SMTP peers probed while profiles with secrets are saved', async () => {
    flow = 'probe'
    expect(services.secrets.has(services.profiles.list().find((p) => p.name === 'SMTP plain')!.id)).toBe(true)
    const r = await job<ProbeResult>('runProbe', { host: '127.0.0.1', ports: [starttlsPeer.port, tlsPeer.port], timeoutMs: 3000, tls: { caFile } })
    expect(r.ok, r.error?.message).toBe(true)
    expect(transcript(r)).toMatch(/EHLO/)
    expectClean('probe', ['outputs', 'events'])
  })

  it('lab: SMTP and API profiles compared, cold and warm, verify and send, with a failing profile and a cancelled run', async () => {
    flow = 'lab'
    const byName = (n: string) => services.profiles.list().find((p) => p.name === n)!.id
    const sets = [
      { profileIds: [byName('SMTP plain'), byName('SMTP xoauth2'), byName('API sendgrid'), byName('API ses')], runs: 2, mode: 'cold', action: 'verify' },
      { profileIds: [byName('SMTP cram-md5'), byName('API mailjet'), byName('API mailgun')], runs: 2, mode: 'warm', action: 'send', apiSandbox: true },
      { profileIds: [byName('SMTP login'), byName('SMTP wrong password'), byName('API brevo')], runs: 2, mode: 'warm', action: 'verify' },
      { profileIds: [byName('SMTP xoauth2'), byName('API postmark')], runs: 2, mode: 'cold', action: 'send', concurrency: 2 },
      // Through the proxy that refuses (the proxy password in the jobs).
      { profileIds: [byName('SMTP via proxy'), byName('API via proxy')], runs: 1, mode: 'warm', action: 'verify' },
    ]
    const results: CompareResult[] = []
    for (const s of sets) results.push(await job<CompareResult>('runCompare', s))
    expect(results.map((r) => r.completed)).toEqual([8, 6, 6, 4, 2])
    expect(results[0]!.ok && results[1]!.ok && results[3]!.ok, results.map((r) => r.error?.message).join(' | ')).toBe(true)
    expect(results[2]!.profiles[1]!.errors).toHaveProperty('AUTH_FAILED')
    // A long run cancelled at once.
    const { jobId } = await call('runCompare', { profileIds: [byName('SMTP plain'), byName('API resend')], runs: 200, action: 'verify' })
    await call('cancelJob', { jobId })
    const cancelled = await waiting.result<CompareResult>(jobId)
    expect(cancelled.cancelled).toBe(true)
    results.push(cancelled)
    // What the Lab tab exports (CSV and JSON), saved the way the renderer saves it.
    for (const [i, r] of results.entries()) {
      for (const [ext, content] of [
        ['csv', compareToCsv(r)],
        ['json', compareToJson(r)],
      ] as const) {
        const saved = await call('saveFile', { suggestedName: `lab-${i}.${ext}`, content })
        scan('files', `lab export ${saved.path}`, await readFile(saved.path!, 'utf8'))
      }
    }
    expectClean('lab', ['outputs', 'events', 'files'])
  })

  it('sandbox: its profiles run, copies with canary credentials fail cleanly, Inbox, latency, restart, restore', async () => {
    flow = 'sandbox'
    const status = await call('getSandboxStatus', {})
    expect(status.running).toBe(true)
    const ids = status.profiles
    expect(ids.starttls && ids.tls && ids.api).toBeTruthy()
    const sent = await job<SmtpResult>('runProfile', { profileId: ids.starttls!, action: 'send', message: { subject: 'through the sandbox', text: 'x' } })
    expect(sent.ok, sent.error?.message).toBe(true)
    expect((await job<SmtpResult>('runProfile', { profileId: ids.tls!, action: 'verify' })).ok).toBe(true)
    const apiSent = await job<ApiResult>('runProfile', { profileId: ids.api!, action: 'api-send', message: { subject: 'through the sandbox API', text: 'x' } })
    expect(apiSent.ok, apiSent.error?.message).toBe(true)

    // Copies of the sandbox profiles holding the user's own (here: wrong) credentials.
    const smtpCopy = await call('duplicateProfile', { id: ids.starttls! })
    await call('saveProfile', { id: smtpCopy.id, profile: fieldsOf(smtpCopy), secret: { primary: C.wrongPassword } })
    const apiCopy = await call('duplicateProfile', { id: ids.api! })
    await call('saveProfile', { id: apiCopy.id, profile: fieldsOf(apiCopy), secret: { primary: C.badKey } })
    const runCopies = async () => {
      expect((await job<SmtpResult>('runProfile', { profileId: smtpCopy.id, action: 'send' })).error?.code).toBe('AUTH_FAILED')
      expect((await job<ApiResult>('runProfile', { profileId: apiCopy.id, action: 'api-verify' })).error?.code).toBe('HTTP_AUTH_FAILED')
      expect((await job<ApiResult>('runProfile', { profileId: apiCopy.id, action: 'api-send', message: { subject: 's', text: 't' } })).error?.code).toBe('HTTP_AUTH_FAILED')
    }
    await runCopies()
    // Direct runs against the sandbox with the canaries.
    const info = (await call('getSandboxStatus', {})).info!
    const direct = await job<SmtpResult>('runSmtp', {
      host: '127.0.0.1',
      port: info.smtp.tls,
      security: 'tls',
      tls: { caFile: info.caFile! },
      auth: { method: 'login', user: 'sandbox-user', secret: C.wrongPassword },
      message: MESSAGE,
    })
    expect(direct.error?.code).toBe('AUTH_FAILED')
    const inbox = await call('listInbox', { limit: 50 })
    expect(inbox.messages.length).toBeGreaterThanOrEqual(2)
    for (const m of inbox.messages) expect(await call('getInboxMessage', { id: m.id })).not.toBeNull()
    await call('setSandboxLatency', { rttMs: 0, thinkMs: 0 })
    // A restart moves the ports: the copies follow them, keeping their own secrets.
    await call('setSandboxEnabled', { enabled: false })
    await call('setSandboxEnabled', { enabled: true })
    await call('restoreSandboxProfiles', {})
    await runCopies()
    await call('clearInbox', {})
    expectClean('sandbox', ['outputs', 'events'])
  })

  it('OAuth2: profiles signed in through the browser, a device code (one cancelled) and client credentials; runs renew and use the tokens; sign out', async () => {
    flow = 'oauth'
    type TokenResponse = { statusCode: number; body: Record<string, unknown> }
    type TokenRequest = { body: Record<string, unknown> }
    const appIssuer = await startOAuthIssuer()
    const keys = createRemoteJWKSet(new URL(`${appIssuer.url}/jwks`))
    // The issuer hands out canaries: a short-lived first token (so the first run renews it), the renewed one, the app's.
    appIssuer.mock.service.on('beforeResponse', (res: TokenResponse, req: TokenRequest) => {
      if (res.statusCode !== 200 || typeof res.body.access_token !== 'string') return
      const grant = req.body.grant_type
      if (grant === 'authorization_code') Object.assign(res.body, { access_token: C.oauthAccess, refresh_token: C.refreshToken, expires_in: 60 })
      else if (grant === 'refresh_token') Object.assign(res.body, { access_token: C.oauthRenewed, refresh_token: C.refreshRenewed })
      else if (grant === 'client_credentials') res.body.access_token = C.oauthAppToken
    })
    // A server that takes the canary tokens (and the device flow's, which the issuer signs itself), and records what it was given.
    const given: string[] = []
    const appPeer = await startSmtpPeer({
      mode: 'tls',
      authMethods: ['XOAUTH2'],
      verifyToken: async (token) => {
        given.push(token)
        if ([C.oauthAccess, C.oauthRenewed, C.oauthAppToken].includes(token)) return true
        return jwtVerify(token, keys, { issuer: appIssuer.url }).then(
          () => true,
          () => false,
        )
      },
    })
    try {
      const oauthProfile = (name: string, flowName: 'browser' | 'device' | 'client-credentials', more: Record<string, unknown> = {}) => ({
        kind: 'smtp',
        name,
        host: '127.0.0.1',
        port: appPeer.port,
        security: 'tls',
        authMethod: 'xoauth2',
        tls: { caFile },
        defaults: { from: TEST_ACCOUNT, to: ['rcpt@example.test'] },
        oauth: { provider: 'generic', issuer: appIssuer.url, clientId: 'mailprobe-canary-app', flow: flowName, scopes: ['openid', 'email', 'offline_access'] },
        ...more,
      })
      // Browser: this host has no shell, so the page is told the address; "the page" follows it.
      const browserProfile = await call('saveProfile', { profile: oauthProfile('OAuth browser', 'browser') })
      const b = await call('oauthSignIn', { profileId: browserProfile.id })
      const page = await signInEvent((e): e is Extract<SignInEvent, { type: 'browser' }> => e.type === 'browser' && e.jobId === b.jobId)
      expect(page.opened).toBe(false)
      await followAuthorization(page.url)
      expect(await doneOf(b.jobId)).toMatchObject({ ok: true, signIn: { account: TEST_ACCOUNT } })
      // Runs: the first renews the token (it had a minute left), then verify, envelope and send use the new one.
      for (const action of ['verify', 'envelope', 'send'] as const) {
        const r = await job<SmtpResult>('runProfile', { profileId: browserProfile.id, action, ...(action === 'send' ? { message: { subject: 'oauth send', text: 'x' } } : {}) })
        expect(r.ok, `${action}: ${r.error?.message}`).toBe(true)
      }
      expect(given.filter((t) => t === C.oauthRenewed)).toHaveLength(3)
      expect(transcript(await job<SmtpResult>('runProfile', { profileId: browserProfile.id, action: 'verify' }))).not.toMatch(/OAuth2: the access token/)

      // Device: one sign-in cancelled while it waits, one finished.
      const deviceProfile = await call('saveProfile', { profile: oauthProfile('OAuth device', 'device') })
      const cancelled = await call('oauthSignIn', { profileId: deviceProfile.id })
      await signInEvent((e): e is Extract<SignInEvent, { type: 'device' }> => e.type === 'device' && e.jobId === cancelled.jobId)
      await call('cancelJob', { jobId: cancelled.jobId })
      expect(await doneOf(cancelled.jobId)).toMatchObject({ ok: false, error: { code: 'CANCELLED' } })
      const d = await call('oauthSignIn', { profileId: deviceProfile.id })
      const code = await signInEvent((e): e is Extract<SignInEvent, { type: 'device' }> => e.type === 'device' && e.jobId === d.jobId)
      appIssuer.approve(code.code.userCode)
      expect(await doneOf(d.jobId)).toMatchObject({ ok: true })
      expect((await job<SmtpResult>('runProfile', { profileId: deviceProfile.id, action: 'verify' })).ok).toBe(true)
      const deviceSignIn = (await services.secrets.getSignIn(deviceProfile.id))!

      // Client credentials: the app's secret is the profile's write-only secret; its token renews with it.
      const appProfile = await call('saveProfile', { profile: oauthProfile('OAuth app', 'client-credentials', { username: OAUTH_USER }), secret: { primary: C.clientSecret } })
      expect(appProfile.hasSecret).toBe(true)
      const a = await call('oauthSignIn', { profileId: appProfile.id })
      expect(await doneOf(a.jobId)).toMatchObject({ ok: true, signIn: { account: null, renewable: true } })
      expect((await job<SmtpResult>('runProfile', { profileId: appProfile.id, action: 'send', message: { subject: 'app send', text: 'x' } })).ok).toBe(true)
      expect(given).toContain(C.oauthAppToken)
      // A copy needs a sign-in of its own; renaming keeps one.
      const copy = await call('duplicateProfile', { id: browserProfile.id })
      expect(copy).toMatchObject({ signIn: null })
      await call('saveProfile', { id: appProfile.id, profile: { ...fieldsOf(appProfile), name: 'OAuth app (renamed)' } })
      expect((await call('listProfiles', {})).profiles.find((p) => p.id === appProfile.id)).toMatchObject({ signIn: { flow: 'client-credentials' } })
      await call('oauthSignOut', { profileId: deviceProfile.id })
      await call('exportProfiles', { ids: [browserProfile.id, deviceProfile.id, appProfile.id] })

      // The secrets the core made went out to the issuer, and only there: learn them, and scan this flow again for them.
      const verifiers = appIssuer.tokenRequests.map((r) => r.form.get('code_verifier')).filter((v): v is string => !!v)
      const deviceCodes = appIssuer.grants.map((g) => g.deviceCode)
      expect(verifiers.length).toBeGreaterThanOrEqual(1)
      expect(deviceCodes).toHaveLength(2)
      const basic = appIssuer.tokenRequests.find((r) => r.grantType === 'client_credentials')!.authorization!
      expect(
        Buffer.from(basic.replace(/^Basic /, ''), 'base64')
          .toString('utf8')
          .split(':')
          .map((part) => new URLSearchParams(`x=${part}`).get('x')),
      ).toEqual(['mailprobe-canary-app', C.clientSecret])
      expect(appIssuer.tokenRequests.filter((r) => r.form.get('refresh_token') === C.refreshToken)).toHaveLength(1)
      const learned: Secret[] = [
        ...verifiers.map((value) => ({ value })),
        ...deviceCodes.map((value) => ({ value })),
        { value: deviceSignIn.secrets.accessToken, user: TEST_ACCOUNT },
        { value: deviceSignIn.secrets.refreshToken! },
      ]
      // From here on every scan looks for them too (History, exports and every file, in the last flow).
      SECRETS.push(...learned)
      for (const { kind, what, text } of oauthScanned) for (const hit of findSecretLeaks(text, learned)) tallyOf('oauth').hits.push(`${kind} ${what}: ${hit}`)
      expect(oauthScanned.filter((x) => x.what.startsWith(`push ${events.signInEvents}`)).length).toBeGreaterThan(10)
      expectClean('oauth', ['outputs', 'events'])
    } finally {
      await Promise.all([appIssuer.close(), appPeer.close()])
    }
  })

  it('refused input: payloads carrying canaries are refused without echoing them', async () => {
    flow = 'refused'
    // (Canaries go only in secret fields, or in a document that holds secrets: a profile id or a host is not one.)
    const profile = { kind: 'smtp', name: 'x', host: '127.0.0.1', port: 25, security: 'none' }
    const refusals = [
      await refusal('runApi', { provider: 'sendgrid', credentials: { key: `${C.apiKey}\n` }, baseUrl: provider.origin, message: MESSAGE }),
      await refusal('runApi', { provider: 'ses', credentials: { key: C.apiKey }, message: MESSAGE }),
      await refusal('runApi', { provider: 'mailgun', credentials: { key: C.apiKey, sessionToken: C.sessionToken }, domain: 'x.test', message: MESSAGE }),
      await refusal('runApi', { provider: 'mailjet', credentials: { key: MJ_PUBLIC, secret: C.apiSecret }, action: 'verify', sandbox: true }),
      await refusal('runApi', { provider: 'generic', credentials: { key: C.apiKey, secret: `${C.apiSecret}\r` }, generic: { url: `${provider.origin}/hook` }, message: MESSAGE }),
      await refusal('runSmtp', { host: '127.0.0.1', port: 25, auth: { method: 'plain', user: '', secret: C.password } }),
      await refusal('runSmtp', { host: '127.0.0.1', port: 25, auth: { user: SMTP_USER, secret: C.password }, stopAfter: 'rcpt' }),
      await refusal('runSmtp', { host: '127.0.0.1', port: 25, auth: { user: SMTP_USER, secret: C.password.repeat(3000) } }),
      await refusal('saveProfile', { profile: { ...profile, port: 0 }, secret: { primary: C.password } }),
      await refusal('saveProfile', { profile, secret: { primary: C.password, secondary: '' } }),
      // A proxy password inside the URL, a proxy password without a proxy, and one where the section has no place for it.
      await refusal('saveProfile', { profile: { ...profile, network: { proxy: { url: `socks5://${PROXY_USER}:${encodeURIComponent(C.proxyPassword)}@127.0.0.1:1080` } } } }),
      await refusal('saveProfile', { profile, proxyPassword: C.proxyPassword }),
      await refusal('saveProfile', { profile: { ...profile, network: { proxy: { url: `socks5://${PROXY_USER}@127.0.0.1:1080`, password: C.proxyPassword } } } }),
      await refusal('runSmtp', { host: '127.0.0.1', port: 25, network: { proxy: { url: `http://${PROXY_USER}:${encodeURIComponent(C.proxyPassword)}@127.0.0.1:3128` } } }),
      await refusal('runSmtp', { host: '127.0.0.1', port: 25, network: { proxy: { url: `http://${PROXY_USER}@127.0.0.1:3128`, password: `${C.proxyPassword}\n` } } }),
      // A damaged profiles file with an inline password (the sandbox export format has them), as content and as a picked file.
      await refusal('importProfiles', { content: `{"format":"mailprobe-profiles","version":1,"profiles":[{"kind":"smtp","password":${JSON.stringify(C.password)}` }),
      await refusal('importProfiles', { content: `{"format":"mailprobe-profiles","version":1,"profiles":[{"kind":"smtp","password": ${C.password}}]}` }),
      await refusal('importProfiles', { content: `{"format":"mailprobe-profiles","version":1,"profiles":[{"kind":"api","key":${JSON.stringify(C.apiKey)}x}]}` }),
    ]
    await writeFile(importPath, `{"format":"mailprobe-profiles","version":1,"profiles":[{"kind":"smtp","password": ${C.password}}]}`)
    await call('pickFiles', { purpose: 'import', multiple: false })
    refusals.push(await refusal('importProfiles', { path: importPath }))
    expect(refusals.map((r) => r.code)).toEqual(refusals.map(() => 'INVALID_INPUT'))
    // An import whose entries are invalid is answered, the entries skipped with reasons.
    const skipped = await call('importProfiles', {
      content: JSON.stringify({
        format: 'mailprobe-profiles',
        version: 1,
        exportedAt: 'x',
        profiles: [
          { kind: 'smtp', name: 'bad port', host: 'h', port: 99999, security: 'none', password: C.password },
          { kind: 'api', name: 'bad provider', provider: 'nope', key: C.apiKey },
          { kind: 'api', name: 'bad key type', provider: 'sendgrid', key: 42, keyEnv: C.apiKey },
        ],
      }),
    })
    expect(skipped.imported).toEqual([])
    expect(skipped.skipped).toHaveLength(3)
    expectClean('refused', ['outputs'])
  })

  // ── The CLI: stdout, stderr and argv, text and --json ─────────────────────

  it('CLI: send, verify, api, probe, compare and oauth, in text and --json, secrets from the environment and stdin', async () => {
    flow = 'cli'
    const { done, csvFile, cliDir } = await cliRuns
    const oauth = oauthSecrets()
    oauthNeedles = oauth.length
    const t = tallyOf('cli')
    const scanOAuth = (what: string, text: string) => {
      for (const hit of findSecretLeaks(text, oauth)) t.hits.push(`${what}: ${hit}`)
    }
    for (const { run, out } of done) {
      const what = `mailprobe ${run.args.slice(0, 3).join(' ')}${run.args.includes('--json') ? ' --json' : ''}`
      for (const [part, text] of [
        ['argv', JSON.stringify(run.args)],
        ['stdout', out.stdout],
        ['stderr', out.stderr],
      ] as const) {
        scan('outputs', `${what} ${part}`, text)
        scanOAuth(`${what} ${part}`, text)
      }
      expect(out.status, `${what}: ${out.stderr}${out.stdout.slice(-400)}`).toBe(run.status)
      if (run.args.includes('--json')) expect(() => JSON.parse(out.stdout) as unknown).not.toThrow()
    }
    expect(done.length).toBeGreaterThanOrEqual(35)
    // argv carries no canary in any form (scanned above), nor verbatim.
    for (const { run } of done) for (const a of run.args) for (const v of Object.values(C)) expect(a.includes(v)).toBe(false)
    scan('files', 'compare --csv', await readFile(csvFile, 'utf8'))

    // The OAuth2 needles are real: the issuer handed out tokens (one renewed), the sign-ins file holds
    // the live ones and the client secret, and the refused renewal's echo of a refresh token was redacted.
    expect(issuer.issued.length).toBeGreaterThanOrEqual(10)
    expect(issuer.grants.length).toBe(3)
    expect(issuer.tokenRequests.filter((r) => r.grantType === 'refresh_token')).toHaveLength(3)
    const signInsPath = join(cliDir, 'data', 'oauth-sign-ins.json')
    const signIns = await readFile(signInsPath, 'utf8')
    expect(signIns).toContain(JSON.stringify(C.clientSecret))
    expect(oauth.filter((n) => signIns.includes(n.value)).length).toBeGreaterThanOrEqual(6)
    const refused = done.find((d) => d.run.args.includes('gone') && d.run.args.includes('-v'))!.out.stdout
    expect(refused).toMatch(/\*\* OAUTH_SIGN_IN_AGAIN: .*\(invalid_grant: The refresh token \[redacted\] was revoked\.\)\. Sign in again\./)
    // Every other file the CLI wrote: no OAuth2 needle anywhere (its data folder holds no other copy), no canary in its data folder.
    const files = (await readTree(cliDir)).filter((f) => f.path !== signInsPath)
    for (const f of files) {
      scanOAuth(f.path, f.text)
      if (f.path.startsWith(join(cliDir, 'data'))) scan('files', f.path, f.text)
    }
    expect(files.length).toBeGreaterThanOrEqual(3)
    expectClean('cli', ['outputs', 'files'])
  }, 60_000)

  // ── Last: History and every file written ──────────────────────────────────

  it('History and files: every entry, every export, every file in the data folder', async () => {
    flow = 'history+files'
    await services.flush()
    await services.secrets.flush()
    expect(recordErrors).toEqual([])
    const list = await call('listHistory', { limit: 500 })
    expect(list.total).toBeGreaterThan(100)
    expect(list.entries).toHaveLength(list.total)
    for (const e of list.entries) {
      expect(await call('getHistoryEntry', { id: e.id })).not.toBeNull()
      for (const format of ['txt', 'json'] as const) {
        const out = await call('exportTranscript', { id: e.id, format })
        await call('saveFile', { suggestedName: `${e.id}.${format}`, content: out.content })
      }
    }
    await call('listHistory', { query: 'AUTH_FAILED' })
    // Profiles: "export all", and an explicit export of every profile (the sandbox's and the canary copies of them too).
    const all = await call('exportProfiles', {})
    await call('saveFile', { suggestedName: 'profiles-export.json', content: all.content })
    const everyId = services.profiles.list().map((p) => p.id)
    const every = await call('exportProfiles', { ids: everyId })
    await writeFile(importPath, every.content)
    await call('pickFiles', { purpose: 'import', multiple: false })
    const reimported = await call('importProfiles', { path: importPath })
    expect(reimported.imported.length).toBe(everyId.length)
    // Imported from an export, they carry no secret: the export had none to give.
    expect(reimported.imported.filter((p) => p.preset !== 'sandbox').every((p) => !p.hasSecret)).toBe(true)
    // The proxy sections come back (URL and user name), their passwords do not.
    const reimportedProxies = reimported.imported.filter((p) => p.network.proxy)
    expect(reimportedProxies.length).toBeGreaterThanOrEqual(3)
    expect(reimportedProxies.every((p) => !p.hasProxySecret)).toBe(true)
    await call('listProfiles', {})
    await call('deleteHistory', { ids: [list.entries.at(-1)!.id] })
    await services.flush()
    await services.secrets.flush()

    // Every file on disk: the data folder (secrets.json included: encrypted) and every export.
    const tree = [...(await readTree(dataDir)), ...(await readTree(exportDir))]
    const names = tree.map((f) => f.path.slice(dataDir.length))
    for (const expected of ['/profiles.json', '/secrets.json', '/settings.json']) expect(names).toContain(expected)
    expect(names.filter((n) => n.startsWith('/history/')).length).toBeGreaterThan(100)
    expect(tree.filter((f) => f.path.startsWith(exportDir)).length).toBeGreaterThan(2 * list.total)
    for (const f of tree) scan('files', f.path, f.text)
    // The secrets really are in secrets.json — encrypted — and come back out of it.
    const secretsFile = JSON.parse(await readFile(join(dataDir, 'secrets.json'), 'utf8')) as { data: { entries: Record<string, unknown> } }
    expect(Object.keys(secretsFile.data.entries).length).toBeGreaterThan(20)
    const plainId = services.profiles.list().find((p) => p.name === 'SMTP plain')!.id
    expect((await services.secrets.get(plainId))?.primary).toBe(C.password)
    expectClean('history+files', ['outputs', 'files'])
  })

  it('every flow scanned something, and nothing leaked anywhere', () => {
    const flows = [...tallies.entries()].filter(([k]) => k !== 'control')
    expect(flows.map(([k]) => k)).toEqual(expect.arrayContaining(['smtp', 'profiles', 'delivery', 'api', 'probe', 'lab', 'sandbox', 'oauth', 'refused', 'cli', 'history+files']))
    for (const [name, t] of flows) {
      expect(t.hits, name).toEqual([])
      expect(t.outputs + t.events + t.files, name).toBeGreaterThan(0)
    }
    const events = flows.reduce((n, [, t]) => n + t.events, 0)
    expect(events).toBeGreaterThan(1000)
  })
})
