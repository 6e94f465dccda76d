/**
 * A fresh fake Authentik with Gatehouse's services pointed at it through the contract, as the
 * Setup panel and `gatehouse recipes …` reach them. Each call gives a server of its own, so a
 * test can break one without touching the next.
 */
import type { IntegrationId, RecipeId } from '../../src/shared/contract'
import type { GatehouseClient } from '../../src/shared/client'
import type { Services } from '../../src/main/services'
import type { FakeAuthentik, FakeVersion } from '../fakes/authentik/server'
import { startGatehouseAgainstFake } from './gatehouse-against-fake'
import { SAMPLE_DOMAIN } from './sample-settings'

export const BOOTSTRAP_TOKEN = 'T'.repeat(60)
export const DOMAIN = SAMPLE_DOMAIN

export interface RecipeHarness {
  fake: FakeAuthentik
  services: Services
  client: GatehouseClient
  /** Direct API access with the admin token, to change things behind Gatehouse's back. */
  api(method: string, path: string, body?: unknown): Promise<unknown>
  /** Writes (POST/PUT/PATCH/DELETE) the fake has answered so far. */
  writes(): number
  close(): Promise<void>
}

export async function startRecipeHarness(version: FakeVersion): Promise<RecipeHarness> {
  const g = await startGatehouseAgainstFake({
    fake: { version, bootstrapToken: BOOTSTRAP_TOKEN },
    name: 'recipes',
  })
  return {
    fake: g.fake,
    services: g.services,
    client: g.client,
    api: g.api,
    writes: g.writes,
    async close() {
      await g.close()
    },
  }
}

/** The single object of a list answer with an exact filter (throws on 0 or several). */
export async function one(
  h: RecipeHarness,
  path: string,
  query: Record<string, string>,
): Promise<Record<string, unknown>> {
  const page = (await h.api('GET', `${path}?${new URLSearchParams(query).toString()}`)) as {
    results: Record<string, unknown>[]
  }
  if (page.results.length !== 1)
    throw new Error(`${path} ${JSON.stringify(query)}: ${page.results.length} results`)
  return page.results[0]!
}

/**
 * What the UI and the CLI do (#14): plan, then apply exactly that plan by its id. Warnings that
 * need acknowledging are acknowledged here unless `acknowledge: false` (the test of the refusal).
 */
export async function planThenApply(
  client: GatehouseClient,
  input: { id: RecipeId; params?: Record<string, unknown> | undefined },
  options: { acknowledge?: boolean } = {},
) {
  const plan = await client.recipes.plan(input)
  const acknowledged =
    options.acknowledge === false
      ? []
      : plan.warnings.filter((w) => w.acknowledge).map((w) => w.code)
  return client.recipes.apply({ ...input, planId: plan.planId, acknowledged })
}

/** The same for an app integration: plan, then apply that plan by its id. */
export async function planThenApplyIntegration(
  client: GatehouseClient,
  input: { id: IntegrationId; params?: Record<string, unknown> | undefined },
) {
  const plan = await client.integrations.plan(input)
  const acknowledged = plan.warnings.filter((w) => w.acknowledge).map((w) => w.code)
  return client.integrations.apply({ ...input, planId: plan.planId, acknowledged })
}
