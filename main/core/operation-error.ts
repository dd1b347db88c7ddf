import type { OperationErrorCode } from '../../preload/contract'

/**
 * A request a store or handler refuses on purpose ("No profile with id …", "The file is not a
 * Mailprobe profiles export"). The dispatcher answers it as `{ ok: false, error: { code, message } }`
 * with the message as written — unlike an unexpected exception, which becomes INTERNAL. The code is
 * one of the contract's OPERATION_ERROR_CODES: nothing else may leave main.
 */
export class OperationError extends Error {
  constructor(
    readonly code: OperationErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'OperationError'
  }
}
