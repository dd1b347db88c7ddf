/*
 * OAuth2 sign-ins for SMTP (XOAUTH2, OAUTHBEARER): getting tokens (browser, device code, client
 * credentials), keeping them (the app's secret store, the CLI's owner-only file) and renewing them
 * before a run. openid-client is loaded only when a sign-in or a refresh starts.
 */
export {
  signIn,
  signInWithBrowser,
  signInWithDeviceCode,
  signInWithClientCredentials,
  BROWSER_TIMEOUT_MS,
  type SignInOptions,
  type SignInCommonOptions,
  type BrowserSignInOptions,
  type DeviceSignInOptions,
  type DeviceCode,
  type Now,
} from './flows'
export { refreshIfNeeded, freshSignIn, REFRESH_MARGIN_MS, type RefreshOptions } from './refresh'
export { summarize, secretsOfSignIn, isRenewable, signInSchema, type SignIn, type SignInSecrets } from './sign-in'
export { planSignIn, defaultScopes, providerLabel, MICROSOFT_DELEGATED_SCOPES, MICROSOFT_APP_SCOPES, GOOGLE_SCOPES, type IssuerPlan, type PlanOptions } from './providers'
export { certificateThumbprints, type ClientCertificate, type ClientCredentials } from './issuer'
export { MemorySignInStore, ProfileSignInStore, type SignInStore } from './store'
export { FileSignInStore, SignInFileError, CLI_SIGN_INS_FILE } from './store-file'
export { CALLBACK_PATH, callbackPage } from './loopback'
