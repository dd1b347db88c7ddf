import { mount, type ComponentMountingOptions } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import type { Component } from 'vue'
import { apiKey } from '@renderer/bridge'
import { createFakeApi, type FakeApi } from './fake-api'

/** Mounts a component with a fresh Pinia and a fake MailprobeApi supplied through the bridge. */
export function mountWithApi<C extends Component>(
  component: C,
  options: ComponentMountingOptions<C> = {} as ComponentMountingOptions<C>,
  fake: FakeApi = createFakeApi(),
) {
  const pinia = createPinia()
  setActivePinia(pinia)
  const wrapper = mount(component, {
    ...options,
    global: { plugins: [pinia], provide: { [apiKey as symbol]: fake.api } },
  } as ComponentMountingOptions<C>)
  return { wrapper, fake, pinia }
}
