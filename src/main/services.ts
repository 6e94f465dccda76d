import type { HostKind } from '../shared/contract'
import { appInfo } from './app/app-info'
import { resolveDataDir } from './app/paths'
import { createDispatcher, type Dispatcher, type Handlers } from './core/dispatcher'
import { createEventBus, type EventBus } from './core/event-bus'
import { createDockerEngine } from './docker/engine'
import { startDockerStatusMonitor } from './docker/status-monitor'

export interface ServiceOptions {
  host: HostKind
  dataDir?: string
  dockerEndpoint?: string
  statusIntervalMs?: number
  onInternalError?: (method: string, error: unknown) => void
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
  const engine = createDockerEngine({ endpoint: options.dockerEndpoint })
  const stopMonitor = startDockerStatusMonitor(engine, bus, options.statusIntervalMs)

  const handlers: Handlers = {
    app: {
      info: async () => appInfo({ host: options.host, dataDir }),
    },
    docker: {
      ping: () => engine.ping(),
    },
  }

  return {
    dispatcher: createDispatcher(handlers, { onInternalError: options.onInternalError }),
    bus,
    dataDir,
    dispose: stopMonitor,
  }
}
