// The contract's edges are closed: every refusal an operation answers (IPC dispatch, the web bridge)
// carries a code of OPERATION_ERROR_CODES, and every job result's code is one of ERROR_CODES. The
// types say so (checked by tsc here); the tests drive every refusal path and check what comes out.
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, expectTypeOf, it } from 'vitest'
import WsClient from 'ws'
import {
  OperationFailureSchema,
  operations,
  type ClassifiedError,
  type CompareSample,
  type Envelope,
  type ErrorCode,
  type HistorySummary,
  type OperationErrorCode,
  type OperationName,
} from '../../../preload/contract'
import { createClient, dispatch, type Handlers } from '../../../main/ipc/handlers'
import { OperationError } from '../../../main/core/operation-error'
import { browserFiles } from '../../../main/web/services'
import { startWebServer, type BridgeClient } from '../../../main/web/server'
import { removeTempDirs, tempDir, testServices, WaitingSink } from './helpers'

afterEach(removeTempDirs)

type Failure = Extract<Envelope<unknown>, { ok: false }>['error']

describe('the types close the lists', () => {
  it('allows no code outside them on anything that crosses IPC or the bridge', () => {
    expectTypeOf<Failure['code']>().toEqualTypeOf<OperationErrorCode>()
    expectTypeOf<ClassifiedError['code']>().toEqualTypeOf<ErrorCode>()
    expectTypeOf<HistorySummary['errorCode']>().toEqualTypeOf<ErrorCode | null>()
    expectTypeOf<CompareSample['errorCode']>().toEqualTypeOf<ErrorCode | null>()
    expectTypeOf<ConstructorParameters<typeof OperationError>[0]>().toEqualTypeOf<OperationErrorCode>()
  })
})

/** Asserts that every refusal is in the closed list (the schema is strict: no field but code and message). */
function expectClosed(refusals: { what: string; envelope: Envelope<unknown> }[]): Set<OperationErrorCode> {
  const codes = new Set<OperationErrorCode>()
  for (const { what, envelope } of refusals) {
    expect(envelope.ok, what).toBe(false)
    if (envelope.ok) continue
    const parsed = OperationFailureSchema.safeParse(envelope.error)
    expect(parsed.success, `${what}: ${JSON.stringify(envelope.error)}`).toBe(true)
    codes.add(envelope.error.code)
  }
  return codes
}

