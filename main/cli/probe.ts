// `mailprobe probe HOST …`: which ports and modes work from here. Self-contained: help text, argument
// parsing, the run (engine imported lazily, so start-up stays cheap) and the human output.
// Runtime imports: args.ts (the shared parsing start), job.ts (the shared run, node:fs), print.ts, secrets.ts and usage.ts.
import type { ProbeJobInput, ProbeResult } from '../../preload/contract'
import { NETWORK_OPTIONS, OUTPUT_OPTIONS, parseCommand, parseNetworkFlags, parseVerbosity, UsageError, type Verbosity } from './args'
import { requireReadable, runJob } from './job'
import { internalError } from '../core/errors'
import { formatProbeSummary } from '../core/report/probe'
import { probeFailure } from '../core/probe/result'
import { lastLine, quoteInput } from './print'
import { withProxyPassword } from './secrets'
import { INTERRUPT_HELP, networkHelp, VERBOSITY_HELP } from './usage'
export { formatProbeSummary, formatProbeTable, tlsCell } from '../core/report/probe'

// Copies of the contract's values (importing them would load zod at start-up); a unit test keeps them equal.
export const DEFAULT_PROBE_PORTS = [25, 465, 587, 2525] as const
export const MAX_PROBE_PORTS = 20
export const PROBE_TIMEOUT_RANGE = { min: 100, max: 60_000 } as const

export const PROBE_HELP = `Usage: mailprobe probe HOST [options]

Which ports and modes work from here? Connects to each port at once, listens before speaking
(plaintext SMTP greeting, TLS first, or another service), reads EHLO before and after TLS, shows the
certificate, and says in a sentence what each port is. Never authenticates, never sends mail.

Options:
  --ports 25,465,587,2525  ports to probe, comma-separated (default 25,465,587,2525; with --mx: 25)
  --timeout MS             bound on each step: connect, greeting, each reply, each TLS handshake
                           (default 5000; 100 to 60000). A silent port takes about this long.
  --mx                     HOST is a mail domain: look up its MX hosts and probe port 25 of each
  --json                   print one JSON object (the full result) instead of the transcript and table
                           (-v and -q do not change it)
${VERBOSITY_HELP}
  -h, --help               this help
${networkHelp()}
TLS (certificates are verified, and a failure is reported, never hidden):
  --ca FILE                trust the CA certificate(s) in this PEM file
  --servername NAME        SNI name, and the name certificates must match (default: HOST)
  --insecure               a certificate that fails verification no longer disqualifies a port
                           (every result then carries a warning)

Examples:
  mailprobe probe smtp.example.com
  mailprobe probe smtp.example.com --ports 465,587 --timeout 3000 --json | jq '.recommendation'
  mailprobe probe example.com --mx

${INTERRUPT_HELP}
Exit status: 0 at least one port offers a usable path (for submission: TLS with a certificate that
verifies; with --mx: an MX host that accepts SMTP), 1 none does, 2 bad usage, 130 interrupted (Ctrl-C).
`

export interface ProbeRunRequest {
  action: 'run'
  command: 'probe'
  json: boolean
  verbosity: Verbosity
  job: ProbeJobInput
  /** --proxy-password-env VAR: the proxy password is read from it when the run starts. */
  proxyPasswordEnv: string | null
  /** Files the run must be able to read (--ca), checked before connecting. */
  files: { option: string; path: string }[]
}

export type ProbeCliRequest = { action: 'help'; topic: 'probe' } | ProbeRunRequest

const OPTIONS = {
  ports: { type: 'string' },
  timeout: { type: 'string' },
  ca: { type: 'string' },
  insecure: { type: 'boolean' },
  servername: { type: 'string' },
  mx: { type: 'boolean' },
  ...NETWORK_OPTIONS,
  ...OUTPUT_OPTIONS,
} as const

