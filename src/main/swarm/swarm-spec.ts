import type { HealthcheckSpec, ServiceSpec, StackSpec } from '../docker/model'

/**
 * Translates Gatehouse's stack model (the one the catalogue builds for a single engine) into the
 * Engine API's Swarm shapes (#20): one service spec per model service, Docker secrets instead of
 * secret environment values, and the `com.docker.stack.namespace` label so `docker stack ps`
 * recognises the result as a stack. Pure: the engine calls live elsewhere, so the whole mapping
 * is checked by unit tests without an engine.
 */

/** The label `docker stack` uses to find a stack's services, networks and secrets. */
export const STACK_NAMESPACE_LABEL = 'com.docker.stack.namespace'

/**
 * Secret values shared by several variables become one Docker secret (the database password is
 * read by PostgreSQL and by Authentik). Variables not listed get a secret named after themselves.
 */
const SECRET_NAMES: Readonly<Record<string, string>> = {
  POSTGRES_PASSWORD: 'postgres_password',
  AUTHENTIK_POSTGRESQL__PASSWORD: 'postgres_password',
  AUTHENTIK_SECRET_KEY: 'authentik_secret_key',
  AUTHENTIK_BOOTSTRAP_PASSWORD: 'bootstrap_password',
  AUTHENTIK_BOOTSTRAP_TOKEN: 'bootstrap_token',
  AUTHENTIK_EMAIL__PASSWORD: 'smtp_password',
}

export interface SwarmOptions {
  /** Server replicas (settings.deployment.serverReplicas). */
  readonly serverReplicas: number
  /** Node PostgreSQL is pinned to (its volume is local to one node); default: a manager. */
  readonly postgresConstraint?: string
}

/** A Docker secret to create before the services: the value never enters a service spec. */
export interface SwarmSecret {
  /** Engine name, `<stack>_<logical>`. */
  readonly name: string
  /** Where it appears in containers: /run/secrets/<name>. */
  readonly file: string
  readonly value: string
  readonly labels: Readonly<Record<string, string>>
}

/** The subset of the Engine API's ServiceSpec Gatehouse writes (field names as the API has them). */
export interface EngineServiceSpec {
  readonly Name: string
  readonly Labels: Record<string, string>
  readonly TaskTemplate: {
    readonly ContainerSpec: {
      readonly Image: string
      readonly Args?: string[]
      readonly User?: string
      readonly Env: string[]
      readonly Labels: Record<string, string>
      readonly Mounts: {
        Type: 'volume' | 'bind'
        Source: string
        Target: string
        ReadOnly?: boolean
      }[]
      readonly Secrets: {
        SecretName: string
        File: { Name: string; UID: string; GID: string; Mode: number }
      }[]
      readonly Healthcheck?: {
        Test: string[]
        Interval: number
        Timeout: number
        Retries: number
        StartPeriod: number
      }
    }
    readonly Placement: { Constraints: string[] }
    readonly RestartPolicy: { Condition: 'any' | 'none' }
    readonly Networks: { Target: string; Aliases: string[] }[]
  }
  readonly Mode: { Replicated: { Replicas: number } }
  readonly UpdateConfig: {
    readonly Parallelism: number
    readonly Order: 'start-first' | 'stop-first'
    readonly FailureAction: 'rollback' | 'pause'
    readonly Monitor: number
  }
  readonly EndpointSpec: {
    Ports: { Protocol: 'tcp'; TargetPort: number; PublishedPort: number; PublishMode: 'ingress' }[]
  }
}

export interface SwarmStack {
  readonly namespace: string
  /** The stack's overlay network (attachable, so tests and tools can join it). */
  readonly networks: readonly { readonly name: string; readonly external: boolean }[]
  readonly secrets: readonly SwarmSecret[]
  readonly services: readonly EngineServiceSpec[]
}

const NS = 1_000_000

function engineHealthcheck(h: HealthcheckSpec) {
  return {
    Test: [...h.test],
    Interval: h.intervalMs * NS,
    Timeout: h.timeoutMs * NS,
    Retries: h.retries,
    StartPeriod: h.startPeriodMs * NS,
  }
}

/** Secret env variable → how the image reads it from a file instead. */
function fileReference(key: string, file: string): [string, string] {
  // Authentik resolves `file://` in any of its settings; the official postgres image reads *_FILE.
  return key.startsWith('AUTHENTIK_') ? [key, `file://${file}`] : [`${key}_FILE`, file]
}

