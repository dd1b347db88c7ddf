import { vi } from 'vitest'
import { dkimTakesKey, mailboxTakesPassword, operationFailure, profileFieldsOf } from '@contract'
import type {
  AppSandboxStatus,
  Envelope,
  InboxMessage,
  HistoryEntry,
  HistorySummary,
  JobEventBatch,
  KeyringStatus,
  MailprobeApi,
  OperationName,
  OperationOutputs,
  Preset,
  Profile,
  SandboxEvent,
  SignInEvent,
  SignInSummary,
  StorageIssue,
} from '@contract'

type In<K extends OperationName> = Parameters<MailprobeApi[K]>[0]
type Out<K extends OperationName> = Promise<Envelope<OperationOutputs[K]>>

const ok = <T>(value: T): Envelope<T> => ({ ok: true, value })

export const PROTECTED: KeyringStatus = { protected: true, backend: 'gnome_libsecret', note: 'Secrets are encrypted with the system keyring (libsecret).' }

export function smtpProfile(over: Partial<Extract<Profile, { kind: 'smtp' }>> = {}): Profile {
  return {
    kind: 'smtp',
    id: 'p-smtp',
    name: 'Sandbox STARTTLS',
    host: '127.0.0.1',
    port: 2587,
    security: 'starttls',
    authMethod: 'auto',
    username: 'demo',
    tls: { insecure: false },
    defaults: { from: 'me@example.test', to: ['you@example.test'], cc: [], bcc: [] },
    network: { family: 'auto' },
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    hasSecret: true,
    hasProxySecret: false,
    hasMailboxSecret: false,
    hasDkimKey: false,
    ...over,
  }
}

export function apiProfile(over: Partial<Extract<Profile, { kind: 'api' }>> = {}): Profile {
  return {
    kind: 'api',
    id: 'p-api',
    name: 'SendGrid',
    provider: 'sendgrid',
    sandbox: false,
    tls: { insecure: false },
    defaults: { to: [], cc: [], bcc: [] },
    network: { family: 'auto' },
    createdAt: '2025-01-01T00:00:00.000Z',
    updatedAt: '2025-01-01T00:00:00.000Z',
    hasSecret: false,
    hasProxySecret: false,
    hasMailboxSecret: false,
    hasDkimKey: false,
    ...over,
  }
}

/** An OAuth2 profile (Microsoft 365 by default), not signed in unless `signIn` is given. */
export function oauthProfile(over: Partial<Extract<Profile, { kind: 'smtp' }>> = {}): Profile {
  return smtpProfile({
    id: 'p-oauth',
    name: 'Contoso M365',
    host: 'smtp.office365.com',
    port: 587,
    authMethod: 'xoauth2',
    username: undefined,
    hasSecret: false,
    preset: 'm365-xoauth2',
    oauth: { provider: 'microsoft', tenant: 'organizations', clientId: '11111111-2222-3333-4444-555555555555', flow: 'device' },
    signIn: null,
    ...over,
  })
}

/** What main shows of a finished sign-in. */
export function signInSummary(over: Partial<SignInSummary> = {}): SignInSummary {
  return {
    name: 'p-oauth',
    provider: 'microsoft',
    flow: 'device',
    tenant: 'organizations',
    issuer: 'https://login.microsoftonline.com/organizations/v2.0',
    clientId: '11111111-2222-3333-4444-555555555555',
    account: 'adele@contoso.example',
    scopes: ['https://outlook.office.com/SMTP.Send', 'offline_access', 'openid', 'email'],
    expiresAt: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    signedInAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    refreshedAt: null,
    renewable: true,
    ...over,
  }
}

export function summary(over: Partial<HistorySummary> = {}): HistorySummary {
  return {
    id: 'h1',
    jobId: 'job-h1',
    kind: 'smtp',
    action: 'send',
    profileId: 'p-smtp',
    profileName: 'Sandbox STARTTLS',
    target: '127.0.0.1:2587',
    startedAt: '2025-01-01T10:00:00.000Z',
    ok: true,
    errorCode: null,
    summary: '250 Ok: queued as X',
    totalMs: 40,
    roundTrips: 9,
    ...over,
  }
}

