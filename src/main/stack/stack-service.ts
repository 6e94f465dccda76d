import type { HostSecretSource } from '../ssh/pool'
import type { z } from 'zod'
import type { contract, SecretName, StackOperation, StackStatus } from '../../shared/contract'
import { GatehouseError } from '../../shared/errors'
import type { EventBus } from '../core/event-bus'
import { containerName } from '../docker/compose'
import { exec } from '../docker/exec'
import * as lifecycle from '../docker/lifecycle'
import { engineForSettings } from '../docker/host-engine'
import { removeVolumes } from '../docker/volumes'
import type { SettingsStore } from '../settings/store'
import type { BuildOptions } from './catalogue'
import { createOperationRunner, type Emit } from './operation-runner'
import { assertExportFolder } from './export-folder'
import {
  defaultExportFolder,
  describeStack,
  prepareDataFolder,
  stackContext,
  type StackContext,
} from './stack-context'
import { followLogsWhileWatched, followStackLogs, stackLogs } from './stack-logs'
import type { SecretUse, StackSecretSource } from './stack-secrets'

export type { StackSecretSource } from './stack-secrets'
export { defaultExportFolder } from './stack-context'

export interface StackServiceOptions {
  settings: SettingsStore
  secrets: StackSecretSource
  bus: EventBus
  /** Tests shorten health waits; Authentik's first start (migrations) needs minutes. */
  healthTimeoutMs?: number
  /** Default engine endpoint when the settings name none (DOCKER_HOST, then the OS default). */
  dockerEndpoint?: string
  /** The Docker host's SSH key / TLS key (#15). */
  hostSecrets?: HostSecretSource
  /** Catalogue options; tests name their own reverse-proxy network. */
  build?: BuildOptions
  /** Where adoption writes the secrets it read from a running stack (#15). */
  secretWriter?: { set(name: SecretName, value: string): Promise<void> }
}

type Stack = typeof contract.stack
/** A contract method's parsed input and its output, as the service takes and returns them. */
type In<K extends keyof Stack> = z.output<Stack[K]['input']>
type Out<K extends keyof Stack> = Promise<z.output<Stack[K]['output']>>

/** Which operations write the secrets (and therefore generate missing ones first). */
const secretUse: Record<StackOperation, SecretUse> = {
  up: 'generate',
  restart: 'generate',
  stop: 'none',
  down: 'none',
  remove: 'none',
}

/**
 * The R0 stack as one service, shaped like `contract.stack`: each method takes the parsed
 * contract input and returns the contract output, so a host binds the object as it is. Settings +
 * keychain secrets (each read once per operation) → the catalogue's StackSpec → the Docker
 * lifecycle. One operation at a time; every step is streamed on `stack.progress`. Live logs run
 * while someone listens to `stack.logs`; `dispose()` closes them.
 */
