import { defineStore } from 'pinia'
import { reactive, ref } from 'vue'
import type { GroupRow, InputOf, OutputOf } from '../../../shared/contract'
import type { GatehouseErrorData } from '../../../shared/errors'
import { gatehouse } from '../api'
import { attempt } from '../errors'
import { usePagedList } from './paged-list'

type GroupDetail = OutputOf<'groups.get'>

/** The Groups panel: server-paged groups, one group's members, and the edits. */
export const useGroups = defineStore('groups', () => {
  const filters = reactive({ search: '' })
  /** 'parent' (one, 2025.6–2025.10) or 'parents' (several, 2025.12+), from the last list. */
  const hierarchy = ref<'parent' | 'parents'>('parents')
  const list = usePagedList<GroupRow>(async (page, page_size) => {
    const result = await gatehouse.groups.list({
      page,
      page_size,
      ...(filters.search.trim() ? { search: filters.search.trim() } : {}),
    })
    hierarchy.value = result.hierarchy
    return result
  })

  const selected = ref<GroupDetail | null>(null)
  const selectedError = ref<GatehouseErrorData | null>(null)
  const selectedLoading = ref(false)

  async function select(pk: string | null) {
    selectedError.value = null
    if (!pk) {
      selected.value = null
      return
    }
    await attempt(
      selectedError,
      async () => (selected.value = await gatehouse.groups.get({ pk })),
      selectedLoading,
    )
  }

  /** Group names for pickers (parents, a user's groups), searched on the server. */
  async function search(text: string) {
    const result = await gatehouse.groups.list({ page_size: 50, ...(text ? { search: text } : {}) })
    return result.results
  }

  const create = (input: InputOf<'groups.create'>) =>
    list.reloadAfter(gatehouse.groups.create(input))
  async function update(input: InputOf<'groups.update'>) {
    const row = await list.reloadAfter(gatehouse.groups.update(input))
    if (selected.value?.pk === row.pk) await select(row.pk)
    return row
  }
  async function addMember(pk: string, user: number) {
    await gatehouse.groups.addMember({ pk, user })
    await select(pk)
  }
  async function removeMember(pk: string, user: number) {
    await gatehouse.groups.removeMember({ pk, user })
    await select(pk)
  }

  return {
    filters,
    hierarchy,
    ...list,
    selected,
    selectedError,
    selectedLoading,
    select,
    search,
    create,
    update,
    addMember,
    removeMember,
  }
})
