import { defineStore } from 'pinia'
import { reactive, ref } from 'vue'
import type {
  RecipeApplyResult,
  RecipeId,
  RecipeInfo,
  RecipePlan,
  RecipeStatus,
} from '../../../shared/contract'
import type { GatehouseErrorData } from '../../../shared/errors'
import { gatehouse } from '../api'
import { errorData } from '../errors'

export type ParamValue = string | number | boolean | string[] | null

export interface RecipeState {
  params: Record<string, ParamValue>
  plan: RecipePlan | null
  result: RecipeApplyResult | null
  error: GatehouseErrorData | null
  busy: 'plan' | 'apply' | null
  /** Step key → live status while an apply runs. */
  live: Record<string, 'running' | 'done'>
}

/**
 * The Setup panel's recipes: forms, plans and applies. Progress lives here, not in the cards, so
 * the admin can leave the panel during an apply and come back to the same list.
 */
export const useRecipes = defineStore('recipes', () => {
  const list = ref<RecipeInfo[]>([])
  const loadError = ref<GatehouseErrorData | null>(null)
  const statuses = ref<Partial<Record<RecipeId, RecipeStatus | 'unknown'>>>({})
  const states = reactive<Partial<Record<RecipeId, RecipeState>>>({})
  const applyingAll = ref(false)
  let subscribed = false

  function state(id: RecipeId): RecipeState {
    let s = states[id]
    if (!s) {
      const info = list.value.find((r) => r.id === id)
      s = {
        params: Object.fromEntries((info?.form ?? []).map((f) => [f.key, f.default])),
        plan: null,
        result: null,
        error: null,
        busy: null,
        live: {},
      }
      states[id] = s
    }
    return states[id]!
  }

  async function load() {
    try {
      list.value = await gatehouse.recipes.list()
      for (const recipe of list.value) state(recipe.id)
      loadError.value = null
    } catch (error) {
      loadError.value = errorData(error)
    }
    if (!subscribed) {
      subscribed = true
      gatehouse.on('recipes.progress', (p) => {
        const s = state(p.recipe)
        const step = s.plan?.steps[p.index]
        if (step) s.live[step.key] = p.status
      })
    }
  }

  async function refreshStatus() {
    try {
      const all = await gatehouse.recipes.status()
      statuses.value = Object.fromEntries(all.map((r) => [r.id, r.status]))
    } catch {
      // Authentik not reachable yet: the cards say so when the admin plans.
    }
  }

  /** Empty text fields fall back to the recipe's defaults (the guide's names). */
  function paramsOf(id: RecipeId): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(state(id).params)) {
      if (value === '' || value === null) continue
      out[key] = value
    }
    return out
  }

  async function plan(id: RecipeId) {
    const s = state(id)
    s.busy = 'plan'
    s.error = null
    s.result = null
    s.live = {}
    try {
      s.plan = await gatehouse.recipes.plan({ id, params: paramsOf(id) })
      statuses.value[id] = s.plan.status
    } catch (error) {
      s.plan = null
      s.error = errorData(error)
    } finally {
      s.busy = null
    }
  }

  async function apply(id: RecipeId): Promise<boolean> {
    const s = state(id)
    s.busy = 'apply'
    s.error = null
    s.live = {}
    try {
      s.result = await gatehouse.recipes.apply({ id, params: paramsOf(id) })
      if (s.result.error) s.error = s.result.error
      if (id !== 'r3') {
        statuses.value[id] = s.result.completed ? 'applied' : (statuses.value[id] ?? 'unknown')
        // Read back so the card shows the server as it is now.
        s.plan = await gatehouse.recipes.plan({ id, params: paramsOf(id) })
      }
      return s.result.completed
    } catch (error) {
      s.error = errorData(error)
      return false
    } finally {
      s.busy = null
    }
  }

  /** Every Authentik recipe in the guide's order; stops at the first that does not complete. */
  async function applyAll(): Promise<RecipeId | null> {
    applyingAll.value = true
    try {
      for (const recipe of list.value) {
        if (recipe.kind !== 'authentik') continue
        // R9 is per app: it needs the admin to name the app (host) first.
        if (recipe.id === 'r9' && !state('r9').params.host) continue
        await plan(recipe.id)
        if (state(recipe.id).error) return recipe.id
        const pending = state(recipe.id).plan?.steps.some((s) => s.action !== 'unchanged')
        if (pending && !(await apply(recipe.id))) return recipe.id
      }
      return null
    } finally {
      applyingAll.value = false
    }
  }

  return {
    list,
    loadError,
    statuses,
    states,
    applyingAll,
    state,
    load,
    refreshStatus,
    plan,
    apply,
    applyAll,
  }
})
