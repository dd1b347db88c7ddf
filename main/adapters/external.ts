import { shell } from 'electron'
import { isSafeExternalUrl, isSignInPageUrl } from './window-config'

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

/** Opens an OAuth2 sign-in page in the user's browser: https, or a loopback issuer (the sandbox's). False when refused or failed. */
export async function openSignInPage(url: string): Promise<boolean> {
  if (!isSignInPageUrl(url)) return false
  try {
    await shell.openExternal(url)
    return true
  } catch {
    return false
  }
}
