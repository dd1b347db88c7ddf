/**
 * Fuzz properties shared by the unit tests (test/unit/fuzz/*.test.ts, 10k cases each) and the
 * bench script (test/bench/fuzz.ts, many more). Each export builds a fast-check property; the
 * caller picks the number of runs.
 *
 * Arbitraries are cheap on purpose (short strings, small arrays) and biased toward the inputs
 * that matter: SMTP-looking fragments, service signatures, secrets in their encodings.
 */
import { EventEmitter } from 'node:events'
import type net from 'node:net'
import fc from 'fast-check'
import { EngineError, parseReply } from '../../../main/core/errors'
import { MAX_REPLY_BYTES, MAX_REPLY_LINES, ReplyReader, type SmtpReply } from '../../../main/core/net/reply-reader'
import { diagnose, firstSentences, type PortFacts } from '../../../main/core/probe/diagnose'
import { isUsable, recommend, securityOf, workingPath, type PathFacts } from '../../../main/core/probe/recommend'
import { overTls, sniffFirstBytes, SNIFF_LIMIT } from '../../../main/core/probe/sniff'
import { printable } from '../../../main/core/transcript/printable'
import { REDACTED, Redactor } from '../../../main/core/transcript/redact'
import { ERROR_CODES, PROBE_SECURITY, ProbeRecommendationSchema, type ErrorCode } from '../../../preload/contract'
import { findSecretLeaks } from '../../fixtures/secret-scan'

const CODES: ReadonlySet<string> = new Set(ERROR_CODES)

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`property violated: ${what}`)
}

// ---------------------------------------------------------------------------------------------
// SMTP replies
// ---------------------------------------------------------------------------------------------

/** Fragments that make up SMTP-ish traffic, and garbage. */
const replyToken: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('220 ', '250-', '250 ', '354 ', '421 ', '550-', '5', '25', '2500 ', '\r\n', '\n', '\r', ' ', '-', 'OK', 'mx.example ESMTP', '\0', '\xff') },
  { weight: 2, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 12 }).map((b) => Buffer.from(b).toString('latin1')) },
)

/** Bytes from tokens, cut into chunks at arbitrary points. */
const chunkedBytes: fc.Arbitrary<{ bytes: Buffer; cuts: number[] }> = fc
  .tuple(fc.array(replyToken, { maxLength: 24 }), fc.array(fc.nat(), { maxLength: 6 }))
  .map(([tokens, cuts]) => ({ bytes: Buffer.from(tokens.join(''), 'latin1'), cuts }))

function split(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => (bytes.length ? c % (bytes.length + 1) : 0)))].sort((a, b) => a - b)
  const out: Buffer[] = []
  let from = 0
  for (const p of points) {
    out.push(bytes.subarray(from, p))
    from = p
  }
  out.push(bytes.subarray(from))
  return out.filter((c) => c.length > 0)
}

/** Stands in for net.Socket: ReplyReader only listens to 'data', 'close' and 'error'. */
class FakeSocket extends EventEmitter {}

type Outcome = { replies: SmtpReply[]; failure: ErrorCode | null }

function checkReply(r: SmtpReply): void {
  check(Number.isInteger(r.code) && r.code >= 0 && r.code <= 999, `reply code ${r.code} is three digits`)
  check(Array.isArray(r.lines) && r.lines.length >= 1 && r.lines.length <= MAX_REPLY_LINES, 'reply has 1..MAX_REPLY_LINES lines')
  for (const l of r.lines) check(typeof l === 'string' && !l.includes('\n'), 'reply lines are strings without LF')
}

function classify(err: unknown): ErrorCode {
  check(err instanceof EngineError, `rejection is an EngineError (got ${String(err)})`)
  const code = (err as EngineError).info.code
  check(CODES.has(code), `error code ${code} is in ERROR_CODES`)
  return code
}

/**
 * Feeds chunks to a ReplyReader, asking for replies between chunks (one waiter at a time, as the
 * engines do), then ends the connection with 'close' or 'error' and drains. Every next() settles.
 */
