import { GatehouseError } from '../../shared/errors'
import { isProjectNetwork, resolveNetworkName } from './compose'
import type { DockerEngine } from './engine'
import type { StackSpec } from './model'
import { ensureNetwork, ensureProjectNetwork } from './network'
import type { ProgressSink } from './progress'
import { pullImage } from './pull'

/**
 * What must be in place before any container is created: the project network and the shared
 * reverse-proxy network, and every image (so a failed pull leaves no half-started stack).
 */

export async function ensureNetworks(engine: DockerEngine, spec: StackSpec, emit: ProgressSink) {
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

export async function pullImages(
  engine: DockerEngine,
  spec: StackSpec,
  options: { readonly forcePull?: boolean },
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
