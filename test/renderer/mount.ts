import { afterEach } from 'vitest'
import { mount, type ComponentMountingOptions } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import type { Component } from 'vue'
import { apiKey } from '@renderer/bridge'
import { createFakeApi, type FakeApi } from './fake-api'

/** Unmounts what mountWithApi mounted and unmountAfterEach has not unmounted yet. */
const unmounts: (() => void)[] = []

/** Mounts a component with a fresh Pinia and a fake MailprobeApi supplied through the bridge. */
export function mountWithApi<C extends Component>(component: C, options: ComponentMountingOptions<C> = {} as ComponentMountingOptions<C>, fake: FakeApi = createFakeApi()) {
  const pinia = createPinia()
  setActivePinia(pinia)
  const wrapper = mount(component, {
    ...options,
    global: { plugins: [pinia], provide: { [apiKey as symbol]: fake.api } },
  } as ComponentMountingOptions<C>)
  unmounts.push(() => wrapper.unmount())
  return { wrapper, fake, pinia }
}

/** For a test file that mounts into the page: after each test, unmounts what mountWithApi mounted (its window key listeners go too) and empties the body. */
export function unmountAfterEach(): void {
  afterEach(() => {
    for (const unmount of unmounts.splice(0)) unmount()
    document.body.innerHTML = ''
  })
}
