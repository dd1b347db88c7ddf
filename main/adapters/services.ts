import { openAppServices, type AppServices } from '../core/services'
import { MemorySecretStore } from '../core/profiles/secrets'
import { createDialogFiles } from './dialogs'
import { openExternalHttps, openSignInPage } from './external'
import { userDataDir } from './paths'
import { createSafeStorageCipher } from './secrets'
import { buildCheckJob } from '../cli/check-jobs'

/**
 * The app's services with Electron's pieces: stores in userData, secrets encrypted with
 * safeStorage (or held in memory for the session when this system cannot encrypt), native file
 * dialogs, https links (and OAuth2 sign-in pages) in the system browser, and the embedded sandbox. Call once, after app
 * 'ready'; close() on quit.
 */
export async function createElectronServices(): Promise<AppServices> {
  const { cipher, status } = await createSafeStorageCipher()
  return openAppServices({
    dataDir: userDataDir(),
    ...(cipher ? { cipher } : { secrets: new MemorySecretStore(status) }),
    files: createDialogFiles(),
    openExternal: openExternalHttps,
    // Check files: the CLI's parsers turn each check into its engine job (one mapping from flags to jobs).
    buildCheckJob,
    openSignInPage,
    onRecordError: (err) => console.error('mailprobe: a run could not be saved to History:', err),
    // The sandbox starts here (unless turned off in settings.json), its certificate in userData/sandbox-tls.
    onSandboxError: (err) => console.error('mailprobe: the sandbox profiles could not be saved:', err),
  })
}
