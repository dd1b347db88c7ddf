import {
  dkimKeyInputSchema,
  type ApiJobInput,
  type ApiProfile,
  type ComposedMessage,
  type DeliveryRequestInput,
  type NetworkOptions,
  type Profile,
  type ProfileMailbox,
  type RunProfileInput,
  type SmtpJobInput,
  type SmtpProfile,
  type SmtpStage,
} from '../../../preload/contract'
import { stageOfAction } from '../../../preload/contract/wording'
import { PROVIDER_LABELS } from '../history/summary'
import type { ProfileSecret } from '../profiles/secrets'

/*
 * A saved profile + an action + the composer's message + the decrypted secrets (login secret,
 * proxy password, an OAuth2 profile's access token, the mailbox password, the DKIM key) → the
 * engine's input, with the delivery watch and DKIM signing the profile asks for. Pure, so every rule is unit-tested; the secrets go into
 * the returned input and nowhere else. Problems come back as a sentence the user can act on (the job reports it as INVALID_INPUT).
 */

export type ProfileAction = RunProfileInput['action']

/** An OAuth2 profile's token, from its (renewed) sign-in: what AUTH sends, and who signed in. */
export interface SignedInToken {
  accessToken: string
  account: string | null
}

export type BuiltJob = { kind: 'smtp'; input: SmtpJobInput; stopAfter: SmtpStage } | { kind: 'api'; input: ApiJobInput } | { kind: 'smtp' | 'api'; problem: string }

/** What a profile's job is built from besides the profile and the action: the composer's message, the decrypted secrets, and the run's choices. */
export interface ProfileJobOptions {
  /** The composer's message (the profile's defaults fill in what it leaves empty). */
  message?: ComposedMessage
  /** The saved login secret (password, token, key). */
  secret?: ProfileSecret | null
  /** The saved proxy password (used only where the profile has a proxy). */
  proxyPassword?: string | null
  /** An OAuth2 profile's token, from its (renewed) sign-in. */
  token?: SignedInToken | null
  /** The saved password of the profile's IMAP mailbox. */
  mailboxPassword?: string | null
  /** The DKIM private key: read from the profile's key file, or the saved one. */
  dkimKey?: string | null
  /** Watch the profile's mailbox after a send (default true); false: stop at acceptance, for this run. */
  awaitInbox?: boolean
}

/** Whether running `action` watches the profile's mailbox: a send that delivers (not an API's sandbox mode), unless the run opts out. */
export function watchesMailbox(profile: Profile, action: ProfileAction, awaitInbox = true): boolean {
  if (!awaitInbox || !profile.mailbox) return false
  if (profile.kind === 'smtp') return action === 'send'
  return action === 'api-send' && !profile.sandbox
}

/** Whether running `action` signs the message with the profile's DKIM key (an SMTP send). */
export function signsWithDkim(profile: Profile, action: ProfileAction): boolean {
  return profile.kind === 'smtp' && profile.dkim !== undefined && action === 'send'
}

const SMTP_ACTIONS: readonly ProfileAction[] = ['verify', 'envelope', 'send']
const API_ACTIONS: readonly ProfileAction[] = ['api-send', 'api-sandbox', 'api-verify']

/** Null when the action fits the profile's kind, else why not (asked before a job starts). */
export function actionMismatch(profile: Profile, action: ProfileAction): string | null {
  if (profile.kind === 'smtp' && !SMTP_ACTIONS.includes(action)) return `"${profile.name}" is an SMTP profile: it can verify credentials, test the envelope or send, not ${action}.`
  if (profile.kind === 'api' && !API_ACTIONS.includes(action)) return `"${profile.name}" is an API profile: it can send, send in sandbox mode or verify the key, not ${action}.`
  return null
}

/** What a profile's run is aimed at, for History when the engine never got as far as a result target. */
export function profileTarget(profile: Profile): string {
  return profile.kind === 'smtp' ? `${profile.host}:${profile.port}` : PROVIDER_LABELS[profile.provider]
}

type EngineMessage = NonNullable<SmtpJobInput['message']>

/** The composer's message, with the profile's default sender and recipients where the composer left them empty. */
function envelope(profile: Profile, message: ComposedMessage | undefined): EngineMessage | { problem: string } {
  const d = profile.defaults
  const from = message?.from ?? d.from
  if (!from) return { problem: `No sender: fill in From in the composer, or give "${profile.name}" a default sender.` }
  const given = message ? message.to.length + message.cc.length + message.bcc.length > 0 : false
  const out: EngineMessage = {
    from,
    to: given ? message!.to : d.to,
    cc: given ? message!.cc : d.cc,
    bcc: given ? message!.bcc : d.bcc,
    subject: message?.subject ?? '',
    attachments: message?.attachments ?? [],
    headers: message?.headers ?? [],
  }
  if (message?.text !== undefined) out.text = message.text
  if (message?.html !== undefined) out.html = message.html
  return out
}

