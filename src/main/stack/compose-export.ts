import { dirname, join, posix, resolve } from 'node:path'
import { stringify } from 'yaml'
import { GatehouseError } from '../../shared/errors'
import type { HostFiles } from '../hostfs/host-files'
import { localFiles } from '../hostfs/local-files'
import {
  unreadSecretVariables,
  type HealthcheckSpec,
  type Mount,
  type PortSpec,
  type ServiceSpec,
  type StackSpec,
} from '../docker/model'

/**
 * The same stack as `docker-compose.yml` + `.env`, for admins who also use the CLI.
 *
 * - Format '2.4': Debian's docker-compose 1.29 accepts it, and it is the last format that states
 *   `depends_on: condition: service_healthy`, `shm_size` and `start_period` officially (compose v2
 *   ignores the version key and reads the same file).
 * - Secrets (ServiceSpec.secretEnv) go only into `.env`; the YAML references them as ${VAR}.
 *   Every other `$` is written `$$`, so compose passes it through literally.
 * - compose 1.29 has no top-level `name:`; `.env` sets COMPOSE_PROJECT_NAME, which compose reads
 *   from the project folder (the folder of the YAML), so volumes become `<project>_<volume>` and the
 *   project network `<project>_default`, the names Gatehouse's lifecycle uses.
 */

export const COMPOSE_FILE_NAME = 'docker-compose.yml'
export const ENV_FILE_NAME = '.env'

export interface RenderedCompose {
  readonly composeYaml: string
  readonly dotEnv: string
}