describe('dispatch: every refusal path answers a listed code', () => {
  it('bad payloads, unknown names, missing ids, refusals and a handler that throws', async () => {
    const { services } = await testServices({ files: { pickFiles: async () => Promise.reject(new Error('dialog exploded')), saveFile: async () => ({ saved: false, path: null }) } })
    const client = createClient(new WaitingSink(), services)
    const refusals: { what: string; envelope: Envelope<unknown> }[] = []
    const call = async (name: string, payload: unknown) => refusals.push({ what: `${name} ${JSON.stringify(payload)}`, envelope: await client.dispatch(name as OperationName, payload) })

    // Every operation, with a payload its schema refuses.
    for (const name of Object.keys(operations)) await call(name, { refused: true })
    // Names the contract does not have, own or inherited.
    for (const name of ['rmRf', 'constructor', '__proto__', 'toString']) await call(name, {})
    // Ids that name nothing.
    await call('duplicateProfile', { id: 'ghost' })
    await call('saveProfile', { id: 'ghost', profile: { kind: 'smtp', name: 'P', host: 'h.example', port: 25, security: 'none' } })
    await call('runProfile', { profileId: 'ghost', action: 'verify' })
    await call('runCompare', { profileIds: ['ghost', 'other'], runs: 1 })
    await call('exportTranscript', { id: 'ghost', format: 'txt' })
    // Refusals of the stores and hosts.
    await call('importProfiles', { path: '/never/picked.json' })
    await call('importProfiles', { content: 'not json' })
    await call('importProfiles', { content: '{"format":"something else"}' })
    await call('setSandboxEnabled', { enabled: true })
    await call('restoreSandboxProfiles', {})
    const saved = await services.profiles.save({ profile: { kind: 'smtp', name: 'Twice', host: 'h.example', port: 25, security: 'none' } })
    await call('runCompare', { profileIds: [saved.id, saved.id], runs: 1 })
    await call('runProfile', { profileId: saved.id, action: 'api-send' })
    // A handler that throws unexpectedly.
    await call('pickFiles', { purpose: 'ca' })

    const codes = expectClosed(refusals)
    expect([...codes].sort()).toEqual(['INTERNAL', 'INVALID_INPUT', 'NOT_FOUND', 'UNKNOWN_OPERATION'])
  })

  it('the browser host’s own refusal is listed too', async () => {
    const { services } = await testServices({ files: browserFiles })
    const client = createClient(new WaitingSink(), services)
    const envelope = await client.dispatch('pickFiles', { purpose: 'import' })
    expect([...expectClosed([{ what: 'pickFiles in the browser', envelope }])]).toEqual(['INVALID_INPUT'])
    expect(envelope).toMatchObject({ error: { message: expect.stringMatching(/type the file’s path, or paste its content/) } })
    // A check file has no such fallback: the refusal says where it can run instead.
    const checks = await client.dispatch('pickFiles', { purpose: 'checks' })
    expect(checks).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringMatching(/cannot run a check file.*mailprobe check FILE/) } })
  })

  it('a code cast past the types still does not leave: it becomes INTERNAL', async () => {
    const throwing = { listPresets: () => Promise.reject(new OperationError('GONE_FISHING' as OperationErrorCode, 'a stray code')) } as unknown as Handlers
    const envelope = await dispatch(throwing, 'listPresets', {})
    expect(envelope).toMatchObject({ ok: false, error: { code: 'INTERNAL' } })
    expectClosed([{ what: 'stray code', envelope }])
  })
})

describe('the web bridge: its own refusals are listed', () => {
  it('answers a bad message, an unknown operation and a failed dispatch with listed codes', async () => {
    const dir = await tempDir('mailprobe-web-')
    await writeFile(join(dir, 'index.html'), `<!doctype html><meta http-equiv="Content-Security-Policy" content="default-src 'self'"><title>t</title>`)
    const { services } = await testServices()
    // The real handlers behind the socket; the last client's dispatch rejects, as a broken host would.
    let broken = false
    const host = await startWebServer({
      rendererDir: dir,
      port: 0,
      createClient: (sink, push): BridgeClient => {
        const client = createClient(sink, services, push)
        return broken ? { dispatch: () => Promise.reject(new Error('host broke')), dispose: () => client.dispose() } : client
      },
    })
    try {
      const talk = async (messages: (string | Buffer)[]): Promise<Envelope<unknown>[]> => {
        const ws = new WsClient(`ws://127.0.0.1:${host.port}/bridge?token=${host.token}`, { origin: host.origin })
        await new Promise<void>((resolve, reject) => ws.once('open', () => resolve()).once('error', reject))
        const answers: Envelope<unknown>[] = []
        const all = new Promise<void>((resolve) =>
          ws.on('message', (data) => {
            const msg = JSON.parse(String(data)) as { envelope?: Envelope<unknown> }
            if (msg.envelope) answers.push(msg.envelope)
            if (answers.length === messages.length) resolve()
          }),
        )
        for (const m of messages) ws.send(m)
        await all
        ws.close()
        return answers
      }
      const answers = await talk([
        'not json',
        Buffer.from([1, 2, 3]),
        JSON.stringify({ id: 1 }),
        JSON.stringify({ id: 2, op: 'constructor', input: {} }),
        JSON.stringify({ id: 3, op: 'cancelJob', input: {} }),
      ])
      broken = true
      answers.push(...(await talk([JSON.stringify({ id: 4, op: 'listPresets', input: {} })])))
      const codes = expectClosed(answers.map((envelope, i) => ({ what: `message ${i}`, envelope })))
      expect([...codes].sort()).toEqual(['BAD_MESSAGE', 'INTERNAL', 'INVALID_INPUT', 'UNKNOWN_OPERATION'])
    } finally {
      await host.close()
    }
  })
})
