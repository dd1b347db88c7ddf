import { shell } from 'electron'
import { isSafeExternalUrl } from './window-config'

/** Opens a link in the user's browser: https only, no credentials in the URL. False when refused or failed. */
export async function openExternalHttps(url: string): Promise<boolean> {
  if (!isSafeExternalUrl(url)) return false
  try {
    await shell.openExternal(url)
    return true
  } catch {
    return false
  }
}
