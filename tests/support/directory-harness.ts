import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createLocalBridge } from '../../src/main/core/local-bridge'
import { createMemoryStore, type SecretStore } from '../../src/main/secrets/store'
import { createServices, type Services } from '../../src/main/services'
import { createClient, type GatehouseClient } from '../../src/shared/client'
import { startFakeAuthentik, type FakeAuthentik, type FakeVersion } from '../fakes/authentik/server'

export const BOOTSTRAP_TOKEN = 'directory-bootstrap-token-0123456789abcdefghijklmnopqrstuv'

export interface DirectoryHarness {
  fake: FakeAuthentik
  services: Services
  client: GatehouseClient
  secrets: SecretStore
  dataDir: string
  /** Authentik's REST API as the admin would call it by hand (to arrange a scene). */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<T>
  close(): Promise<string[]>
}

/**
 * A schema-checked fake Authentik of one version and Gatehouse's services pointed at it, the
 * way a user's settings would (authentikUrl override, the token in a keychain — here in memory),
 * reached through the contract exactly as the UI and the CLI reach it.
 */
export async function startDirectoryHarness(version: FakeVersion): Promise<DirectoryHarness> {
  const fake = await startFakeAuthentik({
    version,
    bootstrapToken: BOOTSTRAP_TOKEN,
    bootstrapPassword: 'bootstrap-password-123456',
    bootstrapEmail: 'root@example.test',
  })
  const dataDir = mkdtempSync(join(tmpdir(), 'gh-dir-'))
  const secrets = createMemoryStore({ bootstrapToken: BOOTSTRAP_TOKEN })
  const services = createServices({ host: 'cli', dataDir, secretStore: secrets })
  const client = createClient(createLocalBridge(services.dispatcher, services.bus, { host: 'cli' }))
  await client.settings.save({
    baseDomain: 'example.test',
    adminEmail: 'admin@example.test',
    smtp: { host: 'smtp.example.test', port: 587, from: 'a@example.test', tls: 'starttls' },
    dataFolder: join(dataDir, 'stack'),
    timezone: 'UTC',
    authentikUrl: fake.url,
  })
  return {
    fake,
    services,
    client,
    secrets,
    dataDir,
    async api<T>(method: string, path: string, body?: unknown): Promise<T> {
      const response = await fetch(`${fake.url}/api/v3${path}`, {
        method,
        headers: {
          authorization: `Bearer ${BOOTSTRAP_TOKEN}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      const text = await response.text()
      if (response.status >= 400) throw new Error(`${method} ${path} → ${response.status} ${text}`)
      return (text ? JSON.parse(text) : undefined) as T
    },
    async close() {
      services.dispose()
      const violations = [...fake.schemaViolations]
      await fake.close()
      rmSync(dataDir, { recursive: true, force: true })
      return violations
    },
  }
}
