import { defineStore } from 'pinia'
import { reactive } from 'vue'
import type { InputOf } from '../../../shared/contract'
import type { UserRow, UserType } from '../../../shared/contract'
import { gatehouse } from '../api'
import { usePagedList } from './paged-list'

/**
 * The Users panel: a live, server-paged view of Authentik's users. Passwords typed into the
 * set-password form go straight to the main process and are never kept here.
 */
export const useUsers = defineStore('users', () => {
  const filters = reactive({
    search: '',
    type: null as UserType | null,
    active: null as boolean | null,
  })
  const list = usePagedList<UserRow>((page, page_size) =>
    gatehouse.users.list({
      page,
      page_size,
      ...(filters.search.trim() ? { search: filters.search.trim() } : {}),
      ...(filters.type ? { type: [filters.type] } : {}),
      ...(filters.active !== null ? { is_active: filters.active } : {}),
    }),
  )

  /** Users for pickers (a group's new member), searched on the server. */
  async function search(text: string) {
    return (await gatehouse.users.list({ page_size: 50, ...(text ? { search: text } : {}) }))
      .results
  }

  /** After a change to one user: reload the page that shows it (or everything if not shown). */
  async function refreshUser(pk: number) {
    const index = list.rows.value.findIndex((row) => row?.pk === pk)
    if (index >= 0) await list.refreshRow(index)
    else await list.reload()
  }

  const create = (input: InputOf<'users.create'>) => list.reloadAfter(gatehouse.users.create(input))
  async function update(input: InputOf<'users.update'>) {
    const row = await gatehouse.users.update(input)
    await refreshUser(row.pk)
    return row
  }
  async function setActive(pk: number, is_active: boolean) {
    const row = await gatehouse.users.setActive({ pk, is_active })
    await refreshUser(pk)
    return row
  }
  /** The password is passed through, not stored. */
  async function setPassword(pk: number, password: string) {
    await gatehouse.users.setPassword({ pk, password })
  }
  async function recoveryLink(pk: number) {
    return (await gatehouse.users.recoveryLink({ pk })).link
  }
  const remove = (pk: number, confirm: string) =>
    list.reloadAfter(gatehouse.users.delete({ pk, confirm }))
  async function addToGroup(pk: number, group: string) {
    await gatehouse.groups.addMember({ pk: group, user: pk })
    await refreshUser(pk)
  }
  async function removeFromGroup(pk: number, group: string) {
    await gatehouse.groups.removeMember({ pk: group, user: pk })
    await refreshUser(pk)
  }

  return {
    filters,
    ...list,
    search,
    create,
    update,
    setActive,
    setPassword,
    recoveryLink,
    remove,
    addToGroup,
    removeFromGroup,
  }
})
