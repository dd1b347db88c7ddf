/**
 * How one profile's runs are made: a lane per profile. Cold lanes open a new connection for every
 * run (runSmtp / runApi as they are). Warm lanes keep connections open between runs: an
 * authenticated SMTP session (WarmSmtpSession) or an HTTP keep-alive connection (ApiKeepAlive),
 * one per run in flight (one in all at concurrency 1). Opening one is the lane's setup, measured
 * apart and not counted in the samples.
 *
 * A job with `delivery` (the lab measuring to the inbox) is watched after each run's send: by the
 * engine (runSmtp, runApi) or, warm SMTP, by the session's send; a warm lane's setup never carries it.
 */
import type { ApiJob, ApiResult, SmtpJob, SmtpResult } from '../../../preload/contract'
import { createKeepAlive, runApi, type ApiKeepAlive } from '../http'
import { runSmtp } from '../smtp'
import { WarmSmtpSession } from '../smtp/warm'
import type { JobOptions } from '../transcript/event-sink'
import type { ProfileSetup } from './stats'

export interface RunOutcome {
  result: SmtpResult | ApiResult
  /** The run used a connection opened before it. */
  reused: boolean
}

export interface Lane {
  readonly kind: 'smtp' | 'api'
  /** Setups of warm connections so far (null for a cold lane). */
  readonly setups: ProfileSetup[] | null
  /** Notes for the transcript (a setup that failed, a run that had to reconnect). */
  readonly notes: string[]
  run(signal: AbortSignal): Promise<RunOutcome>
  close(): Promise<void>
}

export type LabAction = 'verify' | 'send'

/** What every run of a lane is given besides its signal: the sandbox's inbox, for a delivery watch that names it. */
export type LaneOptions = Pick<JobOptions, 'sandboxInbox'>

type Headed = { headers: { name: string; value: string }[] }

/**
 * The run's own copy of a message's header list: a watched send adds its token header to the
 * message it is given (tagMessage), and no run may carry another run's token.
 */
export function ownMessage<M extends Headed | undefined>(message: M): M {
  return (message ? { ...message, headers: [...message.headers] } : message) as M
}

export function coldLane(spec: { kind: 'smtp'; job: SmtpJob } | { kind: 'api'; job: ApiJob }, opts: LaneOptions = {}): Lane {
  return {
    kind: spec.kind,
    setups: null,
    notes: [],
    async run(signal) {
      const o = { signal, sandboxInbox: opts.sandboxInbox }
      const result = spec.kind === 'smtp' ? await runSmtp({ ...spec.job, message: ownMessage(spec.job.message) }, o) : await runApi({ ...spec.job, message: ownMessage(spec.job.message) }, o)
      return { result, reused: false }
    },
    async close() {},
  }
}

/** A warm SMTP lane: sessions opened up to AUTH, then one transaction (or NOOP for verify) per run. */
export function warmSmtpLane(job: SmtpJob, action: LabAction, opts: LaneOptions = {}): Lane {
  const idle: WarmSmtpSession[] = []
  const all = new Set<WarmSmtpSession>()
  const setups: ProfileSetup[] = []
  const notes: string[] = []
  return {
    kind: 'smtp',
    setups,
    notes,
    async run(signal) {
      let session = idle.pop()
      while (session && !session.open) {
        all.delete(session)
        session = idle.pop()
      }
      if (!session) {
        const opened = await WarmSmtpSession.open(job, { signal })
        setups.push({ ok: opened.result.ok, totalMs: opened.result.totalMs, roundTrips: opened.result.roundTrips })
        if (!opened.session) {
          if (opened.result.error?.code !== 'CANCELLED') notes.push(`opening the session failed: ${opened.result.error?.code ?? 'error'}`)
          // The run fails with the reason the session could not be opened.
          return { result: opened.result, reused: false }
        }
        session = opened.session
        all.add(session)
      }
      try {
        const result = action === 'send' ? await session.send(ownMessage(job.message), { signal, delivery: job.delivery, sandboxInbox: opts.sandboxInbox }) : await session.noop({ signal })
        return { result, reused: true }
      } finally {
        if (session.open) idle.push(session)
        else all.delete(session)
      }
    },
    async close() {
      idle.length = 0
      await Promise.all([...all].map((s) => s.close()))
      all.clear()
    },
  }
}

/** A warm API lane: keep-alive connections, each opened by a key check (nothing sent) where the provider has one. */
export function warmApiLane(job: ApiJob, opts: LaneOptions = {}): Lane {
  const idle: ApiKeepAlive[] = []
  const all = new Set<ApiKeepAlive>()
  const setups: ProfileSetup[] = []
  const notes: string[] = []
  const canWarm = job.provider !== 'generic'
  return {
    kind: 'api',
    setups,
    notes,
    async run(signal) {
      let keepAlive = idle.pop()
      if (!keepAlive) {
        keepAlive = createKeepAlive()
        all.add(keepAlive)
        if (canWarm) {
          const { message: _m, delivery: _d, ...rest } = job
          const warmup = await runApi({ ...rest, action: 'verify', sandbox: false }, { signal, keepAlive })
          setups.push({ ok: warmup.ok, totalMs: warmup.totalMs, roundTrips: warmup.roundTrips })
          if (!warmup.ok && warmup.error?.code !== 'CANCELLED')
            notes.push(`the key check that opens the connection failed (${warmup.error?.code ?? 'error'}); runs reuse the connection if it stayed open`)
        } else {
          setups.push({ ok: true, totalMs: 0, roundTrips: 0 })
          notes.push('the generic endpoint has no key check to open a connection with: the first run on each connection includes connecting')
        }
      }
      try {
        const result = await runApi({ ...job, message: ownMessage(job.message) }, { signal, keepAlive, sandboxInbox: opts.sandboxInbox })
        return { result, reused: !result.phases.some((p) => p.name === 'connect') }
      } finally {
        idle.push(keepAlive)
      }
    },
    async close() {
      for (const k of all) k.close()
      idle.length = 0
      all.clear()
    },
  }
}
