import {
  SETTINGS_SCHEMA_VERSION,
  SettingsSchema,
  fieldIssues,
  type FieldIssue,
  type Settings,
} from '../../shared/settings'

/**
 * The stored form of the settings: the shared zod schema plus the chain of migrations that lifts an
 * older `settings.json` to the current layout. Migrations work on plain JSON, never on validated
 * types, because an old file is by definition not valid against today's schema; the schema runs
 * once, after the last migration, so an error always names a field of the current layout.
 */

export { SETTINGS_SCHEMA_VERSION, SettingsSchema }
export type { Settings }

type JsonObject = Record<string, unknown>

export interface SettingsMigration {
  readonly from: number
  readonly to: number
  /** What changed, for whoever writes the next one. */
  readonly why: string
  /** Must not throw on odd input: leave unknown shapes alone and let the final parse name them. */
  readonly migrate: (old: JsonObject) => JsonObject
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * v1 is where the chain starts: the first sketch of this file reused Authentik's own variable
 * names (`domain`, `smtp.useTls`/`smtp.useSsl`, a flat `dockerHost`). No released Gatehouse wrote
 * it; it is kept so the mechanism is real and tested, and a future v3 is one more entry here.
 */
export const migrations: readonly SettingsMigration[] = [
  {
    from: 1,
    to: 2,
    why: 'domain → baseDomain; smtp.useTls/useSsl booleans → smtp.tls mode; dockerHost → docker.endpoint',
    migrate(old) {
      const { domain, dockerHost, smtp, ...rest } = old
      const next: JsonObject = { ...rest, schemaVersion: 2 }
      if (domain !== undefined) next.baseDomain = domain
      if (dockerHost !== undefined && dockerHost !== null && dockerHost !== '') {
        next.docker = { endpoint: dockerHost }
      }
      if (isObject(smtp)) {
        const { useTls, useSsl, ...smtpRest } = smtp
        // Authentik treats USE_SSL as implicit TLS and USE_TLS as STARTTLS; SSL wins if both.
        const tls = useSsl === true ? 'tls' : useTls === true ? 'starttls' : 'none'
        next.smtp = { ...smtpRest, tls }
      } else if (smtp !== undefined) {
        next.smtp = smtp
      }
      return next
    },
  },
]

/** Why a stored document could not be read, naming the field at fault. */
export interface StoredSettingsProblem {
  readonly field: string
  readonly message: string
  readonly issues: readonly FieldIssue[]
}

export type ParsedStoredSettings =
  | { readonly ok: true; readonly settings: Settings; readonly migratedFrom: number | null }
  | { readonly ok: false; readonly problem: StoredSettingsProblem }

function problem(field: string, message: string): ParsedStoredSettings {
  return { ok: false, problem: { field, message, issues: [{ path: field, message }] } }
}

/**
 * Parses the JSON text of `settings.json`: checks the version, runs the migrations in order and
 * validates the result. Pure, so the store and the tests share it.
 */
export function parseStoredSettings(
  text: string,
  chain: readonly SettingsMigration[] = migrations,
): ParsedStoredSettings {
  const currentVersion = SETTINGS_SCHEMA_VERSION
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    return problem('(file)', 'The file is not valid JSON.')
  }
  if (!isObject(raw)) return problem('(file)', 'The file does not hold a settings object.')

  const version = raw.schemaVersion
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return problem('schemaVersion', 'schemaVersion is missing or not a positive whole number.')
  }
  if (version > currentVersion) {
    return problem(
      'schemaVersion',
      `The file was written by a newer Gatehouse (settings version ${version}, this one knows ${currentVersion}).`,
    )
  }

  let doc: JsonObject = raw
  let at = version
  while (at < currentVersion) {
    const step = chain.find((m) => m.from === at)
    if (!step || step.to <= at) {
      return problem('schemaVersion', `No migration from settings version ${at}.`)
    }
    doc = step.migrate(doc)
    at = step.to
  }

  const parsed = SettingsSchema.safeParse(doc)
  if (!parsed.success) {
    const issues = fieldIssues(parsed.error)
    const first = issues[0] ?? { path: '(settings)', message: 'Invalid settings.' }
    return { ok: false, problem: { field: first.path, message: first.message, issues } }
  }
  return {
    ok: true,
    settings: parsed.data,
    migratedFrom: version === currentVersion ? null : version,
  }
}
