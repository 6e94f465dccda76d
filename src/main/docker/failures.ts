import { GatehouseError } from '../../shared/errors'
import type { DockerEngine } from './engine'
import { unreachable } from './engine'

/**
 * One place that turns what dockerode throws into a GatehouseError. Socket-level failures (no
 * HTTP status) mean the engine itself is gone, which the admin fixes differently from an engine
 * that answered "no", so they become DOCKER_UNREACHABLE through the shared `unreachable()`.
 */

/** Socket errors that mean "no engine answers here", as opposed to an engine that said no. */
const socketCodes = new Set([
  'ENOENT',
  'ECONNREFUSED',
  'EACCES',
  'EPERM',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNRESET',
  'EPIPE',
])

export function statusCodeOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | null)?.statusCode
  return typeof status === 'number' ? status : undefined
}

/**
 * The engine's own sentence: docker-modem wraps it as "(HTTP code 404) no such container - <msg> ",
 * with the JSON body in `.json` when there is one.
 */
export function engineMessage(error: unknown): string {
  const json = (error as { json?: unknown } | null)?.json
  if (json && typeof json === 'object' && 'message' in json) {
    const message = (json as { message?: unknown }).message
    if (typeof message === 'string') return message.trim()
  }
  const raw = error instanceof Error ? error.message : String(error)
  const match = /^\(HTTP code \d+\) [^-]*- (.*)$/s.exec(raw)
  return (match?.[1] ?? raw).trim()
}

export function isNotFound(error: unknown): boolean {
  return statusCodeOf(error) === 404
}

export function isSocketFailure(error: unknown): boolean {
  if (statusCodeOf(error) !== undefined) return false
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && socketCodes.has(code)
}

/**
 * `action` completes "Docker could not …" ("create the container authentik_server_1").
 * Never pass anything that may hold a secret (environment values) in `details`.
 */
export function dockerFailure(
  engine: DockerEngine,
  error: unknown,
  action: string,
  details: Record<string, unknown> = {},
): GatehouseError {
  if (error instanceof GatehouseError) return error
  if (isSocketFailure(error)) return unreachable(engine.endpoint, error, { action, details })
  const status = statusCodeOf(error)
  const cause = engineMessage(error)
  return new GatehouseError({
    code: 'DOCKER_FAILED',
    message: `Docker could not ${action}: ${cause}`,
    hint:
      status === 409
        ? 'Something else holds this resource (a container or a name in use); check `docker ps -a`.'
        : 'See the cause above; the Docker engine log (`journalctl -u docker`) may say more.',
    details: { ...details, ...(status === undefined ? {} : { status }), cause },
  })
}
