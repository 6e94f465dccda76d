import type { ContainerInfo } from 'dockerode'
import { containerName, label } from './compose'
import { inspectServiceContainer, removeContainer, stopContainer } from './containers'
import type { DockerEngine } from './engine'
import { dockerFailure } from './failures'
import type { StackSpec } from './model'
import { stopWaves, validateStack } from './order'
import type { ProgressSink } from './progress'

/**
 * Taking the stack down: stop (dependents first, containers kept), remove orphans of services the
 * spec no longer has, and remove every container of the project. Volumes and networks stay.
 */

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
