import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { JobEvent, SmtpJobInput } from '../../../preload/contract'
import { WarmSmtpSession } from '../../../main/core/smtp/warm'
import { ArraySink } from '../../../main/core/transcript/event-sink'
import { getTestCerts } from '../../fixtures/certs'
import { expectNoLeaks } from '../../fixtures/secret-scan'
import { startSmtpPeer, type SmtpPeer, type SmtpPeerOptions } from '../../fixtures/smtp-peers'

const USER = 'warm-canary-user'
const PASSWORD = 'Warm-canary-pw-93e1'
const message = { from: 'a@example.test', to: ['b@example.test'], subject: 'warm', text: 'one of many' }

let ca = ''
beforeAll(async () => {
  ca = (await getTestCerts()).ca.cert
})
const peers: SmtpPeer[] = []
const sessions: WarmSmtpSession[] = []
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.close()))
  await Promise.all(peers.splice(0).map((p) => p.close()))
})

async function peer(options: SmtpPeerOptions = {}): Promise<SmtpPeer> {
  const p = await startSmtpPeer({ mode: 'starttls', users: { [USER]: PASSWORD }, ...options })
  peers.push(p)
  return p
}
const job = (p: SmtpPeer, over: Partial<SmtpJobInput> = {}): SmtpJobInput => ({
  host: p.host,
  port: p.port,
  security: p.mode === 'tls' ? 'tls' : 'starttls',
  tls: { caPem: ca, servername: 'localhost' },
  auth: { user: USER, secret: PASSWORD },
  ...over,
})
async function open(p: SmtpPeer, over: Partial<SmtpJobInput> = {}, sink?: ArraySink) {
  const opened = await WarmSmtpSession.open(job(p, over), { sink })
  if (opened.session) sessions.push(opened.session)
  return opened
}

describe('warm SMTP session (engine addition)', () => {
  it('opens up to AUTH, then sends several messages on one connection, each a run of its own', async () => {
    const p = await peer()
    const sink = new ArraySink()
    const { result, session } = await open(p, {}, sink)
    expect(result.ok).toBe(true)
    expect(result.phases.map((x) => x.name)).toEqual(['connect', 'banner', 'ehlo', 'starttls', 'tls', 'ehlo2', 'auth'])
    expect(result.transcript.some((l) => l.text === 'QUIT')).toBe(false)
    expect(session!.open).toBe(true)
    for (let i = 1; i <= 3; i++) {
      const r = await session!.send({ ...message, subject: `warm ${i}` }, { jobId: `run-${i}`, sink })
      expect(r.ok).toBe(true)
      expect(r.roundTrips).toBe(2)
      expect(r.phases.map((x) => x.name)).toEqual(['mail', 'rcpt', 'data', 'dataAck'])
      expect(r.result.response).toBe(`250 Ok: queued as MPQ00000${i}`)
      expect(r.result.messageSize).toBeGreaterThan(0)
      // The bytes of this transaction only (not the handshake before it).
      expect(r.bytes.sent).toBeLessThan(result.bytes.sent + r.result.messageSize! + 200)
      expect(r.bytes.sent).toBeGreaterThan(r.result.messageSize!)
      expect(r.tls?.protocol).toBe('TLSv1.3')
      // RSET between runs: in the transcript, not in the time or the phases.
      const rset = r.transcript.findIndex((l) => l.dir === 'c' && l.text === 'RSET')
      expect(rset).toBeGreaterThan(0)
      expect(r.transcript[rset]!.t).toBeGreaterThanOrEqual(r.totalMs)
    }
    expect(p.connections).toBe(1)
    expect(p.sessions).toBe(1)
    expect(p.received.map((m) => m.envelope.rcptTo)).toEqual([['b@example.test'], ['b@example.test'], ['b@example.test']])
    const noop = await session!.noop()
    expect(noop.ok).toBe(true)
    expect(noop.roundTrips).toBe(1)
    await session!.close()
    expect(session!.open).toBe(false)
    // Every run's events end with its result, and nothing is emitted after it.
    const byJob = new Map<string, JobEvent[]>()
    for (const e of sink.events) byJob.set(e.jobId, [...(byJob.get(e.jobId) ?? []), e])
    for (const [, events] of byJob) expect(events.at(-1)?.type).toBe('result')
    expectNoLeaks(JSON.stringify(sink.events), [{ value: PASSWORD, user: USER }], 'events')
  })

  it('a refused recipient fails that run only; the session is reset and goes on', async () => {
    const p = await peer({ rejectRecipients: ['nobody@example.test'] })
    const { session } = await open(p)
    const bad = await session!.send({ ...message, to: ['nobody@example.test'] })
    expect(bad.ok).toBe(false)
    expect(bad.error?.code).toBe('RECIPIENT_REJECTED')
    expect(session!.open).toBe(true)
    const good = await session!.send(message)
    expect(good.ok).toBe(true)
    expect(p.connections).toBe(1)
  })

  it('a lost connection fails the next run with CONNECTION_LOST and closes the session', async () => {
    const p = await peer()
    const { session } = await open(p)
    await p.close()
    const r = await session!.send(message)
    expect(r.ok).toBe(false)
    expect(r.error?.code).toBe('CONNECTION_LOST')
    expect(session!.open).toBe(false)
  })

  it('a failed AUTH returns no session; invalid input and messages are refused without throwing', async () => {
    const p = await peer()
    const failed = await open(p, { auth: { user: USER, secret: 'wrong' } })
    expect(failed.session).toBeNull()
    expect(failed.result.error?.code).toBe('AUTH_FAILED')
    const invalid = await WarmSmtpSession.open({ host: '', port: 0 })
    expect(invalid.result.error?.code).toBe('INVALID_INPUT')
    const { session } = await open(p)
    const noRcpt = await session!.send({ from: 'a@example.test', to: [] })
    expect(noRcpt.error?.code).toBe('INVALID_INPUT')
    expect(session!.open).toBe(true)
  })

  it('cancel during a transaction: CANCELLED, and the session is closed', async () => {
    const p = await peer({ dataDelayMs: 5000 })
    const { session } = await open(p)
    const controller = new AbortController()
    const sink = {
      emit(e: JobEvent) {
        if (e.type === 'transcript' && e.text.includes('message body sent')) controller.abort()
      },
    }
    const r = await session!.send(message, { sink, signal: controller.signal })
    expect(r.error?.code).toBe('CANCELLED')
    expect(session!.open).toBe(false)
  })
})
