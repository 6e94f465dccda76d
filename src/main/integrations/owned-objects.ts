/**
 * The applications and providers an integration owns, as objects to delete: those a rename left
 * behind, and all of them on removal.
 */
import type { DesiredObject } from '../reconcile/desired'
import { kinds } from '../reconcile/kinds'
import { application } from '../recipes/defaults'
import type { RecipeContext } from '../recipes/recipe'
import type { AnyIntegration, OwnedApp } from './integration'
import type { IntegrationRecord } from './records'

/** How a provider is looked up by name: proxy providers only answer `name__iexact`. */
export const providerQuery = (
  app: Pick<OwnedApp, 'providerKind' | 'providerName'>,
): Record<string, string> =>
  app.providerKind === kinds.proxyProvider
    ? { name__iexact: app.providerName }
    : { name: app.providerName }

const absentApplication = (app: OwnedApp, key: string) => application(key, app.slug, 'absent')

const absentProvider = (app: OwnedApp, key: string): DesiredObject => ({
  key,
  kind: app.providerKind,
  ensure: 'absent',
  identity: { name: app.providerName },
  query: providerQuery(app),
})

/** Old application/provider of a renamed integration: deleted before the new ones are made. */
export function renamedAway(
  integration: AnyIntegration,
  params: never,
  record: IntegrationRecord | undefined,
): DesiredObject[] {
  if (!record) return []
  let before: OwnedApp[]
  try {
    before = integration.owned(integration.params.parse(record.params) as never)
  } catch {
    return []
  }
  const now = integration.owned(params)
  const out: DesiredObject[] = []
  for (const old of before) {
    if (!now.some((n) => n.slug === old.slug))
      out.push(absentApplication(old, `old:application:${old.slug}`))
    if (!now.some((n) => n.providerName === old.providerName))
      out.push(absentProvider(old, `old:provider:${old.providerName}`))
  }
  // Applications first: a provider still assigned to an application is in use.
  return out.sort(
    (a, b) => Number(a.kind !== kinds.application) - Number(b.kind !== kinds.application),
  )
}

/** Everything a removal deletes: applications first, then providers, then (asked) shared ones. */
export function removalDesired(
  integration: AnyIntegration,
  params: never,
  ctx: RecipeContext,
  deleteShared: boolean,
): DesiredObject[] {
  const owned = integration.owned(params)
  return [
    ...owned.map((app) => absentApplication(app, `application:${app.slug}`)),
    ...owned.map((app) => absentProvider(app, `provider:${app.providerName}`)),
    ...(deleteShared ? integration.shared(params, ctx) : []),
  ]
}
