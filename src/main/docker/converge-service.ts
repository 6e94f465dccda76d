import type { ContainerAction } from '../../shared/contract'
import { GatehouseError } from '../../shared/errors'
import {
  connectNetwork,
  createServiceContainer,
  removeContainer,
  startServiceContainer,
  stopContainer,
} from './containers'
import type { DockerEngine } from './engine'
import { dockerFailure } from './failures'
import type { ServiceSpec, StackSpec } from './model'
import { observeService, type ImageEnvCache } from './observe'

/**
 * One service brought to its plan, judged on the container as it is (observe.ts), not on its
 * config-hash label: a lost network attachment or alias is reconnected in place; anything fixed
 * at create (image, environment, mounts, labels, ports, …) recreates the container; a container
 * that matches is started if it is not running, and otherwise left alone.
 */

export interface ServiceOutcome {
  readonly service: string
  readonly container: string
  readonly containerId: string
  readonly action: ContainerAction
}

export interface ConvergeServiceOptions {
  readonly mode: 'up' | 'start'
  /** Image ids the planned image names resolve to now (a moved tag recreates). */
  readonly imageIds: ReadonlyMap<string, string>
  readonly imageEnv: ImageEnvCache
  readonly stopTimeoutSec?: number
}

export async function convergeService(
  engine: DockerEngine,
  spec: StackSpec,
  service: ServiceSpec,
  options: ConvergeServiceOptions,
): Promise<ServiceOutcome> {
  const observed = await observeService(engine, spec, service, {
    imageIds: options.imageIds,
    cache: options.imageEnv,
  })
  const { info: existing, container: name, plan } = observed
  const outcome = (containerId: string, action: ContainerAction): ServiceOutcome => ({
    service: service.name,
    container: name,
    containerId,
    action,
  })

  if (options.mode === 'start') {
    if (!existing)
      throw new GatehouseError({
        code: 'DOCKER_FAILED',
        message: `The service ${service.name} has no container to restart.`,
        hint: 'Use Start, which creates the missing containers.',
        details: { service: service.name, container: name },
      })
    if (existing.State.Running) return outcome(existing.Id, 'unchanged')
    await startServiceContainer(engine, service, existing.Id, name)
    return outcome(existing.Id, 'started')
  }

  if (existing && !observed.drift.some((d) => d.repair === 'recreate')) {
    let reconnected = false
    for (const drift of observed.drift)
      if (drift.repair === 'connect') {
        const onNetwork = Boolean(existing.NetworkSettings?.Networks?.[drift.attachment.network])
        try {
          await connectNetwork(engine, existing.Id, drift.attachment, service.name, {
            replace: onNetwork,
          })
        } catch (error) {
          throw dockerFailure(engine, error, `connect ${name} to ${drift.attachment.network}`, {
            service: service.name,
            network: drift.attachment.network,
          })
        }
        reconnected = true
      }
    if (existing.State.Paused) {
      await engine.api
        .getContainer(existing.Id)
        .unpause()
        .catch((error: unknown) => {
          throw dockerFailure(engine, error, `unpause ${name}`, { service: service.name })
        })
      return outcome(existing.Id, 'started')
    }
    if (!existing.State.Running) {
      await startServiceContainer(engine, service, existing.Id, name)
      return outcome(existing.Id, 'started')
    }
    return outcome(existing.Id, reconnected ? 'reconnected' : 'unchanged')
  }
  if (existing) {
    if (existing.State.Running)
      await stopContainer(engine, existing.Id, service.name, options.stopTimeoutSec ?? 10)
    await removeContainer(engine, existing.Id, service.name)
  }
  const id = await createServiceContainer(engine, plan, service.name)
  await startServiceContainer(engine, service, id, name)
  return outcome(id, existing ? 'recreated' : 'created')
}
