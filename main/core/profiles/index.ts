export { ProfileStore, copyName, PROFILES_FILE, type StoredProfile, type ProfileStoreOptions, type ImportOutcome } from './store'
export {
  FileSecretStore,
  MemorySecretStore,
  createMemoryCipher,
  SecretUnavailableError,
  MEMORY_KEYRING_STATUS,
  SECRETS_FILE,
  type Cipher,
  type ProfileSecret,
  type SecretSlot,
  type SecretStore,
} from './secrets'
export { PRESETS, listPresets, SES_PRESET_REGIONS } from './presets'
