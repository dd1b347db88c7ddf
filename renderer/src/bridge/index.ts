import { hasInjectionContext, inject, type App, type InjectionKey } from 'vue'
import type { MailprobeApi } from '@contract'

/*
 * The one place that touches `window`. Everything else asks useApi(), so tests, the browser
 * build's WebSocket bridge can supply their own MailprobeApi.
 */

export const apiKey: InjectionKey<MailprobeApi> = Symbol('mailprobe-api')

/** Makes `api` what useApi() returns inside this app (components and Pinia stores alike). */
export function provideApi(app: App, api: MailprobeApi): void {
  app.provide(apiKey, api)
}

export function useApi(): MailprobeApi {
  const injected = hasInjectionContext() ? inject(apiKey, null) : null
  if (injected) return injected
  const exposed = (window as Partial<Window>).mailprobe
  if (!exposed) throw new Error('window.mailprobe is missing: the preload did not run and no API was provided with provideApi().')
  return exposed
}

/** Whether the preload exposed its API (without one, and with none provided, the app cannot start). */
export function preloadAvailable(): boolean {
  return Boolean((window as Partial<Window>).mailprobe)
}

/**
 * Chooses the API before the app mounts: the preload's (Electron), else the WebSocket bridge's
 * when the page was served by `npm run web` (its URL or session carries the access token).
 * Null: useApi() falls back to window, and the app shows that it cannot reach its core.
 */
export async function bootstrapApi(): Promise<MailprobeApi | null> {
  if ((window as Partial<Window>).mailprobe) return null
  const { createWsApi } = await import('./ws-client')
  return createWsApi(window.location)
}

/**
 * Opens an address in a new tab: what the browser build does with an OAuth2 sign-in page main
 * could not open (it has no shell). noopener: the page opened gets no handle on this one. In
 * Electron the window-open handler decides (https goes to the system browser).
 */
export function openInNewTab(url: string): boolean {
  try {
    window.open(url, '_blank', 'noopener,noreferrer')
    return true
  } catch {
    return false
  }
}
