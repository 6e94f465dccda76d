import type { Settings } from '../../shared/settings'
import { publicAuthentikUrl } from '../settings/addresses'

/**
 * Links handed to people (users open them in their browsers), so always on the public address,
 * never the one Gatehouse's own API calls take (that may be a LAN or setup port).
 */

/** The enrollment link Authentik's admin UI builds for an invitation (API map, step I.8). */
export function invitationLink(settings: Settings, flowSlug: string, invitationPk: string): string {
  return `${publicAuthentikUrl(settings)}/if/flow/${encodeURIComponent(flowSlug)}/?itoken=${encodeURIComponent(invitationPk)}`
}

/**
 * A recovery link Authentik made: its path and token are kept, its origin becomes the public
 * address (Authentik builds it from the address the API call came in on, e.g. 127.0.0.1:9000).
 */
export function publicRecoveryLink(settings: Settings, link: string): string {
  const url = new URL(link)
  return `${publicAuthentikUrl(settings)}${url.pathname}${url.search}${url.hash}`
}
