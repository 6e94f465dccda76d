import type { ContainerInfo } from 'dockerode'
import { GatehouseError } from '../../shared/errors'
import type { ServiceSpec, StackSpec } from '../stack/model'
import { containerName, isProjectNetwork, label, resolveNetworkName } from './compose'
import { configHash } from '../stack/config-hash'
import {
  containerPlan,
  createServiceContainer,
  inspectServiceContainer,
  removeContainer,
  startServiceContainer,
  stopContainer,
} from './containers'
import type { DockerEngine } from './engine'
import { dockerFailure } from './failures'
import { healthOf, waitServiceReady, type HealthState } from './health'
import { ensureNetwork, ensureProjectNetwork } from './network'
import { startOrder, stopWaves, validateStack } from './order'
import type { ContainerAction, ProgressSink } from './progress'
import { pullImage } from './pull'
import { ensureVolumes } from './volumes'

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

export interface ServiceOutcome {
  readonly service: string
  readonly container: string
  readonly containerId: string
  readonly action: ContainerAction
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

/** Stops the stack (dependents first) and starts the existing containers again in order. */
export async function restart(
  engine: DockerEngine,
  spec: StackSpec,
  options: UpOptions = {},
): Promise<UpResult> {
  await stop(engine, spec, options)
  return converge(engine, spec, options, 'start')
}

export interface StopOptions {
  readonly onProgress?: ProgressSink
  readonly stopTimeoutSec?: number
}

/** Stops the stack's containers, dependents first; keeps them (and everything else). */
export async function stop(
  engine: DockerEngine,
  spec: StackSpec,
  options: StopOptions = {},
): Promise<void> {
  validateStack(spec)
  for (const wave of stopWaves(spec)) {
    await Promise.all(
      wave.map(async (service) => {
        const info = await inspectServiceContainer(engine, spec.project, service.name)
        if (!info?.State.Running) return
        await stopContainer(engine, info.Id, service.name, options.stopTimeoutSec ?? 10)
        options.onProgress?.({
          step: 'containers',
          service: service.name,
          container: containerName(spec.project, service.name),
          action: 'stopped',
        })
      }),
    )
  }
}

/**
 * Stops and removes the project's containers whose service the spec no longer has, as
 * `docker compose up --remove-orphans` does: Redis after an upgrade past 2025.10, for example.
 */
export async function removeOrphans(
  engine: DockerEngine,
  spec: StackSpec,
  options: StopOptions = {},
): Promise<string[]> {
  const known = new Set(spec.services.map((s) => s.name))
  const orphans = (await projectContainers(engine, spec.project)).filter(
    (c) => !known.has(c.Labels[label.service] ?? ''),
  )
  const removed: string[] = []
  for (const c of orphans) {
    const service = c.Labels[label.service] ?? ''
    const name = (c.Names[0] ?? c.Id).replace(/^\//, '')
    if (c.State === 'running' || c.State === 'restarting' || c.State === 'paused') {
      await stopContainer(engine, c.Id, service, options.stopTimeoutSec ?? 10)
      options.onProgress?.({ step: 'containers', service, container: name, action: 'stopped' })
    }
    await removeContainer(engine, c.Id, service)
    options.onProgress?.({ step: 'containers', service, container: name, action: 'removed' })
    removed.push(name)
  }
  return removed
}

export interface DownResult {
  /** Names of the containers removed. */
  readonly removed: readonly string[]
}

/**
 * Stops and removes every container of the compose project, including those of services the spec
 * no longer has (Redis after an upgrade to a version without it). Volumes and networks stay.
 */
export async function down(
  engine: DockerEngine,
  spec: StackSpec,
  options: StopOptions = {},
): Promise<DownResult> {
  validateStack(spec)
  const containers = await projectContainers(engine, spec.project)
  const serviceOf = (c: ContainerInfo) => c.Labels[label.service] ?? ''
  const known = new Set(spec.services.map((s) => s.name))
  // Orphans first (nothing in the spec depends on them), then the spec's dependents-first waves.
  const waves: ContainerInfo[][] = [containers.filter((c) => !known.has(serviceOf(c)))]
  for (const wave of stopWaves(spec)) {
    const names = new Set(wave.map((s) => s.name))
    waves.push(containers.filter((c) => names.has(serviceOf(c))))
  }
  const timeout = options.stopTimeoutSec ?? 10
  const removed: string[] = []
  for (const wave of waves) {
    await Promise.all(
      wave.map(async (c) => {
        const service = serviceOf(c)
        const name = (c.Names[0] ?? c.Id).replace(/^\//, '')
        if (c.State === 'running' || c.State === 'restarting' || c.State === 'paused') {
          await stopContainer(engine, c.Id, service, timeout)
          options.onProgress?.({ step: 'containers', service, container: name, action: 'stopped' })
        }
        await removeContainer(engine, c.Id, service)
        removed.push(name)
        options.onProgress?.({ step: 'containers', service, container: name, action: 'removed' })
      }),
    )
  }
  return { removed }
}

export interface ServiceStatus {
  readonly service: string
  readonly container: string
  readonly exists: boolean
  /** Docker's state ("running", "exited", "created", "restarting", …) or "missing". */
  readonly state: string
  readonly health: HealthState
  /** The image the container runs (as named at create), or the spec's image when missing. */
  readonly image: string
  readonly startedAt: string | null
  readonly uptimeMs: number | null
  readonly exitCode: number | null
  /** The container matches the spec (config hash): false means the next start recreates it. */
  readonly upToDate: boolean
}

export async function status(engine: DockerEngine, spec: StackSpec): Promise<ServiceStatus[]> {
  return Promise.all(
    spec.services.map(async (service): Promise<ServiceStatus> => {
      const container = containerName(spec.project, service.name)
      const info = await inspectServiceContainer(engine, spec.project, service.name)
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
        upToDate: info.Config.Labels?.[label.configHash] === configHash(service),
      }
    }),
  )
}

export async function projectContainers(
  engine: DockerEngine,
  project: string,
): Promise<ContainerInfo[]> {
  try {
    return await engine.api.listContainers({
      all: true,
      filters: { label: [`${label.project}=${project}`] },
    })
  } catch (error) {
    throw dockerFailure(engine, error, `list the containers of ${project}`)
  }
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

  if (mode === 'up') {
    await ensureNetworks(engine, spec, emit)
    for (const v of await ensureVolumes(engine, spec.project, spec.volumes))
      emit({ step: 'volumes', volume: v.volume, name: v.name, created: v.created })
    await pullImages(engine, spec, options, emit, imageIds)
  }

  const byName = new Map(spec.services.map((s) => [s.name, s]))
  const hasDependents = new Set(spec.services.flatMap((s) => s.dependsOn))
  const tasks = new Map<string, Promise<ServiceOutcome>>()
  const run = (service: ServiceSpec): Promise<ServiceOutcome> => {
    let task = tasks.get(service.name)
    if (!task) {
      task = (async () => {
        // compose's `condition: service_healthy`: every dependency ready before this one starts.
        await Promise.all(service.dependsOn.map((d) => run(byName.get(d) as ServiceSpec)))
        const outcome = await convergeService(engine, spec, service, options, mode, imageIds)
        emit({ step: 'containers', ...outcome })
        if (options.wait !== false || hasDependents.has(service.name)) {
          await waitServiceReady(engine, spec, service, {
            timeoutMs: options.healthTimeoutMs,
            pollMs: options.pollMs,
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

async function ensureNetworks(engine: DockerEngine, spec: StackSpec, emit: ProgressSink) {
  const external = new Set<string>([spec.externalNetwork])
  let usesProject = false
  for (const service of spec.services) {
    if (service.networks.length === 0) usesProject = true
    for (const n of service.networks) {
      if (isProjectNetwork(spec.project, n.name)) usesProject = true
      else external.add(resolveNetworkName(spec.project, n.name))
    }
  }
  if (usesProject) {
    const r = await ensureProjectNetwork(engine, spec.project)
    emit({ step: 'network', network: r.name, created: r.created })
  }
  for (const name of external) {
    const r = await ensureNetwork(engine, name)
    emit({
      step: 'network',
      network: r.name,
      created: r.created,
      ...(r.note ? { note: r.note } : {}),
    })
  }
}

async function pullImages(
  engine: DockerEngine,
  spec: StackSpec,
  options: UpOptions,
  emit: ProgressSink,
  imageIds: Map<string, string>,
) {
  const images = [...new Set(spec.services.map((s) => s.image))]
  // All images are in place before the first container is created, so a failed pull leaves no
  // half-started stack behind.
  const results = await Promise.allSettled(
    images.map((image) =>
      pullImage(engine, image, {
        force: options.forcePull,
        onProgress: (progress) => emit({ step: 'images', image, progress }),
      }),
    ),
  )
  for (const [i, r] of results.entries()) {
    if (r.status === 'rejected') throw withServices(r.reason, spec, images[i] ?? '')
    imageIds.set(r.value.image, r.value.imageId)
  }
}

/**
 * A pull failure names the image; the admin thinks in services ("server and worker cannot
 * start"), so the error names those too, and says that nothing was created.
 */
function withServices(error: unknown, spec: StackSpec, image: string): unknown {
  if (!(error instanceof GatehouseError) || error.code !== 'DOCKER_PULL_FAILED') return error
  const services = spec.services.filter((s) => s.image === image).map((s) => s.name)
  if (services.length === 0) return error
  return new GatehouseError({
    code: error.code,
    message: `${error.message} Needed by ${services.join(', ')}; no container was created or changed.`,
    hint: error.hint,
    details: { ...error.details, services },
  })
}

async function convergeService(
  engine: DockerEngine,
  spec: StackSpec,
  service: ServiceSpec,
  options: UpOptions,
  mode: 'up' | 'start',
  imageIds: ReadonlyMap<string, string>,
): Promise<ServiceOutcome> {
  const name = containerName(spec.project, service.name)
  const existing = await inspectServiceContainer(engine, spec.project, service.name)
  const outcome = (containerId: string, action: ContainerAction): ServiceOutcome => ({
    service: service.name,
    container: name,
    containerId,
    action,
  })

  if (mode === 'start') {
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

  const hash = configHash(service)
  if (existing) {
    const sameConfig = existing.Config.Labels?.[label.configHash] === hash
    // A moved tag (re-pulled "latest") gives a new image id under the same name: recreate too.
    const sameImage = existing.Image === imageIds.get(service.image)
    if (sameConfig && sameImage) {
      if (existing.State.Paused) {
        await engine.api
          .getContainer(existing.Id)
          .unpause()
          .catch((error: unknown) => {
            throw dockerFailure(engine, error, `unpause ${name}`, { service: service.name })
          })
        return outcome(existing.Id, 'started')
      }
      if (existing.State.Running) return outcome(existing.Id, 'unchanged')
      await startServiceContainer(engine, service, existing.Id, name)
      return outcome(existing.Id, 'started')
    }
    if (existing.State.Running)
      await stopContainer(engine, existing.Id, service.name, options.stopTimeoutSec ?? 10)
    await removeContainer(engine, existing.Id, service.name)
  }
  const id = await createServiceContainer(engine, containerPlan(spec, service, hash), service.name)
  await startServiceContainer(engine, service, id, name)
  return outcome(id, existing ? 'recreated' : 'created')
}
