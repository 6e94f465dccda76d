/**
 * The settings every test starts from (a first-run form filled in with example.test values), so a
 * test names only what it changes: `sampleSettings(join(dataDir, 'stack'), { authentikUrl })`.
 */
import type { SettingsInput } from '../../src/shared/settings'

export const SAMPLE_DOMAIN = 'example.test'

export function sampleSettings(
  dataFolder: string,
  overrides: Partial<SettingsInput> = {},
): SettingsInput {
  return {
    baseDomain: SAMPLE_DOMAIN,
    adminEmail: `admin@${SAMPLE_DOMAIN}`,
    smtp: { host: `smtp.${SAMPLE_DOMAIN}`, port: 587, from: `a@${SAMPLE_DOMAIN}`, tls: 'starttls' },
    dataFolder,
    timezone: 'UTC',
    ...overrides,
  }
}
