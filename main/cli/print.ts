// The CLI's text output lives in core (History exports the same swaks-like text); re-exported for the commands.
import { sanitize } from '../core/report/text'
export * from '../core/report/text'

/** How much of a user's word a message repeats: enough to recognise it, never a screenful. */
const QUOTE_MAX = 60

/**
 * A word from the command line (or a file it names) as an error message repeats it: in single
 * quotes, cut to a few dozen characters and made safe for a terminal. Every message that echoes
 * the user's input goes through here, so a pasted escape sequence or a huge word prints the same way everywhere.
 */
export function quoteInput(text: string, max = QUOTE_MAX): string {
  const chars = Array.from(text)
  const cut = chars.length > max ? `${chars.slice(0, max).join('')}…` : text
  return `'${sanitize(cut)}'`
}

/** The one line -q prints: the first line of a verdict (a failure's server reply follows on its own line). */
export function firstLine(text: string): string {
  const nl = text.indexOf('\n')
  return nl === -1 ? text : text.slice(0, nl)
}

/** The last non-empty line of a summary: where the probe's and the lab's summaries put their verdict. */
export function lastLine(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() !== '')
  return lines.at(-1) ?? ''
}
