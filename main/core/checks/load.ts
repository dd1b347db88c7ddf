// A check file (YAML or JSON) → a validated CheckFile, or the first problems with the line and the
// field that hold them. Positions come from the yaml package's document API (JSON is parsed by it
// too, once JSON.parse has accepted the text), so a zod issue's path is found in the source.
// Messages never quote the file's text: it may hold a secret written where a name belongs.
import { readFile } from 'node:fs/promises'
import { basename, extname } from 'node:path'
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml'
import type { z } from 'zod'
import { checkFileSchema, type CheckFile, type ClassifiedError } from '../../../preload/contract'
import { describeJsonError } from '../validation'

/** A check file is a few kilobytes; this is far beyond any real one. */
export const MAX_CHECK_FILE_BYTES = 1_000_000

/** One problem in a check file, where it is (1-based line and column; null when the file as a whole is at fault). */
export interface CheckFileIssue {
  /** The field, as `checks[2].verify.port` ('' for the file itself). */
  field: string
  message: string
  line: number | null
  column: number | null
}

export type CheckFileLoad = { ok: true; file: CheckFile } | { ok: false; error: ClassifiedError; issues: CheckFileIssue[] }

export interface ParseCheckFileOptions {
  /** yaml (also .yml) or json; default yaml (which reads JSON as well). */
  format?: 'yaml' | 'json'
  /** Named in the messages ("mailprobe.checks.yaml, line 14"). */
  fileName?: string
}

/** The format a file name implies: .json is JSON, anything else YAML. */
export function checkFileFormat(path: string): 'yaml' | 'json' {
  return extname(path).toLowerCase() === '.json' ? 'json' : 'yaml'
}

