/**
 * An application slug or name, or a provider, that Authentik already uses for something this
 * integration did not create is refused as a field error before any write (reads only).
 */
import type { JsonObject } from '../authentik/rest'
import { kinds } from '../reconcile/kinds'
import { fieldErrors } from '../recipes/plan-apply'
import type { RecipeContext } from '../recipes/recipe'
import type { AnyIntegration, OwnedApp } from './integration'
import { providerQuery } from './owned-objects'
import type { IntegrationRecord } from './records'

type Problems = Record<string, string[]>

const blame = (problems: Problems, field: string, message: string) =>
  (problems[field] ??= []).push(message)

const findApplications = (ctx: RecipeContext, query: Record<string, string>, what: string) =>
  ctx.rest.list<JsonObject>(
    kinds.application.path,
    { ...query, superuser_full_list: true },
    `find application ${what}`,
  )

/** One owned app against what Authentik has; `mine`: slugs this integration created before. */
async function appCollisions(
  app: OwnedApp,
  ctx: RecipeContext,
  mine: Set<string>,
  problems: Problems,
): Promise<void> {
  const other = (await findApplications(ctx, { slug: app.slug }, app.slug)).find(
    (a) => a.slug === app.slug,
  )
  const otherProvider = (other?.provider_obj as JsonObject | null | undefined)?.name
  if (other && !mine.has(app.slug) && otherProvider !== app.providerName)
    blame(
      problems,
      app.fields.slug,
      `Authentik already has an application "${String(other.name)}" with the slug ${app.slug}${otherProvider ? ` (provider "${String(otherProvider)}")` : ''} that this integration did not create. Choose another slug, or remove that application in Authentik.`,
    )
  const named = (await findApplications(ctx, { name: app.name }, app.name)).find(
    (a) => a.name === app.name && a.slug !== app.slug,
  )
  if (named && !mine.has(String(named.slug)))
    blame(
      problems,
      app.fields.name,
      `Authentik already has an application named "${app.name}" (slug ${String(named.slug)}). Choose another name.`,
    )
  const providers = await ctx.rest.list<JsonObject>(
    app.providerKind.path,
    providerQuery(app),
    `find provider ${app.providerName}`,
  )
  const assigned = providers.find((p) => p.name === app.providerName)?.assigned_application_slug
  if (typeof assigned === 'string' && assigned !== app.slug && !mine.has(assigned))
    blame(
      problems,
      app.fields.providerName,
      `The provider "${app.providerName}" already serves the application ${assigned}. Choose another name.`,
    )
}

export async function refuseCollisions(
  integration: AnyIntegration,
  params: never,
  ctx: RecipeContext,
  record: IntegrationRecord | undefined,
): Promise<void> {
  const mine = new Set(record ? integration.owned(record.params as never).map((o) => o.slug) : [])
  const problems: Problems = {}
  for (const app of integration.owned(params)) await appCollisions(app, ctx, mine, problems)
  if (Object.keys(problems).length)
    throw fieldErrors(`${integration.recipe} ${integration.title}`, problems)
}
