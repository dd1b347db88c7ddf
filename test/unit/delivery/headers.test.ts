// The pure parts of the delivery watch: Received hops and Authentication-Results verdicts, on header
// samples in the shapes Gmail, Microsoft 365, Postfix and Exim write them; the matcher of the sent message.
import { describe, expect, it } from 'vitest'
import { receiverVerdicts, spfClient } from '../../../main/core/delivery/auth-results'
import { isSentMessage, splitHeaders } from '../../../main/core/delivery/headers'
import { ImapAuthMasker } from '../../../main/core/delivery/imap-log'
import { dateOf, hopsFrom } from '../../../main/core/delivery/received'
import { HEADER_SAMPLES } from '../../fixtures/header-samples'

describe('Received hops', () => {
  it.each(HEADER_SAMPLES.map((s) => [s.name, s] as const))('%s: hops in path order, with the delay from hop to hop', (_name, sample) => {
    const hops = hopsFrom(sample.received)
    expect(hops.map((h) => ({ from: h.from, by: h.by, with: h.with, at: h.at, delayMs: h.delayMs, ...(h.skewed ? { skewed: true } : {}) }))).toEqual(sample.hops)
  })

  it('states the TLS a hop names (Postfix’s cipher line, Gmail’s version)', () => {
    const [postfix, gmail] = [HEADER_SAMPLES.find((s) => s.name === 'Postfix')!, HEADER_SAMPLES.find((s) => s.name === 'Gmail')!]
    expect(hopsFrom(postfix.received).at(-1)!.tls).toMatch(/TLSv1\.3 with cipher TLS_AES_256_GCM_SHA384/)
    expect(hopsFrom(gmail.received)[1]!.tls).toMatch(/TLS1_3/)
    // A hop whose only word on TLS is its protocol (ESMTPSA) says it once, in `with`.
    expect(hopsFrom(gmail.received)[0]).toMatchObject({ with: 'ESMTPSA' })
    expect(hopsFrom(gmail.received)[0]!.tls).toBeUndefined()
  })

  it('marks a delay of more than a day as a skewed clock, and leaves undated hops without a delay', () => {
    const hops = hopsFrom([
      'from b.example by c.example with ESMTP; Fri, 17 May 2024 10:00:00 +0000',
      'from a.example by b.example with ESMTP; no date here',
      'from x.example by a.example with ESMTP; Tue, 14 May 2024 10:00:00 +0000',
    ])
    expect(hops.map((h) => [h.by, h.delayMs, h.skewed ?? false])).toEqual([
      ['a.example', null, false],
      ['b.example', null, false],
      ['c.example', 3 * 24 * 3600 * 1000, true],
    ])
  })

  it('reads RFC 5322 dates with zone comments, and refuses what is not a date', () => {
    expect(dateOf('Tue, 14 May 2024 09:12:03 -0700 (PDT)')).toBe('2024-05-14T16:12:03.000Z')
    expect(dateOf(' 14 May 2024 09:12:03 +0200')).toBe('2024-05-14T07:12:03.000Z')
    expect(dateOf('soon')).toBeNull()
    expect(dateOf(undefined)).toBeNull()
  })
})

