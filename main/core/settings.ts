import { join } from 'node:path'
import { z } from 'zod'
import { sandboxSettingsSchema, type SandboxSettings, type StorageIssue } from '../../preload/contract'
import { VersionedJsonFile } from './storage'

/*
 * The app's settings in `<dataDir>/settings.json`: a small versioned JSON file, written atomically
 * and set aside (and reported) when damaged, through the same VersionedJsonFile as profiles and
 * History. It holds the sandbox setting (on/off, simulated latency, fixed ports) and which
 * profiles are the sandbox's ready-made ones, so they are refreshed rather than made again.
 */

export const SETTINGS_FILE = 'settings.json'
export const SETTINGS_FORMAT = 'mailprobe-settings'
export const SETTINGS_VERSION = 1

const profileId = z.string().min(1).max(64)

export const SANDBOX_PROFILE_ROLES = ['starttls', 'tls', 'api', 'oauth'] as const
export const sandboxProfileIdsSchema = z.object({ starttls: profileId.optional(), tls: profileId.optional(), api: profileId.optional(), oauth: profileId.optional() }).strict().default({})

export const appSettingsSchema = z
  .object({
    sandbox: sandboxSettingsSchema.default({ enabled: true, rttMs: 0, thinkMs: 0, ports: {} }),
    sandboxProfiles: z
      .object({
        /** The ready-made profiles were made once: one the user deletes stays deleted (until restored). */
        seeded: z.boolean().default(false),
        /** Which of them were made (absent in files from before "Sandbox — OAuth2": the first three), so a newer one is still made once. */
        seededRoles: z.array(z.enum(SANDBOX_PROFILE_ROLES)).optional(),
        /** The sandbox profiles were given the sandbox's inbox as their mailbox (absent in files from before delivery proof: given once, so one the user removes stays removed). */
        inboxMailbox: z.boolean().optional(),
        ids: sandboxProfileIdsSchema,
      })
      .strict()
      .default({ seeded: false, ids: {} }),
  })
  .strict()
export type AppSettings = z.infer<typeof appSettingsSchema>
export type SandboxProfileRole = (typeof SANDBOX_PROFILE_ROLES)[number]

export function defaultSettings(): AppSettings {
  return appSettingsSchema.parse({})
}

/** The settings file: load once, then update() with a function of the current settings. */
export class SettingsStore {
  private readonly file: VersionedJsonFile<AppSettings>
  private current: AppSettings = defaultSettings()
  readonly issues: StorageIssue[] = []

  private constructor(path: string, now?: () => Date) {
    this.file = new VersionedJsonFile<AppSettings>({
      path,
      format: SETTINGS_FORMAT,
      version: SETTINGS_VERSION,
      schema: appSettingsSchema as unknown as z.ZodType<AppSettings>,
      label: 'settings',
      consequence: 'Mailprobe started with its default settings',
      now,
    })
  }

  static async open(opts: { dir: string; now?: () => Date }): Promise<SettingsStore> {
    const store = new SettingsStore(join(opts.dir, SETTINGS_FILE), opts.now)
    const { data, issue } = await store.file.load()
    if (issue) store.issues.push(issue)
    if (data) store.current = data
    return store
  }

  get path(): string {
    return this.file.path
  }

  get(): AppSettings {
    return structuredClone(this.current)
  }

  get sandbox(): SandboxSettings {
    return structuredClone(this.current.sandbox)
  }

  /** Applies `change` to a copy of the settings, validates it, keeps it, and writes it (resolves when on disk). */
  async update(change: (s: AppSettings) => void): Promise<AppSettings> {
    const next = structuredClone(this.current)
    change(next)
    const parsed = appSettingsSchema.parse(next)
    if (JSON.stringify(parsed) === JSON.stringify(this.current)) return this.get()
    this.current = parsed
    await this.file.saveLatest(() => this.current)
    return this.get()
  }

  flush(): Promise<void> {
    return this.file.flush()
  }
}
