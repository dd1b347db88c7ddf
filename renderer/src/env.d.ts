/// <reference types="vite/client" />
import type { MailprobeApi } from '@contract'

declare global {
  interface Window {
    /** Exposed by preload/index.ts; read only through bridge/. */
    mailprobe: MailprobeApi
  }
}

export {}
