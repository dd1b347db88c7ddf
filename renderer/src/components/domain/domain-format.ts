import {
  DOMAIN_CHECK_IDS,
  DOMAIN_PROVIDERS,
  DOMAIN_PROVIDER_NAMES,
  type DomainCheck,
  type DomainCheckId,
  type DomainProvider,
  type DomainRecord,
  type DomainStatus,
  type Preset,
  type Profile,
  type TranscriptEvent,
} from '@contract'

/** How a status reads and looks: the chip's word and naive-ui tag type. */
export const STATUS_CHIP: Record<DomainStatus, { label: string; type: 'success' | 'warning' | 'error' | 'default' }> = {
  pass: { label: 'pass', type: 'success' },
  warn: { label: 'warn', type: 'warning' },
  fail: { label: 'fail', type: 'error' },
  info: { label: 'info', type: 'default' },
}

/** The provider picker's choice: none (DNS only), a provider, or a relay named by host. */
export type SenderChoice = '' | DomainProvider | 'relay'
export type Sender = { provider: DomainProvider } | { relay: string } | null

export const SENDER_OPTIONS: { label: string; value: SenderChoice }[] = [
  { label: 'No provider (DNS only)', value: '' },
  ...DOMAIN_PROVIDERS.map((p) => ({ label: DOMAIN_PROVIDER_NAMES[p], value: p as SenderChoice })),
  { label: 'A relay, by host name…', value: 'relay' },
]

const isDomainProvider = (p: string): p is DomainProvider => (DOMAIN_PROVIDERS as readonly string[]).includes(p)

/** The domain of an address ("me@example.com", "Me <me@example.com>"), lower-cased; null without one. */
export function domainOfAddress(address: string | undefined): string | null {
  const m = /@([^@\s<>]+)>?\s*$/.exec(address?.trim() ?? '')
  return m ? m[1]!.replace(/\.$/, '').toLowerCase() : null
}

/** The domain a profile sends from: its From address's, else an API profile's sending domain. */
export function profileDomain(profile: Profile): string | null {
  return domainOfAddress(profile.defaults.from) ?? (profile.kind === 'api' && profile.domain ? profile.domain.toLowerCase() : null)
}

/** SMTP presets whose group has no API preset to name its provider. */
const SMTP_GROUP_PROVIDERS: Record<string, DomainProvider> = { 'Microsoft 365': 'microsoft365', 'Gmail / Google Workspace': 'google-workspace' }

/**
 * Who a profile's mail goes through: an API profile's provider; an SMTP profile whose host is a
 * preset's (smtp.sendgrid.net, smtp.office365.com, smtp.gmail.com…) that preset's provider (its
 * group's API preset, or Microsoft 365 / Google Workspace); any other SMTP host as a relay.
 */
export function profileSender(profile: Profile, presets: readonly Preset[]): Sender {
  if (profile.kind === 'api') return isDomainProvider(profile.provider) ? { provider: profile.provider } : null
  const host = profile.host.toLowerCase()
  const preset = presets.find((p) => p.profile.kind === 'smtp' && p.profile.host.toLowerCase() === host)
  if (preset) {
    const api = presets.find((p) => p.group === preset.group && p.profile.kind === 'api')
    const provider = api?.profile.kind === 'api' ? api.profile.provider : SMTP_GROUP_PROVIDERS[preset.group]
    if (provider && isDomainProvider(provider)) return { provider }
  }
  return { relay: profile.host }
}

/** The checks a run has streamed so far: each rides on a transcript event as it finishes (the last word on an id wins). */
export function checksFromLines(lines: readonly TranscriptEvent[]): DomainCheck[] {
  const byId = new Map<DomainCheckId, DomainCheck>()
  for (const l of lines) if (l.check) byId.set(l.check.id, l.check)
  return [...byId.values()]
}

/** Checks in the order they are shown (DOMAIN_CHECK_IDS). */
export function ordered(checks: readonly DomainCheck[]): DomainCheck[] {
  const rank = (c: DomainCheck) => DOMAIN_CHECK_IDS.indexOf(c.id)
  return [...checks].sort((a, b) => rank(a) - rank(b))
}

/** A list field as typed: comma, space or line separated, empties and repeats dropped. */
export function splitList(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).filter(Boolean))]
}

/** "12.4 ms", "1,204 ms". */
export function msWords(ms: number): string {
  return ms < 100 ? `${ms.toFixed(1)} ms` : `${Math.round(ms).toLocaleString('en-US')} ms`
}

/** A name made absolute for a zone file ("_dmarc.example.com."). */
const absolute = (name: string) => (name.endsWith('.') ? name : `${name}.`)

/** A TXT value as zone-file strings: quoted, `"` and `\` escaped, in pieces of at most 255 characters (RFC 1035's limit per string). */
function txtStrings(value: string): string {
  const pieces = value.match(/[\s\S]{1,255}/g) ?? ['']
  return pieces.map((p) => `"${p.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(' ')
}

/** Records as zone-file lines (BIND syntax), one per record: `_dmarc.example.com. IN TXT "v=DMARC1; p=none"`. */
export function zoneFile(records: readonly DomainRecord[]): string {
  return records
    .map((r) => {
      const type = r.type.toUpperCase()
      const value = type === 'TXT' ? txtStrings(r.value) : type === 'CNAME' ? absolute(r.value) : r.value
      return `${absolute(r.name)} IN ${type} ${value}`
    })
    .join('\n')
    .concat('\n')
}