async function drive(chunks: readonly Buffer[], asks: readonly boolean[], end: 'close' | 'error'): Promise<Outcome> {
  const socket = new FakeSocket()
  const reader = new ReplyReader(socket as unknown as net.Socket)
  const replies: SmtpReply[] = []
  let failure: ErrorCode | null = null
  let pending: Promise<void> | null = null
  const ask = () => {
    // next() must never throw synchronously: only resolve or reject.
    const p = reader.next(60_000)
    pending = p.then(
      (r) => {
        checkReply(r)
        replies.push(r)
        pending = null
      },
      (e) => {
        failure = classify(e)
        pending = null
      },
    )
  }
  let maxChunk = 0
  for (let i = 0; i < chunks.length; i++) {
    if (asks[i] && !pending && failure === null) ask()
    maxChunk = Math.max(maxChunk, chunks[i]!.length)
    socket.emit('data', chunks[i]) // must not throw
    await Promise.resolve()
    check(reader.pendingText.length <= MAX_REPLY_BYTES + maxChunk, 'buffer stays bounded')
  }
  if (end === 'close') socket.emit('close')
  else socket.emit('error', new Error('ECONNRESET'))
  if (pending) await pending
  // Drain: queued replies come first, then the failure (the queue is finite).
  for (let guard = 0; failure === null; guard++) {
    check(guard <= chunks.reduce((n, c) => n + c.length, 0) + 1, 'drain terminates')
    ask()
    await pending
  }
  reader.detach()
  check(socket.listenerCount('data') === 0 && socket.listenerCount('error') === 0, 'detach removes listeners')
  return { replies, failure }
}

/** ReplyReader: arbitrary chunks never throw; replies well-formed; failures classified; chunking does not change the result. */
export function replyReaderProperty() {
  return fc.asyncProperty(chunkedBytes, fc.array(fc.boolean(), { maxLength: 8 }), fc.constantFrom<'close' | 'error'>('close', 'error'), async ({ bytes, cuts }, asks, end) => {
    const chunked = await drive(split(bytes, cuts), asks, end)
    const whole = await drive(bytes.length ? [bytes] : [], [], end)
    check(JSON.stringify(chunked.replies) === JSON.stringify(whole.replies), 'chunking does not change the replies')
    const failures = new Set([chunked.failure, whole.failure])
    // A protocol error is a protocol error however the bytes were cut; otherwise the end decides.
    check(failures.size === 1 || !failures.has('PROTOCOL_ERROR'), `same failure whatever the chunking (${[...failures].join(', ')})`)
  })
}

/** ReplyReader: more than MAX_REPLY_BYTES without a newline fails with PROTOCOL_ERROR and stops buffering. */
export function replyReaderBoundProperty() {
  return fc.asyncProperty(
    fc.constantFrom('', '220', '250-ok\r\n', '220 hi\r\n'),
    fc.integer({ min: 1, max: 4096 }),
    fc.integer({ min: 0x20, max: 0xff }).filter((b) => b !== 0x0a),
    fc.integer({ min: 1, max: 4 }),
    async (prefix, extra, byte, pieces) => {
      const socket = new FakeSocket()
      const reader = new ReplyReader(socket as unknown as net.Socket)
      const total = MAX_REPLY_BYTES + extra
      const piece = Math.ceil(total / pieces)
      socket.emit('data', Buffer.from(prefix, 'latin1'))
      for (let sent = 0; sent < total; sent += piece) socket.emit('data', Buffer.alloc(Math.min(piece, total - sent), byte))
      const buffered = reader.pendingText.length
      socket.emit('data', Buffer.alloc(piece, byte)) // ignored once failed
      check(reader.pendingText.length === buffered, 'no buffering after the failure')
      check(buffered <= MAX_REPLY_BYTES + piece + prefix.length, 'bounded buffer')
      let code: ErrorCode | null = null
      for (let i = 0; i < 3 && code === null; i++) {
        try {
          await reader.next(60_000)
        } catch (e) {
          code = classify(e)
        }
      }
      check(code === 'PROTOCOL_ERROR', `fails with PROTOCOL_ERROR (got ${code})`)
      reader.detach()
    },
  )
}

/** parseReply: never throws; undefined or {three-digit code, one-line text}. */
export function parseReplyProperty() {
  const input = fc.oneof(
    { weight: 4, arbitrary: fc.array(replyToken, { maxLength: 12 }).map((t) => t.join('')) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 1 }) },
  )
  return fc.property(input, (v) => {
    const r = parseReply(v)
    if (typeof v !== 'string') return check(r === undefined, 'non-strings give undefined')
    if (/^\d{3}/.test(v.trim())) check(r !== undefined, 'a leading three-digit code parses')
    if (r === undefined) return
    check(Number.isInteger(r.code) && r.code >= 0 && r.code <= 999, `code ${r.code} has three digits`)
    check(r.code === Number(v.trim().slice(0, 3)), 'code is the first three digits')
    check(typeof r.text === 'string' && !r.text.includes('\n') && r.text === r.text.trim(), 'text is one trimmed line')
  })
}

// ---------------------------------------------------------------------------------------------
// Probe sniffing, diagnosis, recommendation
// ---------------------------------------------------------------------------------------------

