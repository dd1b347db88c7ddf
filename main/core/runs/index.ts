import { randomUUID } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { basename } from 'node:path'
import type { z } from 'zod'
import type {
  AnyJobResult,
  ApiJob,
  ApiResult,
  ClassifiedError,
  CompareProfileSpec,
  ChecksJob,
  ChecksResult,
  CompareResult,
  ComposedMessage,
  DeliveryRequestInput,
  DomainJob,
  DomainResult,
  JobDelivery,
  JobEvent,
  labRequestSchema,
  ProbeJob,
  ProbeResult,
  Profile,
  runProfileSchema,
  SmtpJob,
  SmtpResult,
  sandboxDeliverySchema,
} from '../../../preload/contract'
import type { SandboxInboxSource } from '../delivery/sandbox-inbox'
import { runSmtp as smtpEngine } from '../smtp'
import { runApi as apiEngine } from '../http'
import { runProbe as probeEngine } from '../probe'
import { runCompare as compareEngine } from '../lab'
import { runDomain as domainEngine } from '../domain'
import { domainFailure, providerLabel } from '../domain/result'
import type { HistoryStore } from '../history/store'
import { actionOfStage } from '../../../preload/contract/wording'
import { PROVIDER_LABELS, summarize, type RunMeta } from '../history/summary'
import type { JobContext, JobManager } from '../jobs/job-manager'
import { EngineError } from '../errors'
import { freshSignIn } from '../oauth/refresh'
import { OperationError } from '../operation-error'
import { SecretUnavailableError, type ProfileSecret, type SecretStore } from '../profiles/secrets'
import type { ProfileStore } from '../profiles/store'
import type { EventSink, JobOptions } from '../transcript/event-sink'
import { apiFailure } from '../http/result'
import { compareFailure } from '../lab/result'
import { probeFailure } from '../probe/result'
import { smtpFailure } from '../smtp/result'
import { failApiJob, failCompareJob, failSmtpJob } from './failures'
import { checksFailure, runChecksJob, type RunChecks } from './checks-job'
import type { BuildCheckJob } from '../checks/run'
import { actionMismatch, buildProfileJob, profileTarget, signsWithDkim, watchesMailbox, type BuiltJob, type ProfileAction, type ProfileJobOptions, type SignedInToken } from './profile-job'

export { buildProfileJob, actionMismatch, profileTarget, type BuiltJob, type ProfileAction, type ProfileJobOptions, type SignedInToken } from './profile-job'

/*
 * Every run the app starts goes through here: it becomes a job (answering at once with its id),
 * streams to the caller's sink, and is recorded in History when its result event passes by —
 * before the caller sees that event, so a History query made on seeing the result finds the run.
 */

/** A runner always gives the engines the job's id, sink and signal (and, before a profile run, its preface lines). */
export type EngineOptions = Required<Pick<JobOptions, 'jobId' | 'sink' | 'signal'>> & JobOptions

/** A profile's job as the runner prepares it: the engine input, a problem (INVALID_INPUT), or a classified error (an OAuth2 sign-in that could not be renewed). */
type Prepared = BuiltJob | { kind: 'smtp' | 'api'; error: ClassifiedError }

/** The engines (substitutable in tests and in the sandbox). */
export interface Engines {
  runSmtp(input: unknown, opts: EngineOptions): Promise<SmtpResult>
  runApi(input: unknown, opts: EngineOptions): Promise<ApiResult>
  runProbe(input: unknown, opts: EngineOptions): Promise<ProbeResult>
  /** The latency lab (optional in a substitute set: the real one is used when absent). */
  runCompare?(input: unknown, opts: EngineOptions): Promise<CompareResult>
  /** Domain readiness (optional in a substitute set, like runCompare). */
  runDomain?(input: unknown, opts: EngineOptions): Promise<DomainResult>
  /** A check file's checks (optional in a substitute set, like runCompare). */
  runChecks?: RunChecks
}

export const defaultEngines: Engines = {
  runSmtp: (input, opts) => smtpEngine(input, opts),
  runApi: (input, opts) => apiEngine(input, opts),
  runProbe: (input, opts) => probeEngine(input, opts),
  runCompare: (input, opts) => compareEngine(input, opts),
  runDomain: (input, opts) => domainEngine(input, opts),
}

