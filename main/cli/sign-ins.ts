// Where the CLI keeps its OAuth2 sign-ins: one file in the data folder that only its owner may read
// (main/core/oauth's FileSignInStore), written by `mailprobe oauth login` and read by `send`/`verify
// --oauth NAME` (oauth-run.ts). main/core/oauth is loaded on first use only.
import { join, resolve } from 'node:path'
import type { FileSignInStore } from '../core/oauth/store-file'
import { EngineError } from '../core/errors'
import { defaultDataDir } from './data-dir'

/** A copy of main/core/oauth's CLI_SIGN_INS_FILE (importing it would load zod at start-up); a unit test keeps them equal. */
export const SIGN_INS_FILE = 'oauth-sign-ins.json'

export interface SignInsIO {
  env: NodeJS.ProcessEnv
  /** Working directory for a relative $MAILPROBE_DATA_DIR (default process.cwd()). */
  cwd?: string
}

/** The data folder the sign-ins file is in, absolute. */
export function signInsDir(io: SignInsIO): string {
  return resolve(io.cwd ?? process.cwd(), defaultDataDir(io.env))
}

/** Where the sign-ins are kept. */
export function signInsPath(io: SignInsIO): string {
  return join(signInsDir(io), SIGN_INS_FILE)
}

/**
 * Runs `use` on the sign-ins file as a store. A file Mailprobe will not use (others can read it, it
 * belongs to someone else, its mode cannot be kept) becomes INVALID_INPUT with the file's own
 * sentence (what to do about it); a damaged one, set aside on reading, is told to `onIssue`.
 */
export async function withSignIns<T>(io: SignInsIO, use: (store: FileSignInStore) => Promise<T>, onIssue: (message: string) => void): Promise<T> {
  const { FileSignInStore, SignInFileError } = await import('../core/oauth/store-file')
  const store = new FileSignInStore(signInsDir(io))
  try {
    return await use(store)
  } catch (err) {
    if (err instanceof SignInFileError) throw new EngineError({ code: 'INVALID_INPUT', message: err.message })
    throw err
  } finally {
    for (const issue of store.issues.splice(0)) onIssue(issue.message)
  }
}
