import { createKeychainStore } from '../secrets/store'
import type { ServiceOptions } from '../services'

/**
 * Environment overrides shared by `npm run serve` and the `gatehouse` CLI, for tests and unusual
 * setups (GATEHOUSE_DATA_DIR is read by resolveDataDir itself).
 */
export function serviceOptionsFromEnv(env: NodeJS.ProcessEnv): Partial<ServiceOptions> {
  return {
    // A reverse-proxy network other than `traefik`.
    ...(env.GATEHOUSE_TRAEFIK_NETWORK ? { traefikNetwork: env.GATEHOUSE_TRAEFIK_NETWORK } : {}),
    // Two Gatehouse instances on one desktop (or test runs) keep their secrets apart this way.
    ...(env.GATEHOUSE_KEYCHAIN_SERVICE
      ? { secretStore: createKeychainStore({ service: env.GATEHOUSE_KEYCHAIN_SERVICE }) }
      : {}),
  }
}
