import Docker from 'dockerode'
import type { DockerEngineInfo } from '../../shared/contract'
import { GatehouseError } from '../../shared/errors'
import { resolveEndpoint, type DockerEndpoint } from './endpoint'

export interface DockerEngine {
  readonly endpoint: DockerEndpoint
  readonly api: Docker
  ping(): Promise<DockerEngineInfo>
}

export interface DockerEngineOptions {
  /** "unix:///path", "npipe:////./pipe/x", "tcp://host:2375" or a bare socket path. */
  endpoint?: string
  /** Milliseconds before a call counts as "not answering". */
  timeoutMs?: number
}

export function createDockerEngine(options: DockerEngineOptions = {}): DockerEngine {
  const endpoint = resolveEndpoint(options.endpoint)
  const api = new Docker({ ...endpoint.options, timeout: options.timeoutMs ?? 5000 })
  return {
    endpoint,
    api,
    async ping() {
      try {
        const v = await api.version()
        return {
          version: v.Version,
          apiVersion: v.ApiVersion,
          os: v.Os,
          arch: v.Arch,
          endpoint: endpoint.display,
        }
      } catch (error) {
        throw unreachable(endpoint, error)
      }
    },
  }
}

/** Turns a socket or HTTP failure into the one error an admin can act on. */
export function unreachable(endpoint: DockerEndpoint, error: unknown): GatehouseError {
  const code = (error as { code?: string } | null)?.code
  const where = endpoint.display
  const start =
    'Start the Docker engine (`sudo systemctl start docker`; on a NAS, start Container Manager or ' +
    'Docker in its package centre)'
  const moved = `or set DOCKER_HOST if your engine listens somewhere else than ${where}.`
  let message: string
  let hint: string
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      message = `Permission denied on the Docker socket ${where}.`
      hint =
        'Add your user to the docker group (`sudo usermod -aG docker $USER`), then log out and back ' +
        `in; or run Gatehouse as a user that may use ${where}.`
      break
    case 'ENOENT':
      message = `No Docker engine at ${where}: the socket does not exist, so Docker is not running or not installed.`
      hint = `${start}, ${moved}`
      break
    case 'ECONNREFUSED':
      message = `The Docker engine at ${where} refused the connection: it is not running.`
      hint = `${start}, ${moved}`
      break
    case 'ETIMEDOUT':
    case 'ESOCKETTIMEDOUT':
      message = `The Docker engine at ${where} did not answer in time.`
      hint = 'The engine may be starting or overloaded; wait a moment and retry, or restart Docker.'
      break
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      message = `The Docker host in ${where} cannot be found.`
      hint = 'Check the host name in DOCKER_HOST or in Settings → Docker connection.'
      break
    default: {
      const status = (error as { statusCode?: number } | null)?.statusCode
      message = status
        ? `The Docker engine at ${where} answered with HTTP ${status}.`
        : `Gatehouse could not talk to the Docker engine at ${where}.`
      hint = `Check that Docker is running and reachable at ${where}.`
    }
  }
  return new GatehouseError({
    code: 'DOCKER_UNREACHABLE',
    message,
    hint,
    details: { endpoint: where, cause: code ?? String((error as Error)?.message ?? error) },
  })
}
