import { SMTP_STAGES, smtpJobSchema, type SmtpJobInput, type SmtpSecurity, type SmtpStage } from '@contract'

/** What the quick form edits. The password is deliberately not here: it lives only in the form's own ref. */
export interface QuickSmtpFields {
  host: string
  port: number | null
  security: SmtpSecurity
  username: string
  from: string
  to: string
  subject: string
  stopAfter: SmtpStage
}

export type FieldKey = keyof QuickSmtpFields | 'password'

export const defaultFields = (): QuickSmtpFields => ({
  host: '',
  port: 587,
  security: 'auto',
  username: '',
  from: '',
  to: '',
  subject: 'Mailprobe test',
  stopAfter: 'auth',
})

export const stageOptions: { label: string; value: SmtpStage }[] = [
  { label: 'connect', value: 'connect' },
  { label: 'banner', value: 'banner' },
  { label: 'EHLO', value: 'ehlo' },
  { label: 'TLS', value: 'tls' },
  { label: 'AUTH (verify credentials)', value: 'auth' },
  { label: 'MAIL FROM', value: 'mail' },
  { label: 'RCPT TO (test envelope)', value: 'rcpt' },
  { label: 'send the message', value: 'send' },
]

export const securityOptions: { label: string; value: SmtpSecurity }[] = [
  { label: 'auto', value: 'auto' },
  { label: 'STARTTLS', value: 'starttls' },
  { label: 'TLS (implicit)', value: 'tls' },
  { label: 'none (plaintext)', value: 'none' },
]

const needsEnvelope = (stage: SmtpStage) => SMTP_STAGES.indexOf(stage) >= SMTP_STAGES.indexOf('mail')

function splitAddresses(list: string): string[] {
  return list
    .split(/[,;\s]+/)
    .map((a) => a.trim())
    .filter(Boolean)
}

/** Builds the runSmtp request. The envelope is sent only when the chosen stage reaches MAIL FROM. */
export function buildSmtpInput(f: QuickSmtpFields, password: string): SmtpJobInput {
  const input: SmtpJobInput = {
    host: f.host.trim(),
    port: f.port ?? Number.NaN,
    security: f.security,
    stopAfter: f.stopAfter,
  }
  if (f.username.trim() || password) input.auth = { user: f.username.trim(), secret: password }
  if (needsEnvelope(f.stopAfter)) {
    input.message = {
      from: f.from.trim(),
      to: splitAddresses(f.to),
      subject: f.subject,
      ...(f.stopAfter === 'send' ? { text: 'This is a test message sent by Mailprobe.' } : {}),
    }
  }
  return input
}

function fieldFor(path: readonly PropertyKey[]): FieldKey | null {
  const [a, b] = path
  if (a === 'host' || a === 'port' || a === 'security' || a === 'stopAfter') return a
  if (a === 'auth') return b === 'secret' ? 'password' : 'username'
  if (a === 'message') return b === 'to' || b === 'cc' || b === 'bcc' ? 'to' : b === 'subject' ? 'subject' : 'from'
  return null
}

/** Checks the request with the contract's own schema (main checks again) and maps problems to fields. */
export function validateSmtpInput(input: SmtpJobInput): { ok: true } | { ok: false; fields: Partial<Record<FieldKey, string>>; other: string[] } {
  const parsed = smtpJobSchema.safeParse(input)
  if (parsed.success) return { ok: true }
  const fields: Partial<Record<FieldKey, string>> = {}
  const other: string[] = []
  for (const issue of parsed.error.issues) {
    const key = fieldFor(issue.path)
    if (key) fields[key] ??= issue.message
    else other.push(issue.message)
  }
  return { ok: false, fields, other }
}