/** The words after `mailprobe probe` → a request. Pure; bad usage throws UsageError (exit status 2). */
export function parseProbeArgs(argv: readonly string[]): ProbeCliRequest {
  const parsed = parseCommand(argv, OPTIONS, { command: 'probe' })
  if (parsed === 'help') return { action: 'help', topic: 'probe' }
  const { values: v, positionals } = parsed
  if (positionals.length === 0) throw usage('a host is required: mailprobe probe HOST (e.g. mailprobe probe smtp.example.com)')
  if (positionals.length > 1) throw usage(`one host at a time (got ${positionals.length} words); options start with --, e.g. --ports 465,587`)
  const host = positionals[0]!.trim()
  if (!host) throw usage('the host is empty')
  if (host.startsWith('-')) throw usage(`${quoteInput(host)} is not a host name (host names do not start with '-')`)
  if (host.includes('@'))
    throw usage(`give a host or domain name, not an address: for the domain of ${quoteInput(host)}, try: mailprobe probe ${quoteInput(host.slice(host.lastIndexOf('@') + 1))} --mx`)
  const { network, proxyPasswordEnv } = parseNetworkFlags(v, 'probe')
  const verbosity = parseVerbosity(v, 'probe')

  const job: ProbeJobInput = { host }
  if (v.ports !== undefined) job.ports = parsePorts(v.ports)
  if (v.timeout !== undefined) job.timeoutMs = parseTimeout(v.timeout)
  if (network) job.network = network
  if (v.mx) job.mx = true
  if (v.ca !== undefined || v.insecure || v.servername !== undefined) {
    if (v.servername !== undefined && !v.servername.trim()) throw usage('--servername needs a name')
    job.tls = {
      ...(v.ca !== undefined && { caFile: v.ca }),
      ...(v.servername !== undefined && { servername: v.servername.trim() }),
      insecure: v.insecure ?? false,
    }
  }
  return { action: 'run', command: 'probe', json: v.json ?? false, verbosity, job, proxyPasswordEnv, files: v.ca !== undefined ? [{ option: '--ca', path: v.ca }] : [] }
}

export function parsePorts(value: string): number[] {
  const words = value.split(/[\s,]+/).filter(Boolean)
  if (!words.length) throw usage('--ports needs at least one port, e.g. --ports 465,587')
  const ports: number[] = []
  for (const w of words) {
    const n = /^\d{1,5}$/.test(w) ? Number(w) : NaN
    if (!(n >= 1 && n <= 65535)) throw usage(`--ports takes port numbers from 1 to 65535, comma-separated (got ${quoteInput(w)})`)
    if (ports.includes(n)) throw usage(`--ports lists ${n} twice`)
    ports.push(n)
  }
  if (ports.length > MAX_PROBE_PORTS) throw usage(`--ports takes at most ${MAX_PROBE_PORTS} ports (got ${ports.length})`)
  return ports
}

function parseTimeout(value: string): number {
  const n = /^\d{1,6}$/.test(value) ? Number(value) : NaN
  if (!(n >= PROBE_TIMEOUT_RANGE.min && n <= PROBE_TIMEOUT_RANGE.max))
    throw usage(`--timeout takes milliseconds from ${PROBE_TIMEOUT_RANGE.min} to ${PROBE_TIMEOUT_RANGE.max}, e.g. --timeout 3000 (got ${quoteInput(value)})`)
  return n
}

function usage(message: string): UsageError {
  return new UsageError(message, 'probe')
}

/** Where the command writes and listens; process.stdout/stderr/env and process itself in real use. */
export interface ProbeIO {
  stdout: { write(text: string): unknown; isTTY?: boolean }
  stderr: { write(text: string): unknown }
  env: NodeJS.ProcessEnv
  signals: Pick<NodeJS.Process, 'on' | 'off'>
}

/** Runs a probe request (or prints help). Returns the exit status: 0 a usable path exists, 1 none does, 130 Ctrl-C cancelled it; bad usage throws UsageError (2). */
export async function runProbeCommand(req: ProbeCliRequest, io: ProbeIO): Promise<number> {
  if (req.action === 'help') {
    io.stdout.write(PROBE_HELP)
    return 0
  }
  requireReadable(req.files, 'probe')
  const network = withProxyPassword(req.job.network, req.proxyPasswordEnv, io.env, 'probe')
  const job: ProbeJobInput = { ...req.job, ...(network && { network }) }
  return runJob(io, {
    command: 'probe',
    json: req.json,
    verbosity: req.verbosity,
    start: async (opts) => {
      try {
        const { runProbe } = await import('../core/probe/index')
        return await runProbe(job, opts)
      } catch (err) {
        return internalFailure(req, err)
      }
    },
    summary: formatProbeSummary,
    // The probe's summary ends with its verdict.
    verdict: (result, style) => lastLine(formatProbeSummary(result, style)),
  })
}

/** The engine promises never to throw; if it does anyway, the result is still a whole one, from the engine's own failure builder. */
function internalFailure(req: ProbeRunRequest, err: unknown): ProbeResult {
  return probeFailure(internalError(err), { host: req.job.host, mode: req.job.mx ? 'mx' : 'host', timeoutMs: req.job.timeoutMs ?? 0 })
}
