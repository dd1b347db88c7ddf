import type { Direction, JobEvent, Phase, SmtpResult } from '@contract'

/** Builders for the events main streams, so tests read like transcripts. */
export const line = (jobId: string, seq: number, dir: Direction, text: string, t = seq): JobEvent<SmtpResult> => ({
  type: 'transcript',
  jobId,
  seq,
  t,
  dir,
  text,
})

export const phase = (jobId: string, seq: number, p: Phase): JobEvent<SmtpResult> => ({ type: 'phase', jobId, seq, phase: p })

export function smtpResult(overrides: Partial<SmtpResult> = {}): SmtpResult {
  return {
    kind: 'smtp',
    ok: true,
    error: null,
    warnings: [],
    phases: [],
    totalMs: 41.7,
    roundTrips: 5,
    transcript: [],
    target: { host: 'localhost', port: 2525, security: 'none', address: '127.0.0.1' },
    tls: null,
    capabilities: { before: ['PIPELINING'], after: null },
    authMechanisms: ['PLAIN'],
    authMethodUsed: 'PLAIN',
    bytes: { sent: 100, received: 200 },
    result: { messageId: null, response: null, accepted: [], rejected: [], messageSize: null },
    ...overrides,
  }
}

export const result = (jobId: string, seq: number, r: SmtpResult = smtpResult()): JobEvent<SmtpResult> => ({
  type: 'result',
  jobId,
  seq,
  result: r,
})
