import { releaseOf, supportedAuthentikVersions } from '../../shared/authentik-releases'
import type {
  UpgradeInput,
  UpgradePlan as ContractPlan,
  UpgradeResult,
} from '../../shared/contract'
import { GatehouseError } from '../../shared/errors'
import type { AuthentikVersion, Settings } from '../../shared/settings'
import type { AuthentikConnector } from '../authentik/connect'
import { containerName } from '../docker/compose'
import type { DockerEngine } from '../docker/engine'
import { localImageId } from '../docker/pull'
import type { HostFiles } from '../hostfs/host-files'
import { engineForSettings } from '../docker/host-engine'
import { loadSettings, type ContextSources } from '../stack/stack-context'
import { readStackSecrets } from '../stack/stack-secrets'
import type { EventBus } from '../core/event-bus'
import { applyUpgrade, type MakeVerifiedBackup } from './apply'
import { engineUpgradeDeps } from './engine-deps'
import { planUpgrade } from './plan'

/**
 * The `upgrade` contract domain: reads where the stack is, plans, and applies with the engine,
 * the Docker host's files, Authentik's API and the settings store. The verified backup is
 * injected; without one, apply refuses in its pre-flight (nothing stops).
 */

export interface UpgradeServiceOptions {
  /** The settings store, keychain and engine options the stack service uses too. */
  readonly sources: ContextSources
  readonly saveSettings: (settings: Settings) => Promise<void>
  readonly hostFiles: (settings: Settings) => Promise<HostFiles>
  readonly connector: () => Promise<AuthentikConnector>
  readonly bus: EventBus
  /** #17's backup service; until the lead wires it, apply refuses with that reason. */
  readonly makeVerifiedBackup?: MakeVerifiedBackup
}

const noBackupYet: MakeVerifiedBackup = async () => ({
  ok: false,
  reason:
    'this build of Gatehouse has no backup service wired into the upgrade yet, and an upgrade is never started without a verified backup.',
})

/** The release that runs: the server container's image tag when it names one, else the settings. */
async function currentVersion(
  engine: DockerEngine,
  settings: Settings,
): Promise<{ version: string; source: 'running-image' | 'settings' }> {
  try {
    const info = await engine.api.getContainer(containerName(settings.project, 'server')).inspect()
    const tag = /:([0-9]{4}\.[0-9]+\.[0-9]+)$/.exec(info.Config.Image)?.[1]
    if (tag && releaseOf(tag)) return { version: tag, source: 'running-image' }
  } catch {
    // No server container (stopped and removed): the settings say what was installed.
  }
  return { version: settings.authentikVersion, source: 'settings' }
}

export function createUpgradeService(options: UpgradeServiceOptions) {
  const context = async () => {
    const { sources } = options
    const settings = await loadSettings(sources)
    const engine = await engineForSettings({
      docker: settings.docker,
      ...(sources.hostSecrets ? { secrets: sources.hostSecrets } : {}),
      ...(sources.dockerEndpoint ? { fallbackEndpoint: sources.dockerEndpoint } : {}),
    })
    return { settings, engine }
  }
  const plan = async (input: UpgradeInput | undefined) => {
    const ctx = await context()
    const current = await currentVersion(ctx.engine, ctx.settings)
    const target = (input?.target ?? supportedAuthentikVersions.at(-1)) as AuthentikVersion
    const planned = await planUpgrade(
      ctx.settings,
      current.version,
      {
        inspect: async (ref) => {
          if (!(await localImageId(ctx.engine, ref))) return null
          const image = await ctx.engine.api.getImage(ref).inspect()
          return { sizeBytes: image.Size }
        },
      },
      target,
    )
    return { ctx, plan: { ...planned, currentSource: current.source } }
  }

  return {
    async plan(input?: UpgradeInput): Promise<ContractPlan> {
      return (await plan(input)).plan
    },

    async apply(input?: UpgradeInput): Promise<UpgradeResult> {
      const { ctx, plan: planned } = await plan(input)
      if (planned.steps.length === 0)
        throw new GatehouseError({
          code: 'VALIDATION_FAILED',
          message: `Authentik ${planned.current} already is ${planned.target}: nothing to upgrade.`,
          hint: 'Choose a newer target, or nothing needs doing.',
        })
      const connector = await options.connector()
      const connection = await connector.connection()
      const deps = engineUpgradeDeps({
        engine: ctx.engine,
        settings: ctx.settings,
        // The running stack's secrets; never generated here (a missing one would not match the
        // database), so a gap fails the converge with the secret's name instead.
        secrets: await readStackSecrets(options.sources.secrets, 'look'),
        ...(options.sources.build ? { build: options.sources.build } : {}),
        files: () => options.hostFiles(ctx.settings),
        makeVerifiedBackup: options.makeVerifiedBackup ?? noBackupYet,
        saveSettings: options.saveSettings,
        authentikBaseUrl: async () => connection.baseUrl,
        token: connection.token,
        // Not read yet for the upgrade (#15's "Test connection" reads it over SSH): a warning.
        freeDiskBytes: async () => null,
        otherOutposts: async () => {
          const client = await connector.connect()
          const outposts = await client.rest.list<{ name?: string; managed?: string | null }>(
            '/outposts/instances/',
            undefined,
            'list the outposts',
          )
          return outposts
            .filter((o) => o.managed !== 'goauthentik.io/outposts/embedded')
            .map((o) => o.name ?? '(unnamed)')
        },
      })
      return applyUpgrade(planned, deps, (e) => options.bus.emit('upgrade.progress', e))
    },
  }
}
