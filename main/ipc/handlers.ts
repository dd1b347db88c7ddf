import { readFile, stat } from 'node:fs/promises'
import type { z } from 'zod'
import {
  events,
  isOperationErrorCode,
  isOperationName,
  operationFailure,
  operations,
  unknownOperation,
  type Envelope,
  type OperationName,
  type OperationOutputs,
  type PushChannel,
  type SandboxEvent,
} from '../../preload/contract'
import { internalError } from '../core/errors'
import { JobManager } from '../core/jobs/job-manager'
import { OperationError } from '../core/operation-error'
import { exportChecks } from '../core/profiles/export-checks'
import { signOutProfile, startProfileSignIn } from '../core/runs/sign-in'
import { SANDBOX_PRESET } from '../core/sandbox/profiles'
import type { AppServices } from '../core/services'
import type { EventSink } from '../core/transcript/event-sink'
import { describeIssues } from '../core/validation'

export type { AppServices, FilesAdapter } from '../core/services'
export { openAppServices, noFiles, type OpenServicesOptions } from '../core/services'

/*
 * The dispatch table: operation name → handler taking validated input. No Electron here, so the
 * IPC registration (register.ts) and the WebSocket bridge behind `npm run web` serve the very same
 * table. Handlers are thin: validation is the contract's, the work is core's (stores, runner).
 *
 * A host does, once:    const services = await openAppServices({ dataDir, cipher, files, openExternal })
 * and per caller (a window, a socket):
 *                       const client = createClient(sink, services)
 *                       const envelope = await client.dispatch(name, payload)   // never throws
 *                       client.dispose()                                        // cancels its jobs
 */

export type OperationInput<K extends OperationName> = z.output<(typeof operations)[K]['input']>

export type Handlers = {
  [K in OperationName]: (input: OperationInput<K>) => OperationOutputs[K] | Promise<OperationOutputs[K]>
}

export const operationNames = Object.keys(operations) as OperationName[]

/** Largest profiles export main reads from a picked path (the same bound as `content`). */
const MAX_IMPORT_BYTES = 5_000_000

/**
 * The handlers for one caller: `jobs` is that caller's job manager (its events go to its sink);
 * `services` are shared by every caller. Files picked for import are remembered per caller, and
 * importProfiles reads only those (the renderer cannot make main read an arbitrary path). `push`
 * takes the caller's sign-in progress (a caller without it hears nothing of its sign-ins).
 */
export function createHandlers(jobs: JobManager, services: AppServices, push: Push = () => {}): Handlers {
  const { profiles, history, runner, sandbox } = services
  const pickedForImport = new Set<string>()
  const pickedChecks = new Set<string>()
  // "Export all" leaves out the sandbox's ready-made profiles: their ports and CA file belong to this machine's sandbox.
  const exportedIds = (ids: readonly string[] | undefined) =>
    ids ??
    profiles
      .list()
      .filter((p) => p.preset !== SANDBOX_PRESET)
      .map((p) => p.id)

  return {
    runSmtp: (input) => runner.smtp(jobs, input),
    runApi: (input) => runner.api(jobs, input),
    runProbe: (input) => runner.probe(jobs, input),
    runProfile: (input) => runner.profile(jobs, input),
    runCompare: (input) => runner.compare(jobs, input),
    runDomain: (input) => runner.domain(jobs, input),
    // Only a file this caller picked in the Run check file dialog: a check file sends the app's environment's secrets where it says.
    runChecks: (input) => {
      if (!pickedChecks.has(input.path)) throw new OperationError('INVALID_INPUT', 'Choose the check file with the Run check file dialog first.')
      return runner.checks(jobs, input)
    },
    cancelJob: ({ jobId }) => ({ cancelled: jobs.cancel(jobId) }),

    oauthSignIn: ({ profileId }) => startProfileSignIn(jobs, { profiles, openSignInPage: services.openSignInPage }, profileId, (event) => push(events.signInEvents, event)),
    oauthSignOut: async ({ profileId }) => {
      const signedOut = await signOutProfile(profiles, profileId)
      return { signedOut, profile: profiles.get(profileId)! }
    },

    listProfiles: () => ({ profiles: profiles.list(), keyring: services.secrets.status(), issues: services.issues() }),
    saveProfile: (input) => profiles.save(input),
    deleteProfile: async ({ id }) => ({ deleted: await profiles.delete(id) }),
    duplicateProfile: ({ id }) => profiles.duplicate(id),
    listPresets: () => structuredClone([...services.presets]),
    exportProfiles: ({ ids }) => profiles.exportProfiles(exportedIds(ids)),
    exportChecks: ({ ids }) => {
      const wanted = new Set(exportedIds(ids))
      return exportChecks(
        profiles.list().filter((p) => wanted.has(p.id)),
        new Date(),
      )
    },
    importProfiles: async ({ content, path }) => {
      if (path !== undefined) {
        if (!pickedForImport.has(path)) throw new OperationError('INVALID_INPUT', 'Choose the file to import with the Import dialog first.')
        content = await readImportFile(path)
      }
      return profiles.importProfiles(content ?? '')
    },

    listHistory: (query) => history.list(query),
    getHistoryEntry: ({ id }) => history.get(id),
    deleteHistory: async ({ ids }) => ({ deleted: await history.delete(ids) }),
    exportTranscript: async ({ id, format }) => {
      const out = await history.exportTranscript(id, format)
      if (!out) throw new OperationError('NOT_FOUND', `No run with id ${id} in History: it may have been deleted.`)
      return out
    },

    pickFiles: async (input) => {
      const picked = await services.files.pickFiles(input)
      if (input.purpose === 'import') for (const p of picked.paths) pickedForImport.add(p)
      if (input.purpose === 'checks') for (const p of picked.paths) pickedChecks.add(p)
      return { paths: [...picked.paths] }
    },
    saveFile: (input) => services.files.saveFile(input),
    openExternal: async ({ url }) => ({ opened: await services.openExternal(url) }),

    getSandboxStatus: () => sandbox.status(),
    setSandboxLatency: (input) => sandbox.setLatency(input),
    setSandboxEnabled: ({ enabled }) => sandbox.setEnabled(enabled),
    restoreSandboxProfiles: () => sandbox.restoreProfiles(),
    listInbox: ({ limit }) => sandbox.listInbox(limit),
    // By the id a send's result carries: the SMTP queue id, or the API's message id (with or without <>).
    getInboxMessage: ({ id }) => sandbox.getInboxMessage(id),
    clearInbox: () => sandbox.clearInbox(),
  }
}

