// Terminal styling every text report shares: colour only where it helps, and server text made
// safe to print.

export interface Style {
  color: boolean
}

/** Colour only on a terminal, and never when NO_COLOR is set to something (https://no-color.org). */
export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR
}

export const SGR = {
  reset: '\x1b[0m',
  bold: '\x1b[1m',
  dim: '\x1b[2m',
  red: '\x1b[31m',
  green: '\x1b[32m',
  yellow: '\x1b[33m',
  magenta: '\x1b[35m',
  cyan: '\x1b[36m',
} as const

export function paint(text: string, codes: string, style: Style): string {
  return style.color && text ? `${codes}${text}${SGR.reset}` : text
}

/**
 * Server text goes to a terminal: control characters (an escape sequence could rewrite the screen)
 * and bidirectional overrides are shown as escapes instead of being interpreted.
 */
export function sanitize(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (ch) => {
    const code = ch.charCodeAt(0)
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
  })
}
