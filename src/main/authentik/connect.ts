import { GatehouseError } from '../../shared/errors'
import type { Settings } from '../../shared/settings'
import type { SecretStore } from '../secrets/store'
import { AUTHENTIK_PORT, authentikBaseUrl, setupUrl } from '../settings/addresses'
import { sharedLocalForward } from '../ssh/pool'
import type { SettingsStore } from '../settings/store'
import { createAuthentikClient, type AuthentikClient } from './client'
import { tokenProvider } from './connection'
import { createServerInfoCache, type ProbeResult, type ServerInfoCache } from './server-info'
import type { TlsTrust } from './transport'

export interface AuthentikConnection {
  baseUrl: string
  token: ReturnType<typeof tokenProvider>
  tls?: TlsTrust
  /** How the calls get there when it is not the address itself, e.g. an SSH tunnel (#15). */
  via?: string
}

export interface AuthentikConnector {
  /** The saved settings, or STACK_NOT_CONFIGURED naming the first-run form. */
  loadConfigured(): Promise<Settings>
  /** Where, and with which certificate trust, every call goes. */
  connection(): Promise<AuthentikConnection>
  /**
   * A client of its own for the server the settings name (token from the keychain), e.g. for the
   * admin handover, which switches its client's token. The version is read with one small call.
   */
  connect(): Promise<AuthentikClient>
  /**
   * Like connect(), but reuses the client for a few seconds while the address and TLS trust stay
   * the same: a panel scrolling through 100 pages must not detect the version 100 times. The token
   * is still read from the keychain on every request.
   */
  connectCached(): Promise<{ client: AuthentikClient; settings: Settings }>
  /** Version and token check for `authentik status`, through the per-server cache. */
  probe(connection: AuthentikConnection & { timeoutMs?: number }): Promise<ProbeResult>
}

const CLIENT_CACHE_MS = 30_000

/**
 * The one place that turns settings + keychain into a connected Authentik client. The composition
 * root builds exactly one and hands it to every service that talks to Authentik, so the client and
 * server-info caches are shared.
 */
export function createAuthentikConnector(options: {
  settings: Pick<SettingsStore, 'load'>
  secrets: Pick<SecretStore, 'get'>
  /** Tests: a cache with another lifetime. */
  serverInfo?: ServerInfoCache
}): AuthentikConnector {
  const serverInfo = options.serverInfo ?? createServerInfoCache()

  async function loadConfigured(): Promise<Settings> {
    const settings = await options.settings.load()
    if (!settings)
      throw new GatehouseError({
        code: 'STACK_NOT_CONFIGURED',
        message: 'Gatehouse does not know where Authentik is yet.',
        hint: 'Fill in the first-run form in Settings and start the stack.',
      })
    return settings
  }

  async function connectionFor(settings: Settings): Promise<AuthentikConnection> {
    const base = {
      token: tokenProvider(options.secrets),
      ...(settings.authentikTls ? { tls: settings.authentikTls } : {}),
    }
    const address = authentikBaseUrl(settings)
    const ssh = settings.docker.kind === 'ssh' ? settings.docker.ssh : undefined
    // The setup port is published on the NAS's own loopback: from this computer it is reached
    // through a forward on the engine's SSH connection, never at this computer's 127.0.0.1.
    if (ssh && address === setupUrl(settings)) {
      const forward = await sharedLocalForward(ssh, options.secrets, '127.0.0.1', AUTHENTIK_PORT)
      return {
        ...base,
        baseUrl: forward.url,
        via: `SSH tunnel to ${ssh.address.replace(/^ssh:\/\//, '')}, 127.0.0.1:${AUTHENTIK_PORT} there`,
      }
    }
    return { ...base, baseUrl: address }
  }

  async function connectTo(connection: AuthentikConnection): Promise<AuthentikClient> {
    const { version } = await serverInfo.probe(connection)
    return createAuthentikClient({ ...connection, version })
  }

  let cached: { key: string; at: number; client: Promise<AuthentikClient> } | null = null

  return {
    loadConfigured,
    connection: async () => connectionFor(await loadConfigured()),
    connect: async () => connectTo(await connectionFor(await loadConfigured())),
    probe: (connection) => serverInfo.probe(connection),
    async connectCached() {
      const settings = await loadConfigured()
      const connection = await connectionFor(settings)
      const key = JSON.stringify([connection.baseUrl, connection.tls ?? null])
      const now = Date.now()
      if (!cached || cached.key !== key || now - cached.at > CLIENT_CACHE_MS) {
        const client = connectTo(connection)
        cached = { key, at: now, client }
        // A failed connection is not remembered: the next call tries again.
        client.catch(() => {
          if (cached?.client === client) cached = null
        })
      }
      return { client: await cached.client, settings }
    },
  }
}
