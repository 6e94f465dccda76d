import { serializeUser, userUid } from '../serialize'
import type { UserRecord, UserType } from '../state'
import { HttpError, notFound, type JsonObject } from '../types'
import {
  bodyObject,
  has,
  noContent,
  ok,
  requireSuperuser,
  type Ctx,
  type HandlerMap,
} from './context'
import { exact, listReply, oneOf } from './list'

const USERNAME_TAKEN = 'A user with that username already exists.'

function findUser(ctx: Ctx): UserRecord {
  const user = ctx.state.users.get(Number(ctx.params.id))
  if (!user) throw notFound()
  return user
}

function checkGroups(ctx: Ctx, groups: unknown): string[] {
  const pks = groups as string[]
  for (const pk of pks) {
    if (!ctx.state.groups.has(pk)) {
      throw new HttpError(400, { groups: [`Invalid pk "${pk}" - object does not exist.`] })
    }
  }
  return pks
}

/** Applies a UserRequest / PatchedUserRequest body; lists are replaced whole. */
function applyUser(ctx: Ctx, user: UserRecord | null, body: JsonObject): UserRecord {
  const username = body.username
  if (typeof username === 'string') {
    const other = ctx.state.userByUsername(username)
    if (other && other.pk !== user?.pk) throw new HttpError(400, { username: [USERNAME_TAKEN] })
  }
  const groups = has(body, 'groups') ? checkGroups(ctx, body.groups) : undefined
  const fields: Partial<UserRecord> = {}
  if (typeof username === 'string') fields.username = username
  if (typeof body.name === 'string') fields.name = body.name
  if (typeof body.is_active === 'boolean') fields.isActive = body.is_active
  if (has(body, 'last_login')) fields.lastLogin = (body.last_login as string | null) ?? null
  if (typeof body.email === 'string') fields.email = body.email
  if (has(body, 'attributes')) fields.attributes = body.attributes as JsonObject
  if (typeof body.path === 'string') fields.path = body.path
  if (typeof body.type === 'string') fields.type = body.type as UserType
  if (has(body, 'roles')) fields.roles = body.roles as string[]
  let record: UserRecord
  if (user) {
    Object.assign(user, fields, { lastUpdated: ctx.state.now() })
    record = user
  } else {
    record = ctx.state.addUser({ username: String(username), name: String(body.name), ...fields })
  }
  if (groups) ctx.state.setUserGroups(record.pk, groups)
  return record
}

const includes = (ctx: Ctx) => ({
  includeGroups: ctx.query.include_groups !== false,
  includeRoles: ctx.query.include_roles !== false,
})

export const userHandlers: HandlerMap = {
  core_users_list: (ctx) => {
    requireSuperuser(ctx)
    const users = [...ctx.state.users.values()].map((user) => ({
      ...serializeUser(ctx.state, user, includes(ctx)),
      group_names: ctx.state.groupsOf(user.pk).map((group) => group.name),
    }))
    const reply = listReply(ctx, users, {
      filters: {
        username: exact('username'),
        email: exact('email'),
        name: exact('name'),
        is_active: exact('is_active'),
        is_superuser: exact('is_superuser'),
        path: exact('path'),
        path_startswith: (item, value) => String(item.path).startsWith(String(value)),
        uuid: exact('uuid'),
        type: oneOf('type'),
        groups_by_name: (item, value) =>
          (value as string[]).some((name) => (item.group_names as string[]).includes(name)),
        groups_by_pk: (item, value) =>
          (value as string[]).some((pk) => (item.groups as string[]).includes(pk)),
      },
      searchFields: ['username', 'name', 'email'],
      ordering: 'username',
      representation: ['include_groups', 'include_roles'],
    })
    const body = reply.body as { results: JsonObject[] }
    for (const item of body.results) delete item.group_names
    return reply
  },

  core_users_create: (ctx) => {
    requireSuperuser(ctx)
    const user = applyUser(ctx, null, bodyObject(ctx))
    return ok(serializeUser(ctx.state, user), 201)
  },

  core_users_retrieve: (ctx) => {
    requireSuperuser(ctx)
    return ok(serializeUser(ctx.state, findUser(ctx)))
  },

  core_users_update: (ctx) => {
    requireSuperuser(ctx)
    const user = findUser(ctx)
    return ok(serializeUser(ctx.state, applyUser(ctx, user, bodyObject(ctx))))
  },

  core_users_partial_update: (ctx) => {
    requireSuperuser(ctx)
    const user = findUser(ctx)
    return ok(serializeUser(ctx.state, applyUser(ctx, user, bodyObject(ctx))))
  },

  core_users_destroy: (ctx) => {
    requireSuperuser(ctx)
    ctx.state.deleteUser(findUser(ctx).pk)
    return noContent()
  },

  core_users_set_password_create: (ctx) => {
    requireSuperuser(ctx)
    const user = findUser(ctx)
    user.password = String(bodyObject(ctx).password)
    user.passwordChangeDate = ctx.state.now()
    return noContent()
  },

  core_users_me_retrieve: (ctx) => {
    const user = ctx.user
    if (!user) throw new HttpError(403, { detail: 'Authentication credentials were not provided.' })
    const self: JsonObject = {
      pk: user.pk,
      username: user.username,
      name: user.name,
      is_active: user.isActive,
      is_superuser: ctx.state.isSuperuser(user.pk),
      groups: ctx.state.groupsOf(user.pk).map((group) => ({ name: group.name, pk: group.pk })),
      email: user.email,
      avatar: serializeUser(ctx.state, user).avatar,
      uid: userUid(ctx.state, user),
      settings: {},
      type: user.type,
      system_permissions: [],
    }
    if (ctx.state.version === '2025.6.3') return ok({ user: self })
    const current = { ...self, is_current: true, roles: [] }
    return ok({ user: current, users: [current] })
  },
}
