import {
  DEFAULT_DELIVERY_TIMEOUT_MS,
  dkimKeyInputSchema,
  mailboxLoginProblem,
  mailboxPasswordInputSchema,
  type DELIVERY_METHODS,
  type ImapSecurity,
  type MailboxLogin,
  type ProfileDkim,
  type ProfileMailbox,
  type SaveProfileInput,
} from '@contract'

/*
 * The profile editor's "Mailbox (delivery proof)" and "DKIM signing" sections: their fields as the
 * inputs bind them, to and from the profile, and what the two write-only secrets (the mailbox
 * password, a pasted DKIM key) send to main. No secret is ever read back.
 */

export type MailboxChoice = 'none' | 'sandbox' | 'imap'
export type DeliveryMethod = (typeof DELIVERY_METHODS)[number]
export type DkimKeySource = 'file' | 'paste'

/** The two sections' fields (part of ProfileForm). */
export interface DeliveryFields {
  mailboxKind: MailboxChoice
  mailboxHost: string
  mailboxPort: number | null
  mailboxSecurity: ImapSecurity
  mailboxUser: string
  mailboxLogin: MailboxLogin
  /** Comma-separated; empty: INBOX and the folder marked Junk. */
  mailboxFolders: string
  /** Seconds; empty: the default (120 s). */
  mailboxTimeoutS: number | null
  mailboxMethod: DeliveryMethod
  mailboxDeleteAfter: boolean
  mailboxCaFile: string
  mailboxServername: string
  mailboxInsecure: boolean
  // DKIM (SMTP profiles)
  dkim: boolean
  dkimDomain: string
  dkimSelector: string
  dkimKeySource: DkimKeySource
  dkimKeyFile: string
}

export type DeliveryField = keyof DeliveryFields | 'mailboxPassword' | 'dkimKey'

/** A write-only secret of these sections: keep what main has, replace it, or clear it. */
export interface TextSecretDraft {
  mode: 'keep' | 'replace' | 'clear'
  value: string
}

/** The mailbox password's and the pasted DKIM key's drafts, and whether main holds one of each. */
export interface DeliveryDrafts {
  mailbox: { draft: TextSecretDraft; saved: boolean }
  dkim: { draft: TextSecretDraft; saved: boolean }
}

export const noDeliveryDrafts = (): DeliveryDrafts => ({ mailbox: { draft: { mode: 'replace', value: '' }, saved: false }, dkim: { draft: { mode: 'replace', value: '' }, saved: false } })

export const DEFAULT_TIMEOUT_S = DEFAULT_DELIVERY_TIMEOUT_MS / 1000
/** The port an IMAP mailbox is reached on when none is given. */
export const imapDefaultPort = (security: ImapSecurity): number => (security === 'tls' ? 993 : 143)

export const blankDelivery = (): DeliveryFields => ({
  mailboxKind: 'none',
  mailboxHost: '',
  mailboxPort: null,
  mailboxSecurity: 'tls',
  mailboxUser: '',
  mailboxLogin: 'password',
  mailboxFolders: '',
  mailboxTimeoutS: null,
  mailboxMethod: 'auto',
  mailboxDeleteAfter: false,
  mailboxCaFile: '',
  mailboxServername: '',
  mailboxInsecure: false,
  dkim: false,
  dkimDomain: '',
  dkimSelector: '',
  dkimKeySource: 'file',
  dkimKeyFile: '',
})

/** A profile's mailbox and DKIM settings, into the fields. */
export function applyDelivery(f: DeliveryFields, source: { mailbox?: ProfileMailbox; dkim?: ProfileDkim }): void {
  const m = source.mailbox
  if (m) {
    f.mailboxKind = m.kind
    f.mailboxTimeoutS = m.timeoutMs !== undefined ? m.timeoutMs / 1000 : null
  }
  if (m?.kind === 'imap') {
    f.mailboxHost = m.host
    f.mailboxPort = m.port ?? null
    f.mailboxSecurity = m.security
    f.mailboxUser = m.user
    f.mailboxLogin = m.login
    f.mailboxFolders = m.folders.join(', ')
    f.mailboxMethod = m.method
    f.mailboxDeleteAfter = m.deleteAfter
    f.mailboxCaFile = m.tls.caFile ?? ''
    f.mailboxServername = m.tls.servername ?? ''
    f.mailboxInsecure = m.tls.insecure
  }
  const d = source.dkim
  if (d) {
    f.dkim = true
    f.dkimDomain = d.domain
    f.dkimSelector = d.selector
    f.dkimKeySource = d.keyFile ? 'file' : 'paste'
    f.dkimKeyFile = d.keyFile ?? ''
  }
}

const opt = (s: string) => (s.trim() ? s.trim() : undefined)

/** The folders typed (comma-separated). */
export const foldersOf = (text: string): string[] =>
  text
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)

type MailboxInput = NonNullable<SaveProfileInput['profile']['mailbox']>

