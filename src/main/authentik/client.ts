import * as ak2025 from '@goauthentik/api'
import * as ak2026 from 'authentik-api-2026'
import { z } from 'zod'
import { GatehouseError } from '../../shared/errors'
import { httpError, transportError } from './errors'
import { createRest, type AuthentikRest } from './rest'
import type { RetryPolicy } from './retry'
import { createTransport, type FetchLike, type TlsTrust, type TransportOptions } from './transport'
import {
  featuresFor,
  requireSupportedVersion,
  type ServerVersion,
  type VersionFeatures,
} from './version'

/**
 * The one way Gatehouse talks to Authentik (main process only). It wraps the official generated
 * client, `@goauthentik/api`, in the package built for the server's schema family (see
 * version.ts), exposes only the operations Gatehouse uses, and turns every failure into a
 * GatehouseError. Callers get Gatehouse-shaped records, so they never depend on which package
 * answered.
 */

/** Where the Bearer key comes from, asked for on every request so a switch takes effect at once. */
export type TokenProvider = () => string | null | Promise<string | null>

export interface AuthentikClientOptions {
  /** `https://auth.<domain>` or `http://127.0.0.1:<port>`; `/api/v3` is appended here. */
  baseUrl: string
  token?: TokenProvider
  tls?: TlsTrust
  timeoutMs?: number
  retry?: RetryPolicy
  random?: () => number
  onRetry?: TransportOptions['onRetry']
}

export interface AkUser {
  pk: number
  username: string
  name: string
  email: string
  isActive: boolean
  isSuperuser: boolean
  type: string | undefined
  /** Group uuids. */
  groups: string[]
}

export interface AkGroup {
  pk: string
  name: string
  isSuperuser: boolean
  /** Normalised over 2025's single `parent` and 2026's `parents` list. */
  parents: string[]
}

export interface AkToken {
  identifier: string
  intent: string | undefined
  userPk: number | undefined
  expiring: boolean
  description: string
}

export interface AkMe {
  pk: number
  username: string
  isActive: boolean
  isSuperuser: boolean
}

/**
 * The operations Gatehouse calls, by their generated method name (for the contract coverage
 * report). Every one has the same request shape in 2025.6.3-1751754396 and 2026.8.3.
 */
export const clientOperations = [
  'SchemaApi.schemaRetrieve',
  'AdminApi.adminVersionRetrieve',
  'CoreApi.coreUsersMeRetrieve',
  'CoreApi.coreUsersList',
  'CoreApi.coreUsersCreate',
  'CoreApi.coreUsersPartialUpdate',
  'CoreApi.coreUsersSetPasswordCreate',
  'CoreApi.coreGroupsList',
  'CoreApi.coreGroupsAddUserCreate',
  'CoreApi.coreTokensList',
  'CoreApi.coreTokensCreate',
  'CoreApi.coreTokensSetKeyCreate',
] as const

// --- The structural slice of both generated packages that Gatehouse relies on. -----------------
// Both packages' classes must be assignable to these interfaces, so a signature that drifts in a
// future package version fails the type check here instead of at run time.

interface PageOf<T> {
  pagination: { next: number }
  results: T[]
}
interface UserShape {
  pk: number
  username: string
  name: string
  email?: string
  isActive?: boolean
  isSuperuser: boolean
  type?: string
  groups?: string[]
}
interface GroupShape {
  pk: string
  name: string
  isSuperuser?: boolean
  parent?: string | null
  parents?: string[]
}
interface TokenShape {
  identifier: string
  intent?: string
  user?: number
  expiring?: boolean
  description?: string
}
interface CoreSlice {
  coreUsersMeRetrieve(): Promise<{
    user: { pk: number; username: string; isActive: boolean; isSuperuser: boolean }
  }>
  coreUsersList(request: {
    username?: string
    isActive?: boolean
    isSuperuser?: boolean
    page?: number
    pageSize?: number
  }): Promise<PageOf<UserShape>>
  coreUsersCreate(request: {
    userRequest: {
      username: string
      name: string
      email?: string
      isActive?: boolean
      type?: 'internal'
      path?: string
    }
  }): Promise<UserShape>
  coreUsersPartialUpdate(request: {
    id: number
    patchedUserRequest: { name?: string; email?: string; isActive?: boolean; type?: 'internal' }
  }): Promise<UserShape>
  coreUsersSetPasswordCreate(request: {
    id: number
    userPasswordSetRequest: { password: string }
  }): Promise<void>
  coreGroupsList(request: {
    name?: string
    includeUsers?: boolean
    page?: number
    pageSize?: number
  }): Promise<PageOf<GroupShape>>
  coreGroupsAddUserCreate(request: {
    groupUuid: string
    userAccountRequest: { pk: number }
  }): Promise<void>
  coreTokensList(request: {
    identifier?: string
    page?: number
    pageSize?: number
  }): Promise<PageOf<TokenShape>>
  coreTokensCreate(request: {
    tokenRequest: {
      identifier: string
      intent?: 'api'
      user?: number
      description?: string
      expiring?: boolean
    }
  }): Promise<TokenShape>
  coreTokensSetKeyCreate(request: {
    identifier: string
    tokenSetKeyRequest: { key: string }
  }): Promise<void>
}
interface AdminSlice {
  adminVersionRetrieve(): Promise<{ versionCurrent: string }>
}
interface SchemaSlice {
  schemaRetrieve(request: { format?: 'json' }): Promise<Record<string, unknown>>
}
interface Apis {
  core: CoreSlice
  admin: AdminSlice
  schema: SchemaSlice
}

