/**
 * Plan and apply of the setup recipes through the contract. Plans are dry runs of the same walk
 * apply does; apply plans first (to refuse unsafe changes and to know every step), writes, then
 * reads the server again so the admin sees that nothing is left to do.
 */
import {
  RecipeFormField,
  type PlanStep,
  type PlanWarning,
  type RecipeApplyResult,
  type RecipeId,
  type RecipeInfo,
  type RecipePlan,
  type RecipeStatus,
} from '../../shared/contract/recipes'
import { GatehouseError } from '../../shared/errors'
import type { Settings } from '../../shared/settings'
import type { AuthentikClient } from '../authentik/client'
import type { EventBus } from '../core/event-bus'
import { reconcile, type ReconcileResult } from '../reconcile/engine'
import { createAppliedRecord } from './applied-record'
import { applyEmailCheck } from './email-check'
import { formFromSchema } from './param-form'
import { applyTracked, parseParamsOrFieldErrors, recipeContext, toErrorData } from './plan-apply'
import { recipeById, setupRecipes } from './index'
import type { AnyRecipe, RecipeContext } from './recipe'
import type { SecretStore } from '../secrets/store'
import { applyAdminHandover, planAdminHandover, type AdminHandoverInput } from './r1-admin-handover'

export interface RecipesServiceOptions {
  connect: () => Promise<{ client: AuthentikClient; settings: Settings }>
  loadSettings: () => Promise<Settings | null>
  bus: EventBus
  dataDir: string
  /** R3 runs the stack's `ak test_email`. */
  testEmail: (to: string) => Promise<{ ok: boolean; output: string }>
  /**
   * R1, the admin handover: a client of its own (it switches that client's token, which must not
   * leak into the shared cached one) and the keychain, where it keeps Gatehouse's token.
   */
  handover: { connect: () => Promise<AuthentikClient>; secrets: SecretStore }
}

export function createRecipesService(options: RecipesServiceOptions) {
  const applied = createAppliedRecord(options.dataDir)

  function parseParams(recipe: AnyRecipe, params: unknown): never {
    return parseParamsOrFieldErrors(recipe.params, params, recipe.id.toUpperCase()) as never
  }

  const context = () => recipeContext(options.connect)

  async function dryRun(recipe: AnyRecipe, params: never, ctx: RecipeContext) {
    const desired = await recipe.desired(params, ctx)
    const read = await reconcile(ctx.rest, desired, { dryRun: true })
    const warnings: PlanWarning[] = [...read.warnings]
    if (recipe.checks) warnings.push(...(await recipe.checks(params, ctx, read)))
    return { desired, read, warnings }
  }

  const pending = (steps: PlanStep[]) => steps.filter((s) => s.action !== 'unchanged')

  async function statusOf(id: RecipeId, read: ReconcileResult): Promise<RecipeStatus> {
    if (pending(read.steps).length === 0) return 'applied'
    return (await applied.read())[id] ? 'drifted' : 'not-applied'
  }

  async function plan(id: RecipeId, rawParams: unknown): Promise<RecipePlan> {
    const recipe = recipeById(id)
    const params = parseParams(recipe, rawParams)
    const { ctx, client } = await context()
    const { read, warnings } = await dryRun(recipe, params, ctx)
    return {
      recipe: id,
      title: recipe.title,
      baseUrl: client.baseUrl,
      version: client.version.raw,
      steps: read.steps,
      warnings,
      status: recipe.id === 'r3' ? 'not-applied' : await statusOf(id, read),
      notes: recipe.notes?.(params, ctx, read) ?? [],
    }
  }

  async function apply(id: RecipeId, rawParams: unknown): Promise<RecipeApplyResult> {
    if (id === 'r3')
      return applyEmailCheck(
        parseParams(recipeById('r3'), rawParams) as { to?: string },
        options.loadSettings,
        options.testEmail,
      )
    const recipe = recipeById(id)
    const params = parseParams(recipe, rawParams)
    const { ctx, client } = await context()
    // A release newer than Gatehouse knows is read-only: refuse before planning any write.
    const refusal = client.writeRefusal()
    if (refusal) throw refusal
    const before = await dryRun(recipe, params, ctx)
    const blocking = before.warnings.filter((w) => w.blocking)
    if (blocking.length > 0)
      throw new GatehouseError({
        code: 'RECIPE_UNSAFE',
        message: `${recipe.id.toUpperCase()} was not applied: ${blocking.map((w) => w.message).join(' ')}`,
        hint: blocking[0]?.hint ?? 'Resolve the warning shown with the plan, then apply again.',
      })
    const { steps, error } = await applyTracked(
      ctx.rest,
      before.desired,
      before.read.steps,
      ({ index, total, title, action, status }) =>
        options.bus.emit('recipes.progress', { recipe: id, index, total, title, action, status }),
    )
    // Read everything back: what is left is what the admin still has to look at.
    const after = await dryRun(recipe, params, ctx).catch(() => null)
    const remaining = after ? pending(after.read.steps) : pending(before.read.steps)
    const completed = !error && remaining.length === 0
    if (completed) await applied.mark(id)
    return {
      recipe: id,
      completed,
      steps,
      remaining,
      warnings: after?.warnings ?? before.warnings,
      ...(error ? { error } : {}),
    }
  }

  return {
    adminHandoverPlan: async (input: Omit<AdminHandoverInput, 'password'>) =>
      planAdminHandover(await options.handover.connect(), input, {
        secrets: options.handover.secrets,
      }),
    async adminHandoverApply(input: AdminHandoverInput) {
      const client = await options.handover.connect()
      const refusal = client.writeRefusal()
      if (refusal) throw refusal
      return applyAdminHandover(client, input, { secrets: options.handover.secrets })
    },
    list(): RecipeInfo[] {
      return setupRecipes.map((recipe) => ({
        id: recipe.id,
        title: recipe.title,
        section: recipe.section,
        summary: recipe.summary,
        kind: recipe.id === 'r3' ? ('check' as const) : ('authentik' as const),
        form: RecipeFormField.array().parse(formFromSchema(recipe.params, { domain: '<domain>' })),
      }))
    },
    plan,
    apply,
    async status() {
      const { ctx } = await context()
      const out = []
      for (const recipe of setupRecipes) {
        if (recipe.id === 'r3') continue
        try {
          const { read } = await dryRun(recipe, parseParams(recipe, {}), ctx)
          out.push({
            id: recipe.id,
            status: await statusOf(recipe.id, read),
            changes: pending(read.steps).length,
          })
        } catch (caught) {
          out.push({
            id: recipe.id,
            status: 'unknown' as const,
            changes: 0,
            error: toErrorData(caught),
          })
        }
      }
      return out
    },
  }
}
