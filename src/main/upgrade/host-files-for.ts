import { GatehouseError } from '../../shared/errors'
import type { Settings } from '../../shared/settings'
import type { HostFiles } from '../hostfs/host-files'
import { localFiles } from '../hostfs/local-files'
import { sftpFiles } from '../hostfs/sftp-files'
import { sharedSshConnection, type HostSecretSource } from '../ssh/pool'

/**
 * The Docker host's files for the settings' engine: this computer's, or the NAS's over SFTP on the
 * pooled SSH connection. TCP+TLS has no file channel, so a step that must move files is refused
 * there with the way out.
 */
export async function hostFilesFor(
  settings: Settings,
  secrets: HostSecretSource,
): Promise<HostFiles> {
  const docker = settings.docker
  if (docker.kind === 'ssh' && docker.ssh)
    return sftpFiles(await sharedSshConnection(docker.ssh, secrets))
  if (docker.kind === 'tls')
    throw new GatehouseError({
      code: 'HOST_FILE_FAILED',
      message:
        'The 2025.12 step moves the uploads folder on the Docker host, and a TCP+TLS engine gives Gatehouse no access to its files.',
      hint: 'Switch Settings → Docker host to SSH for the upgrade, or run `mv media data/media` in the data folder on the NAS by hand and plan again.',
      details: { path: settings.dataFolder },
    })
  return localFiles()
}
