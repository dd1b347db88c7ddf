import { acceptHMRUpdate, defineStore } from 'pinia'
import { ref } from 'vue'
import { addressSchema, composedMessageSchema, headerSchema, type ComposedMessage, type Profile, type RunAction } from '@contract'

export type ComposerField = 'from' | 'to' | 'cc' | 'bcc' | 'subject' | 'text' | 'html' | 'attachments' | 'headers'
export type ComposerErrors = Partial<Record<ComposerField, string>>

export interface HeaderRow {
  id: number
  name: string
  value: string
}

/** A short random token: every test message can be told apart in an inbox. */
export function subjectToken(random: () => number = Math.random): string {
  return Math.floor(random() * 0x10000)
    .toString(16)
    .padStart(4, '0')
}

/** `Mailprobe test 7f3a · 14:02:11` */
export function defaultSubject(now: Date = new Date(), random?: () => number): string {
  const hms = [now.getHours(), now.getMinutes(), now.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':')
  return `Mailprobe test ${subjectToken(random)} · ${hms}`
}

const DEFAULT_TEXT = 'This is a test message sent by Mailprobe.\n'
const DEFAULT_HTML = '<p>This is a <strong>test message</strong> sent by Mailprobe.</p>\n'

/** Which parts of the message an action needs. */
export function actionNeeds(action: RunAction): { message: boolean; recipients: boolean; body: boolean } {
  switch (action) {
    case 'verify':
    case 'api-verify':
    case 'probe':
      return { message: false, recipients: false, body: false }
    case 'envelope':
      return { message: true, recipients: true, body: false }
    default:
      return { message: true, recipients: true, body: true }
  }
}

/** The message being composed. Nothing secret lives here. */
export const useComposerStore = defineStore('composer', () => {
  const from = ref('')
  const to = ref<string[]>([])
  const cc = ref<string[]>([])
  const bcc = ref<string[]>([])
  const subject = ref(defaultSubject())
  /** The subject is still the generated one: a new token is made after each send. */
  const subjectAuto = ref(true)
  const bodyMode = ref<'text' | 'html'>('text')
  const text = ref(DEFAULT_TEXT)
  const html = ref(DEFAULT_HTML)
  const attachments = ref<string[]>([])
  const headers = ref<HeaderRow[]>([])
  const errors = ref<ComposerErrors>({})
  /** The profile whose defaults filled the envelope, and what they were (so a switch replaces only untouched fields). */
  let filledFrom: { from: string; to: string[]; cc: string[]; bcc: string[] } | null = null
  let rowId = 1

  function setSubject(value: string): void {
    subject.value = value
    subjectAuto.value = false
  }

  function renewSubject(): void {
    subject.value = defaultSubject()
    subjectAuto.value = true
  }

  /** After a send: a fresh token, unless the user wrote their own subject. */
  function afterSend(): void {
    if (subjectAuto.value) renewSubject()
  }

  const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i])

  /** Fills the envelope from a profile's defaults, leaving fields the user changed alone. */
  function applyDefaults(profile: Profile | null): void {
    const d = profile?.defaults
    const next = { from: d?.from ?? '', to: [...(d?.to ?? [])], cc: [...(d?.cc ?? [])], bcc: [...(d?.bcc ?? [])] }
    const prev = filledFrom ?? { from: '', to: [], cc: [], bcc: [] }
    if (from.value === prev.from) from.value = next.from
    if (same(to.value, prev.to)) to.value = next.to
    if (same(cc.value, prev.cc)) cc.value = next.cc
    if (same(bcc.value, prev.bcc)) bcc.value = next.bcc
    filledFrom = next
  }

  function addHeader(): void {
    headers.value = [...headers.value, { id: rowId++, name: '', value: '' }]
  }
  function removeHeader(id: number): void {
    headers.value = headers.value.filter((h) => h.id !== id)
  }
  function addAttachments(paths: string[]): void {
    const all = new Set(attachments.value)
    for (const p of paths.map((x) => x.trim())) if (p) all.add(p)
    attachments.value = [...all]
  }
  function removeAttachment(path: string): void {
    attachments.value = attachments.value.filter((p) => p !== path)
  }

  /** The message for runProfile, or null for actions that send none. */
  function buildMessage(action: RunAction): ComposedMessage | null {
    const needs = actionNeeds(action)
    if (!needs.message) return null
    const message: ComposedMessage = {
      to: [...to.value],
      cc: [...cc.value],
      bcc: [...bcc.value],
      subject: subject.value,
      attachments: needs.body ? attachments.value.map((path) => ({ path })) : [],
      headers: needs.body ? headers.value.filter((h) => h.name.trim() || h.value.trim()).map((h) => ({ name: h.name.trim(), value: h.value })) : [],
    }
    if (from.value.trim()) message.from = from.value.trim()
    if (needs.body) {
      if (text.value.trim()) message.text = text.value
      if (bodyMode.value === 'html' && html.value.trim()) message.html = html.value
    }
    return message
  }

  /** Checks what `action` needs, with the contract's schemas; fills `errors` field by field. */
  function validate(action: RunAction): boolean {
    const needs = actionNeeds(action)
    const found: ComposerErrors = {}
    if (needs.message) {
      if (!from.value.trim()) found.from = 'a sender (from) is required'
      else {
        const f = addressSchema.safeParse(from.value)
        if (!f.success) found.from = f.error.issues[0]?.message ?? 'not an address'
      }
      for (const key of ['to', 'cc', 'bcc'] as const) {
        const bad = ref0(key).find((a) => !addressSchema.safeParse(a).success)
        if (bad) found[key] = `“${bad}” does not look like name@domain`
      }
      if (needs.recipients && to.value.length + cc.value.length + bcc.value.length === 0) found.to = 'add at least one recipient (to, cc or bcc)'
      if (needs.body) {
        if (!text.value.trim() && !(bodyMode.value === 'html' && html.value.trim())) found[bodyMode.value] = 'a text or an HTML body is required'
        const badHeader = headers.value.filter((h) => h.name.trim() || h.value.trim()).find((h) => !headerSchema.safeParse({ name: h.name.trim(), value: h.value }).success)
        if (badHeader) {
          const issue = headerSchema.safeParse({ name: badHeader.name.trim(), value: badHeader.value })
          found.headers = `${badHeader.name || '(no name)'}: ${issue.success ? '' : (issue.error.issues[0]?.message ?? 'invalid header')}`
        }
      }
      const msg = buildMessage(action)
      const parsed = composedMessageSchema.safeParse(msg)
      if (!parsed.success) {
        for (const issue of parsed.error.issues) {
          const key = issue.path[0] as ComposerField | undefined
          if (key && !found[key]) found[key] = issue.message
        }
      }
    }
    errors.value = found
    return Object.keys(found).length === 0
  }

  function ref0(key: 'to' | 'cc' | 'bcc'): string[] {
    return key === 'to' ? to.value : key === 'cc' ? cc.value : bcc.value
  }

  function clearError(key: ComposerField): void {
    if (errors.value[key]) {
      const next = { ...errors.value }
      delete next[key]
      errors.value = next
    }
  }

  return {
    from,
    to,
    cc,
    bcc,
    subject,
    subjectAuto,
    bodyMode,
    text,
    html,
    attachments,
    headers,
    errors,
    setSubject,
    renewSubject,
    afterSend,
    applyDefaults,
    addHeader,
    removeHeader,
    addAttachments,
    removeAttachment,
    buildMessage,
    validate,
    clearError,
  }
})

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useComposerStore, import.meta.hot))
