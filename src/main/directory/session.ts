import type { Settings } from '../../shared/settings'
import type { AuthentikClient } from '../authentik/client'
import type { AuthentikConnector } from '../authentik/connect'

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
