/**
 * The stack as Gatehouse means it, independent of Docker's API shapes: what the version
 * catalogue produces, what the lifecycle (src/main/docker) creates, and what the compose export
 * writes. Environment values may hold secrets: never log a ServiceSpec or put one in an error.
 */

export type Mount =
  /** A named volume; `source` is the logical name ("database"), the engine name is `<project>_<source>`. */
  | { readonly type: 'volume'; readonly source: string; readonly target: string }
  /** A host folder (absolute path) or the Docker socket. */
  | {
      readonly type: 'bind'
      readonly source: string
      readonly target: string
      readonly readOnly?: boolean
    }

export interface PortSpec {
  readonly container: number
  readonly host: number
  /** "127.0.0.1" for the setup-before-DNS port; omitted = all interfaces. */
  readonly hostIp?: string
}

export interface HealthcheckSpec {
  /** Docker's form: ["CMD-SHELL", "pg_isready …"] or ["CMD", …]. */
  readonly test: readonly string[]
  readonly intervalMs: number
  readonly timeoutMs: number
  readonly retries: number
  readonly startPeriodMs: number
}

export interface ServiceSpec {
  /** Compose service name: "postgresql", "redis", "server", "worker". */
  readonly name: string
  readonly image: string
  readonly command?: readonly string[]
  readonly user?: string
  readonly environment: Readonly<Record<string, string>>
  /**
   * Keys of `environment` whose values are secrets (passwords, keys, tokens). The compose export
   * moves exactly these into `.env` and references them as ${VAR}; logs and the UI mask them.
   * Added for the catalogue and the export; omitted means none.
   */
  readonly secretEnv?: readonly string[]
  readonly mounts: readonly Mount[]
  readonly ports: readonly PortSpec[]
  /** Omitted: the image's own HEALTHCHECK applies. */
  readonly healthcheck?: HealthcheckSpec
  /** Services that must be healthy before this one starts (compose `condition: service_healthy`). */
  readonly dependsOn: readonly string[]
  readonly shmSizeBytes?: number
  /** Extra labels (Traefik routing); compose's own labels are added by the lifecycle. */
  readonly labels: Readonly<Record<string, string>>
  /** Networks this service joins, with aliases: the project network and/or "traefik". */
  readonly networks: readonly { readonly name: string; readonly aliases: readonly string[] }[]
  readonly restart: 'unless-stopped' | 'no'
}

export interface StackSpec {
  /** Compose project name ("authentik"): prefixes containers, volumes and the project network. */
  readonly project: string
  /** Folder the compose export lives in; compose's `working_dir` label points here. */
  readonly workingDir: string
  /** The shared reverse-proxy network, created when missing, never removed by Gatehouse. */
  readonly externalNetwork: string
  /** Logical names of the named volumes the services use. */
  readonly volumes: readonly string[]
  /** In dependency order is not required; the lifecycle orders by `dependsOn`. */
  readonly services: readonly ServiceSpec[]
}

/**
 * Stands in for a secret the keychain does not hold yet, in a spec built only to look (status,
 * logs) — Start and export generate the secrets first. It can be compared (a container holding a
 * real value then "differs"), but it can never be written: creating a container or exporting a
 * spec that holds one is refused (`assertNoUnreadSecret`). Not a usable value either: it starts
 * with a NUL character, which no environment, file or shell can carry.
 */
const UNREAD_SECRET = '\u0000gatehouse:not-in-keychain:'

export function unreadSecret(name: string): string {
  return `${UNREAD_SECRET}${name}`
}

/** Names of the variables in `environment` that hold a stand-in instead of a secret. */
export function unreadSecretVariables(environment: Readonly<Record<string, string>>): string[] {
  return Object.keys(environment)
    .filter((key) => environment[key]?.startsWith(UNREAD_SECRET))
    .sort()
}
