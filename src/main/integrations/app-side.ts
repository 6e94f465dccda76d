/**
 * The app's side of a configured integration: the card of values to paste (readable while
 * Authentik is down, without the client id) and the live checks that the two sides meet.
 */
import type { OutputOf, ParsedInputOf } from '../../shared/contract'
import type { CheckResult } from '../../shared/contract/integrations'
import { publicAuthentikUrl } from '../settings/addresses'
import { previousGroups } from './access'
import { checkAccess } from './checks/access'
import { checkForwardAuth } from './checks/forward-auth'
import { checkOidc, type AcceptedRedirect } from './checks/oidc'
import { configured, type IntegrationDeps } from './deps'
import { integrationById } from './index'
import type { CardContext } from './integration'
import { cardContext, findOauth2Provider, liveValues } from './live-values'

async function configuredParams(
  deps: IntegrationDeps,
  id: ParsedInputOf<'integrations.card'>['id'],
) {
  const integration = integrationById(id)
  const record = await configured(deps, id)
  return { integration, params: integration.params.parse(record.params) as never }
}

export async function card(
  deps: IntegrationDeps,
  { id }: ParsedInputOf<'integrations.card'>,
): Promise<OutputOf<'integrations.card'>> {
  const { integration, params } = await configuredParams(deps, id)
  const settings = await deps.options.loadSettings()
  const domain = settings?.baseDomain ?? '<domain>'
  let live: CardContext['live'] = { clientIds: {} }
  try {
    const { ctx } = await deps.context()
    live = await liveValues(integration, params, ctx)
  } catch {
    // Authentik unreachable: the card still lists everything but the client id.
  }
  return integration.card(params, {
    domain,
    authentikHost: publicAuthentikUrl({ baseDomain: domain }),
    live,
  })
}

export async function check(
  deps: IntegrationDeps,
  { id }: ParsedInputOf<'integrations.check'>,
): Promise<OutputOf<'integrations.check'>> {
  const { integration, params } = await configuredParams(deps, id)
  const { ctx } = await deps.context()
  const targets = integration.checks(params, cardContext(ctx, { clientIds: {} }))
  const results: CheckResult[] = []
  for (const target of targets) {
    if (target.type === 'forward-auth') {
      results.push(await checkForwardAuth(target, ctx.authentikHost, deps.options.check))
      continue
    }
    const provider = await findOauth2Provider(ctx, target.providerName)
    const accepted = provider
      ? ((provider.redirect_uris ?? []) as unknown as AcceptedRedirect[])
      : null
    results.push(await checkOidc(target, ctx.authentikHost, accepted, deps.options.check))
  }
  const slugs = integration.owned(params).map((app) => app.slug)
  results.push(...(await checkAccess(ctx, slugs, previousGroups(params))))
  const outcome = {
    id,
    ok: results.every((r) => r.ok),
    checkedAt: new Date().toISOString(),
    results,
  }
  await deps.records.update(id, (current) =>
    current ? { ...current, lastCheck: outcome } : current,
  )
  return outcome
}
