import { hasInjectionContext, inject, type App, type InjectionKey } from 'vue'
import type { MailprobeApi } from '@contract'

/*
 * The one place that touches `window`. Everything else asks useApi(), so tests and the browser
 * bridge used by end-to-end tests can supply their own MailprobeApi.
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
