import './zod-jitless'
import { createApp } from 'vue'
import { createPinia } from 'pinia'
import '@fontsource/inter/400.css'
import '@fontsource/inter/500.css'
import '@fontsource/inter/600.css'
import '@fontsource/jetbrains-mono/400.css'
import '@fontsource/jetbrains-mono/500.css'
import './styles.css'
import App from './App.vue'
import NoBridge from './components/layout/NoBridge.vue'
import { bootstrapApi, preloadAvailable, provideApi } from './bridge'

// naive-ui is used per component (tree-shaken), so it needs no app.use() here.
async function start(): Promise<void> {
  const api = await bootstrapApi()
  if (!api && !preloadAvailable()) {
    // Neither the preload nor a bridge: say so plainly instead of a blank window.
    createApp(NoBridge).mount('#app')
    return
  }
  const app = createApp(App)
  if (api) provideApi(app, api)
  app.use(createPinia()).mount('#app')
}

void start()
