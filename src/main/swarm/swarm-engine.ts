import type Docker from 'dockerode'
import { STACK_NAMESPACE_LABEL, type EngineServiceSpec, type SwarmStack } from './swarm-spec'

/**
 * Applies a SwarmStack through the Engine API's services API (not `docker stack deploy`): the
 * overlay network, the Docker secrets, then one service each — created when missing, updated in
 * place (the engine rolls the server start-first, one at a time) when present. Secrets are
 * immutable in Swarm, so an existing secret is kept; rotating one is a separate, explicit step.
 */

export interface SwarmServiceStatus {
  readonly name: string
  readonly desired: number
  readonly running: number
  /** The latest task error in words (e.g. "No such image: …"), or null. */
  readonly error: string | null
}

const nsFilter = (ns: string) => JSON.stringify({ label: [`${STACK_NAMESPACE_LABEL}=${ns}`] })

export async function deploySwarmStack(api: Docker, stack: SwarmStack): Promise<void> {
  const labels = { [STACK_NAMESPACE_LABEL]: stack.namespace }
  const existingNets = await api.listNetworks()
  for (const net of stack.networks) {
    if (existingNets.some((n) => n.Name === net.name)) continue
    // External networks (Traefik's) are created when missing, as on a single engine; the stack's
    // own network carries the namespace label so `docker stack rm` would remove it too.
    await api.createNetwork({
      Name: net.name,
      Driver: 'overlay',
      Attachable: true,
      CheckDuplicate: true,
      Labels: net.external ? {} : labels,
    })
  }
  const existingSecrets = await api.listSecrets()
  for (const s of stack.secrets) {
    if (existingSecrets.some((e) => e.Spec?.Name === s.name)) continue
    await api.createSecret({
      Name: s.name,
      Labels: { ...s.labels },
      Data: Buffer.from(s.value, 'utf8').toString('base64'),
    })
  }
  const secretIds = new Map(
    (await api.listSecrets()).map((e) => [e.Spec?.Name ?? '', e.ID] as const),
  )
  const services = await api.listServices({ filters: nsFilter(stack.namespace) })
  for (const spec of stack.services) {
    const withIds = withSecretIds(spec, secretIds)
    const found = services.find((s) => s.Spec?.Name === spec.Name)
    if (!found) {
      await api.createService(withIds)
      continue
    }
    const service = api.getService(found.ID)
    await service.update({ ...withIds, version: found.Version?.Index ?? 0 })
  }
}

function withSecretIds(spec: EngineServiceSpec, ids: Map<string, string>) {
  const cs = spec.TaskTemplate.ContainerSpec
  return {
    ...spec,
    TaskTemplate: {
      ...spec.TaskTemplate,
      ContainerSpec: {
        ...cs,
        Secrets: cs.Secrets.map((s) => ({ ...s, SecretID: ids.get(s.SecretName) ?? '' })),
      },
    },
  }
}

export async function swarmStatus(api: Docker, ns: string): Promise<SwarmServiceStatus[]> {
  const services = await api.listServices({ filters: nsFilter(ns) })
  // Tasks do not carry the service's labels: filter them by service name instead.
  const names = services.map((s) => s.Spec?.Name ?? s.ID)
  const tasks =
    names.length === 0 ? [] : await api.listTasks({ filters: JSON.stringify({ service: names }) })
  return services
    .map((svc) => {
      const mine = tasks.filter((t) => t.ServiceID === svc.ID)
      const running = mine.filter((t) => t.Status?.State === 'running').length
      const failed = mine
        .filter((t) => t.Status?.Err)
        .sort((a, b) => String(b.UpdatedAt).localeCompare(String(a.UpdatedAt)))[0]
      return {
        name: svc.Spec?.Name ?? svc.ID,
        desired: svc.Spec?.Mode?.Replicated?.Replicas ?? 0,
        running,
        error: failed?.Status?.Err ?? null,
      }
    })
    .sort((a, b) => a.name.localeCompare(b.name))
}

/** Stop = scale every service to 0 (volumes and secrets stay); Start = back to the given counts. */
export async function scaleSwarmStack(
  api: Docker,
  ns: string,
  replicas: (serviceName: string) => number,
): Promise<void> {
  const services = await api.listServices({ filters: nsFilter(ns) })
  for (const svc of services) {
    const spec = svc.Spec
    if (!spec?.Name) continue
    await api.getService(svc.ID).update({
      ...spec,
      Mode: { Replicated: { Replicas: replicas(spec.Name) } },
      version: svc.Version?.Index ?? 0,
    })
  }
}

/** Removes the stack's services, secrets and own network; volumes (the data) are kept. */
export async function removeSwarmStack(api: Docker, ns: string): Promise<void> {
  const services = await api.listServices({ filters: nsFilter(ns) })
  for (const svc of services) await api.getService(svc.ID).remove()
  // Task containers must be gone before their secrets and network can be removed.
  // Task containers carry the namespace label (ContainerSpec.Labels).
  const containerFilter = nsFilter(ns)
  for (let i = 0; i < 120 && services.length > 0; i++) {
    const left = await api.listContainers({ all: true, filters: containerFilter })
    if (left.length === 0) break
    await new Promise((r) => setTimeout(r, 500))
  }
  for (const s of await api.listSecrets({ filters: nsFilter(ns) }))
    await api.getSecret(s.ID).remove()
  for (const n of await api.listNetworks({ filters: nsFilter(ns) }))
    await api.getNetwork(n.Id).remove()
}
