import { stripVTControlCharacters } from 'node:util'
import { describe, expect, it } from 'vitest'
import type { JobEvent, Phase, SmtpResult } from '../../../preload/contract'
import {
  firstLine,
  formatJson,
  formatLine,
  formatPhaseTable,
  formatSummary,
  formatTime,
  formatVerdict,
  formatWarnings,
  lastLine,
  PrintingSink,
  quoteInput,
  sanitize,
  useColor,
} from '../../../main/cli/print'

const plain = { color: false }
const color = { color: true }
const ESC = '\x1b'

function result(over: Partial<SmtpResult> = {}): SmtpResult {
  return {
    ok: true,
    kind: 'smtp',
    error: null,
    warnings: [],
    phases: [],
    totalMs: 84.25,
    roundTrips: 9,
    transcript: [],
    target: { host: 'smtp.example.com', port: 587, security: 'starttls', address: '192.0.2.10' },
    tls: null,
    capabilities: { before: null, after: null },
    authMechanisms: [],
    authMethodUsed: null,
    bytes: { sent: 0, received: 0 },
    result: { messageId: null, response: null, accepted: [], rejected: [], messageSize: null },
    ...over,
  }
}

const TLS_INFO = {
  protocol: 'TLSv1.3',
  cipher: 'TLS_AES_256_GCM_SHA384',
  authorized: true,
  authorizationError: null,
  insecure: false,
  sessionReused: false,
  subject: 'CN=smtp.example.com',
  issuer: 'CN=Example CA',
  sans: ['DNS:smtp.example.com'],
  validFrom: '2025-01-01',
  validTo: '2026-01-01',
  fingerprint256: 'AA:BB',
}

describe('transcript lines', () => {
  it('right-aligns the time to one decimal', () => {
    expect(formatTime(0)).toBe('    0.0 ms')
    expect(formatTime(12.345)).toBe('   12.3 ms')
    expect(formatTime(1234.56)).toBe(' 1234.6 ms')
  })

  it('marks each direction swaks-style', () => {
    expect(formatLine({ t: 12.3, dir: 'c', text: 'EHLO client' }, plain)).toBe('   12.3 ms  -> EHLO client')
    expect(formatLine({ t: 13, dir: 's', text: '250 OK' }, plain)).toBe('   13.0 ms  <- 250 OK')
    expect(formatLine({ t: 14, dir: 'tls', text: 'TLSv1.3' }, plain)).toBe('   14.0 ms  ~~ TLSv1.3')
    expect(formatLine({ t: 15, dir: 'info', text: 'connected' }, plain)).toBe('   15.0 ms  == connected')
    expect(formatLine({ t: 16, dir: 'err', text: 'AUTH_FAILED' }, plain)).toBe('   16.0 ms  ** AUTH_FAILED')
  })

  it('keeps [redacted] visible, in colour too', () => {
    expect(formatLine({ t: 1, dir: 'c', text: 'AUTH PLAIN [redacted]' }, plain)).toBe('    1.0 ms  -> AUTH PLAIN [redacted]')
    const coloured = formatLine({ t: 1, dir: 'c', text: 'AUTH PLAIN [redacted]' }, color)
    expect(coloured).toContain('[redacted]')
    expect(coloured).toContain(ESC)
    expect(stripVTControlCharacters(coloured)).toBe('    1.0 ms  -> AUTH PLAIN [redacted]')
  })

  it('uses no escape codes without colour', () => {
    for (const dir of ['c', 's', 'tls', 'info', 'err'] as const) expect(formatLine({ t: 1, dir, text: 'x [redacted]' }, plain)).not.toContain(ESC)
  })

  it('shows control characters from the server instead of sending them to the terminal', () => {
    expect(sanitize('220 hi\x1b[2J\x07\r\n\ttab')).toBe('220 hi\\x1b[2J\\x07\\x0d\\x0a\ttab')
    expect(sanitize('a\u202eb')).toBe('a\\u202eb')
    // Only our own colour codes reach the terminal.
    const sgr = new RegExp(`${ESC}\\[[0-9;]*m`, 'g')
    expect(formatLine({ t: 0, dir: 's', text: '220 \x1b]0;pwned\x07' }, color).replace(sgr, '')).toBe('    0.0 ms  <- 220 \\x1b]0;pwned\\x07')
  })
})