export function createStackService(options: StackServiceOptions) {
  const context = (use: SecretUse) => stackContext(options, use)
  const health = options.healthTimeoutMs ? { healthTimeoutMs: options.healthTimeoutMs } : {}

  const runner = createOperationRunner(options.bus)
  /** The engine the saved settings name, or the default one before there are settings. */
  const engineNow = async () => {
    const saved = await options.settings.load().catch(() => null)
    return engineForSettings({
      docker: saved?.docker,
      ...(options.hostSecrets ? { secrets: options.hostSecrets } : {}),
      ...(options.dockerEndpoint ? { fallbackEndpoint: options.dockerEndpoint } : {}),
    })
  }
  const run = <T>(
    operation: StackOperation,
    work: (ctx: StackContext, emit: Emit) => Promise<T>,
  ): Promise<T> => runner(operation, () => context(secretUse[operation]), work)

  const followAll = async () => followStackLogs(await context('none'), options.bus)
  const stopFollowing = followLogsWhileWatched(options.bus, followAll)

  return {
    async status(_input: In<'status'> = {}): Out<'status'> {
      const settings = await options.settings.load()
      if (!settings) return { configured: false }
      return describeStack(await stackContext(options, 'look', settings))
    },

    up: (_input: In<'up'> = {}): Out<'up'> =>
      run('up', async (ctx, emit) => {
        // An adopted stack (#15) is started as it is while its settings are unchanged.
        const { keepAdoptedAsIs, readAdoptionRecord } = await import('./adopt')
        const record = await readAdoptionRecord(options.settings.path)
        if (await keepAdoptedAsIs(ctx.engine, record, ctx.settings)) {
          await lifecycle.startExisting(ctx.engine, ctx.spec, { onProgress: emit, ...health })
          return describeStack(ctx)
        }
        await prepareDataFolder(ctx, options.hostSecrets)
        // An upgrade can drop a service (Redis after 2025.10): remove its container first.
        await lifecycle.removeOrphans(ctx.engine, ctx.spec, { onProgress: emit })
        await lifecycle.up(ctx.engine, ctx.spec, { onProgress: emit, ...health })
        return describeStack(ctx)
      }),

    stop: (_input: In<'stop'> = {}): Out<'stop'> =>
      run('stop', async (ctx, emit) => {
        await lifecycle.stop(ctx.engine, ctx.spec, { onProgress: emit })
        return statusAfter(ctx)
      }),

    restart: (_input: In<'restart'> = {}): Out<'restart'> =>
      run('restart', async (ctx, emit) => {
        await lifecycle.restart(ctx.engine, ctx.spec, { onProgress: emit, ...health })
        return describeStack(ctx)
      }),

    down: (_input: In<'down'> = {}): Out<'down'> =>
      run('down', async (ctx, emit) => {
        const result = await lifecycle.down(ctx.engine, ctx.spec, { onProgress: emit })
        return { removed: [...result.removed] }
      }),

    /** Destroys the database: only when the admin typed the project name. */
    removeVolumes: ({ confirm }: In<'removeVolumes'>): Out<'removeVolumes'> =>
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

    async logs({ service, tail }: In<'logs'>): Out<'logs'> {
      return stackLogs(await context('none'), service, tail)
    },

    async testEmail({ to }: In<'testEmail'>): Out<'testEmail'> {
      const ctx = await context('none')
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

    /**
     * Writes what Start would run. Missing secrets are generated first, as Start does: an export
     * holds the values the stack will use, never a stand-in (compose-export refuses one).
     */
    async export({ folder: chosen }: In<'export'> = {}): Out<'export'> {
      if (chosen !== undefined) assertExportFolder(chosen)
      const ctx = await context('generate')
      const folder = chosen ?? defaultExportFolder(ctx.settings)
      // Loaded here: the YAML writer costs every other stack command ~25 ms of start-up (#16).
      const [{ exportStack }, { hostFilesFor }, { localFiles }] = await Promise.all([
        import('./compose-export'),
        import('../hostfs/host-files-for'),
        import('../hostfs/local-files'),
      ])
      // The default lands next to the data on the Docker host (the NAS over SFTP when remote),
      // where compose would run it; a folder the admin chose is on this computer.
      const files =
        chosen === undefined
          ? await hostFilesFor(ctx.settings.docker, options.hostSecrets, 'the export folder')
          : localFiles()
      const result = await exportStack({ ...ctx.spec, workingDir: folder }, folder, files)
      return {
        composeFile: result.composeFile,
        envFile: result.envFile,
        where: result.where,
        warning: result.warning,
      }
    },

    /** Compose projects on the engine that run Authentik and could be adopted (#15). */
    async adoptable(_input: In<'adoptable'> = {}): Out<'adoptable'> {
      const { findAdoptableStacks } = await import('./adopt')
      return { stacks: await findAdoptableStacks(await engineNow()) }
    },

    /**
     * Takes over a running compose stack: its settings and secrets as they are (nothing
     * rotated, nothing recreated); the first Start afterwards only starts what is stopped.
     */
    async adopt(input: In<'adopt'>): Out<'adopt'> {
      if (input.confirm !== input.project)
        throw new GatehouseError({
          code: 'CONFIRMATION_MISMATCH',
          message: `Type the project name "${input.project}" to adopt it.`,
          hint: 'Adoption replaces Gatehouse’s settings with what the running stack uses.',
        })
      const { planAdoption, settingsFingerprint, writeAdoptionRecord } = await import('./adopt')
      const saved = await options.settings.load().catch(() => null)
      const plan = await planAdoption(await engineNow(), input.project, {
        saved,
        baseDomain: input.baseDomain,
        adminEmail: input.adminEmail,
      })
      if (!options.secretWriter)
        throw new GatehouseError({
          code: 'INTERNAL',
          message: 'Adoption has no keychain to write to.',
          hint: 'Report this; nothing was changed.',
        })
      for (const [name, value] of plan.secrets) await options.secretWriter.set(name, value)
      await options.settings.save(plan.settings)
      const written = (await options.settings.load()) ?? plan.settings
      await writeAdoptionRecord(options.settings.path, {
        project: plan.stack.project,
        adoptedAt: new Date().toISOString(),
        settingsFingerprint: settingsFingerprint(written),
        containers: plan.containers,
      })
      return {
        project: plan.stack.project,
        authentikVersion: written.authentikVersion,
        dataFolder: written.dataFolder,
        secretsStored: [...plan.secrets.keys()],
      }
    },

    /** Closes the live log streams (hosts call it when they shut down). */
    dispose: (): Promise<void> => stopFollowing(),
  }

  /**
   * Status after Stop. Stop reads no secret, so its spec holds stand-ins; the status (which
   * compares environments) reads them now, once.
   */
  async function statusAfter(ctx: StackContext): Promise<StackStatus> {
    return describeStack(await stackContext(options, 'look', ctx.settings))
  }
}

export type StackService = ReturnType<typeof createStackService>
