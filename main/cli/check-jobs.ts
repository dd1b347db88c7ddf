// A check → its engine job, through the CLI's own parsers (so it lives here, in the CLI layer: the
// core's runChecks is given it, by the CLI and by the app's hosts): the check's options (the flags in
// camelCase) become the argv `mailprobe <command>` would get, and parseCli / parseProbeArgs /
// parseApiArgs / parseDomainArgs / parseCompareArgs build the request exactly as on the command
// line (one mapping from flags to job inputs, not two). Secrets are then read from `env` by the
// names the request carries, the way the CLI's run functions read them (withSecret,
// withProxyPassword, readDkimKey, loadCompareProfiles). Any refusal is an INVALID_INPUT whose
// sentence speaks of the file's fields (passwordEnv) rather than the flags (--password-env).
import { readFileSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import type { ApiJobInput, CheckKind, CheckSpec, SmtpJobInput } from '../../preload/contract'
import { checkKindOf } from '../../preload/contract/checks'
import { parseApiArgs } from './api'
import { CliError, parseCli, withSecret } from './args'
import { parseCompareArgs, loadCompareProfiles } from './compare'
import { parseDomainArgs } from './domain'
import type { InboxRequest } from './inbox-args'
import { readDkimKey } from './inbox-run'
import { requireReadable } from './job'
import { parseProbeArgs } from './probe'
import { withProxyPassword } from './secrets'
import { EngineError } from '../core/errors'
import type { CheckJob } from '../core/checks/run'

/** The CLI command each kind is (deliver is send with --await-inbox). */
const COMMAND: Record<CheckKind, string> = { probe: 'probe', verify: 'verify', send: 'send', api: 'api', compare: 'compare', domain: 'domain', deliver: 'send' }
/** Options that are the command's positional word. */
const POSITIONAL: Partial<Record<CheckKind, string>> = { probe: 'host', domain: 'domain' }
/** List options the CLI takes as one comma-separated value rather than repeated. */
const COMMA_LISTS = new Set(['ports'])
/** Options that name a file: relative to the check file's directory. */
const PATH_OPTIONS = new Set(['ca', 'attach', 'dkimKeyFile', 'inboxCa', 'bodyTemplate', 'profiles'])

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
const camel = (flag: string) => flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase())

/**
 * The words after `mailprobe` for a check (the command first): `--flag=value` for every option
 * (so a value that starts with '-' is never taken for a flag), repeated for lists, bare for true.
 */
export function checkArgv(check: CheckSpec, baseDir = process.cwd()): string[] {
  const kind = checkKindOf(check)
  const options = check[kind] as Record<string, unknown>
  const argv = [COMMAND[kind]]
  const positional = POSITIONAL[kind]
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined || value === false) continue
    const path = (v: unknown) => (PATH_OPTIONS.has(name) && typeof v === 'string' && !isAbsolute(v) ? resolve(baseDir, v) : String(v))
    if (name === positional) continue
    if (value === true) argv.push(`--${kebab(name)}`)
    else if (Array.isArray(value)) {
      if (COMMA_LISTS.has(name)) argv.push(`--${kebab(name)}=${value.join(',')}`)
      else for (const v of value) argv.push(`--${kebab(name)}=${path(v)}`)
    } else argv.push(`--${kebab(name)}=${path(value)}`)
  }
  // After `--` so that a host such as "-x" is refused as a host, never read as a flag.
  if (positional) argv.push('--', String(options[positional]))
  return argv
}

/** A refusal of the check as written: INVALID_INPUT, its sentence in the file's terms (fields, not flags). */
function invalid(kind: CheckKind, message: string): EngineError {
  const inFileTerms = message.replace(/--([a-z][a-z0-9-]*)/g, (_, flag: string) => camel(flag)).replace(/\bmailprobe \w+\b/g, `a ${kind} check`)
  return new EngineError({ code: 'INVALID_INPUT', message: `${kind} options: ${inFileTerms}` })
}

/** Every *Env option the check names must be set: the error names the variable (a name, never its value). */
function requireEnv(kind: CheckKind, options: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  for (const [field, value] of Object.entries(options)) {
    if (!field.endsWith('Env') || typeof value !== 'string') continue
    if (!env[value])
      throw new EngineError({
        code: 'INVALID_INPUT',
        message: `the environment variable ${value} (${kind}.${field}) is not set or is empty: set it (e.g. from the pipeline's secrets) before running the checks`,
      })
  }
}

