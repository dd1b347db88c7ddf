// The lab measuring to the inbox, against the real thing: an SMTP profile sends through Postfix, an
// API profile through the local provider (which, like a real one after its 200, hands the message to
// Dovecot), and every run waits for its own message in alice's mailbox over IMAP. Then the same with
// the sandbox's inbox as the mailbox (offline, as the sandbox profiles do), and what the lab refuses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CompareResultSchema, deliveryRequestSchema, type CompareJobInput, type CompareProfileSpec, type CompareResult, type DeliveryRequestInput } from '../../../preload/contract'
import { compareToCsv, runCompare } from '../../../main/core/lab'
import { formatCompareSummary } from '../../../main/core/report/compare'
import { startSandbox, type SandboxHandle } from '../../../main/core/sandbox'
import { WarmSmtpSession } from '../../../main/core/smtp/warm'
import { ArraySink, type JobOptions } from '../../../main/core/transcript/event-sink'
import { getTestCerts } from '../../fixtures/certs'
import { startMailServers, type MailServers, type MailUser } from '../../fixtures/mail-servers'
import { PROVIDER_KEYS, startProviderServer, type ProviderServer, type RecordedRequest } from '../../fixtures/provider-server'
import { expectNoLeaks } from '../../fixtures/secret-scan'
import { startDnsServer, type DnsServer } from '../../fixtures/dns-server'

const FROM = 'lab@mailprobe.test'
const TOKEN = /X-Mailprobe-Token: ([\w.-]+)/

async function compare(input: CompareJobInput, opts: JobOptions = {}) {
  const sink = new ArraySink()
  const result = await runCompare(input, { jobId: 'lab-inbox', sink, ...opts })
  expect(CompareResultSchema.safeParse(result).success).toBe(true)
  return { result, events: sink.events }
}

/** What every measured profile must show: each accepted run watched and seen, ordered figures, and acceptance without the wait. */
function expectMeasuredToInbox(result: CompareResult, runs: number): void {
  expect(result.toInbox).toBe(true)
  for (const p of result.profiles) {
    const d = p.delivery!
    expect(d, p.name).toMatchObject({ watched: runs, seen: runs, junk: 0 })
    for (const spread of [d.acceptedToInboxMs, d.sendToInboxMs]) {
      expect(spread.min!).toBeGreaterThanOrEqual(0)
      expect(spread.median!).toBeGreaterThanOrEqual(spread.min!)
      expect(spread.p95!).toBeGreaterThanOrEqual(spread.median!)
      expect(spread.max!).toBeGreaterThanOrEqual(spread.p95!)
    }
    expect(d.sendToInboxMs.median!).toBeGreaterThanOrEqual(d.acceptedToInboxMs.median!)
    // The delivery wait is neither a phase of the time to acceptance nor in it.
    expect(p.phaseOrder).not.toContain('delivery')
  }
  for (const s of result.samples) {
    const d = s.delivery!
    expect(d.seen).toBe(true)
    expect(d.sendToInboxMs!).toBeGreaterThanOrEqual(d.acceptedToInboxMs!)
    // send → inbox is the time to acceptance plus accepted → inbox: the run's figure stops at acceptance.
    expect(d.sendToInboxMs! - d.acceptedToInboxMs!).toBeCloseTo(s.totalMs, 1)
    expect(s.phases.delivery).toBeUndefined()
  }
  expect(result.winnerToInbox).not.toBeNull()
}

