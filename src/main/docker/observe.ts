import type { ContainerInspectInfo } from 'dockerode'
import type { ServiceStatus } from '../../shared/contract'
import { containerName } from './compose'
import { configHash } from './config-hash'
import { containerPlan, inspectServiceContainer, type ContainerPlan } from './containers'
import { observeDrift, type Drift } from './drift'
import type { DockerEngine } from './engine'
import { healthOf } from './health'
import type { ServiceSpec, StackSpec } from './model'

/**
 * One service as it is on the engine, next to what the plan would create: the container (or
 * none), the create plan, and the drift between them. Shared by `status` (which reports the drift
 * in words) and Start (which repairs it), so both judge a container the same way.
 */
export interface ObservedService {
  readonly service: ServiceSpec
  readonly container: string
  readonly info: ContainerInspectInfo | undefined
  readonly plan: ContainerPlan
  readonly drift: readonly Drift[]
}

/** The environment of each image, inspected once per operation (server and worker share one). */
export type ImageEnvCache = Map<string, Promise<string[] | undefined>>

function imageEnv(
  engine: DockerEngine,
  imageId: string,
  cache: ImageEnvCache,
): Promise<string[] | undefined> {
  let env = cache.get(imageId)
  if (!env) {
    env = engine.api
      .getImage(imageId)
      .inspect()
      .then((image) => image.Config?.Env ?? [])
      // Image gone (pruned under a running container): extra variables are then not judged.
      .catch(() => undefined)
    cache.set(imageId, env)
  }
  return env
}

export async function observeService(
  engine: DockerEngine,
  spec: StackSpec,
  service: ServiceSpec,
  options: { readonly imageIds?: ReadonlyMap<string, string>; readonly cache?: ImageEnvCache } = {},
): Promise<ObservedService> {
  const container = containerName(spec.project, service.name)
  const plan = containerPlan(spec, service, configHash(service))
  const info = await inspectServiceContainer(engine, spec.project, service.name)
  if (!info) return { service, container, info, plan, drift: [] }
  const env = await imageEnv(engine, info.Image, options.cache ?? new Map())
  const imageId = options.imageIds?.get(service.image)
  const drift = observeDrift(service.name, plan, info, {
    ...(env ? { imageEnv: env } : {}),
    ...(imageId ? { imageId } : {}),
  })
  return { service, container, info, plan, drift }
}

/** Each service's state, health and drift; `upToDate` means the next Start leaves it alone. */
export async function status(engine: DockerEngine, spec: StackSpec): Promise<ServiceStatus[]> {
  const cache: ImageEnvCache = new Map()
  return Promise.all(
    spec.services.map(async (service): Promise<ServiceStatus> => {
      const observed = await observeService(engine, spec, service, { cache })
      const { info, container } = observed
      if (!info)
        return {
          service: service.name,
          container,
          exists: false,
          state: 'missing',
          health: 'none',
          image: service.image,
          startedAt: null,
          uptimeMs: null,
          exitCode: null,
          upToDate: false,
          drift: [],
        }
      const running = info.State.Running && !info.State.Restarting
      const startedAt = info.State.StartedAt?.startsWith('0001-') ? null : info.State.StartedAt
      return {
        service: service.name,
        container,
        exists: true,
        state: info.State.Status,
        health: healthOf(info),
        image: info.Config.Image,
        startedAt: startedAt ?? null,
        uptimeMs: running && startedAt ? Math.max(0, Date.now() - Date.parse(startedAt)) : null,
        exitCode: running ? null : info.State.ExitCode,
        upToDate: observed.drift.length === 0,
        drift: observed.drift.map((d) => d.message),
      }
    }),
  )
}
