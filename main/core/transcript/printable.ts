/**
 * The first bytes of an unknown service, safe to show: printable ASCII kept, CR/LF/TAB as \r \n \t,
 * anything else as \xNN; cut at `max` characters of input with an ellipsis.
 */
export function printable(text: string, max = 120): string {
  if (typeof text !== 'string') return ''
  const cut = text.length > max
  let out = ''
  for (const ch of cut ? text.slice(0, max) : text) {
    const c = ch.charCodeAt(0)
    if (ch === '\r') out += '\\r'
    else if (ch === '\n') out += '\\n'
    else if (ch === '\t') out += '\\t'
    else if (ch === '\\') out += '\\\\'
    else if (c >= 0x20 && c < 0x7f) out += ch
    else out += `\\x${(c & 0xff).toString(16).padStart(2, '0')}`
  }
  return cut ? `${out}…` : out
}