export interface RunnerDeps {
  profiles: ProfileStore
  secrets: SecretStore
  /** null: nothing is recorded. */
  history: HistoryStore | null
  engines?: Engines
  now?: () => Date
  /** Told when a run could not be written to History (disk full, …); the run itself is unaffected. */
  onRecordError?: (err: unknown) => void
  /** The embedded sandbox's inbox, for a job whose delivery watch names it; null (or absent): this host runs no sandbox now. */
  sandboxInbox?: () => SandboxInboxSource | null
  /** Where a check file's secrets (passwordEnv, keyEnv …) are read: the app's environment unless a test gives its own. */
  env?: NodeJS.ProcessEnv
  /** How a check becomes its engine job (the CLI's parsers, which the host gives: the core depends on no CLI); without it check files do not run. */
  buildCheckJob?: BuildCheckJob
}

type SandboxDeliveryInput = z.input<typeof sandboxDeliverySchema>

/** Longest DKIM key file read (the contract's limit on a key). */
const MAX_DKIM_KEY_FILE = 100_000

function isResult(value: unknown): value is AnyJobResult {
  const kind = (value as { kind?: unknown } | null)?.kind
  return kind === 'smtp' || kind === 'api' || kind === 'probe' || kind === 'compare' || kind === 'domain' || kind === 'checks'
}

/** The profile action a lab run takes for a profile (verify / send, and the API's sandbox mode when asked). */
export function labActionFor(profile: Profile, action: 'verify' | 'send', apiSandbox: boolean): ProfileAction {
  if (profile.kind === 'smtp') return action === 'verify' ? 'verify' : 'send'
  return action === 'verify' ? 'api-verify' : apiSandbox ? 'api-sandbox' : 'api-send'
}

/** The message a lab send carries when the caller gave none (to each profile's default recipients). */
export function labMessage(now: Date): ComposedMessage {
  return {
    to: [],
    cc: [],
    bcc: [],
    subject: `Mailprobe lab ${now.toISOString().slice(0, 19).replace('T', ' ')}`,
    text: 'A latency-lab run of Mailprobe: each run sends this message once.',
    attachments: [],
    headers: [],
  }
}

/** Profile names as the comparison shows them: unique (a second "Relay" becomes "Relay (2)"). */
export function labNames(profiles: readonly Profile[]): string[] {
  const seen = new Map<string, number>()
  return profiles.map((p) => {
    const n = (seen.get(p.name) ?? 0) + 1
    seen.set(p.name, n)
    if (n === 1) return p.name
    const suffix = ` (${n})`
    return `${p.name.slice(0, 80 - suffix.length)}${suffix}`
  })
}

export class Runner {
  private readonly engines: Engines
  private readonly now: () => Date

  constructor(private readonly deps: RunnerDeps) {
    this.engines = deps.engines ?? defaultEngines
    this.now = deps.now ?? (() => new Date())
  }

  /** A direct SMTP run (the quick form, or any host) — recorded without a profile. */
  smtp(jobs: JobManager, input: SmtpJob): { jobId: string } {
    const meta = this.meta('smtp', actionOfStage(input.stopAfter), null, { stopAfter: input.stopAfter, fallbackTarget: `${input.host}:${input.port}` })
    return jobs.start(
      (ctx) => this.engines.runSmtp(input, this.withInbox(this.options(ctx, meta), input.delivery)),
      (error) => smtpFailure(error, { host: input.host, port: input.port, security: input.security }),
    )
  }

  /** A direct HTTPS API run — recorded without a profile. */
  api(jobs: JobManager, input: ApiJob): { jobId: string } {
    const action = input.action === 'verify' ? 'api-verify' : input.sandbox ? 'api-sandbox' : 'api-send'
    const meta = this.meta('api', action, null, { fallbackTarget: PROVIDER_LABELS[input.provider] })
    return jobs.start(
      (ctx) => this.engines.runApi(input, this.withInbox(this.options(ctx, meta), input.delivery)),
      (error) => apiFailure(error, { provider: input.provider, action: input.action }),
    )
  }

  /** A port probe — recorded. */
  probe(jobs: JobManager, input: ProbeJob): { jobId: string } {
    const meta = this.meta('probe', 'probe', null, { fallbackTarget: input.host })
    return jobs.start(
      (ctx) => this.engines.runProbe(input, this.options(ctx, meta)),
      (error) => probeFailure(error, { host: input.host, mode: input.mx ? 'mx' : 'host', timeoutMs: input.timeoutMs }),
    )
  }