function apisFor(
  pkg: VersionFeatures['clientPackage'],
  basePath: string,
  fetchApi: FetchLike,
  token: TokenProvider | undefined,
): Apis {
  // `accessToken` makes the generated code send `Authorization: Bearer <key>`; a provider that
  // returns null sends no header at all (anonymous calls).
  const accessToken = token ? async () => (await token()) ?? '' : undefined
  const params = { basePath, fetchApi, ...(accessToken ? { accessToken } : {}) }
  if (pkg === 'ak-2026.8') {
    const config = new ak2026.Configuration(params)
    return {
      core: new ak2026.CoreApi(config),
      admin: new ak2026.AdminApi(config),
      schema: new ak2026.SchemaApi(config),
    }
  }
  const config = new ak2025.Configuration(params)
  return {
    core: new ak2025.CoreApi(config),
    admin: new ak2025.AdminApi(config),
    schema: new ak2025.SchemaApi(config),
  }
}

/** "https://auth.example.org/" → "https://auth.example.org"; refuses anything but http(s). */
export function normalizeBaseUrl(baseUrl: string): string {
  let url: URL
  try {
    url = new URL(baseUrl)
  } catch {
    throw new GatehouseError({
      code: 'VALIDATION_FAILED',
      message: `"${baseUrl.slice(0, 100)}" is not a URL.`,
      hint: 'Use https://auth.<domain> or http://127.0.0.1:<port>.',
    })
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new GatehouseError({
      code: 'VALIDATION_FAILED',
      message: `Authentik's address must start with https:// or http://, not ${url.protocol}.`,
      hint: 'Use https://auth.<domain> or http://127.0.0.1:<port>.',
    })
  }
  // A pasted ".../api/v3" or ".../if/admin/" must not end up doubled in front of /api/v3.
  const path = url.pathname.replace(/\/(api\/v3|if\/.*)\/?$/, '').replace(/\/+$/, '')
  return `${url.origin}${path}`
}

/** Turns whatever the generated client threw into a GatehouseError. */
export async function mapClientError(
  error: unknown,
  context: { baseUrl: string; operation: string },
): Promise<GatehouseError> {
  if (error instanceof GatehouseError) return error
  const name = error instanceof Error ? error.name : undefined
  if (name === 'ResponseError') {
    const response = (error as { response?: Response }).response
    if (response) {
      let body: unknown
      const text = await response
        .clone()
        .text()
        .catch(() => '')
      try {
        body = text ? JSON.parse(text) : undefined
      } catch {
        body = text.slice(0, 500)
      }
      return httpError({ status: response.status, body, operation: context.operation })
    }
  }
  if (name === 'FetchError') {
    return transportError((error as { cause?: unknown }).cause, context)
  }
  if (name === 'RequiredError') {
    return new GatehouseError({
      code: 'VALIDATION_FAILED',
      message: `Gatehouse left out a required value to ${context.operation}.`,
      hint: 'This is a Gatehouse bug; please report it.',
    })
  }
  return transportError(error, context)
}

const SchemaInfo = z.object({ info: z.object({ version: z.string().min(1) }) })

export interface DetectedVersion {
  version: ServerVersion
  source: 'admin-version' | 'schema'
}

/**
 * Reads the server version before choosing a client package. With a token that works,
 * `/admin/version/` is small; without one (before the bootstrap token exists, or once it was
 * refused) the anonymous schema document's `info.version` is used. Both calls have the same shape
 * in both packages, so the 2025.6 one is used for them.
 */
