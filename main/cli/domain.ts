// `mailprobe domain DOMAIN …`: will mail from this domain, sent through this provider or relay, be
// trusted? Self-contained: help text, argument parsing, the run (the engine and the text report
// imported lazily, so that --help and usage errors stay cheap) and the exit status.
// Runtime imports: node:net's isIP, args.ts (the shared parsing start), job.ts (the shared run), print.ts, secrets.ts and usage.ts.
import { isIP } from 'node:net'
import type { DomainCheck, DomainJobInput, DomainProvider, DomainResult, JobEvent } from '../../preload/contract'
import type { EventSink } from '../core/transcript/event-sink'
import { domainFailure, providerLabel } from '../core/domain/result'
import { internalError } from '../core/errors'
import { NETWORK_OPTIONS, OUTPUT_OPTIONS, parseCommand, parseNetworkFlags, parseVerbosity, UsageError, type Verbosity } from './args'
import { requireReadable, runJob } from './job'
import { formatLine, quoteInput, type Style } from './print'
import { withProxyPassword } from './secrets'
import { INTERRUPT_HELP, networkHelp } from './usage'

// Copies of the contract's values (importing them would load zod at start-up); a unit test keeps them equal.
export const DOMAIN_PROVIDER_NAMES = [
  'mailgun',
  'sendgrid',
  'postmark',
  'ses',
  'resend',
  'mailjet',
  'sparkpost',
  'brevo',
  'microsoft365',
  'google-workspace',
] as const satisfies readonly DomainProvider[]
export const DOMAIN_LIMITS = { dkimSelectors: 10, sendingIps: 20, dnsServers: 4, timeoutMin: 100, timeoutMax: 60_000, timeoutDefault: 5000 } as const
/** The contract's DKIM selector: letters, digits, _ - and dots, at most 63. */
const SELECTOR = /^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?$/

/** Other names people give the providers. */
export const PROVIDER_ALIASES: Readonly<Record<string, DomainProvider>> = {
  m365: 'microsoft365',
  'microsoft-365': 'microsoft365',
  microsoft: 'microsoft365',
  office365: 'microsoft365',
  'office-365': 'microsoft365',
  o365: 'microsoft365',
  exchange: 'microsoft365',
  google: 'google-workspace',
  gmail: 'google-workspace',
  workspace: 'google-workspace',
  gsuite: 'google-workspace',
  'g-suite': 'google-workspace',
  'amazon-ses': 'ses',
  'aws-ses': 'ses',
  amazon: 'ses',
  sendinblue: 'brevo',
}

