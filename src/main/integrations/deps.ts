/**
 * What the parts of the integrations service share: its options, the records file, the Authentik
 * context, and the names it keeps secrets under.
 */
import type { PayloadOf } from '../../shared/contract'
import type { IntegrationId } from '../../shared/contract/integrations'
import { GatehouseError } from '../../shared/errors'
import type { Settings } from '../../shared/settings'
import type { AuthentikClient } from '../authentik/client'
import type { EventBus } from '../core/event-bus'
import type { recipeContext } from '../recipes/plan-apply'
import type { IntegrationSecretName, SecretStore } from '../secrets/store'
import type { CheckHttpOptions } from './checks/http'
import { integrationById } from './index'
import type { IntegrationRecord, IntegrationRecords } from './records'

export interface IntegrationsServiceOptions {
  connect: () => Promise<{ client: AuthentikClient; settings: Settings }>
  loadSettings: () => Promise<Settings | null>
  secrets: SecretStore
  bus: EventBus
  dataDir: string
  /** Live checks: timeout and (tests only) where requests really go. */
  check?: CheckHttpOptions
}

export interface IntegrationDeps {
  readonly options: IntegrationsServiceOptions
  readonly records: IntegrationRecords
  /** The server to plan against, connected on each call (the connector caches the client). */
  readonly context: () => ReturnType<typeof recipeContext>
}

export const secretName = (id: IntegrationId, ref: string) =>
  `integration:${id}:${ref}` as IntegrationSecretName

/** The record of an integration Gatehouse configured; refused when there is none. */
export async function configured(
  deps: IntegrationDeps,
  id: IntegrationId,
): Promise<IntegrationRecord> {
  const record = await deps.records.get(id)
  if (!record)
    throw new GatehouseError({
      code: 'VALIDATION_FAILED',
      message: `The ${integrationById(id).title} integration has not been configured by Gatehouse.`,
      hint: `Plan and apply it first (Integrations panel, or gatehouse integrations apply ${id} --params '{…}').`,
    })
  return record
}

/** Each write of an apply or a removal, for the progress bars. */
export const progressOf =
  (deps: IntegrationDeps, id: IntegrationId) =>
  (p: Omit<PayloadOf<'integrations.progress'>, 'id'>) =>
    deps.options.bus.emit('integrations.progress', { id, ...p })
