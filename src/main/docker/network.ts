import type { NetworkInspectInfo } from 'dockerode'
import { GatehouseError } from '../../shared/errors'
import { bodyOnly } from './body-only'
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
  /** For an existing network that differs from what Gatehouse would create: how, and why it still works. */
  readonly note?: string
}

/**
 * An admin's existing `traefik` network is never recreated or removed (their Traefik and other
 * stacks hang on it). Options that do not stop Authentik from working are accepted and named:
 * - internal (no route out): Traefik still reaches the server over it, and the server and
 *   worker reach the internet (e-mail, outposts, update checks) through the project network,
 *   which Gatehouse creates as an ordinary bridge — so the stack works, and the admin is told;
 * - another driver that standalone containers can join (macvlan, ipvlan, attachable overlay).
 * A swarm overlay network that is not attachable cannot take standalone containers at all:
 * that is refused before any container is created, with the command that fixes it.
 */
export function checkExistingNetwork(network: NetworkInspectInfo): string | undefined {
  const name = network.Name
  if (network.Driver === 'overlay' && !network.Attachable)
    throw new GatehouseError({
      code: 'DOCKER_FAILED',
      message: `The network ${name} is a swarm overlay network that standalone containers cannot join (it is not attachable), so Authentik cannot be connected to it. Gatehouse left it unchanged.`,
      hint: `Make it attachable (\`docker network rm ${name}\` then \`docker network create --driver overlay --attachable ${name}\`, after stopping what uses it), or use a bridge network named ${name} for Traefik.`,
      details: { network: name, driver: network.Driver },
    })
  const differences: string[] = []
  if (network.Internal)
    differences.push(
      'it is internal (no route to the internet); that is fine: Traefik reaches Authentik over it, and Authentik reaches the internet (e-mail) through its own project network',
    )
  if (network.Driver && network.Driver !== 'bridge')
    differences.push(`it uses the ${network.Driver} driver instead of bridge`)
  if (differences.length === 0) return undefined
  return `The existing network ${name} is used as it is and left unchanged, although it differs from what Gatehouse would create: ${differences.join('; ')}.`
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
  if (existing) {
    const note = checkExistingNetwork(existing)
    return { name, id: existing.Id, created: false, ...(note ? { note } : {}) }
  }
  try {
    const network = await engine.api.createNetwork(
      bodyOnly({
        Name: name,
        Driver: 'bridge',
        // Without it, API 1.41 happily creates a second network with the same name.
        CheckDuplicate: true,
        Labels: { ...labels, [label.gatehouseCreated]: 'true' },
      }),
    )
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
