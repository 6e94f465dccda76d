import {
  DEFAULT_AUTHENTIK_VERSION,
  supportedAuthentikVersions,
  type Settings,
  type SettingsInput,
} from '../../../../shared/settings'
import type { FormField } from '../form-field'

/** The Settings panel's form: flat, one entry per input, strings where the admin types. */
export function emptySettingsForm() {
  return {
    baseDomain: '',
    adminEmail: '',
    smtpHost: '',
    smtpPort: 587 as number | null,
    smtpUsername: '',
    smtpPassword: '',
    smtpFrom: '',
    smtpTls: 'starttls' as 'none' | 'starttls' | 'tls',
    authentikVersion: DEFAULT_AUTHENTIK_VERSION as string,
    dataFolder: '',
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
    dockerEndpoint: '',
    authentikUrl: '',
    traefikDynamicConfig: '',
    publishSetupPort: false,
    project: 'authentik',
    imagePostgresql: '',
    imageRedis: '',
    imageAuthentik: '',
  }
}
export type SettingsForm = ReturnType<typeof emptySettingsForm>
export type SettingsFormKey = keyof SettingsForm

/** The stored settings as the form shows them (the SMTP password is never read back). */
export function formFromSettings(s: Settings): Omit<SettingsForm, 'smtpPassword'> {
  return {
    baseDomain: s.baseDomain,
    adminEmail: s.adminEmail,
    smtpHost: s.smtp.host,
    smtpPort: s.smtp.port,
    smtpUsername: s.smtp.username,
    smtpFrom: s.smtp.from,
    smtpTls: s.smtp.tls,
    authentikVersion: s.authentikVersion,
    dataFolder: s.dataFolder,
    timezone: s.timezone,
    dockerEndpoint: s.docker.endpoint ?? '',
    authentikUrl: s.authentikUrl ?? '',
    traefikDynamicConfig: s.traefikDynamicConfig ?? '',
    publishSetupPort: s.publishSetupPort,
    project: s.project,
    imagePostgresql: s.imageOverrides?.postgresql ?? '',
    imageRedis: s.imageOverrides?.redis ?? '',
    imageAuthentik: s.imageOverrides?.authentik ?? '',
  }
}

/** The form as the contract's input: trimmed, optional parts left out when empty. */
export function settingsInput(form: SettingsForm): SettingsInput {
  const overrides = {
    ...(form.imagePostgresql ? { postgresql: form.imagePostgresql } : {}),
    ...(form.imageRedis ? { redis: form.imageRedis } : {}),
    ...(form.imageAuthentik ? { authentik: form.imageAuthentik } : {}),
  }
  return {
    baseDomain: form.baseDomain.trim(),
    adminEmail: form.adminEmail.trim(),
    smtp: {
      host: form.smtpHost.trim(),
      port: form.smtpPort ?? Number.NaN,
      username: form.smtpUsername.trim(),
      from: form.smtpFrom.trim(),
      tls: form.smtpTls,
    },
    authentikVersion: form.authentikVersion as SettingsInput['authentikVersion'],
    dataFolder: form.dataFolder.trim(),
    timezone: form.timezone.trim(),
    docker: form.dockerEndpoint.trim() ? { endpoint: form.dockerEndpoint.trim() } : {},
    publishSetupPort: form.publishSetupPort,
    ...(form.authentikUrl.trim() ? { authentikUrl: form.authentikUrl.trim() } : {}),
    ...(form.traefikDynamicConfig.trim()
      ? { traefikDynamicConfig: form.traefikDynamicConfig.trim() }
      : {}),
    project: form.project.trim(),
    ...(Object.keys(overrides).length ? { imageOverrides: overrides } : {}),
  }
}

/**
 * One input of the Settings form. `path` is where the schema reports its errors ("smtp.port"),
 * `testid` is `f-<testid>` in the page.
 */
export interface SettingsField extends FormField {
  key: SettingsFormKey
  path: string
  testid: string
  kind?: 'text' | 'number' | 'select' | 'password' | 'switch'
}

/** Fields drawn in `cols` equal columns (default one). */
export interface SettingsBlock {
  fields: SettingsField[]
  cols: number
  gap?: number
}

const versionOptions = supportedAuthentikVersions.map((v) => ({
  label: v === DEFAULT_AUTHENTIK_VERSION ? `${v} (recommended for new stacks)` : v,
  value: v,
}))
const tlsOptions = [
  { label: 'STARTTLS (port 587)', value: 'starttls' },
  { label: 'TLS (port 465)', value: 'tls' },
  { label: 'None (plain SMTP)', value: 'none' },
]

