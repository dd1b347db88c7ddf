import { homedir } from 'node:os'
import { join } from 'node:path'
import type { KeyringStatus } from '../../preload/contract'
import { OperationError } from '../core/operation-error'
import { MemorySecretStore } from '../core/profiles/secrets'
import { openAppServices, type AppServices, type FilesAdapter } from '../core/services'
import type { EventSink } from '../core/transcript/event-sink'
import { createClient, type Push } from '../ipc/handlers'
import type { BridgeClient } from './server'
import { buildCheckJob } from '../cli/check-jobs'

/*
 * What the browser host plugs into the shared handlers table. It differs from Electron's only where
 * a browser must: no OS keyring (secrets live in memory for the life of the process), no native
 * file dialogs (the page offers a typed path or a paste; a check file, which needs main's own
 * dialog, does not run here), downloads made by the page itself, and links opened by the page.
 */

export const WEB_KEYRING_STATUS: KeyringStatus = {
  protected: false,
  backend: 'memory',
  note: 'Browser build: secrets are kept in memory only. They are never written to disk, and the web host forgets them when it stops — enter them again after a restart.',
}

export const NO_DIALOGS_MESSAGE = 'File dialogs are not available in the browser build: type the file’s path, or paste its content, instead.'

/**
 * A check file has no typed-path or paste fallback: it sends the app's environment's secrets where it
 * says, so main runs only one the person chose in main's own dialog, which this host does not have.
 */
export const NO_CHECKS_DIALOG_MESSAGE =
  'The browser build cannot run a check file: it sends the app’s environment secrets where the file says, so it runs only from a file chosen in the desktop app’s Run check file dialog. Run it there, or with mailprobe check FILE.'

/** The browser host's files: no dialogs in main; saving is a download the page makes itself. */
export const browserFiles: FilesAdapter = {
  pickFiles: async (input) => {
    throw new OperationError('INVALID_INPUT', input.purpose === 'checks' ? NO_CHECKS_DIALOG_MESSAGE : NO_DIALOGS_MESSAGE)
  },
  saveFile: async () => ({ saved: false, path: null }),
}

/** A per-user folder for the browser host's data, apart from the desktop app's. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  if (platform === 'win32') return join(env.APPDATA || join(home, 'AppData', 'Roaming'), 'mailprobe-web')
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'mailprobe-web')
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'mailprobe-web')
}

/** Opens the stores in `dataDir` with the browser host's adapters. */
export function openWebServices(dataDir: string): Promise<AppServices> {
  return openAppServices({
    dataDir,
    secrets: new MemorySecretStore(WEB_KEYRING_STATUS),
    files: browserFiles,
    // The page opens links itself (a new tab); main opens nothing on a browser's behalf. Without
    // openSignInPage, an OAuth2 sign-in sends its page's address to the page, which opens it in a new tab.
    openExternal: async () => false,
    // Check files: the CLI's parsers turn each check into its engine job (one mapping from flags to jobs).
    buildCheckJob,
    onRecordError: (err) => process.stderr.write(`mailprobe web: a run could not be saved to History: ${err instanceof Error ? err.message : String(err)}\n`),
    onSandboxError: (err) => process.stderr.write(`mailprobe web: the sandbox profiles could not be saved: ${err instanceof Error ? err.message : String(err)}\n`),
  })
}

/** One handlers client per bridge socket, all sharing `services`. */
export function webClientFactory(services: AppServices): (sink: EventSink, push: Push) => BridgeClient {
  return (sink, push) => createClient(sink, services, push)
}
