/**
 * What the app-side card reads from Authentik: the OAuth2 providers' client ids (not secret).
 */
import type { JsonObject } from '../authentik/rest'
import { kinds } from '../reconcile/kinds'
import type { RecipeContext } from '../recipes/recipe'
import type { AnyIntegration, CardContext } from './integration'

export async function findOauth2Provider(
  ctx: RecipeContext,
  name: string,
): Promise<JsonObject | null> {
  const found = await ctx.rest.list<JsonObject>(
    kinds.oauth2Provider.path,
    { name },
    `find provider ${name}`,
  )
  return found.find((p) => p.name === name) ?? null
}

/** Client ids of the integration's OAuth2 providers, by provider name. */
export async function liveValues(
  integration: AnyIntegration,
  params: never,
  ctx: RecipeContext,
): Promise<CardContext['live']> {
  const clientIds: Record<string, string> = {}
  for (const app of integration.owned(params)) {
    if (app.providerKind !== kinds.oauth2Provider) continue
    const provider = await findOauth2Provider(ctx, app.providerName)
    if (typeof provider?.client_id === 'string') clientIds[app.providerName] = provider.client_id
  }
  return { clientIds }
}

export const cardContext = (ctx: RecipeContext, live: CardContext['live']): CardContext => ({
  domain: ctx.domain,
  authentikHost: ctx.authentikHost,
  live,
})