export async function detectVersion(options: AuthentikClientOptions): Promise<DetectedVersion> {
  const baseUrl = normalizeBaseUrl(options.baseUrl)
  const fetchApi = createTransport({ ...options, baseUrl })
  const token = options.token ? await options.token() : null
  if (token) {
    const apis = apisFor('ak-2025.6', `${baseUrl}/api/v3`, fetchApi, () => token)
    try {
      const version = await apis.admin.adminVersionRetrieve()
      return {
        version: requireSupportedVersion(version.versionCurrent, baseUrl),
        source: 'admin-version',
      }
    } catch (error) {
      const mapped = await mapClientError(error, { baseUrl, operation: 'read the version' })
      // Only a refused token falls back to the anonymous document; anything else is the answer.
      if (mapped.code !== 'AUTHENTIK_AUTH_FAILED') throw mapped
    }
  }
  const anonymous = apisFor('ak-2025.6', `${baseUrl}/api/v3`, fetchApi, undefined)
  let document: Record<string, unknown>
  try {
    document = await anonymous.schema.schemaRetrieve({ format: 'json' })
  } catch (error) {
    throw await mapClientError(error, { baseUrl, operation: 'read the API schema' })
  }
  const parsed = SchemaInfo.safeParse(document)
  if (!parsed.success) {
    throw new GatehouseError({
      code: 'AUTHENTIK_VERSION_UNSUPPORTED',
      message: `The server at ${baseUrl} answered the schema request without a version.`,
      hint: 'Check that the address points at Authentik itself (not at Traefik or another app).',
      details: { baseUrl },
    })
  }
  return { version: requireSupportedVersion(parsed.data.info.version, baseUrl), source: 'schema' }
}

function exactlyOne<T>(
  results: T[],
  matches: (item: T) => boolean,
  what: string,
  baseUrl: string,
): T | null {
  // Filter again locally: should a filter ever be ignored by the server, an unfiltered list must
  // not make the first unrelated object look like the one we asked for (API map section 0).
  const found = results.filter(matches)
  if (found.length > 1) {
    throw new GatehouseError({
      code: 'AUTHENTIK_FAILED',
      message: `Authentik has ${found.length} objects matching ${what}; Gatehouse will not guess which one is meant.`,
      hint: 'Remove or rename the duplicates in Authentik, then retry.',
      details: { baseUrl, what, count: found.length },
    })
  }
  return found[0] ?? null
}

const toUser = (u: UserShape): AkUser => ({
  pk: u.pk,
  username: u.username,
  name: u.name,
  email: u.email ?? '',
  isActive: u.isActive ?? true,
  isSuperuser: u.isSuperuser,
  type: u.type,
  groups: u.groups ?? [],
})

export interface AuthentikClient {
  readonly baseUrl: string
  readonly version: ServerVersion
  readonly features: VersionFeatures
  /** From now on every request carries the key this provider returns. */
  switchToken(token: TokenProvider): void
  currentToken(): Promise<string | null>
  /** A second client on the same server with another token, e.g. to prove a token works. */
  withToken(token: TokenProvider): AuthentikClient
  adminVersion(): Promise<string>
  me(): Promise<AkMe>
  findUser(username: string): Promise<AkUser | null>
  listActiveSuperusers(): Promise<AkUser[]>
  createUser(user: { username: string; name: string; email: string }): Promise<AkUser>
  updateUser(
    pk: number,
    patch: { name?: string; email?: string; isActive?: boolean; type?: 'internal' },
  ): Promise<AkUser>
  setPassword(pk: number, password: string): Promise<void>
  findGroup(name: string): Promise<AkGroup | null>
  addUserToGroup(groupPk: string, userPk: number): Promise<void>
  findToken(identifier: string): Promise<AkToken | null>
  createToken(token: { identifier: string; userPk: number; description: string }): Promise<AkToken>
  setTokenKey(identifier: string, key: string): Promise<void>
  /** Authentik's REST API by path and snake_case fields (see rest.ts), same transport and token. */
  readonly rest: AuthentikRest
}

