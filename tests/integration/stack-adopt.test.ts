import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Docker from 'dockerode'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createLocalBridge } from '../../src/main/core/local-bridge'
import { createMemoryStore, type SecretStore } from '../../src/main/secrets/store'
import { createServices, type Services } from '../../src/main/services'
import { createClient, type GatehouseClient } from '../../src/shared/client'
import { GatehouseError } from '../../src/shared/errors'
import { caught } from '../support/caught'
import { ensureFakeStackImage } from '../support/fake-stack-image'
import { writeGuideStack } from '../support/guide-stack'
import { removeProjectResources, removeTestNetwork, testProject } from '../support/stack-resources'

/**
 * #15 adoption: someone followed the guide last year — a compose file and a `.env` whose secrets
 * came from `openssl rand | base64` (with `+` and `/`), brought up by Debian's docker-compose 1.29.
 * Gatehouse finds it by its compose labels, adopts it after the project name is typed, keeps the
 * secrets exactly, and its Start/Stop then manage the same containers without recreating them —
 * until the admin changes a setting. Stand-in images (no registry here): the fake stack image,
 * tagged as the Authentik release it plays.
 */
const api = new Docker()
const project = testProject()
const network = `${project}-proxy`
const root = mkdtempSync(join(tmpdir(), 'gh-adopt-'))
const folder = join(root, 'authentik')
const serverImage = `${project}/server:2025.6.3`
const PG_PASS = 'q8+Zx/3kLmN0pQrS+tUvWx/yZ12345AbCdEfGh+IjKlMnOpQrStUvWxYz/0123ab=='
const SECRET_KEY =
  'Ab+cD/eF0gH1iJ2kL3mN4oP5qR6sT7uV8wX9yZ+/aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789+/=='
const SMTP_PASS = 'mail+pass/word'
let services: Services
let client: GatehouseClient
let secrets: SecretStore

const compose = (...args: string[]) =>
  execFileSync('docker-compose', ['-p', project, ...args], { cwd: folder, stdio: 'pipe' })

const ids = async (): Promise<Record<string, string>> =>
  Object.fromEntries(
    (
      await api.listContainers({
        all: true,
        filters: { label: [`com.docker.compose.project=${project}`] },
      })
    ).map((c) => [c.Labels['com.docker.compose.service'] ?? '', c.Id]),
  )

beforeAll(async () => {
  const stand = await ensureFakeStackImage(api)
  await api.getImage(stand).tag({ repo: `${project}/server`, tag: '2025.6.3' })
  writeGuideStack(folder, {
    stand,
    serverImage,
    network,
    pgPass: PG_PASS,
    secretKey: SECRET_KEY,
    smtpPass: SMTP_PASS,
  })
  await api.createNetwork({ Name: network })
  compose('up', '-d')
  secrets = createMemoryStore()
  services = createServices({
    host: 'cli',
    dataDir: join(root, 'gatehouse'),
    secretStore: secrets,
    traefikNetwork: network,
    healthTimeoutMs: 30_000,
  })
  client = createClient(createLocalBridge(services.dispatcher, services.bus, { host: 'cli' }))
}, 180_000)

afterAll(async () => {
  await services?.dispose()
  await removeProjectResources(api, project)
  await removeTestNetwork(api, network)
  await api
    .getImage(serverImage)
    .remove()
    .catch(() => undefined)
  rmSync(root, { recursive: true, force: true })
})

describe('adopting a compose stack brought up by hand', () => {
  test('found by its compose labels, with what Gatehouse would read (names, never values)', async () => {
    const { stacks } = await client.stack.adoptable({})
    const found = stacks.find((s) => s.project === project)
    expect(found).toMatchObject({
      version: '2025.6.3',
      dataFolder: folder,
      domain: 'example.test',
      smtpHost: 'smtp.example.test',
      problems: [],
    })
    expect(found?.services.map((s) => s.service).sort()).toEqual([
      'postgresql',
      'redis',
      'server',
      'worker',
    ])
    expect(found?.volumes).toEqual([`${project}_database`, `${project}_redis`])
    expect(found?.secretsFound.sort()).toEqual([
      'authentikSecretKey',
      'postgresPassword',
      'smtpPassword',
    ])
    expect(JSON.stringify(stacks)).not.toContain(PG_PASS)
  })

  test('adoption needs the project name typed; then secrets are kept exactly and Start recreates nothing', async () => {
    const before = await ids()
    const volumesBefore = await Promise.all(
      ['database', 'redis'].map(
        async (v) =>
          ((await api.getVolume(`${project}_${v}`).inspect()) as { CreatedAt?: string }).CreatedAt,
      ),
    )
    const refused = await caught(client.stack.adopt({ project, confirm: 'nope' }))
    expect((refused as GatehouseError).code).toBe('CONFIRMATION_MISMATCH')
    expect(await client.settings.get()).toBeNull()

    const adopted = await client.stack.adopt({ project, confirm: project })
    expect(adopted).toMatchObject({ project, authentikVersion: '2025.6.3', dataFolder: folder })
    expect(await secrets.get('postgresPassword')).toBe(PG_PASS)
    expect(await secrets.get('authentikSecretKey')).toBe(SECRET_KEY)
    expect(await secrets.get('smtpPassword')).toBe(SMTP_PASS)
    const settings = await client.settings.get()
    expect(settings).toMatchObject({
      project,
      baseDomain: 'example.test',
      smtp: { host: 'smtp.example.test', username: 'mailer', tls: 'starttls' },
    })
    expect(JSON.stringify(settings)).not.toContain(PG_PASS)

    await client.stack.up({})
    expect(await ids()).toEqual(before)
    await client.stack.stop({})
    await client.stack.up({})
    expect(await ids()).toEqual(before)
    for (const id of Object.values(before))
      expect((await api.getContainer(id).inspect()).State.Running).toBe(true)
    const volumesAfter = await Promise.all(
      ['database', 'redis'].map(
        async (v) =>
          ((await api.getVolume(`${project}_${v}`).inspect()) as { CreatedAt?: string }).CreatedAt,
      ),
    )
    expect(volumesAfter).toEqual(volumesBefore)
  })

  test('once the admin changes a setting, Start converges on Gatehouse’s model and keeps the volumes', async () => {
    const before = await ids()
    const settings = await client.settings.get()
    if (!settings) throw new Error('not adopted')
    await client.settings.save({ ...settings, timezone: 'Europe/Berlin' })
    await client.stack.up({})
    const after = await ids()
    expect(after.server).not.toBe(before.server)
    const server = await api.getContainer(after.server!).inspect()
    expect(server.Config.Env).toContain(`AUTHENTIK_SECRET_KEY=${SECRET_KEY}`)
    const db = await api.getContainer(after.postgresql!).inspect()
    expect(db.Config.Env).toContain('TZ=Europe/Berlin')
    expect(db.Config.Env).toContain(`POSTGRES_PASSWORD=${PG_PASS}`)
    expect(db.Mounts.find((m) => m.Destination === '/var/lib/postgresql/data')?.Name).toBe(
      `${project}_database`,
    )
  })
})