export interface ExportResult {
  readonly composeFile: string
  readonly envFile: string
  /** Which machine holds the files: "this computer" or the NAS ("ssh://admin@nas:22"). */
  readonly where: string
  /** Show this to the admin: `.env` holds secrets. */
  readonly warning: string
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

function exportFailed(
  message: string,
  hint: string,
  details?: Record<string, unknown>,
): GatehouseError {
  return new GatehouseError({ code: 'EXPORT_FAILED', message, hint, details })
}

/** A literal for the YAML: compose interpolates `$`, so `$` becomes `$$`. */
const literal = (value: string) => value.replace(/\$/g, '$$$$')

/**
 * One value as a line of `.env` that python-dotenv 0.21 (compose 1.29) and compose v2's parser
 * read back identically. Unquoted when plain; single-quoted (literal in both, as long as it holds
 * no `'`, `\` or `${`); double-quoted with `\\` and `\"` when it holds no `$`. python-dotenv expands
 * `${…}` even inside single quotes and has no escape for it, so such values are refused.
 */
export function dotEnvValue(name: string, value: string): string {
  if (/^[A-Za-z0-9_@%+=,.:/-]*$/.test(value)) return value
  const control = /[\u0000-\u001f\u007f]/.test(value)
  if (!control && !value.includes('${') && !/['\\]/.test(value)) return `'${value}'`
  if (!control && !value.includes('$'))
    return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
  throw exportFailed(
    `The value of ${name} cannot be written to .env so that docker-compose reads it back unchanged.`,
    'Avoid line breaks, "${" and a "$" together with a quote or backslash in that value (an SMTP ' +
      'password, usually), then export again.',
    { variable: name },
  )
}

/** Secret env values become .env variables: one per distinct value, named after its first key. */
class SecretVariables {
  private readonly byValue = new Map<string, string>()
  readonly entries = new Map<string, string>()

  constructor(reserved: Iterable<[string, string]>) {
    for (const [name, value] of reserved) this.entries.set(name, value)
  }

  reference(service: string, key: string, value: string): string {
    let name = this.byValue.get(value)
    if (name === undefined) {
      name = this.entries.has(key)
        ? `${service.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_${key}`
        : key
      if (!ENV_NAME.test(name) || this.entries.has(name)) {
        throw exportFailed(
          `The secret variable ${key} of service ${service} cannot be given a unique .env name.`,
          'This is a bug in Gatehouse: please report it.',
          { service, variable: key },
        )
      }
      this.entries.set(name, value)
      this.byValue.set(value, name)
    }
    return `\${${name}}`
  }
}

function duration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`
}

function healthcheck(h: HealthcheckSpec): Record<string, unknown> {
  return {
    test: h.test.map(literal),
    interval: duration(h.intervalMs),
    timeout: duration(h.timeoutMs),
    retries: h.retries,
    start_period: duration(h.startPeriodMs),
  }
}

/** Short syntax on purpose: compose then uses Binds, which create a missing host folder. */
function volume(m: Mount): string {
  const ro = m.type === 'bind' && m.readOnly ? ':ro' : ''
  return literal(`${m.source}:${m.target}${ro}`)
}

function port(p: PortSpec): string {
  return p.hostIp ? `${p.hostIp}:${p.host}:${p.container}` : `${p.host}:${p.container}`
}

function serviceNetworks(spec: StackSpec, service: ServiceSpec): Record<string, unknown> {
  const networks: Record<string, unknown> = {}
  for (const n of service.networks) {
    let key: string
    if (n.name === 'default' || n.name === `${spec.project}_default`) key = 'default'
    else if (n.name === spec.externalNetwork) key = n.name
    else {
      throw exportFailed(
        `Service ${service.name} joins the network ${n.name}, which the export does not know.`,
        'This is a bug in Gatehouse: please report it.',
        { service: service.name, network: n.name },
      )
    }
    networks[key] = n.aliases.length ? { aliases: [...n.aliases] } : {}
  }
  return networks
}

function renderService(
  spec: StackSpec,
  service: ServiceSpec,
  secrets: SecretVariables,
): Record<string, unknown> {
  const secretKeys = new Set(service.secretEnv ?? [])
  const environment: Record<string, string> = {}
  for (const [key, value] of Object.entries(service.environment)) {
    environment[key] = secretKeys.has(key)
      ? secrets.reference(service.name, key, value)
      : literal(value)
  }
  const out: Record<string, unknown> = { image: literal(service.image) }
  if (service.command) out.command = service.command.map(literal)
  if (service.user !== undefined) out.user = literal(service.user)
  out.restart = service.restart
  if (service.shmSizeBytes !== undefined) out.shm_size = service.shmSizeBytes
  if (Object.keys(environment).length) out.environment = environment
  if (service.mounts.length) out.volumes = service.mounts.map(volume)
  if (service.ports.length) out.ports = service.ports.map(port)
  if (service.healthcheck) out.healthcheck = healthcheck(service.healthcheck)
  if (service.dependsOn.length) {
    out.depends_on = Object.fromEntries(
      service.dependsOn.map((d) => [d, { condition: 'service_healthy' }]),
    )
  }
  if (Object.keys(service.labels).length) {
    out.labels = Object.fromEntries(Object.entries(service.labels).map(([k, v]) => [k, literal(v)]))
  }
  if (service.networks.length) out.networks = serviceNetworks(spec, service)
  return out
}

/** Pure: both files as text. Throws EXPORT_FAILED when a value cannot be represented. */
export function renderCompose(spec: StackSpec): RenderedCompose {
  const secrets = new SecretVariables([['COMPOSE_PROJECT_NAME', spec.project]])
  const services: Record<string, unknown> = {}
  for (const service of spec.services)
    services[service.name] = renderService(spec, service, secrets)

  const doc: Record<string, unknown> = { version: '2.4', services }
  if (spec.volumes.length) doc.volumes = Object.fromEntries(spec.volumes.map((v) => [v, {}]))
  const usesExternal = spec.services.some((s) =>
    s.networks.some((n) => n.name === spec.externalNetwork),
  )
  if (usesExternal) doc.networks = { [spec.externalNetwork]: { external: true } }

  const composeYaml =
    '# Written by Gatehouse. Secrets are in .env next to this file (keep it private).\n' +
    `# Run from this folder: docker-compose up -d   (project "${spec.project}", set in .env)\n` +
    stringify(doc, { lineWidth: 0 })

  const lines = [
    '# Written by Gatehouse. This file holds SECRETS: keep it private (mode 0600), never commit or share it.',
  ]
  for (const [name, value] of secrets.entries) lines.push(`${name}=${dotEnvValue(name, value)}`)
  return { composeYaml, dotEnv: `${lines.join('\n')}\n` }
}

/**
 * Writes `docker-compose.yml` (0644: no secrets) and `.env` (0600) into `folder`, each atomically,
 * through `files`: this computer, or the NAS over SFTP (#15: by default the export lands next to
 * the data on the Docker host). `.env` goes first so a YAML never exists without the variables it
 * references.
 */
export async function exportStack(
  spec: StackSpec,
  folder: string,
  files: HostFiles = localFiles(),
): Promise<ExportResult> {
  // A stand-in for a secret not in the keychain must never reach a file compose would run.
  const unread = [...new Set(spec.services.flatMap((s) => unreadSecretVariables(s.environment)))]
  if (unread.length)
    throw exportFailed(
      `Nothing was exported: the secrets ${unread.sort().join(', ')} were not read from the keychain.`,
      'Export again; the export generates missing secrets before it writes anything.',
      { variables: unread },
    )
  const rendered = renderCompose(spec)
  // A NAS path is POSIX whatever this computer is.
  const paths = folder.startsWith('/') ? posix : { join, dirname, resolve }
  const composeFile = paths.join(folder, COMPOSE_FILE_NAME)
  const envFile = paths.join(folder, ENV_FILE_NAME)
  const created = await missingAncestors(files, paths, folder)
  try {
    await files.mkdirp(folder)
    await files.writeFileAtomic(envFile, rendered.dotEnv, { mode: 0o600 })
    await files.writeFileAtomic(composeFile, rendered.composeYaml, { mode: 0o644 })
  } catch (error) {
    // A failed export leaves nothing behind: the folders it made go again.
    for (const dir of created) await files.remove(dir, { recursive: true }).catch(() => undefined)
    const errno =
      error instanceof GatehouseError ? error.code : (error as { code?: unknown } | null)?.code
    throw exportFailed(
      `Could not write the export to ${folder} on ${files.where}${typeof errno === 'string' ? ` (${errno})` : ''}.`,
      files.where === 'this computer'
        ? 'Choose a folder your user may write to, with free space, and export again.'
        : 'Choose a folder the SSH user may write to on the NAS (or give it that user), with free space, and export again.',
      { folder, where: files.where, ...(typeof errno === 'string' ? { errno } : {}) },
    )
  }
  return {
    composeFile,
    envFile,
    where: files.where,
    warning:
      `${envFile} holds the stack's secrets (database password, secret key, bootstrap password ` +
      'and token, SMTP password). Only your user can read it; do not share it, commit it or copy it ' +
      'to a shared folder.',
  }
}

/** The folders `mkdir -p folder` would create, deepest first. */
async function missingAncestors(
  files: HostFiles,
  paths: { dirname(p: string): string; resolve(...p: string[]): string },
  folder: string,
): Promise<string[]> {
  const missing: string[] = []
  let dir = paths.resolve(folder)
  for (;;) {
    if (await files.stat(dir).catch(() => null)) return missing
    missing.push(dir)
    const parent = paths.dirname(dir)
    if (parent === dir) return missing
    dir = parent
  }
}
