import { bodyOnly } from './body-only'
import type { DockerEngine } from './engine'
import { dockerFailure, isNotFound, statusCodeOf } from './failures'
import { label, volumeLabels, volumeName } from './compose'
import { GatehouseError } from '../../shared/errors'

/**
 * Named volumes "<project>_<name>" hold the database and media: they are created when missing and
 * never recreated, emptied or removed on the way. Removal exists only for the explicit "delete
 * data" confirmation, which passes the exact list the admin saw.
 */

export interface EnsureVolumeResult {
  /** Logical name from the spec ("database"). */
  readonly volume: string
  /** Engine name ("authentik_database"). */
  readonly name: string
  readonly created: boolean
}

export async function ensureVolume(
  engine: DockerEngine,
  project: string,
  volume: string,
): Promise<EnsureVolumeResult> {
  const name = volumeName(project, volume)
  try {
    await engine.api.getVolume(name).inspect()
    // Present: whatever it holds and however it is labelled, it is used as it is.
    return { volume, name, created: false }
  } catch (error) {
    if (!isNotFound(error)) throw dockerFailure(engine, error, `inspect the volume ${name}`)
  }
  try {
    // Check first, then create: the engine's create is idempotent, so it alone cannot tell
    // "created" from "was already there".
    await engine.api.createVolume(bodyOnly({ Name: name, Labels: volumeLabels(project, volume) }))
    return { volume, name, created: true }
  } catch (error) {
    throw dockerFailure(engine, error, `create the volume ${name}`, { volume: name })
  }
}

export async function ensureVolumes(
  engine: DockerEngine,
  project: string,
  volumes: readonly string[],
): Promise<EnsureVolumeResult[]> {
  const results: EnsureVolumeResult[] = []
  for (const volume of volumes) results.push(await ensureVolume(engine, project, volume))
  return results
}

export interface RemoveVolumeResult {
  readonly name: string
  readonly removed: boolean
  readonly reason?: 'missing' | 'not-in-project'
}

/**
 * Removes exactly the listed volumes of the project (logical names), and only those that carry the
 * project's compose label: a same-named volume someone else made is not ours to delete.
 * Fails with DOCKER_FAILED when a container still uses one (stop the stack first).
 */
export async function removeVolumes(
  engine: DockerEngine,
  project: string,
  volumes: readonly string[],
): Promise<RemoveVolumeResult[]> {
  const results: RemoveVolumeResult[] = []
  for (const volume of volumes) {
    const name = volumeName(project, volume)
    const handle = engine.api.getVolume(name)
    let labels: Record<string, string> | null | undefined
    try {
      labels = (await handle.inspect()).Labels
    } catch (error) {
      if (isNotFound(error)) {
        results.push({ name, removed: false, reason: 'missing' })
        continue
      }
      throw dockerFailure(engine, error, `inspect the volume ${name}`, { volume: name })
    }
    if (labels?.[label.project] !== project) {
      results.push({ name, removed: false, reason: 'not-in-project' })
      continue
    }
    try {
      await handle.remove()
      results.push({ name, removed: true })
    } catch (error) {
      if (statusCodeOf(error) === 409) {
        throw new GatehouseError({
          code: 'DOCKER_FAILED',
          message: `The volume ${name} is still used by a container, so it was not removed.`,
          hint: 'Stop and remove the stack first, then delete its data.',
          details: { volume: name },
        })
      }
      throw dockerFailure(engine, error, `remove the volume ${name}`, { volume: name })
    }
  }
  return results
}
