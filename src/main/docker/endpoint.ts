import type { Agent } from 'node:http'
import type { DockerOptions } from 'dockerode'

/** docker-modem honours `agent` (its types omit it): the SSH transport's channels. */
export type EndpointOptions = DockerOptions & { agent?: Agent }

export interface DockerEndpoint {
  /** What we show the admin: "/var/run/docker.sock", "tcp://nas:2376", … */
  readonly display: string
  readonly options: EndpointOptions
  readonly kind: 'socket' | 'pipe' | 'tcp' | 'ssh'
}

export function defaultEndpoint(platform: NodeJS.Platform = process.platform): string {
  return platform === 'win32' ? 'npipe:////./pipe/docker_engine' : 'unix:///var/run/docker.sock'
}

/**
 * Where the engine is: an explicit setting first, then DOCKER_HOST as the docker CLI honours it,
 * then the platform's default socket or named pipe.
 */
export function resolveEndpoint(
  explicit?: string,
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
): DockerEndpoint {
  const raw = explicit || env.DOCKER_HOST || defaultEndpoint(platform)
  if (raw.startsWith('unix://')) {
    const path = raw.slice('unix://'.length)
    return { display: path, options: { socketPath: path }, kind: 'socket' }
  }
  if (raw.startsWith('ssh://')) {
    // The requests travel through an SSH channel (the agent the engine adds); host/port only
    // name the HTTP Host header docker-modem sends.
    return { display: raw, kind: 'ssh', options: { protocol: 'http', host: 'docker', port: 80 } }
  }
  if (raw.startsWith('npipe://')) {
    const path = raw.slice('npipe://'.length)
    return { display: path, options: { socketPath: path }, kind: 'pipe' }
  }
  if (raw.startsWith('tcp://') || raw.startsWith('http://') || raw.startsWith('https://')) {
    const url = new URL(raw.replace(/^tcp:/, 'http:'))
    const tls = raw.startsWith('https://') || env.DOCKER_TLS_VERIFY === '1'
    return {
      display: raw,
      kind: 'tcp',
      options: {
        host: url.hostname,
        port: url.port || (tls ? 2376 : 2375),
        protocol: tls ? 'https' : 'http',
      },
    }
  }
  // A bare path is what most people paste from their NAS documentation.
  return { display: raw, options: { socketPath: raw }, kind: 'socket' }
}
