import { defineStore } from 'pinia'
import { ref } from 'vue'
import { AdminHandoverInput, type InputOf, type OutputOf } from '../../../shared/contract'
import { GatehouseError, type GatehouseErrorData } from '../../../shared/errors'
import { gatehouse } from '../api'
import { attempt, validationError } from '../errors'

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

  /** `ready` false (the password typed twice differs): the fields are checked, nothing is sent. */
  async function showPlan(input: Input, ready = true) {
    error.value = null
    result.value = null
    if (!valid(input) || !ready) return
    const { password: _password, ...who } = input
    await attempt(
      error,
      async () => (plan.value = await gatehouse.recipes.adminHandoverPlan(who)),
      busy,
    )
  }

  /** Resolves true when the handover completed, null when the form's own check stopped it. */
  async function apply(input: Input, ready = true): Promise<boolean | null> {
    if (!valid(input) || !ready) return null
    const ran = await attempt(
      error,
      async () => {
        result.value = await gatehouse.recipes.adminHandoverApply(input)
        plan.value = null
        // Authentik's field errors (a username that exists, …) go next to the field at fault.
        if (result.value.error) throw new GatehouseError(result.value.error)
      },
      busy,
    )
    return ran && !!result.value?.completed
  }

  return { plan, result, error, busy, showPlan, apply }
})
