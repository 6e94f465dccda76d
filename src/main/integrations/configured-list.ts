/**
 * The integrations Gatehouse configured, each planned again against the server for its status.
 * One connection for all; when it fails, every entry says why instead of the list failing.
 */
import type { OutputOf } from '../../shared/contract'
import type { ConfiguredIntegration } from '../../shared/contract/integrations'
import { GatehouseError, type GatehouseErrorData } from '../../shared/errors'
import { toErrorData } from '../recipes/plan-apply'
import type { RecipeContext } from '../recipes/recipe'
import type { IntegrationDeps } from './deps'
import { allIntegrations } from './index'
import { prepare } from './keychain'
import { dryRun, pending, statusOf } from './masked-plan'

export async function list(deps: IntegrationDeps): Promise<OutputOf<'integrations.list'>> {
  const all = await deps.records.all()
  const out: ConfiguredIntegration[] = []
  let connection: { ctx: RecipeContext } | { error: GatehouseErrorData } | null = null
  const connect = async (): Promise<RecipeContext> => {
    connection ??= await deps
      .context()
      .then(({ ctx }) => ({ ctx }))
      .catch((caught: unknown) => ({ error: toErrorData(caught) }))
    if ('error' in connection) throw new GatehouseError(connection.error)
    return connection.ctx
  }
  for (const integration of allIntegrations) {
    const record = all[integration.id]
    if (!record) continue
    const base = {
      id: integration.id,
      title: integration.title,
      appliedAt: record.appliedAt,
      params: record.params,
      lastCheck: record.lastCheck,
    }
    try {
      const ctx = await connect()
      const { params, values } = await prepare(deps, integration, record.params)
      const { steps } = await dryRun(integration.desired(params, ctx), ctx, values)
      out.push({ ...base, status: statusOf(steps, record), changes: pending(steps).length })
    } catch (caught) {
      out.push({ ...base, status: 'unknown', changes: 0, error: toErrorData(caught) })
    }
  }
  return out
}