async function readImportFile(path: string): Promise<string> {
  try {
    const info = await stat(path)
    if (!info.isFile()) throw new OperationError('INVALID_INPUT', `${path} is not a file.`)
    if (info.size > MAX_IMPORT_BYTES) throw new OperationError('INVALID_INPUT', `${path} is larger than 5 MB; a profiles export is much smaller.`)
    return await readFile(path, 'utf8')
  } catch (err) {
    if (err instanceof OperationError) throw err
    throw new OperationError('INVALID_INPUT', `Could not read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)}).`)
  }
}

/**
 * Validates `payload` with the operation's schema (unknown fields are refused: the schemas are
 * strict) and runs its handler. Always answers an envelope, never throws: UNKNOWN_OPERATION for a
 * name the contract lacks, INVALID_INPUT for a bad payload, the OperationError's code for a refusal,
 * INTERNAL for anything unexpected.
 */
export async function dispatch<K extends OperationName>(handlers: Handlers, name: K, payload: unknown): Promise<Envelope<OperationOutputs[K]>> {
  if (!isOperationName(name)) return unknownOperation(name)
  const parsed = operations[name].input.safeParse(payload)
  if (!parsed.success) return operationFailure('INVALID_INPUT', `The ${name} request was refused — ${describeIssues(parsed.error.issues)}.`)
  try {
    const handler = handlers[name] as (input: unknown) => OperationOutputs[K] | Promise<OperationOutputs[K]>
    return { ok: true, value: await handler(parsed.data) }
  } catch (err) {
    // The code is checked here too: a cast cannot smuggle a code outside the contract's list past the types.
    if (err instanceof OperationError && isOperationErrorCode(err.code)) return operationFailure(err.code, err.message)
    // Handlers should not throw otherwise; if one does, the caller still gets an envelope, not a bare rejection.
    return operationFailure('INTERNAL', internalError(err).message)
  }
}

/** One caller (a window, a WebSocket connection): its own jobs, whose events go to its own sink. */
export interface Client {
  dispatch<K extends OperationName>(name: K, payload: unknown): Promise<Envelope<OperationOutputs[K]>>
  /** Cancels the caller's running jobs (its window closed or its socket dropped). */
  dispose(): void
}

/** Sends a push event (other than job events, which go through the sink) to the caller. */
export type Push = (channel: PushChannel, payload: unknown) => void

/**
 * One caller's client. With `push`, the caller also hears the sandbox's events (a new Inbox
 * message, the sandbox turned on or off) until dispose().
 */
export function createClient(sink: EventSink, services: AppServices, push?: Push): Client {
  const jobs = new JobManager(sink)
  const handlers = createHandlers(jobs, services, push)
  const unsubscribe = push ? services.sandbox.subscribe((event: SandboxEvent) => push(events.sandboxEvents, event)) : () => {}
  return {
    dispatch: (name, payload) => dispatch(handlers, name, payload),
    dispose: () => {
      unsubscribe()
      jobs.cancelAll()
    },
  }
}
