import { afterAll, beforeAll } from 'vitest'

/**
 * happy-dom does no layout: every element is 0×0, so a virtual list would show nothing. This gives
 * elements a viewport-sized client box (and lets a test set scrollHeight) for the duration of a test file.
 */
export function stubLayout(size = { width: 800, height: 600 }): () => void {
  const proto = HTMLElement.prototype
  const saved = ['clientHeight', 'clientWidth'].map((k) => [k, Object.getOwnPropertyDescriptor(proto, k)] as const)
  Object.defineProperty(proto, 'clientHeight', { configurable: true, get: () => size.height })
  Object.defineProperty(proto, 'clientWidth', { configurable: true, get: () => size.width })
  return () => {
    for (const [k, d] of saved) {
      if (d) Object.defineProperty(proto, k, d)
      else delete (proto as unknown as Record<string, unknown>)[k]
    }
  }
}

/** stubLayout for every test of the file that calls it. */
export function stubLayoutForFile(size?: { width: number; height: number }): void {
  let restore = () => {}
  beforeAll(() => {
    restore = stubLayout(size)
  })
  afterAll(() => restore())
}
