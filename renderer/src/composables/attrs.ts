import type { InputHTMLAttributes } from 'vue'

/** Attributes for the native <input>/<textarea> inside a naive-ui input: a stable data-testid for end-to-end tests, plus any others. */
export function inputAttrs(testid: string, attrs: Record<string, string | boolean | number> = {}): InputHTMLAttributes {
  return { 'data-testid': testid, ...attrs } as InputHTMLAttributes
}
