/**
 * The embedded sandbox as the app runs it: started with the app unless the saved setting says
 * otherwise, stopped and started again from the interface, its latency settings kept in
 * settings.json, and its three ready-made profiles kept in the profile store.
 *
 * The ready-made profiles ("Sandbox — STARTTLS", "Sandbox — implicit TLS", "Sandbox — API
 * (Mailgun-style)", "Sandbox — OAuth2", preset 'sandbox') are made on the first start that has a
 * running sandbox, with the demo credentials as their saved secrets (the OAuth2 one has none: a
 * person signs in), and refreshed on every start after it (the ports are ephemeral, so they
 * change; so does the issuer's address, which signs the OAuth2 profile out). Which profiles they are is remembered in the settings file, so
 * they are never made twice; one the user deletes stays deleted until restoreProfiles(). Copies
 * the user made of them (same preset, on 127.0.0.1) follow the ports too. They trust the sandbox
 * CA file (in the data folder) through their own TLS setting; nothing else trusts it. Their
 * mailbox is the sandbox's inbox, so a send from them proves delivery offline (profiles made
 * before delivery proof get it once; one the user removes stays removed).
 *
 * Never imports 'electron'; both hosts (Electron, `npm run web`) use it through openAppServices.
 */
import type { SandboxInboxSource } from '../delivery/sandbox-inbox'
import { profileFieldsOf, type AppSandboxStatus, type InboxMessage, type InboxSummary, type Profile, type ProfilesExport, type SandboxEvent } from '../../../preload/contract'
import { OperationError } from '../operation-error'
import type { ProfileStore } from '../profiles/store'
import type { SandboxProfileRole, SettingsStore } from '../settings'
import { SANDBOX_APP_PROFILE_NAMES, SANDBOX_PRESET, sandboxOAuthProfile } from './profiles'
import type { Inbox } from './inbox'
import { startSandbox, SANDBOX_HOST, type SandboxHandle, type SandboxOptions } from './index'

export type StartSandbox = (opts: SandboxOptions) => Promise<SandboxHandle>
export type SandboxListener = (event: SandboxEvent) => void

export interface AppSandboxOptions {
  /** The app's data folder: the certificates go to `<dataDir>/sandbox-tls`. */
  dataDir: string
  profiles: ProfileStore
  settings: SettingsStore
  /** How to start it (tests substitute); null: this host has no sandbox. */
  start?: StartSandbox | null
  /** Told about a failure that does not stop the sandbox (the profiles could not be saved…). */
  onError?: (err: unknown) => void
}

const ROLES: readonly SandboxProfileRole[] = ['starttls', 'tls', 'api', 'oauth']
/** What a settings file from before "Sandbox — OAuth2" had made. */
const FIRST_ROLES: readonly SandboxProfileRole[] = ['starttls', 'tls', 'api']
type ExportEntry = ProfilesExport['profiles'][number]
type ProfileFields = Parameters<ProfileStore['save']>[0]['profile']

/** The mailbox of the sandbox profiles: the sandbox's own inbox (no IMAP, no password). */
const SANDBOX_MAILBOX = { kind: 'sandbox' } as const

/** A profile's editable fields (what saveProfile takes), without id, times and secret flags. */
function fieldsOf(p: Profile): ProfileFields {
  return profileFieldsOf(structuredClone(p))
}

/** An export entry without its inline demo credential, and that credential. */
function splitEntry(entry: ExportEntry): { fields: ProfileFields; secret: string | null } {
  if (entry.kind === 'smtp') {
    const { password, passwordEnv: _e, proxyPasswordEnv: _p, mailboxPasswordEnv: _m, dkimKeyEnv: _d, ...fields } = entry
    return { fields: { ...fields, mailbox: SANDBOX_MAILBOX }, secret: password ?? null }
  }
  const { key, keyEnv: _k, secretEnv: _s, proxyPasswordEnv: _p, mailboxPasswordEnv: _m, ...fields } = entry
  return { fields: { ...fields, mailbox: SANDBOX_MAILBOX }, secret: key ?? null }
}

