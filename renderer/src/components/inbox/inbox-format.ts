import type { InboxChannel } from '@contract'

/** How each way into the sandbox is named in the Inbox. */
export const CHANNEL_LABELS: Record<InboxChannel, string> = {
  starttls: 'STARTTLS',
  tls: 'implicit TLS',
  plain: 'plain SMTP',
  mailgun: 'Mailgun API',
  sendgrid: 'SendGrid API',
  postmark: 'Postmark API',
}

/** "812 B", "4.2 kB", "1.3 MB". */
export function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`
  if (bytes < 1_000_000) return `${(bytes / 1000).toFixed(1)} kB`
  return `${(bytes / 1_000_000).toFixed(1)} MB`
}

/** The time of day (HH:MM:SS) for today's messages, the date too for older ones. */
export function formatTime(iso: string, now = new Date()): string {
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  const time = d.toLocaleTimeString('en-GB', { hour12: false })
  return d.toDateString() === now.toDateString() ? time : `${d.toLocaleDateString('en-CA')} ${time}`
}
