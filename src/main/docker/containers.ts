import type { ContainerCreateOptions, ContainerInspectInfo } from 'dockerode'
import { GatehouseError } from '../../shared/errors'
import { unreadSecretVariables, type ServiceSpec, type StackSpec } from './model'
import { bodyOnly } from './body-only'
import { longRunningApi } from './clients'
import {
  containerLabels,
  containerName,
  DEFAULT_NETWORK,
  isProjectNetwork,
  label,
  resolveNetworkName,
  volumeName,
} from './compose'
import type { DockerEngine } from './engine'
import { dockerFailure, engineMessage, isNotFound, statusCodeOf } from './failures'

/**
 * One service ↔ one container: the create options compose 1.29 would send for the service, and
 * the create/start/stop/remove calls with their failures turned into errors an admin can act on.
 */

const NS_PER_MS = 1_000_000

export interface NetworkAttachment {
  /** Engine name of the network. */
  readonly network: string
  readonly aliases: readonly string[]
}

export interface ContainerPlan {
  readonly name: string
  readonly create: ContainerCreateOptions
  /** The network given at create time (the project network), when the service has one. */
  readonly primary?: NetworkAttachment
  /** API 1.41 accepts one network at create time; the others are connected before start. */
  readonly connectLater: readonly NetworkAttachment[]
}

/** Where the service is attached, with the aliases other containers resolve it by. */
export function networkAttachments(project: string, service: ServiceSpec): NetworkAttachment[] {
  // Compose puts a service without a `networks:` key on the project network.
  const entries = service.networks.length
    ? service.networks
    : [{ name: DEFAULT_NETWORK, aliases: [] as readonly string[] }]
  const attachments = entries.map((entry) => {
    const onProject = isProjectNetwork(project, entry.name)
    // The service name resolves on the project network, as in compose. It is NOT added on shared
    // networks: "server" on the traefik network would collide with every other stack's "server".
    const aliases = onProject ? [service.name, ...entry.aliases] : [...entry.aliases]
    return { network: resolveNetworkName(project, entry.name), aliases: [...new Set(aliases)] }
  })
  // The project network first, so it is the one given at create time (the container's primary).
  return attachments.sort(
    (a, b) =>
      Number(isProjectNetwork(project, b.network)) - Number(isProjectNetwork(project, a.network)),
  )
}

export function containerPlan(spec: StackSpec, service: ServiceSpec, hash: string): ContainerPlan {
  const name = containerName(spec.project, service.name)
  const [primary, ...others] = networkAttachments(spec.project, service)
  const exposed: Record<string, object> = {}
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {}
  for (const port of service.ports) {
    const key = `${port.container}/tcp`
    exposed[key] = {}
    ;(bindings[key] ??= []).push({ HostIp: port.hostIp ?? '', HostPort: String(port.host) })
  }
  const binds = service.mounts.map((m) => {
    const source = m.type === 'volume' ? volumeName(spec.project, m.source) : m.source
    const readOnly = m.type === 'bind' && m.readOnly
    return `${source}:${m.target}:${readOnly ? 'ro' : 'rw'}`
  })
  const create: ContainerCreateOptions = {
    name,
    Image: service.image,
    Env: Object.keys(service.environment)
      .sort()
      .map((key) => `${key}=${service.environment[key]}`),
    // Compose's labels last: a service label can never forge the project or the config hash.
    Labels: { ...service.labels, ...containerLabels(spec, service.name, hash) },
    ExposedPorts: exposed,
    HostConfig: {
      Binds: binds,
      PortBindings: bindings,
      RestartPolicy: { Name: service.restart, MaximumRetryCount: 0 },
      NetworkMode: primary?.network ?? 'none',
    },
  }
  if (service.command) create.Cmd = [...service.command]
  if (service.user !== undefined) create.User = service.user
  if (service.shmSizeBytes !== undefined && create.HostConfig)
    create.HostConfig.ShmSize = service.shmSizeBytes
  if (service.healthcheck) {
    const h = service.healthcheck
    // The Engine API counts healthcheck durations in nanoseconds.
    create.Healthcheck = {
      Test: [...h.test],
      Interval: h.intervalMs * NS_PER_MS,
      Timeout: h.timeoutMs * NS_PER_MS,
      Retries: h.retries,
      StartPeriod: h.startPeriodMs * NS_PER_MS,
    }
  }
  if (primary)
    create.NetworkingConfig = {
      EndpointsConfig: { [primary.network]: { Aliases: [...primary.aliases] } },
    }
  return { name, create, ...(primary ? { primary } : {}), connectLater: others }
}

/**
 * The service's container, or undefined when there is none. A container with our name that does
 * not belong to this compose project is someone else's: we refuse rather than touch it.
 */
export async function inspectServiceContainer(
  engine: DockerEngine,
  project: string,
  service: string,
): Promise<ContainerInspectInfo | undefined> {
  const name = containerName(project, service)
  let info: ContainerInspectInfo
  try {
    info = await engine.api.getContainer(name).inspect()
  } catch (error) {
    if (isNotFound(error)) return undefined
    throw dockerFailure(engine, error, `inspect the container ${name}`, { service })
  }
  // inspect resolves id prefixes too; only the exact name counts.
  if (info.Name !== `/${name}`) return undefined
  const labels = info.Config.Labels ?? {}
  if (labels[label.project] !== project || labels[label.service] !== service) {
    throw new GatehouseError({
      code: 'DOCKER_FAILED',
      message: `A container named ${name} exists but does not belong to the stack "${project}", so Gatehouse leaves it alone.`,
      hint: `Rename or remove that container yourself (\`docker rm -f ${name}\`) if it is not needed.`,
      details: { service, container: name },
    })
  }
  return info
}