/** The mailbox as the profile stores it (before the schema's defaults); undefined for none. */
export function mailboxFromForm(f: DeliveryFields): MailboxInput | undefined {
  const timeout = f.mailboxTimeoutS ? { timeoutMs: Math.round(f.mailboxTimeoutS * 1000) } : {}
  if (f.mailboxKind === 'none') return undefined
  if (f.mailboxKind === 'sandbox') return { kind: 'sandbox', ...timeout }
  return {
    kind: 'imap',
    host: f.mailboxHost.trim(),
    ...(f.mailboxPort !== null ? { port: f.mailboxPort } : {}),
    security: f.mailboxSecurity,
    user: f.mailboxUser.trim(),
    login: f.mailboxLogin,
    folders: foldersOf(f.mailboxFolders),
    ...timeout,
    method: f.mailboxMethod,
    deleteAfter: f.mailboxDeleteAfter,
    tls: { insecure: f.mailboxInsecure, ...(opt(f.mailboxCaFile) ? { caFile: f.mailboxCaFile.trim() } : {}), ...(opt(f.mailboxServername) ? { servername: f.mailboxServername.trim() } : {}) },
  }
}

/** DKIM signing as the profile stores it; undefined when off. */
export function dkimFromForm(f: DeliveryFields): ProfileDkim | undefined {
  if (!f.dkim) return undefined
  return { domain: f.dkimDomain.trim(), selector: f.dkimSelector.trim(), ...(f.dkimKeySource === 'file' && opt(f.dkimKeyFile) ? { keyFile: f.dkimKeyFile.trim() } : {}) }
}

const MAILBOX_FIELDS: Record<string, DeliveryField> = {
  host: 'mailboxHost',
  port: 'mailboxPort',
  security: 'mailboxSecurity',
  user: 'mailboxUser',
  login: 'mailboxLogin',
  folders: 'mailboxFolders',
  timeoutMs: 'mailboxTimeoutS',
  method: 'mailboxMethod',
}

/** The field a schema message about `mailbox.…` or `dkim.…` belongs to. */
export function deliveryFieldOf(path: readonly PropertyKey[]): DeliveryField | null {
  const [a, b, c] = path
  if (a === 'mailbox') {
    if (b === 'tls') return c === 'caFile' ? 'mailboxCaFile' : c === 'servername' ? 'mailboxServername' : 'mailboxInsecure'
    return MAILBOX_FIELDS[String(b)] ?? 'mailboxHost'
  }
  if (a === 'dkim') return b === 'selector' ? 'dkimSelector' : b === 'keyFile' ? 'dkimKeyFile' : 'dkimDomain'
  return null
}

const takesPassword = (f: DeliveryFields) => f.mailboxKind === 'imap' && f.mailboxLogin === 'password'
const takesKey = (f: DeliveryFields, kind: 'smtp' | 'api') => kind === 'smtp' && f.dkim && f.dkimKeySource === 'paste'

/** What the mailbox password field sends: a new password, null to clear the saved one, undefined to leave it (main forgets one the mailbox no longer takes). */
export function mailboxPasswordInput(f: DeliveryFields, d: TextSecretDraft): string | null | undefined {
  if (d.mode === 'clear') return null
  if (d.mode === 'keep' || !d.value || !takesPassword(f)) return undefined
  return d.value
}

/** What the DKIM key field sends, in the same way. */
export function dkimKeyInput(f: DeliveryFields, kind: 'smtp' | 'api', d: TextSecretDraft): string | null | undefined {
  if (d.mode === 'clear') return null
  if (d.mode === 'keep' || !d.value.trim() || !takesKey(f, kind)) return undefined
  return d.value.trim()
}

/**
 * The sections' own messages, beyond the schema's: a sign-in login without OAuth2, a secret the
 * user chose to replace but left empty, a pasted key that is no PEM key, DKIM without its key.
 */
export function deliveryErrors(f: DeliveryFields, p: { kind: 'smtp' | 'api'; oauth: boolean }, drafts: DeliveryDrafts): Partial<Record<DeliveryField, string>> {
  const out: Partial<Record<DeliveryField, string>> = {}
  if (f.mailboxKind === 'imap') {
    const loginProblem = mailboxLoginProblem({ kind: p.kind, oauth: p.oauth || undefined, mailbox: { kind: 'imap', login: f.mailboxLogin } })
    if (loginProblem) out.mailboxLogin = loginProblem
  }
  const mailbox = drafts.mailbox
  if (takesPassword(f) && mailbox.draft.mode === 'replace') {
    if (mailbox.draft.value) {
      const valid = mailboxPasswordInputSchema.safeParse(mailbox.draft.value)
      if (!valid.success) out.mailboxPassword = valid.error.issues[0]?.message ?? 'not a usable password'
    } else if (mailbox.saved) out.mailboxPassword = 'type the new mailbox password, or keep the saved one'
  }
  if (p.kind === 'smtp' && f.dkim) {
    const dkim = drafts.dkim
    if (f.dkimKeySource === 'file' && !opt(f.dkimKeyFile)) out.dkimKeyFile = 'give the path of the PEM private key, or paste the key'
    if (f.dkimKeySource === 'paste' && dkim.draft.mode !== 'keep') {
      const key = dkim.draft.value.trim()
      if (key) {
        const valid = dkimKeyInputSchema.safeParse(key)
        if (!valid.success) out.dkimKey = valid.error.issues[0]?.message ?? 'not a PEM private key'
      } else out.dkimKey = dkim.saved && dkim.draft.mode === 'replace' ? 'paste the new key, or keep the saved one' : 'paste the PEM private key, or give a key file'
    }
  }
  return out
}
