import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Docker from 'dockerode'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createClient, type GatehouseClient } from '../../src/shared/client'
import type { StackProgressEvent } from '../../src/shared/contract'
import { GatehouseError } from '../../src/shared/errors'
import { createLocalBridge } from '../../src/main/core/local-bridge'
import { createKeychainStore } from '../../src/main/secrets/store'
import { createServices, type Services } from '../../src/main/services'
import { ensureFakeStackImage } from '../support/fake-stack-image'
import { removeProjectResources, removeTestNetwork, testProject } from '../support/stack-resources'
import { engineKinds, engineTarget } from '../support/engine-targets'

/**
 * R0 end to end through the contract, as the UI and the CLI drive it: first-run settings, keychain
 * secrets (real gnome-keyring), Start with progress, health, logs, the e-mail test, export, a
 * changed setting, Stop/Remove — on the real engine with small local images. Runs twice (#15):
 * the engine on this computer, and the same engine as a NAS over ssh:// (the settings' Docker host
 * block, a key file, the pinned host key of the test sshd).
 */
const api = new Docker()

describe.each(engineKinds)('over %s', (kind) => {
  const target = engineTarget(kind)
  const project = testProject()
  const network = `${project}-proxy`
  const keychainService = `gatehouse-test-${randomBytes(4).toString('hex')}`
  const dataDir = mkdtempSync(join(tmpdir(), 'gh-stack-'))
  const stackFolder = join(dataDir, 'stack-data')
  let services: Services
  let client: GatehouseClient
  const progress: StackProgressEvent[] = []

  async function expectError(promise: Promise<unknown>, code: string): Promise<GatehouseError> {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(GatehouseError)
    expect(error).toMatchObject({ code })
    return error as GatehouseError
  }

  const containerIds = async () =>
    Object.fromEntries(
      (
        await api.listContainers({
          all: true,
          filters: { label: [`com.docker.compose.project=${project}`] },
        })
      ).map((c) => [c.Labels['com.docker.compose.service'], c.Id]),
    )

  function settings(overrides: Record<string, unknown> = {}) {
    return {
      baseDomain: 'example.test',
      adminEmail: 'admin@example.test',
      smtp: {
        host: 'smtp.example.test',
        port: 587,
        username: 'mailer',
        from: 'authentik@example.test',
        tls: 'starttls' as const,
      },
      authentikVersion: '2026.8.3' as const,
      dataFolder: stackFolder,
      timezone: 'Europe/Berlin',
      project,
      imageOverrides: { postgresql: image, authentik: image },
      ...(target.sshd
        ? {
            docker: {
              kind: 'ssh' as const,
              ssh: {
                address: `ssh://${target.sshd.user}@${target.sshd.host}:${target.sshd.port}`,
                auth: 'keyFile' as const,
                keyFile: target.sshd.keyPath,
                hostKey: target.sshd.fingerprint,
              },
            },
          }
        : {}),
      ...overrides,
    }
  }
  let image = ''

  beforeAll(async () => {
    await target.setup()
    if (target.sshd) {
      // On the NAS the data folder belongs to the SSH user; Gatehouse writes it over SFTP as them.
      chmodSync(dataDir, 0o755)
      mkdirSync(stackFolder)
      execFileSync('chown', [`${target.sshd.user}:`, stackFolder])
    }
    image = await ensureFakeStackImage(api)
    services = createServices({
      host: 'cli',
      dataDir,
      secretStore: createKeychainStore({ service: keychainService }),
      healthTimeoutMs: 30_000,
      traefikNetwork: network,
    })
    client = createClient(createLocalBridge(services.dispatcher, services.bus, { host: 'cli' }))
    services.bus.subscribe('stack.progress', (p) => progress.push(p as StackProgressEvent))
  })

  afterAll(async () => {
    services?.dispose()
    await removeProjectResources(api, project)
    await removeTestNetwork(api, network)
    for (const account of [
      'postgresPassword',
      'authentikSecretKey',
      'bootstrapPassword',
      'bootstrapToken',
      'smtpPassword',
    ])
      try {
        execFileSync('secret-tool', ['clear', 'service', keychainService, 'username', account])
      } catch {
        // not stored
      }
    rmSync(dataDir, { recursive: true, force: true })
    await target.dispose()
  })

  describe('R0 stack through the contract', () => {
    test('before the first-run form, Start explains what is missing', async () => {
      expect(await client.settings.get()).toBeNull()
      expect(await client.stack.status()).toEqual({ configured: false })
      await expectError(client.stack.up(), 'STACK_NOT_CONFIGURED')
    })

    test('bad settings are refused field by field and nothing is written', async () => {
      const error = await expectError(
        client.settings.save({
          ...settings(),
          baseDomain: 'https://nope',
          smtp: { ...settings().smtp, port: 70000 },
        }),
        'VALIDATION_FAILED',
      )
      const paths = (error.details?.issues as { path: string }[]).map((i) => i.path)
      expect(paths).toEqual(expect.arrayContaining(['baseDomain', 'smtp.port']))
      expect(await client.settings.get()).toBeNull()
    })

    test('a data folder that cannot be created fails before any container exists', async () => {
      const file = join(dataDir, 'a-file')
      writeFileSync(file, 'x')
      await client.settings.save(settings({ dataFolder: join(file, 'data') }))
      // Looking at the stack does not generate secrets; only Start does.
      expect((await client.stack.status()).configured).toBe(true)
      expect((await client.secrets.status()).secrets.postgresPassword).toBe(false)
      const error = await expectError(client.stack.up(), 'DATA_FOLDER_NOT_WRITABLE')
      expect(error.hint).toMatch(/No container was created/)
      expect(await containerIds()).toEqual({})
    })

    test('Start: secrets generated into the keychain, progress streamed, every service healthy', async () => {
      await client.settings.save(settings())
      progress.length = 0
      const status = await client.stack.up()
      if (!status.configured) throw new Error('unconfigured')
      expect(status.services.map((s) => [s.service, s.state, s.health])).toEqual([
        ['postgresql', 'running', 'healthy'],
        ['server', 'running', 'healthy'],
        ['worker', 'running', 'healthy'],
      ])
      const steps = progress.map((p) => p.event.step)
      expect(steps[0]).toBe('started')
      expect(steps.at(-1)).toBe('finished')
      for (const step of ['network', 'volumes', 'images', 'containers', 'healthy'])
        expect(steps).toContain(step)

      // Secrets: 50+ letters and digits, really in gnome-keyring, never in the settings file.
      const stored = execFileSync(
        'secret-tool',
        ['lookup', 'service', keychainService, 'username', 'postgresPassword'],
        {
          encoding: 'utf8',
        },
      ).trim()
      expect(stored).toMatch(/^[A-Za-z0-9]{50,}$/)
      const keychain = await client.secrets.status()
      expect(keychain).toMatchObject({
        available: true,
        secrets: { postgresPassword: true, bootstrapToken: true, smtpPassword: false },
      })
      expect(JSON.stringify(keychain)).not.toContain(stored)
      const settingsFile = execFileSync('cat', [join(dataDir, 'settings.json')], {
        encoding: 'utf8',
      })
      expect(settingsFile).not.toContain(stored)
      expect(statSync(join(dataDir, 'settings.json')).mode & 0o777).toBe(0o600)
      // …but the container got it.
      const server = await api.getContainer(`${project}_server_1`).inspect()
      expect(server.Config.Env).toContain(`AUTHENTIK_POSTGRESQL__PASSWORD=${stored}`)
      expect(server.NetworkSettings.Networks[network]?.Aliases).toContain('authentik-server')
      expect(server.Config.Labels['traefik.http.routers.authentik.rule']).toBe(
        'Host(`auth.example.test`)',
      )
    })

    test('Start again on a running, unchanged stack changes nothing', async () => {
      const before = await containerIds()
      progress.length = 0
      await client.stack.up()
      expect(await containerIds()).toEqual(before)
      const actions = progress.flatMap((p) =>
        p.event.step === 'containers' ? [p.event.action] : [],
      )
      expect(actions).toEqual(['unchanged', 'unchanged', 'unchanged'])
    })

    test('logs: stdout and stderr told apart, per service and for all', async () => {
      const server = await client.stack.logs({ service: 'server', tail: 50 })
      expect(
        server.lines.some((l) => l.stream === 'stdout' && l.text.includes('fake server starting')),
      ).toBe(true)
      expect(
        server.lines.some((l) => l.stream === 'stderr' && l.text.includes('warning on stderr')),
      ).toBe(true)
      expect(new Set(server.lines.map((l) => l.service))).toEqual(new Set(['server']))
      const all = await client.stack.logs({})
      expect(new Set(all.lines.map((l) => l.service))).toEqual(
        new Set(['postgresql', 'server', 'worker']),
      )
      await expectError(client.stack.logs({ service: 'nginx' }), 'VALIDATION_FAILED')
    })

    test('live logs stream while someone listens', async () => {
      const seen: string[] = []
      const off = client.on('stack.logs', (p) =>
        seen.push(...p.lines.map((l) => `${l.service}:${l.text}`)),
      )
      await new Promise((r) => setTimeout(r, 500))
      await client.stack.restart()
      for (let i = 0; i < 40 && !seen.some((l) => l.startsWith('server:fake server starting')); i++)
        await new Promise((r) => setTimeout(r, 250))
      off()
      expect(seen.some((l) => l.startsWith('server:fake server starting'))).toBe(true)
    })

    test('the e-mail test reports success and failure with the output', async () => {
      expect(await client.stack.testEmail({ to: 'someone@example.test' })).toMatchObject({
        ok: true,
        exitCode: 0,
        output: expect.stringContaining('Sent test email to someone@example.test'),
      })
      const failed = await client.stack.testEmail({ to: 'fail@example.test' })
      expect(failed).toMatchObject({
        ok: false,
        exitCode: 1,
        output: expect.stringContaining('mailbox unavailable'),
      })
    })

    test('export: docker-compose 1.29 sees the same running stack', async () => {
      const folder = join(dataDir, 'export')
      const result = await client.stack.export({ folder })
      expect(statSync(result.envFile).mode & 0o777).toBe(0o600)
      expect(result.warning).toMatch(/secret/i)
      const ps = execFileSync(
        'docker-compose',
        ['-p', project, 'ps', '--services', '--filter', 'status=running'],
        {
          cwd: folder,
          encoding: 'utf8',
        },
      )
      expect(ps.split('\n').filter(Boolean).sort()).toEqual(['postgresql', 'server', 'worker'])
    })

    test('a changed setting recreates only the services it affects', async () => {
      const before = await containerIds()
      await client.settings.save(
        settings({ smtp: { ...settings().smtp, from: 'noreply@example.test' } }),
      )
      const changed = await client.stack.status()
      if (!changed.configured) throw new Error('unconfigured')
      expect(changed.services.filter((s) => !s.upToDate).map((s) => s.service)).toEqual([
        'server',
        'worker',
      ])
      await client.stack.up()
      const after = await containerIds()
      expect(after.postgresql).toBe(before.postgresql)
      expect(after.server).not.toBe(before.server)
      expect(after.worker).not.toBe(before.worker)
    })

    test('changing the Authentik version adds or drops Redis and keeps the database', async () => {
      const volume = (
        (await api.getVolume(`${project}_database`).inspect()) as { CreatedAt?: string }
      ).CreatedAt
      await client.settings.save(
        settings({
          authentikVersion: '2025.6.3',
          imageOverrides: { postgresql: image, redis: image, authentik: image },
        }),
      )
      await client.stack.up()
      expect(Object.keys(await containerIds()).sort()).toEqual([
        'postgresql',
        'redis',
        'server',
        'worker',
      ])
      const redisEnv = (await api.getContainer(`${project}_server_1`).inspect()).Config.Env
      expect(redisEnv).toContain('AUTHENTIK_REDIS__HOST=redis')
      await client.settings.save(settings())
      await client.stack.up()
      expect(Object.keys(await containerIds()).sort()).toEqual(['postgresql', 'server', 'worker'])
      expect(
        ((await api.getVolume(`${project}_database`).inspect()) as { CreatedAt?: string })
          .CreatedAt,
      ).toBe(volume)
    })

    test('one operation at a time', async () => {
      const first = client.stack.restart()
      await expectError(client.stack.stop(), 'STACK_BUSY')
      await first
    })

    test('Stop keeps containers; Remove keeps volumes; removing volumes needs the stack name', async () => {
      const stopped = await client.stack.stop()
      if (!stopped.configured) throw new Error('unconfigured')
      expect(stopped.services.every((s) => s.exists && s.state === 'exited')).toBe(true)
      expect((await client.stack.down()).removed).toHaveLength(3)
      expect((await api.getVolume(`${project}_database`).inspect()).Name).toBe(
        `${project}_database`,
      )
      const refused = await expectError(
        client.stack.removeVolumes({ confirm: 'yes' }),
        'CONFIRMATION_MISMATCH',
      )
      expect(refused.hint).toContain(project)
      await api.getVolume(`${project}_database`).inspect()
      const removed = await client.stack.removeVolumes({ confirm: project })
      expect(removed.removedVolumes).toEqual([`${project}_database`])
      await expect(api.getVolume(`${project}_database`).inspect()).rejects.toMatchObject({
        statusCode: 404,
      })
    })
  })

  // Only the SSH variant has a NAS user and a connection to count (declared there, never skipped).
  if (kind === 'ssh')
    test('over SSH the data folder and the default export are written on the NAS, as the SSH user', async () => {
      const exported = await client.stack.export({})
      expect(exported.where).toMatch(/^ssh:\/\//)
      expect(exported.envFile).toBe(join(stackFolder, 'compose', '.env'))
      const owner = (path: string) =>
        execFileSync('stat', ['-c', '%U', path], { encoding: 'utf8' }).trim()
      const user = target.sshd?.user
      const made = readdirSync(stackFolder).filter((f) => f !== 'compose')
      expect(made.length).toBeGreaterThan(0)
      for (const folder of made) expect(owner(join(stackFolder, folder))).toBe(user)
      expect(owner(join(stackFolder, 'compose', '.env'))).toBe(user)
      expect(statSync(join(stackFolder, 'compose', '.env')).mode & 0o777).toBe(0o600)
    })
  if (kind === 'ssh')
    test('over SSH every operation of the suite shared one connection', async () => {
      const { sharedSshConnection, noHostSecrets } = await import('../../src/main/ssh/pool')
      const ssh = settings().docker?.ssh
      if (!ssh) throw new Error('no ssh settings')
      // The same settings give the pooled connection the services used all along.
      const connection = await sharedSshConnection(ssh, noHostSecrets)
      expect(connection.stats.handshakes).toBe(1)
      expect(connection.stats.channels).toBeGreaterThan(20)
    })
})
