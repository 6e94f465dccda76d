/**
 * Removing an integration: its applications and providers go, shared objects (groups, R11's
 * scope mapping) only when asked, and its secrets leave the keychain once Authentik is clean.
 */
import type { OutputOf, ParsedInputOf } from '../../shared/contract'
import type { IntegrationId } from '../../shared/contract/integrations'
import type { PlanWarning } from '../../shared/contract/recipes'
import type { DesiredObject } from '../reconcile/desired'
import { applyTracked } from '../recipes/plan-apply'
import { configured, progressOf, type IntegrationDeps } from './deps'
import { integrationById } from './index'
import type { AnyIntegration } from './integration'
import { forgetSecrets, prepare } from './keychain'
import { dryRun, maskSteps, pending } from './masked-plan'
import { removalDesired } from './owned-objects'

type RemoveInput = ParsedInputOf<'integrations.removePlan'>

async function prepareRemoval(deps: IntegrationDeps, { id, params: options }: RemoveInput) {
  const integration = integrationById(id)
  const record = await configured(deps, id)
  const { params, values } = await prepare(deps, integration, record.params)
  const { ctx } = await deps.context()
  const deleteShared = options?.deleteShared ?? false
  const desired = removalDesired(integration, params, ctx, deleteShared)
  return { integration, params, values, ctx, deleteShared, desired }
}

const describe = (d: DesiredObject) =>
  `${d.kind.label} ${Object.values(d.identity).map(String).join(' / ')}`

/** What a kept shared object still holds: R10's group keeps the app logins readable. */
function keptWarnings(
  integration: AnyIntegration,
  params: never,
  kept: DesiredObject[],
): PlanWarning[] {
  const names = kept.map(describe)
  const passwordFields = (integration.passwords?.(params) ?? []).flatMap((s) =>
    s.attribute ? [s.attribute] : [],
  )
  if (names.length === 0 || passwordFields.length === 0) return []
  return [
    {
      code: 'PASSWORDS_STAY_IN_GROUP',
      message: `The kept ${names.join(', ')} still holds the app logins in its attributes (${passwordFields.join(', ')}), readable by every Authentik admin.`,
      hint: 'Remove the shared objects too, or delete those attributes in the Groups panel; change the app passwords if they protect anything else.',
    },
  ]
}

export async function removePlan(
  deps: IntegrationDeps,
  input: RemoveInput,
): Promise<OutputOf<'integrations.removePlan'>> {
  const { integration, params, values, ctx, deleteShared, desired } = await prepareRemoval(
    deps,
    input,
  )
  const { steps, warnings } = await dryRun(desired, ctx, values)
  const kept = deleteShared ? [] : integration.shared(params, ctx)
  return {
    id: input.id,
    steps: pending(steps),
    kept: kept.map(describe),
    warnings: [...warnings, ...keptWarnings(integration, params, kept)],
  }
}

export async function removeApply(
  deps: IntegrationDeps,
  input: ParsedInputOf<'integrations.removeApply'>,
): Promise<OutputOf<'integrations.removeApply'>> {
  const id: IntegrationId = input.id
  const { integration, params, values, ctx, desired } = await prepareRemoval(deps, input)
  const before = await dryRun(desired, ctx, values)
  const tracked = await applyTracked(ctx.rest, desired, before.read.steps, progressOf(deps, id))
  if (!tracked.error) {
    await forgetSecrets(deps, integration, params)
    await deps.records.update(id, () => undefined)
  }
  return {
    id,
    completed: !tracked.error,
    steps: pending(maskSteps(tracked.steps, values)),
    ...(tracked.error ? { error: tracked.error } : {}),
  }
}
