import { statfs } from 'node:fs/promises'
import { dirname, posix } from 'node:path'
import type { HostTestResult } from '../../shared/contract/hosts'
import { GatehouseError } from '../../shared/errors'
import type { Settings } from '../../shared/settings'
import type { SecretStore } from '../secrets/store'
import { createSshConnection, type SshConnection } from '../ssh/connection'
import { authorizedKeysLineOf, generateKeyPair } from '../ssh/keypair'
import { closeSshConnections, sshAuthFrom, sshTrustFrom } from '../ssh/pool'
import { scanHostKey } from '../ssh/scan'
import { parseSshTarget } from '../ssh/target'
import { createDockerEngine } from './engine'
import { engineForSettings } from './host-engine'

type DockerSettings = Settings['docker']

export interface HostServiceOptions {
  secrets: SecretStore
  /** The saved settings' data folder, when the test names none. */
  dataFolder: () => Promise<string | undefined>
  fallbackEndpoint?: string
}

/**
 * Settings → Docker host (#15): read a host key for acceptance, test a draft configuration
 * before saving it (its own short-lived SSH connection, so a wrong draft never replaces the app's
 * working one), and keep the SSH key pair / passphrase / TLS key in the keychain.
 */
export function createHostService(options: HostServiceOptions) {
  const { secrets } = options
  return {
    scanHostKey: ({ address }: { address: string }) => scanHostKey(parseSshTarget(address)),

    async test(input: { docker: DockerSettings; dataFolder?: string }): Promise<HostTestResult> {
      const docker = input.docker
      const folder = input.dataFolder ?? (await options.dataFolder())
      if (docker.kind === 'ssh' && docker.ssh) {
        const connection = createSshConnection({
          target: parseSshTarget(docker.ssh.address),
          auth: await sshAuthFrom(docker.ssh, secrets),
          trust: sshTrustFrom(docker.ssh),
        })
        try {
          const engine = createDockerEngine({
            endpoint: docker.ssh.address,
            ssh: {
              connection,
              ...(docker.ssh.socketPath ? { socketPath: docker.ssh.socketPath } : {}),
            },
          })
          const info = await engine.ping()
          const disk = folder ? await remoteFree(connection, folder) : null
          return {
            kind: 'ssh',
            engine: info,
            diskPath: disk?.path ?? null,
            freeDiskBytes: disk?.free ?? null,
          }
        } finally {
          await connection.close()
        }
      }
      const engine = await engineForSettings({
        docker,
        secrets,
        ...(options.fallbackEndpoint ? { fallbackEndpoint: options.fallbackEndpoint } : {}),
      })
      const info = await engine.ping()
      if (docker.kind === 'tls')
        // No SFTP over TLS: the free space is measured by the SSH and local kinds only.
        return { kind: 'tls', engine: info, diskPath: null, freeDiskBytes: null }
      const disk = folder ? await localFree(folder) : null
      return {
        kind: 'local',
        engine: info,
        diskPath: disk?.path ?? null,
        freeDiskBytes: disk?.free ?? null,
      }
    },

    async generateKey({ replace }: { replace: boolean }) {
      const existing = await secrets.get('host:sshPrivateKey')
      if (existing && !replace)
        return { authorizedKeysLine: authorizedKeysLineOf(existing), created: false }
      const pair = generateKeyPair()
      await secrets.set('host:sshPrivateKey', pair.privateKey)
      // Connections made with the old key must not linger.
      await closeSshConnections()
      return { authorizedKeysLine: pair.authorizedKeysLine, created: true }
    },

    async storeSecret({
      name,
      value,
    }: {
      name: 'sshKeyPassphrase' | 'tlsClientKey'
      value: string
    }) {
      if (name === 'tlsClientKey' && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value))
        throw new GatehouseError({
          code: 'VALIDATION_FAILED',
          message: 'That is not a PEM private key.',
          hint: 'Paste the whole key.pem, from -----BEGIN … PRIVATE KEY----- to the END line.',
        })
      await secrets.set(
        name === 'sshKeyPassphrase' ? 'host:sshKeyPassphrase' : 'host:tlsClientKey',
        value,
      )
      await closeSshConnections()
      return { stored: true as const }
    },
  }
}

/** statvfs@openssh.com on the data folder, or its nearest existing parent (not created yet). */
async function remoteFree(
  connection: SshConnection,
  folder: string,
): Promise<{ path: string; free: number } | null> {
  const sftp = await connection.sftp()
  let path = posix.normalize(folder)
  for (;;) {
    const result = await new Promise<{
      f_bavail: number | bigint
      f_frsize: number | bigint
    } | null>((resolve) =>
      sftp.ext_openssh_statvfs(path, (err, fs) =>
        resolve(
          err ? null : (fs as unknown as { f_bavail: number | bigint; f_frsize: number | bigint }),
        ),
      ),
    )
    if (result) return { path, free: Number(result.f_bavail) * Number(result.f_frsize) }
    if (path === '/') return null
    path = posix.dirname(path)
  }
}

async function localFree(folder: string): Promise<{ path: string; free: number } | null> {
  let path = folder
  for (;;) {
    try {
      const s = await statfs(path)
      return { path, free: s.bavail * s.bsize }
    } catch {
      const up = dirname(path)
      if (up === path) return null
      path = up
    }
  }
}