describe('phase table', () => {
  const phases: Phase[] = [
    { name: 'dns', startMs: 0, durationMs: 1.25, roundTrips: 0 },
    { name: 'connect', startMs: 1.25, durationMs: 10.5, roundTrips: 1 },
    { name: 'dataAck', startMs: 11.75, durationMs: 123.4, roundTrips: 1 },
  ]

  it('lists phase, start, duration and round trips, then the total', () => {
    expect(formatPhaseTable(phases, { totalMs: 140, roundTrips: 2 }, plain).split('\n')).toEqual([
      '  phase     start ms   duration ms   round trips',
      '  dns            0.0           1.3             0',
      '  connect        1.3          10.5             1',
      '  dataAck       11.8         123.4             1',
      '  total                      140.0             2',
    ])
  })

  it('is empty when no phase ran', () => {
    expect(formatPhaseTable([], { totalMs: 0, roundTrips: 0 }, plain)).toBe('')
  })

  it('keeps the columns when coloured', () => {
    const coloured = formatPhaseTable(phases, { totalMs: 140, roundTrips: 2 }, color)
    expect(coloured).toContain(ESC)
    expect(stripVTControlCharacters(coloured)).toBe(formatPhaseTable(phases, { totalMs: 140, roundTrips: 2 }, plain))
  })
})

describe('verdict', () => {
  it('shows the final reply of a send, the total time and the round trips', () => {
    const r = result({ result: { messageId: '<x@y>', response: '250 2.0.0 Ok: queued as ABC123', accepted: ['a@b.c'], rejected: [], messageSize: 600 } })
    expect(formatVerdict(r, 'send', plain)).toBe('OK — 250 2.0.0 Ok: queued as ABC123 · 84.3 ms · 9 round trips')
  })

  it('says what succeeded when the run stopped early', () => {
    const one = { roundTrips: 1 }
    expect(formatVerdict(result(one), 'connect', plain)).toBe('OK — TCP connection established to 192.0.2.10; nothing sent · 84.3 ms · 1 round trip')
    expect(formatVerdict(result(), 'banner', plain)).toMatch(/^OK — server greeting received; nothing sent · /)
    expect(formatVerdict(result(), 'ehlo', plain)).toMatch(/^OK — EHLO accepted; nothing sent · /)
    expect(formatVerdict(result({ tls: TLS_INFO }), 'tls', plain)).toMatch(/^OK — TLS established \(TLSv1\.3, TLS_AES_256_GCM_SHA384\); nothing sent · /)
    expect(formatVerdict(result({ authMethodUsed: 'plain' }), 'auth', plain)).toMatch(/^OK — authenticated with PLAIN; nothing sent · /)
    expect(formatVerdict(result({ authMethodUsed: 'plain', tls: TLS_INFO }), 'auth', plain)).toMatch(/^OK — authenticated with PLAIN over TLSv1\.3; nothing sent · /)
    expect(formatVerdict(result(), 'auth', plain)).toMatch(/^OK — session ready; no credentials given, so no AUTH; nothing sent · /)
    expect(formatVerdict(result(), 'mail', plain)).toMatch(/^OK — sender accepted; nothing sent · /)
    const partial = result({ result: { messageId: null, response: null, accepted: ['a@b.c', 'd@e.f'], rejected: ['bad@e.f'], messageSize: null } })
    expect(formatVerdict(partial, 'rcpt', plain)).toBe('OK — 2 recipients accepted; rejected: bad@e.f; nothing sent · 84.3 ms · 9 round trips')
  })

  it('shows the code, the sentence and the server reply of a failure', () => {
    const r = result({
      ok: false,
      error: { code: 'AUTH_FAILED', message: 'The server rejected the username or password.', reply: { code: 535, text: '5.7.8 Authentication failed' } },
    })
    expect(formatVerdict(r, 'auth', plain)).toBe('FAILED AUTH_FAILED — The server rejected the username or password.\n  server replied: 535 5.7.8 Authentication failed')
    const noReply = result({ ok: false, error: { code: 'CONNECT_REFUSED', message: 'Connection refused.' } })
    expect(formatVerdict(noReply, 'send', plain)).toBe('FAILED CONNECT_REFUSED — Connection refused.')
  })

  it('is green or red in colour', () => {
    expect(formatVerdict(result(), 'ehlo', color).startsWith(`${ESC}[32m`)).toBe(true)
    expect(formatVerdict(result({ ok: false, error: { code: 'CANCELLED', message: 'Cancelled.' } }), 'ehlo', color).startsWith(`${ESC}[31m`)).toBe(true)
  })

  it('lists warnings one per line', () => {
    expect(formatWarnings(['TLS certificate verification is disabled (insecure).', 'second'], plain)).toBe('warning: TLS certificate verification is disabled (insecure).\nwarning: second')
    expect(formatWarnings([], plain)).toBe('')
  })
})

