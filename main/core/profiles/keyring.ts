import type { KeyringStatus } from '../../../preload/contract'

/** Linux backends Electron's safeStorage reports (getSelectedStorageBackend). */
export type LinuxStorageBackend = 'basic_text' | 'gnome_libsecret' | 'kwallet' | 'kwallet5' | 'kwallet6' | 'unknown'

/**
 * How safeStorage protects secrets on this machine, in the words the sidebar shows. Electron-free
 * so it is unit-tested; main/adapters/secrets.ts feeds it the platform and the backend.
 */
export function describeKeyring(platform: NodeJS.Platform, linuxBackend: LinuxStorageBackend | null, available: boolean): KeyringStatus {
  if (!available) {
    return {
      protected: false,
      backend: 'memory',
      note: 'Secrets cannot be encrypted on this system (no keyring is available), so they are kept in memory for this session only: enter them again after a restart.',
    }
  }
  if (platform === 'darwin') return { protected: true, backend: 'keychain', note: 'Secrets are encrypted with a key kept in the macOS Keychain.' }
  if (platform === 'win32') return { protected: true, backend: 'dpapi', note: 'Secrets are encrypted with Windows DPAPI, tied to your Windows account.' }
  switch (linuxBackend) {
    case 'gnome_libsecret':
      return { protected: true, backend: 'gnome_libsecret', note: 'Secrets are encrypted with a key kept in the Secret Service keyring (GNOME Keyring or compatible).' }
    case 'kwallet':
    case 'kwallet5':
    case 'kwallet6':
      return { protected: true, backend: linuxBackend, note: 'Secrets are encrypted with a key kept in KWallet.' }
    case 'basic_text':
      return {
        protected: false,
        backend: 'basic_text',
        note: 'Secrets are not protected by a keyring: no GNOME Keyring or KWallet was found, so they are encrypted with a built-in key that anyone who can read your files can undo.',
      }
    default:
      return { protected: false, backend: linuxBackend ?? 'unknown', note: 'Mailprobe cannot tell which keyring protects saved secrets; treat them as not protected by a keyring.' }
  }
}
