import { defineStore } from 'pinia'
import { reactive, ref, watch } from 'vue'
import type { TraefikApplyResult, TraefikPlan } from '../../../shared/contract'
import type { GatehouseErrorData } from '../../../shared/errors'
import { gatehouse } from '../api'
import { attempt } from '../errors'

/** The Traefik card's form, plan and result; kept here so leaving the Setup panel loses nothing. */
export const useTraefik = defineStore('traefik', () => {
  const form = reactive({
    path: '',
    withServarr: false,
    addSecurityHeaders: false,
  })
  const plan = ref<TraefikPlan | null>(null)
  const result = ref<TraefikApplyResult | null>(null)
  const error = ref<GatehouseErrorData | null>(null)
  const busy = ref<'plan' | 'apply' | null>(null)
  // A preview is of the options it was made with: ticking a box or editing the path withdraws it
  // and its Write button (#14). Synchronous, so the path the preview itself fills in is not an edit.
  watch(
    () => [form.path, form.withServarr, form.addSecurityHeaders],
    () => {
      if (busy.value) return
      plan.value = null
      result.value = null
    },
    { flush: 'sync' },
  )

  function input() {
    return {
      ...(form.path.trim() ? { path: form.path.trim() } : {}),
      include: form.withServarr ? (['r2', 'r10'] as const) : (['r2'] as const),
      securityHeaders: form.addSecurityHeaders ? ('add-suggested' as const) : ('keep' as const),
    }
  }

  async function preview() {
    busy.value = 'plan'
    result.value = null
    const i = input()
    const ok = await attempt(error, async () => {
      plan.value = await gatehouse.traefik.plan({ ...i, include: [...i.include] })
      form.path = plan.value.path
    })
    if (!ok) plan.value = null
    busy.value = null
  }

  async function apply() {
    const planHash = plan.value?.planHash
    if (!planHash) return
    busy.value = 'apply'
    const i = input()
    await attempt(error, async () => {
      result.value = await gatehouse.traefik.apply({ ...i, include: [...i.include], planHash })
      plan.value = null
    })
    busy.value = null
  }

  return { form, plan, result, error, busy, preview, apply }
})
