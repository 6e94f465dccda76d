import { readFile } from 'node:fs/promises'
import type { DockerSshSettings } from '../../shared/settings'
import { GatehouseError } from '../../shared/errors'
import type { HostSecretName } from '../secrets/store'
import type { z } from 'zod'
import { createSshConnection, type SshAuth, type SshConnection, type SshTrust } from './connection'
import { parseSshTarget } from './target'

export type SshSettings = z.infer<typeof DockerSshSettings>

/** Where the Docker host's credentials come from: the keychain (or vault). */
export interface HostSecretSource {
  get(name: HostSecretName): Promise<string | null>
}

/** For callers that hold no keychain: every host secret reads as missing (clear errors follow). */
export const noHostSecrets: HostSecretSource = { get: async () => null }

/**
 * One SSH connection per NAS for the whole app (#15): the engine, SFTP and port forwards all
 * share it. A connection is keyed by what decides how it logs in and whom it trusts; when the
 * settings change, the old one is closed and the next call makes a new one.
 */
const pool = new Map<string, SshConnection>()

export async function sshAuthFrom(ssh: SshSettings, secrets: HostSecretSource): Promise<SshAuth> {
  switch (ssh.auth) {
    case 'agent':
      return { kind: 'agent' }
    case 'keyFile': {
      const path = ssh.keyFile ?? ''
      let privateKey: Buffer
      try {
        privateKey = await readFile(path)
      } catch (error) {
        throw new GatehouseError({
          code: 'SSH_AUTH_REFUSED',
          message: `Gatehouse cannot read the SSH key file ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`,
          hint: 'Choose an existing private key file in Settings → Docker host.',
          details: { path },
        })
      }
      const passphrase = (await secrets.get('host:sshKeyPassphrase')) ?? undefined
      return { kind: 'key', privateKey, ...(passphrase ? { passphrase } : {}) }
    }
    case 'generated': {
      const privateKey = await secrets.get('host:sshPrivateKey')
      if (!privateKey)
        throw new GatehouseError({
          code: 'SSH_AUTH_REFUSED',
          message: 'Gatehouse has not generated its SSH key yet.',
          hint: 'Choose "Generate a key" in Settings → Docker host and append the line it shows to ~/.ssh/authorized_keys on the NAS.',
        })
      return { kind: 'key', privateKey }
    }
  }
}

export function sshTrustFrom(ssh: SshSettings): SshTrust {
  return ssh.hostKey ? { pinned: ssh.hostKey } : {}
}

export async function sharedSshConnection(
  ssh: SshSettings,
  secrets: HostSecretSource,
): Promise<SshConnection> {
  const key = JSON.stringify([ssh.address, ssh.auth, ssh.keyFile ?? '', ssh.hostKey ?? ''])
  const existing = pool.get(key)
  if (existing) return existing
  const connection = createSshConnection({
    target: parseSshTarget(ssh.address),
    auth: await sshAuthFrom(ssh, secrets),
    trust: sshTrustFrom(ssh),
  })
  // Only one configuration is current: close what the old settings opened.
  for (const [k, old] of pool) {
    if (k.startsWith(JSON.stringify([ssh.address]).slice(0, -1))) {
      pool.delete(k)
      void old.close()
    }
  }
  pool.set(key, connection)
  return connection
}

type Forward = Awaited<ReturnType<SshConnection['forwardLocalPort']>>
const forwards = new WeakMap<SshConnection, Map<string, Promise<Forward>>>()
const openForwards = new Set<Promise<Forward>>()

/**
 * A local port forwarded to remoteHost:remotePort as the NAS sees it, on the NAS's pooled
 * connection, made once and reused: e.g. Authentik's published 127.0.0.1:9000 when
 * https://auth.<domain> is not reachable from this computer. Give `url` to `connectAuthentik`.
 */
export async function sharedLocalForward(
  ssh: SshSettings,
  secrets: HostSecretSource,
  remoteHost: string,
  remotePort: number,
): Promise<Forward> {
  const connection = await sharedSshConnection(ssh, secrets)
  let byTarget = forwards.get(connection)
  if (!byTarget) forwards.set(connection, (byTarget = new Map()))
  const key = `${remoteHost}:${remotePort}`
  let forward = byTarget.get(key)
  if (!forward) {
    forward = connection.forwardLocalPort(remoteHost, remotePort)
    byTarget.set(key, forward)
    openForwards.add(forward)
    forward.catch(() => {
      byTarget.delete(key)
      openForwards.delete(forward as Promise<Forward>)
    })
  }
  return forward
}

/** Closes every pooled connection and its forwards (app quit, tests). */
export async function closeSshConnections(): Promise<void> {
  const all = [...pool.values()]
  const listeners = [...openForwards]
  pool.clear()
  openForwards.clear()
  await Promise.all(listeners.map((f) => f.then((x) => x.close()).catch(() => undefined)))
  await Promise.all(all.map((c) => c.close()))
}
