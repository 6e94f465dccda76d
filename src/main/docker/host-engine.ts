import { readFile } from 'node:fs/promises'
import type { Settings } from '../../shared/settings'
import { GatehouseError } from '../../shared/errors'
import { noHostSecrets, sharedSshConnection, type HostSecretSource } from '../ssh/pool'
import { createDockerEngine, type DockerEngine } from './engine'

export interface HostEngineSources {
  docker: Settings['docker'] | undefined
  secrets?: HostSecretSource
  /** Endpoint when the settings name none (tests); else DOCKER_HOST, then the OS default. */
  fallbackEndpoint?: string
  timeoutMs?: number
}

/**
 * The engine the settings' "Docker host" names (#15): this computer, the NAS over SSH (through
 * the app's one connection to it), or TCP with TLS (CA and certificate files, key in the keychain).
 */
export async function engineForSettings(sources: HostEngineSources): Promise<DockerEngine> {
  const docker = sources.docker
  const secrets = sources.secrets ?? noHostSecrets
  const timing = sources.timeoutMs ? { timeoutMs: sources.timeoutMs } : {}
  if (docker?.kind === 'ssh' && docker.ssh) {
    const connection = await sharedSshConnection(docker.ssh, secrets)
    return createDockerEngine({
      ...timing,
      endpoint: docker.ssh.address,
      ssh: { connection, ...(docker.ssh.socketPath ? { socketPath: docker.ssh.socketPath } : {}) },
    })
  }
  if (docker?.kind === 'tls' && docker.tls) {
    const key = await secrets.get('host:tlsClientKey')
    if (!key)
      throw new GatehouseError({
        code: 'SETTINGS_INVALID',
        message: 'The TLS client key for the Docker host is not in the keychain.',
        hint: 'Paste the client key (key.pem) in Settings → Docker host; Gatehouse keeps it in the keychain.',
      })
    const [ca, cert] = await Promise.all([
      readPem(docker.tls.caFile, 'CA certificate'),
      readPem(docker.tls.certFile, 'client certificate'),
    ])
    return createDockerEngine({
      ...timing,
      endpoint: docker.tls.address.replace(/^tcp:/, 'https:'),
      tls: { ca, cert, key },
    })
  }
  return createDockerEngine({
    ...timing,
    ...((docker?.endpoint ?? sources.fallbackEndpoint)
      ? { endpoint: docker?.endpoint ?? sources.fallbackEndpoint }
      : {}),
    allowInsecureTcp: docker?.allowInsecureTcp ?? false,
  })
}

async function readPem(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (error) {
    throw new GatehouseError({
      code: 'SETTINGS_INVALID',
      message: `Gatehouse cannot read the ${what} ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
      hint: "Choose the PEM files your NAS made for Docker's TLS (ca.pem, cert.pem) in Settings → Docker host.",
      details: { path },
    })
  }
}
