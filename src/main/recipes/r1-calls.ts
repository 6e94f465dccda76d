import { GatehouseError } from '../../shared/errors'
import type { AuthentikClient } from '../authentik/client'
import { AkGroup, AkToken, AkUser, groupParentsOf } from '../authentik/shapes'
import { listAs, writeAs } from '../authentik/typed-rest'

/**
 * The Authentik calls only the admin handover (R1) makes, over the same REST path and zod shapes
 * as everything else. Finders filter on the server and again locally: should a filter ever be
 * ignored, an unfiltered list must not make the first unrelated object look like the one asked
 * for (API map section 0).
 */

export type UserPatch = Partial<Pick<AkUser, 'name' | 'email' | 'is_active'>> & {
  type?: 'internal'
}

function exactlyOne<T>(
  client: AuthentikClient,
  results: T[],
  matches: (item: T) => boolean,
  what: string,
): T | null {
  const found = results.filter(matches)
  if (found.length > 1) {
    throw new GatehouseError({
      code: 'AUTHENTIK_FAILED',
      message: `Authentik has ${found.length} objects matching ${what}; Gatehouse will not guess which one is meant.`,
      hint: 'Remove or rename the duplicates in Authentik, then retry.',
      details: { baseUrl: client.baseUrl, what, count: found.length },
    })
  }
  return found[0] ?? null
}

export interface HandoverGroup {
  pk: string
  name: string
  is_superuser: boolean
  parents: string[]
}

/** R1's calls on one client; `client.withToken(…)` gives the same calls with another token. */
export function handoverCalls(client: AuthentikClient) {
  return {
    async findUser(username: string): Promise<AkUser | null> {
      const operation = `find user ${username}`
      const users = await listAs(client, AkUser, '/core/users/', { username }, operation)
      return exactlyOne(client, users, (u) => u.username === username, `username ${username}`)
    },
    async listActiveSuperusers(): Promise<AkUser[]> {
      const query = { is_active: true, is_superuser: true }
      const users = await listAs(client, AkUser, '/core/users/', query, 'list active superusers')
      return users.filter((u) => u.is_active !== false && u.is_superuser)
    },
    createUser(user: { username: string; name: string; email: string }): Promise<AkUser> {
      const operation = `create user ${user.username}`
      const body = { ...user, type: 'internal', is_active: true }
      return writeAs(client, AkUser, 'post', '/core/users/', body, operation)
    },
    updateUser(pk: number, patch: UserPatch): Promise<AkUser> {
      const operation = `update user #${pk}`
      return writeAs(client, AkUser, 'patch', `/core/users/${pk}/`, patch, operation)
    },
    async setPassword(pk: number, password: string): Promise<void> {
      const operation = `set the password of user #${pk}`
      await client.rest.post(`/core/users/${pk}/set_password/`, { password }, operation)
    },
    async findGroup(name: string): Promise<HandoverGroup | null> {
      const operation = `find group ${name}`
      const query = { name, include_users: false }
      const groups = await listAs(client, AkGroup, '/core/groups/', query, operation)
      const group = exactlyOne(client, groups, (g) => g.name === name, `group name ${name}`)
      if (!group) return null
      return {
        pk: group.pk,
        name: group.name,
        is_superuser: group.is_superuser ?? false,
        parents: groupParentsOf(group),
      }
    },
    async addUserToGroup(groupPk: string, userPk: number): Promise<void> {
      const operation = `add user #${userPk} to a group`
      await client.rest.post(`/core/groups/${groupPk}/add_user/`, { pk: userPk }, operation)
    },
    async findToken(identifier: string): Promise<AkToken | null> {
      const operation = `find token ${identifier}`
      const tokens = await listAs(client, AkToken, '/core/tokens/', { identifier }, operation)
      return exactlyOne(client, tokens, (t) => t.identifier === identifier, `token ${identifier}`)
    },
    createToken(token: {
      identifier: string
      user: number
      description: string
    }): Promise<AkToken> {
      const operation = `create token ${token.identifier}`
      const body = { ...token, intent: 'api', expiring: false }
      return writeAs(client, AkToken, 'post', '/core/tokens/', body, operation)
    },
    async setTokenKey(identifier: string, key: string): Promise<void> {
      const operation = `set the key of token ${identifier}`
      await client.rest.post(`/core/tokens/${identifier}/set_key/`, { key }, operation)
    },
  }
}

export type HandoverCalls = ReturnType<typeof handoverCalls>
