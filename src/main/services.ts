import type { HostKind } from '../shared/contract'
import { GatehouseError } from '../shared/errors'
import { appInfo } from './app/app-info'
import { resolveDataDir } from './app/paths'
import { createDispatcher, type Dispatcher, type Handlers } from './core/dispatcher'
import { createEventBus, type EventBus } from './core/event-bus'
import { createDockerEngine, type DockerEngine } from './docker/engine'
import { startDockerStatusMonitor } from './docker/status-monitor'
import { createKeychainStore, type SecretStore } from './secrets/store'
import { createSettingsStore } from './settings/store'
import { createStackService } from './stack/stack-service'
import { createAuthentikService } from './authentik/authentik-service'
import { createRecipesService } from './recipes/recipes-service'
import { createAuthentikConnector } from './authentik/connect'
import { directoryContext } from './directory/session'
import { createFlowsService } from './directory/flows'
import { createGroupsService } from './directory/groups'
import { createInvitationsService } from './directory/invitations'
import { createUsersService } from './directory/users'
import { createTraefikService } from './traefik/traefik-service'
import { createIntegrationsService } from './integrations/integrations-service'
import { rewriteToBase, type CheckHttpOptions } from './integrations/checks/http'

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
}

export interface Services {
  readonly dispatcher: Dispatcher
  readonly bus: EventBus
  readonly dataDir: string
  dispose(): void
}

/**
 * Builds every service once and binds them to the contract. This is the only place that knows
 * which service implements which method; hosts only see the dispatcher and the bus.
 */
