import type { ClassifiedError, ErrorCode, ServerReply } from '../../preload/contract'

/** A failure the engines raise on purpose: it already carries its code and its sentence. */
export class EngineError extends Error {
  constructor(readonly info: ClassifiedError) {
    super(info.message)
    this.name = 'EngineError'
  }
}

/** The classified error of something that should never happen (an engine or a handler threw): INTERNAL, with what was thrown. */
export function internalError(err: unknown): ClassifiedError & { code: 'INTERNAL' } {
  return { code: 'INTERNAL', message: `Mailprobe failed unexpectedly: ${err instanceof Error ? err.message : String(err)}` }
}

export function fail(code: ErrorCode, message: string, extras: { reply?: ServerReply; detail?: string } = {}): never {
  throw new EngineError({ code, message, ...extras })
}

/** Parses "550 5.1.1 No such user" (first line of a possibly multi-line reply) into {code, text}. */
export function parseReply(response: unknown): ServerReply | undefined {
  if (typeof response !== 'string') return undefined
  const m = /^(\d{3})[ -]?(.*)$/s.exec(response.trim())
  if (!m) return undefined
  const text = m[2]!
    .split(/\r?\n/)
    .map((l) => l.replace(/^\d{3}[ -]?/, ''))
    .join(' ')
    .trim()
  return { code: Number(m[1]), text }
}

/** What a wait rejects with when its signal aborts (the code Node's own AbortError carries); every engine classifies it as CANCELLED. */
export function abortError(): Error {
  return Object.assign(new Error('cancelled'), { code: 'ABORT_ERR' })
}

export function isAbort(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === 'ABORT_ERR'
}
