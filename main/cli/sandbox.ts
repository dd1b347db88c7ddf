// `mailprobe sandbox`: the embedded sandbox in the foreground until interrupted. Self-contained:
// the dispatcher calls parseSandboxArgs(argv after the command word) and runSandboxCommand(request, io).
// Runtime imports at start-up: node:path, plus args.ts, data-dir.ts and print.ts; the sandbox itself
// is imported when the command runs.
import { resolve } from 'node:path'
import type { InboxSummary } from '../../preload/contract'
import { parseCommand, UsageError, type Command } from './args'
import { defaultDataDir } from './data-dir'
import { paint, plural, quoteInput, sanitize, SGR, useColor, type Style } from './print'

// Copies of the contract's limits (importing them would load zod at start-up); a unit test keeps them equal.
export const SANDBOX_RTT_MAX = 500
export const SANDBOX_THINK_MAX = 10_000

export const SANDBOX_HELP = `Usage: mailprobe sandbox [--rtt MS] [--think MS] [--profiles-out FILE] [--json]

Runs Mailprobe's local sandbox in the foreground until interrupted (Ctrl-C or SIGTERM): an SMTP
server on 127.0.0.1 with a STARTTLS submission port (AUTH PLAIN, LOGIN, CRAM-MD5 only after TLS),
an implicit-TLS port with AUTH and a plain port without AUTH, and an HTTPS endpoint that accepts
Mailgun-, SendGrid- and Postmark-shaped requests. It delivers nothing anywhere: every message it
accepts is kept in memory (the last 200) and printed as it arrives.

It first prints its ports and demo credentials. These are fixed, published values that protect
nothing (the sandbox is local only), which is why they may be printed and stored inline.

Options:
  --rtt MS                 simulated round-trip time, 0 to ${SANDBOX_RTT_MAX} (default 0): half is added in each
                           direction by a delay proxy in front of every port
  --think MS               server think time after DATA and before an API send's answer,
                           0 to ${SANDBOX_THINK_MAX} (default 0)
  --profiles-out FILE      write the profiles file (the app's export format) with three profiles,
                           sandbox-starttls, sandbox-tls and sandbox-api, with the demo credentials
                           inline and TLS trusting the sandbox CA. Use it with
                           mailprobe compare --profiles FILE, or import it in the app
  --ports S,T,P,A          fixed ports for STARTTLS, implicit TLS, plain and the API (0 = any free
                           port; default all 0). Fixed ports keep a profiles file valid across restarts
  --data-dir DIR           where the sandbox keeps its certificate (made on first start, reused
                           afterwards): DIR/sandbox-tls. Default: $MAILPROBE_DATA_DIR, else
                           $XDG_DATA_HOME/mailprobe or ~/.local/share/mailprobe (macOS:
                           ~/Library/Application Support/mailprobe; Windows: %APPDATA%\\mailprobe)
  --json                   machine-readable output: ONE JSON line first,
                           {"smtp":{"starttls":P,"tls":P,"plain":P},"api":{"url":U,"key":K},
                            "user":U,"password":P,"ca":CA_FILE}
                           then one JSON line per received message,
                           {"event":"message","id":…,"seq":…,"receivedAt":…,"via":"smtp"|"api",
                            "channel":…,"from":…,"to":[…],"subject":…,"size":…,"messageId":…}
                           and {"event":"stopped","received":N} when it stops
  -h, --help               this help

Each received message is one line: time, channel (starttls, tls, plain, mailgun, sendgrid,
postmark), its id (the queue id in the final SMTP reply, or the API message id), sender and
recipients, subject and size.

Exit status: 0 stopped by a signal, 1 the sandbox could not start (a port in use, an unwritable
--profiles-out or data directory), 2 bad usage.
`

export interface SandboxRunRequest {
  action: 'run'
  json: boolean
  rttMs: number
  thinkMs: number
  profilesOut: string | null
  dataDir: string | null
  ports: { starttls: number; tls: number; plain: number; api: number } | null
}

export type SandboxCliRequest = { action: 'help' } | SandboxRunRequest

