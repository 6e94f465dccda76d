import { serializeGroup, type GroupIncludes } from '../serialize'
import type { GroupRecord } from '../state'
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
import { exact, listReply } from './list'
import { hasFeature } from '../../../../src/shared/authentik-releases'

/** Unique since the 2025.12 group rework (database constraint); before, duplicates are allowed. */
const NAME_TAKEN = 'Group with this name already exists.'

function findGroup(ctx: Ctx): GroupRecord {
  const group = ctx.state.groups.get(String(ctx.params.group_uuid))
  if (!group) throw notFound()
  return group
}

const includes = (ctx: Ctx): GroupIncludes => ({
  includeUsers: ctx.query.include_users !== false,
  includeChildren: ctx.query.include_children === true,
  includeParents: ctx.query.include_parents === true,
  includeInheritedRoles: ctx.query.include_inherited_roles === true,
})

function parentsFromBody(ctx: Ctx, body: JsonObject): string[] | undefined {
  let parents: string[] | undefined
  if (!hasFeature(ctx.state.version, 'groupParents')) {
    if (has(body, 'parent')) parents = body.parent === null ? [] : [String(body.parent)]
  } else if (has(body, 'parents')) {
    parents = body.parents as string[]
  }
  const field = hasFeature(ctx.state.version, 'groupParents') ? 'parents' : 'parent'
  for (const pk of parents ?? []) {
    if (!ctx.state.groups.has(pk)) {
      throw new HttpError(400, { [field]: [`Invalid pk "${pk}" - object does not exist.`] })
    }
  }
  return parents
}

/** Applies a GroupRequest / PatchedGroupRequest body; `users`, `parents`, `roles` replaced whole. */
function applyGroup(ctx: Ctx, group: GroupRecord | null, body: JsonObject): GroupRecord {
  if (typeof body.name === 'string' && hasFeature(ctx.state.version, 'groupParents')) {
    const other = ctx.state.groupByName(body.name)
    if (other && other.pk !== group?.pk) throw new HttpError(400, { name: [NAME_TAKEN] })
  }
  const users = has(body, 'users') ? (body.users as number[]) : undefined
  for (const pk of users ?? []) {
    if (!ctx.state.users.has(pk)) {
      throw new HttpError(400, { users: [`Invalid pk "${pk}" - object does not exist.`] })
    }
  }
  const parents = parentsFromBody(ctx, body)
  if (group && parents?.includes(group.pk)) {
    throw new HttpError(400, { non_field_errors: ['Cannot set group as parent of itself.'] })
  }
  const fields: Partial<GroupRecord> = {}
  if (typeof body.name === 'string') fields.name = body.name
  if (typeof body.is_superuser === 'boolean') fields.isSuperuser = body.is_superuser
  if (parents) fields.parents = parents
  if (users) fields.users = [...new Set(users)]
  if (has(body, 'attributes')) fields.attributes = body.attributes as JsonObject
  if (has(body, 'roles')) fields.roles = body.roles as string[]
  const children = childrenFromBody(ctx, body)
  const saved = group
    ? Object.assign(group, fields)
    : ctx.state.addGroup({ name: String(body.name), ...fields })
  if (children) setChildren(ctx, saved, children)
  return saved
}

/** 2025.8–2025.10 (`groupChildren` before `groupParents`): `children` is writable. */
function childrenFromBody(ctx: Ctx, body: JsonObject): string[] | undefined {
  if (!has(body, 'children')) return undefined
  const children = body.children as string[]
  for (const pk of children) {
    if (!ctx.state.groups.has(pk)) {
      throw new HttpError(400, { children: [`Invalid pk "${pk}" - object does not exist.`] })
    }
  }
  return children
}

/** DRF sets a reverse relation whole: the listed groups get this parent, the others lose it. */
function setChildren(ctx: Ctx, parent: GroupRecord, children: string[]): void {
  for (const other of ctx.state.groups.values()) {
    if (children.includes(other.pk)) other.parents = [parent.pk]
    else if (other.parents.includes(parent.pk)) other.parents = []
  }
}

function membership(ctx: Ctx, add: boolean) {
  requireSuperuser(ctx)
  const group = findGroup(ctx)
  const pk = Number(bodyObject(ctx).pk)
  if (!ctx.state.users.has(pk)) throw notFound()
  group.users = add
    ? [...new Set([...group.users, pk])]
    : group.users.filter((member) => member !== pk)
  return noContent()
}

export const groupHandlers: HandlerMap = {
  core_groups_list: (ctx) => {
    requireSuperuser(ctx)
    const groups = [...ctx.state.groups.values()].map((group) => ({
      ...serializeGroup(ctx.state, group, { ...includes(ctx), includeUsers: true }),
      member_usernames: group.users.map((pk) => ctx.state.users.get(pk)?.username),
    }))
    const reply = listReply(ctx, groups, {
      filters: {
        name: exact('name'),
        is_superuser: exact('is_superuser'),
        members_by_pk: (item, value) =>
          (value as number[]).some((pk) => (item.users as number[]).includes(pk)),
        members_by_username: (item, value) =>
          (value as string[]).some((name) => (item.member_usernames as string[]).includes(name)),
      },
      searchFields: ['name'],
      ordering: 'name',
      representation: [
        'include_users',
        'include_children',
        'include_parents',
        'include_inherited_roles',
      ],
    })
    const body = reply.body as { results: JsonObject[] }
    body.results = body.results.map((item) => {
      const group = ctx.state.groups.get(String(item.pk))
      if (!group) throw new Error('group vanished')
      return serializeGroup(ctx.state, group, includes(ctx))
    })
    return reply
  },

  core_groups_create: (ctx) => {
    requireSuperuser(ctx)
    const group = applyGroup(ctx, null, bodyObject(ctx))
    return ok(serializeGroup(ctx.state, group), 201)
  },

  core_groups_retrieve: (ctx) => {
    requireSuperuser(ctx)
    return ok(serializeGroup(ctx.state, findGroup(ctx), includes(ctx)))
  },

  core_groups_update: (ctx) => {
    requireSuperuser(ctx)
    return ok(serializeGroup(ctx.state, applyGroup(ctx, findGroup(ctx), bodyObject(ctx))))
  },

  core_groups_partial_update: (ctx) => {
    requireSuperuser(ctx)
    return ok(serializeGroup(ctx.state, applyGroup(ctx, findGroup(ctx), bodyObject(ctx))))
  },

  core_groups_destroy: (ctx) => {
    requireSuperuser(ctx)
    const group = findGroup(ctx)
    ctx.state.groups.delete(group.pk)
    for (const [key, binding] of ctx.state.store.policyBindings) {
      if (binding.group === group.pk) ctx.state.store.policyBindings.delete(key)
    }
    for (const other of ctx.state.groups.values()) {
      other.parents = other.parents.filter((pk) => pk !== group.pk)
    }
    return noContent()
  },

  core_groups_add_user_create: (ctx) => membership(ctx, true),
  core_groups_remove_user_create: (ctx) => membership(ctx, false),
}
