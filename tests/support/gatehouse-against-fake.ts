/**
 * Gatehouse's services (the composition root, in process) pointed at a fresh schema-checked fake
 * Authentik the way a user's settings would point them (authentikUrl, the token in a keychain —
 * here in memory unless a store is given), reached through the contract exactly as the UI and the
 * CLI reach it. Each call gets a fake, a data folder and services of its own.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLocalBridge } from '../../src/main/core/local-bridge'
import { createMemoryStore, type SecretStore } from '../../src/main/secrets/store'
import { createServices, type ServiceOptions, type Services } from '../../src/main/services'
import { createClient, type GatehouseClient } from '../../src/shared/client'
import type { GatehouseBridge } from '../../src/shared/contract'
import type { SettingsInput } from '../../src/shared/settings'
import { startFakeAuthentik, type FakeAuthentik } from '../fakes/authentik/server'
import type { FakeAuthentikOptions } from '../fakes/authentik/types'
import { sampleSettings } from './sample-settings'

export interface GatehouseAgainstFake {
  fake: FakeAuthentik
  services: Services
  bridge: GatehouseBridge
  client: GatehouseClient
  secrets: SecretStore
  dataDir: string
  /** The fake's bootstrap token (also in `secrets` as `bootstrapToken`). */
  token: string
  /** Authentik's REST API as the admin would call it by hand (to arrange a scene). */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<T>
  /** Writes (POST/PUT/PATCH/DELETE) the fake has answered so far. */
  writes(): number
  /** Disposes the services, stops the fake, removes the data folder; returns schema violations. */
  close(): Promise<string[]>
}

export interface GatehouseAgainstFakeOptions {
  fake: FakeAuthentikOptions & { bootstrapToken: string }
  /** Default: an in-memory store holding the bootstrap token. */
  secrets?: SecretStore
  /** Passed to createServices (host defaults to `cli`). */
  services?: Partial<ServiceOptions>
  /** Changes to sampleSettings(); `null` = save no settings. */
  settings?: Partial<SettingsInput> | null
  /** Prefix of the temporary data folder. */
  name?: string
  /** A data folder of the test's own (kept by close()); default a fresh temporary one. */
  dataDir?: string
}

export async function startGatehouseAgainstFake(
  options: GatehouseAgainstFakeOptions,
): Promise<GatehouseAgainstFake> {
  const token = options.fake.bootstrapToken
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), `gh-${options.name ?? 'fake'}-`))
  const secrets = options.secrets ?? createMemoryStore({ bootstrapToken: token })
  const services = createServices({
    host: 'cli',
    dataDir,
    secretStore: secrets,
    ...options.services,
  })
  // Every domain loaded before the fake starts, as before lazy loading: a fake's slow start
  // (slowStartMs) must not be spent importing the Authentik client on the first call.
  await services.dispatcher.preload()
  const fake = await startFakeAuthentik(options.fake)
  const bridge = createLocalBridge(services.dispatcher, services.bus, { host: 'cli' })
  const client = createClient(bridge)
  if (options.settings !== null)
    await client.settings.save(
      sampleSettings(join(dataDir, 'stack'), { authentikUrl: fake.url, ...options.settings }),
    )
  return {
    fake,
    services,
    bridge,
    client,
    secrets,
    dataDir,
    token,
    async api<T>(method: string, path: string, body?: unknown): Promise<T> {
      const response = await fetch(`${fake.url}/api/v3${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      const text = await response.text()
      if (response.status >= 400) throw new Error(`${method} ${path} → ${response.status}: ${text}`)
      return (text ? JSON.parse(text) : undefined) as T
    },
    writes: () => fake.state.requestLog.filter((r) => r.method !== 'GET').length,
    async close() {
      await services.dispose()
      const violations = [...fake.schemaViolations]
      await fake.close()
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true })
      return violations
    },
  }
}