export async function createServiceContainer(
  engine: DockerEngine,
  plan: ContainerPlan,
  service: string,
): Promise<string> {
  refuseUnreadSecrets(plan)
  let id: string
  try {
    // The name is the only query parameter; the environment (secrets) travels in the body.
    const { name, ...body } = plan.create
    id = (await engine.api.createContainer(bodyOnly(body, { name: name ?? plan.name }))).id
  } catch (error) {
    throw dockerFailure(engine, error, `create the container ${plan.name}`, { service })
  }
  try {
    for (const extra of plan.connectLater) await connectNetwork(engine, id, extra, service)
  } catch (error) {
    // If the engine died here, the container stays behind without this network: the next Start
    // sees that (observed drift), not only its config hash, and reconnects it.
    await removeContainer(engine, id, service).catch(() => undefined)
    throw dockerFailure(engine, error, `connect ${plan.name} to its networks`, { service })
  }
  return id
}

/** A container is never created with a stand-in for a secret (see `unreadSecret`). */
function refuseUnreadSecrets(plan: ContainerPlan): void {
  const env = Object.fromEntries(
    (plan.create.Env ?? []).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]),
  )
  const unread = unreadSecretVariables(env)
  if (unread.length)
    throw new GatehouseError({
      code: 'STACK_INVALID',
      message: `Gatehouse will not create ${plan.name}: its secrets ${unread.join(', ')} were not read from the keychain.`,
      hint: 'Start the stack again; Start generates the missing secrets before it creates anything.',
      details: { container: plan.name, variables: unread },
    })
}

/**
 * Attaches the container to a network with the plan's aliases. An existing attachment without
 * them is replaced (disconnect, then connect): the engine cannot edit aliases in place. Works on
 * a running container, so a lost attachment is repaired without a recreate.
 */
export async function connectNetwork(
  engine: DockerEngine,
  id: string,
  attachment: NetworkAttachment,
  service: string,
  options: { readonly replace?: boolean } = {},
): Promise<void> {
  const network = engine.api.getNetwork(attachment.network)
  try {
    if (options.replace) await network.disconnect({ Container: id, Force: true })
  } catch (error) {
    // Gone in the meantime (404): nothing to replace.
    if (!isNotFound(error))
      throw dockerFailure(engine, error, `disconnect ${service} from ${attachment.network}`, {
        service,
        network: attachment.network,
      })
  }
  await network.connect({
    Container: id,
    EndpointConfig: { Aliases: [...attachment.aliases] },
  })
}

/** "listen tcp4 127.0.0.1:9000: bind: address already in use" / "Bind for 0.0.0.0:9000 failed: port is already allocated" */
const portInUse = /address already in use|port is already allocated/i

export async function startServiceContainer(
  engine: DockerEngine,
  service: ServiceSpec,
  id: string,
  name: string,
): Promise<void> {
  try {
    await engine.api.getContainer(id).start()
  } catch (error) {
    const message = engineMessage(error)
    if (statusCodeOf(error) !== undefined && portInUse.test(message)) {
      const match = /(?:(\d{1,3}(?:\.\d{1,3}){3}|\[[0-9a-f:]*\]):(\d+))/i.exec(message)
      const port = match?.[2] ? Number(match[2]) : service.ports[0]?.host
      const hostIp = match?.[1]
      // A container that cannot start is useless and would only confuse the next status or start.
      await removeContainer(engine, id, service.name).catch(() => undefined)
      throw new GatehouseError({
        code: 'PORT_IN_USE',
        message: `Port ${port} on the Docker host is already in use, so ${service.name} cannot publish it.`,
        hint:
          `Stop whatever listens on port ${port} (\`ss -ltnp | grep :${port}\`), or choose another ` +
          `port in Settings, then start again. The ${service.name} container that could not start ` +
          'was removed; the other services were left as they are.',
        details: { service: service.name, port, hostIp, container: name, cause: message },
      })
    }
    throw dockerFailure(engine, error, `start the container ${name}`, { service: service.name })
  }
}

export async function stopContainer(
  engine: DockerEngine,
  id: string,
  service: string,
  timeoutSec: number,
): Promise<void> {
  try {
    // Through the client without idle timeout: the engine answers only after the grace period.
    await longRunningApi(engine).getContainer(id).stop({ t: timeoutSec })
  } catch (error) {
    // 304: already stopped; 404: already gone. Both are the state we wanted.
    const status = statusCodeOf(error)
    if (status === 304 || status === 404) return
    throw dockerFailure(engine, error, `stop the container of ${service}`, { service })
  }
}

export async function removeContainer(
  engine: DockerEngine,
  id: string,
  service: string,
): Promise<void> {
  try {
    // v: false keeps anonymous volumes, as `docker-compose down` without -v does.
    await engine.api.getContainer(id).remove({ force: true, v: false })
  } catch (error) {
    if (isNotFound(error)) return
    // 409 "removal already in progress": another call got there first.
    if (statusCodeOf(error) === 409 && /already in progress/i.test(engineMessage(error))) return
    throw dockerFailure(engine, error, `remove the container of ${service}`, { service })
  }
}
