import { join } from 'node:path'
import type { Preset, StorageIssue } from '../../preload/contract'
import { HistoryStore } from './history/store'
import { listPresets } from './profiles/presets'
import { FileSecretStore, MemorySecretStore, type Cipher, type SecretStore } from './profiles/secrets'
import { ProfileStore } from './profiles/store'
import { Runner, type Engines } from './runs'
import type { BuildCheckJob } from './checks/run'
import { AppSandbox, type StartSandbox } from './sandbox/app'
import { SettingsStore } from './settings'

/*
 * Everything the operations need, opened once per app (not per window): the stores, the runner,
 * and the host's adapters for file dialogs and links. Electron (main/adapters/services.ts) and
 * the browser host (`npm run web`) both build one and hand it to main/ipc/handlers.ts.
 */

/** File dialogs: Electron's in the app; a browser host supplies its own (or `noFiles`). */
export interface FilesAdapter {
  /** Lets the user choose files; an empty list when they cancel. */
  pickFiles(input: { purpose: 'attachment' | 'ca' | 'import' | 'checks'; multiple: boolean }): Promise<{ paths: string[] }>
  /** Lets the user choose where to save `content` and writes it there. */
  saveFile(input: { suggestedName: string; content: string }): Promise<{ saved: boolean; path: string | null }>
}

/** For hosts without dialogs: nothing is picked, nothing is saved. */
export const noFiles: FilesAdapter = {
  pickFiles: async () => ({ paths: [] }),
  saveFile: async () => ({ saved: false, path: null }),
}

export interface AppServices {
  profiles: ProfileStore
  secrets: SecretStore
  history: HistoryStore
  presets: readonly Preset[]
  files: FilesAdapter
  /** Opens an https link in the user's browser; false when refused or impossible. */
  openExternal(url: string): Promise<boolean>
  /**
   * Opens an OAuth2 sign-in page in the user's browser (https, or a loopback issuer such as the
   * sandbox's); null when this host has no shell (the browser build: the page opens it itself).
   */
  openSignInPage: ((url: string) => Promise<boolean>) | null
  /** Starts runs as jobs and records them in History. */
  runner: Runner
  /** settings.json: the sandbox setting and which profiles are the sandbox's. */
  settings: SettingsStore
  /** The embedded sandbox (started with the app unless the setting is off) and its Inbox. */
  sandbox: AppSandbox
  /** Every stored file found damaged at start (kept aside), for the interface to report. */
  issues(): StorageIssue[]
  /** Resolves when every pending write (profiles, secrets, History, settings) is on disk. */
  flush(): Promise<void>
  /** The app is quitting: stops the sandbox and waits for pending writes. Idempotent. */
  close(): Promise<void>
}

export interface OpenServicesOptions {
  /** userData (Electron) or the browser host's data folder: profiles.json, secrets.json, history/. */
  dataDir: string
  /** Encrypts secrets into secrets.json. Omitted or null: secrets stay in memory for this session. */
  cipher?: Cipher | null
  /** Overrides the secret store entirely (tests; a host with its own). */
  secrets?: SecretStore
  files?: FilesAdapter
  openExternal?: (url: string) => Promise<boolean>
  /** How the system browser is given a sign-in page (Electron's shell); without it the renderer opens the page. */
  openSignInPage?: (url: string) => Promise<boolean>
  engines?: Engines
  /** How a check file's checks become engine jobs (the host gives the CLI's parsers: main/cli/check-jobs.ts). */
  buildCheckJob?: BuildCheckJob
  historyLimit?: number
  now?: () => Date
  /** Told when a run could not be written to History. */
  onRecordError?: (err: unknown) => void
  /**
   * The embedded sandbox: started with the app when the saved setting says so (the default).
   * `false`: this host has none (tests of other things); `{ start }` substitutes how it starts.
   */
  sandbox?: false | { start?: StartSandbox }
  /** Told about a sandbox problem that does not stop it (its profiles could not be saved). */
  onSandboxError?: (err: unknown) => void
}

export const HISTORY_DIR = 'history'

export async function openAppServices(opts: OpenServicesOptions): Promise<AppServices> {
  const now = opts.now
  const secrets = opts.secrets ?? (opts.cipher ? await FileSecretStore.open({ dir: opts.dataDir, cipher: opts.cipher }) : new MemorySecretStore())
  const [profiles, history] = await Promise.all([ProfileStore.open({ dir: opts.dataDir, secrets, now }), HistoryStore.open({ dir: join(opts.dataDir, HISTORY_DIR), limit: opts.historyLimit, now })])
  // Secrets of profiles that are gone (deleted while a write failed, or a profiles file set aside) are forgotten —
  // unless the profiles file itself was damaged: then they may belong to profiles the user will restore.
  if (!profiles.issues.length) await secrets.retain(new Set(profiles.list().map((p) => p.id))).catch(() => {})
  // The runner asks for the sandbox's inbox when a job's delivery watch names it (the sandbox opens just below).
  let sandbox: AppSandbox | null = null
  const runner = new Runner({
    profiles,
    secrets,
    history,
    engines: opts.engines,
    buildCheckJob: opts.buildCheckJob,
    now,
    onRecordError: opts.onRecordError,
    sandboxInbox: () => sandbox?.inboxSource ?? null,
  })
  const settings = await SettingsStore.open({ dir: opts.dataDir, now })
  // Before any window can list profiles: a fresh machine opens with the sandbox's profiles in place.
  sandbox = await AppSandbox.open({
    dataDir: opts.dataDir,
    profiles,
    settings,
    start: opts.sandbox === false ? null : opts.sandbox?.start,
    onError: opts.onSandboxError,
  })
  const flush = async () => {
    await Promise.all([profiles.flush(), history.flush(), settings.flush()])
  }
  let closing: Promise<void> | null = null
  return {
    profiles,
    secrets,
    history,
    presets: listPresets(),
    files: opts.files ?? noFiles,
    openExternal: opts.openExternal ?? (async () => false),
    openSignInPage: opts.openSignInPage ?? null,
    runner,
    settings,
    sandbox,
    issues: () => [...profiles.issues, ...secrets.issues, ...history.issues, ...settings.issues],
    flush,
    close: () =>
      (closing ??= (async () => {
        await sandbox.close()
        await flush()
      })()),
  }
}
