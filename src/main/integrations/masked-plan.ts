/**
 * Plans of integrations as the admin sees them: dry runs of the reconciler with every password
 * masked, and the status they amount to.
 */
import type { IntegrationStatus } from '../../shared/contract/integrations'
import type { PlanStep, PlanWarning } from '../../shared/contract/recipes'
import type { DesiredObject } from '../reconcile/desired'
import { reconcile } from '../reconcile/engine'
import type { RecipeContext } from '../recipes/recipe'
import type { IntegrationRecord } from './records'

const MASK = '••••••'

/**
 * Masks secrets inside one plan value: a line whose key names a password or secret
 * (`attributes.sonarr_password`, objects are shown key by key) is masked whole, and every known
 * secret value is masked wherever it appears.
 */
function scrub(text: string | null, field: string, values: readonly string[]): string | null {
  if (text === null) return null
  const key = field.split('.').pop() ?? field
  if (/password|secret/i.test(key)) return MASK
  let out = text
  for (const value of values) out = out.split(value).join(MASK)
  return out
}

/** Plan lines never show a password: masked by key in attributes, and by value anywhere. */
export function maskSteps<T extends PlanStep>(steps: T[], values: readonly string[]): T[] {
  const strong = values.filter((v) => v.length >= 4)
  return steps.map((step) => ({
    ...step,
    changes: step.changes.map((c) => ({
      ...c,
      before: scrub(c.before, c.field, strong),
      after: scrub(c.after, c.field, strong),
    })),
  }))
}

/** What applying `desired` would do now, with `values` (the secrets) masked. */
export async function dryRun(
  desired: DesiredObject[],
  ctx: RecipeContext,
  values: readonly string[],
) {
  const read = await reconcile(ctx.rest, desired, { dryRun: true })
  return { read, steps: maskSteps(read.steps, values), warnings: read.warnings as PlanWarning[] }
}

export const pending = <T extends PlanStep>(steps: T[]) =>
  steps.filter((s) => s.action !== 'unchanged')

export function statusOf(
  steps: PlanStep[],
  record: IntegrationRecord | undefined,
): IntegrationStatus {
  if (pending(steps).length === 0) return 'applied'
  return record?.appliedAt ? 'drifted' : 'not-applied'
}