function isLoopbackUrl(url: string | undefined): boolean {
  if (!url) return false
  try {
    return new URL(url).hostname === SANDBOX_HOST
  } catch {
    return false
  }
}

/** Which sandbox listener a profile made from the sandbox preset points at. */
export function sandboxRoleOf(p: Profile): SandboxProfileRole | 'plain' | null {
  if (p.preset !== SANDBOX_PRESET) return null
  if (p.kind === 'smtp') {
    if (p.host !== SANDBOX_HOST) return null
    if (p.oauth) return p.oauth.provider === 'generic' && isLoopbackUrl(p.oauth.issuer) && p.security === 'starttls' ? 'oauth' : null
    return p.security === 'starttls' ? 'starttls' : p.security === 'tls' ? 'tls' : p.security === 'none' ? 'plain' : null
  }
  return p.provider === 'mailgun' && isLoopbackUrl(p.baseUrl) ? 'api' : null
}

export class AppSandbox {
  private handle: SandboxHandle | null = null
  /** The Inbox of the last sandbox that ran (kept for viewing after a stop). */
  private inbox: Inbox | null = null
  private problem: string | null = null
  private unsubscribeInbox: (() => void) | null = null
  private readonly listeners = new Set<SandboxListener>()
  private serial: Promise<unknown> = Promise.resolve()
  private closed = false
  private readonly start: StartSandbox | null

  private constructor(private readonly opts: AppSandboxOptions) {
    this.start = opts.start === undefined ? startSandbox : opts.start
  }

  /** Opens the app's sandbox: starts it now when the saved setting says so (a failure is kept as `problem`, never thrown). */
  static async open(opts: AppSandboxOptions): Promise<AppSandbox> {
    const sandbox = new AppSandbox(opts)
    if (sandbox.start && opts.settings.sandbox.enabled) await sandbox.run(() => sandbox.startNow())
    return sandbox
  }

  get available(): boolean {
    return this.start !== null
  }

  get running(): boolean {
    return this.handle !== null
  }

  /** The running sandbox (tests, the CLI-like uses of the host); null when stopped. */
  get current(): SandboxHandle | null {
    return this.handle
  }

  /** The running sandbox's inbox, for a delivery watch of a send to it; null when stopped. */
  get inboxSource(): SandboxInboxSource | null {
    return this.handle ? this.inbox : null
  }

  status(): AppSandboxStatus {
    const s = this.opts.settings.sandbox
    const ids = this.opts.settings.get().sandboxProfiles.ids
    const present = (role: SandboxProfileRole) => {
      const id = ids[role]
      return id && this.opts.profiles.get(id) ? id : null
    }
    const h = this.handle
    let info: AppSandboxStatus['info'] = null
    if (h) {
      const { password: _p, caPem: _c, api, ...rest } = h.info()
      info = { ...rest, api: { url: api.url } }
    }
    return {
      available: this.available,
      enabled: s.enabled,
      running: h !== null,
      problem: h ? null : !this.available ? 'This host runs without the sandbox.' : !s.enabled ? null : this.problem,
      info,
      rttMs: h?.rttMs ?? s.rttMs,
      thinkMs: h?.thinkMs ?? s.thinkMs,
      inbox: { kept: this.inbox?.size ?? 0, received: this.inbox?.received ?? 0 },
      profiles: { starttls: present('starttls'), tls: present('tls'), api: present('api'), oauth: present('oauth') },
    }
  }

  /** Turns the sandbox on (starting it and refreshing its profiles) or off (stopping it); the choice is saved. */
  async setEnabled(enabled: boolean): Promise<AppSandboxStatus> {
    if (!this.start) throw new OperationError('INVALID_INPUT', 'This host runs without the sandbox.')
    return this.run(async () => {
      await this.opts.settings.update((s) => {
        s.sandbox.enabled = enabled
      })
      if (enabled && !this.handle) await this.startNow()
      else if (!enabled && this.handle) await this.stopNow()
      this.emitStatus()
      return this.status()
    })
  }