describe('the lab to the inbox with Postfix and Dovecot', () => {
  let mail: MailServers
  let alice: MailUser
  let dns: DnsServer
  let provider: ProviderServer
  let caPem: string
  const handed: Promise<void>[] = []
  let relaying = true

  /** The local provider delivers what it accepted, as a real one does after its 200: each Postmark send becomes a message in Dovecot (a warm lane's key check sends nothing). */
  function relay(): void {
    void provider.nextRequest().then((req: RecordedRequest) => {
      if (!relaying) return
      relay()
      if (req.path !== '/email') return
      const body = req.json as { From: string; To: string; Subject: string; TextBody: string; Headers?: { Name: string; Value: string }[] }
      const raw = [`From: ${body.From}`, `To: ${body.To}`, `Subject: ${body.Subject}`, ...(body.Headers ?? []).map((h) => `${h.Name}: ${h.Value}`), '', body.TextBody, ''].join('\r\n')
      handed.push(mail.deliverLocal(raw, { to: alice.address }))
    })
  }

  beforeAll(async () => {
    ;[mail, dns, provider] = await Promise.all([startMailServers(), startDnsServer({ 'mailprobe.test': { TXT: ['v=spf1 ip4:127.0.0.1 -all'] } }), startProviderServer()])
    alice = mail.user('alice')
    caPem = (await getTestCerts()).ca.cert
    relay()
  }, 60_000)

  afterAll(async () => {
    relaying = false
    await Promise.allSettled(handed)
    await Promise.all([mail?.close(), dns?.close(), provider?.close()])
  })

  const mailbox = (extra: Partial<DeliveryRequestInput> = {}): DeliveryRequestInput => mail.mailbox(alice, { dnsServers: [dns.server], ...extra })
  const message = () => ({ from: FROM, to: [alice.address], subject: 'lab to the inbox', text: 'Measured to the inbox.' })
  function postfix(name: string, over: Record<string, unknown> = {}): CompareProfileSpec {
    return { kind: 'smtp', name, job: { host: mail.smtp.host, port: mail.smtp.port, security: 'none', message: message(), delivery: mailbox(), ...over } }
  }
  function postmark(name: string, over: Record<string, unknown> = {}): CompareProfileSpec {
    return {
      kind: 'api',
      name,
      job: { provider: 'postmark', credentials: { key: PROVIDER_KEYS.postmark }, baseUrl: provider.origin, tls: { caPem }, message: message(), delivery: mailbox(), ...over },
    }
  }

  it('cold: per profile, how many were seen and the median and p95 of accepted → inbox and send → inbox, beside the time to acceptance', async () => {
    const { result, events } = await compare({ profiles: [postfix('Postfix'), postmark('API')], runs: 3, toInbox: true })
    expect(result.error).toBeNull()
    expect(result.ok).toBe(true)
    expectMeasuredToInbox(result, 3)
    const [smtp, api] = result.profiles
    expect(smtp!.phaseOrder.at(-1)).toBe('dataAck')
    expect(api!.phaseOrder).toEqual(['connect', 'tls', 'send', 'wait', 'download'])
    expect(result.samples.every((s) => s.delivery!.folder === 'INBOX')).toBe(true)
    // Every run's message carried a token of its own: six messages, six tokens, each in alice's INBOX once.
    const tokens = mail.messages(alice.address).flatMap((m) => (m.raw.includes('lab to the inbox') ? [TOKEN.exec(m.raw)![1]!] : []))
    expect(tokens).toHaveLength(6)
    expect(new Set(tokens).size).toBe(6)
    // The summary names both measures; the IMAP password appears nowhere.
    const text = result.transcript.map((l) => l.text).join('\n')
    expect(text).toMatch(/Postfix: 3\/3 ok · median [\d.]+ ms .* · to the inbox: 3\/3 seen, accepted → inbox median [\d.]+ ms \(p95 [\d.]+\), send → inbox median/)
    expect(text).toMatch(/fastest to the inbox: (Postfix|API)/)
    expectNoLeaks(JSON.stringify(events), [{ value: alice.password }], 'lab events')
    // The text summary (the CLI's, History's export) has a section of its own.
    const summary = formatCompareSummary(result, { color: false })
    expect(summary).toMatch(/Time to the inbox \(ms; of the messages seen\):\n {2}Postfix\b.* seen 3\/3 · accepted → inbox median [\d.]+, p95 [\d.]+ · send → inbox median [\d.]+, p95 [\d.]+/)
    expect(summary).toMatch(/Fastest to the inbox: (Postfix|API) \(median send → inbox\)/)
    // The CSV has each run's delivery.
    const csv = compareToCsv(result).trimEnd().split('\r\n')
    expect(csv[0]).toContain('inbox_seen,inbox_folder,inbox_junk,accepted_to_inbox_ms,send_to_inbox_ms,inbox_already_there')
    expect(csv[1]).toMatch(/,true,INBOX,false,[\d.]+,[\d.]+,(true|false)/)
  })

  it('warm: the kept SMTP session and keep-alive connection send, then each message is watched for', async () => {
    const before = mail.messages(alice.address).length
    const { result } = await compare({ profiles: [postfix('Postfix warm'), postmark('API warm')], runs: 2, mode: 'warm', toInbox: true })
    expect(result.error).toBeNull()
    expect(result.ok).toBe(true)
    expectMeasuredToInbox(result, 2)
    expect(result.samples.every((s) => s.reused)).toBe(true)
    expect(result.profiles[0]!.phaseOrder).toEqual(['mail', 'rcpt', 'data', 'dataAck'])
    expect(result.profiles[0]!.setup?.connections).toBe(1)
    expect(mail.messages(alice.address).length - before).toBe(4)
  })

  it('a warm session’s send with a mailbox: its own token, the watch in the IMAP lane, the login redacted', async () => {
    const sink = new ArraySink()
    const { session } = await WarmSmtpSession.open({ host: mail.smtp.host, port: mail.smtp.port, security: 'none' })
    try {
      const delivery = deliveryRequestSchema.parse(mailbox())
      const [one, two] = [await session!.send(message(), { sink, delivery }), await session!.send(message(), { sink, delivery })]
      for (const r of [one, two]) {
        expect(r.error).toBeNull()
        expect(r.delivery).toMatchObject({ ok: true, folder: 'INBOX' })
        expect(r.phases.at(-1)).toMatchObject({ name: 'delivery' })
        expect(r.transcript.some((l) => l.lane === 'imap' && l.dir === 'c')).toBe(true)
      }
      expect(TOKEN.exec(one.delivery!.headers!)![1]).not.toBe(TOKEN.exec(two.delivery!.headers!)![1])
      expectNoLeaks(JSON.stringify([one, two, sink.events]), [{ value: alice.password, user: alice.user }], 'warm watched sends')
      // The mailbox's login name is hidden as runSmtp hides it (here it is also the recipient's address).
      expect(JSON.stringify(one.transcript.filter((l) => l.lane === 'imap'))).not.toContain(alice.user)
    } finally {
      await session?.close()
    }
  })

  it('a run whose message never comes fails with DELIVERY_TIMEOUT, counted by code; the send’s time to acceptance is still kept apart', async () => {
    // bob's mailbox is watched while the message goes to alice: it is never seen there.
    const bob = mail.user('bob')
    const elsewhere = mailbox({ user: bob.user, secret: bob.password, timeoutMs: 800 })
    const { result } = await compare({ profiles: [postfix('to alice, watching bob', { delivery: elsewhere }), postfix('to alice')], runs: 1, toInbox: true })
    expect(result.ok).toBe(false)
    const [lost, found] = result.profiles
    expect(lost).toMatchObject({ ok: false, runsOk: 0, errors: { DELIVERY_TIMEOUT: 1 }, delivery: { watched: 1, seen: 0 } })
    expect(lost!.delivery!.acceptedToInboxMs.median).toBeNull()
    expect(found).toMatchObject({ ok: true, delivery: { watched: 1, seen: 1 } })
    expect(result.winnerToInbox).toBe('to alice')
    const sample = result.samples.find((s) => s.profile === 0)!
    expect(sample).toMatchObject({ ok: false, errorCode: 'DELIVERY_TIMEOUT', delivery: { seen: false, folder: null } })
    // Stopped at acceptance (the 250 after DATA), not at the end of the 0.8 s wait.
    expect(sample.totalMs).toBeLessThan(800)
  })
})

