import type { Settings } from '../../shared/settings'

/**
 * Addresses derived from the settings alone. They sit below both the stack (which publishes the
 * port and writes the Traefik labels) and the Authentik client (which calls the API there), so
 * neither has to import the other to agree on them.
 */

/** The port Authentik's server listens on inside its container (and on 127.0.0.1 when published). */
export const AUTHENTIK_PORT = 9000

/** The setup port published on the Docker host's loopback, when the settings ask for it. */
export function setupUrl(settings: Pick<Settings, 'publishSetupPort'>): string | null {
  return settings.publishSetupPort ? `http://127.0.0.1:${AUTHENTIK_PORT}` : null
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
 * Where Gatehouse reaches Authentik's API: an explicit address first, then the setup port on
 * 127.0.0.1 when it is published, then the public `https://auth.<domain>`.
 */
export function authentikBaseUrl(
  settings: Pick<Settings, 'authentikUrl' | 'publishSetupPort' | 'baseDomain'>,
): string {
  if (settings.authentikUrl) return settings.authentikUrl
  return setupUrl(settings) ?? publicAuthentikUrl(settings)
}
