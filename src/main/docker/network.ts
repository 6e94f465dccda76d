import type { NetworkInspectInfo } from 'dockerode'
import type { DockerEngine } from './engine'
import { dockerFailure, isNotFound, statusCodeOf } from './failures'
import { label, projectNetworkLabels, projectNetworkName } from './compose'

/**
 * Networks: the shared reverse-proxy network ("traefik") is created when missing and accepted as
 * it is when present; the project network "<project>_default" carries compose's labels. Every
 * network Gatehouse creates is labelled `io.gatehouse.created=true`, and only such a network can
 * ever be removed by Gatehouse: an admin's own `traefik` network must survive anything we do.
 */

export interface EnsureNetworkResult {
  readonly name: string
  readonly id: string
  readonly created: boolean
}

/**
 * Looks a network up by its exact name. Not `getNetwork(name).inspect()`: the engine resolves that
 * by name OR id prefix, so a short name could match some other network's id.
 */
export async function findNetwork(
  engine: DockerEngine,
  name: string,
): Promise<NetworkInspectInfo | undefined> {
  try {
    const list = await engine.api.listNetworks({ filters: { name: [name] } })
    return list.find((n) => n.Name === name)
  } catch (error) {
    throw dockerFailure(engine, error, `list networks named ${name}`, { network: name })
  }
}

export async function ensureNetwork(
  engine: DockerEngine,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): Promise<EnsureNetworkResult> {
  const existing = await findNetwork(engine, name)
  if (existing) return { name, id: existing.Id, created: false }
  try {
    const network = await engine.api.createNetwork({
      Name: name,
      Driver: 'bridge',
      // Without it, API 1.41 happily creates a second network with the same name.
      CheckDuplicate: true,
      Labels: { ...labels, [label.gatehouseCreated]: 'true' },
    })
    return { name, id: network.id, created: true }
  } catch (error) {
    // Someone (compose, the admin, a parallel start) created it between our look-up and create.
    if (statusCodeOf(error) === 409) {
      const raced = await findNetwork(engine, name)
      if (raced) return { name, id: raced.Id, created: false }
    }
    throw dockerFailure(engine, error, `create the network ${name}`, { network: name })
  }
}

/** "<project>_default" with the labels compose 1.29 puts on its default network. */
export function ensureProjectNetwork(
  engine: DockerEngine,
  project: string,
): Promise<EnsureNetworkResult> {
  return ensureNetwork(engine, projectNetworkName(project), projectNetworkLabels(project))
}

export interface RemoveNetworkResult {
  readonly name: string
  readonly removed: boolean
  readonly reason?: 'missing' | 'not-created-by-gatehouse'
}

/** Removes the network only when Gatehouse created it; anyone else's network is left alone. */
export async function removeNetworkIfCreated(
  engine: DockerEngine,
  name: string,
): Promise<RemoveNetworkResult> {
  const existing = await findNetwork(engine, name)
  if (!existing) return { name, removed: false, reason: 'missing' }
  if (existing.Labels?.[label.gatehouseCreated] !== 'true') {
    return { name, removed: false, reason: 'not-created-by-gatehouse' }
  }
  try {
    await engine.api.getNetwork(existing.Id).remove()
    return { name, removed: true }
  } catch (error) {
    if (isNotFound(error)) return { name, removed: false, reason: 'missing' }
    throw dockerFailure(engine, error, `remove the network ${name}`, { network: name })
  }
}
