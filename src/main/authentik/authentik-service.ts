import type { AuthentikStatus } from '../../shared/contract'
import { GatehouseError } from '../../shared/errors'
import type { EventBus } from '../core/event-bus'
import type { SecretStore } from '../secrets/store'
import type { SettingsStore } from '../settings/store'
import type { AuthentikConnector } from './connect'
import { currentToken } from './connection'
import {
  connectExistingAuthentik,
  WHERE_TO_CREATE_A_TOKEN,
  type ConnectExistingInput,
} from './connect-existing'
import { waitForAuthentik } from './readiness'
import { inspectCertificate } from './transport'

/**
 * The Authentik side of the contract: status, readiness and certificate trust. It uses the
 * composition root's one connector (the admin handover, R1, is served by the recipes service).
 */
export function createAuthentikService(options: {
  connector: AuthentikConnector
  settings: SettingsStore
  secrets: Pick<SecretStore, 'get' | 'set'>
  bus: EventBus
}) {
  const { connector } = options

  return {
    /**
     * Reachability, version and whether the token works, in one small authenticated call while
     * the token works (see server-info.ts); never the whole OpenAPI document on every call.
     */
    async status(): Promise<AuthentikStatus> {
      const settings = await options.settings.load()
      if (!settings)
        return {
          configured: false,
          baseUrl: null,
          reachable: false,
          version: null,
          tokenSource: 'none',
        }
      let connection
      try {
        connection = await connector.connection()
      } catch (error) {
        // The SSH tunnel to the NAS could not be made: not reachable, and why.
        return {
          configured: true,
          baseUrl: null,
          reachable: false,
          version: null,
          tokenSource: (await currentToken(options.secrets)).source,
          error:
            error instanceof GatehouseError
              ? error.toData()
              : { code: 'INTERNAL' as const, message: String(error), hint: '' },
        }
      }
      const via = connection.via ? { via: connection.via } : {}
      const { source } = await currentToken(options.secrets)
      try {
        const probe = await connector.probe({ ...connection, timeoutMs: 5000 })
        return {
          configured: true,
          baseUrl: connection.baseUrl,
          ...via,
          reachable: true,
          version: probe.version.raw,
          tokenSource: source,
          tokenAccepted: probe.tokenAccepted,
          support: probe.support,
        }
      } catch (error) {
        const data =
          error instanceof GatehouseError
            ? error.toData()
            : { code: 'INTERNAL' as const, message: String(error), hint: '' }
        return {
          configured: true,
          baseUrl: connection.baseUrl,
          ...via,
          reachable: false,
          version: null,
          tokenSource: source,
          error: data,
        }
      }
    },

    async waitReady(timeoutMs: number) {
      const connection = await connector.connection()
      // Waiting cannot make a token appear, nor make Authentik accept one it refused: only the
      // bootstrap token of a first start is worth waiting for (the worker creates it).
      const { source } = await currentToken(options.secrets)
      if (source === 'none')
        throw new GatehouseError({
          code: 'AUTHENTIK_TOKEN_MISSING',
          message: `Gatehouse holds no API token for Authentik at ${connection.baseUrl}.`,
          hint: `Start the stack (its first start creates the bootstrap token), or connect an Authentik that already runs: paste a token in Setup → Authentik → "Connect an existing Authentik" (CLI: "gatehouse authentik connectExisting --json -", JSON on stdin). ${WHERE_TO_CREATE_A_TOKEN}`,
          details: { baseUrl: connection.baseUrl },
        })
      const client = await waitForAuthentik({
        ...connection,
        refusedTokenIsFinal: source === 'gatehouse',
        timeoutMs,
        onProgress: (p) => options.bus.emit('authentik.progress', p),
      })
      return { baseUrl: client.baseUrl, version: client.version.raw }
    },

    /** Address + pasted token of an Authentik Gatehouse did not start (see connect-existing.ts). */
    async connectExisting(input: ConnectExistingInput) {
      const { baseUrl, version, username } = await connectExistingAuthentik(
        { settings: options.settings, secrets: options.secrets },
        input,
      )
      return { baseUrl, version, username }
    },

    async inspectCertificate() {
      const { baseUrl } = await connector.connection()
      if (!baseUrl.startsWith('https:'))
        throw new GatehouseError({
          code: 'VALIDATION_FAILED',
          message: `${baseUrl} is not an https address: there is no certificate to inspect.`,
          hint: 'Certificates matter only for https://auth.<domain> or an https Authentik address.',
        })
      return inspectCertificate(baseUrl)
    },

    /** Stores the admin's decision; only this exact certificate is accepted from now on. */
    async trustCertificate(sha256: string) {
      const settings = await connector.loadConfigured()
      await options.settings.save({ ...settings, authentikTls: { mode: 'fingerprint', sha256 } })
      return { trusted: true as const }
    },
  }
}