/** A profile's TLS settings (or its mailbox's) as a job takes them. */
function tlsOf(t: Profile['tls']) {
  return {
    insecure: t.insecure,
    ...(t.servername ? { servername: t.servername } : {}),
    ...(t.caFile ? { caFile: t.caFile } : {}),
    ...(t.minVersion ? { minVersion: t.minVersion } : {}),
  }
}

/** The profile's Network section as the job takes it, with the saved proxy password filled in (only where the profile has a proxy). */
export function networkOf(profile: Profile, proxyPassword: string | null): NetworkOptions {
  const n = profile.network
  const out: NetworkOptions = { family: n.family }
  if (n.localAddress) out.localAddress = n.localAddress
  if (n.proxy) out.proxy = { url: n.proxy.url, ...(proxyPassword ? { password: proxyPassword } : {}) }
  return out
}

/**
 * The job's `delivery` for the profile's mailbox: the sandbox's inbox, or the IMAP mailbox with its
 * saved password or (login 'sign-in') the access token of the profile's sign-in.
 */
function deliveryOf(profile: Profile, mailbox: ProfileMailbox, o: ProfileJobOptions): NonNullable<SmtpJobInput['delivery']> | { problem: string } {
  const timeout = mailbox.timeoutMs !== undefined ? { timeoutMs: mailbox.timeoutMs } : {}
  if (mailbox.kind === 'sandbox') return { inbox: 'sandbox', ...timeout }
  let login: Pick<DeliveryRequestInput, 'secret' | 'secretKind'>
  if (mailbox.login === 'sign-in') {
    if (profile.kind !== 'smtp' || !profile.oauth)
      return { problem: `The mailbox of "${profile.name}" logs in with the profile's sign-in, but the profile does not use OAuth2: give the mailbox a password in the profile editor.` }
    if (!o.token) return { problem: `Sign in first: "${profile.name}" watches its mailbox with its OAuth2 sign-in and has no sign-in yet (Sign in, beside the profile).` }
    login = { secret: o.token.accessToken, secretKind: 'token' }
  } else {
    if (!o.mailboxPassword) return { problem: `No mailbox password saved for profile "${profile.name}": add it in the profile editor, or turn off Wait for delivery.` }
    login = { secret: o.mailboxPassword, secretKind: 'password' }
  }
  return {
    host: mailbox.host,
    ...(mailbox.port !== undefined ? { port: mailbox.port } : {}),
    security: mailbox.security,
    user: mailbox.user,
    ...login,
    folders: mailbox.folders,
    ...timeout,
    method: mailbox.method,
    deleteAfter: mailbox.deleteAfter,
    tls: tlsOf(mailbox.tls),
    network: networkOf(profile, o.proxyPassword ?? null),
  }
}

/** The job's `dkim` for an SMTP profile that signs: its domain and selector with the key (from its key file, or saved). */
function dkimOf(profile: SmtpProfile, key: string | null | undefined): NonNullable<SmtpJobInput['dkim']> | { problem: string } {
  const dkim = profile.dkim!
  const source = dkim.keyFile ? `The DKIM key file ${dkim.keyFile} of profile "${profile.name}"` : `The saved DKIM key of profile "${profile.name}"`
  if (!key)
    return { problem: dkim.keyFile ? `${source} is empty: put the PEM private key in it.` : `No DKIM key saved for profile "${profile.name}": paste it or name a key file in the profile editor.` }
  // Never quoted: the file's content is a private key, or something the user did not mean to show.
  if (!dkimKeyInputSchema.safeParse(key).success) return { problem: `${source} holds no PEM private key (-----BEGIN PRIVATE KEY-----): give the key DKIM signs with.` }
  return { domain: dkim.domain, selector: dkim.selector, privateKey: key }
}

