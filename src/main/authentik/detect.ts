import { GatehouseError } from '../../shared/errors'
import { createRest, type TokenProvider } from './rest'
import { AkSchemaInfo, AkVersionInfo, readShape } from './shapes'
import { createTransport, type TransportOptions } from './transport'
import { normalizeBaseUrl } from './url'
import { requireKnownVersion, type ServerVersion } from './version'

/**
 * Which Authentik answers at an address, read before a client is built for it. With a working
 * token `/admin/version/` is one small call (and proves the token); without one (before the
 * bootstrap token exists, or once it was refused) the anonymous OpenAPI document's
 * `info.version` is used — a large download, which is why the connector and `authentik status`
 * remember the answer per server (server-info.ts).
 */

export interface DetectOptions extends TransportOptions {
  token?: TokenProvider
  /** False: a refused token is the answer (AUTHENTIK_AUTH_FAILED), no schema download. */
  schemaFallback?: boolean
}

export interface DetectedVersion {
  version: ServerVersion
  source: 'admin-version' | 'schema'
  /** Whether the token was accepted (null: there was none to try). */
  tokenAccepted: boolean | null
}

export async function detectVersion(options: DetectOptions): Promise<DetectedVersion> {
  const baseUrl = normalizeBaseUrl(options.baseUrl)
  const fetchApi = createTransport({ ...options, baseUrl })
  const token = options.token ? await options.token() : null
  if (token) {
    const rest = createRest({ baseUrl, fetchApi, token: () => token })
    const operation = 'read the version'
    try {
      const body = await rest.get('/admin/version/', undefined, operation)
      const info = readShape(AkVersionInfo, body, { operation, baseUrl })
      return {
        version: requireKnownVersion(info.version_current, baseUrl),
        source: 'admin-version',
        tokenAccepted: true,
      }
    } catch (error) {
      // Only a refused token falls back to the anonymous document; anything else is the answer.
      const refused = error instanceof GatehouseError && error.code === 'AUTHENTIK_AUTH_FAILED'
      if (!refused || options.schemaFallback === false) throw error
    }
  }
  const anonymous = createRest({ baseUrl, fetchApi, token: () => null })
  const operation = 'read the API schema'
  const document = await anonymous.get('/schema/', { format: 'json' }, operation)
  const info = readShape(AkSchemaInfo, document, { operation, baseUrl })
  return {
    version: requireKnownVersion(info.info.version, baseUrl),
    source: 'schema',
    tokenAccepted: token ? false : null,
  }
}
