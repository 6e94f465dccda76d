import type { HealthState } from '../../shared/contract'
import type { ContainerInspectInfo } from 'dockerode'
import { GatehouseError } from '../../shared/errors'
import type { ServiceSpec, StackSpec } from './model'
import { containerName } from './compose'
import { pollingOnly, type ContainerChanges } from './container-events'
import type { DockerEngine } from './engine'
import { stopContainer } from './containers'
import { dockerFailure, isNotFound } from './failures'
import { tailLogs } from './logs'

/**
 * Waiting for a service to be usable: healthy when it has a healthcheck (its own or the image's),
 * running otherwise. Like compose, an "unhealthy" verdict fails at once instead of waiting out the
 * timeout, and so does a container that keeps crashing (Docker restarting it under its
 * `unless-stopped` policy): its healthcheck may take minutes to say "unhealthy" (Authentik's
 * interval is 30 s), and without one it looks "running" between two crashes. The error names the
 * service and carries its last log lines, with the service's environment values blanked out in
 * case a program printed one.
 */

/** Restarts seen during one wait that make it a crash loop rather than a slow start. */
export const CRASH_LOOP_RESTARTS = 2

export type { HealthState }

export interface WaitOptions {
  /** Overall deadline for this service. Default 120 s (Authentik's first start migrates). */
  readonly timeoutMs?: number
  /** How often the container is inspected. Default 250 ms. */
  readonly pollMs?: number
  /** Called when the health state changes (for progress). */
  readonly onState?: (health: HealthState) => void
  readonly logLines?: number
  /**
   * The container was created by this Start: every restart it has is part of this wait. Without
   * it the restarts are counted from the first inspect, and a container that crashed before that
   * inspect would look like a plain unhealthy one.
   */
  readonly freshContainer?: boolean
  /** Engine events that end a poll early (see container-events.ts); polling alone without. */
  readonly changes?: ContainerChanges
}

export function healthOf(info: ContainerInspectInfo): HealthState {
  const status = info.State.Health?.Status
  return status === 'healthy' || status === 'unhealthy' || status === 'starting' ? status : 'none'
}

export async function waitServiceReady(
  engine: DockerEngine,
  spec: StackSpec,
  service: ServiceSpec,
  options: WaitOptions = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 120_000
  const pollMs = options.pollMs ?? 250
  const deadline = Date.now() + timeoutMs
  const name = containerName(spec.project, service.name)
  let last: HealthState | undefined
  let baseline: number | undefined
  const changes = options.changes ?? pollingOnly
  for (;;) {
    const seen = changes.count(name)
    let info: ContainerInspectInfo
    try {
      info = await engine.api.getContainer(name).inspect()
    } catch (error) {
      if (isNotFound(error))
        throw await unhealthy(
          engine,
          service,
          name,
          `its container ${name} does not exist`,
          options,
        )
      throw dockerFailure(engine, error, `inspect the container ${name}`, { service: service.name })
    }
    const health = healthOf(info)
    if (health !== last) {
      last = health
      options.onState?.(health)
    }
    const state = info.State
    // Counted from the start of this wait (or the container's creation, when this Start made it):
    // an older container may have restarted long ago.
    baseline ??= options.freshContainer ? 0 : info.RestartCount
    const restarts = info.RestartCount - baseline
    // Judged while Docker waits to restart it: then ExitCode is the crash's, not 0 of a new run.
    const betweenRuns = state.Restarting || !state.Running
    if (
      (restarts >= CRASH_LOOP_RESTARTS && betweenRuns) ||
      (restarts >= 1 && health === 'unhealthy')
    )
      throw await crashLoop(engine, service, name, info, options)
    if (state.Status === 'exited' || state.Status === 'dead')
      throw await unhealthy(
        engine,
        service,
        name,
        `it exited with code ${state.ExitCode}`,
        options,
        {
          exitCode: state.ExitCode,
        },
      )
    if (health === 'healthy' || (health === 'none' && state.Running && !state.Restarting)) return
    if (health === 'unhealthy')
      throw await unhealthy(
        engine,
        service,
        name,
        'its healthcheck reports it unhealthy',
        options,
        {
          healthcheck: lastProbe(info),
        },
      )
    if (Date.now() >= deadline)
      throw await unhealthy(
        engine,
        service,
        name,
        `it did not become healthy within ${Math.round(timeoutMs / 1000)} s (state: ${state.Status}, health: ${health})`,
        options,
        { healthcheck: lastProbe(info), restartCount: info.RestartCount },
      )
    await changes.next(name, seen, Math.min(pollMs, Math.max(0, deadline - Date.now())))
  }
}

