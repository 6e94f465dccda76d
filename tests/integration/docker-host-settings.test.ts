import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createClient, type GatehouseClient } from '../../src/shared/client'
import { createLocalBridge } from '../../src/main/core/local-bridge'
import { createMemoryStore, type SecretStore } from '../../src/main/secrets/store'
import { createServices, type Services } from '../../src/main/services'
import { generateKeyPair } from '../../src/main/ssh/keypair'
import { closeSshConnections, sharedLocalForward } from '../../src/main/ssh/pool'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { SettingsInput } from '../../src/shared/settings'
import { caught } from '../support/caught'
import { createSettingsStore } from '../../src/main/settings/store'
import { runGatehouseAsync } from '../support/gatehouse-cli'
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

describe("hosts: the Docker host screen's methods", () => {
  test('scanHostKey shows the fingerprint without logging in', async () => {
    const scan = await client.hosts.scanHostKey({
      address: `ssh://${sshd.outsider}@${sshd.host}:${sshd.port}`,
    })
    expect(scan).toMatchObject({ fingerprint: sshd.fingerprint, keyType: 'ssh-ed25519' })
  })

  test('generateKey keeps one pair in the keychain; test connection reports engine and disk', async () => {
    const first = await client.hosts.generateKey({ replace: true })
    expect(first.created).toBe(true)
    expect(first.authorizedKeysLine).toMatch(/^ssh-ed25519 AAAA\S+ gatehouse@/)
    const again = await client.hosts.generateKey()
    expect(again).toEqual({ authorizedKeysLine: first.authorizedKeysLine, created: false })
    // The key never travels back through the contract.
    expect(JSON.stringify(again)).not.toContain('PRIVATE KEY')
    sshd.authorize(first.authorizedKeysLine)

    const result = await client.hosts.test({
      docker: {
        kind: 'ssh',
        ssh: {
          address: `ssh://${sshd.user}@${sshd.host}:${sshd.port}`,
          auth: 'generated',
          hostKey: sshd.fingerprint,
        },
      },
      dataFolder: `${sshd.scratch}/not-yet/authentik`,
    })
    expect(result.kind).toBe('ssh')
    expect(result.engine.version).toMatch(/^\d+\./)
    expect(result.engine.os).toBe('linux')
    expect(result.engine.arch).toMatch(/\w+/)
    // The folder does not exist yet: its nearest existing parent is measured.
    expect(result.diskPath).toBe(sshd.scratch)
    expect(result.freeDiskBytes).toBeGreaterThan(0)

    const local = await client.hosts.test({ docker: {}, dataFolder: dataDir })
    expect(local).toMatchObject({ kind: 'local', diskPath: dataDir })
    expect(local.freeDiskBytes).toBeGreaterThan(0)
  })

  test('test connection with an unaccepted host key fails before logging in', async () => {
    const error = await caught(
      client.hosts.test({
        docker: {
          kind: 'ssh',
          ssh: { address: `ssh://${sshd.user}@${sshd.host}:${sshd.port}`, auth: 'generated' },
        },
      }),
    )
    expect(error.code).toBe('SSH_HOST_KEY_UNKNOWN')
  })

  test('storeSecret refuses what is not a PEM key', async () => {
    const error = await caught(client.hosts.storeSecret({ name: 'tlsClientKey', value: 'hello' }))
    expect(error.code).toBe('VALIDATION_FAILED')
    expect(await client.hosts.storeSecret({ name: 'sshKeyPassphrase', value: 'x' })).toEqual({
      stored: true,
    })
  })
})

describe('the CLI', () => {
  test('gatehouse docker ping over SSH (agent login) answers and the process exits', async () => {
    const cliDir = mkdtempSync(join(tmpdir(), 'gh-dockerhost-cli-'))
    try {
      const address = `ssh://${sshd.user}@${sshd.host}:${sshd.port}`
      await createSettingsStore(cliDir).save(
        sampleSettings(join(cliDir, 'stack'), {
          docker: { kind: 'ssh', ssh: { address, auth: 'agent', hostKey: sshd.fingerprint } },
        }),
      )
      // The open SSH connection must not keep the process alive: the timeout would kill it.
      const run = await runGatehouseAsync(
        ['docker', 'ping'],
        { GATEHOUSE_DATA_DIR: cliDir, SSH_AUTH_SOCK: sshd.agentSocket },
        { timeoutMs: 60_000 },
      )
      expect(run.stderr).toBe('')
      expect(run.code).toBe(0)
      expect(JSON.parse(run.stdout)).toMatchObject({ endpoint: address, os: 'linux' })
    } finally {
      rmSync(cliDir, { recursive: true, force: true })
    }
  })
})

describe("a shared port forward (Authentik on the NAS's 127.0.0.1)", () => {
  test('made once per target on the pooled connection, closed with it', async () => {
    const server = createServer((_req, res) => res.end('authentik here'))
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    const port = (server.address() as AddressInfo).port
    try {
      const ssh = {
        address: `ssh://${sshd.user}@${sshd.host}:${sshd.port}`,
        auth: 'keyFile' as const,
        keyFile: sshd.keyPath,
        hostKey: sshd.fingerprint,
      }
      const first = await sharedLocalForward(ssh, secrets, '127.0.0.1', port)
      const again = await sharedLocalForward(ssh, secrets, '127.0.0.1', port)
      expect(again.url).toBe(first.url)
      expect(await (await fetch(first.url)).text()).toBe('authentik here')
      await closeSshConnections()
      await expect(fetch(first.url)).rejects.toThrow()
    } finally {
      server.close()
    }
  })
})
