import type { Envelope } from '@contract'

/** A failed operation as the UI reports it. */
export interface OpError {
  code: string
  message: string
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: OpError }

/** Awaits an operation; a rejected promise (a dropped bridge) becomes an INTERNAL error, never a throw. */
export async function settle<T>(call: () => Promise<Envelope<T>>): Promise<Outcome<T>> {
  try {
    const answer = await call()
    return answer.ok ? { ok: true, value: answer.value } : { ok: false, error: answer.error }
  } catch (err) {
    return { ok: false, error: { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) } }
  }
}

/** "CODE: message", for banners. */
export const describeError = (e: OpError): string => (e.code && e.code !== 'INTERNAL' ? `${e.code}: ${e.message}` : e.message)