const SNIFF_NAMES: ReadonlySet<string | null> = new Set([null, 'SSH', 'HTTP', 'IMAP', 'POP3', 'Redis', 'VNC', 'rsync', 'AMQP', 'XMPP', 'Telnet', 'TLS', 'MySQL', 'FTP', 'NNTP'])

const firstBytes: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      {
        weight: 3,
        arbitrary: fc.constantFrom(
          '220 ',
          '220-',
          '200 ',
          '201-',
          '554 ',
          'SSH-2.0-',
          'HTTP/1.1 ',
          '* OK ',
          '+OK ',
          '-ERR ',
          'RFB 003.008',
          '@RSYNCD:',
          'AMQP',
          '<?xml',
          '\xff\xfb',
          '\x16\x03\x01',
          '\x15\x03\x03',
          '\x4a\0\0\0\x0a8.0.36',
          'ftp',
          'smtp',
          'mail',
          '<html',
          '\r\n',
          '\n',
          ' ',
          '2',
          '22',
        ),
      },
      { weight: 2, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 10 }) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 10 }).map((b) => Buffer.from(b).toString('latin1')) },
    ),
    { maxLength: 10 },
  )
  .map((t) => t.join(''))

/** Occasionally long (beyond the sniff limit and the undecided limit) without being expensive. */
const sniffInput: fc.Arbitrary<string> = fc.oneof(
  { weight: 9, arbitrary: firstBytes },
  { weight: 1, arbitrary: fc.tuple(firstBytes, fc.integer({ min: 200, max: SNIFF_LIMIT + 100 })).map(([s, n]) => s + 'x'.repeat(n)) },
)

/** sniffFirstBytes / printable / overTls: never throw; verdicts within the declared kinds and names. */
export function sniffProperty() {
  return fc.property(sniffInput, fc.boolean(), fc.integer({ min: 0, max: 200 }), (text, final, max) => {
    const s = sniffFirstBytes(text, final)
    switch (s.kind) {
      case 'empty':
        check(text.length === 0, 'empty only for no bytes')
        break
      case 'undecided':
        check(!final && text.length > 0, 'undecided only before the end, with some bytes')
        break
      case 'smtp':
        check(Number.isInteger(s.code) && s.code >= 0 && s.code <= 999 && s.code === Number(text.slice(0, 3)), 'smtp code is the first three digits')
        check(typeof s.complete === 'boolean' && (s.complete || final), 'an incomplete smtp line only when final')
        break
      case 'other':
        check(SNIFF_NAMES.has(s.name), `known service name (${s.name})`)
        check(typeof overTls(s.name) === (s.name === null ? 'object' : 'string'), 'overTls maps names')
        break
      default:
        check(false, `unknown kind ${JSON.stringify(s)}`)
    }
    if (text.length > 0) check(sniffFirstBytes(text, true).kind !== 'undecided', 'final is always decided')
    const p = printable(text, max)
    check(/^[\x20-\x7e]*…?$/.test(p), 'printable is printable ASCII')
    check(p.length <= max * 4 + 1, 'printable is bounded')
  })
}

/** Non-string input (from a buggy caller) must not throw either. */
export function sniffAnythingProperty() {
  return fc.property(fc.anything({ maxDepth: 1 }), fc.boolean(), (v, final) => {
    const s = sniffFirstBytes(v as string, final)
    if (typeof v !== 'string') check(s.kind === 'empty', 'non-strings are empty')
    check(typeof printable(v as string) === 'string', 'printable returns a string')
  })
}

