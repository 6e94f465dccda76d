import { homedir } from 'node:os'
import { join } from 'node:path'

/**
 * The data folder every host shares, so the desktop app, the browser host and the CLI see the same
 * settings. Same place Electron's `userData` would pick for an app named "gatehouse"; the Electron
 * host points `userData` here too. `GATEHOUSE_DATA_DIR` overrides it (tests, portable installs).
 */
export function resolveDataDir(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  if (env.GATEHOUSE_DATA_DIR) return env.GATEHOUSE_DATA_DIR
  if (platform === 'win32')
    return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'gatehouse')
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'gatehouse')
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'gatehouse')
}
