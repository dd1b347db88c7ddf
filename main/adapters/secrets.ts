import { safeStorage } from 'electron'
import { describeKeyring, type LinuxStorageBackend } from '../core/profiles/keyring'
import type { Cipher } from '../core/profiles/secrets'
import type { KeyringStatus } from '../../preload/contract'

/**
 * A Cipher over Electron safeStorage's asynchronous API (Keychain on macOS, DPAPI on Windows,
 * libsecret/KWallet on Linux). Call after app 'ready'. Resolves null when this system cannot
 * encrypt at all; the app then keeps secrets in memory for the session (MemorySecretStore).
 *
 * On Linux the `basic_text` backend encrypts with a built-in key: it still works, but its status
 * says plainly that secrets are not protected by a keyring.
 */
export async function createSafeStorageCipher(): Promise<{ cipher: Cipher | null; status: KeyringStatus }> {
  const available = await safeStorage.isAsyncEncryptionAvailable().catch(() => false)
  const backend: LinuxStorageBackend | null = process.platform === 'linux' ? safeStorage.getSelectedStorageBackend() : null
  const status = describeKeyring(process.platform, backend, available)
  if (!available) return { cipher: null, status }
  const cipher: Cipher = {
    id: 'electron-safestorage-async',
    encrypt: (plain) => safeStorage.encryptStringAsync(plain),
    decrypt: async (blob) => (await safeStorage.decryptStringAsync(blob)).result,
    decryptWithHint: async (blob) => {
      const { result, shouldReEncrypt } = await safeStorage.decryptStringAsync(blob)
      return { plain: result, reEncrypt: shouldReEncrypt }
    },
    status: () => status,
  }
  return { cipher, status }
}