  /** Simulated round-trip time and think time: applied at once when running, and saved. */
  async setLatency(input: { rttMs?: number; thinkMs?: number }): Promise<AppSandboxStatus> {
    return this.run(async () => {
      await this.opts.settings.update((s) => {
        if (input.rttMs !== undefined) s.sandbox.rttMs = input.rttMs
        if (input.thinkMs !== undefined) s.sandbox.thinkMs = input.thinkMs
      })
      if (this.handle) {
        if (input.rttMs !== undefined) this.handle.setRtt(input.rttMs)
        if (input.thinkMs !== undefined) this.handle.setThink(input.thinkMs)
      }
      this.emitStatus()
      return this.status()
    })
  }

  /** Makes the ready-made profiles that are missing again (the sandbox must be running: their ports come from it). */
  async restoreProfiles(): Promise<AppSandboxStatus> {
    return this.run(async () => {
      if (!this.handle) throw new OperationError('INVALID_INPUT', 'Turn the sandbox on first: its profiles take their ports from the running sandbox.')
      await this.syncProfiles(true)
      this.emitStatus()
      return this.status()
    })
  }

  listInbox(limit?: number): { messages: InboxSummary[]; received: number } {
    return { messages: this.inbox?.list(limit) ?? [], received: this.inbox?.received ?? 0 }
  }

  getInboxMessage(id: string): InboxMessage | null {
    return this.inbox?.get(id) ?? null
  }

  clearInbox(): { cleared: number } {
    const cleared = this.inbox?.clear() ?? 0
    this.emit({ type: 'inbox-cleared' })
    return { cleared }
  }

  /** New Inbox messages and status changes, for the hosts to push to their windows. Returns the unsubscribe. */
  subscribe(listener: SandboxListener): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  /** Stops the sandbox for good (the app is quitting); the saved setting is left as it is. Idempotent. */
  async close(): Promise<void> {
    this.closed = true
    await this.run(() => this.stopNow())
    this.listeners.clear()
  }

  /** One start / stop / settings change at a time. */
  private run<T>(step: () => Promise<T>): Promise<T> {
    const next = this.serial.then(step)
    this.serial = next.catch(() => {})
    return next
  }

  private async startNow(): Promise<void> {
    if (this.handle || this.closed || !this.start) return
    const s = this.opts.settings.sandbox
    try {
      this.handle = await this.start({ dataDir: this.opts.dataDir, rttMs: s.rttMs, thinkMs: s.thinkMs, ports: s.ports })
    } catch (err) {
      this.problem = err instanceof Error ? err.message : String(err)
      return
    }
    this.problem = null
    this.unsubscribeInbox?.()
    this.inbox = this.handle.inbox
    this.unsubscribeInbox = this.handle.inbox.subscribe((message) => this.emit({ type: 'inbox', message }))
    try {
      await this.syncProfiles(false)
    } catch (err) {
      // The sandbox runs; its profiles could not be written (a full disk). Say so, and keep going.
      this.opts.onError?.(err)
    }
  }

  private async stopNow(): Promise<void> {
    const h = this.handle
    this.handle = null
    this.unsubscribeInbox?.()
    this.unsubscribeInbox = null
    if (h) await h.close()
  }

