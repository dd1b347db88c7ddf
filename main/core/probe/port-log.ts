import type { ClassifiedError, Direction, ProbePhaseName } from '../../../preload/contract'
import { EngineError, isAbort } from '../errors'
import type { LineOptions, NetLog } from '../net/log'
import type { SmtpReply } from '../net/reply-reader'
import type { JobRecorder } from '../transcript/recorder'

/**
 * One port's voice in the job: transcript lines and phases tagged with the port (and, in domain
 * mode, prefixed with the MX host, since several hosts share port 25).
 */
export class PortLog implements NetLog {
  roundTrips = 0

  constructor(
    private readonly rec: JobRecorder<ProbePhaseName>,
    readonly port: number,
    private readonly prefix = '',
  ) {}

  now(): number {
    return this.rec.now()
  }

  line(dir: Direction, text: string, opts: LineOptions = {}): void {
    this.rec.line(dir, this.prefix + text, { ...opts, port: this.port })
  }

  /** An SMTP reply as the server sent it, one transcript line per reply line. */
  reply(r: SmtpReply, t?: number): void {
    const at = t ?? this.now()
    r.lines.forEach((l, i) => this.rec.line('s', `${this.prefix}${r.code}${i < r.lines.length - 1 ? '-' : ' '}${l}`, { t: at, port: this.port }))
  }

  phase(name: ProbePhaseName, startMs: number, endMs: number, roundTrips: number): void {
    this.roundTrips += roundTrips
    this.rec.phase({ name, startMs, durationMs: Math.max(0, Math.round((endMs - startMs) * 1000) / 1000), roundTrips, port: this.port })
  }
}

/** Any failure inside the probe as a classified error; `what` names what we were waiting for. */
export function probeError(err: unknown, what: string, timeoutMs: number): ClassifiedError {
  if (err instanceof EngineError) return err.info
  if (isAbort(err)) return { code: 'CANCELLED', message: 'Cancelled before the probe finished.' }
  const code = (err as { code?: string } | null)?.code
  if (code === 'REPLY_TIMEOUT') {
    // The reader says "no a reply to EHLO within 1000 ms"; make it a sentence.
    const said = err instanceof Error ? err.message.replace(/^no an? /, 'no ') : `no ${what} within ${timeoutMs} ms`
    return { code: 'SOCKET_TIMEOUT', message: `${said.charAt(0).toUpperCase()}${said.slice(1)}.` }
  }
  return { code: 'INTERNAL', message: `Unexpected failure while waiting for ${what}: ${err instanceof Error ? err.message : String(err)}.` }
}
