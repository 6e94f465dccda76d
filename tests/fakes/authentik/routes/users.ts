import { serializeUser, userUid } from '../serialize'
import type { GroupRecord, UserRecord, UserType } from '../state'
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
import { exact, oneOf, paginate, select } from './list'
import { hasFeature } from '../../../../src/shared/authentik-releases'

/** `weeks=1;days=2;hours=3;minutes=4;seconds=5` → milliseconds (Authentik's timedelta strings). */
export function durationMs(text: string): number {
  const units: Record<string, number> = {
    weeks: 604_800_000,
    days: 86_400_000,
    hours: 3_600_000,
    minutes: 60_000,
    seconds: 1000,
    milliseconds: 1,
    microseconds: 0.001,
  }
  let total = 0
  for (const part of text.split(';')) {
    const [unit = '', value = ''] = part.split('=').map((s) => s.trim())
    const factor = units[unit]
    const amount = Number(value)
    if (factor === undefined || !Number.isFinite(amount)) {
      throw new HttpError(400, { token_duration: [`Invalid duration "${text}".`] })
    }
    total += factor * amount
  }
  return total
}

/**
 * `_create_recovery_link`: needs the brand's recovery flow, makes a recovery token and returns
 * `<origin>/if/flow/<slug>/?flow_token=<key>`.
 */
function recoveryLink(ctx: Ctx, user: UserRecord, tokenDuration: unknown): string {
  const brand = ctx.state.findBy('brands', 'default', true)
  const flow = brand?.flow_recovery
    ? ctx.state.store.flows.get(String(brand.flow_recovery))
    : undefined
  if (!flow) throw new HttpError(400, { non_field_errors: ['No recovery flow set.'] })
  const duration = typeof tokenDuration === 'string' ? tokenDuration : 'minutes=30'
  const token = ctx.state.addToken({
    identifier: `ak-recovery-${user.username}-${Date.now()}`
      .toLowerCase()
      .replace(/[^a-z0-9_-]/g, '-'),
    user: user.pk,
    intent: 'recovery',
    expiring: true,
    expires: new Date(Date.now() + durationMs(duration)).toISOString(),
    description: `Recovery Link Token for ${user.username}`,
  })
  return `${ctx.origin}/if/flow/${String(flow.slug)}/?flow_token=${token.key}`
}

interface UserView extends JsonObject {
  _user: UserRecord
}

/**
 * Filtered and ordered users as light views (no full serialisation), cached per query and state
 * revision so paging through 10 000 users costs one sort, not one per page.
 */
function selectedUsers(ctx: Ctx): UserView[] {
  const state = ctx.state
  const query = Object.fromEntries(
    Object.entries(ctx.query).filter(([name]) => name !== 'page' && name !== 'page_size'),
  )
  const key = JSON.stringify(query)
  const cached = usersCache.get(state)
  if (cached && cached.key === key && cached.revision === state.revision) return cached.views
  const memberOf = new Map<number, GroupRecord[]>()
  for (const group of state.groups.values()) {
    for (const pk of group.users) {
      const list = memberOf.get(pk)
      if (list) list.push(group)
      else memberOf.set(pk, [group])
    }
  }
  const superGroups = new Set(
    [...state.groups.values()].filter((g) => groupIsSuper(state, g)).map((g) => g.pk),
  )
  const views: UserView[] = []
  for (const user of state.users.values()) {
    if (user.username === 'AnonymousUser') continue
    const groups = memberOf.get(user.pk) ?? []
    views.push({
      _user: user,
      pk: user.pk,
      username: user.username,
      name: user.name,
      email: user.email,
      is_active: user.isActive,
      is_superuser: groups.some((g) => superGroups.has(g.pk)),
      path: user.path,
      uuid: user.uuid,
      type: user.type,
      date_joined: user.dateJoined,
      last_login: user.lastLogin,
      last_updated: user.lastUpdated,
      groups: groups.map((g) => g.pk),
      group_names: groups.map((g) => g.name),
    })
  }
  const selected = select(ctx, views, {
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
      last_login__isnull: (item, value) => (item.last_login === null) === value,
    },
    searchFields: ['username', 'name', 'email'],
    ordering: 'username',
    representation: ['include_groups', 'include_roles'],
  }) as UserView[]
  usersCache.set(state, { key, revision: state.revision, views: selected })
  return selected
}

const usersCache = new WeakMap<object, { key: string; revision: number; views: UserView[] }>()

function groupIsSuper(state: Ctx['state'], group: GroupRecord): boolean {
  const seen = new Set<string>()
  const visit = (g: GroupRecord): boolean => {
    if (seen.has(g.pk)) return false
    seen.add(g.pk)
    if (g.isSuperuser) return true
    return g.parents.some((pk) => {
      const parent = state.groups.get(pk)
      return parent ? visit(parent) : false
    })
  }
  return visit(group)
}

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
    const page = paginate(ctx, selectedUsers(ctx))
    const options = includes(ctx)
    page.results = (page.results as JsonObject[]).map((view) =>
      serializeUser(ctx.state, view._user as UserRecord, options),
    )
    return { status: 200, body: page }
  },

  core_users_recovery_create: (ctx) => {
    requireSuperuser(ctx)
    const user = findUser(ctx)
    const body = (ctx.body ?? {}) as JsonObject
    return ok({ link: recoveryLink(ctx, user, body.token_duration) })
  },

  /** Before 2026.2: `?email_stage=`; since: body `{email_stage, token_duration?}`. Records the mail. */
  core_users_recovery_email_create: (ctx) => {
    requireSuperuser(ctx)
    const user = findUser(ctx)
    const body = (ctx.body ?? {}) as JsonObject
    const stagePk = hasFeature(ctx.state.version, 'recoveryEmailBody')
      ? body.email_stage
      : ctx.query.email_stage
    if (!user.email) {
      throw new HttpError(400, { non_field_errors: ['User does not have an email address set.'] })
    }
    const link = recoveryLink(ctx, user, body.token_duration)
    const stage = ctx.state.store.stages.get(String(stagePk))
    if (!stage || stage._type !== 'email') {
      throw new HttpError(400, { non_field_errors: ['Email stage does not exist.'] })
    }
    ctx.state.sentMail.push({
      kind: 'recovery',
      to: [user.email],
      subject: stage.subject,
      template: stage.template,
      stage: stage.pk,
      link,
    })
    return noContent()
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
    if (hasFeature(ctx.state.version, 'userRoles')) self.roles = []
    // A 2026.5 SessionUser has no `users`; sending it would be a schema violation (issue #13).
    if (!hasFeature(ctx.state.version, 'sessionUsers')) return ok({ user: self })
    const current = { ...self, is_current: true }
    return ok({ user: current, users: [current] })
  },
}