  /**
   * Makes (first start, or `restore`) or refreshes the ready-made profiles from the running
   * sandbox's ports and CA, and points copies of them at the new ports too. Writes only what changed.
   */
  private async syncProfiles(restore: boolean): Promise<void> {
    const h = this.handle
    if (!h) return
    const { profiles, settings } = this.opts
    const doc = h.profiles(SANDBOX_APP_PROFILE_NAMES)
    const entries: Record<Exclude<SandboxProfileRole, 'oauth'>, ExportEntry> = { starttls: doc.profiles[0]!, tls: doc.profiles[1]!, api: doc.profiles[2]! }
    const saved = settings.get().sandboxProfiles
    const ids: Partial<Record<SandboxProfileRole, string>> = { ...saved.ids }
    // Profiles made before delivery proof: the sandbox's inbox becomes their mailbox, this once.
    const addMailbox = !saved.inboxMailbox
    // Each ready-made profile is made once (a newer one, like "Sandbox — OAuth2", on the first start that knows it).
    const made = saved.seeded ? (saved.seededRoles ?? FIRST_ROLES) : []
    const tracked = () => new Set(Object.values(ids))

    for (const role of ROLES) {
      const mayCreate = restore || !made.includes(role)
      const { fields, secret } = role === 'oauth' ? { fields: { ...sandboxOAuthProfile(h.info()), mailbox: SANDBOX_MAILBOX }, secret: null } : splitEntry(entries[role])
      let profile = ids[role] ? profiles.get(ids[role]!) : null
      if (!profile && mayCreate) {
        // Not tracked (a settings file lost or set aside): adopt the profile of that name rather than make a second one.
        profile = profiles.list().find((p) => p.name === fields.name && sandboxRoleOf(p) === role && !tracked().has(p.id)) ?? null
      }
      if (profile) {
        ids[role] = profile.id
        await this.refresh(profile, role, secret, addMailbox)
      } else if (mayCreate) {
        const created = await profiles.save({ profile: fields, ...(secret ? { secret: { primary: secret } } : {}) })
        ids[role] = created.id
      } else {
        delete ids[role]
      }
    }
    // Copies the user made (Duplicate) of a sandbox profile follow the ports too; their secrets are theirs.
    const mine = tracked()
    for (const p of profiles.list()) {
      const role = sandboxRoleOf(p)
      if (role && !mine.has(p.id)) await this.refresh(p, role, null, addMailbox)
    }
    await settings.update((s) => {
      s.sandboxProfiles = { seeded: true, seededRoles: [...ROLES], inboxMailbox: true, ids }
    })
  }

  /** Points a sandbox profile at the running sandbox (host, port or URL, CA file); adds the demo secret when it has none, and (`addMailbox`) the sandbox's inbox as its mailbox when it has none. */
  private async refresh(profile: Profile, role: SandboxProfileRole | 'plain', secret: string | null, addMailbox: boolean): Promise<void> {
    const h = this.handle!
    const info = h.info()
    const before = fieldsOf(profile)
    const next = fieldsOf(profile)
    next.tls = { ...next.tls, caFile: info.caFile ?? undefined }
    if (next.tls.caFile === undefined) delete next.tls.caFile
    if (next.kind === 'smtp') {
      next.host = info.host
      next.port = role === 'plain' ? info.smtp.plain : role === 'tls' ? info.smtp.tls : info.smtp.starttls
      // The issuer moves with the sandbox too (a sign-in made with the old one is of no use now: saving signs the profile out).
      if (role === 'oauth' && next.oauth) next.oauth = { ...next.oauth, issuer: info.oauth.issuer }
    } else {
      next.baseUrl = info.api.url
    }
    if (addMailbox && !next.mailbox) next.mailbox = SANDBOX_MAILBOX
    const addSecret = secret !== null && !profile.hasSecret
    if (JSON.stringify(before) === JSON.stringify(next) && !addSecret) return
    await this.opts.profiles.save({ id: profile.id, profile: next, ...(addSecret ? { secret: { primary: secret } } : {}) })
  }

  private emitStatus(): void {
    this.emit({ type: 'status', status: this.status() })
  }

  private emit(event: SandboxEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(event)
      } catch {
        // A window that cannot take the event must not stop the others, nor the SMTP session that delivered the message.
      }
    }
  }
}
