// The CLI's data folder: where `mailprobe sandbox` keeps its certificate and `mailprobe oauth` its
// sign-ins. Only node:os and node:path, so any command may ask for it without slowing its start.
import { homedir } from 'node:os'
import { join } from 'node:path'

/** $MAILPROBE_DATA_DIR when set, else the per-user data folder of the platform. */
export function defaultDataDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform, home = homedir()): string {
  if (env.MAILPROBE_DATA_DIR) return env.MAILPROBE_DATA_DIR
  if (platform === 'win32') return join(env.APPDATA || join(home, 'AppData', 'Roaming'), 'mailprobe')
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'mailprobe')
  return join(env.XDG_DATA_HOME || join(home, '.local', 'share'), 'mailprobe')
}
