import { app } from 'electron'

/** Where Mailprobe keeps profiles.json, secrets.json and history/: Electron's per-user app data folder. */
export function userDataDir(): string {
  return app.getPath('userData')
}

/** The default folder for exports (the user's Downloads, or home when there is none). */
export function defaultSaveDir(): string {
  try {
    return app.getPath('downloads')
  } catch {
    return app.getPath('home')
  }
}