/** Reads and validates a check file. Never throws: an unreadable file is an INVALID_INPUT like a bad one. */
export async function loadCheckFile(path: string): Promise<CheckFileLoad> {
  const fileName = basename(path)
  let text: string
  try {
    const buf = await readFile(path)
    if (buf.length > MAX_CHECK_FILE_BYTES)
      return failed([{ field: '', message: `is larger than ${MAX_CHECK_FILE_BYTES / 1_000_000} MB: that is not a check file`, line: null, column: null }], fileName)
    text = buf.toString('utf8')
  } catch (err) {
    return failed([{ field: '', message: `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, line: null, column: null }], fileName)
  }
  return parseCheckFile(text, { format: checkFileFormat(path), fileName })
}

/** Validates a check file's text. Never throws. */
export function parseCheckFile(text: string, opts: ParseCheckFileOptions = {}): CheckFileLoad {
  const fileName = opts.fileName ?? (opts.format === 'json' ? 'the check file (JSON)' : 'the check file')
  const lineCounter = new LineCounter()
  if (opts.format === 'json') {
    try {
      JSON.parse(text)
    } catch (err) {
      const message = describeJsonError(err)
      // Only the number is taken from V8's own message (which may quote the text).
      const at = /at position (\d+)/.exec(err instanceof Error ? err.message : '')
      const pos = at ? positionAt(text, Number(at[1])) : null
      return failed([{ field: '', message: `is not JSON: ${message.replace(/ at position \d+.*$/, '')}`, line: pos?.line ?? null, column: pos?.col ?? null }], fileName)
    }
  }
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true })
  if (doc.errors.length) {
    const issues = doc.errors.slice(0, 5).map((e): CheckFileIssue => {
      const pos = lineCounter.linePos(e.pos[0])
      // The parser's own sentence, first line only (never the source excerpt prettyErrors would add).
      return { field: '', message: `is not valid YAML: ${e.message.split('\n')[0]!.replace(/\.$/, '')}`, line: pos.line, column: pos.col }
    })
    return failed(issues, fileName)
  }
  let value: unknown
  try {
    value = doc.toJS({ maxAliasCount: 100 })
  } catch (err) {
    return failed([{ field: '', message: `is not valid YAML: ${err instanceof Error ? err.message.split('\n')[0] : 'it cannot be read'}`, line: null, column: null }], fileName)
  }
  if (value === null || value === undefined) return failed([{ field: '', message: 'is empty: it needs a list of checks (checks: - name: …)', line: null, column: null }], fileName)
  const parsed = checkFileSchema.safeParse(value)
  if (parsed.success) return { ok: true, file: parsed.data }
  return failed(describeCheckIssues(parsed.error.issues, doc, lineCounter), fileName)
}

/** zod issues → issues with the line and column of the node each path names (or of its nearest ancestor in the file). */
function describeCheckIssues(zodIssues: readonly z.core.$ZodIssue[], doc: Document, lc: LineCounter): CheckFileIssue[] {
  const seen = new Set<string>()
  const issues: CheckFileIssue[] = []
  for (const issue of zodIssues) {
    const paths = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path]
    for (const path of paths) {
      const field = formatPath(path)
      if (seen.has(field)) continue
      seen.add(field)
      const offset = offsetOf(doc, path)
      const pos = offset === null ? null : lc.linePos(offset)
      issues.push({ field, message: issueMessage(issue), line: pos?.line ?? null, column: pos?.col ?? null })
    }
  }
  return issues
}

function issueMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return 'is not a field here (check its spelling: fields are the command’s options in camelCase, e.g. passwordEnv for --password-env)'
  if (issue.code === 'invalid_type' && issue.expected !== 'never' && / received undefined$/.test(issue.message)) return 'is required'
  return issue.message.replace(/^Invalid input: /, '')
}

/** Where `path` is in the document: a map entry's value (or its key when the value is empty), a list item; the nearest ancestor that exists otherwise. */
function offsetOf(doc: Document, path: readonly PropertyKey[]): number | null {
  let node: Node | null | undefined = doc.contents
  let offset: number | null = node?.range?.[0] ?? null
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg))
      if (!pair) break
      const key = isScalar(pair.key) ? pair.key : null
      node = pair.value as Node | null
      offset = node?.range?.[0] ?? key?.range?.[0] ?? offset
      // An unknown or inline-secret key is best pointed at by its key.
      if (key?.range && (!node || !node.range)) offset = key.range[0]
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg] as Node | null | undefined
      if (!node) break
      offset = node.range?.[0] ?? offset
    } else break
  }
  return offset
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${String(seg)}` : String(seg)
  return out
}

function positionAt(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset)
  const line = before.split('\n').length
  return { line, col: offset - before.lastIndexOf('\n') }
}

function failed(issues: CheckFileIssue[], fileName: string): CheckFileLoad {
  const sentences = issues.slice(0, 5).map((i) => {
    const where = i.line === null ? fileName : `${fileName}, line ${i.line}${i.column !== null ? `, column ${i.column}` : ''}`
    return i.field ? `${i.field}: ${i.message} (${where})` : `${fileName} ${i.message}${i.line !== null ? ` (line ${i.line}${i.column !== null ? `, column ${i.column}` : ''})` : ''}`
  })
  const more = issues.length > 5 ? ` (and ${issues.length - 5} more)` : ''
  return { ok: false, error: { code: 'INVALID_INPUT', message: `${sentences.join('; ')}${more}` }, issues }
}

/** A check file that cannot be used: its message names each problem's line and field; `issues` has them one by one. */
export class CheckFileError extends Error {
  constructor(
    message: string,
    readonly issues: CheckFileIssue[],
  ) {
    super(message)
    this.name = 'CheckFileError'
  }
}

/** loadCheckFile for callers that prefer an exception: the file, or CheckFileError. */
export async function readCheckFile(path: string): Promise<CheckFile> {
  const loaded = await loadCheckFile(path)
  if (!loaded.ok) throw new CheckFileError(loaded.error.message, loaded.issues)
  return loaded.file
}
