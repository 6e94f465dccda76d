/**
 * A fresh fake Authentik with Gatehouse's services pointed at it through the contract, as the
 * Setup panel and `gatehouse recipes …` reach them. Each call gives a server of its own, so a
 * test can break one without touching the next.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient, type GatehouseClient } from '../../src/shared/client'
import { createLocalBridge } from '../../src/main/core/local-bridge'
import { createMemoryStore } from '../../src/main/secrets/store'
import { createServices, type Services } from '../../src/main/services'
import { startFakeAuthentik, type FakeAuthentik, type FakeVersion } from '../fakes/authentik/server'

export const BOOTSTRAP_TOKEN = 'T'.repeat(60)
export const DOMAIN = 'example.test'

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
  const fake = await startFakeAuthentik({ version, bootstrapToken: BOOTSTRAP_TOKEN })
  const dataDir = mkdtempSync(join(tmpdir(), 'gh-recipes-'))
  const services = createServices({
    host: 'cli',
    dataDir,
    secretStore: createMemoryStore({ bootstrapToken: BOOTSTRAP_TOKEN }),
  })
  const client = createClient(createLocalBridge(services.dispatcher, services.bus, { host: 'cli' }))
  await client.settings.save({
    baseDomain: DOMAIN,
    adminEmail: `admin@${DOMAIN}`,
    smtp: { host: `smtp.${DOMAIN}`, port: 587, from: `a@${DOMAIN}`, tls: 'starttls' },
    dataFolder: join(dataDir, 'stack'),
    timezone: 'UTC',
    authentikUrl: fake.url,
  })
  return {
    fake,
    services,
    client,
    async api(method, path, body) {
      const response = await fetch(`${fake.url}/api/v3${path}`, {
        method,
        headers: {
          authorization: `Bearer ${BOOTSTRAP_TOKEN}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      const text = await response.text()
      if (response.status >= 400) throw new Error(`${method} ${path} → ${response.status}: ${text}`)
      return text ? (JSON.parse(text) as unknown) : undefined
    },
    writes: () => fake.state.requestLog.filter((r) => r.method !== 'GET').length,
    async close() {
      services.dispose()
      await fake.close()
      rmSync(dataDir, { recursive: true, force: true })
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