const mechs = fc.option(fc.array(fc.constantFrom('PLAIN', 'LOGIN', 'XOAUTH2', 'CRAM-MD5', ''), { maxLength: 3 }), { nil: null })
const caps = fc.option(fc.array(fc.constantFrom('STARTTLS', 'AUTH PLAIN', 'SIZE 0', 'PIPELINING'), { maxLength: 3 }), { nil: null })
const classified = fc.record({
  code: fc.constantFrom(...ERROR_CODES),
  message: fc.oneof(fc.constantFrom('', 'Boom. Then more. And more!', 'connect 127.0.0.1 refused. e.g. this'), fc.string({ maxLength: 30 })),
})
const tlsFacts = fc.record({
  mode: fc.constantFrom<'implicit' | 'starttls'>('implicit', 'starttls'),
  verification: fc.option(classified, { nil: null }),
  daysUntilExpiry: fc.option(fc.integer({ min: -400, max: 400 }), { nil: null }),
  sans: fc.array(fc.constantFrom('a.example', '*.b.example', ''), { maxLength: 5 }),
  subject: fc.constantFrom('', 'CN=x'),
  servername: fc.constantFrom('', 'mx.example'),
  authorizationError: fc.option(fc.constantFrom('DEPTH_ZERO_SELF_SIGNED_CERT', ''), { nil: null }),
})
const portFacts = fc.record({
  host: fc.constantFrom('mx1.example', 'mx2.example', ''),
  port: fc.oneof(fc.constantFrom(25, 465, 587, 2525), fc.integer({ min: 0, max: 65535 })),
  state: fc.constantFrom('open', 'refused', 'timeout', 'silent', 'error'),
  speaks: fc.constantFrom('smtp', 'tls', 'other', null),
  other: fc.option(fc.constantFrom('HTTP', 'SSH', 'HTTPS'), { nil: null }),
  bannerCode: fc.option(fc.oneof(fc.constantFrom(220, 421, 554), fc.integer({ min: 0, max: 999 })), { nil: null }),
  starttls: fc.boolean(),
  tls: fc.option(tlsFacts, { nil: null }),
  capabilities: fc.record({ before: caps, after: caps }),
  auth: fc.record({ before: mechs, after: mechs }),
  error: fc.option(classified, { nil: null }),
}) as unknown as fc.Arbitrary<PortFacts & PathFacts>

/** diagnose / firstSentences: never throw; one or two sentences, ending with punctuation. */
export function diagnoseProperty() {
  return fc.property(portFacts, fc.string({ maxLength: 60 }), fc.integer({ min: -1, max: 4 }), (p, text, n) => {
    const d = diagnose(p)
    check(typeof d === 'string' && d.length > 0 && /[.!?]$/.test(d), `diagnosis is a sentence: ${JSON.stringify(d)}`)
    const f = firstSentences(text, n)
    check(typeof f === 'string' && f.length > 0 && /[.!?]$/.test(f), 'firstSentences ends a sentence')
  })
}

/** recommend / workingPath / securityOf / isUsable: never throw; outputs match the contract's enums and pick a probed port. */
export function recommendProperty() {
  return fc.property(fc.array(portFacts, { maxLength: 6 }), fc.constantFrom<'host' | 'mx'>('host', 'mx'), fc.boolean(), (ports, mode, insecure) => {
    const opts = { mode, insecure }
    for (const p of ports) {
      const w = workingPath(p)
      const s = securityOf(p)
      check(w === null || PROBE_SECURITY.includes(w), 'workingPath in enum')
      check(s === null || PROBE_SECURITY.includes(s), 'securityOf in enum')
      check(typeof isUsable(p, opts) === 'boolean', 'isUsable is boolean')
    }
    const r = recommend(ports, opts)
    ProbeRecommendationSchema.parse(r)
    check(r.reason.length > 0, 'a reason is given')
    if (r.port !== null) {
      const chosen = ports.find((p) => p.port === r.port && p.host === r.host && isUsable(p, opts))
      check(chosen !== undefined, 'the recommended port is a probed, usable port')
      check(r.security === workingPath(chosen!), 'security is the working path of that port')
    } else check(r.security === null && !ports.some((p) => isUsable(p, opts)), 'no port only when none is usable')
  })
}

// ---------------------------------------------------------------------------------------------
// Redactor
// ---------------------------------------------------------------------------------------------

/** Characters a secret draws from: base64 alphabet (so encodings collide with plain text), symbols URL-encoding treats differently, unicode. */
const secretChar = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...'ABCabcxyz0189+/=-_'.split('')) },
  { weight: 2, arbitrary: fc.constantFrom(...` !"#$%&'()*,.:;<>?@\\^\`{|}~\0\x01\t`.split('')) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  { weight: 1, arbitrary: fc.constantFrom('é', 'ß', '€', '𝄞', '中', '\u00a0', '\u200b') },
)
/**
 * A secret of at least 3 characters. Excluded: secrets that overlap the marker itself (a secret "act"
 * or "d]x" is "found" in "[redacted]x" however well the redactor works).
 */
const secretArb = fc
  .array(secretChar, { minLength: 3, maxLength: 14 })
  .map((cs) => cs.join(''))
  .filter((s) => !s.includes('[') && !s.includes(']') && !REDACTED.includes(s))
const userArb = fc.oneof(fc.constantFrom('user@example.com', 'u', ''), fc.string({ unit: 'binary', maxLength: 8 }))
const textArb = fc.oneof(fc.string({ unit: 'binary', maxLength: 16 }), fc.constantFrom('', ' ', 'AUTH PLAIN ', '334 ', 'C: ', '\r\n', '"'))
const b64Alphabet = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.split('')), maxLength: 12 })
const bytesArb = fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b))