export const DOMAIN_HELP = `Usage: mailprobe domain DOMAIN [--provider P | --relay HOST] [options]

Will mail from DOMAIN, sent through this provider or relay, be trusted? Checks what receivers check,
all at once: MX (and port 25 of each MX host: STARTTLS, certificate, banner), PTR, SPF, DKIM, DMARC,
alignment for the provider, MTA-STS, TLS-RPT, DANE, BIMI and the bulk-sender rules of Gmail, Yahoo
and Microsoft. Each check says pass, warn, fail or info with a sentence to act on; the records that
are missing are written out, ready to paste. Sends no mail.

Sender:
  --provider P             the provider the mail goes through, whose SPF include, DKIM selectors and
                           Return-Path are known: ${DOMAIN_PROVIDER_NAMES.slice(0, 5).join(', ')},
                           ${DOMAIN_PROVIDER_NAMES.slice(5).join(', ')}
                           (also m365, office365, google, gmail, amazon-ses)
  --relay HOST             or a relay, by host name: SPF must cover its addresses
  --dkim-selector S        a DKIM selector to check besides the provider's known ones; repeat for
                           more (up to ${DOMAIN_LIMITS.dkimSelectors})
  --sending-ip IP          an address the mail leaves from: SPF must cover it, its PTR must confirm
                           it; repeat for more (up to ${DOMAIN_LIMITS.sendingIps})
DNS and the MX probe:
  --dns-server IP[:PORT]   ask this resolver instead of the system's (1.1.1.1, 192.0.2.53:5353,
                           [2001:db8::53]:53); repeat for more (up to ${DOMAIN_LIMITS.dnsServers})
  --timeout MS             bound on each DNS question, the MTA-STS policy fetch and each step of the
                           MX probe (default ${DOMAIN_LIMITS.timeoutDefault}; ${DOMAIN_LIMITS.timeoutMin} to ${DOMAIN_LIMITS.timeoutMax})
  --no-probe               do not connect to the MX hosts' port 25 (many networks block it)
  --mx-port N              probe this port of the MX hosts instead of 25 (and ask for DANE's TLSA
                           records of that port): for testing against a local server
  --ca FILE                trust the CA certificate(s) in this PEM file for the MX probe and the
                           MTA-STS policy fetch
${networkHelp(`                           These apply to the MX probe (--proxy to it only; --ipv4, --ipv6 and
                           --local-address to the MTA-STS policy fetch too); DNS questions go to the
                           resolver directly.`)}
Output:
  --json                   print one JSON object (the full result) instead of the checks and table:
                           {"ok","kind":"domain","domain","provider","checks":[{"id","status",
                            "title","detail","records":[{"type","name","value"}],"items",
                            "durationMs","queries"}],"publish":[{"type","name","value"}],"dnssec",
                            "totalMs",…} (-v and -q do not change it)
  -v, --verbose            also each check's findings and the records found, and every transcript
                           line as it happens
  -q, --quiet              print only the verdict line (PASS, WARN or FAIL — the counts)
  -h, --help               this help

Checks (in the order of the table and of --json's ids): mx, ptr, spf, dkim, dmarc, alignment,
mta-sts, tls-rpt, dane, bimi, bulk-sender.

Examples:
  mailprobe domain example.com --provider sendgrid
  mailprobe domain example.com --provider microsoft365 --dkim-selector s2024 --json | jq '.publish'
  mailprobe domain example.com --relay smtp.relay.example.net --sending-ip 192.0.2.10 --dns-server 1.1.1.1
  mailprobe domain example.com --provider google --no-probe -q

${INTERRUPT_HELP}
Exit status: 0 no check fails (warnings allowed), 1 a check fails (or the run could not be made),
2 bad usage, 130 interrupted (Ctrl-C).
`

export interface DomainRunRequest {
  action: 'run'
  command: 'domain'
  json: boolean
  verbosity: Verbosity
  job: DomainJobInput
  /** --proxy-password-env VAR: the proxy password is read from it when the run starts. */
  proxyPasswordEnv: string | null
  /** Files the run must be able to read (--ca), checked before it starts. */
  files: { option: string; path: string }[]
}

export type DomainCliRequest = { action: 'help'; topic: 'domain' } | DomainRunRequest

const OPTIONS = {
  provider: { type: 'string' },
  relay: { type: 'string' },
  'dkim-selector': { type: 'string', multiple: true },
  'sending-ip': { type: 'string', multiple: true },
  'dns-server': { type: 'string', multiple: true },
  timeout: { type: 'string' },
  'no-probe': { type: 'boolean' },
  'mx-port': { type: 'string' },
  ca: { type: 'string' },
  ...NETWORK_OPTIONS,
  ...OUTPUT_OPTIONS,
} as const

function usage(message: string): UsageError {
  return new UsageError(message, 'domain')
}

