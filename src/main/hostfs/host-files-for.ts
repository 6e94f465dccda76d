import { GatehouseError } from '../../shared/errors'
import type { Settings } from '../../shared/settings'
import { noHostSecrets, sharedSshConnection, type HostSecretSource } from '../ssh/pool'
import type { HostFiles } from './host-files'
import { localFiles } from './local-files'
import { sftpFiles } from './sftp-files'

/**
 * The Docker host's files as the settings name the host (#15): this computer's file system, or
 * SFTP on the app's one SSH connection to the NAS (no second login). Over TCP with TLS there is no
 * file access: the engine API alone cannot write a file where Traefik reads it without running a
 * container with the folder mounted, which Gatehouse does not do behind the admin's back — the
 * error names SSH as the way.
 */
export async function hostFilesFor(
  docker: Settings['docker'] | undefined,
  secrets: HostSecretSource = noHostSecrets,
  what = 'files on the Docker host',
): Promise<HostFiles> {
  if (docker?.kind === 'ssh' && docker.ssh)
    return sftpFiles(await sharedSshConnection(docker.ssh, secrets))
  if (docker?.kind === 'tls')
    throw new GatehouseError({
      code: 'HOST_FILE_FAILED',
      message: `Gatehouse cannot reach ${what} over TCP with TLS: the Docker API gives no file access.`,
      hint: 'Choose "over SSH" in Settings → Docker host (the same NAS, its sshd): the engine and the files then share one connection. Or edit the file on the NAS by hand (for the compose export: choose a folder on this computer).',
      details: { hostKind: 'tls' },
    })
  return localFiles()
}