type Encoding =
  | 'plain'
  | 'base64'
  | 'base64url'
  | 'base64-unpadded'
  | 'plain-sasl'
  | 'plain-sasl-authzid'
  | 'login'
  | 'xoauth2'
  | 'xoauth2-url'
  | 'inside-base64'
  | 'spliced-base64'
  | 'hex'
  | 'HEX'
  | 'url'
  | 'url-lower'
  | 'form'

const ENCODINGS: readonly Encoding[] = [
  'plain',
  'base64',
  'base64url',
  'base64-unpadded',
  'plain-sasl',
  'plain-sasl-authzid',
  'login',
  'xoauth2',
  'xoauth2-url',
  'inside-base64',
  'spliced-base64',
  'hex',
  'HEX',
  'url',
  'url-lower',
  'form',
]

const b64 = (s: string | Buffer) => (typeof s === 'string' ? Buffer.from(s, 'utf8') : s).toString('base64')

/** The secret in one of the encodings a credential travels in. `pre`/`post` are arbitrary surrounding bytes or base64 text. */
export function encodeSecret(secret: string, user: string, how: Encoding, pre: Buffer, post: Buffer, b64pre: string, b64post: string): string {
  switch (how) {
    case 'plain':
      return secret
    case 'base64':
    case 'login': // AUTH LOGIN sends the password alone, base64-encoded
      return b64(secret)
    case 'base64url':
      return Buffer.from(secret, 'utf8').toString('base64url')
    case 'base64-unpadded':
      return b64(secret).replace(/=+$/, '')
    case 'plain-sasl':
      return b64(`\0${user}\0${secret}`)
    case 'plain-sasl-authzid':
      return b64(`${user}\0${user}\0${secret}`)
    case 'xoauth2':
      return b64(`user=${user}\x01auth=Bearer ${secret}\x01\x01`)
    case 'xoauth2-url':
      return Buffer.from(`user=${user}\x01auth=Bearer ${secret}\x01\x01`, 'utf8').toString('base64url')
    case 'inside-base64': // arbitrary bytes before and after, encoded together: every byte alignment
      return b64(Buffer.concat([pre, Buffer.from(secret, 'utf8'), post]))
    case 'spliced-base64': // the encoded secret inserted at any character offset of other base64 text
      return b64pre + b64(secret) + b64post
    case 'hex':
      return Buffer.from(secret, 'utf8').toString('hex')
    case 'HEX':
      return Buffer.from(secret, 'utf8').toString('hex').toUpperCase()
    case 'url':
      return encodeURIComponent(secret)
    case 'url-lower':
      return encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())
    case 'form':
      return new URLSearchParams({ x: secret }).toString().slice(2)
  }
}

export const redactorCase = fc.record({
  secret: secretArb,
  user: userArb,
  how: fc.constantFrom(...ENCODINGS),
  before: textArb,
  after: textArb,
  pre: bytesArb,
  post: bytesArb,
  b64pre: b64Alphabet,
  b64post: b64Alphabet,
  /** Other secrets of the same job (the redactor holds several). */
  others: fc.array(secretArb, { maxLength: 2 }),
})

/** Redactor: whatever the secret and wherever it hides, the scanner finds nothing in the output. */
export function redactorProperty() {
  return fc.property(redactorCase, ({ secret, user, how, before, after, pre, post, b64pre, b64post, others }) => {
    const encoded = encodeSecret(secret, user, how, pre, post, b64pre, b64post)
    const text = `${before}${encoded}${after}`
    const redactor = new Redactor([...others, secret], [user])
    const out = redactor.redact(text)
    check(typeof out === 'string', 'redact returns a string')
    const leaks = findSecretLeaks(out, [{ value: secret, user }])
    if (leaks.length) throw new Error(`leak (${how}) of ${JSON.stringify(secret)} in ${JSON.stringify(out)} from ${JSON.stringify(text)}:\n${leaks.join('\n')}`)
    check(redactor.redact(out) === out || out.includes(REDACTED), 'redaction is stable on clean text')
  })
}

/** Redactor on text with no secret planted: never throws, and leaves text without its needles alone. */
export function redactorNoiseProperty() {
  return fc.property(fc.array(fc.string({ unit: 'binary', maxLength: 12 }), { maxLength: 3 }), fc.string({ unit: 'binary', maxLength: 60 }), (secrets, text) => {
    const r = new Redactor(secrets)
    const out = r.redact(text)
    check(typeof out === 'string', 'redact returns a string')
    if (!out.includes(REDACTED)) check(out === text, 'only replacements change the text')
  })
}
