import { onKeyStroke } from '@vueuse/core'
import { useUiStore } from '@renderer/stores/ui'

/** A view that starts jobs: Ctrl/⌘+Enter runs, Esc cancels the running one — neither while a dialog or drawer is open. */
export function useRunKeys(keys: { run: () => unknown; cancel: () => unknown; running: () => boolean }): void {
  const ui = useUiStore()
  onKeyStroke('Enter', (e) => {
    if (!(e.ctrlKey || e.metaKey) || ui.overlayOpen) return
    e.preventDefault()
    void keys.run()
  })
  onKeyStroke('Escape', () => {
    if (keys.running() && !ui.overlayOpen) void keys.cancel()
  })
}
