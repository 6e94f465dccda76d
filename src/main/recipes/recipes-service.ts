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
import { refuseStalePlan, refuseUnacknowledged } from './plan-guard'
import { planIdOf } from './plan-id'
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

  async function statusOf(id: RecipeId, read: ReconcileResult, server: string) {
    if (pending(read.steps).length === 0) return 'applied' as const
    return (await applied.entry(id, server)) ? ('drifted' as const) : ('not-applied' as const)
  }

  /** R3 plans nothing on the server: its plan is its parameters (the address to send to). */
  const emailCheckPlanId = (params: unknown) => planIdOf({ recipe: 'r3', params })

  /** The plan the admin reads, and what apply compares against (its id covers all of it). */
  async function planWith(
    recipe: AnyRecipe,
    params: never,
    ctx: RecipeContext,
    client: AuthentikClient,
  ) {
    const run = await dryRun(recipe, params, ctx)
    const paramsRecord = { ...(params as Record<string, unknown>) }
    const body = {
      recipe: recipe.id,
      title: recipe.title,
      baseUrl: client.baseUrl,
      version: client.version.raw,
      steps: run.read.steps,
      warnings: run.warnings,
      notes: recipe.notes?.(params, ctx, run.read) ?? [],
    }
    const planId =
      recipe.id === 'r3'
        ? emailCheckPlanId(paramsRecord)
        : planIdOf({ ...body, params: paramsRecord })
    const status =
      recipe.id === 'r3'
        ? (await applied.entry('r3', client.baseUrl))
          ? ('applied' as const)
          : ('not-applied' as const)
        : await statusOf(recipe.id, run.read, client.baseUrl)
    const plan: RecipePlan = { ...body, planId, params: paramsRecord, status }
    return { plan, run }
  }

  /**
   * R3 asks nothing of Authentik (the test e-mail runs in the worker): its plan is the address
   * it will send to, so it can be planned and run while the API is still unreachable.
   */
  async function planEmailCheck(rawParams: unknown): Promise<RecipePlan> {
    const recipe = recipeById('r3')
    const params = { ...(parseParams(recipe, rawParams) as { to?: string }) }
    const to = params.to ?? (await options.loadSettings())?.adminEmail ?? '(no address yet)'
    // The last successful test e-mail, on whichever server (R3 does not depend on one).
    const lastSent = (await applied.read()).r3
    return {
      recipe: 'r3',
      planId: emailCheckPlanId(params),
      params,
      title: recipe.title,
      baseUrl: '',
      version: '',
      steps: [
        {
          key: 'test-email',
          kind: 'check',
          title: `ak test_email ${to}`,
          action: 'update',
          changes: [],
        },
      ],
      warnings: [],
      status: lastSent ? 'applied' : 'not-applied',
      notes: [],
    }
  }

  async function plan(id: RecipeId, rawParams: unknown): Promise<RecipePlan> {
    if (id === 'r3') return planEmailCheck(rawParams)
    const recipe = recipeById(id)
    const params = parseParams(recipe, rawParams)
    const { ctx, client } = await context()
    return (await planWith(recipe, params, ctx, client)).plan
  }

  interface ApplyInput {
    id: RecipeId
    params?: Record<string, unknown> | undefined
    planId: string
    acknowledged?: string[] | undefined
  }

  async function apply(input: ApplyInput): Promise<RecipeApplyResult> {
    const { id, params: rawParams, planId, acknowledged } = input
    const label = id.toUpperCase()
    if (id === 'r3') {
      const params = parseParams(recipeById('r3'), rawParams) as { to?: string }
      if (planId !== emailCheckPlanId({ ...params }))
        throw new GatehouseError({
          code: 'PLAN_STALE',
          message: `${label} was not run: the address changed since the plan was made. Nothing was sent.`,
          hint: 'Show the plan again, then send the test e-mail.',
        })
      const result = await applyEmailCheck(params, options.loadSettings, options.testEmail)
      // R3's "applied" is the last successful test e-mail (recorded per server when one answers).
      if (result.completed) {
        const server = await options
          .connect()
          .then(({ client }) => client.baseUrl)
          .catch(() => undefined)
        await applied.mark('r3', { ...params }, server)
      }
      return result
    }
    const recipe = recipeById(id)
    const params = parseParams(recipe, rawParams)
    const { ctx, client } = await context()
    // A release newer than Gatehouse knows is read-only: refuse before planning any write.
    const refusal = client.writeRefusal()
    if (refusal) throw refusal
    const { plan: fresh, run: before } = await planWith(recipe, params, ctx, client)
    // Exactly the plan the admin saw, or nothing (#14).
    refuseStalePlan(label, planId, fresh)
    const blocking = before.warnings.filter((w) => w.blocking)
    if (blocking.length > 0)
      throw new GatehouseError({
        code: 'RECIPE_UNSAFE',
        message: `${label} was not applied: ${blocking.map((w) => w.message).join(' ')}`,
        hint: blocking[0]?.hint ?? 'Resolve the warning shown with the plan, then apply again.',
      })
    refuseUnacknowledged(label, before.warnings, acknowledged)
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
    if (completed) await applied.mark(id, fresh.params, client.baseUrl)
    return {
      recipe: id,
      completed,
      steps,
      remaining,
      warnings: after?.warnings ?? before.warnings,
      ...(error ? { error } : {}),
    }
  }

  /**
   * Every recipe, planned with the parameters of its last complete apply on this server (the
   * defaults when it was never applied here). A recipe that cannot be planned without the
   * admin's values (R9 needs the app's host) and was never applied is "not applied".
   */
  async function status() {
    const { ctx, client } = await context()
    const out = []
    for (const recipe of setupRecipes) {
      const entry = await applied.entry(recipe.id, client.baseUrl)
      if (recipe.id === 'r3') {
        out.push({
          id: recipe.id,
          status: entry ? ('applied' as const) : ('not-applied' as const),
          changes: 0,
        })
        continue
      }
      const parsed = recipe.params.safeParse(entry?.params ?? {})
      if (!parsed.success && !entry) {
        out.push({ id: recipe.id, status: 'not-applied' as const, changes: 0 })
        continue
      }
      try {
        const { read } = await dryRun(recipe, parseParams(recipe, entry?.params ?? {}), ctx)
        out.push({
          id: recipe.id,
          status: await statusOf(recipe.id, read, client.baseUrl),
          changes: pending(read.steps).length,
        })
      } catch (caught) {
        // Never applied here and not plannable yet (R9 needs R2's provider, or the host of the
        // app): not applied — with the reason, which the card shows.
        if (!entry) {
          out.push({
            id: recipe.id,
            status: 'not-applied' as const,
            changes: 0,
            error: toErrorData(caught),
          })
          continue
        }
        out.push({
          id: recipe.id,
          status: 'unknown' as const,
          changes: 0,
          error: toErrorData(caught),
        })
      }
    }
    return out
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
    status,
  }
}
