import { posix } from 'node:path'
import type { StackStatus } from '../../shared/contract'
import { GatehouseError } from '../../shared/errors'
import type { Settings } from '../../shared/settings'
import type { DockerEngine } from '../docker/engine'
import { engineForSettings } from '../docker/host-engine'
import { hostFilesFor } from '../hostfs/host-files-for'
import type { HostSecretSource } from '../ssh/pool'
import * as lifecycle from '../docker/lifecycle'
import type { StackSpec } from '../docker/model'
import { publicAuthentikUrl, setupUrl } from '../settings/addresses'
import type { SettingsStore } from '../settings/store'
import { buildStack, composeFolder, type BuildOptions } from './catalogue'
import { readStackSecrets, type SecretUse, type StackSecretSource } from './stack-secrets'

/**
 * What one stack operation works on: the saved settings, the engine they name, and the version
 * catalogue's StackSpec built from them and the keychain's secrets (read once per operation).
 */
export interface StackContext {
  readonly settings: Settings
  readonly engine: DockerEngine
  readonly spec: StackSpec
}

export interface ContextSources {
  readonly settings: SettingsStore
  readonly secrets: StackSecretSource
  /** Default engine endpoint when the settings name none (DOCKER_HOST, then the OS default). */
  readonly dockerEndpoint?: string
  /** The Docker host's SSH key / TLS key (#15); without it only the SSH agent works. */
  readonly hostSecrets?: HostSecretSource
  /** Catalogue options; tests name their own reverse-proxy network. */
  readonly build?: BuildOptions
}

/** Where the compose export goes when the admin does not choose (the containers' labels agree). */
export const defaultExportFolder = composeFolder

export async function loadSettings(sources: ContextSources): Promise<Settings> {
  const settings = await sources.settings.load()
  if (!settings)
    throw new GatehouseError({
      code: 'STACK_NOT_CONFIGURED',
      message: 'The stack has no settings yet.',
      hint: 'Fill in the first-run form in Settings (base domain, admin e-mail, SMTP), then start again.',
    })
  return settings
}

export async function stackContext(
  sources: ContextSources,
  use: SecretUse,
  known?: Settings,
): Promise<StackContext> {
  const settings = known ?? (await loadSettings(sources))
  const engine = await engineForSettings({
    docker: settings.docker,
    ...(sources.hostSecrets ? { secrets: sources.hostSecrets } : {}),
    ...(sources.dockerEndpoint ? { fallbackEndpoint: sources.dockerEndpoint } : {}),
  })
  const spec = buildStack(settings, await readStackSecrets(sources.secrets, use), sources.build)
  return { settings, engine, spec }
}

/** The contract's StackStatus of a configured stack. */
export async function describeStack(ctx: StackContext): Promise<StackStatus> {
  const services = await lifecycle.status(ctx.engine, ctx.spec)
  return {
    configured: true,
    project: ctx.spec.project,
    authentikVersion: ctx.settings.authentikVersion,
    authentikUrl: publicAuthentikUrl(ctx.settings),
    setupUrl: setupUrl(ctx.settings),
    services: [...services],
  }
}

/**
 * Bind-mount folders must exist and be writable before any container is created; otherwise
 * Docker would create them as root-owned empty folders and Authentik would fail much later.
 * They are made on the Docker host: this computer, or the NAS over SFTP as the SSH user (#15).
 * Over TCP with TLS there is no file access, and the engine creates them at Start.
 */
export async function prepareDataFolder(
  ctx: StackContext,
  hostSecrets?: HostSecretSource,
): Promise<void> {
  if (ctx.engine.endpoint.kind === 'tcp' || ctx.settings.docker.kind === 'tls') return
  const folders = new Set<string>()
  for (const service of ctx.spec.services)
    for (const mount of service.mounts)
      if (mount.type === 'bind' && mount.source.startsWith(ctx.settings.dataFolder))
        folders.add(mount.source)
  const files = await hostFilesFor(ctx.settings.docker, hostSecrets, 'the data folder')
  const root = ctx.settings.dataFolder
  try {
    await files.mkdirp(root)
    // Writable, proven by writing: over SFTP, mode bits alone do not say what the SSH user may do.
    const probe = posix.join(root, `.gatehouse-write-test-${process.pid}`)
    await files.writeFileAtomic(probe, 'ok\n')
    await files.remove(probe)
    for (const folder of folders) await files.mkdirp(folder)
  } catch (error) {
    const cause =
      error instanceof GatehouseError
        ? error.code
        : ((error as NodeJS.ErrnoException).code ?? 'error')
    throw new GatehouseError({
      code: 'DATA_FOLDER_NOT_WRITABLE',
      message: `Gatehouse cannot create or write the data folder ${root} on ${files.where} (${cause}).`,
      hint:
        files.where === 'this computer'
          ? 'Choose a folder you own in Settings, or fix its permissions (e.g. `sudo chown -R $USER <folder>`). No container was created.'
          : 'Choose a folder the SSH user owns in Settings, or give it to that user on the NAS (e.g. `sudo chown -R <ssh user> <folder>`). No container was created.',
      details: { folder: root, where: files.where },
    })
  }
}

export function requireService(spec: StackSpec, service: string): string {
  if (!spec.services.some((s) => s.name === service))
    throw new GatehouseError({
      code: 'VALIDATION_FAILED',
      message: `The stack has no service "${service}".`,
      hint: `Choose one of ${spec.services.map((s) => s.name).join(', ')}.`,
    })
  return service
}
