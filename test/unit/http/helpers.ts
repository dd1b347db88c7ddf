// Shared set-up for the HTTP engine tests: the provider fixture, valid credentials per provider,
// and a runner that collects every event.
import type { ApiJobInput, ApiProvider, ApiResult, JobEvent } from '../../../preload/contract'
import { runApi, type ApiRunOptions } from '../../../main/core/http'
import { ArraySink } from '../../../main/core/transcript/event-sink'
import { getTestCerts } from '../../fixtures/certs'
import { MAILGUN_DOMAIN, PROVIDER_KEYS, type ProviderServer } from '../../fixtures/provider-server'
import type { Secret } from '../../fixtures/secret-scan'

export const MESSAGE = { from: 'sender@example.test', to: ['rcpt@example.test'], subject: 'Mailprobe unit test', text: 'Hello from the tests.' }

/** Valid credentials (and the extra fields a provider needs). */
export function validFor(p: Exclude<ApiProvider, 'generic'>): Pick<ApiJobInput, 'credentials' | 'domain'> {
  switch (p) {
    case 'mailgun':
      return { credentials: { key: PROVIDER_KEYS.mailgun }, domain: MAILGUN_DOMAIN }
    case 'ses':
      return { credentials: { key: PROVIDER_KEYS.ses.accessKeyId, secret: PROVIDER_KEYS.ses.secretAccessKey } }
    case 'mailjet':
      return { credentials: { key: PROVIDER_KEYS.mailjet.key, secret: PROVIDER_KEYS.mailjet.secret } }
    default:
      return { credentials: { key: PROVIDER_KEYS[p] } }
  }
}

/** Credentials of the right shape that the fixture refuses. */
export function badFor(p: Exclude<ApiProvider, 'generic'>): Pick<ApiJobInput, 'credentials' | 'domain'> {
  const good = validFor(p)
  return { ...good, credentials: { ...good.credentials, key: `${good.credentials.key.slice(0, 6)}WRONGwrong0123456789` } }
}

/** Every secret the fixture knows, for leak scans. */
export const ALL_SECRETS: Secret[] = [
  PROVIDER_KEYS.mailgun,
  PROVIDER_KEYS.sendgrid,
  PROVIDER_KEYS.postmark,
  PROVIDER_KEYS.ses.accessKeyId,
  PROVIDER_KEYS.ses.secretAccessKey,
  PROVIDER_KEYS.ses.sessionToken,
  PROVIDER_KEYS.resend,
  PROVIDER_KEYS.resendRestricted,
  PROVIDER_KEYS.mailjet.key,
  PROVIDER_KEYS.mailjet.secret,
  PROVIDER_KEYS.sparkpost,
  PROVIDER_KEYS.brevo,
  PROVIDER_KEYS.generic,
].map((value) => ({ value }))

export async function trustFixture(): Promise<{ caPem: string }> {
  return { caPem: (await getTestCerts()).ca.cert }
}

export interface Ran {
  result: ApiResult
  events: JobEvent[]
}

export async function run(job: unknown, opts: ApiRunOptions = {}): Promise<Ran> {
  const sink = new ArraySink()
  const result = await runApi(job, { ...opts, sink })
  return { result, events: sink.events }
}

/** A job against the fixture for provider `p` with valid credentials (overridable). */
export async function jobFor(server: ProviderServer, p: Exclude<ApiProvider, 'generic'>, extra: Partial<ApiJobInput> = {}): Promise<ApiJobInput> {
  return { provider: p, ...validFor(p), baseUrl: server.origin, tls: await trustFixture(), message: MESSAGE, ...extra } as ApiJobInput
}

/** Phases present, in the documented order, with non-negative start and duration, laid out in time order. */
export function phaseNames(r: ApiResult): string[] {
  return r.phases.map((p) => p.name)
}
