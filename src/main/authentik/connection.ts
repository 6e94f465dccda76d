import type { SecretStore } from '../secrets/store'
import type { TokenProvider } from './client'

/**
 * Gatehouse's own token once R1 created it, the bootstrap token before. After the handover the
 * bootstrap token belongs to the deactivated akadmin and no longer works, so the order matters.
 */
export async function currentToken(
  secrets: Pick<SecretStore, 'get'>,
): Promise<{ token: string | null; source: 'gatehouse' | 'bootstrap' | 'none' }> {
  const own = await secrets.get('gatehouseApiToken')
  if (own) return { token: own, source: 'gatehouse' }
  const bootstrap = await secrets.get('bootstrapToken')
  if (bootstrap) return { token: bootstrap, source: 'bootstrap' }
  return { token: null, source: 'none' }
}

export function tokenProvider(secrets: Pick<SecretStore, 'get'>): TokenProvider {
  return async () => (await currentToken(secrets)).token
}
