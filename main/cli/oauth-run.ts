// send and verify with a saved sign-in (--oauth NAME): the sign-in's access token, renewed first when
// under five minutes are left, goes in XOAUTH2 or OAUTHBEARER for its account (or the mailbox --user
// names). What the renewal said opens the session's transcript as info lines (never a token); a
// sign-in that cannot be used is the run's failure, with those lines. Loaded only for --oauth (and
// --inbox-oauth, through inbox-run.ts): bin/mailprobe.cjs runs those sends from the full bundle, and
// the send/verify bundle leaves this out.
import { randomUUID } from 'node:crypto'
import type { SmtpJobInput, SmtpResult } from '../../preload/contract'
import { EngineError, internalError } from '../core/errors'
import { freshSignIn } from '../core/oauth/refresh'
import type { SignIn } from '../core/oauth/sign-in'
import { failSmtpJob } from '../core/runs/failures'
import { runSmtp } from '../core/smtp/index'
import type { SmtpFailureTarget } from '../core/smtp/result'
import { nullSink, type JobOptions } from '../core/transcript/event-sink'
import { Redactor } from '../core/transcript/redact'
import type { RunRequest } from './args'
import { withSignIns, type SignInsIO } from './sign-ins'

interface RunSignInOptions {
  signal?: AbortSignal
  /** The renewal's info lines (already redacted; never a token). */
  log?: (line: string) => void
  /** Gets every secret of the sign-in, old and new. */
  redactor?: Redactor
}

/**
 * The saved sign-in `name` as a run uses it: renewed first when its access token has under five
 * minutes left (and saved renewed). Throws EngineError: INVALID_INPUT (no such sign-in, or a file it
 * will not use), OAUTH_SIGN_IN_AGAIN, CANCELLED, or what reaching the issuer failed with.
 */
export function signInForRun(name: string, io: SignInsIO, opts: RunSignInOptions = {}): Promise<SignIn> {
  return withSignIns(
    io,
    async (store) => {
      if (!(await store.get(name))) {
        throw new EngineError({ code: 'INVALID_INPUT', message: `There is no saved sign-in named “${name}” in ${store.path}: sign in first (mailprobe oauth login --name ${name} …).` })
      }
      return freshSignIn(store, name, opts)
    },
    (issue) => opts.log?.(issue),
  )
}

/**
 * Runs the SMTP job `input` (without credentials) with the sign-in --oauth names; `target` is what a
 * failure before the session names. Never throws.
 */
export async function runWithSignIn(oauth: NonNullable<RunRequest['oauth']>, input: SmtpJobInput, target: SmtpFailureTarget, io: SignInsIO, opts: JobOptions): Promise<SmtpResult> {
  const redactor = new Redactor([])
  const preface = [...(opts.preface ?? [])]
  let auth: NonNullable<SmtpJobInput['auth']>
  try {
    const signIn = await signInForRun(oauth.name, io, { signal: opts.signal, log: (line) => preface.push(line), redactor })
    const user = oauth.user ?? signIn.account
    if (!user) {
      throw new EngineError({
        code: 'INVALID_INPUT',
        message: `The sign-in “${oauth.name}” names no mailbox (the server did not say who signed in, as for an app-only sign-in): give the mailbox with --user.`,
      })
    }
    auth = { method: oauth.method, user, secret: signIn.secrets.accessToken, secretKind: 'token' }
    const until = signIn.expiresAt ? `; its access token is valid until ${signIn.expiresAt}` : ''
    preface.push(`OAuth2: using the saved sign-in “${signIn.name}”${signIn.account ? ` (${signIn.account})` : ''} from ${signIn.issuer}${until}`)
  } catch (err) {
    const info = err instanceof EngineError ? err.info : internalError(err)
    return failSmtpJob(opts.jobId ?? randomUUID(), opts.sink ?? nullSink, { ...info, message: redactor.redact(info.message) }, target, preface)
  }
  return runSmtp({ ...input, auth }, { ...opts, preface })
}