describe('summary', () => {
  it('prints the phase table, the verdict and the warnings in that order', () => {
    const r = result({
      phases: [{ name: 'connect', startMs: 0, durationMs: 2, roundTrips: 1 }],
      warnings: ['TLS certificate verification is disabled.'],
      roundTrips: 1,
      totalMs: 2,
    })
    expect(formatSummary(r, 'connect', plain)).toBe(
      [
        '',
        '  phase     start ms   duration ms   round trips',
        '  connect        0.0           2.0             1',
        '  total                        2.0             1',
        '',
        'OK — TCP connection established to 192.0.2.10; nothing sent · 2.0 ms · 1 round trip',
        'warning: TLS certificate verification is disabled.',
        '',
      ].join('\n'),
    )
  })

  it('skips the table when no phase ran', () => {
    const r = result({ ok: false, error: { code: 'INVALID_INPUT', message: 'host is required' } })
    expect(formatSummary(r, 'send', plain)).toBe('\nFAILED INVALID_INPUT — host is required\n')
  })
})

describe('--json', () => {
  it('is one object: one line in a pipe, indented on a terminal', () => {
    const r = result()
    const line = formatJson(r, false)
    expect(line.endsWith('\n')).toBe(true)
    expect(line.trimEnd()).not.toContain('\n')
    expect(JSON.parse(line)).toEqual(r)
    expect(JSON.parse(formatJson(r, true))).toEqual(r)
    expect(formatJson(r, true)).toContain('\n  "ok": true')
  })
})

describe('PrintingSink', () => {
  it('prints transcript events as they come and nothing else', () => {
    const out: string[] = []
    const sink = new PrintingSink((s) => out.push(s), plain)
    const events: JobEvent[] = [
      { type: 'transcript', jobId: 'j', seq: 1, t: 0.5, dir: 'info', text: 'connected' },
      { type: 'phase', jobId: 'j', seq: 2, phase: { name: 'connect', startMs: 0, durationMs: 0.5, roundTrips: 1 } },
      { type: 'transcript', jobId: 'j', seq: 3, t: 1.5, dir: 's', text: '220 hello' },
      { type: 'result', jobId: 'j', seq: 4, result: result() },
    ]
    for (const e of events) sink.emit(e)
    expect(out).toEqual(['    0.5 ms  == connected\n', '    1.5 ms  <- 220 hello\n'])
  })

  it('leaves detail lines out unless asked for them (-v)', () => {
    const events: JobEvent[] = [
      { type: 'transcript', jobId: 'j', seq: 1, t: 0.5, dir: 'info', text: 'trying 192.0.2.1:587', detail: true },
      { type: 'transcript', jobId: 'j', seq: 2, t: 1.0, dir: 'info', text: 'connected' },
      { type: 'transcript', jobId: 'j', seq: 3, t: 2.0, dir: 'tls', text: 'certificate chain: CN=x ← CN=ca', detail: true },
    ]
    const normal: string[] = []
    const verbose: string[] = []
    const a = new PrintingSink((s) => normal.push(s), plain)
    const b = new PrintingSink((s) => verbose.push(s), plain, { details: true })
    for (const e of events) {
      a.emit(e)
      b.emit(e)
    }
    expect(normal).toEqual(['    1.0 ms  == connected\n'])
    expect(verbose).toEqual(['    0.5 ms  == trying 192.0.2.1:587\n', '    1.0 ms  == connected\n', '    2.0 ms  ~~ certificate chain: CN=x ← CN=ca\n'])
  })
})

describe('echoing the user’s input', () => {
  it('quotes it, made safe for a terminal', () => {
    expect(quoteInput('sned')).toBe("'sned'")
    expect(quoteInput('a\x1b[2Jb\r\n\u202e')).toBe("'a\\x1b[2Jb\\x0d\\x0a\\u202e'")
  })

  it('cuts a long word, by characters (never inside one)', () => {
    const long = '€'.repeat(100)
    expect(quoteInput(long)).toBe(`'${'€'.repeat(60)}…'`)
    expect(quoteInput('x'.repeat(30), 20)).toBe(`'${'x'.repeat(20)}…'`)
    expect(quoteInput('x'.repeat(60))).toBe(`'${'x'.repeat(60)}'`)
  })
})

describe('the verdict line -q prints', () => {
  it('is the first line of a verdict, or the last line of a summary that ends with one', () => {
    expect(firstLine('FAILED AUTH_FAILED — no\n  server replied: 535 no')).toBe('FAILED AUTH_FAILED — no')
    expect(firstLine('OK — done')).toBe('OK — done')
    expect(lastLine('\n  table\n\nOK — usable submission path on 587 · 12.0 ms\n')).toBe('OK — usable submission path on 587 · 12.0 ms')
  })
})

describe('useColor', () => {
  it('needs a terminal and no NO_COLOR', () => {
    expect(useColor({ isTTY: true }, {})).toBe(true)
    expect(useColor({ isTTY: false }, {})).toBe(false)
    expect(useColor({}, {})).toBe(false)
    expect(useColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false)
    // no-color.org: an empty NO_COLOR does not count.
    expect(useColor({ isTTY: true }, { NO_COLOR: '' })).toBe(true)
  })
})
