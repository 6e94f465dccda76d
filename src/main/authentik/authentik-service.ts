import type { AuthentikStatus } from '../../shared/contract'
import { GatehouseError } from '../../shared/errors'
import type { EventBus } from '../core/event-bus'
import {
  AdminHandoverInput,
  applyAdminHandover,
  planAdminHandover,
} from '../recipes/r1-admin-handover'
import type { SecretStore } from '../secrets/store'
import type { SettingsStore } from '../settings/store'
import { detectVersion } from './client'
import { createAuthentikConnector } from './connect'
import { authentikBaseUrl } from '../settings/addresses'
import { currentToken } from './connection'
import { waitForAuthentik } from './readiness'
import { inspectCertificate } from './transport'

/** The Authentik side of the contract: status, readiness, and R1 through the one client. */
export function createAuthentikService(options: {
  settings: SettingsStore
  secrets: SecretStore
  bus: EventBus
}) {
  const { loadConfigured, connection, connect } = createAuthentikConnector(options)

  return {
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
      const url = authentikBaseUrl(settings)
      const { source } = await currentToken(options.secrets)
      try {
        const detected = await detectVersion({
          baseUrl: url,
          timeoutMs: 5000,
          ...(settings.authentikTls ? { tls: settings.authentikTls } : {}),
        })
        return {
          configured: true,
          baseUrl: url,
          reachable: true,
          version: detected.version.raw,
          tokenSource: source,
        }
      } catch (error) {
        const data =
          error instanceof GatehouseError
            ? error.toData()
            : { code: 'INTERNAL' as const, message: String(error), hint: '' }
        return {
          configured: true,
          baseUrl: url,
          reachable: false,
          version: null,
          tokenSource: source,
          error: data,
        }
      }
    },

    async waitReady(timeoutMs: number) {
      const client = await waitForAuthentik({
        ...(await connection()),
        timeoutMs,
        onProgress: (p) => options.bus.emit('authentik.progress', p),
      })
      return { baseUrl: client.baseUrl, version: client.version.raw }
    },

    async inspectCertificate() {
      const { baseUrl } = await connection()
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
      const settings = await loadConfigured()
      await options.settings.save({ ...settings, authentikTls: { mode: 'fingerprint', sha256 } })
      return { trusted: true as const }
    },

    async planHandover(input: Omit<AdminHandoverInput, 'password'>) {
      return planAdminHandover(await connect(), input, { secrets: options.secrets })
    },

    async applyHandover(input: AdminHandoverInput) {
      return applyAdminHandover(await connect(), input, { secrets: options.secrets })
    },
  }
}
