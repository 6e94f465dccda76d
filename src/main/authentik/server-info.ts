import { GatehouseError } from '../../shared/errors'
import { detectVersion, type DetectOptions, type DetectedVersion } from './detect'
import { normalizeBaseUrl } from './url'
import { featuresFor, versionSupport, type ServerVersion, type VersionFeatures } from './version'

/**
 * What Gatehouse learned about each Authentik server (its release and the features that follow
 * from it), kept per address and TLS trust. `authentik status` is polled by the UI: with a token
 * that works it costs one small authenticated call (`/admin/version/`, which also proves the
 * token); only when no token works does the version come from the anonymous OpenAPI document
 * (megabytes), and then at most once per server while the cache holds it.
 */

export interface ServerInfo {
  version: ServerVersion
  features: VersionFeatures
  support: 'supported' | 'newer'
  learnedAt: number
}

export interface ProbeResult extends ServerInfo {
  /** True: the token works; false: refused; null: there was no token to prove. */
  tokenAccepted: boolean | null
  /** Where the version came from this time. */
  source: DetectedVersion['source'] | 'cache'
}

export interface ServerInfoCache {
  get(key: string): ServerInfo | undefined
  /** One cheap call with the token when it works; the schema document at most once per server. */
  probe(options: DetectOptions): Promise<ProbeResult>
  remember(key: string, version: ServerVersion): ServerInfo
}

/** The cache key of a server: its normalised address and how its certificate is trusted. */
export function serverKey(options: Pick<DetectOptions, 'baseUrl' | 'tls'>): string {
  return JSON.stringify([normalizeBaseUrl(options.baseUrl), options.tls ?? null])
}

/** A refused token answers 403 on /admin/version/; detectVersion then falls back to the schema. */
const isAuthFailure = (error: unknown) =>
  error instanceof GatehouseError && error.code === 'AUTHENTIK_AUTH_FAILED'

export function createServerInfoCache(options: { ttlMs?: number } = {}): ServerInfoCache {
  const ttlMs = options.ttlMs ?? 10 * 60_000
  const entries = new Map<string, ServerInfo>()

  const get = (key: string) => {
    const entry = entries.get(key)
    if (entry && Date.now() - entry.learnedAt <= ttlMs) return entry
    entries.delete(key)
    return undefined
  }
  const remember = (key: string, version: ServerVersion): ServerInfo => {
    const info: ServerInfo = {
      version,
      features: featuresFor(version),
      support: versionSupport(version) === 'newer' ? 'newer' : 'supported',
      learnedAt: Date.now(),
    }
    entries.set(key, info)
    return info
  }

  return {
    get,
    remember,
    async probe(detect) {
      const key = serverKey(detect)
      const known = get(key)
      const token = detect.token ? await detect.token() : null
      if (known) {
        if (!token) return { ...known, tokenAccepted: null, source: 'cache' }
        // Known server: the token is proven (and the version refreshed) by one small call.
        try {
          const fresh = await detectVersion({
            ...detect,
            token: () => token,
            schemaFallback: false,
          })
          return { ...remember(key, fresh.version), tokenAccepted: true, source: fresh.source }
        } catch (error) {
          if (!isAuthFailure(error)) throw error
          return { ...known, tokenAccepted: false, source: 'cache' }
        }
      }
      const detected = await detectVersion({ ...detect, token: () => token })
      return {
        ...remember(key, detected.version),
        tokenAccepted: detected.tokenAccepted,
        source: detected.source,
      }
    },
  }
}
