import { GatehouseError } from '../../shared/errors'
import { convergeService, type ServiceOutcome } from './converge-service'
import type { DockerEngine } from './engine'
import { waitServiceReady } from './health'
import { watchContainerChanges, type ContainerChanges } from './container-events'
import type { ServiceSpec, StackSpec } from './model'
import type { ImageEnvCache } from './observe'
import { startOrder, validateStack } from './order'
import { ensureNetworks, pullImages } from './prepare'
import type { ProgressSink } from './progress'
import { stop } from './teardown'
import { ensureVolumes } from './volumes'

export type { ServiceOutcome } from './converge-service'
export { status } from './observe'
export {
  down,
  projectContainers,
  removeOrphans,
  stop,
  type DownResult,
  type StopOptions,
} from './teardown'

/**
 * The stack's lifecycle against the engine, compose-compatible: networks → volumes → images →
 * containers in dependency order, each dependency healthy before its dependents start. Desired
 * state, not a script: `up` on a running, unchanged stack changes nothing, and a changed service
 * is recreated alone. Removal takes containers only; volumes and networks stay.
 */

export interface UpOptions {
  readonly onProgress?: ProgressSink
  /** Per service, from its start. Default 120 s. */
  readonly healthTimeoutMs?: number
  readonly pollMs?: number
  /** Pull images even when present locally. */
  readonly forcePull?: boolean
  /** Grace period when a changed service's old container is stopped. Default 10 s. */
  readonly stopTimeoutSec?: number
  /** Wait until every service is ready before returning (default); dependencies are always waited for. */
  readonly wait?: boolean
}

export interface UpResult {
  readonly services: readonly ServiceOutcome[]
}

export function up(
  engine: DockerEngine,
  spec: StackSpec,
  options: UpOptions = {},
): Promise<UpResult> {
  return converge(engine, spec, options, 'up')
}

/**
 * Starts the existing containers in dependency order and waits for health, changing nothing
 * else: an adopted stack (#15) is kept exactly as its owner created it.
 */
export function startExisting(
  engine: DockerEngine,
  spec: StackSpec,
  options: UpOptions = {},
): Promise<UpResult> {
  return converge(engine, spec, options, 'start')
}

/** Stops the stack (dependents first) and starts the existing containers again in order. */
export async function restart(
  engine: DockerEngine,
  spec: StackSpec,
  options: UpOptions = {},
): Promise<UpResult> {
  await stop(engine, spec, options)
  return converge(engine, spec, options, 'start')
}

async function converge(
  engine: DockerEngine,
  spec: StackSpec,
  options: UpOptions,
  mode: 'up' | 'start',
): Promise<UpResult> {
  validateStack(spec)
  const emit: ProgressSink = options.onProgress ?? (() => undefined)
  const imageIds = new Map<string, string>()
  const imageEnv: ImageEnvCache = new Map()

  if (mode === 'up') {
    await ensureNetworks(engine, spec, emit)
    for (const v of await ensureVolumes(engine, spec.project, spec.volumes))
      emit({ step: 'volumes', volume: v.volume, name: v.name, created: v.created })
    await pullImages(engine, spec, options, emit, imageIds)
  }

  // Opened before any container starts, so no health change of this Start goes unseen.
  const changes = await watchContainerChanges(engine, spec.project)
  try {
    return await convergeContainers(engine, spec, options, mode, emit, {
      imageIds,
      imageEnv,
      changes,
    })
  } finally {
    changes.close()
  }
}

async function convergeContainers(
  engine: DockerEngine,
  spec: StackSpec,
  options: UpOptions,
  mode: 'up' | 'start',
  emit: ProgressSink,
  shared: { imageIds: Map<string, string>; imageEnv: ImageEnvCache; changes: ContainerChanges },
): Promise<UpResult> {
  const { imageIds, imageEnv, changes } = shared
  const byName = new Map(spec.services.map((s) => [s.name, s]))
  const hasDependents = new Set(spec.services.flatMap((s) => s.dependsOn))
  const tasks = new Map<string, Promise<ServiceOutcome>>()
  const run = (service: ServiceSpec): Promise<ServiceOutcome> => {
    let task = tasks.get(service.name)
    if (!task) {
      task = (async () => {
        // compose's `condition: service_healthy`: every dependency ready before this one starts.
        await Promise.all(service.dependsOn.map((d) => run(byName.get(d) as ServiceSpec)))
        const outcome = await convergeService(engine, spec, service, {
          mode,
          imageIds,
          imageEnv,
          ...(options.stopTimeoutSec === undefined
            ? {}
            : { stopTimeoutSec: options.stopTimeoutSec }),
        })
        emit({ step: 'containers', ...outcome })
        if (options.wait !== false || hasDependents.has(service.name)) {
          await waitServiceReady(engine, spec, service, {
            timeoutMs: options.healthTimeoutMs,
            pollMs: options.pollMs,
            changes,
            freshContainer: outcome.action === 'created' || outcome.action === 'recreated',
            onState: (health) => emit({ step: 'healthy', service: service.name, health }),
          })
          emit({ step: 'healthy', service: service.name, health: 'ready' })
        }
        return outcome
      })()
      tasks.set(service.name, task)
    }
    return task
  }
  const ordered = startOrder(spec)
  const results = await Promise.allSettled(ordered.map(run))
  // The first failure in dependency order is the cause; its dependents only echo it.
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed) throw withOtherFailures(failed.reason, results)
  return {
    services: results.map((r) => (r as PromiseFulfilledResult<ServiceOutcome>).value),
  }
}

/**
 * Independent services can fail at the same time (server and worker share an image that crashes):
 * the first is the error, the others are named in it so no failed container goes unmentioned.
 */
function withOtherFailures(first: unknown, results: PromiseSettledResult<unknown>[]): unknown {
  if (!(first instanceof GatehouseError)) return first
  const others = new Set<string>()
  for (const r of results)
    if (r.status === 'rejected' && r.reason !== first && r.reason instanceof GatehouseError) {
      const service = r.reason.details?.service
      if (typeof service === 'string' && service !== first.details?.service) others.add(service)
    }
  if (others.size === 0) return first
  const names = [...others]
  return new GatehouseError({
    code: first.code,
    message: `${first.message} Also failing: ${names.join(', ')}.`,
    hint: first.hint,
    details: { ...first.details, alsoFailed: names },
  })
}