/** The words after `mailprobe domain` → a request. Pure; bad usage throws UsageError (exit status 2). */
export function parseDomainArgs(argv: readonly string[]): DomainCliRequest {
  const parsed = parseCommand(argv, OPTIONS, { command: 'domain' })
  if (parsed === 'help') return { action: 'help', topic: 'domain' }
  const { values: v, positionals } = parsed
  if (positionals.length === 0) throw usage('a domain is required: mailprobe domain DOMAIN (e.g. mailprobe domain example.com --provider sendgrid)')
  if (positionals.length > 1) throw usage(`one domain at a time (got ${positionals.length} words); options start with --, e.g. --provider sendgrid`)
  const domain = parseDomain(positionals[0]!)
  const { network, proxyPasswordEnv } = parseNetworkFlags(v, 'domain')
  const verbosity = parseVerbosity(v, 'domain')

  const job: DomainJobInput = { domain }
  if (v.provider !== undefined && v.relay !== undefined) throw usage('name a provider (--provider) or a relay (--relay), not both')
  if (v.provider !== undefined) job.provider = parseProvider(v.provider)
  if (v.relay !== undefined) job.relay = parseRelay(v.relay)
  const selectors = listOf(v['dkim-selector'], '--dkim-selector', DOMAIN_LIMITS.dkimSelectors, 'selectors')
  if (selectors.length) job.dkimSelectors = selectors.map(parseSelector)
  const ips = listOf(v['sending-ip'], '--sending-ip', DOMAIN_LIMITS.sendingIps, 'addresses')
  if (ips.length) job.sendingIps = ips.map(parseSendingIp)
  const servers = listOf(v['dns-server'], '--dns-server', DOMAIN_LIMITS.dnsServers, 'resolvers')
  if (servers.length) job.dnsServers = servers.map(parseDnsServer)
  if (v.timeout !== undefined) job.timeoutMs = parseTimeout(v.timeout)
  if (v['no-probe']) job.probeMx = false
  if (v['mx-port'] !== undefined) job.mxPort = parsePort(v['mx-port'])
  if (v.ca !== undefined) job.tls = { caFile: v.ca, insecure: false }
  if (network) job.network = network
  return { action: 'run', command: 'domain', json: v.json ?? false, verbosity, job, proxyPasswordEnv, files: v.ca !== undefined ? [{ option: '--ca', path: v.ca }] : [] }
}

/** A repeatable option's values, each of which may also be a comma-separated list (empty words and repeats dropped), at most `max`. */
function listOf(values: readonly string[] | undefined, option: string, max: number, what: string): string[] {
  const words = [...new Set((values ?? []).flatMap((value) => value.split(',')).map((w) => w.trim()))].filter(Boolean)
  if (words.length > max) throw usage(`${option} takes at most ${max} ${what} (got ${words.length})`)
  return words
}