/** A running sandbox as main reports it (ports made up). */
export function sandboxStatus(over: Partial<AppSandboxStatus> = {}): AppSandboxStatus {
  return {
    available: true,
    enabled: true,
    running: true,
    problem: null,
    info: {
      host: '127.0.0.1',
      smtp: { starttls: 40587, tls: 40465, plain: 40025 },
      api: { url: 'https://127.0.0.1:40443' },
      user: 'sandbox-user',
      domain: 'sandbox.mailprobe.test',
      oauth: { issuer: 'http://127.0.0.1:40080', clientId: 'mailprobe-sandbox', account: 'sandbox-user@sandbox.mailprobe.test', scopes: ['openid', 'email', 'offline_access', 'smtp.send'] },
      caFile: '/data/sandbox-tls/ca.pem',
      rttMs: 0,
      thinkMs: 0,
    },
    rttMs: 0,
    thinkMs: 0,
    inbox: { kept: 0, received: 0 },
    profiles: { starttls: 'sb-starttls', tls: 'sb-tls', api: 'sb-api', oauth: null },
    ...over,
  }
}

/** A message in the sandbox's Inbox. */
export function inboxMessage(over: Partial<InboxMessage> = {}): InboxMessage {
  return {
    id: 'Q0001ABC',
    seq: 1,
    receivedAt: '2025-01-01T10:00:00.000Z',
    via: 'smtp',
    channel: 'starttls',
    envelope: { mailFrom: 'sender@sandbox.mailprobe.test', rcptTo: ['inbox@sandbox.mailprobe.test'] },
    subject: 'Hello sandbox',
    messageId: '<m1@mailprobe>',
    size: 420,
    secure: true,
    user: 'sandbox-user',
    testMode: false,
    headers: [
      { name: 'From', value: 'sender@sandbox.mailprobe.test' },
      { name: 'Subject', value: 'Hello sandbox' },
      { name: 'X-Extra', value: 'folded' },
    ],
    raw: 'From: sender@sandbox.mailprobe.test\r\nSubject: Hello sandbox\r\nX-Extra: folded\r\n\r\nBody text\r\n',
    rawTruncated: false,
    ...over,
  }
}

/**
 * An in-memory MailprobeApi: profiles, presets and history behave like main's (secrets go in
 * and never come out); jobs answer with an id, and the test pushes their events with push().
 * Every operation is a vi.fn, so tests can assert calls or replace an answer.
 */
