// Shared by the OAuth2 flow tests.
import { expect } from 'vitest'
import { EngineError } from '../../../main/core/errors'

/** The classified error a sign-in step rejects with (failing the test if it resolves or throws anything else). */
export async function failure(p: Promise<unknown>): Promise<EngineError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(EngineError)
  return err as EngineError
}
