import type { z } from 'zod'

/**
 * One readable sentence from zod issues, naming each offending field once (its first problem):
 * "port: port must be 1–65535; message.to[0]: address must look like name@domain".
 */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const byField = new Map<string, string>()
  for (const issue of issues) {
    const field = formatPath(issue.path)
    if (!byField.has(field)) byField.set(field, field ? `${field}: ${issue.message}` : issue.message)
  }
  const parts = [...byField.values()]
  const shown = parts.slice(0, 5)
  const more = parts.length > shown.length ? ` (and ${parts.length - shown.length} more fields)` : ''
  return `${shown.join('; ')}${more}`
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`
    else out += out ? `.${String(seg)}` : String(seg)
  }
  return out
}

/**
 * Why a text is not JSON, without quoting the text. V8's JSON.parse message quotes the characters
 * around an unexpected token (`Unexpected token 'h', ..."password": hunter2"... is not valid JSON`),
 * and the texts parsed on a user's behalf — a profiles export above all — may hold inline
 * credentials: that quote would carry the start of a password to the renderer or a log. Messages
 * that name only the grammar and a position are kept; any other becomes a plain sentence.
 */
export function describeJsonError(err: unknown): string {
  const message = err instanceof Error ? err.message : ''
  if (message === 'Unexpected end of JSON input' || /^[\w ,'{}[\]:]+ at position \d+(?: \(line \d+ column \d+\))?$/.test(message)) return message
  return 'an unexpected character where JSON syntax was expected'
}
