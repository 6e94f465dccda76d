import type { GroupRow, ParsedInputOf } from '../../shared/contract'
import { GatehouseError } from '../../shared/errors'
import type { AuthentikClient } from '../authentik/client'
import { AkGroup } from '../authentik/shapes'
import { getAs, pageAs, writeAs } from '../authentik/typed-rest'
import type { DirectoryContext } from './session'
import { assertMayLoseAdmin, readUser } from './users'

function toGroupRow(group: AkGroup): GroupRow {
  let parents: GroupRow['parents']
  if (group.parents) {
    const names = new Map((group.parents_obj ?? []).map((p) => [p.pk, p.name]))
    parents = group.parents.map((pk) => ({ pk, name: names.get(pk) ?? pk }))
  } else {
    parents = group.parent ? [{ pk: group.parent, name: group.parent_name ?? group.parent }] : []
  }
  return {
    pk: group.pk,
    name: group.name,
    is_superuser: group.is_superuser ?? false,
    parents,
    member_count: group.users?.length ?? 0,
    attributes: group.attributes ?? {},
  }
}

const groupPath = (pk: string) => `/core/groups/${pk}/`

/** Which query flag brings the parents' names along (2026 only lists them on request). */
function parentQuery(client: AuthentikClient) {
  return client.features.groupParents === 'parents' ? { include_parents: true } : {}
}

/** The parent field(s) of a write, in the shape the server's version understands. */
function parentBody(client: AuthentikClient, parents: string[] | undefined) {
  if (parents === undefined) return {}
  if (client.features.groupParents === 'parents') return { parents }
  if (parents.length > 1) {
    throw new GatehouseError({
      code: 'VALIDATION_FAILED',
      message: `Authentik ${client.version.raw} allows one parent group; ${parents.length} were chosen.`,
      hint: 'Choose one parent (several parents arrived in Authentik 2025.12).',
      details: {
        issues: [{ path: 'parents', message: 'This Authentik version allows one parent only.' }],
      },
    })
  }
  return { parent: parents[0] ?? null }
}

export function createGroupsService(ctx: DirectoryContext) {
  async function read(client: AuthentikClient, pk: string, withUsers: boolean) {
    return getAs(
      client,
      AkGroup,
      groupPath(pk),
      { include_users: withUsers, ...parentQuery(client) },
      `read group ${pk}`,
    )
  }

  return {
    async list(input: ParsedInputOf<'groups.list'>) {
      const { client } = await ctx.session()
      const page = await pageAs(
        client,
        AkGroup,
        '/core/groups/',
        {
          page: input.page,
          page_size: input.page_size,
          search: input.search || undefined,
          is_superuser: input.is_superuser,
          include_users: false,
          ...parentQuery(client),
        },
        'list groups',
      )
      return {
        count: page.count,
        page: input.page,
        next: page.next,
        results: page.results.map(toGroupRow),
        hierarchy: client.features.groupParents,
      }
    },

    async get({ pk }: ParsedInputOf<'groups.get'>) {
      const { client } = await ctx.session()
      const group = await read(client, pk, true)
      return {
        ...toGroupRow(group),
        members: (group.users_obj ?? []).map((u) => ({
          pk: u.pk,
          username: u.username,
          name: u.name,
          is_active: u.is_active ?? true,
        })),
      }
    },

    async create(input: ParsedInputOf<'groups.create'>) {
      const { client } = await ctx.session()
      const created = await writeAs(
        client,
        AkGroup,
        'post',
        '/core/groups/',
        {
          name: input.name,
          is_superuser: input.is_superuser,
          attributes: input.attributes,
          ...parentBody(client, input.parents),
        },
        `create group ${input.name}`,
      )
      return toGroupRow(await read(client, created.pk, false))
    },

    async update(input: ParsedInputOf<'groups.update'>) {
      const { client } = await ctx.session()
      const { pk, parents, ...fields } = input
      // PATCH replaces `attributes` whole: the form sends the complete mapping it edited.
      await client.rest.patch(
        groupPath(pk),
        { ...fields, ...parentBody(client, parents) },
        `update group ${input.name ?? pk}`,
      )
      return toGroupRow(await read(client, pk, false))
    },

    async addMember({ pk, user }: ParsedInputOf<'groups.addMember'>) {
      const { client } = await ctx.session()
      await client.rest.post(
        `${groupPath(pk)}add_user/`,
        { pk: user },
        `add user #${user} to a group`,
      )
      return { added: true as const }
    },

    async removeMember({ pk, user }: ParsedInputOf<'groups.removeMember'>) {
      const { client } = await ctx.session()
      const group = await read(client, pk, false)
      if (group.is_superuser) {
        const member = await readUser(client, user)
        // Still a superuser through another superuser group of theirs: nothing is lost.
        const otherAdminGroup = (member.groups_obj ?? []).some(
          (g) => g.pk !== pk && g.is_superuser === true,
        )
        if (!otherAdminGroup) await assertMayLoseAdmin(client, member, `remove from ${group.name}`)
      }
      await client.rest.post(
        `${groupPath(pk)}remove_user/`,
        { pk: user },
        `remove user #${user} from ${group.name}`,
      )
      return { removed: true as const }
    },
  }
}
