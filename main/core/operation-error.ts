import type { ErrorCode } from '../../preload/contract'

/**
 * A request a store or handler refuses on purpose ("No profile with id …", "The file is not a
 * Mailprobe profiles export"). The dispatcher answers it as `{ ok: false, error: { code, message } }`
 * with the message as written — unlike an unexpected exception, which becomes INTERNAL.
 */
export class OperationError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'OperationError'
  }
}
