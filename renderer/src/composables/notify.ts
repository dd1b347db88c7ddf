import { useMessage } from 'naive-ui'

export interface Notify {
  success(text: string): void
  error(text: string): void
  info(text: string): void
}

/** naive-ui's toasts when a provider is above (the app), the console otherwise (a component mounted alone). */
export function useNotify(): Notify {
  try {
    const m = useMessage()
    return { success: (t) => void m.success(t), error: (t) => void m.error(t, { duration: 6000 }), info: (t) => void m.info(t) }
  } catch {
    return { success: (t) => console.info(t), error: (t) => console.warn(t), info: (t) => console.info(t) }
  }
}
