import type { ClassifiedError, ErrorCode, ServerReply } from '../../preload/contract'

/** A failure the engines raise on purpose: it already carries its code and its sentence. */
export class EngineError extends Error {
  constructor(readonly info: ClassifiedError) {
    super(info.message)
    this.name = 'EngineError'
  }
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

export function isCancelled(signal: AbortSignal | undefined): boolean {
  return !!signal?.aborted
}

export const CANCELLED: ClassifiedError = { code: 'CANCELLED', message: 'Cancelled before it finished; nothing more was sent.' }