export const stackFields: SettingsField[] = [
  {
    key: 'baseDomain',
    path: 'baseDomain',
    label: 'Base domain',
    testid: 'baseDomain',
    help: 'Authentik will answer at auth.<domain>.',
    placeholder: 'example.com',
  },
  {
    key: 'adminEmail',
    path: 'adminEmail',
    label: 'Admin e-mail',
    testid: 'adminEmail',
    placeholder: 'admin@example.com',
  },
  {
    key: 'authentikVersion',
    path: 'authentikVersion',
    label: 'Authentik version',
    testid: 'version',
    kind: 'select',
    options: versionOptions,
  },
  {
    key: 'timezone',
    path: 'timezone',
    label: 'Time zone',
    testid: 'timezone',
    placeholder: 'Europe/Berlin',
  },
  {
    key: 'dataFolder',
    path: 'dataFolder',
    label: 'Data folder',
    testid: 'dataFolder',
    help: 'Absolute folder on the Docker host for data, certs and templates.',
    placeholder: '/volume1/docker/authentik',
  },
  { key: 'project', path: 'project', label: 'Stack name', testid: 'project' },
]

export const publishField: SettingsField = {
  key: 'publishSetupPort',
  path: 'publishSetupPort',
  label: 'Publish port 9000 on 127.0.0.1 (setup before DNS and Traefik work)',
  testid: 'publishSetupPort',
  kind: 'switch',
}

export const smtpFields: SettingsField[] = [
  {
    key: 'smtpHost',
    path: 'smtp.host',
    label: 'SMTP host',
    testid: 'smtpHost',
    placeholder: 'smtp.example.com',
  },
  {
    key: 'smtpPort',
    path: 'smtp.port',
    label: 'Port',
    testid: 'smtpPort',
    kind: 'number',
    buttons: false,
  },
  { key: 'smtpUsername', path: 'smtp.username', label: 'User name', testid: 'smtpUsername' },
  {
    key: 'smtpPassword',
    path: 'password',
    label: 'Password',
    testid: 'smtpPassword',
    kind: 'password',
    help: 'Stored in the OS keychain. Leave empty to keep the stored one.',
  },
  {
    key: 'smtpFrom',
    path: 'smtp.from',
    label: 'From address',
    testid: 'smtpFrom',
    placeholder: 'authentik@example.com',
  },
  {
    key: 'smtpTls',
    path: 'smtp.tls',
    label: 'Encryption',
    testid: 'smtpTls',
    kind: 'select',
    options: tlsOptions,
  },
]

export const connectionFields: SettingsField[] = [
  {
    key: 'dockerEndpoint',
    path: 'docker.endpoint',
    label: 'Docker endpoint',
    testid: 'dockerEndpoint',
    help: 'Empty: DOCKER_HOST, then the local socket.',
    placeholder: 'unix:///var/run/docker.sock',
  },
  {
    key: 'authentikUrl',
    path: 'authentikUrl',
    label: 'Authentik API address',
    testid: 'authentikUrl',
    help: 'Empty: http://127.0.0.1:9000 when the setup port is published, else https://auth.<domain>.',
    placeholder: 'http://nas.lan:9000',
  },
  {
    key: 'traefikDynamicConfig',
    path: 'traefikDynamicConfig',
    label: 'Traefik dynamic configuration',
    testid: 'traefikDynamicConfig',
    help: 'Optional: the dynamic_config.yml of Traefik’s file provider, where R2/R10 add the authentik middlewares.',
    placeholder: '/volume1/docker/traefik/dynamic_config.yml',
  },
]

export const imageFields: SettingsField[] = [
  {
    key: 'imagePostgresql',
    path: 'imageOverrides.postgresql',
    label: 'PostgreSQL image',
    testid: 'imagePostgresql',
    placeholder: 'postgres:16-alpine',
  },
  {
    key: 'imageRedis',
    path: 'imageOverrides.redis',
    label: 'Redis image (2025.6 only)',
    testid: 'imageRedis',
    placeholder: 'redis:alpine',
  },
  {
    key: 'imageAuthentik',
    path: 'imageOverrides.authentik',
    label: 'Authentik image',
    testid: 'imageAuthentik',
    placeholder: 'ghcr.io/goauthentik/server:<version>',
  },
]

/** The Settings panel's cards and the advanced section, top to bottom. */
export const settingsCards: { title: string; blocks: SettingsBlock[] }[] = [
  {
    title: 'Stack',
    blocks: [
      { fields: stackFields, cols: 2 },
      { fields: [publishField], cols: 1 },
    ],
  },
  { title: 'E-mail (SMTP)', blocks: [{ fields: smtpFields, cols: 2 }] },
]
export const advancedBlocks: SettingsBlock[] = [
  { fields: connectionFields, cols: 1 },
  { fields: imageFields, cols: 3, gap: 16 },
]