describe('Authentication-Results', () => {
  it.each(HEADER_SAMPLES.filter((s) => s.verdicts).map((s) => [s.name, s] as const))('%s: the verdicts and who wrote them', (_name, sample) => {
    const fields = splitHeaders(`Authentication-Results: ${sample.authenticationResults}\r\nSubject: x\r\n`)
    const v = receiverVerdicts(fields, null)!
    expect(v.results).toMatchObject({ ...sample.verdicts, source: 'receiver' })
    expect(v.results.header).not.toMatch(/\r|\n/)
    expect(v.dkimVerified).toBeNull()
  })

  it('says whether the signature Mailprobe added verified, by its domain and selector', () => {
    const ar = 'mx.example.net; dkim=pass header.d=other.example header.s=x; dkim=fail (body hash did not verify) header.i=@example.com header.s=s1; spf=pass smtp.mailfrom=example.com'
    const fields = splitHeaders(`Authentication-Results: ${ar}\r\n`)
    const ours = receiverVerdicts(fields, { domain: 'example.com', selector: 's1' })!
    expect(ours.dkimVerified).toBe(false)
    expect(ours.results.dkim).toBe('pass')
    expect(receiverVerdicts(fields, { domain: 'other.example', selector: 'x' })!.dkimVerified).toBe(true)
    const unnamed = receiverVerdicts(fields, { domain: 'nowhere.example', selector: 's1' })!
    expect(unnamed.dkimVerified).toBeNull()
    expect(unnamed.results.notes.join(' ')).toMatch(/none of the DKIM results names nowhere\.example/)
  })

  it('takes the newest header (the final receiver’s) and is absent without one', () => {
    const fields = splitHeaders('Authentication-Results: mx.final.example; spf=fail smtp.mailfrom=a.example\r\nAuthentication-Results: relay.example; spf=pass smtp.mailfrom=a.example\r\n')
    expect(receiverVerdicts(fields, null)!.results).toMatchObject({ spf: 'fail', by: 'mx.final.example' })
    expect(receiverVerdicts(splitHeaders('Subject: none\r\n'), null)).toBeNull()
  })

  // Mailprobe checks itself only where the receiver wrote no Authentication-Results: self-run servers,
  // whose internal hops are LMTP (no address) or filters on loopback.
  it('checks SPF for the newest client address, a public one before internal hops', () => {
    expect(spfClient(HEADER_SAMPLES.find((s) => s.name === 'Exim')!.received)).toEqual({ ip: '198.51.100.25', helo: 'mail.example.net' })
    expect(spfClient(HEADER_SAMPLES.find((s) => s.name === 'Postfix')!.received)).toEqual({ ip: '203.0.113.5', helo: 'relay.example.net' })
    expect(
      spfClient(['from mx.example by imap.example with LMTP; Tue, 14 May 2024 10:00:00 +0000', 'from [127.0.0.1] (unknown [127.0.0.1]) by mx.example with ESMTP; Tue, 14 May 2024 10:00:00 +0000']),
    ).toEqual({
      ip: '127.0.0.1',
      helo: '[127.0.0.1]',
    })
    expect(spfClient(['by mx.example with LMTP; Tue, 14 May 2024 10:00:00 +0000'])).toBeNull()
  })
})

describe('the sent message is recognised', () => {
  const sent = { token: 'a1b2c3d4e5f6', messageId: '<abc@mailprobe.test>' }
  it('by its token header, its Message-ID or its token in the subject; not otherwise', () => {
    expect(isSentMessage(splitHeaders('X-Mailprobe-Token: a1b2c3d4e5f6\r\n'), sent, 'X-Mailprobe-Token')).toBe(true)
    expect(isSentMessage(splitHeaders('Message-ID:\r\n <ABC@mailprobe.test>\r\n'), sent, 'X-Mailprobe-Token')).toBe(true)
    expect(isSentMessage(splitHeaders('Subject: Mailprobe test a1b2c3d4e5f6 2024-05-14\r\n'), sent, 'X-Mailprobe-Token')).toBe(true)
    expect(isSentMessage(splitHeaders('X-Mailprobe-Token: a1b2c3d4e5f7\r\nMessage-ID: <other@x>\r\nSubject: hello\r\n'), sent, 'X-Mailprobe-Token')).toBe(false)
  })
})

describe('IMAP credentials in the transcript', () => {
  it('masks LOGIN’s user and password, AUTHENTICATE’s response and every client line of the exchange', () => {
    const m = new ImapAuthMasker()
    expect(m.client('2 LOGIN "alice@example.test" "(* value hidden *)"')).toBe('2 LOGIN [redacted] [redacted]')
    expect(m.client('3 AUTHENTICATE PLAIN "(* value hidden *)"')).toBe('3 AUTHENTICATE PLAIN [redacted]')
    m.server('+ ')
    expect(m.client('YWxpY2U=')).toBe('[redacted]')
    expect(m.client('')).toBe('')
    m.server('3 NO [AUTHENTICATIONFAILED] Authentication failed.')
    expect(m.client('4 AUTHENTICATE LOGIN')).toBe('4 AUTHENTICATE LOGIN')
    expect(m.client('YWxpY2VAZXhhbXBsZS50ZXN0')).toBe('[redacted]')
    m.server('4 OK Logged in')
    expect(m.client('5 SELECT INBOX')).toBe('5 SELECT INBOX')
  })
})
