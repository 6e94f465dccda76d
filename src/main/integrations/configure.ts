/**
 * Plan and apply of one integration, with the setup recipes' mechanics (recipes/plan-apply.ts):
 * bad input and name collisions are refused before Authentik sees a single write, passwords are
 * masked in every plan line, and apply re-reads the server so the admin sees what is left.
 */
import type { ParsedInputOf, OutputOf } from '../../shared/contract'
import type { IntegrationId } from '../../shared/contract/integrations'
import { applyTracked, toErrorData } from '../recipes/plan-apply'
import { refuseStalePlan, refuseUnacknowledged } from '../recipes/plan-guard'
import { planIdOf } from '../recipes/plan-id'
import { accessDesired, previousGroups } from './access'
import { refuseCollisions } from './collisions'
import { progressOf, type IntegrationDeps } from './deps'
import { integrationById } from './index'
import { keepClientSecret, keepTypedPasswords, prepare } from './keychain'
import { cardContext, liveValues } from './live-values'
import { dryRun, maskSteps, pending, statusOf } from './masked-plan'
import { renamedAway } from './owned-objects'

/**
 * Everything plan and apply share: the parameters as typed (or, when none are given, as last
 * applied), checked for collisions, and the objects they ask for (a rename's leftovers first).
 */
async function prepareConfigure(deps: IntegrationDeps, id: IntegrationId, raw: unknown) {
  const integration = integrationById(id)
  const record = await deps.records.get(id)
  const prepared = await prepare(deps, integration, raw ?? record?.params ?? {})
  const { ctx, client } = await deps.context()
  await refuseCollisions(integration, prepared.params, ctx, record)
  const own = integration.desired(prepared.params, ctx)
  const desired = [
    ...renamedAway(integration, prepared.params, record),
    ...own,
    // Who may use it: bindings on the integration's applications, for every integration alike.
    ...accessDesired(own, groupsOf(prepared.params), previousGroups(record?.params)),
  ]
  return { ...prepared, integration, record, ctx, client, desired }
}

const groupsOf = (params: unknown): string[] => previousGroups(params)

/** The plan the admin reads; its id covers the parameters (passwords left out) and every step. */
async function planOf(
  id: IntegrationId,
  prep: Awaited<ReturnType<typeof prepareConfigure>>,
): Promise<{ plan: OutputOf<'integrations.plan'>; run: Awaited<ReturnType<typeof dryRun>> }> {
  const { integration, record, ctx, client, desired, params, values } = prep
  const run = await dryRun(desired, ctx, values)
  // Typed passwords are masked in the plan and never hashed: the plan shows "••••", so a new
  // password is not a different plan (and a hash of a password would be guessable offline).
  const shown = integration.storable?.(params) ?? { ...(params as Record<string, unknown>) }
  const body = {
    id,
    title: integration.title,
    baseUrl: client.baseUrl,
    version: client.version.raw,
    steps: run.steps,
    warnings: run.warnings,
  }
  return {
    plan: {
      ...body,
      planId: planIdOf({ ...body, params: shown }),
      params: shown,
      status: statusOf(run.steps, record),
      card: integration.card(params, cardContext(ctx, await liveValues(integration, params, ctx))),
    },
    run,
  }
}

export async function plan(
  deps: IntegrationDeps,
  { id, params: raw }: ParsedInputOf<'integrations.plan'>,
): Promise<OutputOf<'integrations.plan'>> {
  return (await planOf(id, await prepareConfigure(deps, id, raw))).plan
}

export async function apply(
  deps: IntegrationDeps,
  { id, params: raw, planId, acknowledged }: ParsedInputOf<'integrations.apply'>,
): Promise<OutputOf<'integrations.apply'>> {
  const prep = await prepareConfigure(deps, id, raw)
  const { integration, ctx, client, desired, params, typed, values } = prep
  // A release newer than Gatehouse knows is read-only (checked before any secret is stored).
  const refusal = client.writeRefusal()
  if (refusal) throw refusal
  const { plan: fresh, run: before } = await planOf(id, prep)
  // Exactly the plan the admin saw, or nothing (#14); checked before any secret is stored.
  refuseStalePlan(integration.title, planId, fresh)
  refuseUnacknowledged(integration.title, before.warnings, acknowledged)
  await keepTypedPasswords(deps, id, typed)
  const tracked = await applyTracked(ctx.rest, desired, before.read.steps, progressOf(deps, id))
  let error = tracked.error
  await keepClientSecret(deps, integration, params, ctx).catch((caught: unknown) => {
    error ??= toErrorData(caught)
  })
  const after = await dryRun(desired, ctx, values).catch(() => null)
  const remaining = after ? pending(after.steps) : pending(before.steps)
  const completed = !error && remaining.length === 0
  await deps.records.update(id, (current) => ({
    params: integration.storable?.(params) ?? { ...(params as Record<string, unknown>) },
    appliedAt: completed ? new Date().toISOString() : (current?.appliedAt ?? null),
    lastCheck: current?.lastCheck ?? null,
  }))
  const live = await liveValues(integration, params, ctx).catch(() => ({ clientIds: {} }))
  return {
    id,
    completed,
    steps: maskSteps(tracked.steps, values),
    remaining,
    warnings: after?.warnings ?? before.warnings,
    ...(error ? { error } : {}),
    card: integration.card(params, cardContext(ctx, live)),
  }
}