  /** A domain-readiness run — recorded without a profile, its target the domain (a profile's domain chip finds it by that). */
  domain(jobs: JobManager, input: DomainJob): { jobId: string } {
    const meta = this.meta('domain', 'domain', null, { fallbackTarget: input.domain })
    const engine = this.engines.runDomain ?? defaultEngines.runDomain!
    return jobs.start(
      (ctx) => engine(input, this.options(ctx, meta)),
      (error) => domainFailure(error, { domain: input.domain, provider: providerLabel(input) }),
    )
  }

  /**
   * A check file the caller picked: loaded (a bad file ends the job with its problems and lines),
   * its checks run with the app's environment for the secrets they name; recorded in History with
   * the file's name as its target and "4 of 5 checks pass" as its verdict.
   */
  checks(jobs: JobManager, input: ChecksJob): { jobId: string } {
    const file = basename(input.path)
    const meta = this.meta('checks', 'checks', null, { fallbackTarget: file })
    const buildJob = this.deps.buildCheckJob
    // Loaded on first use: the checks engine pulls in every other engine and the assertions.
    const run: RunChecks | undefined = this.engines.runChecks ?? (buildJob && (async (f, o) => (await import('../checks/index')).runChecks(f, { ...o, buildJob })))
    if (!run) throw new OperationError('INVALID_INPUT', 'This host cannot run check files (it was started without the check builder).')
    const env = this.deps.env ?? process.env
    return jobs.start(
      (ctx) => {
        const opts = this.options(ctx, meta)
        return runChecksJob(input, { jobId: ctx.jobId, sink: opts.sink, signal: ctx.signal }, env, run)
      },
      (error): ChecksResult => checksFailure(error, file),
    )
  }

  /**
   * Runs a saved profile: its secret is decrypted inside the job and given only to the engine.
   * An unknown profile or an action that does not fit it is refused at once (OperationError);
   * anything found later (no saved secret, a secret that cannot be decrypted, no sender) ends the
   * job with INVALID_INPUT and a sentence saying what to do. A send from a profile with a mailbox
   * waits for delivery unless `awaitInbox` is false.
   */
  profile(jobs: JobManager, input: z.output<typeof runProfileSchema>): { jobId: string } {
    const profile = this.deps.profiles.get(input.profileId)
    if (!profile) throw new OperationError('NOT_FOUND', `No profile with id ${input.profileId}: it may have been deleted.`)
    const mismatch = actionMismatch(profile, input.action)
    if (mismatch) throw new OperationError('INVALID_INPUT', mismatch)
    const meta = this.meta(profile.kind, input.action, profile, { fallbackTarget: profileTarget(profile) })
    const message = input.message
    const apiAction = input.action === 'api-verify' ? 'verify' : 'send'
    const crashed = (error: ClassifiedError): SmtpResult | ApiResult =>
      profile.kind === 'smtp' ? smtpFailure(error, { host: profile.host, port: profile.port, security: profile.security }) : apiFailure(error, { provider: profile.provider, action: apiAction })

    return jobs.start(async (ctx) => {
      const opts = this.options(ctx, meta)
      const preface: string[] = []
      const built = await this.prepare(profile, input.action, message, ctx.signal, preface, input.awaitInbox ?? true)
      if ('problem' in built || 'error' in built) {
        const error: ClassifiedError = 'error' in built ? built.error : { code: 'INVALID_INPUT', message: built.problem }
        if (profile.kind === 'smtp') return failSmtpJob(ctx.jobId, opts.sink, error, { host: profile.host, port: profile.port, security: profile.security }, preface)
        return failApiJob(ctx.jobId, opts.sink, error, profile.provider, apiAction)
      }
      if (built.kind === 'smtp') {
        meta.stopAfter = built.stopAfter
        return this.engines.runSmtp(built.input, this.withInbox({ ...opts, preface }, built.input.delivery))
      }
      return this.engines.runApi(built.input, this.withInbox(opts, built.input.delivery))
    }, crashed)
  }

