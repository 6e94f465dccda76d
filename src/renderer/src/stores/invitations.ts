import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { InputOf, InvitationRow, OutputOf } from '../../../shared/contract'
import type { GatehouseErrorData } from '../../../shared/errors'
import { gatehouse } from '../api'
import { attempt } from '../errors'
import { usePagedList } from './paged-list'

type Options = OutputOf<'invitations.options'>

/** The invitation generator: flows it can use, the server-paged list, create/revoke/send. */
export const useInvitations = defineStore('invitations', () => {
  const options = ref<Options | null>(null)
  const optionsError = ref<GatehouseErrorData | null>(null)
  const list = usePagedList<InvitationRow>((page, page_size) =>
    gatehouse.invitations.list({ page, page_size }),
  )
  /** The invitations created last (one, or a bulk batch) with their links, for copy/QR/CSV. */
  const created = ref<InvitationRow[]>([])
  const warning = ref<string | null>(null)

  async function loadOptions() {
    await attempt(optionsError, async () => (options.value = await gatehouse.invitations.options()))
  }

  async function create(input: InputOf<'invitations.create'>) {
    const { warning: note, ...row } = await gatehouse.invitations.create(input)
    created.value = [row]
    warning.value = note ?? null
    await list.reload()
    return row
  }
  async function createBulk(input: InputOf<'invitations.createBulk'>) {
    const result = await gatehouse.invitations.createBulk(input)
    created.value = result.created
    warning.value = result.warning ?? null
    await list.reload()
    return result.created
  }
  async function revoke(pk: string) {
    await gatehouse.invitations.delete({ pk })
    created.value = created.value.filter((i) => i.pk !== pk)
    await list.reload()
  }
  async function sendEmail(pk: string, addresses: string[]) {
    return gatehouse.invitations.sendEmail({ pk, email_addresses: addresses })
  }

  return {
    options,
    optionsError,
    ...list,
    created,
    warning,
    loadOptions,
    create,
    createBulk,
    revoke,
    sendEmail,
  }
})
