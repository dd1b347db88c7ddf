// One wording for what a run did: the CLI's verdict, History's summary line (and the app's verdict,
// test/renderer/verdict.test.ts) take the sentence of each stage from preload/contract/wording.
import { describe, expect, it } from 'vitest'
import { DeliveryResultSchema, RUN_ACTIONS, SMTP_STAGES, type ApiResult, type DeliveryResult, type SmtpResult } from '../../../preload/contract'
import { actionOfStage, apiSuccess, deliveryStep, plural, stageOfAction, waitWords } from '../../../preload/contract/wording'
import { summaryLine } from '../../../main/core/history/summary'
import { formatApiVerdict } from '../../../main/core/report/api'
import { formatVerdict } from '../../../main/core/report/text'

const plain = { color: false }

const smtp = (over: Partial<SmtpResult> = {}): SmtpResult => ({
  ok: true,
  kind: 'smtp',
  error: null,
  warnings: [],
  phases: [],
  totalMs: 12.5,
  roundTrips: 3,
  transcript: [],
  target: { host: 'mx.example.com', port: 587, security: 'starttls', address: '192.0.2.7' },
  tls: { protocol: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256', authorized: true, authorizationError: null, insecure: false, peerCertificate: null } as unknown as SmtpResult['tls'],
  capabilities: { before: null, after: null },
  authMechanisms: ['PLAIN'],
  authMethodUsed: 'plain',
  bytes: { sent: 1, received: 1 },
  result: { messageId: null, response: '250 2.0.0 Ok: queued as Q1', accepted: ['a@example.com', 'b@example.com'], rejected: ['c@example.com'], messageSize: 10 },
  ...over,
})

/** The CLI verdict's sentence: between "OK — " and the figures. */
const cliSentence = (line: string) => /^OK — (.*) · [\d.]+ ms · .+$/.exec(line)?.[1]

describe('the wording of a successful run', () => {
  it('is the same sentence in the CLI and in History, for every stage', () => {
    for (const stage of SMTP_STAGES) {
      const history = summaryLine(smtp(), { action: actionOfStage(stage), stopAfter: stage })
      expect(cliSentence(formatVerdict(smtp(), stage, plain)), stage).toBe(history)
    }
    expect(summaryLine(smtp(), { action: 'verify' })).toBe('authenticated with PLAIN over TLSv1.3; nothing sent')
    expect(summaryLine(smtp(), { action: 'envelope' })).toBe('2 recipients accepted; rejected: c@example.com; nothing sent')
    expect(summaryLine(smtp(), { action: 'send' })).toBe('250 2.0.0 Ok: queued as Q1; rejected: c@example.com')
  })

  it('is the same for an API run', () => {
    const r: ApiResult = {
      ok: true,
      kind: 'api',
      provider: 'postmark',
      action: 'send',
      error: null,
      warnings: [],
      phases: [],
      totalMs: 40,
      roundTrips: 2,
      transcript: [],
      target: { method: 'POST', url: 'https://api.postmarkapp.com/email', address: null },
      tls: null,
      bytes: { sent: 1, received: 1 },
      result: { status: 200, messageId: 'm-1', body: null },
    }
    expect(summaryLine(r, { action: 'api-send' })).toBe('Postmark accepted the message (200) · message id m-1')
    expect(cliSentence(formatApiVerdict(r, plain))).toBe(apiSuccess(r, 'Postmark'))
  })

  it('maps actions to stages and back', () => {
    expect(RUN_ACTIONS.map((a) => [a, stageOfAction(a)])).toEqual([
      ['probe', 'send'],
      ['verify', 'auth'],
      ['envelope', 'rcpt'],
      ['send', 'send'],
      ['api-send', 'send'],
      ['api-sandbox', 'send'],
      ['api-verify', 'send'],
      ['compare', 'send'],
      ['domain', 'send'],
      ['checks', 'send'],
    ])
    for (const action of ['verify', 'envelope', 'send'] as const) expect(actionOfStage(stageOfAction(action))).toBe(action)
  })

  it('counts with one plural()', () => {
    expect([0, 1, 2, 1500].map((n) => plural(n, 'round trip'))).toEqual(['0 round trips', '1 round trip', '2 round trips', '1,500 round trips'])
    expect(plural(1, 'profile was', 'profiles were')).toBe('1 profile was')
    expect(plural(3, 'profile was', 'profiles were')).toBe('3 profiles were')
  })
})

/** A delivery part as a watch writes it (parsed, so it cannot drift from the contract). */
const delivered = (over: Partial<DeliveryResult> = {}): DeliveryResult =>
  DeliveryResultSchema.parse({
    ok: true,
    folder: 'INBOX',
    junk: false,
    acceptedToInboxMs: 2412.5,
    sendToInboxMs: 2630.1,
    timeoutMs: 120_000,
    alreadyThere: false,
    method: 'idle',
    hops: [],
    authResults: null,
    dkimVerified: null,
    headers: 'Subject: x',
    watched: [
      { folder: 'INBOX', junk: false, arrived: 0, method: 'idle' },
      { folder: 'Junk', junk: true, arrived: 0, method: 'idle' },
    ],
    deleted: false,
    mailbox: { kind: 'imap', host: 'imap.example.com', port: 993, security: 'tls' },
    ...over,
  })

const notSeen = (code: 'DELIVERY_TIMEOUT' | 'IMAP_AUTH_FAILED', waitedMs: number) =>
  smtp({
    ok: false,
    error: { code, message: 'The message was not seen in INBOX or Junk within 120 s (no other message arrived meanwhile).' },
    phases: [
      { name: 'dataAck', startMs: 100, durationMs: 20, roundTrips: 1 },
      { name: 'delivery', startMs: 120, durationMs: waitedMs, roundTrips: 0 },
    ],
    delivery: delivered({ ok: false, folder: null, acceptedToInboxMs: null, sendToInboxMs: null, headers: null }),
  })

describe('the wording of a watched delivery', () => {
  it('History adds where the message landed and how long after acceptance', () => {
    expect(summaryLine(smtp({ delivery: delivered() }), { action: 'send' })).toBe('250 2.0.0 Ok: queued as Q1; rejected: c@example.com · in Inbox after 2.4 s')
    expect(summaryLine(smtp({ delivery: delivered({ folder: 'Junk', junk: true, acceptedToInboxMs: 3100 }) }), { action: 'send' })).toContain('· in Junk after 3.1 s')
    expect(summaryLine(smtp({ delivery: delivered({ alreadyThere: true, acceptedToInboxMs: 208.1 }) }), { action: 'send' })).toContain('· in Inbox within 208 ms')
    expect(summaryLine(smtp({ delivery: delivered({ folder: 'Sandbox inbox', mailbox: { kind: 'sandbox' }, acceptedToInboxMs: 4.1 }) }), { action: 'send' })).toContain(
      '· in the sandbox’s inbox after 4 ms',
    )
  })

  it('a watch that failed keeps its code, and says the send succeeded and the message was not seen', () => {
    expect(summaryLine(notSeen('DELIVERY_TIMEOUT', 120_012), { action: 'send' })).toBe('DELIVERY_TIMEOUT — 250 2.0.0 Ok: queued as Q1; rejected: c@example.com · not seen in 120 s')
    expect(summaryLine(notSeen('IMAP_AUTH_FAILED', 35), { action: 'send' })).toBe('IMAP_AUTH_FAILED — 250 2.0.0 Ok: queued as Q1; rejected: c@example.com · mailbox login refused')
    // An API send too.
    const api: ApiResult = {
      ok: false,
      kind: 'api',
      provider: 'mailgun',
      action: 'send',
      error: { code: 'DELIVERY_TIMEOUT', message: 'not seen' },
      warnings: [],
      phases: [{ name: 'delivery', startMs: 50, durationMs: 30_000, roundTrips: 0 }],
      totalMs: 30_050,
      roundTrips: 2,
      transcript: [],
      target: { method: 'POST', url: 'https://api.mailgun.net/v3/x/messages', address: null },
      tls: null,
      bytes: { sent: 1, received: 1 },
      result: { status: 200, messageId: 'm-1', body: null },
      delivery: delivered({ ok: false, folder: null, acceptedToInboxMs: null, sendToInboxMs: null, timeoutMs: 30_000 }),
    }
    expect(summaryLine(api, { action: 'api-send' })).toBe('DELIVERY_TIMEOUT — Mailgun accepted the message (200) · message id m-1 · not seen in 30 s')
  })

  it('a run that watched nothing is worded as before, its failure as "CODE — sentence"', () => {
    expect(deliveryStep(smtp())).toBeNull()
    expect(summaryLine(smtp({ ok: false, error: { code: 'AUTH_FAILED', message: 'The server rejected the password.' } }), { action: 'send' })).toBe('AUTH_FAILED — The server rejected the password.')
  })

  it('waits in words', () => {
    expect([4.1, 208.1, 999.4, 999.6, 2412, 9_949, 9_960, 87_000, 1_234_000].map(waitWords)).toEqual(['4 ms', '208 ms', '999 ms', '1.0 s', '2.4 s', '9.9 s', '10 s', '87 s', '1,234 s'])
  })
})
