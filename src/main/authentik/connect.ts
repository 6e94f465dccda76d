import { GatehouseError } from '../../shared/errors'
import type { Settings } from '../../shared/settings'
import type { SecretStore } from '../secrets/store'
import type { SettingsStore } from '../settings/store'
import { connectAuthentik, type AuthentikClient } from './client'
import { authentikBaseUrl } from '../settings/addresses'
import { tokenProvider } from './connection'
import type { TlsTrust } from './transport'

export interface AuthentikConnection {
  baseUrl: string
  token: ReturnType<typeof tokenProvider>
  tls?: TlsTrust
}

export interface AuthentikConnector {
  /** The saved settings, or STACK_NOT_CONFIGURED naming the first-run form. */
  loadConfigured(): Promise<Settings>
  /** Where, and with which certificate trust, every call goes. */
  connection(): Promise<AuthentikConnection>
  /** A client for the server the settings name (version detected, token from the keychain). */
  connect(): Promise<AuthentikClient>
  /**
   * Like connect(), but reuses the client for a few seconds while the address and TLS trust stay
   * the same: a panel scrolling through 100 pages must not detect the version 100 times. The token
   * is still read from the keychain on every request.
   */
  connectCached(): Promise<{ client: AuthentikClient; settings: Settings }>
}

const CACHE_MS = 30_000

/** The one place that turns settings + keychain into a connected Authentik client. */
export function createAuthentikConnector(options: {
  settings: SettingsStore
  secrets: SecretStore
}): AuthentikConnector {
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

  function connectionFor(settings: Settings): AuthentikConnection {
    return {
      baseUrl: authentikBaseUrl(settings),
      token: tokenProvider(options.secrets),
      ...(settings.authentikTls ? { tls: settings.authentikTls } : {}),
    }
  }

  let cached: { key: string; at: number; client: Promise<AuthentikClient> } | null = null

  return {
    loadConfigured,
    connection: async () => connectionFor(await loadConfigured()),
    connect: async () => connectAuthentik(connectionFor(await loadConfigured())),
    async connectCached() {
      const settings = await loadConfigured()
      const connection = connectionFor(settings)
      const key = JSON.stringify([connection.baseUrl, connection.tls ?? null])
      const now = Date.now()
      if (!cached || cached.key !== key || now - cached.at > CACHE_MS) {
        const client = connectAuthentik(connection)
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
