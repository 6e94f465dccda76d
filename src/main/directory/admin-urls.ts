import type { AuthentikClient } from '../authentik/client'

/**
 * Authentik's own admin UI, for the admin at Gatehouse's screen: on the address Gatehouse reaches
 * Authentik at (the admin's machine can open it, unlike a user's).
 */

/** The admin UI page of a flow. */
export function flowAdminUrl(client: Pick<AuthentikClient, 'baseUrl'>, slug: string): string {
  return `${client.baseUrl}/if/admin/#/flow/flows/${encodeURIComponent(slug)}`
}
