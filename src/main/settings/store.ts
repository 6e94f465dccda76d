import { mkdir, readFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { GatehouseError } from '../../shared/errors'
import { fieldIssues } from '../../shared/settings'
import { writeFileAtomic } from './atomic-write'
import { SettingsSchema, parseStoredSettings, type Settings } from './schema'

/**
 * `settings.json` in the app's data folder: non-secret settings only, validated on the way in and
 * on the way out. A file that cannot be read as valid settings is never overwritten silently: load
 * reports it (naming the field), and only an explicit save moves it aside as
 * `settings.json.corrupt-<timestamp>` before writing the new one.
 */

export const SETTINGS_FILE = 'settings.json'

export interface SaveResult {
  readonly settings: Settings
  /** Where an unreadable previous file was kept, when there was one. */
  readonly corruptCopy: string | null
}

export interface SettingsStore {
  /** Absolute path of settings.json. */
  readonly path: string
  /** null on first run (no file yet); SETTINGS_INVALID when the file is corrupt or invalid. */
  load(): Promise<Settings | null>
  /** Validates (VALIDATION_FAILED with field issues), then writes atomically with mode 0600. */
  save(input: unknown): Promise<SaveResult>
}

export function createSettingsStore(dataDir: string): SettingsStore {
  const path = join(dataDir, SETTINGS_FILE)

  async function readText(): Promise<string | null> {
    try {
      return await readFile(path, 'utf8')
    } catch (error) {
      if (errnoOf(error) === 'ENOENT') return null
      throw ioFailed(`read ${path}`, error)
    }
  }

  async function load(): Promise<Settings | null> {
    const text = await readText()
    if (text === null) return null
    const parsed = parseStoredSettings(text)
    if (parsed.ok) return parsed.settings
    const { field, message, issues } = parsed.problem
    throw new GatehouseError({
      code: 'SETTINGS_INVALID',
      message: `The settings file ${path} is not valid: ${field}: ${message}`,
      hint:
        'Correct that field in the file, or enter the settings again in Settings: saving keeps the ' +
        `old file as ${SETTINGS_FILE}.corrupt-<time> next to it.`,
      details: { path, field, issues },
    })
  }

  async function save(input: unknown): Promise<SaveResult> {
    const parsed = SettingsSchema.safeParse(input)
    if (!parsed.success) {
      const issues = fieldIssues(parsed.error)
      throw new GatehouseError({
        code: 'VALIDATION_FAILED',
        message: `The settings are not valid: ${issues
          .slice(0, 3)
          .map((i) => `${i.path}: ${i.message}`)
          .join('; ')}`,
        hint: 'Correct the fields named above and save again.',
        details: { issues },
      })
    }

    try {
      await mkdir(dataDir, { recursive: true, mode: 0o700 })
    } catch (error) {
      throw ioFailed(`create the folder ${dataDir}`, error)
    }
    const corruptCopy = await keepCorruptFile()
    try {
      await writeFileAtomic(path, `${JSON.stringify(parsed.data, null, 2)}\n`, 0o600)
    } catch (error) {
      throw ioFailed(`write ${path}`, error)
    }
    return { settings: parsed.data, corruptCopy }
  }

  /** Renames an existing file that does not load, so the new save cannot destroy it. */
  async function keepCorruptFile(): Promise<string | null> {
    const text = await readText()
    if (text === null || parseStoredSettings(text).ok) return null
    // Colons are not allowed in Windows file names; milliseconds keep two saves apart.
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('.', '')
    const copy = `${path}.corrupt-${stamp}`
    try {
      await rename(path, copy)
    } catch (error) {
      throw ioFailed(`keep the unreadable ${path} as ${copy}`, error)
    }
    return copy
  }

  return { path, load, save }
}

function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

function ioFailed(action: string, error: unknown): GatehouseError {
  const errno = errnoOf(error)
  const reason = errno ?? (error instanceof Error ? error.message : String(error))
  return new GatehouseError({
    code: 'SETTINGS_IO_FAILED',
    message: `Could not ${action} (${reason}).`,
    hint:
      errno === 'EACCES' || errno === 'EPERM'
        ? 'Check that your user owns the Gatehouse data folder and may write to it.'
        : errno === 'ENOSPC'
          ? 'The disk is full: free some space and try again.'
          : 'Check the Gatehouse data folder (GATEHOUSE_DATA_DIR) and try again.',
    details: errno ? { errno } : undefined,
  })
}
