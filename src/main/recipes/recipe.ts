/**
 * What every setup recipe (R2–R9) is: a parameter schema with the guide's names as defaults, the
 * form drawn from it (labels in its metadata, see param-form.ts), and the desired objects for
 * those parameters. Recipes declare; the
 * reconciler (src/main/reconcile) reads, plans and applies.
 */
import type { z } from 'zod'
import type { RecipeId, PlanWarning } from '../../shared/contract/recipes'
import type { AuthentikRest, JsonObject } from '../authentik/rest'
import type { VersionFeatures } from '../authentik/version'
import type { DesiredObject } from '../reconcile/desired'
import type { ReconcileResult } from '../reconcile/engine'

export interface RecipeContext {
  rest: AuthentikRest
  features: VersionFeatures
  version: string
  /** The admin's base domain; Authentik is at https://auth.<domain>. */
  domain: string
  /** https://auth.<domain> (what users' browsers and the outpost use). */
  authentikHost: string
  /** The user whose token Gatehouse uses: nothing may lock it out. */
  me: { pk: number; username: string }
}

export interface Recipe<P = unknown> {
  readonly id: RecipeId
  readonly title: string
  readonly section: string
  readonly summary: string
  /** The parameters, labelled for the form (param-form.ts). */
  readonly params: z.ZodType<P>
  desired(params: P, ctx: RecipeContext): Promise<DesiredObject[]> | DesiredObject[]
  /** Extra findings shown with the plan (health, who is affected). */
  checks?(params: P, ctx: RecipeContext, read: ReconcileResult): Promise<PlanWarning[]>
  /** Lines shown next to the plan, e.g. the router label to paste. */
  notes?(params: P, ctx: RecipeContext, read: ReconcileResult): string[]
}

/** Type-erased for the registry. */
export type AnyRecipe = Recipe<never> & { readonly params: z.ZodType }

export const defineRecipe = <P>(recipe: Recipe<P>): Recipe<P> => recipe

export const pkOf = (object: JsonObject | null | undefined): string | number | null => {
  const pk = object?.pk
  return typeof pk === 'string' || typeof pk === 'number' ? pk : null
}
