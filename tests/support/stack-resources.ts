import { randomBytes } from 'node:crypto'
import type Docker from 'dockerode'

/**
 * Every engine test works under its own compose project "ghtest<random>" and removes exactly what
 * carries that project's label (or the names it created itself), never anything else on the host.
 */

export function testProject(): string {
  return `ghtest${randomBytes(4).toString('hex')}`
}

const projectFilter = (project: string) => ({
  label: [`com.docker.compose.project=${project}`],
})

export async function removeProjectResources(api: Docker, project: string): Promise<void> {
  const containers = await api.listContainers({ all: true, filters: projectFilter(project) })
  await Promise.all(
    containers.map((c) =>
      api
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  )
  const { Volumes } = await api.listVolumes({ filters: projectFilter(project) })
  for (const v of Volumes ?? [])
    await api
      .getVolume(v.Name)
      .remove()
      .catch(() => undefined)
  const networks = await api.listNetworks({ filters: projectFilter(project) })
  for (const n of networks)
    await api
      .getNetwork(n.Id)
      .remove()
      .catch(() => undefined)
}

/** Removes a network by exact name; only for networks the test itself created. */
export async function removeTestNetwork(api: Docker, name: string): Promise<void> {
  const networks = await api.listNetworks({ filters: { name: [name] } })
  for (const n of networks.filter((x) => x.Name === name))
    await api
      .getNetwork(n.Id)
      .remove()
      .catch(() => undefined)
}
