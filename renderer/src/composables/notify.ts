import { useMessage } from 'naive-ui'
import type { Outcome } from './envelope'

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

/** How an export went: "Export failed — why", or "Saved <path>" (`fallback` when the host names no path); nothing when the user cancelled. */
export function reportExport(notify: Notify, outcome: Outcome<{ saved: boolean; path: string | null }>, fallback = 'Saved'): void {
  if (!outcome.ok) notify.error(`Export failed — ${outcome.error.message}`)
  else if (outcome.value.saved) notify.success(outcome.value.path ? `Saved ${outcome.value.path}` : fallback)
}
