/**
 * The two refusals that keep apply honest (#14): a plan that no longer matches (PLAN_STALE, with
 * the fresh plan so the admin reads it before trying again) and a warning about people's logins
 * the admin has not acknowledged (PLAN_NOT_ACKNOWLEDGED). Shared by recipes and integrations.
 */
import type { PlanWarning } from '../../shared/contract/recipes'
import { GatehouseError } from '../../shared/errors'

export function refuseStalePlan(label: string, sentId: string, fresh: { planId: string }): void {
  if (sentId === fresh.planId) return
  throw new GatehouseError({
    code: 'PLAN_STALE',
    message: `${label} was not applied: the plan you approved is out of date — its parameters or the server changed since it was made. Nothing was written.`,
    hint: 'Read the fresh plan (it is in this answer) and apply that one.',
    details: { plan: fresh },
  })
}

export function refuseUnacknowledged(
  label: string,
  warnings: readonly PlanWarning[],
  acknowledged: readonly string[] = [],
): void {
  const missing = warnings.filter((w) => w.acknowledge && !acknowledged.includes(w.code))
  if (missing.length === 0) return
  throw new GatehouseError({
    code: 'PLAN_NOT_ACKNOWLEDGED',
    message: `${label} was not applied: it changes how people log in and needs your acknowledgement first. ${missing.map((w) => w.message).join(' ')}`,
    hint: `Acknowledge ${missing.map((w) => w.code).join(', ')} (the checkbox under the warning, or "acknowledged": ${JSON.stringify(missing.map((w) => w.code))} in the CLI input), then apply.`,
    details: { codes: missing.map((w) => w.code) },
  })
}
