import { operationFailure, type Envelope, type OperationFailure } from '@contract'

/** A failed operation as the UI reports it: its code is one of the contract's OPERATION_ERROR_CODES. */
export type OpError = OperationFailure

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: OpError }

/** Awaits an operation; a rejected promise (a dropped bridge) becomes an INTERNAL error, never a throw. */
export async function settle<T>(call: () => Promise<Envelope<T>>): Promise<Outcome<T>> {
  try {
    return await call()
  } catch (err) {
    return operationFailure('INTERNAL', err instanceof Error ? err.message : String(err))
  }
}

/** "CODE: message", for banners. */
export const describeError = (e: OpError): string => (e.code !== 'INTERNAL' ? `${e.code}: ${e.message}` : e.message)
