import { stringify } from 'yaml'
import type { ApiProfile, Profile, SmtpProfile } from '../../../preload/contract'
import type { CheckExpect, CheckKind } from '../../../preload/contract/checks'

/*
 * "Export as checks": saved profiles → a check file (mailprobe.checks.yaml) a pipeline runs with
 * `mailprobe check`. Secrets never go in: each secret is the name of an environment variable made
 * from the profile's name (“Mailgun EU” → MAILGUN_EU_PASSWORD), which the pipeline sets.
 */

/** A check as the file writes it: its name, one kind's options, and what must hold. */
export type ExportedCheck = { name: string } & Record<string, unknown>

/** The environment variable name for a profile's secret: the name in capitals, every run of other characters one `_`. */
export function secretEnvName(profileName: string, what: string): string {
  const base = profileName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
  // A variable name cannot start with a digit (nor be empty).
  const safe = !base ? 'PROFILE' : /^[0-9]/.test(base) ? `P_${base}` : base
  return `${safe}_${what}`
}

/** Profiles → their checks: a verify (SMTP) or an API verify per profile, and a deliver for a profile that watches an IMAP mailbox. */
export function checksOfProfiles(profiles: readonly Profile[]): ExportedCheck[] {
  const names = uniqueBases(profiles)
  return profiles.flatMap((p, i) => (p.kind === 'smtp' ? smtpChecks(p, names[i]!) : apiChecks(p, names[i]!)))
}

/** The check file for `profiles` (YAML), and the name to save it under. */
export function exportChecks(profiles: readonly Profile[], now: Date): { suggestedName: string; content: string } {
  const checks = checksOfProfiles(profiles)
  const env = [...new Set(checks.flatMap(envNamesOf))]
  const head = [
    `# Mailprobe checks, exported from ${profiles.length === 1 ? 'one profile' : `${profiles.length} profiles`} on ${now.toISOString().slice(0, 10)}.`,
    '# Run with: mailprobe check mailprobe.checks.yaml',
    env.length ? `# Secrets are read from the environment: ${env.join(', ')}` : '# No secret is needed.',
  ]
  return { suggestedName: 'mailprobe.checks.yaml', content: `${head.join('\n')}\n${stringify({ checks }, { lineWidth: 0 })}` }
}

/** The base of each profile's variable names, unique across the export (a second “Relay” gets RELAY_2_…). */
function uniqueBases(profiles: readonly Profile[]): string[] {
  const seen = new Map<string, number>()
  return profiles.map((p) => {
    const base = secretEnvName(p.name, '').slice(0, -1)
    const n = (seen.get(base) ?? 0) + 1
    seen.set(base, n)
    return n === 1 ? base : `${base}_${n}`
  })
}

function envNamesOf(check: ExportedCheck): string[] {
  const out: string[] = []
  for (const value of Object.values(check)) {
    if (!value || typeof value !== 'object') continue
    for (const [key, v] of Object.entries(value)) if (key.endsWith('Env') && typeof v === 'string') out.push(v)
  }
  return out
}

/** Drops the absent options (YAML would write them as null). */
function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null && v !== false)) as Partial<T>
}

/** A check, its `expect` left out when nothing beyond success is asserted. */
function check(name: string, kind: CheckKind, options: Record<string, unknown>, expect: CheckExpect): ExportedCheck {
  return { name, [kind]: options, ...(Object.keys(expect).length ? { expect } : {}) }
}

/** The options a verify and a deliver share: the connection, the login (by variable), TLS and timeout. */
function smtpConnection(p: SmtpProfile, base: string): Record<string, unknown> {
  const login = p.authMethod !== 'none'
  return defined({
    host: p.host,
    port: p.port,
    security: p.security,
    user: login ? p.username : undefined,
    auth: login && p.authMethod !== 'auto' ? p.authMethod : undefined,
    // An OAuth2 profile logs in with an access token, which the pipeline provides like a password.
    passwordEnv: login && !p.oauth ? `${base}_PASSWORD` : undefined,
    tokenEnv: login && p.oauth ? `${base}_TOKEN` : undefined,
    ehlo: p.ehloName,
    ca: p.tls.caFile,
    servername: p.tls.servername,
    insecure: p.tls.insecure,
    timeout: p.timeoutMs,
    proxy: p.network.proxy?.url,
    ipv4: p.network.family === 'ipv4',
    ipv6: p.network.family === 'ipv6',
  })
}

/** What a session should show: TLS 1.2 or later whenever it is encrypted (and the certificate checked). */
function tlsExpectation(security: string, insecure: boolean): CheckExpect {
  return security === 'none' || insecure ? {} : { tlsMin: '1.2' }
}

function smtpChecks(p: SmtpProfile, base: string): ExportedCheck[] {
  const connection = smtpConnection(p, base)
  const checks = [check(`${p.name} verifies`, 'verify', connection, tlsExpectation(p.security, p.tls.insecure))]
  const mailbox = p.mailbox
  const from = p.defaults.from
  // deliver needs the mailbox's password by variable: a mailbox read with the profile's sign-in, or the app's sandbox inbox, has no CLI equivalent here.
  if (mailbox?.kind === 'imap' && mailbox.login === 'password' && from && p.defaults.to.length) {
    const timeoutS = Math.round((mailbox.timeoutMs ?? 120_000) / 1000)
    const deliver = defined({
      ...connection,
      from,
      to: [...p.defaults.to],
      subject: `Mailprobe check: ${p.name}`,
      awaitInbox: imapUrl(mailbox.host, mailbox.port, mailbox.security, mailbox.user),
      inboxPasswordEnv: `${base}_MAILBOX_PASSWORD`,
      inboxTimeout: timeoutS,
      inboxFolder: mailbox.folders?.length ? [...mailbox.folders] : undefined,
    })
    checks.push(check(`${p.name} delivers`, 'deliver', deliver, { delivered: true, withinS: timeoutS }))
  }
  return checks
}

function apiChecks(p: ApiProfile, base: string): ExportedCheck[] {
  const needsSecondHalf = p.provider === 'mailjet' || p.provider === 'ses'
  const api = defined({
    provider: p.provider,
    verify: true,
    keyEnv: `${base}_KEY`,
    secretEnv: needsSecondHalf ? `${base}_SECRET` : undefined,
    region: p.region,
    baseUrl: p.baseUrl,
    domain: p.domain,
    ca: p.tls.caFile,
    insecure: p.tls.insecure,
    timeout: p.timeoutMs,
    proxy: p.network.proxy?.url,
  })
  return [check(`${p.name} key verifies`, 'api', api, {})]
}

function imapUrl(host: string, port: number | undefined, security: 'tls' | 'starttls' | 'none', user: string): string {
  const h = host.includes(':') ? `[${host}]` : host
  const u = encodeURIComponent(user)
  const defaultPort = security === 'tls' ? 993 : 143
  return `${security === 'tls' ? 'imaps' : 'imap'}://${u}@${h}${port === undefined || port === defaultPort ? '' : `:${port}`}${security === 'none' ? '?tls=none' : ''}`
}