const OPTIONS = {
  rtt: { type: 'string' },
  think: { type: 'string' },
  'profiles-out': { type: 'string' },
  ports: { type: 'string' },
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

/** The command's name for error messages ("mailprobe sandbox: …"); args.ts lists it once the command is wired in. */
const COMMAND: Command = 'sandbox'

/** Bad usage: exit status 2. */
function usage(message: string): UsageError {
  return new UsageError(message, COMMAND)
}

function parseMs(option: string, value: string, max: number): number {
  const n = /^\d{1,6}$/.test(value.trim()) ? Number(value.trim()) : NaN
  if (!(n >= 0 && n <= max)) throw usage(`${option} takes whole milliseconds from 0 to ${max} (got ${quoteInput(value)})`)
  return n
}

/** The words after `mailprobe sandbox` → a request. Pure; bad usage throws UsageError (exit status 2). */
export function parseSandboxArgs(argv: readonly string[]): SandboxCliRequest {
  const parsed = parseCommand(argv[0] === 'sandbox' ? argv.slice(1) : argv, OPTIONS, { command: COMMAND })
  if (parsed === 'help') return { action: 'help' }
  const { values: v, positionals } = parsed
  if (positionals.length) throw usage(`unexpected argument ${quoteInput(positionals[0]!)}; every value follows its option`)
  let ports: SandboxRunRequest['ports'] = null
  if (v.ports !== undefined) {
    const words = v.ports.split(',').map((w) => w.trim())
    const nums = words.map((w) => (/^\d{1,5}$/.test(w) ? Number(w) : NaN))
    if (words.length !== 4 || nums.some((n) => !(n >= 0 && n <= 65535))) throw usage('--ports takes four port numbers (0 = any free port): STARTTLS,TLS,PLAIN,API, e.g. --ports 2587,2465,2525,2443')
    const fixed = nums.filter((n) => n > 0)
    if (new Set(fixed).size !== fixed.length) throw usage('--ports lists the same port twice')
    ports = { starttls: nums[0]!, tls: nums[1]!, plain: nums[2]!, api: nums[3]! }
  }
  if (v['profiles-out'] !== undefined && !v['profiles-out'].trim()) throw usage('--profiles-out needs a file name')
  if (v['data-dir'] !== undefined && !v['data-dir'].trim()) throw usage('--data-dir needs a directory')
  return {
    action: 'run',
    json: v.json ?? false,
    rttMs: v.rtt === undefined ? 0 : parseMs('--rtt', v.rtt, SANDBOX_RTT_MAX),
    thinkMs: v.think === undefined ? 0 : parseMs('--think', v.think, SANDBOX_THINK_MAX),
    profilesOut: v['profiles-out'] ?? null,
    dataDir: v['data-dir'] ?? null,
    ports,
  }
}

/** Where the CLI's sandbox keeps its certificate when --data-dir is not given (the sign-ins of `mailprobe oauth` are kept there too). */
export { defaultDataDir }

export interface SandboxIO {
  stdout: { write(text: string): unknown; isTTY?: boolean }
  stderr: { write(text: string): unknown }
  env: NodeJS.ProcessEnv
  signals: Pick<NodeJS.Process, 'on' | 'off'>
  /** Working directory for relative paths (default process.cwd()). */
  cwd?: string
}

/** One received message as a line of the human output. */
export function formatInboxLine(m: InboxSummary, style: Style): string {
  const time = m.receivedAt.slice(11, 19)
  const to = m.envelope.rcptTo.length > 3 ? `${m.envelope.rcptTo.slice(0, 3).join(', ')} +${m.envelope.rcptTo.length - 3}` : m.envelope.rcptTo.join(', ')
  const subject = m.subject === null ? '(no subject)' : `"${m.subject.length > 60 ? `${m.subject.slice(0, 60)}…` : m.subject}"`
  const flags = [m.testMode ? 'test mode' : '', m.user ? `user ${m.user}` : ''].filter(Boolean).join(', ')
  return [
    paint(time, SGR.dim, style),
    paint(m.channel.padEnd(8), SGR.cyan, style),
    paint(sanitize(m.id), SGR.bold, style),
    `${sanitize(m.envelope.mailFrom || '<>')} → ${sanitize(to || '(none)')}`,
    sanitize(subject),
    `${m.size} bytes${flags ? ` (${sanitize(flags)})` : ''}`,
  ].join('  ')
}

/**
 * Starts the sandbox, prints how to reach it, writes the profiles file, then prints each message
 * as it arrives until SIGINT or SIGTERM. Returns the exit status (0 after a signal, 1 when it
 * could not start); bad usage throws UsageError (2).
 */
export async function runSandboxCommand(req: SandboxCliRequest, io: SandboxIO): Promise<number> {
  if (req.action === 'help') {
    io.stdout.write(SANDBOX_HELP)
    return 0
  }
  const cwd = io.cwd ?? process.cwd()
  const style: Style = { color: useColor(io.stdout, io.env) }
  const { startSandbox } = await import('../core/sandbox/index')
  const { writeFileAtomic } = await import('../core/storage/atomic')
  const dataDir = resolve(cwd, req.dataDir ?? defaultDataDir(io.env))

  // Listen for signals before starting, so an early Ctrl-C still closes what was opened.
  let stop: () => void = () => {}
  let stopped = false
  const stopping = new Promise<void>((res) => {
    stop = () => {
      stopped = true
      res()
    }
  })
  const onSignal = () => stop()
  io.signals.on('SIGINT', onSignal)
  io.signals.on('SIGTERM', onSignal)
  let sandbox: Awaited<ReturnType<typeof startSandbox>> | null = null
  try {
    try {
      sandbox = await startSandbox({ dataDir, rttMs: req.rttMs, thinkMs: req.thinkMs, ports: req.ports ?? undefined })
    } catch (err) {
      io.stderr.write(`mailprobe sandbox: ${err instanceof Error ? err.message : String(err)}\n`)
      return 1
    }
    const info = sandbox.info()
    let profilesPath: string | null = null
    if (req.profilesOut) {
      profilesPath = resolve(cwd, req.profilesOut)
      try {
        await writeFileAtomic(profilesPath, `${JSON.stringify(sandbox.profiles(), null, 2)}\n`)
      } catch (err) {
        io.stderr.write(`mailprobe sandbox: cannot write --profiles-out ${quoteInput(profilesPath, 200)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}\n`)
        return 1
      }
    }
    if (req.json) {
      io.stdout.write(`${JSON.stringify({ smtp: info.smtp, api: info.api, user: info.user, password: info.password, ca: info.caFile })}\n`)
    } else {
      const b = (t: string) => paint(t, SGR.bold, style)
      const lines = [
        `${b('Mailprobe sandbox')} — local only (${info.host}), delivers nothing; the demo credentials below protect nothing`,
        `  SMTP STARTTLS   ${info.host}:${info.smtp.starttls}   submission: STARTTLS required, then AUTH PLAIN LOGIN CRAM-MD5`,
        `  SMTP TLS        ${info.host}:${info.smtp.tls}   implicit TLS, AUTH required`,
        `  SMTP plain      ${info.host}:${info.smtp.plain}   no TLS, no AUTH (accepts any message)`,
        `  HTTPS API       ${info.api.url}   Mailgun (domain ${info.domain}), SendGrid and Postmark request shapes`,
        `  user            ${info.user}`,
        `  password        ${info.password}`,
        `  API key         ${info.api.key}`,
        `  CA certificate  ${info.caFile}${sandbox.certs.origin === 'created' ? ' (made now)' : sandbox.certs.origin === 'reused' ? '' : ` (${sandbox.certs.reason})`}`,
        `  latency         RTT ${info.rttMs} ms, think time ${info.thinkMs} ms`,
      ]
      if (profilesPath) lines.push(`Profiles written to ${profilesPath} (sandbox-starttls, sandbox-tls, sandbox-api)`)
      lines.push('Waiting for messages; Ctrl-C stops the sandbox.', '')
      io.stdout.write(`${lines.join('\n')}\n`)
    }
    const unsubscribe = sandbox.inbox.subscribe((m) => {
      if (req.json)
        io.stdout.write(
          `${JSON.stringify({ event: 'message', id: m.id, seq: m.seq, receivedAt: m.receivedAt, via: m.via, channel: m.channel, from: m.envelope.mailFrom, to: m.envelope.rcptTo, subject: m.subject, size: m.size, messageId: m.messageId })}\n`,
        )
      else io.stdout.write(`${formatInboxLine(m, style)}\n`)
    })
    if (!stopped) await stopping
    unsubscribe()
    const received = sandbox.inbox.received
    await sandbox.close()
    sandbox = null
    if (req.json) io.stdout.write(`${JSON.stringify({ event: 'stopped', received })}\n`)
    else io.stdout.write(`\nSandbox stopped (${plural(received, 'message')} received).\n`)
    return 0
  } finally {
    io.signals.off('SIGINT', onSignal)
    io.signals.off('SIGTERM', onSignal)
    await sandbox?.close()
  }
}