/** Waits for all (or the named) services of the stack, in parallel. */
export async function waitHealthy(
  engine: DockerEngine,
  spec: StackSpec,
  options: WaitOptions & { readonly services?: readonly string[] } = {},
): Promise<void> {
  const wanted = spec.services.filter((s) => !options.services || options.services.includes(s.name))
  const results = await Promise.allSettled(
    wanted.map((s) => waitServiceReady(engine, spec, s, options)),
  )
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed) throw failed.reason
}

/** The output of the most recent healthcheck run, trimmed: often the actual reason. */
function lastProbe(info: ContainerInspectInfo): string | undefined {
  const log = info.State.Health?.Log
  const entry = log?.[log.length - 1]
  return entry ? `exit ${entry.ExitCode}: ${entry.Output.trim().slice(0, 500)}` : undefined
}

/**
 * Blanks out secret environment values wherever they appear. With `secretEnv` (the catalogue
 * always sets it) exactly those keys; for a spec without it, every value of 8+ characters, since
 * we cannot tell a password from a host name and a leaked secret is worse than a blanked word.
 */
export function redact(text: string, service: ServiceSpec): string {
  const values = service.secretEnv
    ? service.secretEnv.map((key) => service.environment[key] ?? '')
    : Object.values(service.environment).filter((value) => value.length >= 8)
  let out = text
  // Longest first, so a secret containing another is blanked whole.
  for (const value of values.filter(Boolean).sort((a, b) => b.length - a.length))
    out = out.split(value).join('***')
  return out
}

/**
 * A crash loop never ends by itself: Docker restarts the container for ever (with a growing
 * back-off) and floods its log. Gatehouse stops it — that is the "no orphan left unexplained":
 * the container stays, stopped, with its logs, and the error says so.
 */
async function crashLoop(
  engine: DockerEngine,
  service: ServiceSpec,
  container: string,
  info: ContainerInspectInfo,
  options: WaitOptions,
): Promise<GatehouseError> {
  const error = await unhealthy(
    engine,
    service,
    container,
    `it keeps crashing — it exited with code ${info.State.ExitCode} and Docker restarted it ` +
      `${info.RestartCount === 1 ? 'once' : `${info.RestartCount} times`}. Gatehouse stopped it so it does not restart for ever; the ` +
      'container is kept with its logs',
    options,
    { exitCode: info.State.ExitCode, restartCount: info.RestartCount, crashLoop: true },
  )
  await stopContainer(engine, info.Id, service.name, 5).catch(() => undefined)
  return error
}

async function unhealthy(
  engine: DockerEngine,
  service: ServiceSpec,
  container: string,
  why: string,
  options: WaitOptions,
  extra: Record<string, unknown> = {},
): Promise<GatehouseError> {
  let logs: string[] = []
  try {
    const lines = await tailLogs(engine, container, { tail: options.logLines ?? 20 })
    logs = lines.map((l) => redact(l.stream === 'stderr' ? `[stderr] ${l.text}` : l.text, service))
  } catch {
    // No logs (container gone, engine hiccup): the error itself still says what failed.
  }
  const details: Record<string, unknown> = { service: service.name, container, logs }
  for (const [key, value] of Object.entries(extra))
    if (value !== undefined)
      details[key] = typeof value === 'string' ? redact(value, service) : value
  return new GatehouseError({
    code: 'STACK_UNHEALTHY',
    message: `The service ${service.name} is not healthy: ${why}.`,
    hint:
      `Read the last log lines of ${service.name} below; \`docker logs ${container}\` shows all of ` +
      'them. Fix the cause (often a setting or a secret), then start again.',
    details,
  })
}
