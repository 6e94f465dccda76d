import type { AuthentikClient } from '../authentik/client'
import type { AuthentikConnector } from '../authentik/connect'
import { compareVersions } from '../authentik/version'
import type { Settings } from '../../shared/settings'
import { publicAuthentikUrl } from '../settings/addresses'

/**
 * What every directory service needs: a connected client (cached for a few seconds, see
 * connectCached) and the settings, for links that users and admins open in their browsers.
 */
export interface DirectoryContext {
  session(): Promise<{ client: AuthentikClient; settings: Settings }>
}

export function directoryContext(connector: AuthentikConnector): DirectoryContext {
  return { session: () => connector.connectCached() }
}

/** Authentik's own admin UI for a flow, on the address Gatehouse reaches Authentik at. */
export function flowAdminUrl(client: AuthentikClient, slug: string): string {
  return `${client.baseUrl}/if/admin/#/flow/flows/${encodeURIComponent(slug)}`
}

/** The enrollment link Authentik's admin UI builds for an invitation (API map, step I.8). */
export function invitationLink(settings: Settings, flowSlug: string, invitationPk: string): string {
  return `${publicAuthentikUrl(settings)}/if/flow/${encodeURIComponent(flowSlug)}/?itoken=${encodeURIComponent(invitationPk)}`
}

/** `POST /stages/invitation/invitations/{uuid}/send_email/` exists from 2026.5. */
export function hasInvitationEmail(client: AuthentikClient): boolean {
  return compareVersions(client.version, { year: 2026, minor: 5, patch: 0 }) >= 0
}

/** Runs `work` over `items` with at most `limit` calls in flight, keeping the input order. */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const index = next++
      out[index] = await work(items[index] as T, index)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}
