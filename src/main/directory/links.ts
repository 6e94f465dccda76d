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