  /**
   * A latency-lab comparison of 2–4 saved profiles: each profile's job is built the way a profile
   * run builds it (buildProfileJob: secrets decrypted here, inside the job), then runCompare runs
   * them interleaved, streaming progress; the result is recorded in History.
   */
  compare(jobs: JobManager, input: z.output<typeof labRequestSchema>): { jobId: string } {
    const chosen: Profile[] = []
    for (const id of input.profileIds) {
      const profile = this.deps.profiles.get(id)
      if (!profile) throw new OperationError('NOT_FOUND', `No profile with id ${id}: it may have been deleted.`)
      if (chosen.some((p) => p.id === id)) throw new OperationError('INVALID_INPUT', `"${profile.name}" is chosen twice: compare different profiles.`)
      chosen.push(profile)
    }
    const names = labNames(chosen)
    // A send needs a body (the APIs refuse an empty one); without the composer's message each profile's default envelope gets this one.
    const message = input.message ?? (input.action === 'send' ? labMessage(this.now()) : undefined)
    const meta = this.meta('compare', 'compare', null, { fallbackTarget: names.join(' vs ') })
    const engine = this.engines.runCompare ?? defaultEngines.runCompare!
    const request = { mode: input.mode, action: input.action, runs: input.runs, concurrency: input.concurrency, toInbox: input.toInbox }

    return jobs.start(
      async (ctx) => {
        const opts = this.options(ctx, meta)
        const specs: CompareProfileSpec[] = []
        const preface: string[] = []
        for (const [i, profile] of chosen.entries()) {
          // Measured to the inbox: each profile's job carries its mailbox watch (the lab refuses a profile without one).
          const built = await this.prepare(profile, labActionFor(profile, input.action, input.apiSandbox), message, ctx.signal, preface, input.toInbox)
          if ('problem' in built || 'error' in built) {
            const error: ClassifiedError = 'error' in built ? built.error : { code: 'INVALID_INPUT', message: built.problem }
            return failCompareJob(ctx.jobId, opts.sink, error, request, preface)
          }
          specs.push(built.kind === 'smtp' ? { kind: 'smtp', name: names[i]!, job: built.input } : { kind: 'api', name: names[i]!, job: built.input })
        }
        const inbox = input.toInbox ? (this.deps.sandboxInbox?.() ?? null) : null
        return engine(
          { profiles: specs, runs: input.runs, mode: input.mode, concurrency: input.concurrency, action: input.action, toInbox: input.toInbox },
          { ...opts, preface, ...(inbox ? { sandboxInbox: inbox } : {}) },
        )
      },
      (error) => compareFailure(error, request),
    )
  }

  /**
   * The job of a profile, inside the job: an OAuth2 profile's token first (its sign-in, renewed when
   * it has under five minutes left: the renewal's info lines go to `preface`, never a token), then
   * buildProfileJob with the saved secrets. `awaitInbox`: watch the profile's mailbox after a send
   * (a profile run asks for it unless the composer turned it off; a comparison when measured to the inbox).
   */
  private async prepare(profile: Profile, action: ProfileAction, message: ComposedMessage | undefined, signal: AbortSignal, preface: string[], awaitInbox = false): Promise<Prepared> {
    let token: SignedInToken | null = null
    if (profile.kind === 'smtp' && profile.oauth && !actionMismatch(profile, action)) {
      const signedIn = await this.tokenOf(profile, signal, preface)
      if ('error' in signedIn) return { kind: 'smtp', error: signedIn.error }
      token = signedIn.token
    }
    return this.buildWithSecret(profile, action, { message, token, awaitInbox })
  }

  /**
   * An OAuth2 profile's access token, from its sign-in (freshSignIn renews and saves it when it is
   * about to expire). No sign-in yet: token null (buildProfileJob says "Sign in first"). The sign-in
   * is saved under the profile's id; lines and errors name the profile instead.
   */
  private async tokenOf(profile: Profile, signal: AbortSignal, preface: string[]): Promise<{ token: SignedInToken | null } | { error: ClassifiedError }> {
    const signIns = this.deps.profiles.signIns
    const named = (text: string) => text.split(`“${profile.id}”`).join(`“${profile.name}”`)
    if (!signIns.has(profile.id)) return { token: null }
    try {
      const signIn = await freshSignIn(signIns, profile.id, { signal, log: (line) => preface.push(named(line)) })
      return { token: { accessToken: signIn.secrets.accessToken, account: signIn.account } }
    } catch (err) {
      if (err instanceof SecretUnavailableError) {
        return { error: { code: 'OAUTH_SIGN_IN_AGAIN', message: `The OAuth2 sign-in of profile "${profile.name}" cannot be used: ${err.message}. Sign in again.` } }
      }
      if (err instanceof EngineError) return { error: { ...err.info, message: named(err.info.message) } }
      throw err
    }
  }

