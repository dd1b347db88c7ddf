import { readFile, stat } from 'node:fs/promises'
import { basename, extname } from 'node:path'
import { fail } from '../errors'

/**
 * One attachment read into memory: APIs take it whole (base64 in JSON, or a multipart part), and
 * SMTP composes from the same bytes. Read once, before any connection: a file that vanishes or
 * changes between composing and sending either fails here, classified, or is sent as it was read.
 */
export interface LoadedAttachment {
  path: string
  filename: string
  contentType: string
  content: Buffer
}

/** Per file and in total: above this no provider API accepts the message anyway (Resend's 40 MB after base64 is the largest). */
export const MAX_API_ATTACHMENT_BYTES = 30 * 1024 * 1024
/** SMTP servers set their own limit (SIZE); this one only keeps a mistaken pick from filling memory. */
export const MAX_SMTP_ATTACHMENT_BYTES = 100 * 1024 * 1024

const TYPES: Record<string, string> = {
  '.txt': 'text/plain',
  '.csv': 'text/csv',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.json': 'application/json',
  '.xml': 'application/xml',
  '.pdf': 'application/pdf',
  '.zip': 'application/zip',
  '.gz': 'application/gzip',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.svg': 'image/svg+xml',
  '.webp': 'image/webp',
  '.ics': 'text/calendar',
  '.doc': 'application/msword',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xls': 'application/vnd.ms-excel',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
}

export function contentTypeFor(filename: string): string {
  return TYPES[extname(filename).toLowerCase()] ?? 'application/octet-stream'
}

/** Reads every attachment before any connection is made, so a missing file fails without touching the network. */
export async function loadAttachments(paths: readonly { path: string }[], limitBytes: number): Promise<LoadedAttachment[]> {
  const out: LoadedAttachment[] = []
  let total = 0
  for (const { path } of paths) {
    let size: number
    try {
      const s = await stat(path)
      if (!s.isFile()) fail('INVALID_INPUT', `The attachment ${path} is not a regular file. Nothing was sent.`)
      size = s.size
    } catch (err) {
      if (err instanceof Error && err.name === 'EngineError') throw err
      fail('INVALID_INPUT', `The attachment ${path} cannot be read (missing, moved, or no permission). Nothing was sent.`)
    }
    const tooBig = (bytes: number): never =>
      fail('INVALID_INPUT', `Attachments are limited to ${limitBytes / 1024 / 1024} MiB in total (${path} brings it to ${(bytes / 1024 / 1024).toFixed(1)} MiB). Nothing was sent.`)
    if (total + size > limitBytes) tooBig(total + size)
    let content: Buffer
    try {
      content = await readFile(path)
    } catch {
      fail('INVALID_INPUT', `The attachment ${path} cannot be read (missing, moved, or no permission). Nothing was sent.`)
    }
    // The file may have grown since stat().
    total += content.length
    if (total > limitBytes) tooBig(total)
    const filename = basename(path)
    out.push({ path, filename, contentType: contentTypeFor(filename), content })
  }
  return out
}

/** How the transcript names an attachment instead of dumping it. */
export function describeAttachment(a: LoadedAttachment): string {
  return `[attachment ${a.filename}, ${a.content.length} bytes, ${a.contentType}; content not shown]`
}
