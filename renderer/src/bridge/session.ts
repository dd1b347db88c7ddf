/*
 * This window's sessionStorage (kept across a reload, gone when the window closes), for the few
 * things the interface remembers that long. Quietly does nothing where storage is refused.
 */

export function sessionGet(key: string): string | null {
  try {
    return window.sessionStorage.getItem(key)
  } catch {
    return null
  }
}

export function sessionSet(key: string, value: string): void {
  try {
    window.sessionStorage.setItem(key, value)
  } catch {
    // No sessionStorage: what it would have kept is forgotten on a reload, nothing worse.
  }
}
