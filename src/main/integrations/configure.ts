/**
 * Plan and apply of one integration, with the setup recipes' mechanics (recipes/plan-apply.ts):
 * bad input and name collisions are refused before Authentik sees a single write, passwords are
 * masked in every plan line, and apply re-reads the server so the admin sees what is left.
 */
import type { ParsedInputOf, OutputOf } from '../../shared/contract'
import type { IntegrationId } from '../../shared/contract/integrations'
import { applyTracked, toErrorData } from '../recipes/plan-apply'
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
  const desired = [
    ...renamedAway(integration, prepared.params, record),
    ...integration.desired(prepared.params, ctx),
  ]
  return { ...prepared, integration, record, ctx, client, desired }
}

export async function plan(
  deps: IntegrationDeps,
  { id, params: raw }: ParsedInputOf<'integrations.plan'>,
): Promise<OutputOf<'integrations.plan'>> {
  const { integration, record, ctx, client, desired, params, values } = await prepareConfigure(
    deps,
    id,
    raw,
  )
  const { steps, warnings } = await dryRun(desired, ctx, values)
  return {
    id,
    title: integration.title,
    baseUrl: client.baseUrl,
    version: client.version.raw,
    steps,
    warnings,
    status: statusOf(steps, record),
    card: integration.card(params, cardContext(ctx, await liveValues(integration, params, ctx))),
  }
}

export async function apply(
  deps: IntegrationDeps,
  { id, params: raw }: ParsedInputOf<'integrations.apply'>,
): Promise<OutputOf<'integrations.apply'>> {
  const { integration, ctx, client, desired, params, typed, values } = await prepareConfigure(
    deps,
    id,
    raw,
  )
  // A release newer than Gatehouse knows is read-only (checked before any secret is stored).
  const refusal = client.writeRefusal()
  if (refusal) throw refusal
  const before = await dryRun(desired, ctx, values)
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
