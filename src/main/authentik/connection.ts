import type { Settings } from '../../shared/settings'
import type { SecretStore } from '../secrets/store'
import { AUTHENTIK_PORT } from '../stack/catalogue'
import type { TokenProvider } from './client'

/**
 * Where Gatehouse reaches Authentik's API: an explicit address first, then the setup port on
 * 127.0.0.1 when it is published, then the public `https://auth.<domain>`.
 */
export function authentikBaseUrl(settings: Settings): string {
  if (settings.authentikUrl) return settings.authentikUrl
  if (settings.publishSetupPort) return `http://127.0.0.1:${AUTHENTIK_PORT}`
  return publicAuthentikUrl(settings)
}

/**
 * Where browsers and apps reach Authentik: Traefik publishes the stack at auth.<domain>. Links
 * handed to people (invitations), the outpost's authentik_host and the app-side cards use it,
 * never the address Gatehouse's own API calls take (that may be a LAN or setup port).
 */
export function publicAuthentikUrl(settings: Pick<Settings, 'baseDomain'>): string {
  return `https://auth.${settings.baseDomain}`
}

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