export function createFakeApi(
  seed: { profiles?: Profile[]; history?: HistoryEntry[]; presets?: Preset[]; keyring?: KeyringStatus; issues?: StorageIssue[]; sandbox?: AppSandboxStatus; inbox?: InboxMessage[] } = {},
) {
  const listeners = new Set<(batch: JobEventBatch) => void>()
  const sandboxListeners = new Set<(event: SandboxEvent) => void>()
  const signInListeners = new Set<(event: SignInEvent) => void>()
  let sandbox: AppSandboxStatus = seed.sandbox ?? sandboxStatus({ profiles: { starttls: null, tls: null, api: null, oauth: null } })
  let inbox: InboxMessage[] = [...(seed.inbox ?? [])]
  let next = 1
  let profiles: Profile[] = [...(seed.profiles ?? [])]
  let history: HistoryEntry[] = [...(seed.history ?? [])]
  /** What main would keep in its encrypted store (profile id → secret): tests check it never leaks back. */
  const secrets = new Map<string, unknown>(profiles.filter((p) => p.hasSecret).map((p) => [p.id, { primary: '(seeded)' }]))
  /** Proxy passwords, kept apart like main's secret store keeps them (a profile without a proxy keeps none). */
  const proxySecrets = new Map<string, string>(profiles.filter((p) => p.hasProxySecret).map((p) => [p.id, '(seeded)']))
  /** Mailbox passwords and DKIM keys, kept apart too (dropped when the saved profile no longer takes them). */
  const mailboxSecrets = new Map<string, string>(profiles.filter((p) => p.hasMailboxSecret).map((p) => [p.id, '(seeded)']))
  const dkimKeys = new Map<string, string>(profiles.filter((p) => p.hasDkimKey).map((p) => [p.id, '(seeded)']))
  const keyring = seed.keyring ?? PROTECTED
  const issues = seed.issues ?? []
  const presets = seed.presets ?? []
  const now = () => new Date().toISOString()

  const job = async (): Promise<Envelope<{ jobId: string }>> => ok({ jobId: `job-${next++}` })

  const runSmtp = vi.fn(async (_input: In<'runSmtp'>): Out<'runSmtp'> => job())
  const runApi = vi.fn(async (_input: In<'runApi'>): Out<'runApi'> => job())
  const runProbe = vi.fn(async (_input: In<'runProbe'>): Out<'runProbe'> => job())
  const runDomain = vi.fn(async (_input: In<'runDomain'>): Out<'runDomain'> => job())
  const runProfile = vi.fn(async (input: In<'runProfile'>): Out<'runProfile'> => (profiles.some((p) => p.id === input.profileId) ? job() : operationFailure('NOT_FOUND', 'no such profile')))
  const cancelJob = vi.fn(async (_input: In<'cancelJob'>): Out<'cancelJob'> => ok({ cancelled: true }))
  // Sign-ins answer with an id; the test pushes their events with pushSignIn() (and main's store of sign-ins is the profile's `signIn`).
  const oauthSignIn = vi.fn(async (input: In<'oauthSignIn'>): Out<'oauthSignIn'> => {
    const p = profiles.find((x) => x.id === input.profileId)
    if (!p) return operationFailure('NOT_FOUND', 'no such profile')
    if (p.kind !== 'smtp' || !p.oauth) return operationFailure('INVALID_INPUT', `"${p.name}" does not use OAuth2.`)
    return job()
  })
  const oauthSignOut = vi.fn(async ({ profileId }: In<'oauthSignOut'>): Out<'oauthSignOut'> => {
    const p = profiles.find((x) => x.id === profileId)
    if (!p) return operationFailure('NOT_FOUND', 'no such profile')
    const signedOut = p.kind === 'smtp' && !!p.signIn
    const now = p.kind === 'smtp' && p.oauth ? ({ ...p, signIn: null } as Profile) : p
    profiles = profiles.map((x) => (x.id === profileId ? now : x))
    return ok({ signedOut, profile: structuredClone(now) })
  })

  const listProfiles = vi.fn(async (_input: In<'listProfiles'>): Out<'listProfiles'> => ok({ profiles: structuredClone(profiles), keyring, issues }))
  const saveProfile = vi.fn(async (input: In<'saveProfile'>): Out<'saveProfile'> => {
    const existing = input.id ? profiles.find((p) => p.id === input.id) : undefined
    if (input.id && !existing) return operationFailure('NOT_FOUND', 'no such profile')
    const id = existing?.id ?? `p-${next++}`
    if (input.secret === null) secrets.delete(id)
    else if (input.secret) secrets.set(id, input.secret)
    if (typeof input.proxyPassword === 'string') proxySecrets.set(id, input.proxyPassword)
    else if (input.proxyPassword === null || !input.profile.network?.proxy) proxySecrets.delete(id)
    if (typeof input.mailboxPassword === 'string') mailboxSecrets.set(id, input.mailboxPassword)
    else if (input.mailboxPassword === null || !mailboxTakesPassword(input.profile)) mailboxSecrets.delete(id)
    if (typeof input.dkimKey === 'string') dkimKeys.set(id, input.dkimKey)
    else if (input.dkimKey === null || !dkimTakesKey(input.profile)) dkimKeys.delete(id)
    const saved = {
      tls: { insecure: false },
      defaults: { to: [], cc: [], bcc: [] },
      network: { family: 'auto' },
      ...(input.profile.kind === 'smtp' ? { authMethod: 'auto' } : { sandbox: false }),
      ...input.profile,
      id,
      createdAt: existing?.createdAt ?? now(),
      updatedAt: now(),
      hasSecret: secrets.has(id),
      hasProxySecret: proxySecrets.has(id),
      hasMailboxSecret: mailboxSecrets.has(id),
      hasDkimKey: dkimKeys.has(id),
    } as Profile
    profiles = existing ? profiles.map((p) => (p.id === id ? saved : p)) : [...profiles, saved]
    return ok(structuredClone(saved))
  })
  const deleteProfile = vi.fn(async ({ id }: In<'deleteProfile'>): Out<'deleteProfile'> => {
    const before = profiles.length
    profiles = profiles.filter((p) => p.id !== id)
    secrets.delete(id)
    proxySecrets.delete(id)
    mailboxSecrets.delete(id)
    dkimKeys.delete(id)
    return ok({ deleted: profiles.length < before })
  })
  const duplicateProfile = vi.fn(async ({ id }: In<'duplicateProfile'>): Out<'duplicateProfile'> => {
    const src = profiles.find((p) => p.id === id)
    if (!src) return operationFailure('NOT_FOUND', 'no such profile')
    const copy = {
      ...structuredClone(src),
      id: `p-${next++}`,
      name: `${src.name} (copy)`,
      hasSecret: false,
      hasProxySecret: false,
      hasMailboxSecret: false,
      hasDkimKey: false,
      createdAt: now(),
      updatedAt: now(),
    }
    profiles = [...profiles, copy]
    return ok(structuredClone(copy))
  })
  const listPresets = vi.fn(async (_input: In<'listPresets'>): Out<'listPresets'> => ok(structuredClone(presets)))
  const exportProfiles = vi.fn(async (_input: In<'exportProfiles'>): Out<'exportProfiles'> =>
    ok({
      suggestedName: 'mailprobe-profiles.json',
      content: JSON.stringify({
        format: 'mailprobe-profiles',
        version: 1,
        exportedAt: now(),
        profiles: profiles.map((p) => profileFieldsOf(p)),
      }),
    }),
  )
  const exportChecks = vi.fn(async (_input: In<'exportChecks'>): Out<'exportChecks'> =>
    ok({ suggestedName: 'mailprobe.checks.yaml', content: `checks:\n${profiles.map((p) => `  - name: ${p.name} verifies\n`).join('')}` }),
  )
  const runChecks = vi.fn(async (_input: In<'runChecks'>): Out<'runChecks'> => job())
  const importProfiles = vi.fn(async ({ content }: In<'importProfiles'>): Out<'importProfiles'> => {
    let parsed: { profiles?: Profile[] }
    try {
      parsed = JSON.parse(content ?? '')
    } catch {
      return operationFailure('INVALID_INPUT', 'The file is not JSON.')
    }
    const imported = (parsed.profiles ?? []).map(
      (p) => ({ ...p, id: `p-${next++}`, createdAt: now(), updatedAt: now(), hasSecret: false, hasProxySecret: false, hasMailboxSecret: false, hasDkimKey: false }) as Profile,
    )
    profiles = [...profiles, ...imported]
    return ok({ imported, skipped: [] })
  })

  const listHistory = vi.fn(async (input: In<'listHistory'>): Out<'listHistory'> => {
    const q = input.query?.toLowerCase() ?? ''
    const hits = history.filter((h) => !q || `${h.profileName} ${h.target} ${h.summary} ${h.action} ${h.errorCode ?? ''}`.toLowerCase().includes(q))
    const entries = hits.map(({ result: _r, ...s }) => s).slice(input.offset ?? 0, (input.offset ?? 0) + (input.limit ?? 100))
    return ok({ entries, total: hits.length })
  })
  const getHistoryEntry = vi.fn(async ({ id }: In<'getHistoryEntry'>): Out<'getHistoryEntry'> => ok(structuredClone(history.find((h) => h.id === id) ?? null)))
  const deleteHistory = vi.fn(async ({ ids }: In<'deleteHistory'>): Out<'deleteHistory'> => {
    const before = history.length
    history = history.filter((h) => !ids.includes(h.id))
    return ok({ deleted: before - history.length })
  })
  const exportTranscript = vi.fn(async ({ id, format }: In<'exportTranscript'>): Out<'exportTranscript'> =>
    ok({ suggestedName: `mailprobe-${id}.${format}`, content: format === 'json' ? '{"lines":[]}' : 'transcript' }),
  )

  const pickFiles = vi.fn(async (_input: In<'pickFiles'>): Out<'pickFiles'> => ok({ paths: [] }))
  const saveFile = vi.fn(async (input: In<'saveFile'>): Out<'saveFile'> => ok({ saved: true, path: `/tmp/${input.suggestedName}` }))
  const openExternal = vi.fn(async (_input: In<'openExternal'>): Out<'openExternal'> => ok({ opened: true }))

  const summaryOf = ({ headers: _h, raw: _r, rawTruncated: _t, ...m }: InboxMessage) => m
  const getSandboxStatus = vi.fn(async (_input: In<'getSandboxStatus'>): Out<'getSandboxStatus'> => ok(structuredClone(sandbox)))
  const setSandboxLatency = vi.fn(async (input: In<'setSandboxLatency'>): Out<'setSandboxLatency'> => {
    sandbox = { ...sandbox, rttMs: input.rttMs ?? sandbox.rttMs, thinkMs: input.thinkMs ?? sandbox.thinkMs }
    return ok(structuredClone(sandbox))
  })
  const setSandboxEnabled = vi.fn(async ({ enabled }: In<'setSandboxEnabled'>): Out<'setSandboxEnabled'> => {
    sandbox = { ...sandbox, enabled, running: enabled, info: enabled ? (sandbox.info ?? sandboxStatus().info) : null }
    return ok(structuredClone(sandbox))
  })
  const restoreSandboxProfiles = vi.fn(async (_input: In<'restoreSandboxProfiles'>): Out<'restoreSandboxProfiles'> => ok(structuredClone(sandbox)))
  const listInbox = vi.fn(async (_input: In<'listInbox'>): Out<'listInbox'> => ok({ messages: inbox.map(summaryOf).reverse(), received: inbox.length }))
  const getInboxMessage = vi.fn(async ({ id }: In<'getInboxMessage'>): Out<'getInboxMessage'> => ok(structuredClone(inbox.find((m) => m.id === id) ?? null)))
  const clearInbox = vi.fn(async (_input: In<'clearInbox'>): Out<'clearInbox'> => {
    const cleared = inbox.length
    inbox = []
    return ok({ cleared })
  })
  const runCompare = vi.fn(async (input: In<'runCompare'>): Out<'runCompare'> =>
    input.profileIds.every((id) => profiles.some((p) => p.id === id)) ? job() : operationFailure('NOT_FOUND', 'no such profile'),
  )

  const api: MailprobeApi = {
    runSmtp,
    runApi,
    runProbe,
    runDomain,
    runProfile,
    cancelJob,
    oauthSignIn,
    oauthSignOut,
    listProfiles,
    saveProfile,
    deleteProfile,
    duplicateProfile,
    listPresets,
    exportProfiles,
    exportChecks,
    runChecks,
    importProfiles,
    listHistory,
    getHistoryEntry,
    deleteHistory,
    exportTranscript,
    pickFiles,
    saveFile,
    openExternal,
    getSandboxStatus,
    setSandboxLatency,
    setSandboxEnabled,
    restoreSandboxProfiles,
    listInbox,
    getInboxMessage,
    clearInbox,
    runCompare,
    onJobEvents(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    onSandboxEvents(listener) {
      sandboxListeners.add(listener)
      return () => sandboxListeners.delete(listener)
    },
    onSignInEvents(listener) {
      signInListeners.add(listener)
      return () => signInListeners.delete(listener)
    },
  }
  return {
    api,
    ...{ runSmtp, runApi, runProbe, runDomain, runProfile, cancelJob, listProfiles, saveProfile, deleteProfile, duplicateProfile, listPresets },
    ...{ exportProfiles, importProfiles, listHistory, getHistoryEntry, deleteHistory, exportTranscript, pickFiles, saveFile, openExternal },
    ...{ getSandboxStatus, setSandboxLatency, setSandboxEnabled, restoreSandboxProfiles, listInbox, getInboxMessage, clearInbox, runCompare, oauthSignIn, oauthSignOut },
    ...{ exportChecks, runChecks },
    listeners,
    sandboxListeners,
    signInListeners,
    secrets,
    get profiles() {
      return profiles
    },
    get history() {
      return history
    },
    push(batch: JobEventBatch): void {
      for (const l of listeners) l(batch)
    },
    /** A message arrives in the sandbox: kept for getInboxMessage, and pushed like main does. */
    receive(message: InboxMessage): void {
      inbox = [...inbox, message]
      for (const l of sandboxListeners) l({ type: 'inbox', message: summaryOf(message) })
    },
    /** Main pushes a sign-in event; a successful `done` also signs the profile in, as main's store would. */
    pushSignIn(event: SignInEvent): void {
      if (event.type === 'done' && event.ok) profiles = profiles.map((p) => (p.id === event.profileId ? ({ ...p, signIn: event.signIn } as Profile) : p))
      for (const l of signInListeners) l(event)
    },
    /** Main pushes a sandbox event. */
    pushSandbox(event: SandboxEvent): void {
      if (event.type === 'status') sandbox = event.status
      for (const l of sandboxListeners) l(event)
    },
  }
}

export type FakeApi = ReturnType<typeof createFakeApi>
