// Fuzzing the SMTP reply parsing (issue 7, item 7): ReplyReader fed arbitrary byte chunks through a
// fake socket, and parseReply on arbitrary input. Nothing throws except classified errors; memory stays bounded.
import fc from 'fast-check'
import { EventEmitter } from 'node:events'
import type net from 'node:net'
import { describe, expect, it } from 'vitest'
import { ReplyReader } from '../../../main/core/net/reply-reader'
import { parseReplyProperty, replyReaderBoundProperty, replyReaderProperty } from './properties'

const RUNS = 10_000

describe('fuzz: SMTP replies', () => {
  it(`ReplyReader: arbitrary chunks resolve well-formed replies or reject with a classified error, whatever the chunking (${RUNS} cases)`, async () => {
    await fc.assert(replyReaderProperty(), { numRuns: RUNS })
  })

  it('ReplyReader: more than MAX_REPLY_BYTES without a newline fails with PROTOCOL_ERROR and stops buffering (500 cases)', async () => {
    await fc.assert(replyReaderBoundProperty(), { numRuns: 500 })
  })

  it(`parseReply: never throws; undefined or {three-digit code, one-line text} (${RUNS} cases)`, () => {
    fc.assert(parseReplyProperty(), { numRuns: RUNS })
  })

  // Found by the chunking property: a socket error after a protocol error replaced it, so the
  // reported cause depended on whether a reply was awaited when the garbage arrived.
  it('regression: the first failure is kept (a later socket error does not replace a protocol error)', async () => {
    const socket = new EventEmitter()
    const reader = new ReplyReader(socket as unknown as net.Socket)
    socket.emit('data', Buffer.from('garbage\r\n'))
    socket.emit('error', new Error('ECONNRESET'))
    await expect(reader.next(1000)).rejects.toMatchObject({ info: { code: 'PROTOCOL_ERROR' } })
    reader.detach()
  })
})