  /**
   * buildProfileJob with the profile's secrets, decrypted here (inside the job): the login secret,
   * the proxy password when it has a proxy, the mailbox password when the run watches an IMAP
   * mailbox that logs in with one, and the DKIM key when the send is signed (read from its key file
   * now, or the saved one). A saved secret that cannot be used is a problem like a missing one.
   */
  private async buildWithSecret(profile: Profile, action: ProfileAction, o: Pick<ProfileJobOptions, 'message' | 'token' | 'awaitInbox'>): Promise<BuiltJob> {
    const secrets = this.deps.secrets
    const mailbox = profile.mailbox
    const needsMailboxPassword = mailbox?.kind === 'imap' && mailbox.login === 'password' && watchesMailbox(profile, action, o.awaitInbox)
    const dkim = profile.kind === 'smtp' && signsWithDkim(profile, action) ? profile.dkim : undefined
    let secret: ProfileSecret | null
    let proxyPassword: string | null = null
    let mailboxPassword: string | null = null
    let dkimKey: string | null = null
    let what = 'secret'
    try {
      secret = await secrets.get(profile.id)
      what = 'proxy password'
      if (profile.network.proxy) proxyPassword = await secrets.getProxyPassword(profile.id)
      what = 'mailbox password'
      if (needsMailboxPassword) mailboxPassword = await secrets.getMailboxPassword(profile.id)
      what = 'DKIM key'
      if (dkim && !dkim.keyFile) dkimKey = await secrets.getDkimKey(profile.id)
    } catch (err) {
      if (!(err instanceof SecretUnavailableError)) throw err
      return { kind: profile.kind, problem: `The saved ${what} of profile "${profile.name}" cannot be used: ${err.message}. Enter it again in the profile editor.` }
    }
    if (dkim?.keyFile) {
      const read = await readKeyFile(dkim.keyFile)
      if ('problem' in read) return { kind: profile.kind, problem: `The DKIM key file ${dkim.keyFile} of profile "${profile.name}" ${read.problem}` }
      dkimKey = read.key
    }
    return buildProfileJob(profile, action, { ...o, secret, proxyPassword, mailboxPassword, dkimKey })
  }

  /** The engine options with the sandbox's inbox, when the job's delivery watch names it. */
  private withInbox(opts: EngineOptions, delivery: JobDelivery | DeliveryRequestInput | SandboxDeliveryInput | undefined): EngineOptions {
    if (!delivery || !('inbox' in delivery)) return opts
    const inbox = this.deps.sandboxInbox?.() ?? null
    return inbox ? { ...opts, sandboxInbox: inbox } : opts
  }

  private meta(kind: RunMeta['kind'], action: RunMeta['action'], profile: { id: string; name: string } | null, extra: Partial<RunMeta>): RunMeta {
    return { jobId: '', kind, action, profileId: profile?.id ?? null, profileName: profile?.name ?? null, startedAt: '', ...extra }
  }

  /** Engine options whose sink records the result in History on its way to the caller. */
  private options(ctx: JobContext, meta: RunMeta): EngineOptions {
    meta.jobId = ctx.jobId
    meta.startedAt = this.now().toISOString()
    let recorded = false
    const sink: EventSink = {
      emit: (event: JobEvent) => {
        if (event.type === 'result' && !recorded) {
          recorded = true
          this.record(meta, event.result)
        }
        ctx.sink.emit(event)
      },
    }
    return { jobId: ctx.jobId, signal: ctx.signal, sink }
  }

  private record(meta: RunMeta, result: unknown): void {
    const history = this.deps.history
    if (!history || !isResult(result)) return
    try {
      const summary = summarize(randomUUID(), meta, result)
      history.record(summary, result, meta.stopAfter ? { stopAfter: meta.stopAfter } : {}).catch((err: unknown) => this.deps.onRecordError?.(err))
    } catch (err) {
      this.deps.onRecordError?.(err)
    }
  }
}

/** A DKIM key file's text, read when the run starts; what went wrong names the file's state, never its content. */
async function readKeyFile(path: string): Promise<{ key: string } | { problem: string }> {
  try {
    const info = await stat(path)
    if (!info.isFile()) return { problem: 'is not a file: give the path of the PEM private key in the profile editor.' }
    if (info.size > MAX_DKIM_KEY_FILE) return { problem: `is ${info.size} bytes, too large for a DKIM key: give the path of the PEM private key in the profile editor.` }
    return { key: await readFile(path, 'utf8') }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error'
    return { problem: `cannot be read (${code}): check the path in the profile editor, and that Mailprobe may read the file.` }
  }
}
