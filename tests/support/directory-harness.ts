import type { SecretStore } from '../../src/main/secrets/store'
import type { Services } from '../../src/main/services'
import type { GatehouseClient } from '../../src/shared/client'
import type { FakeAuthentik, FakeVersion } from '../fakes/authentik/server'
import { startGatehouseAgainstFake } from './gatehouse-against-fake'

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
 * A schema-checked fake Authentik of one version and Gatehouse's services pointed at it (see
 * startGatehouseAgainstFake), with a bootstrap admin that has a password and an e-mail address.
 */
export function startDirectoryHarness(version: FakeVersion): Promise<DirectoryHarness> {
  return startGatehouseAgainstFake({
    fake: {
      version,
      bootstrapToken: BOOTSTRAP_TOKEN,
      bootstrapPassword: 'bootstrap-password-123456',
      bootstrapEmail: 'root@example.test',
    },
    name: 'dir',
  })
}
