import { chmod, mkdir, stat, unlink } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import * as z from 'zod'
import type { SignInSummary, StorageIssue } from '../../../preload/contract'
import { VersionedJsonFile } from '../storage'
import { signInSchema, summarize, type SignIn } from './sign-in'
import type { SignInStore } from './store'

/*
 * The CLI's sign-ins: one JSON file in its data folder that only its owner may read (mode 0600),
 * as command-line tools keep tokens on servers without a keyring. It is written atomically (temp
 * file + rename, created 0600), its mode is checked after every write, and a file that others can
 * read is refused rather than used: the sentence says how to fix it. Each change reads the file
 * again first, so two commands saving different sign-ins both keep theirs. Windows has no such
 * mode bits; there the file relies on the folder's permissions (the user's profile).
 */

export const CLI_SIGN_INS_FILE = 'oauth-sign-ins.json'
export const CLI_SIGN_INS_FORMAT = 'mailprobe-oauth-sign-ins'
export const CLI_SIGN_INS_VERSION = 1

const fileDataSchema = z.object({ signIns: z.record(z.string(), signInSchema) }).strict()
type FileData = z.infer<typeof fileDataSchema>

/** The sign-ins file cannot be used as it is (permissions, owner); the message says what to do. */
export class SignInFileError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SignInFileError'
  }
}

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`

export interface FileSignInStoreOptions {
  /** Default process.platform (tests of the Windows branch pass 'win32'). */
  platform?: NodeJS.Platform
}

export class FileSignInStore implements SignInStore {
  readonly path: string
  /** A damaged file set aside on reading (its sign-ins are lost; sign in again). */
  readonly issues: StorageIssue[] = []
  private readonly file: VersionedJsonFile<FileData>
  private readonly posix: boolean
  private tail: Promise<unknown> = Promise.resolve()

  /** `dir`: the CLI's data folder ($MAILPROBE_DATA_DIR, else its per-user default). */
  constructor(dir: string, opts: FileSignInStoreOptions = {}) {
    this.path = join(dir, CLI_SIGN_INS_FILE)
    this.posix = (opts.platform ?? process.platform) !== 'win32'
    this.file = new VersionedJsonFile({
      path: this.path,
      format: CLI_SIGN_INS_FORMAT,
      version: CLI_SIGN_INS_VERSION,
      schema: fileDataSchema,
      label: 'OAuth2 sign-ins',
      consequence: 'Sign in again to use those accounts',
    })
  }

  describe(): string {
    return `Sign-ins are kept in ${this.path}, readable by you only (mode 0600); anyone who can act as you (or as root) can read their tokens.`
  }

  async list(): Promise<SignInSummary[]> {
    const data = await this.read()
    return Object.values(data.signIns)
      .map(summarize)
      .sort((a, b) => a.name.localeCompare(b.name))
  }

  async get(name: string): Promise<SignIn | null> {
    const data = await this.read()
    return Object.hasOwn(data.signIns, name) ? data.signIns[name]! : null
  }

  async save(signIn: SignIn): Promise<void> {
    const checked = signInSchema.parse(signIn)
    await this.change((data) => {
      data.signIns[checked.name] = checked
      return true
    })
  }

  delete(name: string): Promise<boolean> {
    return this.change((data) => {
      if (!Object.hasOwn(data.signIns, name)) return false
      delete data.signIns[name]
      return true
    })
  }

  /** Reads, changes and writes back, one change at a time in this process. */
  private change(edit: (data: FileData) => boolean): Promise<boolean> {
    const next = this.tail.then(async () => {
      const data = await this.read()
      if (!edit(data)) return false
      // A data folder made here is the user's alone too (an existing one is left as it is).
      await mkdir(dirname(this.path), { recursive: true, mode: 0o700 })
      await this.file.save(data)
      await this.checkWritten()
      return true
    })
    this.tail = next.catch(() => {})
    return next
  }

  private async read(): Promise<FileData> {
    await this.checkPrivate()
    const { data, issue } = await this.file.load()
    if (issue) this.issues.push(issue)
    return data ?? { signIns: {} }
  }

  /**
   * After every write: the file must be 0600. writeFileAtomic creates it so; a file system that
   * does not keep modes (a FAT or SMB mount) gets one chmod, and if that does not hold either, the
   * file is removed rather than left readable, and the sentence says where to keep it instead.
   */
  private async checkWritten(): Promise<void> {
    if (!this.posix) return
    if (((await stat(this.path)).mode & 0o077) === 0) return
    await chmod(this.path, 0o600).catch(() => {})
    const mode = (await stat(this.path)).mode
    if ((mode & 0o077) === 0) return
    await unlink(this.path).catch(() => {})
    throw new SignInFileError(
      `${this.path} could not be made private (it stays mode ${octal(mode)} on this file system), so it was removed and the sign-in was not saved. Set MAILPROBE_DATA_DIR to a folder on a file system with Unix permissions, and sign in again.`,
    )
  }

  /**
   * Refuses a file others may read or that belongs to someone else. After a write the file is
   * ours and was created 0600; should a file system not keep the mode, that is refused too.
   */
  private async checkPrivate(): Promise<void> {
    if (!this.posix) return
    let st
    try {
      st = await stat(this.path)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
      throw err
    }
    const uid = process.getuid?.()
    if (uid !== undefined && st.uid !== uid) {
      throw new SignInFileError(
        `${this.path} belongs to another user (uid ${st.uid}): Mailprobe does not use sign-ins it cannot be sure are yours. Remove the file, or set MAILPROBE_DATA_DIR to a folder of your own, and sign in again.`,
      )
    }
    if ((st.mode & 0o077) === 0) return
    throw new SignInFileError(
      `${this.path} can be read or changed by other users (mode ${octal(st.mode)}), so Mailprobe will not use the tokens in it. Make it private with: chmod 600 "${this.path}" — and sign in again if others may have copied it.`,
    )
  }
}
