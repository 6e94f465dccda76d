import { createRequire } from 'node:module'
import type { Client } from 'ssh2'
import { GatehouseError } from '../../shared/errors'
import { sshError } from './connection'
import { fingerprintOf, keyTypeOf, knownHostKeys } from './host-keys'
import { formatSshTarget, type SshTarget } from './target'

const load = createRequire(import.meta.url)

/**
 * Reads a host's key without logging in: the handshake stops at host-key verification (the
 * verifier refuses), so no credential is ever offered to a host the admin has not accepted.
 */
export async function scanHostKey(
  target: SshTarget,
  knownHostsPath?: string,
): Promise<{ fingerprint: string; keyType: string; inKnownHosts: boolean }> {
  const { Client: ClientClass } = load('ssh2') as { Client: typeof Client }
  const display = formatSshTarget(target)
  const key = await new Promise<Buffer>((resolve, reject) => {
    const client = new ClientClass()
    let seen: Buffer | undefined
    client.on('error', (error: Error & { level?: string }) => {
      if (seen) resolve(seen)
      else reject(sshError(display, { kind: 'agent' }, error))
    })
    client.once('close', () => {
      if (seen) resolve(seen)
      else
        reject(
          new GatehouseError({
            code: 'SSH_FAILED',
            message: `${display} closed the connection before showing its host key.`,
            hint: 'Check that the address and port lead to an SSH server.',
          }),
        )
    })
    client.connect({
      host: target.host,
      port: target.port,
      username: target.user,
      readyTimeout: 15_000,
      hostVerifier: (blob: Buffer) => {
        seen = blob
        return false
      },
    })
  })
  const fingerprint = fingerprintOf(key)
  const known = await knownHostKeys(target.host, target.port, knownHostsPath)
  return { fingerprint, keyType: keyTypeOf(key), inKnownHosts: known.trusted.includes(fingerprint) }
}
