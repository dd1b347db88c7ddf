import { describe, expect, it } from 'vitest'
import { inboxIdOf } from '../../../preload/contract'
import { decodeWords, Inbox, MAX_RAW_KEPT, parseHeaders } from '../../../main/core/sandbox/inbox'

const raw = (subject: string) => Buffer.from(`From: a@example.test\r\nTo: b@example.test\r\nSubject: ${subject}\r\nMessage-ID: <m-${subject}@example.test>\r\n\r\nbody\r\n`)
const incoming = (id: string, subject = id) => ({
  id,
  via: 'smtp' as const,
  channel: 'plain' as const,
  envelope: { mailFrom: 'a@example.test', rcptTo: ['b@example.test'] },
  raw: raw(subject),
  secure: false,
  user: null,
  testMode: false,
})

describe('Inbox', () => {
  it('keeps the newest messages up to its limit, newest first in the list', () => {
    const inbox = new Inbox(200)
    for (let i = 0; i < 205; i++) inbox.add(incoming(`Q${i}`))
    expect(inbox.size).toBe(200)
    expect(inbox.received).toBe(205)
    expect(inbox.get('Q4')).toBeNull()
    expect(inbox.get('Q5')?.seq).toBe(6)
    expect(inbox.list(3).map((m) => m.id)).toEqual(['Q204', 'Q203', 'Q202'])
    expect(inbox.list()).toHaveLength(200)
    expect(inbox.clear()).toBe(200)
    expect(inbox.size).toBe(0)
  })

  it('files a message under its id, with its headers, subject and Message-ID', () => {
    const inbox = new Inbox()
    inbox.add(incoming('<abc@mg.example.test>', 'hello'))
    const m = inbox.get('<abc@mg.example.test>')!
    expect(m.subject).toBe('hello')
    expect(m.messageId).toBe('<m-hello@example.test>')
    expect(m.headers.map((h) => h.name)).toEqual(['From', 'To', 'Subject', 'Message-ID'])
    // Mailgun ids are found with or without their angle brackets.
    expect(inbox.get('abc@mg.example.test')?.id).toBe('<abc@mg.example.test>')
    // What comes out is a copy: editing it does not change the Inbox.
    m.subject = 'changed'
    expect(inbox.get('<abc@mg.example.test>')!.subject).toBe('hello')
  })

  it('keeps at most 1 MiB of a source and says so', () => {
    const inbox = new Inbox()
    const big = Buffer.concat([raw('big'), Buffer.alloc(MAX_RAW_KEPT, 0x61)])
    inbox.add({ ...incoming('BIG'), raw: big })
    const m = inbox.get('BIG')!
    expect(m.size).toBe(big.length)
    expect(m.rawTruncated).toBe(true)
    expect(m.raw.length).toBe(MAX_RAW_KEPT)
  })

  it('a listener that throws does not lose the message', () => {
    const inbox = new Inbox()
    inbox.subscribe(() => {
      throw new Error('bug')
    })
    const seen: string[] = []
    inbox.subscribe((m) => seen.push(m.id))
    inbox.add(incoming('X1'))
    expect(seen).toEqual(['X1'])
    expect(inbox.get('X1')).not.toBeNull()
  })
})

describe('header parsing', () => {
  it('unfolds continuation lines and decodes encoded words', () => {
    const h = parseHeaders('Subject: =?UTF-8?B?w6lsw6h2ZQ==?=\r\n =?UTF-8?Q?_caf=C3=A9?=\r\nX-Long: one\r\n\ttwo\r\n\r\nSubject: not a header')
    expect(h).toEqual([
      { name: 'Subject', value: 'élève café' },
      { name: 'X-Long', value: 'one two' },
    ])
    expect(decodeWords('=?KOI8-R?B?8NLJ18XU?=')).toBe('=?KOI8-R?B?8NLJ18XU?=')
  })
})

describe('inboxIdOf', () => {
  it('finds the queue id in an SMTP reply and the message id of an API result', () => {
    expect(inboxIdOf({ kind: 'smtp', ok: true, result: { response: '250 2.6.0 Ok: queued as 0001ABCDEF' } })).toBe('0001ABCDEF')
    expect(inboxIdOf({ kind: 'api', ok: true, result: { messageId: '<x@y>' } })).toBe('<x@y>')
    expect(inboxIdOf({ kind: 'smtp', ok: false, result: { response: '250 Ok: queued as X' } })).toBeNull()
    expect(inboxIdOf({ kind: 'smtp', ok: true, result: { response: '250 OK' } })).toBeNull()
  })
})
