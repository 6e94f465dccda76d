import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { BindingRow, FlowRow, StageRow } from '../../../shared/contract'
import type { GatehouseErrorData } from '../../../shared/errors'
import { gatehouse } from '../api'
import { attempt } from '../errors'

type Designation = FlowRow['designation']

/** The Flows panel: flows by designation and the selected flow's stage bindings. */
export const useFlows = defineStore('flows', () => {
  const designation = ref<Designation | null>(null)
  const flows = ref<FlowRow[]>([])
  const loading = ref(false)
  const error = ref<GatehouseErrorData | null>(null)

  const slug = ref<string | null>(null)
  const bindings = ref<BindingRow[]>([])
  const bindingsLoading = ref(false)
  const bindingsError = ref<GatehouseErrorData | null>(null)
  const stages = ref<StageRow[]>([])

  async function load() {
    const filter = designation.value ? { designation: designation.value } : {}
    const ok = await attempt(
      error,
      async () => (flows.value = (await gatehouse.flows.list(filter)).results),
      loading,
    )
    if (!ok) flows.value = []
  }

  async function select(next: string | null) {
    slug.value = next
    bindings.value = []
    bindingsError.value = null
    if (!next) return
    await attempt(
      bindingsError,
      async () => (bindings.value = (await gatehouse.flows.bindings({ slug: next })).bindings),
      bindingsLoading,
    )
  }

  async function loadStages() {
    stages.value = (await gatehouse.flows.stages({})).results
  }

  async function bind(stage: string) {
    if (!slug.value) return
    await gatehouse.flows.bind({ slug: slug.value, stage })
    await select(slug.value)
  }
  async function unbind(binding: string) {
    await gatehouse.flows.unbind({ binding })
    if (slug.value) await select(slug.value)
  }
  /** Moves one binding up (-1) or down (+1) and writes the new order. */
  async function move(binding: string, by: -1 | 1) {
    if (!slug.value) return
    const order = bindings.value.map((b) => b.pk)
    const from = order.indexOf(binding)
    const to = from + by
    if (from < 0 || to < 0 || to >= order.length) return
    order.splice(to, 0, ...order.splice(from, 1))
    bindings.value = (await gatehouse.flows.reorder({ slug: slug.value, bindings: order })).bindings
  }

  return {
    designation,
    flows,
    loading,
    error,
    slug,
    bindings,
    bindingsLoading,
    bindingsError,
    stages,
    load,
    select,
    loadStages,
    bind,
    unbind,
    move,
  }
})
