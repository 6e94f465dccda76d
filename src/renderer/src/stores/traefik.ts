import { defineStore } from 'pinia'
import { reactive, ref } from 'vue'
import type { TraefikApplyResult, TraefikPlan } from '../../../shared/contract'
import type { GatehouseErrorData } from '../../../shared/errors'
import { gatehouse } from '../api'
import { errorData } from '../errors'

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

  function input() {
    return {
      ...(form.path.trim() ? { path: form.path.trim() } : {}),
      include: form.withServarr ? (['r2', 'r10'] as const) : (['r2'] as const),
      securityHeaders: form.addSecurityHeaders ? ('add-suggested' as const) : ('keep' as const),
    }
  }

  async function preview() {
    busy.value = 'plan'
    error.value = null
    result.value = null
    try {
      const i = input()
      plan.value = await gatehouse.traefik.plan({ ...i, include: [...i.include] })
      form.path = plan.value.path
    } catch (e) {
      plan.value = null
      error.value = errorData(e)
    } finally {
      busy.value = null
    }
  }

  async function apply() {
    if (!plan.value) return
    busy.value = 'apply'
    error.value = null
    try {
      const i = input()
      result.value = await gatehouse.traefik.apply({
        ...i,
        include: [...i.include],
        planHash: plan.value.planHash,
      })
      plan.value = null
    } catch (e) {
      error.value = errorData(e)
    } finally {
      busy.value = null
    }
  }

  return { form, plan, result, error, busy, preview, apply }
})