export function createServices(options: ServiceOptions): Services {
  const dataDir = options.dataDir ?? resolveDataDir()
  const bus = createEventBus()
  const settings = createSettingsStore(dataDir)
  // GATEHOUSE_KEYCHAIN_SERVICE: tests (and a second install side by side) keep their secrets under
  // a keychain service of their own instead of "gatehouse".
  const keychainService = process.env.GATEHOUSE_KEYCHAIN_SERVICE
  const secrets =
    options.secretStore ?? createKeychainStore(keychainService ? { service: keychainService } : {})
  const stack = createStackService({
    settings,
    secrets,
    bus,
    ...(options.healthTimeoutMs ? { healthTimeoutMs: options.healthTimeoutMs } : {}),
    ...(options.dockerEndpoint ? { dockerEndpoint: options.dockerEndpoint } : {}),
    ...(options.traefikNetwork ? { build: { traefikNetwork: options.traefikNetwork } } : {}),
  })

  // One connector for every panel, recipe and the status/readiness service, so its client and
  // server-version caches are actually shared (a new connector per call would detect the server
  // version on every call).
  const connector = createAuthentikConnector({ settings, secrets })
  const authentik = createAuthentikService({ connector, settings, secrets, bus })
  const recipes = createRecipesService({
    connect: () => connector.connectCached(),
    loadSettings: () => settings.load(),
    bus,
    dataDir,
    testEmail: (to) => stack.testEmail(to),
    handover: { connect: () => connector.connect(), secrets },
  })
  const directory = directoryContext(connector)
  const users = createUsersService(directory)
  const groups = createGroupsService(directory)
  const flows = createFlowsService(directory)
  const invitations = createInvitationsService(directory)
  const traefik = createTraefikService({ loadSettings: () => settings.load() })
  const integrations = createIntegrationsService({
    connect: () => connector.connectCached(),
    loadSettings: () => settings.load(),
    secrets,
    bus,
    dataDir,
    // GATEHOUSE_CHECK_BASE (tests only): send every live check to one local server, keeping the
    // original Host header. TLS verification is never relaxed.
    check: options.integrationChecks ?? {
      rewrite: rewriteToBase(process.env.GATEHOUSE_CHECK_BASE),
    },
  })

  /** The engine the settings name (or the default); a broken settings file must not hide Docker. */
  const currentEngine = async (): Promise<DockerEngine> => {
    const saved = await settings.load().catch(() => null)
    return createDockerEngine({ endpoint: saved?.docker.endpoint ?? options.dockerEndpoint })
  }
  const stopMonitor = startDockerStatusMonitor(currentEngine, bus, options.statusIntervalMs)
  const stopLogFollow = followLogsWhileWatched(bus, stack.followAll)

  const handlers: Handlers = {
    app: {
      info: async () => appInfo({ host: options.host, dataDir }),
    },
    docker: {
      ping: async () => (await currentEngine()).ping(),
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
    stack: {
      status: () => stack.status(),
      up: () => stack.up(),
      stop: () => stack.stop(),
      restart: () => stack.restart(),
      down: () => stack.down(),
      removeVolumes: ({ confirm }) => stack.removeVolumes(confirm),
      logs: ({ service, tail }) => stack.logs(service, tail),
      testEmail: ({ to }) => stack.testEmail(to),
      export: ({ folder }) => stack.export(folder),
    },
    authentik: {
      status: () => authentik.status(),
      waitReady: ({ timeoutMs }) => authentik.waitReady(timeoutMs),
      inspectCertificate: () => authentik.inspectCertificate(),
      trustCertificate: ({ sha256 }) => authentik.trustCertificate(sha256),
    },
    recipes: {
      adminHandoverPlan: (input) => recipes.adminHandoverPlan(input),
      adminHandoverApply: (input) => recipes.adminHandoverApply(input),
      list: async () => recipes.list(),
      plan: ({ id, params }) => recipes.plan(id, params),
      apply: ({ id, params }) => recipes.apply(id, params),
      status: () => recipes.status(),
    },
    users: {
      list: (input) => users.list(input),
      create: (input) => users.create(input),
      update: (input) => users.update(input),
      setActive: (input) => users.setActive(input),
      setPassword: (input) => users.setPassword(input),
      recoveryLink: (input) => users.recoveryLink(input),
      delete: (input) => users.delete(input),
    },
    groups: {
      list: (input) => groups.list(input),
      get: (input) => groups.get(input),
      create: (input) => groups.create(input),
      update: (input) => groups.update(input),
      addMember: (input) => groups.addMember(input),
      removeMember: (input) => groups.removeMember(input),
    },
    flows: {
      list: (input) => flows.list(input),
      bindings: (input) => flows.bindings(input),
      stages: (input) => flows.stages(input),
      bind: (input) => flows.bind(input),
      unbind: (input) => flows.unbind(input),
      reorder: (input) => flows.reorder(input),
    },
    invitations: {
      options: () => invitations.options(),
      list: (input) => invitations.list(input),
      create: (input) => invitations.create(input),
      createBulk: (input) => invitations.createBulk(input),
      delete: (input) => invitations.delete(input),
      sendEmail: (input) => invitations.sendEmail(input),
    },
    traefik: {
      plan: (input) => traefik.plan(input),
      apply: (input) => traefik.apply(input),
    },
    integrations: {
      catalog: () => integrations.catalog(),
      list: () => integrations.list(),
      plan: ({ id, params }) => integrations.plan(id, params),
      apply: ({ id, params }) => integrations.apply(id, params),
      card: ({ id }) => integrations.card(id),
      removePlan: ({ id, params }) => integrations.removePlan(id, params?.deleteShared ?? false),
      removeApply: ({ id, params }) => integrations.removeApply(id, params?.deleteShared ?? false),
      check: ({ id }) => integrations.check(id),
      revealSecret: ({ id, secret }) => integrations.revealSecret(id, secret),
    },
  }

  return {
    dispatcher: createDispatcher(handlers, { onInternalError: options.onInternalError }),
    bus,
    dataDir,
    dispose() {
      stopMonitor()
      stopLogFollow()
    },
  }
}

/** Log streams are opened when the first viewer subscribes and closed when the last one leaves. */
function followLogsWhileWatched(
  bus: EventBus,
  follow: () => Promise<() => Promise<void>>,
): () => void {
  let chain: Promise<unknown> = Promise.resolve()
  let close: (() => Promise<void>) | null = null
  const off = bus.onActive('stack.logs', (active) => {
    chain = chain.then(async () => {
      if (active && !close) close = await follow().catch(() => null)
      else if (!active && close) {
        await close()
        close = null
      }
    })
  })
  return () => {
    off()
    void chain.then(() => close?.())
  }
}
