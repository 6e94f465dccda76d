/**
 * The composition root: the only module that knows which service implements which part of the
 * contract, and the only one that reads Gatehouse's environment options. Hosts (Electron, the
 * browser host, the CLI) see the dispatcher, the bus and dispose().
 *
 * Each contract domain is loaded on its first call (dynamic `import()`), so a host asked one thing
 * loads only what that needs: `gatehouse docker ping` never loads the Authentik clients, the
 * keychain binding, the recipes or the integrations.
 */
import type { HostKind } from '../shared/contract'
import { GatehouseError } from '../shared/errors'
import { appInfo } from './app/app-info'
import { resolveDataDir } from './app/paths'
import { adapt, fromService } from './core/bind'
import { createDispatcher, type Dispatcher, type LazyHandlers } from './core/dispatcher'
import { createEventBus, type EventBus } from './core/event-bus'
import { forgetInOperation, oncePerOperation } from './core/operation'
import type { DockerEngine } from './docker/engine'
import type { AuthentikConnector } from './authentik/connect'
import type { CheckHttpOptions } from './integrations/checks/http'
import type { SecretStore } from './secrets/store'
import type { StackService } from './stack/stack-service'
import { createSettingsStore } from './settings/store'

export interface ServiceOptions {
  host: HostKind
  dataDir?: string
  /** Engine endpoint when the settings name none (tests); default DOCKER_HOST, then the OS default. */
  dockerEndpoint?: string
  statusIntervalMs?: number
  /** Tests use a throw-away keychain service name or an in-memory store. */
  secretStore?: SecretStore
  healthTimeoutMs?: number
  /** Tests: a reverse-proxy network of their own instead of `traefik`. */
  traefikNetwork?: string
  onInternalError?: (method: string, error: unknown) => void
  /** Integration live checks: timeout, and (tests only) where their requests really go. */
  integrationChecks?: CheckHttpOptions
  /** Where the GATEHOUSE_* options are read from (default: process.env); explicit options win. */
  env?: NodeJS.ProcessEnv
}

export interface Services {
  readonly dispatcher: Dispatcher
  readonly bus: EventBus
  readonly dataDir: string
  /** Stops monitors, closes log streams and event subscriptions; hosts call it on shutdown. */
  dispose(): Promise<void>
}

/**
 * The environment options every host honours, for tests and unusual setups (GATEHOUSE_DATA_DIR is
 * read by resolveDataDir itself):
 * - GATEHOUSE_KEYCHAIN_SERVICE: two installs side by side (or test runs) keep their secrets under
 *   a keychain service of their own instead of "gatehouse".
 * - GATEHOUSE_TRAEFIK_NETWORK: a reverse-proxy network other than `traefik`.
 * - GATEHOUSE_CHECK_BASE (tests only): every integration live check goes to one local server,
 *   keeping the original Host header. TLS verification is never relaxed.
 */
function environmentOptions(env: NodeJS.ProcessEnv) {
  return {
    keychainService: env.GATEHOUSE_KEYCHAIN_SERVICE || undefined,
    traefikNetwork: env.GATEHOUSE_TRAEFIK_NETWORK || undefined,
    checkBase: env.GATEHOUSE_CHECK_BASE || undefined,
  }
}

/** `load()` once, on first use; a failed load is tried again by the next caller. */
function lazy<T>(
  load: () => Promise<T>,
): (() => Promise<T>) & { loaded(): Promise<T | null> | null } {
  let loading: Promise<T> | null = null
  const get = () => {
    loading ??= load().catch((error: unknown) => {
      loading = null
      throw error
    })
    return loading
  }
  /** The value if a load was started (for dispose), without starting one. */
  return Object.assign(get, { loaded: () => loading?.catch(() => null) ?? null })
}

/**
 * The keychain as the services see it: loaded on first use, and each secret read once per
 * contract call (a recipe apply asks for the API token on every request it makes).
 */
function keychainPerOperation(load: () => Promise<SecretStore>): SecretStore {
  const key = (name: string) => `secret:${name}`
  return {
    get: (name) => oncePerOperation(key(name), async () => (await load()).get(name)),
    async set(name, value) {
      await (await load()).set(name, value)
      forgetInOperation(key(name), value)
    },
    async delete(name) {
      const removed = await (await load()).delete(name)
      forgetInOperation(key(name))
      return removed
    },
    async ensure(name) {
      const value = await (await load()).ensure(name)
      forgetInOperation(key(name), value)
      return value
    },
    status: async () => (await load()).status(),
  }
}