/** What the CLI's parsers and readers throw (UsageError) → INVALID_INPUT; anything else is not ours to rename. */
async function asCheck<T>(kind: CheckKind, build: () => T | Promise<T>): Promise<T> {
  try {
    return await build()
  } catch (err) {
    if (err instanceof CliError) throw invalid(kind, err.message)
    throw err
  }
}

/** The mailbox watch with its password (the variable was checked by requireEnv). */
function inboxDelivery(inbox: InboxRequest, env: NodeJS.ProcessEnv): NonNullable<SmtpJobInput['delivery']> {
  const { user, ...rest } = inbox.delivery
  // Saved sign-ins (--inbox-oauth) are not a check option: the secret is always a variable's password.
  return { ...rest, user: user!, secret: env[inbox.secret.name]!, secretKind: 'password' }
}

/**
 * The engine job for a check, secrets read from `env`. Throws EngineError (INVALID_INPUT) when the
 * check cannot run as written: options the command refuses, a variable unset, a file unreadable.
 */
export async function buildCheckJob(check: CheckSpec, env: NodeJS.ProcessEnv, baseDir = process.cwd()): Promise<CheckJob> {
  const kind = checkKindOf(check)
  requireEnv(kind, check[kind] as Record<string, unknown>, env)
  const argv = checkArgv(check, baseDir)
  const [, ...rest] = argv
  return asCheck(kind, async (): Promise<CheckJob> => {
    switch (kind) {
      case 'verify':
      case 'send':
      case 'deliver': {
        const req = parseCli(argv)
        if (req.action !== 'run') throw invalid(kind, 'the options ask for help, not a run')
        requireReadable(req.files, req.command)
        const secret = req.secretSource && req.secretSource.kind !== 'stdin' ? env[req.secretSource.name]! : null
        const network = withProxyPassword(req.job.network, req.proxyPasswordEnv, env, req.command)
        const dkim = req.dkim ? readDkimKey(req.dkim, env, req.command) : null
        const input: SmtpJobInput = { ...withSecret(req, secret), ...(network && { network }), ...(dkim && { dkim }), ...(req.inbox && { delivery: inboxDelivery(req.inbox, env) }) }
        return { engine: 'smtp', input }
      }
      case 'api': {
        const req = parseApiArgs(rest)
        if (req.action !== 'run') throw invalid(kind, 'the options ask for help, not a run')
        requireReadable(req.files, 'api')
        const read = (name: string | null) => (name === null ? undefined : env[name])
        const [key, secret, sessionToken] = [read(req.keyEnv)!, read(req.secretEnv), read(req.sessionTokenEnv)]
        const network = withProxyPassword(req.job.network, req.proxyPasswordEnv, env, 'api')
        const input: ApiJobInput = { ...req.job, ...(network && { network }), credentials: { key, ...(secret && { secret }), ...(sessionToken && { sessionToken }) } }
        if (req.bodyTemplateFile && input.generic) input.generic = { ...input.generic, bodyTemplate: readFileSync(req.bodyTemplateFile, 'utf8') }
        if (req.inbox) input.delivery = inboxDelivery(req.inbox, env)
        return { engine: 'api', input }
      }
      case 'probe': {
        const req = parseProbeArgs(rest)
        if (req.action !== 'run') throw invalid(kind, 'the options ask for help, not a run')
        requireReadable(req.files, 'probe')
        const network = withProxyPassword(req.job.network, req.proxyPasswordEnv, env, 'probe')
        return { engine: 'probe', input: { ...req.job, ...(network && { network }) } }
      }
      case 'domain': {
        const req = parseDomainArgs(rest)
        if (req.action !== 'run') throw invalid(kind, 'the options ask for help, not a run')
        requireReadable(req.files, 'domain')
        const network = withProxyPassword(req.job.network, req.proxyPasswordEnv, env, 'domain')
        return { engine: 'domain', input: { ...req.job, ...(network && { network }) } }
      }
      case 'compare': {
        const req = parseCompareArgs(rest)
        if (req.action !== 'run') throw invalid(kind, 'the options ask for help, not a run')
        const profiles = await loadCompareProfiles(req, env, baseDir)
        return { engine: 'compare', input: { profiles, runs: req.runs, mode: req.mode, concurrency: req.concurrency, action: req.labAction } }
      }
    }
  })
}
