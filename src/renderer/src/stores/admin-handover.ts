import { defineStore } from 'pinia'
import { ref } from 'vue'
import { AdminHandoverInput, type InputOf, type OutputOf } from '../../../shared/contract'
import type { GatehouseErrorData } from '../../../shared/errors'
import { gatehouse } from '../api'
import { errorData, validationError } from '../errors'

type Input = InputOf<'recipes.adminHandoverApply'>
type Plan = OutputOf<'recipes.adminHandoverPlan'>
type Result = OutputOf<'recipes.adminHandoverApply'>

/**
 * R1, the admin handover: its plan, its result and why it failed. The password typed into the
 * form is passed through to the main process and never kept here.
 */
export const useAdminHandover = defineStore('admin-handover', () => {
  const plan = ref<Plan | null>(null)
  const result = ref<Result | null>(null)
  const error = ref<GatehouseErrorData | null>(null)
  const busy = ref(false)

  /** The form's own check first, so its field errors stand next to the fields at once. */
  function valid(input: Input): boolean {
    const parsed = AdminHandoverInput.safeParse(input)
    if (!parsed.success) error.value = validationError(parsed.error)
    return parsed.success
  }

  async function showPlan(input: Input) {
    error.value = null
    result.value = null
    if (!valid(input)) return
    busy.value = true
    try {
      const { password: _password, ...who } = input
      plan.value = await gatehouse.recipes.adminHandoverPlan(who)
    } catch (e) {
      error.value = errorData(e)
    } finally {
      busy.value = false
    }
  }

  /** Resolves true when the handover completed. */
  async function apply(input: Input): Promise<boolean> {
    if (!valid(input)) return false
    busy.value = true
    try {
      result.value = await gatehouse.recipes.adminHandoverApply(input)
      // Authentik's field errors (a username that exists, …) go next to the field that caused them.
      if (result.value.error) error.value = result.value.error
      plan.value = null
      return result.value.completed
    } catch (e) {
      error.value = errorData(e)
      return false
    } finally {
      busy.value = false
    }
  }

  return { plan, result, error, busy, showPlan, apply }
})