function smtpJob(profile: SmtpProfile, action: ProfileAction, o: ProfileJobOptions): BuiltJob {
  const token = o.token ?? null
  const secret = o.secret ?? null
  const stopAfter = stageOfAction(action)
  const input: SmtpJobInput = {
    host: profile.host,
    port: profile.port,
    security: profile.security,
    tls: tlsOf(profile.tls),
    network: networkOf(profile, o.proxyPassword ?? null),
    stopAfter,
  }
  if (profile.ehloName) input.ehloName = profile.ehloName
  if (profile.timeoutMs) input.timeouts = { connectMs: profile.timeoutMs, greetingMs: profile.timeoutMs, socketMs: profile.timeoutMs }

  if (profile.oauth) {
    // The token of the profile's sign-in; its saved secret (if any) is the app's client secret, never sent to the mail server.
    if (!token) return { kind: 'smtp', problem: `Sign in first: "${profile.name}" uses OAuth2 and has no sign-in yet (Sign in, beside the profile).` }
    const user = profile.username ?? token.account
    if (!user) return { kind: 'smtp', problem: `"${profile.name}" has no username and its sign-in names no account: add the mailbox address as the username in the profile editor.` }
    const method = profile.authMethod === 'xoauth2' || profile.authMethod === 'oauthbearer' ? profile.authMethod : 'auto'
    input.auth = { method, user, secret: token.accessToken, secretKind: 'token' }
  }
  // 'auto' with neither a username nor a saved secret means: connect without AUTH (a local relay).
  const wantsAuth = !profile.oauth && profile.authMethod !== 'none' && (profile.authMethod !== 'auto' || Boolean(profile.username) || secret !== null)
  if (wantsAuth) {
    const what = profile.authMethod === 'xoauth2' || profile.authMethod === 'oauthbearer' ? 'access token' : 'password'
    if (!profile.username) return { kind: 'smtp', problem: `"${profile.name}" has no username: add it in the profile editor, or choose no authentication.` }
    if (!secret) return { kind: 'smtp', problem: `No ${what} saved for profile "${profile.name}": add it in the profile editor.` }
    input.auth = { method: profile.authMethod === 'none' ? 'auto' : profile.authMethod, user: profile.username, secret: secret.primary }
  }

  if (action !== 'verify') {
    const m = envelope(profile, o.message)
    if ('problem' in m) return { kind: 'smtp', problem: m.problem }
    input.message = m
  }
  if (signsWithDkim(profile, action)) {
    const dkim = dkimOf(profile, o.dkimKey)
    if ('problem' in dkim) return { kind: 'smtp', problem: dkim.problem }
    input.dkim = dkim
  }
  if (profile.mailbox && watchesMailbox(profile, action, o.awaitInbox)) {
    const delivery = deliveryOf(profile, profile.mailbox, o)
    if ('problem' in delivery) return { kind: 'smtp', problem: delivery.problem }
    input.delivery = delivery
  }
  return { kind: 'smtp', input, stopAfter }
}

function apiJob(profile: ApiProfile, action: ProfileAction, o: ProfileJobOptions): BuiltJob {
  const secret = o.secret ?? null
  const pair = profile.provider === 'ses' || profile.provider === 'mailjet'
  const secretName = profile.provider === 'ses' ? 'secret access key' : profile.provider === 'mailjet' ? 'secret key' : 'API key'
  if (!secret) return { kind: 'api', problem: `No ${pair && profile.keyId ? secretName : 'API key'} saved for profile "${profile.name}": add it in the profile editor.` }
  // SES and Mailjet: with a key id (the public half of the pair) saved in the profile, the saved secret is the private half.
  const credentials: ApiJobInput['credentials'] =
    pair && profile.keyId ? { key: profile.keyId, secret: secret.secondary ?? secret.primary } : { key: secret.primary, ...(secret.secondary ? { secret: secret.secondary } : {}) }
  if (secret.sessionToken) credentials.sessionToken = secret.sessionToken
  if (pair && !credentials.secret) return { kind: 'api', problem: `No ${secretName} saved for profile "${profile.name}": add it in the profile editor.` }

  const input: ApiJobInput = {
    provider: profile.provider,
    action: action === 'api-verify' ? 'verify' : 'send',
    credentials,
    tls: tlsOf(profile.tls),
    network: networkOf(profile, o.proxyPassword ?? null),
    sandbox: action === 'api-sandbox' ? true : action === 'api-send' ? profile.sandbox : false,
  }
  if (profile.domain) input.domain = profile.domain
  if (profile.region) input.region = profile.region
  if (profile.baseUrl) input.baseUrl = profile.baseUrl
  if (profile.timeoutMs) input.timeouts = { connectMs: profile.timeoutMs, socketMs: profile.timeoutMs }
  if (action !== 'api-verify') {
    const m = envelope(profile, o.message)
    if ('problem' in m) return { kind: 'api', problem: m.problem }
    input.message = m
  }
  if (profile.mailbox && watchesMailbox(profile, action, o.awaitInbox)) {
    const delivery = deliveryOf(profile, profile.mailbox, o)
    if ('problem' in delivery) return { kind: 'api', problem: delivery.problem }
    input.delivery = delivery
  }
  return { kind: 'api', input }
}

/**
 * The engine input for running `profile` with `action`, or the problem that prevents it. A send
 * from a profile with a mailbox watches it unless `awaitInbox` is false; an SMTP send from a
 * profile with DKIM signs with `dkimKey`.
 */
export function buildProfileJob(profile: Profile, action: ProfileAction, o: ProfileJobOptions = {}): BuiltJob {
  const mismatch = actionMismatch(profile, action)
  if (mismatch) return { kind: profile.kind, problem: mismatch }
  return profile.kind === 'smtp' ? smtpJob(profile, action, o) : apiJob(profile, action, o)
}
