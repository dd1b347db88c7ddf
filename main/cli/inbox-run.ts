// The run-time half of --await-inbox and --dkim-* (inbox-args.ts parses them): the mailbox's secret
// (the password from its variable, or a saved sign-in's access token, renewed first when needed) and
// the DKIM private key (from its file or variable), read when the run starts and handed to the engine,
// never printed. Loaded only for such sends: bin/mailprobe.cjs runs them from the full bundle, and
// the send/verify bundle leaves this out.
import { randomUUID } from 'node:crypto'
import { readFileSync, statSync } from 'node:fs'
import type { ClassifiedError, DeliveryRequestInput, DkimSigning } from '../../preload/contract'
import { EngineError, internalError } from '../core/errors'
import { nullSink, type EventSink, type JobOptions } from '../core/transcript/event-sink'
import { Redactor } from '../core/transcript/redact'
import { UsageError, type Command } from './args'
import type { DkimRequest, InboxRequest } from './inbox-args'
import { quoteInput } from './print'
import { readEnvSecret } from './secrets'
import type { SignInsIO } from './sign-ins'

// For the commands, which load this module only when needed: how a run that cannot start ends.
export { failApiJob, failSmtpJob } from '../core/runs/failures'

/** A DKIM key file is a few kilobytes; the contract takes at most this much. */
const MAX_DKIM_KEY_BYTES = 100_000

/** The mailbox password --inbox-password-env names (null for a saved sign-in); unset or empty is bad usage, said before anything is sent. */
export function readInboxPassword(inbox: InboxRequest, env: NodeJS.ProcessEnv, command: Command): string | null {
  return inbox.secret.kind === 'env' ? readEnvSecret('--inbox-password-env', inbox.secret.name, env, command) : null
}

/**
 * The DKIM signing the engine takes: the key read from --dkim-key-file or --dkim-key-env now. A file
 * that cannot be read, or is far too large to be a key, is bad usage; a text that is not a private key
 * is the engine's INVALID_INPUT (also exit 2). The key is never quoted.
 */
export function readDkimKey(dkim: DkimRequest, env: NodeJS.ProcessEnv, command: Command): DkimSigning {
  let privateKey: string
  if (dkim.key.kind === 'env') {
    privateKey = readEnvSecret('--dkim-key-env', dkim.key.name, env, command)
    // A PEM kept in a CI variable with its line breaks written as \n.
    if (!privateKey.includes('\n') && privateKey.includes('\\n')) privateKey = privateKey.replaceAll('\\n', '\n')
  } else {
    const { path } = dkim.key
    try {
      if (statSync(path).size > MAX_DKIM_KEY_BYTES)
        throw new UsageError(`--dkim-key-file ${quoteInput(path, 200)} is larger than 100 KB: that is not a DKIM private key (a PEM file of a few KB)`, command)
      privateKey = readFileSync(path, 'utf8')
    } catch (err) {
      if (err instanceof UsageError) throw err
      throw new UsageError(`cannot read --dkim-key-file ${quoteInput(path, 200)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, command)
    }
  }
  return { domain: dkim.domain, selector: dkim.selector, privateKey }
}

/**
 * Runs `run` with the delivery request complete: the password read before the run, or the access
 * token of the saved sign-in --inbox-oauth names (renewed first when it has under five minutes
 * left; what the renewal said opens the transcript, never a token). A sign-in that cannot be used is
 * the run's failure, built by `fail` with those lines. Never throws.
 */
export async function withInbox<R>(
  inbox: InboxRequest,
  password: string | null,
  io: SignInsIO,
  opts: JobOptions,
  run: (delivery: DeliveryRequestInput, preface: string[]) => Promise<R>,
  fail: (error: ClassifiedError, preface: string[], jobId: string, sink: EventSink) => R,
): Promise<R> {
  const preface = [...(opts.preface ?? [])]
  const { user, ...rest } = inbox.delivery
  if (inbox.secret.kind === 'env') return run({ ...rest, user: user!, secret: password!, secretKind: 'password' }, preface)
  const redactor = new Redactor([])
  let delivery: DeliveryRequestInput
  try {
    const { signInForRun } = await import('./oauth-run')
    const name = inbox.secret.name
    const signIn = await signInForRun(name, io, { signal: opts.signal, log: (line) => preface.push(line), redactor })
    const mailbox = user ?? signIn.account
    if (!mailbox) {
      throw new EngineError({
        code: 'INVALID_INPUT',
        message: `The sign-in “${name}” names no mailbox (the server did not say who signed in, as for an app-only sign-in): give the mailbox in the URL, imaps://USER@HOST.`,
      })
    }
    delivery = { ...rest, user: mailbox, secret: signIn.secrets.accessToken, secretKind: 'token' }
    const until = signIn.expiresAt ? `; its access token is valid until ${signIn.expiresAt}` : ''
    preface.push(`OAuth2: the mailbox is read with the saved sign-in “${signIn.name}”${signIn.account ? ` (${signIn.account})` : ''} from ${signIn.issuer}${until}`)
  } catch (err) {
    const info = err instanceof EngineError ? err.info : internalError(err)
    return fail({ ...info, message: redactor.redact(info.message) }, preface, opts.jobId ?? randomUUID(), opts.sink ?? nullSink)
  }
  return run(delivery, preface)
}