export function createServices(options: ServiceOptions): Services {
  const env = environmentOptions(options.env ?? process.env)
  const dataDir = options.dataDir ?? resolveDataDir()
  const bus = createEventBus()
  const settings = createSettingsStore(dataDir)
  const traefikNetwork = options.traefikNetwork ?? env.traefikNetwork
  const secrets = keychainPerOperation(
    lazy(async () => {
      if (options.secretStore) return options.secretStore
      // The keychain, or a clear VAULT_LOCKED when this data folder uses a vault (#21).
      const { defaultSecretStore } = await import('./secrets/choose-store')
      return defaultSecretStore(dataDir, env.keychainService)
    }),
  )

  const stackService = lazy(async (): Promise<StackService> => {
    // The stack's engine may be the NAS over SSH (#15).
    sshUsed = true
    const { createStackService } = await import('./stack/stack-service')
    return createStackService({
      settings,
      secrets,
      hostSecrets: secrets,
      secretWriter: secrets,
      bus,
      ...(options.healthTimeoutMs ? { healthTimeoutMs: options.healthTimeoutMs } : {}),
      ...(options.dockerEndpoint ? { dockerEndpoint: options.dockerEndpoint } : {}),
      ...(traefikNetwork ? { build: { traefikNetwork } } : {}),
    })
  })
  // One connector for every panel, recipe and the status/readiness service, so its client and
  // server-version caches are actually shared (a new connector per call would detect the server
  // version on every call).
  const connector = lazy(async (): Promise<AuthentikConnector> => {
    // With the NAS over SSH, Authentik's setup port is reached through a tunnel (#15).
    sshUsed = true
    const { createAuthentikConnector } = await import('./authentik/connect')
    return createAuthentikConnector({ settings, secrets })
  })
  const authentikService = lazy(async () => {
    const { createAuthentikService } = await import('./authentik/authentik-service')
    return createAuthentikService({ connector: await connector(), settings, secrets, bus })
  })
  const connect = async () => (await connector()).connectCached()
  const directory = lazy(async () => {
    const { directoryContext } = await import('./directory/session')
    return directoryContext(await connector())
  })

  /** Set once anything may have opened an SSH connection; dispose() closes them then. */
  let sshUsed = false
  /** The engine the settings name (or the default); a broken settings file must not hide Docker. */
  const currentEngine = async (): Promise<DockerEngine> => {
    const [{ engineForSettings }, saved] = await Promise.all([
      import('./docker/host-engine'),
      settings.load().catch(() => null),
    ])
    if (saved?.docker.kind === 'ssh') sshUsed = true
    return engineForSettings({
      docker: saved?.docker,
      secrets,
      ...(options.dockerEndpoint ? { fallbackEndpoint: options.dockerEndpoint } : {}),
    })
  }

  const handlers: LazyHandlers = {
    app: {
      info: async () => appInfo({ host: options.host, dataDir }),
    },
    docker: {
      ping: async () => (await currentEngine()).ping(),
    },
    // Settings → Docker host (#15): host-key scan, test connection, SSH/TLS keys in the keychain.
    hosts: async () => {
      sshUsed = true
      const { createHostService } = await import('./docker/host-service')
      return fromService(
        'hosts',
        createHostService({
          secrets,
          dataFolder: async () => (await settings.load().catch(() => null))?.dataFolder,
          ...(options.dockerEndpoint ? { fallbackEndpoint: options.dockerEndpoint } : {}),
        }),
      )
    },
    settings: {
      get: () => settings.load(),
      save: async (input) => (await settings.save(input)).settings,
    },
    secrets: {
      status: () => secrets.status(),
      reveal: async ({ name }) => {
        const value = await secrets.get(name)
        if (value === null)
          throw new GatehouseError({
            code: 'VALIDATION_FAILED',
            message: `The keychain holds no ${name} yet.`,
            hint: 'Gatehouse generates its secrets at the first Start of the stack.',
          })
        return { name, value }
      },
      setSmtpPassword: async ({ password }) => {
        await secrets.set('smtpPassword', password)
        return { stored: true as const }
      },
    },
    // Adapters below are the services whose methods still take positional arguments (their
    // owners are reshaping them); the directory and Traefik services are bound as they are.
    stack: async () => {
      const stack = await stackService()
      return adapt('stack', {
        status: (input) => stack.status(input),
        up: (input) => stack.up(input),
        stop: (input) => stack.stop(input),
        restart: (input) => stack.restart(input),
        down: (input) => stack.down(input),
        removeVolumes: (input) => stack.removeVolumes(input),
        logs: (input) => stack.logs(input),
        testEmail: (input) => stack.testEmail(input),
        export: (input) => stack.export(input),
        adoptable: (input) => stack.adoptable(input),
        adopt: (input) => stack.adopt(input),
      })
    },
    authentik: async () => {
      const authentik = await authentikService()
      return adapt('authentik', {
        status: () => authentik.status(),
        waitReady: ({ timeoutMs }) => authentik.waitReady(timeoutMs),
        connectExisting: (input) => authentik.connectExisting(input),
        inspectCertificate: () => authentik.inspectCertificate(),
        trustCertificate: ({ sha256 }) => authentik.trustCertificate(sha256),
      })
    },
    recipes: async () => {
      const [{ createRecipesService }, ak] = await Promise.all([
        import('./recipes/recipes-service'),
        connector(),
      ])
      const recipes = createRecipesService({
        connect,
        loadSettings: () => settings.load(),
        bus,
        dataDir,
        testEmail: async (to) => (await stackService()).testEmail({ to }),
        // R1 switches its own client's token mid-run, so it gets a fresh client, not the cached one.
        handover: { connect: () => ak.connect(), secrets },
      })
      return adapt('recipes', {
        adminHandoverPlan: (input) => recipes.adminHandoverPlan(input),
        adminHandoverApply: (input) => recipes.adminHandoverApply(input),
        list: async () => recipes.list(),
        plan: ({ id, params }) => recipes.plan(id, params),
        apply: (input) => recipes.apply(input),
        status: () => recipes.status(),
      })
    },
    users: async () => {
      const { createUsersService } = await import('./directory/users')
      return fromService('users', createUsersService(await directory()))
    },
    groups: async () => {
      const { createGroupsService } = await import('./directory/groups')
      return fromService('groups', createGroupsService(await directory()))
    },
    flows: async () => {
      const { createFlowsService } = await import('./directory/flows')
      return fromService('flows', createFlowsService(await directory()))
    },
    invitations: async () => {
      const { createInvitationsService } = await import('./directory/invitations')
      return fromService('invitations', createInvitationsService(await directory()))
    },
    events: async () => {
      const { createEventsService } = await import('./directory/events')
      return fromService('events', createEventsService(await directory()))
    },
    traefik: async () => {
      const [{ createTraefikService }, { hostFilesFor }] = await Promise.all([
        import('./traefik/traefik-service'),
        import('./hostfs/host-files-for'),
      ])
      // Traefik's file lives where Traefik runs: on the Docker host, over SFTP when that is the NAS.
      sshUsed = true
      return fromService(
        'traefik',
        createTraefikService({
          loadSettings: () => settings.load(),
          files: async () =>
            hostFilesFor((await settings.load())?.docker, secrets, 'Traefik’s configuration file'),
        }),
      )
    },
    // #17 upgrade planner; the verified backup is wired in when the backup service lands.
    upgrade: async () => {
      const { createUpgradeService } = await import('./upgrade/upgrade-service')
      const { hostFilesFor } = await import('./hostfs/host-files-for')
      sshUsed = true
      return fromService(
        'upgrade',
        createUpgradeService({
          sources: {
            settings,
            secrets,
            hostSecrets: secrets,
            ...(options.dockerEndpoint ? { dockerEndpoint: options.dockerEndpoint } : {}),
            ...(traefikNetwork ? { build: { traefikNetwork } } : {}),
          },
          saveSettings: async (next) => void (await settings.save(next)),
          hostFiles: (saved) =>
            hostFilesFor(
              saved.docker,
              secrets,
              'the uploads folder (the 2025.12 step moves media to data/media)',
            ),
          connector,
          bus,
        }),
      )
    },
    integrations: async () => {
      const [{ createIntegrationsService }, { rewriteToBase }] = await Promise.all([
        import('./integrations/integrations-service'),
        import('./integrations/checks/http'),
      ])
      const integrations = createIntegrationsService({
        connect,
        loadSettings: () => settings.load(),
        secrets,
        bus,
        dataDir,
        check: options.integrationChecks ?? { rewrite: rewriteToBase(env.checkBase) },
      })
      // Shaped like the contract: bound as it is.
      return integrations
    },
  }

  const stopMonitor = whileWatched(bus, 'docker.status', async () => {
    const { startDockerStatusMonitor } = await import('./docker/status-monitor')
    return startDockerStatusMonitor(currentEngine, bus, options.statusIntervalMs)
  })
  // The stack service follows the logs itself while anyone watches `stack.logs`; the first
  // viewer loads it (the bus tells a late-loaded producer at once that the topic is watched).
  let stackLoaded = false
  const offLogs = bus.onActive('stack.logs', (active) => {
    if (active && !stackLoaded) {
      stackLoaded = true
      void stackService().catch(() => (stackLoaded = false))
    }
  })

  return {
    dispatcher: createDispatcher(handlers, { onInternalError: options.onInternalError }),
    bus,
    dataDir,
    async dispose() {
      offLogs()
      await Promise.all([stopMonitor(), stackService.loaded()?.then((stack) => stack?.dispose())])
      // An open SSH connection to the NAS (#15) would keep the CLI's process alive.
      if (sshUsed) await (await import('./ssh/pool')).closeSshConnections()
    },
  }
}

/**
 * Starts a producer (loaded on demand) the first time anyone listens to `topic`; the producer
 * itself follows the topic from then on (see EventBus.onActive). Returns its stop function.
 */
function whileWatched(
  bus: EventBus,
  topic: 'docker.status',
  start: () => Promise<() => void>,
): () => Promise<void> {
  let started: Promise<(() => void) | null> | null = null
  const off = bus.onActive(topic, (active) => {
    if (active && !started) started = start().catch(() => null)
  })
  return async () => {
    off()
    ;(await started)?.()
  }
}
