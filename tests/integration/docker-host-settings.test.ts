import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createClient, type GatehouseClient } from '../../src/shared/client'
import { createLocalBridge } from '../../src/main/core/local-bridge'
import { createMemoryStore, type SecretStore } from '../../src/main/secrets/store'
import { createServices, type Services } from '../../src/main/services'
import { generateKeyPair } from '../../src/main/ssh/keypair'
import { closeSshConnections } from '../../src/main/ssh/pool'
import type { SettingsInput } from '../../src/shared/settings'
import { caught } from '../support/caught'
import { sampleSettings } from '../support/sample-settings'
import { startTestSshd, type TestSshd } from '../support/sshd'

/**
 * Settings → Docker host (#15) as the app uses it: the saved `docker` block decides whether the
 * engine is local, over SSH (key from the keychain, pinned host key) or refused as insecure TCP.
 */

let sshd: TestSshd
let services: Services
let client: GatehouseClient
let secrets: SecretStore
const dataDir = mkdtempSync(join(tmpdir(), 'gh-dockerhost-'))

beforeAll(async () => {
  sshd = await startTestSshd()
  secrets = createMemoryStore()
  services = createServices({ host: 'cli', dataDir, secretStore: secrets })
  client = createClient(createLocalBridge(services.dispatcher, services.bus, { host: 'cli' }))
})

afterAll(async () => {
  services?.dispose()
  await closeSshConnections()
  await sshd?.dispose()
  rmSync(dataDir, { recursive: true, force: true })
})

const save = (docker: SettingsInput['docker']) =>
  client.settings.save(sampleSettings(join(dataDir, 'stack'), { docker }))

describe('the docker block of the settings', () => {
  test('over SSH with a generated key: unknown host key first, then the pinned one answers', async () => {
    const pair = generateKeyPair('gatehouse@settings-test')
    await secrets.set('host:sshPrivateKey', pair.privateKey)
    sshd.authorize(pair.authorizedKeysLine)
    const address = `ssh://${sshd.user}@${sshd.host}:${sshd.port}`
    await save({ kind: 'ssh', ssh: { address, auth: 'generated' } })
    const unknown = await caught(client.docker.ping())
    expect(unknown.code).toBe('SSH_HOST_KEY_UNKNOWN')
    expect(unknown.details?.fingerprint).toBe(sshd.fingerprint)

    await save({ kind: 'ssh', ssh: { address, auth: 'generated', hostKey: sshd.fingerprint } })
    const info = await client.docker.ping()
    expect(info.version).toMatch(/^\d+\./)
    expect(info.endpoint).toBe(address)
    // The same connection serves the next call.
    await client.docker.ping()
  })

  test('over SSH with a key file whose passphrase is in the keychain', async () => {
    await secrets.set('host:sshKeyPassphrase', sshd.passphrase)
    await save({
      kind: 'ssh',
      ssh: {
        address: `ssh://${sshd.user}@${sshd.host}:${sshd.port}`,
        auth: 'keyFile',
        keyFile: sshd.encryptedKeyPath,
        hostKey: sshd.fingerprint,
      },
    })
    expect((await client.docker.ping()).version).toMatch(/^\d+\./)
  })

  test('plain tcp:// to another machine is refused unless explicitly allowed', async () => {
    await save({ endpoint: 'tcp://nas.invalid:2375' })
    const refused = await caught(client.docker.ping())
    expect(refused.code).toBe('DOCKER_INSECURE_TCP')
    expect(refused.hint).toMatch(/Over SSH/)
    await save({ endpoint: 'tcp://nas.invalid:2375', allowInsecureTcp: true })
    expect((await caught(client.docker.ping())).code).toBe('DOCKER_UNREACHABLE')
  })

  test('the settings check the SSH block', async () => {
    const bad = await caught(
      save({ kind: 'ssh', ssh: { address: 'ssh://nas', auth: 'keyFile', hostKey: 'MD5:aa' } }),
    )
    expect(bad.code).toBe('VALIDATION_FAILED')
    const text = JSON.stringify(bad.details)
    expect(text).toContain('the user is required')
    expect(text).toContain('Choose the private key file')
    expect(text).toContain('SHA256:')
    expect((await caught(save({ kind: 'ssh' }))).code).toBe('VALIDATION_FAILED')
  })
})
