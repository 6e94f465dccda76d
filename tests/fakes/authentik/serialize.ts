/**
 * Records → response bodies, per version. Only fields the version's schema declares are sent; the
 * response validator (additionalProperties: false) catches anything else.
 */
import { createHash } from 'node:crypto'
import type { FakeState, GroupRecord, TokenRecord, UserRecord } from './state'
import type { JsonObject } from './types'
import { hasFeature } from '../../../src/shared/authentik-releases'

/** Before the 2025.12 group rework: one `parent`, no `parents`/`children`. */
const singleParent = (state: FakeState): boolean => !hasFeature(state.version, 'groupParents')

const avatar = (user: UserRecord): string =>
  `https://secure.gravatar.com/avatar/${createHash('md5').update(user.email.toLowerCase()).digest('hex')}?size=158&rating=g&default=404`

export function userUid(state: FakeState, user: UserRecord): string {
  return createHash('sha256').update(`${state.installId}-${user.pk}`).digest('hex')
}

/** GroupMember (2025) / PartialUser (2026): the same shape. */
export function partialUser(state: FakeState, user: UserRecord): JsonObject {
  return {
    pk: user.pk,
    username: user.username,
    name: user.name,
    is_active: user.isActive,
    last_login: user.lastLogin,
    email: user.email,
    attributes: user.attributes,
    uid: userUid(state, user),
  }
}

/**
 * UserGroup (before 2025.10) / PartialGroup: the same shape, with `parent`/`parent_name` until
 * the 2025.12 group rework.
 */
export function partialGroup(state: FakeState, group: GroupRecord): JsonObject {
  const base: JsonObject = {
    pk: group.pk,
    num_pk: group.numPk,
    name: group.name,
    is_superuser: group.isSuperuser,
    attributes: group.attributes,
  }
  if (singleParent(state)) {
    const parent = group.parents[0] ?? null
    base.parent = parent
    base.parent_name = parent ? (state.groups.get(parent)?.name ?? null) : null
  }
  return base
}

export function serializeUser(
  state: FakeState,
  user: UserRecord,
  options: { includeGroups?: boolean; includeRoles?: boolean } = {},
): JsonObject {
  const groups = state.groupsOf(user.pk)
  const body: JsonObject = {
    pk: user.pk,
    username: user.username,
    name: user.name,
    is_active: user.isActive,
    last_login: user.lastLogin,
    date_joined: user.dateJoined,
    is_superuser: state.isSuperuser(user.pk),
    groups: groups.map((group) => group.pk),
    groups_obj:
      options.includeGroups === false ? null : groups.map((group) => partialGroup(state, group)),
    email: user.email,
    avatar: avatar(user),
    attributes: user.attributes,
    uid: userUid(state, user),
    path: user.path,
    type: user.type,
    uuid: user.uuid,
    password_change_date: user.passwordChangeDate,
  }
  if (hasFeature(state.version, 'userRoles')) {
    body.roles = user.roles
    body.roles_obj = options.includeRoles === false ? null : []
  }
  if (hasFeature(state.version, 'listAutocomplete')) body.last_updated = user.lastUpdated
  return body
}

function relatedGroup(group: GroupRecord): JsonObject {
  return {
    pk: group.pk,
    name: group.name,
    is_superuser: group.isSuperuser,
    attributes: group.attributes,
    group_uuid: group.pk,
  }
}

export interface GroupIncludes {
  includeUsers?: boolean
  includeChildren?: boolean
  includeParents?: boolean
  includeInheritedRoles?: boolean
}

export function serializeGroup(
  state: FakeState,
  group: GroupRecord,
  options: GroupIncludes = {},
): JsonObject {
  const members = group.users
    .map((pk) => state.users.get(pk))
    .filter((user): user is UserRecord => user !== undefined)
  const body: JsonObject = {
    pk: group.pk,
    num_pk: group.numPk,
    name: group.name,
    is_superuser: group.isSuperuser,
  }
  if (singleParent(state)) {
    const parent = group.parents[0] ?? null
    body.parent = parent
    body.parent_name = parent ? (state.groups.get(parent)?.name ?? null) : null
    if (hasFeature(state.version, 'groupChildren')) {
      const children = [...state.groups.values()].filter((g) => g.parents.includes(group.pk))
      body.children = children.map((g) => g.pk)
      body.children_obj = options.includeChildren ? children.map(relatedGroup) : null
    }
  } else {
    const lookup = (pks: string[]): GroupRecord[] =>
      pks.map((pk) => state.groups.get(pk)).filter((g): g is GroupRecord => g !== undefined)
    const children = [...state.groups.values()].filter((g) => g.parents.includes(group.pk))
    body.parents = group.parents
    body.parents_obj = options.includeParents ? lookup(group.parents).map(relatedGroup) : null
    body.children = children.map((g) => g.pk)
    body.children_obj = options.includeChildren ? children.map(relatedGroup) : null
    body.inherited_roles_obj = options.includeInheritedRoles ? [] : null
  }
  body.users = group.users
  body.users_obj =
    options.includeUsers === false ? null : members.map((user) => partialUser(state, user))
  body.attributes = group.attributes
  body.roles = group.roles
  body.roles_obj = []
  return body
}

export function serializeToken(state: FakeState, token: TokenRecord): JsonObject {
  const user = state.users.get(token.user)
  if (!user) throw new Error(`token ${token.identifier} has no user`)
  return {
    pk: token.pk,
    managed: token.managed,
    identifier: token.identifier,
    intent: token.intent,
    user: token.user,
    user_obj: serializeUser(state, user),
    description: token.description,
    expires: token.expires,
    expiring: token.expiring,
  }
}
