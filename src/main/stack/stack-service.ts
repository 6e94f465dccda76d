import { randomUUID } from 'node:crypto'
import { access, constants, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type {
  LogLine,
  SecretName,
  StackOperation,
  StackStatus,
  StackStep,
} from '../../shared/contract'
import { GatehouseError } from '../../shared/errors'
import type { Settings } from '../../shared/settings'
import type { EventBus } from '../core/event-bus'
import { containerName } from '../docker/compose'
import { createDockerEngine, type DockerEngine } from '../docker/engine'
import { exec } from '../docker/exec'
import * as lifecycle from '../docker/lifecycle'
import { followLogs, tailLogs, type LogFollower } from '../docker/logs'
import { removeVolumes } from '../docker/volumes'
import type { SettingsStore } from '../settings/store'
import { buildStack, type BuildOptions, type StackSecrets } from './catalogue'
import { exportStack } from './compose-export'
import { assertExportFolder } from './export-folder'
import type { StackSpec } from '../docker/model'
import { publicAuthentikUrl, setupUrl } from '../settings/addresses'

const NOT_GENERATED = 'not-generated-yet'

/** The part of the keychain store the stack needs. */
export interface StackSecretSource {
  ensure(name: SecretName): Promise<string>
  get(name: SecretName): Promise<string | null>
}

export interface StackServiceOptions {
  settings: SettingsStore
  secrets: StackSecretSource
  bus: EventBus
  /** Tests shorten health waits; Authentik's first start (migrations) needs minutes. */
  healthTimeoutMs?: number
  /** Default engine endpoint when the settings name none (DOCKER_HOST, then the OS default). */
  dockerEndpoint?: string
  /** Catalogue options; tests name their own reverse-proxy network. */
  build?: BuildOptions
}

interface Context {
  settings: Settings
  engine: DockerEngine
  spec: StackSpec
}

/**
 * The R0 stack as one service: settings + keychain secrets → the version catalogue's StackSpec →
 * the Docker lifecycle. One operation at a time; every step is streamed on `stack.progress`.
 */
export function createStackService(options: StackServiceOptions) {
  let busy: StackOperation | null = null

  async function loadSettings(): Promise<Settings> {
    const settings = await options.settings.load()
    if (!settings)
      throw new GatehouseError({
        code: 'STACK_NOT_CONFIGURED',
        message: 'The stack has no settings yet.',
        hint: 'Fill in the first-run form in Settings (base domain, admin e-mail, SMTP), then start again.',
      })
    return settings
  }

  function engineFor(settings: Settings): DockerEngine {
    return createDockerEngine({ endpoint: settings.docker.endpoint ?? options.dockerEndpoint })
  }

  /**
   * Secrets are generated on the first Start and then always read back from the keychain. Reads
   * that only look (status, logs, export) never generate: a secret that does not exist yet gets a
   * placeholder, which can only make the status say "changed", never reach a container.
   */
  async function stackSecrets(generate: boolean): Promise<StackSecrets> {
    const read = (name: SecretName) =>
      generate
        ? options.secrets.ensure(name)
        : options.secrets.get(name).then((v) => v ?? NOT_GENERATED)
    const smtpPassword = await options.secrets.get('smtpPassword')
    return {
      postgresPassword: await read('postgresPassword'),
      authentikSecretKey: await read('authentikSecretKey'),
      bootstrapPassword: await read('bootstrapPassword'),
      bootstrapToken: await read('bootstrapToken'),
      ...(smtpPassword ? { smtpPassword } : {}),
    }
  }

  /** Only operations that create containers (up, restart) generate missing secrets. */
  async function context(generate = false): Promise<Context> {
    const settings = await loadSettings()
    const engine = engineFor(settings)
    const spec = buildStack(settings, await stackSecrets(generate), options.build)
    return { settings, engine, spec }
  }

  /**
   * Bind-mount folders must exist and be writable before any container is created; otherwise
   * Docker would create them as root-owned empty folders and Authentik would fail much later.
   * Only checkable when the engine runs on this machine.
   */
  async function prepareDataFolder(ctx: Context) {
    if (ctx.engine.endpoint.kind === 'tcp') return
    const folders = new Set<string>()
    for (const service of ctx.spec.services)
      for (const mount of service.mounts)
        if (mount.type === 'bind' && mount.source.startsWith(ctx.settings.dataFolder))
          folders.add(mount.source)
    try {
      await mkdir(ctx.settings.dataFolder, { recursive: true })
      await access(ctx.settings.dataFolder, constants.W_OK)
      for (const folder of folders) await mkdir(folder, { recursive: true })
    } catch (error) {
      throw new GatehouseError({
        code: 'DATA_FOLDER_NOT_WRITABLE',
        message: `Gatehouse cannot create or write the data folder ${ctx.settings.dataFolder} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
        hint: 'Choose a folder you own in Settings, or fix its permissions (e.g. `sudo chown -R $USER <folder>`). No container was created.',
        details: { folder: ctx.settings.dataFolder },
      })
    }
  }

  async function describe(ctx: Context): Promise<StackStatus> {
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

  /** Runs one operation at a time and streams started → steps → finished/failed. */
  async function run<T>(
    operation: StackOperation,
    work: (ctx: Context, emit: (event: StackStep) => void) => Promise<T>,
  ): Promise<T> {
    if (busy)
      throw new GatehouseError({
        code: 'STACK_BUSY',
        message: `The stack is busy (${busy} is running).`,
        hint: 'Wait until it finishes; its progress is shown on the Dashboard.',
      })
    busy = operation
    const runId = randomUUID()
    const emit = (event: StackStep) =>
      options.bus.emit('stack.progress', { operation, runId, event })
    try {
      emit({ step: 'started' })
      const result = await work(await context(operation === 'up' || operation === 'restart'), emit)
      emit({ step: 'finished' })
      return result
    } catch (error) {
      const data =
        error instanceof GatehouseError
          ? error.toData()
          : {
              code: 'INTERNAL' as const,
              message: `${operation} failed unexpectedly.`,
              hint: 'See the log file.',
            }
      emit({ step: 'failed', error: data })
      throw error
    } finally {
      busy = null
    }
  }

  return {
    async status(): Promise<StackStatus> {
      const settings = await options.settings.load()
      if (!settings) return { configured: false }
      return describe(await context())
    },

    up: () =>
      run('up', async (ctx, emit) => {
        await prepareDataFolder(ctx)
        // An upgrade can drop a service (Redis after 2025.10): remove its container first.
        await lifecycle.removeOrphans(ctx.engine, ctx.spec, { onProgress: emit })
        await lifecycle.up(ctx.engine, ctx.spec, {
          onProgress: emit,
          ...(options.healthTimeoutMs ? { healthTimeoutMs: options.healthTimeoutMs } : {}),
        })
        return describe(ctx)
      }),

    stop: () =>
      run('stop', async (ctx, emit) => {
        await lifecycle.stop(ctx.engine, ctx.spec, { onProgress: emit })
        return describe(ctx)
      }),

    restart: () =>
      run('restart', async (ctx, emit) => {
        await lifecycle.restart(ctx.engine, ctx.spec, {
          onProgress: emit,
          ...(options.healthTimeoutMs ? { healthTimeoutMs: options.healthTimeoutMs } : {}),
        })
        return describe(ctx)
      }),

    down: () =>
      run('down', async (ctx, emit) => {
        const result = await lifecycle.down(ctx.engine, ctx.spec, { onProgress: emit })
        return { removed: [...result.removed] }
      }),

    /** Destroys the database: only when the admin typed the project name. */
    removeVolumes: (confirm: string) =>
      run('remove', async (ctx, emit) => {
        if (confirm !== ctx.spec.project)
          throw new GatehouseError({
            code: 'CONFIRMATION_MISMATCH',
            message: `Nothing was removed: the confirmation must be the stack name "${ctx.spec.project}".`,
            hint: `Type ${ctx.spec.project} exactly to remove the volumes ${ctx.spec.volumes.join(', ')} and everything in them.`,
          })
        const down = await lifecycle.down(ctx.engine, ctx.spec, { onProgress: emit })
        const removed = await removeVolumes(ctx.engine, ctx.spec.project, ctx.spec.volumes)
        return {
          removedContainers: [...down.removed],
          removedVolumes: removed.filter((r) => r.removed).map((r) => r.name),
        }
      }),

    async logs(service: string | undefined, tail: number): Promise<{ lines: LogLine[] }> {
      const ctx = await context()
      const names = service ? [requireService(ctx, service)] : ctx.spec.services.map((s) => s.name)
      const lines: LogLine[] = []
      const existing = new Set(
        (await lifecycle.status(ctx.engine, ctx.spec))
          .filter((s) => s.exists)
          .map((s) => s.service),
      )
      for (const name of names) {
        if (!existing.has(name)) continue
        for (const line of await tailLogs(ctx.engine, containerName(ctx.spec.project, name), {
          tail,
          timestamps: true,
        }))
          lines.push({ service: name, ...line })
      }
      // Interleave services by time, as `docker-compose logs` does.
      lines.sort((a, b) => (a.time ?? '').localeCompare(b.time ?? ''))
      return { lines }
    },

    /**
     * Follows every service while anyone listens to `stack.logs`. A container's log stream ends
     * when it stops (Stop, Restart, a recreate), so each service re-attaches from where it left
     * off until the last listener leaves.
     */
    async followAll(): Promise<() => Promise<void>> {
      const ctx = await context()
      let active = true
      let wake: () => void = () => undefined
      const current = new Set<LogFollower>()
      const loops = ctx.spec.services.map(async (service) => {
        const container = containerName(ctx.spec.project, service.name)
        let since = Math.floor(Date.now() / 1000)
        while (active) {
          try {
            const follower = await followLogs(ctx.engine, container, {
              tail: 'all',
              since,
              timestamps: true,
              onLines: (lines) =>
                options.bus.emit('stack.logs', {
                  lines: lines.map((l) => ({ service: service.name, ...l })),
                }),
            })
            current.add(follower)
            await follower.done
            current.delete(follower)
            // Resume one second later than the stream ended: the engine's `since` is in seconds.
            since = Math.floor(Date.now() / 1000)
          } catch {
            // No container yet (before the first Start) or the engine is away: try again shortly.
          }
          if (active) await new Promise<void>((r) => ((wake = r), setTimeout(r, 1000)))
        }
      })
      return async () => {
        active = false
        wake()
        await Promise.all([...current].map((f) => f.close()))
        await Promise.all(loops)
      }
    },

    async testEmail(to: string) {
      const ctx = await context()
      const worker = containerName(ctx.spec.project, 'worker')
      const status = (await lifecycle.status(ctx.engine, ctx.spec)).find(
        (s) => s.service === 'worker',
      )
      if (status?.state !== 'running')
        throw new GatehouseError({
          code: 'SERVICE_NOT_RUNNING',
          message: 'The Authentik worker is not running, so the e-mail test cannot run.',
          hint: 'Start the stack on the Dashboard, wait until the worker is healthy, then try again.',
        })
      const result = await exec(ctx.engine, worker, ['ak', 'test_email', to], { timeoutMs: 90_000 })
      const output = [result.stdout, result.stderr]
        .filter((s) => s.trim())
        .join('\n')
        .trim()
      return { ok: result.exitCode === 0, exitCode: result.exitCode, output }
    },

    async export(chosen: string | undefined) {
      if (chosen !== undefined) assertExportFolder(chosen)
      const ctx = await context()
      const folder = chosen ?? defaultExportFolder(ctx.settings)
      const result = await exportStack({ ...ctx.spec, workingDir: folder }, folder)
      return { composeFile: result.composeFile, envFile: result.envFile, warning: result.warning }
    },
  }

  function requireService(ctx: Context, service: string): string {
    if (!ctx.spec.services.some((s) => s.name === service))
      throw new GatehouseError({
        code: 'VALIDATION_FAILED',
        message: `The stack has no service "${service}".`,
        hint: `Choose one of ${ctx.spec.services.map((s) => s.name).join(', ')}.`,
      })
    return service
  }
}

export type StackService = ReturnType<typeof createStackService>

/** Where the compose export goes when the admin does not choose: beside the data. */
export function defaultExportFolder(settings: Settings): string {
  return join(settings.dataFolder, 'compose')
}
