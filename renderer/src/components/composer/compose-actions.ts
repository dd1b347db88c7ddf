import { DEFAULT_DELIVERY_TIMEOUT_MS, type Profile, type RunProfileInput } from '@contract'
import { PROVIDERS } from '@renderer/components/profiles/providers'

export type ProfileAction = RunProfileInput['action']

export interface ActionInfo {
  action: ProfileAction
  label: string
  /** What it does, in one line. */
  detail: string
  testid: string
  primary: boolean
  /** Why it cannot run for this profile (null: it can). */
  disabled: string | null
}

/** The actions a profile offers; exactly one is primary (what Ctrl/⌘+Enter runs). */
export function actionsFor(profile: Profile): ActionInfo[] {
  if (profile.kind === 'smtp') {
    return [
      { action: 'send', label: 'Send', detail: 'The whole session: the message is delivered.', testid: 'action-send', primary: true, disabled: null },
      { action: 'envelope', label: 'Test envelope', detail: 'MAIL FROM and RCPT TO, then RSET: nothing is sent.', testid: 'action-envelope', primary: false, disabled: null },
      {
        action: 'verify',
        label: 'Verify credentials',
        detail: profile.authMethod === 'none' ? 'Connect and TLS only (this profile has no AUTH).' : 'Connect, TLS and AUTH: nothing is sent.',
        testid: 'action-verify',
        primary: false,
        disabled: null,
      },
    ]
  }
  const info = PROVIDERS[profile.provider]
  const sandboxFirst = profile.sandbox && info.sandbox !== null
  return [
    { action: 'api-send', label: 'Send', detail: `POST to ${info.label}: the message is delivered.`, testid: 'action-api-send', primary: !sandboxFirst, disabled: null },
    {
      action: 'api-sandbox',
      label: 'Send in sandbox mode',
      detail: info.sandbox ?? 'This provider has no sandbox mode.',
      testid: 'action-api-sandbox',
      primary: sandboxFirst,
      disabled: info.sandbox === null ? 'no sandbox mode for this provider' : null,
    },
    {
      action: 'api-verify',
      label: 'Verify key',
      detail: info.noVerify ?? 'A cheap authenticated request: nothing is sent.',
      testid: 'action-api-verify',
      primary: false,
      disabled: info.noVerify ? 'no key check for this provider' : null,
    },
  ]
}

export const primaryAction = (profile: Profile): ActionInfo => actionsFor(profile).find((a) => a.primary)!

/** The sends that deliver a message, so a profile's mailbox may be watched after them. */
export const watchesAfter = (action: ProfileAction): boolean => action === 'send' || action === 'api-send'

/** Where a send from the profile waits for its message, in one line; null when the profile names no mailbox. */
export function deliveryWatchNote(profile: Profile): string | null {
  const m = profile.mailbox
  if (!m) return null
  const seconds = Math.round((m.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS) / 1000)
  const where = m.kind === 'sandbox' ? 'the sandbox’s inbox' : `${m.user} on ${m.host} (${m.folders.length ? m.folders.join(', ') : 'Inbox and Junk'})`
  return `After Send, watches ${where} for up to ${seconds} s.`
}
