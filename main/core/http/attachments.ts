import { readFile, stat } from 'node:fs/promises'
import { basename, extname } from 'node:path'
import { fail } from '../errors'

/** One attachment read into memory: APIs take it whole (base64 in JSON, or a multipart part). */
export interface LoadedAttachment {
  path: string
  filename: string
  contentType: string
  content: Buffer
}

/** Per file and in total: above this no provider API accepts the message anyway (Resend's 40 MB after base64 is the largest). */
export const MAX_ATTACHMENT_BYTES = 30 * 1024 * 1024

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
export async function loadAttachments(paths: readonly { path: string }[]): Promise<LoadedAttachment[]> {
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
    total += size
    if (size > MAX_ATTACHMENT_BYTES || total > MAX_ATTACHMENT_BYTES)
      fail('INVALID_INPUT', `Attachments are limited to ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MiB in total (${path} brings it to ${(total / 1024 / 1024).toFixed(1)} MiB). Nothing was sent.`)
    let content: Buffer
    try {
      content = await readFile(path)
    } catch {
      fail('INVALID_INPUT', `The attachment ${path} cannot be read (missing, moved, or no permission). Nothing was sent.`)
    }
    const filename = basename(path)
    out.push({ path, filename, contentType: contentTypeFor(filename), content })
  }
  return out
}

/** How the transcript names an attachment instead of dumping it. */
export function describeAttachment(a: LoadedAttachment): string {
  return `[attachment ${a.filename}, ${a.content.length} bytes, ${a.contentType}; content not shown]`
}
