import { defineStore } from 'pinia'
import { reactive, ref, watch } from 'vue'
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

/** A PLAN_STALE refusal carries the fresh plan in its details. */
function freshPlanOf(error: GatehouseErrorData): RecipePlan | null {
  const plan = error.details?.plan
  return plan && typeof plan === 'object' && 'planId' in plan ? (plan as RecipePlan) : null
}

export type ParamValue = string | number | boolean | string[] | null

export interface RecipeState {
  params: Record<string, ParamValue>
  plan: RecipePlan | null
  result: RecipeApplyResult | null
  error: GatehouseErrorData | null
  busy: 'plan' | 'apply' | null
  /** Step key → live status while an apply runs. */
  live: Record<string, 'running' | 'done'>
  /** Codes of the plan's warnings the admin ticked ("I understand"). */
  acknowledged: string[]
}

/** What "Apply all" shows before anything is written: every recipe's plan, in order. */
export interface CombinedPlan {
  plans: RecipePlan[]
  /** Recipes left out, and why (R9 without its app host, a plan that failed). */
  skipped: { id: RecipeId; reason: string }[]
}

export interface ApplyAllSummary {
  applied: RecipeId[]
  unchanged: RecipeId[]
  failed: { id: RecipeId; reason: string }[]
  skipped: { id: RecipeId; reason: string }[]
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
        acknowledged: [],
      }
      states[id] = s
      const watched = states[id]!
      // A plan is of the values it was made with: any edit withdraws it (and its Apply button),
      // so what gets applied is always what the admin read (#14).
      watch(
        () => JSON.stringify(watched.params),
        () => {
          if (watched.busy) return
          watched.plan = null
          watched.result = null
          watched.acknowledged = []
        },
      )
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

  /** True while the badges are being checked (each recipe is planned on the server). */
  const checking = ref(false)
  async function refreshStatus() {
    checking.value = true
    try {
      const all = await gatehouse.recipes.status()
      statuses.value = Object.fromEntries(all.map((r) => [r.id, r.status]))
    } catch {
      // Authentik not reachable yet: the cards say so when the admin plans.
    } finally {
      checking.value = false
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

  /** Applies exactly the plan on screen (its id); a stale plan is replaced by the fresh one. */
  async function apply(id: RecipeId): Promise<boolean> {
    const s = state(id)
    // R3 is a check: its "plan" is the address, made right before sending.
    if (!s.plan || id === 'r3') await plan(id)
    const planned = s.plan
    if (!planned) return false
    s.busy = 'apply'
    s.error = null
    s.live = {}
    try {
      s.result = await gatehouse.recipes.apply({
        id,
        params: planned.params,
        planId: planned.planId,
        acknowledged: s.acknowledged,
      })
      if (s.result.error) s.error = s.result.error
      if (id !== 'r3') {
        statuses.value[id] = s.result.completed ? 'applied' : (statuses.value[id] ?? 'unknown')
        // Read back so the card knows the server as it is now; the applied lines stay on screen
        // with their marks (the result) until the admin plans again.
        s.plan = await gatehouse.recipes.plan({ id, params: planned.params })
      } else statuses.value.r3 = s.result.completed ? 'applied' : (statuses.value.r3 ?? 'unknown')
      return s.result.completed
    } catch (error) {
      const data = errorData(error)
      s.error = data
      // The fresh plan travels with the refusal: show it instead of the one that went stale.
      const fresh = data.code === 'PLAN_STALE' ? freshPlanOf(data) : null
      if (fresh) {
        s.plan = fresh
        s.acknowledged = []
      }
      return false
    } finally {
      s.busy = null
    }
  }

  /**
   * "Apply all", step one: plan every Authentik recipe in the guide's order and write nothing.
   * The admin reads the combined plan (lockout warnings first) and confirms or cancels.
   */
  async function planAll(): Promise<CombinedPlan> {
    const plans: RecipePlan[] = []
    const skipped: CombinedPlan['skipped'] = []
    applyingAll.value = true
    try {
      for (const recipe of list.value) {
        if (recipe.kind !== 'authentik') continue
        if (recipe.id === 'r9' && !state('r9').params.host) {
          skipped.push({ id: 'r9', reason: 'it needs the host of the app to protect (its card).' })
          continue
        }
        await plan(recipe.id)
        const s = state(recipe.id)
        if (s.plan) plans.push(s.plan)
        else skipped.push({ id: recipe.id, reason: s.error?.message ?? 'it could not be planned.' })
      }
      return { plans, skipped }
    } finally {
      applyingAll.value = false
    }
  }

  /**
   * "Apply all", step two, after the admin confirmed `combined`: applies each plan exactly (its
   * id, warnings acknowledged in the dialog) and says what happened to every recipe.
   */
  async function applyPlanned(combined: CombinedPlan): Promise<ApplyAllSummary> {
    const summary: ApplyAllSummary = {
      applied: [],
      unchanged: [],
      failed: [],
      skipped: [...combined.skipped],
    }
    applyingAll.value = true
    try {
      for (const planned of combined.plans) {
        const id = planned.recipe
        if (planned.steps.every((step) => step.action === 'unchanged')) {
          summary.unchanged.push(id)
          continue
        }
        const s = state(id)
        s.plan = planned
        s.acknowledged = planned.warnings.filter((w) => w.acknowledge).map((w) => w.code)
        if (await apply(id)) summary.applied.push(id)
        else {
          summary.failed.push({ id, reason: s.error?.message ?? 'it did not complete.' })
          // Later recipes build on earlier ones (R9 on R2): stop and let the admin look.
          const at = combined.plans.indexOf(planned)
          for (const rest of combined.plans.slice(at + 1))
            summary.skipped.push({ id: rest.recipe, reason: `${id.toUpperCase()} failed first.` })
          break
        }
      }
      return summary
    } finally {
      applyingAll.value = false
    }
  }

  return {
    list,
    loadError,
    statuses,
    checking,
    states,
    applyingAll,
    state,
    load,
    refreshStatus,
    plan,
    apply,
    planAll,
    applyPlanned,
  }
})