function parseDomain(word: string): string {
  const d = word.trim()
  if (!d) throw usage('the domain is empty')
  if (d.startsWith('-')) throw usage(`${quoteInput(d)} is not a domain name (domain names do not start with '-')`)
  if (d.includes('@')) throw usage(`give the domain, not an address: for ${quoteInput(d)}, try: mailprobe domain ${quoteInput(d.slice(d.lastIndexOf('@') + 1))}`)
  const url = /^[a-z][a-z0-9+.-]*:\/\/([^/:?#]+)/i.exec(d)
  if (url) throw usage(`give the domain name, not a URL: try mailprobe domain ${quoteInput(url[1]!)}`)
  if (/[\s/\\]/.test(d) || isIP(d.replace(/^\[|\]$/g, '')) !== 0 || !d.includes('.') || !/[A-Za-z]/.test(d)) throw usage(`give a domain name such as example.com (got ${quoteInput(d)})`)
  return d
}

function parseProvider(value: string): DomainProvider {
  const name = value.trim().toLowerCase()
  const known = DOMAIN_PROVIDER_NAMES.find((p) => p === name) ?? PROVIDER_ALIASES[name]
  if (known) return known
  throw usage(`--provider must be one of ${DOMAIN_PROVIDER_NAMES.join(', ')} (got ${quoteInput(value)}); for another relay, name it with --relay HOST`)
}

function parseRelay(value: string): string {
  const host = value.trim()
  if (!host) throw usage('--relay needs a host name, e.g. --relay smtp.relay.example.net')
  if (host.includes('@') || /[\s/]/.test(host) || host.startsWith('-')) throw usage(`--relay takes the relay's host name, e.g. --relay smtp.relay.example.net (got ${quoteInput(host)})`)
  return host
}

function parseSelector(value: string): string {
  if (value.length > 63 || !SELECTOR.test(value)) throw usage(`--dkim-selector takes a selector (the part before ._domainkey): letters, digits, _ - and dots, e.g. s1 (got ${quoteInput(value)})`)
  return value
}

function parseSendingIp(value: string): string {
  if (isIP(value) === 0) throw usage(`--sending-ip takes an IPv4 or IPv6 address, e.g. 192.0.2.10 (got ${quoteInput(value)})`)
  return value
}

/** IP, IP:PORT, IPv6, [IPv6] or [IPv6]:PORT, as the contract takes it (an IPv6 address in hex and colons). */
export function parseDnsServer(value: string): string {
  const bad = (why = ''): never => {
    throw usage(`--dns-server takes a resolver's IP address, optionally with :PORT, e.g. 1.1.1.1, 192.0.2.53:5353 or [2001:db8::53]:53${why} (got ${quoteInput(value)})`)
  }
  const bracketed = /^\[([0-9A-Fa-f:]+)\](?::(\d{1,5}))?$/.exec(value)
  const v4 = /^([0-9.]+)(?::(\d{1,5}))?$/.exec(value)
  const [address, port] = bracketed
    ? [bracketed[1]!, bracketed[2]]
    : v4
      ? [v4[1]!, v4[2]]
      : /^[0-9A-Fa-f:]+$/.test(value)
        ? [value, undefined]
        : bad(/[A-Za-z]/.test(value) ? ': a name cannot be used, a resolver is asked by address' : '')
  if (isIP(address) !== (bracketed || !v4 ? 6 : 4)) bad()
  if (port !== undefined && !(Number(port) >= 1 && Number(port) <= 65535)) bad(': the port is 1 to 65535')
  return value
}

function parseTimeout(value: string): number {
  const n = /^\d{1,6}$/.test(value) ? Number(value) : NaN
  if (!(n >= DOMAIN_LIMITS.timeoutMin && n <= DOMAIN_LIMITS.timeoutMax))
    throw usage(`--timeout takes milliseconds from ${DOMAIN_LIMITS.timeoutMin} to ${DOMAIN_LIMITS.timeoutMax}, e.g. --timeout 3000 (got ${quoteInput(value)})`)
  return n
}

function parsePort(value: string): number {
  const n = /^\d{1,5}$/.test(value) ? Number(value) : NaN
  if (!(n >= 1 && n <= 65535)) throw usage(`--mx-port must be a number from 1 to 65535 (got ${quoteInput(value)})`)
  return n
}

/** Where the command writes and listens; process.stdout/stderr/env and process itself in real use. */
export interface DomainIO {
  stdout: { write(text: string): unknown; isTTY?: boolean }
  stderr: { write(text: string): unknown; isTTY?: boolean }
  env: NodeJS.ProcessEnv
  signals: Pick<NodeJS.Process, 'on' | 'off'>
}

/** Runs a domain request (or prints help). Returns the exit status: 0 no check fails, 1 one does (or the run failed), 130 Ctrl-C cancelled it; bad usage throws UsageError (2). */
export async function runDomainCommand(req: DomainCliRequest, io: DomainIO): Promise<number> {
  if (req.action === 'help') {
    io.stdout.write(DOMAIN_HELP)
    return 0
  }
  requireReadable(req.files, 'domain')
  const network = withProxyPassword(req.job.network, req.proxyPasswordEnv, io.env, 'domain')
  const job: DomainJobInput = { ...req.job, ...(network && { network }) }
  const report = await import('../core/report/domain')
  const details = req.verbosity === 'verbose'
  return runJob<DomainResult>(io, {
    command: 'domain',
    json: req.json,
    verbosity: req.verbosity,
    start: async (opts) => {
      try {
        const { runDomain } = await import('../core/domain/index')
        return await runDomain(job, opts)
      } catch (err) {
        return internalFailure(req, err)
      }
    },
    printer: (write, style) => checkPrinter(write, style, details, report.formatCheckLine),
    summary: (result, style) => report.formatDomainSummary(result, style, { details }),
    verdict: report.formatDomainVerdict,
    failed: (result) => !result.ok || result.error !== null || result.checks.some((c) => c.status === 'fail'),
  })
}

/** The live output: a line for each check as it finishes (it rides on a transcript event); with -v the transcript's other lines too. */
function checkPrinter(write: (text: string) => void, style: Style, details: boolean, line: (check: DomainCheck, style: Style) => string): EventSink {
  return {
    emit(event: JobEvent) {
      if (event.type !== 'transcript' || event.progress) return
      if (event.check) write(`${line(event.check, style)}\n`)
      else if (details) write(`${formatLine(event, style)}\n`)
    },
  }
}

/** The engine promises never to throw; if it does anyway, the result is still a whole one, from the engine's own failure builder. */
function internalFailure(req: DomainRunRequest, err: unknown): DomainResult {
  return domainFailure(internalError(err), { domain: req.job.domain, provider: providerLabel(req.job) })
}