describe('the lab to the sandbox’s inbox', () => {
  let sb: SandboxHandle
  beforeAll(async () => {
    sb = await startSandbox()
  })
  afterAll(async () => {
    await sb?.close()
  })

  const message = { from: 'lab@sandbox.mailprobe.test', to: ['you@sandbox.mailprobe.test'], subject: 'lab to the sandbox inbox', text: 'hello' }
  const inbox = { inbox: 'sandbox' as const, timeoutMs: 5000 }
  function smtp(name: string, over: Record<string, unknown> = {}): CompareProfileSpec {
    return {
      kind: 'smtp',
      name,
      job: { host: sb.host, port: sb.smtp.starttls, security: 'starttls', tls: { caPem: sb.caPem }, auth: { user: sb.user, secret: sb.password }, message, delivery: inbox, ...over },
    }
  }
  function api(name: string, over: Record<string, unknown> = {}): CompareProfileSpec {
    return {
      kind: 'api',
      name,
      job: { provider: 'mailgun', domain: sb.api.domain, baseUrl: sb.api.url, credentials: { key: sb.api.key }, tls: { caPem: sb.caPem }, message, delivery: inbox, ...over },
    }
  }

  it('each run is seen in the sandbox’s inbox under a token of its own, even when the job names one; at most 4 runs at once', async () => {
    const fixed = { ...inbox, token: 'fixed-token-1' }
    const withHeader = { ...message, headers: [{ name: 'X-Mailprobe-Token', value: 'header-token-1' }] }
    const { result } = await compare({ profiles: [smtp('SMTP', { delivery: fixed }), api('API', { message: withHeader })], runs: 3, concurrency: 8, toInbox: true }, { sandboxInbox: sb.inbox })
    expect(result.error).toBeNull()
    expectMeasuredToInbox(result, 3)
    expect(result.samples.every((s) => s.delivery!.folder === 'Sandbox inbox')).toBe(true)
    const tokens = result.samples.map((s) => TOKEN.exec(sb.inbox.get(s.messageRef!)!.raw)![1]!)
    expect(new Set(tokens).size).toBe(6)
    expect(tokens).not.toContain('fixed-token-1')
    expect(tokens).not.toContain('header-token-1')
    const text = result.transcript.map((l) => l.text).join('\n')
    expect(text).toMatch(/SMTP: the fixed delivery token of its job is not used/)
    expect(text).toMatch(/API: the fixed delivery token of its job is not used/)
    // The concurrency asked for is bounded, and the result says so.
    expect(result.concurrency).toBe(4)
    expect(result.warnings.some((w) => /^4 runs were in flight at once, not 8: measuring to the inbox, each run’s watch holds two IMAP connections/.test(w))).toBe(true)
  })

  it('without toInbox a job’s delivery is left out: the runs end at acceptance', async () => {
    const { result } = await compare({ profiles: [smtp('SMTP'), api('API')], runs: 1 }, { sandboxInbox: sb.inbox })
    expect(result.ok).toBe(true)
    expect(result.toInbox).toBe(false)
    expect(result.winnerToInbox).toBeNull()
    expect(result.profiles.every((p) => p.delivery === null)).toBe(true)
    expect(result.samples.every((s) => s.delivery === null)).toBe(true)
    expect(compareToCsv(result)).not.toContain('inbox_seen')
  })

  it('refuses what cannot be measured to the inbox, naming the profile', async () => {
    const { delivery: _d, ...noMailbox } = (api('API') as Extract<CompareProfileSpec, { kind: 'api' }>).job
    const missing = await compare({ profiles: [smtp('SMTP'), { kind: 'api', name: 'No mailbox', job: noMailbox }], toInbox: true })
    expect(missing.result.error?.code).toBe('INVALID_INPUT')
    expect(missing.result.error!.message).toMatch(/profiles\[1\]\.job\.delivery: profile "No mailbox" has no mailbox to watch: measuring to the inbox needs a mailbox on every profile compared/)
    expect(missing.result.toInbox).toBe(true)
    const verify = await compare({ profiles: [smtp('SMTP'), api('API')], action: 'verify', toInbox: true })
    expect(verify.result.error!.message).toMatch(/toInbox: measuring to the inbox needs a full send/)
    // The engine's own check, under the profile's name: a provider's sandbox mode delivers nothing.
    const sandboxMode = await compare({ profiles: [smtp('SMTP'), api('API sandbox', { sandbox: true })], toInbox: true })
    expect(sandboxMode.result.error!.message).toMatch(/profiles\[1\] "API sandbox": delivery: a sandbox send delivers nothing/)
    for (const r of [missing, verify, sandboxMode]) expect(r.result.samples).toHaveLength(0)
  })

  it('a watch without the sandbox’s inbox at hand fails each run with the reason', async () => {
    const { result } = await compare({ profiles: [smtp('SMTP'), api('API')], runs: 1, toInbox: true })
    expect(result.ok).toBe(false)
    expect(result.profiles.map((p) => p.errors)).toEqual([{ INVALID_INPUT: 1 }, { INVALID_INPUT: 1 }])
    expect(result.transcript.some((l) => /only where the sandbox runs/.test(l.text))).toBe(true)
  })
})
