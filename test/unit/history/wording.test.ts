// One wording for what a run did: the CLI's verdict, History's summary line (and the app's verdict,
// test/renderer/verdict.test.ts) take the sentence of each stage from preload/contract/wording.
import { describe, expect, it } from 'vitest'
import { RUN_ACTIONS, SMTP_STAGES, type ApiResult, type SmtpResult } from '../../../preload/contract'
import { actionOfStage, apiSuccess, plural, stageOfAction } from '../../../preload/contract/wording'
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
    ])
    for (const action of ['verify', 'envelope', 'send'] as const) expect(actionOfStage(stageOfAction(action))).toBe(action)
  })

  it('counts with one plural()', () => {
    expect([0, 1, 2, 1500].map((n) => plural(n, 'round trip'))).toEqual(['0 round trips', '1 round trip', '2 round trips', '1,500 round trips'])
    expect(plural(1, 'profile was', 'profiles were')).toBe('1 profile was')
    expect(plural(3, 'profile was', 'profiles were')).toBe('3 profiles were')
  })
})