/**
 * Builds the Swarm form of a stack. The model's project network becomes the stack's own overlay;
 * the reverse-proxy network stays external (Traefik owns it). The server gets N replicas, rolling
 * updates one at a time with the new task started (and healthy) before the old stops.
 */
export function buildSwarmStack(stack: StackSpec, options: SwarmOptions): SwarmStack {
  const ns = stack.project
  const nsLabel = { [STACK_NAMESPACE_LABEL]: ns }
  const secrets = new Map<string, SwarmSecret>()
  const services = stack.services.map((svc) => toEngineService(svc, stack, options, secrets))
  const networkNames = new Set(stack.services.flatMap((s) => s.networks.map((n) => n.name)))
  return {
    namespace: ns,
    networks: [...networkNames].sort().map((name) => ({
      name,
      external: name === stack.externalNetwork,
    })),
    secrets: [...secrets.values()].map((s) => ({ ...s, labels: { ...nsLabel } })),
    services,
  }
}

function toEngineService(
  svc: ServiceSpec,
  stack: StackSpec,
  options: SwarmOptions,
  secrets: Map<string, SwarmSecret>,
): EngineServiceSpec {
  const ns = stack.project
  const secretKeys = new Set(svc.secretEnv ?? [])
  const env: string[] = []
  const mounted: EngineServiceSpec['TaskTemplate']['ContainerSpec']['Secrets'] = []
  for (const [key, value] of Object.entries(svc.environment)) {
    if (!secretKeys.has(key)) {
      env.push(`${key}=${value}`)
      continue
    }
    const name = `${ns}_${SECRET_NAMES[key] ?? key.toLowerCase()}`
    const file = `/run/secrets/${name}`
    if (!secrets.has(name)) secrets.set(name, { name, file, value, labels: {} })
    if (!mounted.some((m) => m.SecretName === name))
      mounted.push({ SecretName: name, File: { Name: name, UID: '0', GID: '0', Mode: 0o444 } })
    const [k, v] = fileReference(key, file)
    env.push(`${k}=${v}`)
  }
  const isServer = svc.name === 'server'
  const isPostgres = svc.name === 'postgresql'
  const labels = { [STACK_NAMESPACE_LABEL]: ns }
  return {
    Name: `${ns}_${svc.name}`,
    // Swarm-mode Traefik reads routing labels from the service (compose's deploy.labels).
    Labels: { ...svc.labels, ...labels },
    TaskTemplate: {
      ContainerSpec: {
        Image: svc.image,
        ...(svc.command ? { Args: [...svc.command] } : {}),
        ...(svc.user ? { User: svc.user } : {}),
        Env: env,
        Labels: { ...labels },
        Mounts: svc.mounts.map((m) =>
          m.type === 'volume'
            ? { Type: 'volume' as const, Source: `${ns}_${m.source}`, Target: m.target }
            : {
                Type: 'bind' as const,
                Source: m.source,
                Target: m.target,
                ...(m.readOnly ? { ReadOnly: true } : {}),
              },
        ),
        Secrets: mounted,
        ...(svc.healthcheck ? { Healthcheck: engineHealthcheck(svc.healthcheck) } : {}),
      },
      // PostgreSQL's volume is local to one node: pin it there so it never starts empty elsewhere.
      Placement: {
        Constraints: isPostgres ? [options.postgresConstraint ?? 'node.role==manager'] : [],
      },
      RestartPolicy: { Condition: svc.restart === 'no' ? 'none' : 'any' },
      Networks: svc.networks.map((n) => ({
        // Compose names the project network `<project>_default`; in a stack it is `<ns>_default` too.
        Target: n.name,
        Aliases: [...n.aliases],
      })),
    },
    Mode: { Replicated: { Replicas: isServer ? options.serverReplicas : 1 } },
    UpdateConfig: {
      Parallelism: 1,
      // Two PostgreSQL tasks on one data folder would corrupt it: only stateless ones start first.
      Order: isServer ? 'start-first' : 'stop-first',
      FailureAction: isServer ? 'rollback' : 'pause',
      Monitor: 30_000 * NS,
    },
    EndpointSpec: {
      Ports: svc.ports.map((p) => ({
        Protocol: 'tcp' as const,
        TargetPort: p.container,
        PublishedPort: p.host,
        PublishMode: 'ingress' as const,
      })),
    },
  }
}
