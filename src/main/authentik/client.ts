import { GatehouseError } from '../../shared/errors'
import { detectVersion } from './detect'
import { createRest, type AuthentikRest, type TokenProvider } from './rest'
import type { RetryPolicy } from './retry'
import { AkSessionUser, AkVersionInfo, readShape, type AkSessionUser as Me } from './shapes'
import { createTransport, type TlsTrust, type TransportOptions } from './transport'
import { normalizeBaseUrl } from './url'
import {
  featuresFor,
  versionError,
  versionSupport,
  type ServerVersion,
  type VersionFeatures,
} from './version'

/**
 * The one way Gatehouse talks to Authentik (main process only): Authentik's REST API by path and
 * snake_case JSON (rest.ts) over Gatehouse's own transport (TLS trust, timeouts, retries), with
 * every typed answer checked by the zod shapes of shapes.ts. No generated client runs here: a
 * generated deserializer assumes its own release's fields and crashed on older servers.
 *
 * The client knows the server's release (detected once, see detect.ts), the per-release
 * differences (`features`) and whether Gatehouse may write to it (`support`).
 */

export type { TokenProvider }

export interface AuthentikClientOptions {
  /** `https://auth.<domain>` or `http://127.0.0.1:<port>`; `/api/v3` is appended here. */
  baseUrl: string
  token?: TokenProvider
  tls?: TlsTrust
  timeoutMs?: number
  retry?: RetryPolicy
  random?: () => number
  onRetry?: TransportOptions['onRetry']
}

/** The user whose token Gatehouse uses, as `GET /core/users/me/` names it. */
export type AkMe = Me['user']

export interface AuthentikClient {
  readonly baseUrl: string
  readonly version: ServerVersion
  readonly features: VersionFeatures
  /**
   * `supported`, or `newer`: a release after the newest Gatehouse knows, where reads work and
   * every write is refused with AUTHENTIK_VERSION_NEWER before it is sent.
   */
  readonly support: 'supported' | 'newer'
  /** From now on every request carries the key this provider returns. */
  switchToken(token: TokenProvider): void
  currentToken(): Promise<string | null>
  /** A second client on the same server with another token, e.g. to prove a token works. */
  withToken(token: TokenProvider): AuthentikClient
  adminVersion(): Promise<string>
  me(): Promise<AkMe>
  /** The typed refusal when this server is read-only for Gatehouse, else null. */
  writeRefusal(): GatehouseError | null
  /** Authentik's REST API by path and snake_case fields (see rest.ts), same transport and token. */
  readonly rest: AuthentikRest
}

/** A client for a server whose version is already known (see connectAuthentik). */
export function createAuthentikClient(
  options: AuthentikClientOptions & { version: ServerVersion },
): AuthentikClient {
  const baseUrl = normalizeBaseUrl(options.baseUrl)
  const version = options.version
  const features = featuresFor(version)
  const support = versionSupport(version) === 'newer' ? 'newer' : 'supported'
  const writeRefusal = () => (support === 'newer' ? versionError(version, baseUrl) : null)
  const fetchApi = createTransport({ ...options, baseUrl })
  let token: TokenProvider = options.token ?? (() => null)
  // Indirection so switchToken affects requests of this client from then on.
  const rest = createRest({
    baseUrl,
    fetchApi,
    token: () => token(),
    version: version.raw,
    refuseWrites: writeRefusal,
  })
  const shape = (operation: string) => ({ operation, baseUrl, version })

  return {
    rest,
    baseUrl,
    version,
    features,
    support,
    writeRefusal,
    switchToken(next) {
      token = next
    },
    currentToken: async () => token(),
    withToken: (other) => createAuthentikClient({ ...options, token: other }),
    async adminVersion() {
      const operation = 'read the version'
      const body = await rest.get('/admin/version/', undefined, operation)
      return readShape(AkVersionInfo, body, shape(operation)).version_current
    },
    async me() {
      const operation = 'read the current user'
      const body = await rest.get('/core/users/me/', undefined, operation)
      return readShape(AkSessionUser, body, shape(operation)).user
    },
  }
}

/** Detects the version (refusing unsupported ones) and returns a client built for it. */
export async function connectAuthentik(options: AuthentikClientOptions): Promise<AuthentikClient> {
  const { version } = await detectVersion(options)
  return createAuthentikClient({ ...options, version })
}