/** A client for a server whose version is already known (see connectAuthentik). */
export function createAuthentikClient(
  options: AuthentikClientOptions & { version: ServerVersion },
): AuthentikClient {
  const baseUrl = normalizeBaseUrl(options.baseUrl)
  const features = featuresFor(options.version)
  const fetchApi = createTransport({ ...options, baseUrl })
  let token: TokenProvider = options.token ?? (() => null)
  // Indirection so switchToken affects the already constructed API objects.
  const apis = apisFor(features.clientPackage, `${baseUrl}/api/v3`, fetchApi, () => token())
  const pageSize = 100

  async function call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (error) {
      throw await mapClientError(error, { baseUrl, operation })
    }
  }

  /** Follows `pagination.next` (0 when there is none); Authentik pages are 1-based. */
  async function all<T>(operation: string, list: (page: number) => Promise<PageOf<T>>) {
    const out: T[] = []
    for (let page = 1; page > 0 && page < 1000;) {
      const result = await call(operation, () => list(page))
      out.push(...result.results)
      page = result.pagination.next
    }
    return out
  }

  const rest = createRest({ baseUrl, fetchApi, token: () => token() })

  const client: AuthentikClient = {
    rest,
    baseUrl,
    version: options.version,
    features,
    switchToken(next) {
      token = next
    },
    currentToken: async () => token(),
    withToken: (other) => createAuthentikClient({ ...options, token: other }),
    adminVersion: () =>
      call(
        'read the version',
        async () => (await apis.admin.adminVersionRetrieve()).versionCurrent,
      ),
    me: () =>
      call('read the current user', async () => {
        const { user } = await apis.core.coreUsersMeRetrieve()
        return {
          pk: user.pk,
          username: user.username,
          isActive: user.isActive,
          isSuperuser: user.isSuperuser,
        }
      }),
    findUser: async (username) => {
      const users = await all(`find user ${username}`, (page) =>
        apis.core.coreUsersList({ username, page, pageSize }),
      )
      const user = exactlyOne(
        users,
        (u) => u.username === username,
        `username ${username}`,
        baseUrl,
      )
      return user ? toUser(user) : null
    },
    listActiveSuperusers: async () => {
      const users = await all('list active superusers', (page) =>
        apis.core.coreUsersList({ isActive: true, isSuperuser: true, page, pageSize }),
      )
      return users.map(toUser).filter((u) => u.isActive && u.isSuperuser)
    },
    createUser: (user) =>
      call(`create user ${user.username}`, async () =>
        toUser(
          await apis.core.coreUsersCreate({
            userRequest: { ...user, type: 'internal', isActive: true },
          }),
        ),
      ),
    updateUser: (pk, patch) =>
      call(`update user #${pk}`, async () =>
        toUser(await apis.core.coreUsersPartialUpdate({ id: pk, patchedUserRequest: patch })),
      ),
    setPassword: (pk, password) =>
      call(`set the password of user #${pk}`, () =>
        apis.core.coreUsersSetPasswordCreate({ id: pk, userPasswordSetRequest: { password } }),
      ),
    findGroup: async (name) => {
      const groups = await all(`find group ${name}`, (page) =>
        apis.core.coreGroupsList({ name, includeUsers: false, page, pageSize }),
      )
      const group = exactlyOne(groups, (g) => g.name === name, `group name ${name}`, baseUrl)
      if (!group) return null
      // 2025.6–2025.10: one optional `parent`; 2025.12 on: a `parents` list (section 8.2).
      const parents =
        features.groupParents === 'parents'
          ? (group.parents ?? [])
          : group.parent
            ? [group.parent]
            : []
      return { pk: group.pk, name: group.name, isSuperuser: group.isSuperuser ?? false, parents }
    },
    addUserToGroup: (groupPk, userPk) =>
      call(`add user #${userPk} to a group`, () =>
        apis.core.coreGroupsAddUserCreate({
          groupUuid: groupPk,
          userAccountRequest: { pk: userPk },
        }),
      ),
    findToken: async (identifier) => {
      const tokens = await all(`find token ${identifier}`, (page) =>
        apis.core.coreTokensList({ identifier, page, pageSize }),
      )
      const found = exactlyOne(
        tokens,
        (t) => t.identifier === identifier,
        `token ${identifier}`,
        baseUrl,
      )
      return found
        ? {
            identifier: found.identifier,
            intent: found.intent,
            userPk: found.user,
            expiring: found.expiring ?? true,
            description: found.description ?? '',
          }
        : null
    },
    createToken: (request) =>
      call(`create token ${request.identifier}`, async () => {
        const created = await apis.core.coreTokensCreate({
          tokenRequest: {
            identifier: request.identifier,
            intent: 'api',
            user: request.userPk,
            description: request.description,
            expiring: false,
          },
        })
        return {
          identifier: created.identifier,
          intent: created.intent,
          userPk: created.user,
          expiring: created.expiring ?? true,
          description: created.description ?? '',
        }
      }),
    setTokenKey: (identifier, key) =>
      call(`set the key of token ${identifier}`, () =>
        apis.core.coreTokensSetKeyCreate({ identifier, tokenSetKeyRequest: { key } }),
      ),
  }
  return client
}

/** Detects the version (refusing unsupported ones) and returns a client built for it. */
export async function connectAuthentik(options: AuthentikClientOptions): Promise<AuthentikClient> {
  const { version } = await detectVersion(options)
  return createAuthentikClient({ ...options, version })
}
