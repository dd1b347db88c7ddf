import { describe, expect, it } from 'vitest'
import { extensionsOf, ehloKeywords, authOf } from '../../../main/core/probe/extensions'
import { overTls, sniffFirstBytes, SNIFF_LIMIT } from '../../../main/core/probe/sniff'
import { printable } from '../../../main/core/transcript/printable'

describe('sniffFirstBytes', () => {
  it('reports nothing for no bytes', () => {
    expect(sniffFirstBytes('', false)).toEqual({ kind: 'empty' })
    expect(sniffFirstBytes('', true)).toEqual({ kind: 'empty' })
  })

  it('recognises an SMTP greeting once its first line is complete', () => {
    expect(sniffFirstBytes('220 mx.example.com ESMTP Postfix\r\n', false)).toEqual({ kind: 'smtp', code: 220, complete: true })
    expect(sniffFirstBytes('220-mx.example.com ESMTP\r\n220 more\r\n', false)).toEqual({ kind: 'smtp', code: 220, complete: true })
    expect(sniffFirstBytes('554 5.7.1 go away\r\n', false)).toEqual({ kind: 'smtp', code: 554, complete: true })
    expect(sniffFirstBytes('421\r\n', false)).toEqual({ kind: 'smtp', code: 421, complete: true })
  })

  it('waits for the rest of a line that may still be FTP, and decides on what it has at the end', () => {
    expect(sniffFirstBytes('2', false)).toEqual({ kind: 'undecided' })
    expect(sniffFirstBytes('220 mx.exa', false)).toEqual({ kind: 'undecided' })
    expect(sniffFirstBytes('220 mx.exa', true)).toEqual({ kind: 'smtp', code: 220, complete: false })
  })

  it('names FTP and NNTP, which greet with reply codes too', () => {
    expect(sniffFirstBytes('220 (vsFTPd 3.0.5)\r\n', false)).toEqual({ kind: 'other', name: 'FTP' })
    expect(sniffFirstBytes('220 ProFTPD Server (Debian) [::ffff:10.0.0.1]\r\n', false)).toEqual({ kind: 'other', name: 'FTP' })
    expect(sniffFirstBytes('220 mail.example.com ESMTP (no ftp here)\r\n', false)).toMatchObject({ kind: 'smtp' })
    expect(sniffFirstBytes('200 news.example.com InterNetNews NNRP server INN 2.7 ready\r\n', false)).toEqual({ kind: 'other', name: 'NNTP' })
  })

  it.each([
    ['SSH-2.0-OpenSSH_9.6p1 Ubuntu-3\r\n', 'SSH'],
    ['SSH-2.0-Open', 'SSH'],
    ['HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n', 'HTTP'],
    ['* OK [CAPABILITY IMAP4rev1 STARTTLS] Dovecot ready.\r\n', 'IMAP'],
    ['+OK Dovecot ready.\r\n', 'POP3'],
    ['-ERR Protocol error: invalid multibulk length\r\n', 'Redis'],
    ['-ERR go away\r\n', 'POP3'],
    ['RFB 003.008\n', 'VNC'],
    ['@RSYNCD: 31.0\n', 'rsync'],
    ['\x15\x03\x03\x00\x02\x02\x46', 'TLS'],
    ['\x4a\x00\x00\x00\x0a8.0.36\x00', 'MySQL'],
    ['\xff\xfd\x18', 'Telnet'],
  ])('names %j as %s', (bytes, name) => {
    expect(sniffFirstBytes(bytes, false)).toEqual({ kind: 'other', name })
  })

  it('calls a complete non-SMTP line, a long run without a line break, or bytes at the end "other" without a name', () => {
    expect(sniffFirstBytes('hello there\n', false)).toEqual({ kind: 'other', name: null })
    expect(sniffFirstBytes('x'.repeat(300), false)).toEqual({ kind: 'other', name: null })
    expect(sniffFirstBytes('\x00\x01', true)).toEqual({ kind: 'other', name: null })
    expect(sniffFirstBytes('\x00\x01', false)).toEqual({ kind: 'undecided' })
    expect(sniffFirstBytes('<!DOCTYPE html><html>', true)).toEqual({ kind: 'other', name: 'HTTP' })
  })

  it('never throws and always answers one of the four kinds, whatever the bytes', () => {
    let seed = 42
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff
    for (let i = 0; i < 2000; i++) {
      const len = Math.floor(rand() * 40)
      let s = ''
      for (let j = 0; j < len; j++) s += String.fromCharCode(rand() < 0.3 ? 0x30 + Math.floor(rand() * 10) : Math.floor(rand() * 256))
      for (const final of [false, true]) {
        const r = sniffFirstBytes(s, final)
        expect(['empty', 'undecided', 'smtp', 'other']).toContain(r.kind)
        if (final && s) expect(r.kind === 'smtp' || r.kind === 'other').toBe(true)
      }
    }
    expect(sniffFirstBytes('x'.repeat(SNIFF_LIMIT * 3), false)).toEqual({ kind: 'other', name: null })
    expect(sniffFirstBytes(undefined as unknown as string, true)).toEqual({ kind: 'empty' })
  })
})

describe('overTls and printable', () => {
  it('names services inside TLS', () => {
    expect(overTls('HTTP')).toBe('HTTPS')
    expect(overTls('IMAP')).toBe('IMAPS')
    expect(overTls('POP3')).toBe('POP3S')
    expect(overTls('SSH')).toBe('SSH over TLS')
    expect(overTls(null)).toBeNull()
  })

  it('escapes control and high bytes, keeps line breaks visible, and cuts long text', () => {
    expect(printable('HTTP/1.1 400\r\n')).toBe('HTTP/1.1 400\\r\\n')
    expect(printable('\x00\x1b[2J\xff\\')).toBe('\\x00\\x1b[2J\\xff\\\\')
    expect(printable('a'.repeat(200), 10)).toBe('aaaaaaaaaa…')
  })
})

describe('extensions', () => {
  it('reads the submission-relevant flags and the SIZE limit', () => {
    const caps = ['PIPELINING', 'SIZE 35882577', '8BITMIME', 'SMTPUTF8', 'CHUNKING', 'DSN', 'ENHANCEDSTATUSCODES', 'REQUIRETLS', 'AUTH PLAIN LOGIN']
    expect(extensionsOf(caps)).toEqual({
      size: 35882577,
      pipelining: true,
      eightBitMime: true,
      smtpUtf8: true,
      chunking: true,
      dsn: true,
      enhancedStatusCodes: true,
      requireTls: true,
    })
    expect(extensionsOf(['size'])?.size).toBe(0)
    expect(extensionsOf(['HELP'])).toMatchObject({ size: null, pipelining: false, requireTls: false })
    expect(extensionsOf(null)).toBeNull()
  })

  it('takes EHLO keywords without the greeting line, and AUTH mechanisms from them', () => {
    expect(ehloKeywords(['mx.example.com Hello', 'PIPELINING', ' AUTH PLAIN LOGIN ', ''])).toEqual(['PIPELINING', 'AUTH PLAIN LOGIN'])
    expect(authOf(['AUTH=LOGIN', 'AUTH PLAIN xoauth2'])).toEqual(['LOGIN', 'PLAIN', 'XOAUTH2'])
    expect(authOf([])).toEqual([])
    expect(authOf(null)).toBeNull()
  })
})
