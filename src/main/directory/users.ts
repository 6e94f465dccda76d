import type { ParsedInputOf, UserRow } from '../../shared/contract'
import { GatehouseError } from '../../shared/errors'
import type { AuthentikClient } from '../authentik/client'
import { AkSessionUser, AkUser } from '../authentik/shapes'
import { getAs, pageAs, writeAs } from '../authentik/typed-rest'
import type { DirectoryContext } from './session'
import { publicRecoveryLink } from './links'

export function toUserRow(user: AkUser): UserRow {
  const names = new Map((user.groups_obj ?? []).map((g) => [g.pk, g.name]))
  const pks = user.groups ?? [...names.keys()]
  return {
    pk: user.pk,
    username: user.username,
    name: user.name,
    email: user.email ?? '',
    type: user.type ?? 'internal',
    is_active: user.is_active ?? true,
    is_superuser: user.is_superuser,
    last_login: user.last_login ?? null,
    path: user.path ?? '',
    groups: pks.map((pk) => ({ pk, name: names.get(pk) ?? pk })),
  }
}

const userPath = (pk: number) => `/core/users/${pk}/`

export async function readUser(client: AuthentikClient, pk: number): Promise<AkUser> {
  return getAs(client, AkUser, userPath(pk), undefined, `read user #${pk}`)
}

/**
 * Gatehouse refuses — in the service, so the CLI and any other caller are held to it too — to
 * take away the last active superuser or the account whose token Gatehouse itself uses: either
 * would lock the admin (or Gatehouse) out of Authentik.
 */
export async function assertMayLoseAdmin(
  client: AuthentikClient,
  user: AkUser,
  action: string,
): Promise<void> {
  const { user: me } = await getAs(
    client,
    AkSessionUser,
    '/core/users/me/',
    undefined,
    'read the user of Gatehouse’s token',
  )
  if (me.pk === user.pk) {
    throw new GatehouseError({
      code: 'USER_PROTECTED',
      message: `Gatehouse will not ${action} ${user.username}: Gatehouse's own API token belongs to this account, so Gatehouse would lose its access to Authentik.`,
      hint: 'Make another administrator and give Gatehouse a token of theirs first (Setup → admin handover), or make this change in Authentik’s own admin UI.',
      details: { reason: 'own-token-user', user: user.username },
    })
  }
  if (!user.is_superuser || user.is_active === false) return
  const admins = await pageAs(
    client,
    AkUser,
    '/core/users/',
    { is_active: true, is_superuser: true, page: 1, page_size: 2, include_groups: false },
    'count the active superusers',
  )
  // Checked on the rows too: a filter the server ignored must not make the admin look replaceable.
  const others = admins.results.filter(
    (u) => u.pk !== user.pk && u.is_superuser && u.is_active !== false,
  )
  if (others.length === 0) {
    throw new GatehouseError({
      code: 'USER_PROTECTED',
      message: `Gatehouse will not ${action} ${user.username}: it is the last active superuser, and without one nobody can administer Authentik any more.`,
      hint: 'Make another user a superuser (a member of "authentik Admins") first, then retry.',
      details: { reason: 'last-superuser', user: user.username },
    })
  }
}

export function createUsersService(ctx: DirectoryContext) {
  return {
    async list(input: ParsedInputOf<'users.list'>) {
      const { client } = await ctx.session()
      const page = await pageAs(
        client,
        AkUser,
        '/core/users/',
        {
          page: input.page,
          page_size: input.page_size,
          search: input.search || undefined,
          type: input.type,
          is_active: input.is_active,
          is_superuser: input.is_superuser,
          groups_by_pk: input.group ? [input.group] : undefined,
          ordering: input.ordering,
        },
        'list users',
      )
      return {
        count: page.count,
        page: input.page,
        next: page.next,
        results: page.results.map(toUserRow),
      }
    },

    async create(input: ParsedInputOf<'users.create'>) {
      const { client } = await ctx.session()
      const created = await writeAs(
        client,
        AkUser,
        'post',
        '/core/users/',
        {
          username: input.username,
          name: input.name,
          email: input.email,
          type: input.type,
          is_active: input.is_active,
          ...(input.path ? { path: input.path } : {}),
          groups: input.groups,
        },
        `create user ${input.username}`,
      )
      // The create answer may carry group pks without names; one read gives the row as listed.
      return toUserRow(await readUser(client, created.pk))
    },

    async update(input: ParsedInputOf<'users.update'>) {
      const { client } = await ctx.session()
      const { pk, ...fields } = input
      await client.rest.patch(userPath(pk), fields, `update user #${pk}`)
      return toUserRow(await readUser(client, pk))
    },

    async setActive({ pk, is_active }: ParsedInputOf<'users.setActive'>) {
      const { client } = await ctx.session()
      const user = await readUser(client, pk)
      if (!is_active) await assertMayLoseAdmin(client, user, 'deactivate')
      await client.rest.patch(userPath(pk), { is_active }, `update user ${user.username}`)
      return toUserRow(await readUser(client, pk))
    },

    async setPassword({ pk, password }: ParsedInputOf<'users.setPassword'>) {
      const { client } = await ctx.session()
      await client.rest.post(
        `${userPath(pk)}set_password/`,
        { password },
        `set the password of user #${pk}`,
      )
      return { set: true as const }
    },

    async recoveryLink({ pk }: ParsedInputOf<'users.recoveryLink'>) {
      const { client, settings } = await ctx.session()
      const user = await readUser(client, pk)
      const missing = () =>
        new GatehouseError({
          code: 'RECOVERY_FLOW_MISSING',
          message: `Authentik cannot make a recovery link for ${user.username}: its brand has no recovery flow.`,
          hint: 'Set up self-service recovery (Setup → R7) or pick a recovery flow for the brand in Authentik (System → Brands → Default flows), then retry.',
          details: { user: user.username },
        })
      try {
        const { link } = await client.rest.post<{ link: string }>(
          `${userPath(pk)}recovery/`,
          undefined,
          `create a recovery link for ${user.username}`,
        )
        // Handed to a person: on the public address, not the one Gatehouse's API calls take.
        return { link: publicRecoveryLink(settings, link) }
      } catch (error) {
        // Authentik answers 400 "No recovery flow set." when the brand serving the API has none.
        if (error instanceof GatehouseError && /recovery flow/i.test(error.message)) throw missing()
        throw error
      }
    },

    async delete({ pk, confirm }: ParsedInputOf<'users.delete'>) {
      const { client } = await ctx.session()
      const user = await readUser(client, pk)
      if (confirm !== user.username) {
        throw new GatehouseError({
          code: 'CONFIRMATION_MISMATCH',
          message: `Type the username "${user.username}" to delete this user.`,
          hint: 'Deleting a user cannot be undone; the confirmation must repeat the username exactly.',
          details: { expected: user.username },
        })
      }
      await assertMayLoseAdmin(client, user, 'delete')
      await client.rest.delete(userPath(pk), `delete user ${user.username}`)
      return { deleted: true as const }
    },
  }
}
